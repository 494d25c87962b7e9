//! [`AccessToken`]: a bearer token and its expiry, with the value kept secret.

use std::fmt;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::text::TokenRegistration;

/// An access token with the instant it expires.
///
/// The value is a [`SecretString`]: `Debug` prints `[REDACTED]`, and reading it takes an explicit
/// [`ExposeSecret::expose_secret`] call, so it cannot slip into a log line by accident.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_at: Instant,
    issued_token_type: Option<String>,
    /// Keeps the value redacted while this token or a clone of it lives.
    _registration: TokenRegistration,
}

impl AccessToken {
    /// A token valid until `expires_at`. Its value is registered for redaction
    /// ([`text::redact`](crate::text::redact)) while this token or a clone of it lives (and
    /// among the newest retired tokens after): no message built meanwhile shows it.
    pub fn new(secret: SecretString, expires_at: Instant) -> Self {
        let _registration = crate::text::register_token(secret.expose_secret());
        Self {
            secret,
            expires_at,
            issued_token_type: None,
            _registration,
        }
    }

    /// Records the RFC 8693 `issued_token_type` the server reported, if any.
    pub fn with_issued_token_type(mut self, issued_token_type: Option<String>) -> Self {
        self.issued_token_type = issued_token_type;
        self
    }

    /// The token value. Expose it only to put it in an `Authorization` header.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// When the token stops working, by the clock of the provider that issued it.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// How long the token has left at `now` (zero once expired).
    pub fn remaining(&self, now: Instant) -> Duration {
        self.expires_at.saturating_duration_since(now)
    }

    /// The RFC 8693 `issued_token_type`, when the server sent one.
    pub fn issued_token_type(&self) -> Option<&str> {
        self.issued_token_type.as_deref()
    }

    /// Whether two tokens carry the same value (compared without exposing either).
    pub fn same_value(&self, other: &AccessToken) -> bool {
        self.secret.expose_secret() == other.secret.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .field("issued_token_type", &self.issued_token_type)
            .finish()
    }
}
