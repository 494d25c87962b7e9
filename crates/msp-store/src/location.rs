//! Where a store is: a SQLite file, or a PostgreSQL database named by a URL whose password
//! is a secret (registered for redaction, never shown).

use std::path::{Path, PathBuf};

use crate::StoreError;

/// Where a store is: what `--db` (or `MSP_DB`) names. A text starting with `postgres://` or
/// `postgresql://` is a PostgreSQL database, anything else a SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An embedded SQLite file (the default).
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(PgUrl),
}

/// A PostgreSQL URL (`postgres://user:password@host:port/dbname?options`). Shown (Display,
/// Debug) with `***` for its password; the password is registered as a secret
/// ([`glp_core::text::register_secret`]) when the URL is made, so no error shows it either.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    url: String,
}

impl PgUrl {
    /// `text` when it is a PostgreSQL URL (by its scheme); its password is registered.
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
        if !(lower.starts_with("postgres://") || lower.starts_with("postgresql://")) {
            return None;
        }
        if let Some(password) = password_span(text).map(|(a, b)| &text[a..b]) {
            glp_core::text::register_secret(password);
            if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8()
                && decoded != password
            {
                glp_core::text::register_secret(&decoded);
            }
        }
        Some(Self {
            url: text.to_owned(),
        })
    }

    /// The URL with its password, for the client only.
    pub(crate) fn secret_url(&self) -> &str {
        &self.url
    }
}

/// Where the password of a URL is (the user info's after `:`, or a `password=` option).
fn password_span(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    if let Some(at) = url[start..end].rfind('@') {
        let info = &url[start..start + at];
        if let Some(colon) = info.find(':') {
            return Some((start + colon + 1, start + at));
        }
    }
    let query = url.find('?')?;
    let mut pos = query + 1;
    for part in url[query + 1..].split('&') {
        if let Some(value) = part.strip_prefix("password=") {
            let a = pos + "password=".len();
            return Some((a, a + value.len()));
        }
        pos += part.len() + 1;
    }
    None
}

impl std::fmt::Display for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match password_span(&self.url) {
            Some((a, b)) => write!(f, "{}***{}", &self.url[..a], &self.url[b..]),
            None => f.write_str(&self.url),
        }
    }
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgUrl({self})")
    }
}

impl StoreLocation {
    /// `--db`'s text: a PostgreSQL URL, or a file's path.
    pub fn parse(text: &str) -> Self {
        PgUrl::parse(text).map_or_else(|| Self::Sqlite(PathBuf::from(text)), Self::Postgres)
    }

    /// The SQLite file, if the store is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => path.display().fmt(f),
            Self::Postgres(url) => url.fmt(f),
        }
    }
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(url).finish(),
        }
    }
}

impl From<&Path> for StoreLocation {
    fn from(path: &Path) -> Self {
        match path.to_str() {
            Some(text) => Self::parse(text),
            None => Self::Sqlite(path.to_owned()),
        }
    }
}

impl From<PathBuf> for StoreLocation {
    fn from(path: PathBuf) -> Self {
        Self::from(path.as_path())
    }
}

impl From<&PathBuf> for StoreLocation {
    fn from(path: &PathBuf) -> Self {
        Self::from(path.as_path())
    }
}

impl From<&str> for StoreLocation {
    fn from(text: &str) -> Self {
        Self::parse(text)
    }
}

impl From<&String> for StoreLocation {
    fn from(text: &String) -> Self {
        Self::parse(text)
    }
}

impl From<String> for StoreLocation {
    fn from(text: String) -> Self {
        Self::parse(&text)
    }
}

impl From<&StoreLocation> for StoreLocation {
    fn from(location: &StoreLocation) -> Self {
        location.clone()
    }
}

