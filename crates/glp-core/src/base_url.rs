//! [`BaseUrl`]: an API base URL that is `https`, or plain `http` on a loopback host only.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::Url;

/// The public GreenLake API gateway and token issuer.
pub const DEFAULT_GLP_BASE_URL: &str = "https://global.api.greenlake.hpe.com";

/// A validated API base URL.
///
/// Only `https` is accepted, except for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), where
/// plain `http` is allowed so that tests and the local simulator work. A path prefix (for a proxy)
/// is kept; query and fragment are refused.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(Url);

/// Why a value is not a usable base URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base URL {shown:?}: {reason}")]
pub struct InvalidBaseUrl {
    shown: String,
    reason: String,
}

impl BaseUrl {
    /// Parses and validates a base URL.
    pub fn parse(value: &str) -> Result<Self, InvalidBaseUrl> {
        let value = value.trim();
        // Never echo user info (it could hold a password).
        let invalid = |reason: &str| InvalidBaseUrl {
            shown: match Url::parse(value) {
                Ok(mut u) => {
                    let _ = u.set_password(None);
                    let _ = u.set_username("");
                    u.to_string()
                }
                Err(_) if value.contains('@') => "[not shown]".to_owned(),
                Err(_) => value.chars().take(100).collect(),
            },
            reason: reason.to_owned(),
        };
        let url =
            Url::parse(value).map_err(|e| invalid(&format!("{e}; expected e.g. https://host")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials in the URL are not allowed"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a base URL takes no query or fragment"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(invalid(
                    "plain http is allowed only for loopback hosts (the local simulator); use https://",
                ));
            }
            _ => return Err(invalid("the scheme must be https")),
        }
        if url.host().is_none() {
            return Err(invalid("no host"));
        }
        let mut url = url;
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&path);
        Ok(Self(url))
    }

    /// The URL of `path` (given without a leading slash) below this base.
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let joined = format!(
            "{}/{}",
            url.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        url.set_path(&joined);
        url
    }

    /// The base URL itself.
    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The host name, for messages and rate-limit keys.
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or("")
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl FromStr for BaseUrl {
    type Err = InvalidBaseUrl;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://global.api.greenlake.hpe.com",
            "https://global.api.greenlake.hpe.com/",
            "http://127.0.0.1:8080",
            "http://127.9.9.9",
            "http://localhost:1",
            "http://[::1]:99",
            "https://proxy.example/glp/",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://global.api.greenlake.hpe.com",
            "http://10.0.0.1",
            "ftp://x",
            "global.api.greenlake.hpe.com",
            "https://u:p@host",
            "https://host/?q=1",
            "",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
        let err = BaseUrl::parse("http://example.com")
            .expect_err("http")
            .to_string();
        assert!(err.contains("loopback"), "{err}");
        let err = BaseUrl::parse("https://user:hunter2@host")
            .expect_err("creds")
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn join_keeps_prefix_and_normalises_slashes() {
        let b = BaseUrl::parse("https://proxy.example/glp/").expect("valid");
        assert_eq!(
            b.join("/workspaces/v1/x").as_str(),
            "https://proxy.example/glp/workspaces/v1/x"
        );
        let b = BaseUrl::parse("http://127.0.0.1:5").expect("valid");
        assert_eq!(b.join("a/b").as_str(), "http://127.0.0.1:5/a/b");
        assert_eq!(b.to_string(), "http://127.0.0.1:5");
    }
}
