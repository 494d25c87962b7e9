//! TLS to PostgreSQL: the URL's `sslmode` and `sslrootcert`, and a small adapter that gives
//! the `postgres` client a rustls connection ([`MakeTlsConnect`]).
//!
//! The stance: the certificate chain and the host name are always verified. `verify-full` is
//! the default for a host that is not loopback; `require` is accepted and verified the same
//! way (this build never encrypts without verifying); `disable` is for a loopback host or a
//! unix socket only (the default there), a network host in clear is refused. The roots are the
//! PEM file `sslrootcert` names, or the platform's (`rustls-platform-verifier`). libpq's
//! `prefer`, `allow` and `verify-ca` are refused: each would accept what the others refuse.
//! Channel binding (SCRAM's `-PLUS`) is not offered: the session is authenticated by the
//! verified certificate.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::Socket;
use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, InvalidDnsNameError, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What the URL's `sslmode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// No TLS (loopback hosts and unix sockets only).
    Disable,
    /// TLS, verified as [`SslMode::VerifyFull`] in this build.
    Require,
    /// TLS, the chain and the host name verified.
    VerifyFull,
}

/// The URL's TLS options, and the URL without them (what the client parses).
#[derive(Debug)]
pub(crate) struct TlsOptions {
    /// `sslmode`, when given.
    pub(crate) mode: Option<SslMode>,
    /// `sslrootcert`, when given: a PEM file of the CA(s) to trust.
    pub(crate) root_cert: Option<PathBuf>,
    /// The URL without `sslmode` and `sslrootcert` (it still holds the password).
    pub(crate) rest: String,
}

/// Takes `sslmode` and `sslrootcert` out of a URL's options; an error names what is wrong.
pub(crate) fn split_options(url: &str) -> Result<TlsOptions, String> {
    let Some(q) = url.find('?') else {
        return Ok(TlsOptions {
            mode: None,
            root_cert: None,
            rest: url.to_owned(),
        });
    };
    let (mut mode, mut root_cert, mut kept) = (None, None, Vec::new());
    for part in url[q + 1..].split('&') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        let decoded = || {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|_| format!("{key} is not UTF-8 once decoded"))
        };
        match key {
            "sslmode" => {
                mode = Some(match decoded()?.as_str() {
                    "disable" => SslMode::Disable,
                    "require" => SslMode::Require,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(format!(
                            "sslmode={} is not supported: use verify-full (the default for a \
                             network host), require (verified the same way) or disable \
                             (loopback hosts and unix sockets only)",
                            glp_core::text::escape_control(other)
                        ));
                    }
                });
            }
            "sslrootcert" => root_cert = Some(PathBuf::from(decoded()?)),
            _ => kept.push(part),
        }
    }
    let mut rest = url[..q].to_owned();
    if !kept.is_empty() {
        rest.push('?');
        rest.push_str(&kept.join("&"));
    }
    Ok(TlsOptions {
        mode,
        root_cert,
        rest,
    })
}

/// The rustls client configuration: the roots of `root_cert` (a PEM file) or the platform's.
pub(crate) fn client_config(root_cert: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let mut config = match root_cert {
        Some(path) => {
            let shown = path.display();
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert={shown}: cannot be read: {e}"))?
            {
                let cert = cert.map_err(|e| format!("sslrootcert={shown}: not PEM: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("sslrootcert={shown}: a certificate is refused: {e}"))?;
            }
            if roots.is_empty() {
                return Err(format!("sslrootcert={shown}: holds no certificate"));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            let verifier = rustls_platform_verifier::Verifier::new(provider)
                .map_err(|e| format!("TLS: the platform's roots: {e}"))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
    };
    // PostgreSQL 17's direct TLS (`sslnegotiation=direct`) requires it; older servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(config)
}

/// Makes a verified rustls connection for each host the client tries.
#[derive(Clone)]
pub(crate) struct RustlsConnect(pub(crate) Arc<rustls::ClientConfig>);

impl MakeTlsConnect<Socket> for RustlsConnect {
    type Stream = Tls;
    type TlsConnect = Connect;
    type Error = InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<Connect, InvalidDnsNameError> {
        Ok(Connect {
            connector: tokio_rustls::TlsConnector::from(self.0.clone()),
            name: ServerName::try_from(domain.to_owned())?,
        })
    }
}

/// The handshake with one host, verified for its name.
pub(crate) struct Connect {
    connector: tokio_rustls::TlsConnector,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for Connect {
    type Stream = Tls;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Tls>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let stream = self.connector.connect(self.name, stream).await?;
            Ok(Tls(Box::new(stream)))
        })
    }
}

/// A TLS session with the server.
pub(crate) struct Tls(Box<tokio_rustls::client::TlsStream<Socket>>);

impl AsyncRead for Tls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Tls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_shutdown(cx)
    }
}

impl TlsStream for Tls {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_options_are_taken_out_of_the_url() {
        let o = split_options(
            "postgres://u:p@db.example/inv?application_name=x&sslmode=verify-full&\
             sslrootcert=%2Fetc%2Fca.pem",
        )
        .expect("options");
        assert_eq!(o.mode, Some(SslMode::VerifyFull));
        assert_eq!(o.root_cert.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(o.rest, "postgres://u:p@db.example/inv?application_name=x");
        let o = split_options("postgres://h/x?sslmode=require").expect("options");
        assert_eq!(
            (o.mode, o.rest.as_str()),
            (Some(SslMode::Require), "postgres://h/x")
        );
        for weak in ["prefer", "allow", "verify-ca"] {
            let e = split_options(&format!("postgres://h/x?sslmode={weak}")).expect_err("refused");
            assert!(
                e.contains(&format!("sslmode={weak} is not supported")),
                "{e}"
            );
        }
        let e = client_config(Some(Path::new("/nonexistent/ca.pem"))).expect_err("refused");
        assert!(
            e.contains("sslrootcert=/nonexistent/ca.pem: cannot be read"),
            "{e}"
        );
    }
}