/// Connects to a PostgreSQL database: over TLS, verified ([`pgtls`](crate::pgtls): the
/// default for a network host), or in clear to a loopback host or a unix socket only (the
/// default there), so a password or data never crosses a network in clear.
pub(crate) fn connect(url: &PgUrl) -> Result<postgres::Client, StoreError> {
    use crate::pgtls::{self, SslMode};
    use std::str::FromStr as _;
    let refuse = |why: &dyn std::fmt::Display| StoreError::Location(format!("{url}: {why}"));
    let options = pgtls::split_options(url.secret_url()).map_err(|e| refuse(&e))?;
    let mut config =
        postgres::Config::from_str(&options.rest).map_err(|e| refuse(&crate::redacted(&e)))?;
    let tcp = config
        .get_hosts()
        .iter()
        .any(|h| matches!(h, postgres::config::Host::Tcp(_)));
    let remote = config
        .get_hosts()
        .iter()
        .any(|host| matches!(host, postgres::config::Host::Tcp(name) if !is_loopback(name)))
        || config.get_hostaddrs().iter().any(|ip| !ip.is_loopback());
    let mode = options
        .mode
        .unwrap_or(if remote || options.root_cert.is_some() {
            SslMode::VerifyFull
        } else {
            SslMode::Disable
        });
    // A unix socket is local: libpq ignores sslmode there, and so does this.
    if mode == SslMode::Disable || !tcp {
        if remote {
            return Err(refuse(
                &"PostgreSQL over the network in clear is refused: use \
                 sslmode=verify-full (the default for a network host) with the server's CA in \
                 sslrootcert, or tunnel it (ssh -L 5432:localhost:5432 db-host) and use \
                 127.0.0.1",
            ));
        }
        config.ssl_mode(postgres::config::SslMode::Disable);
        return Ok(config.connect(postgres::NoTls)?);
    }
    let tls = pgtls::client_config(options.root_cert.as_deref()).map_err(|e| refuse(&e))?;
    config.ssl_mode(postgres::config::SslMode::Require);
    config
        .connect(pgtls::RustlsConnect(std::sync::Arc::new(tls)))
        .map_err(|e| {
            let e = StoreError::from(e);
            match &e {
                StoreError::Postgres(text) if text.contains("certificate") => refuse(&format!(
                    "TLS: the server's certificate is refused ({text}): sslrootcert must name \
                     the CA that signed it, and the certificate must name the URL's host"
                )),
                _ => e,
            }
        })
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_urls_password_is_never_shown() {
        let url = "postgres://msp:s3cr%21t-pw@db.example:5432/inv?application_name=x";
        let location = StoreLocation::parse(url);
        assert!(location.is_postgres());
        let shown = format!("{location} {location:?}");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(
            shown.contains("postgres://msp:***@db.example:5432/inv"),
            "{shown}"
        );
        assert_eq!(
            glp_core::text::redact(url),
            url.replace("s3cr%21t-pw", glp_core::text::REDACTED)
        );
        assert!(!glp_core::text::redact("s3cr!t-pw").contains("s3cr"));
        let e = crate::tests::refusal(
            format!("{url}&sslmode=disable"),
            "a network host without TLS is refused",
        )
        .to_string();
        assert!(
            e.contains("over the network in clear is refused")
                && e.contains("ssh -L")
                && !e.contains("s3cr"),
            "{e}"
        );
        for clear in [
            "postgres://u:s3cr%21t-pw@127.0.0.1/x?hostaddr=10.1.2.3&sslmode=disable",
            "postgres://u:s3cr%21t-pw@[2001:db8::1]/x?sslmode=disable",
        ] {
            let e = crate::tests::refusal(
                clear,
                format_args!("{clear}: a network address without TLS is refused"),
            )
            .to_string();
            assert!(
                e.contains("in clear is refused") && !e.contains("s3cr"),
                "{e}"
            );
        }
        let q = StoreLocation::parse("postgresql://u@127.0.0.1/x?password=hidden1&a=b");
        assert_eq!(q.to_string(), "postgresql://u@127.0.0.1/x?password=***&a=b");
        assert_eq!(
            StoreLocation::from(Path::new("dir/inventory.sqlite")).sqlite_path(),
            Some(Path::new("dir/inventory.sqlite"))
        );
    }
}
