//! The bearer token of `serve` ([`Token`]) and the rule that needs one off loopback
//! ([`check_listen`]).

use std::net::SocketAddr;
use std::path::Path;

use secrecy::{ExposeSecret as _, SecretString};
use subtle::ConstantTimeEq as _;

use crate::ServeError;

/// The largest token file read (a token is a line; more is a mistake).
const MAX_TOKEN_FILE: u64 = 4096;

/// The shortest token accepted: a guessable one protects nothing.
const MIN_TOKEN_CHARS: usize = 16;

/// The token every request must carry as `Authorization: Bearer <token>`. Never printed: its
/// `Debug` is masked, and it is registered for redaction.
pub struct Token(SecretString);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([REDACTED])")
    }
}

impl Token {
    /// The token in `path`: its text without the surrounding white space, at least 16
    /// characters, printable ASCII.
    pub fn from_file(path: &Path) -> Result<Self, ServeError> {
        let fail = |why: String| ServeError::TokenFile {
            path: path.to_owned(),
            why,
        };
        let len = std::fs::metadata(path)
            .map_err(|e| fail(e.to_string()))?
            .len();
        if len > MAX_TOKEN_FILE {
            return Err(fail(format!(
                "{len} bytes: a token file holds one token (at most {MAX_TOKEN_FILE} bytes)"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        Self::new(text.trim()).map_err(fail)
    }

    /// `token` itself (see [`from_file`](Self::from_file) for what is accepted).
    pub fn new(token: &str) -> Result<Self, String> {
        if token.chars().count() < MIN_TOKEN_CHARS {
            return Err(format!(
                "the token is shorter than {MIN_TOKEN_CHARS} characters (make one with \
                 `openssl rand -hex 32`)"
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the token holds a character that is not printable ASCII".into());
        }
        glp_core::text::register_secret(token);
        Ok(Self(SecretString::from(token.to_owned())))
    }

    /// Whether `header` (an `Authorization` value) is `Bearer <this token>`, compared in
    /// constant time.
    pub fn accepts(&self, header: &[u8]) -> bool {
        let Some(given) = header
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case(b"bearer "))
            .and_then(|_| header.get(7..))
        else {
            return false;
        };
        self.accepts_plain(given)
    }

    /// Whether `given` is this token, compared in constant time.
    pub fn accepts_plain(&self, given: &[u8]) -> bool {
        bool::from(given.ct_eq(self.0.expose_secret().as_bytes()))
    }

    /// The `Set-Cookie` value that lets a browser carry the token (as the cookie `glp_msp_token`, hex: a
    /// token may hold characters a cookie cannot): HttpOnly (no script reads it),
    /// SameSite=Strict (no other site's page sends it), for every path.
    pub fn cookie(&self) -> String {
        let hex: String = self
            .0
            .expose_secret()
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{COOKIE}={hex}; HttpOnly; SameSite=Strict; Path=/")
    }

    /// Whether a `Cookie` header carries the cookie [`cookie`](Self::cookie) sets, compared in
    /// constant time.
    pub fn accepts_cookie(&self, header: &[u8]) -> bool {
        header
            .split(|b| *b == b';')
            .filter_map(|pair| {
                let pair = pair.trim_ascii();
                pair.strip_prefix(COOKIE.as_bytes())?.strip_prefix(b"=")
            })
            .any(|hex| unhex(hex).is_some_and(|given| self.accepts_plain(&given)))
    }
}

/// The name of the cookie that stands for the token in a browser.
pub(crate) const COOKIE: &str = "glp_msp_token";

/// Hex text as bytes; `None` when it is not hex.
fn unhex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2)
        .map(|pair| {
            let digit = |c: u8| char::from(c).to_digit(16);
            u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()
        })
        .collect()
}

/// `--listen` off loopback (reachable from other machines) needs a token: an error without one.
pub fn check_listen(listen: SocketAddr, token: Option<&Token>) -> Result<(), ServeError> {
    if listen.ip().is_loopback() || token.is_some() {
        Ok(())
    } else {
        Err(ServeError::TokenRequired(listen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_loopback_without_a_token_is_refused() {
        let token = Token::new("0123456789abcdef0123").expect("token");
        let any: SocketAddr = "0.0.0.0:9480".parse().expect("addr");
        let v6: SocketAddr = "[::]:9480".parse().expect("addr");
        let local: SocketAddr = "127.0.0.1:9480".parse().expect("addr");
        assert!(matches!(
            check_listen(any, None),
            Err(ServeError::TokenRequired(_))
        ));
        assert!(check_listen(v6, None).is_err());
        assert!(check_listen(any, Some(&token)).is_ok());
        assert!(check_listen(local, None).is_ok());
        let message = check_listen(any, None).expect_err("refused").to_string();
        assert!(message.contains("--token-file"), "{message}");
    }

    #[test]
    fn only_the_exact_bearer_token_is_accepted_and_it_never_shows() {
        let token = Token::new("0123456789abcdef0123").expect("token");
        assert!(token.accepts(b"Bearer 0123456789abcdef0123"));
        assert!(token.accepts(b"bearer 0123456789abcdef0123"));
        for wrong in [
            &b"Bearer 0123456789abcdef012"[..],
            b"Bearer 0123456789abcdef01234",
            b"Basic 0123456789abcdef0123",
            b"0123456789abcdef0123",
            b"Bearer",
            b"",
        ] {
            assert!(!token.accepts(wrong), "{}", String::from_utf8_lossy(wrong));
        }
        assert!(!format!("{token:?}").contains("0123"));
        let cookie = token.cookie();
        assert!(!cookie.contains("0123456789abcdef0123"), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let pair = cookie.split(';').next().expect("pair");
        assert!(token.accepts_cookie(format!("a=b; {pair}; c=d").as_bytes()));
        assert!(!token.accepts_cookie(b"glp_msp_token=30"));
        assert!(!token.accepts_cookie(b"glp_msp_token=zz"));
        assert!(!token.accepts_cookie(b"other=3031"));
        assert!(Token::new("short").is_err());
        assert!(Token::new("0123456789abcdef 0123").is_err());
    }

    #[test]
    fn a_token_file_is_trimmed_and_bounded() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("token");
        std::fs::write(&path, "  0123456789abcdef0123\n").expect("write");
        let token = Token::from_file(&path).expect("token");
        assert!(token.accepts(b"Bearer 0123456789abcdef0123"));
        std::fs::write(&path, "x".repeat(5000)).expect("write");
        assert!(Token::from_file(&path).is_err());
        assert!(Token::from_file(&dir.path().join("missing")).is_err());
    }
}
