//! Server text is untrusted text: redaction of every secret this process knows, and escaping of
//! control characters before anything reaches a terminal.
//!
//! - [`register_secret`] records a value that must never be shown for the process's life: the
//!   client secret (done by [`Credentials`](crate::Credentials)), `serve`'s bearer token, a
//!   webhook URL. [`register_token`] records a token for as long as its [`TokenRegistration`]
//!   lives (done by [`AccessToken::new`](crate::AccessToken::new): a token is redacted while
//!   any clone of it is held, and among the newest retired ones after); see [`registry`] for
//!   the bounds that keep a long-running process's registry small.
//! - [`redact`] replaces every registered value (raw, and form-/percent-encoded) and anything
//!   that looks like an `Authorization` value with `[REDACTED]`.
//! - [`escape_control`] makes a string safe for one terminal line: C0/C1 controls, DEL, and the
//!   bidirectional overrides become visible escapes (`\n`, `\u{1b}`), so a tenant name cannot
//!   clear the screen, set the title or forge a line.
//! - [`untrusted`] does both: use it for any text that came from a server and goes into a
//!   message.

use std::borrow::Cow;
use std::fmt::Write as _;

pub mod registry;

pub use registry::{TokenRegistration, register_token};

/// Values shorter than this are not registered: redacting every `a` would destroy messages
/// without protecting anything a real credential needs.
pub const MIN_SECRET_LEN: usize = 4;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Records `secret` so that [`redact`] removes it from every message built afterwards, for
/// the process's life (the newest [`registry::KEPT_CAPACITY`] such values). A token, which is
/// replaced every hour, is registered with [`register_token`] instead.
pub fn register_secret(secret: &str) {
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    registry::keep(secret);
}

/// Registers a client secret and the HTTP Basic forms of `client_id:secret` (base64 of the
/// pair as is, and of the pair form-urlencoded as RFC 6749 §2.3.1 asks).
pub fn register_credential(client_id: &str, secret: &str) {
    use base64::Engine as _;
    register_secret(secret);
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for pair in [
        format!("{client_id}:{secret}"),
        format!("{}:{}", encode(client_id), encode(secret)),
    ] {
        register_secret(&base64::engine::general_purpose::STANDARD.encode(pair));
    }
}

/// `text` with every registered secret (raw, form-encoded or percent-encoded) and every
/// `Bearer`/`Basic` credential replaced by `[REDACTED]`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    {
        let registry = registry::read();
        for raw in registry.values() {
            // Encoding only lengthens a value: a text shorter than it (a tenant's name, a
            // label) cannot hold it in any form, and costs no encoding nor search.
            if raw.len() > out.len() {
                continue;
            }
            for form in encodings(raw) {
                if out.contains(form.as_ref()) {
                    out = Cow::Owned(out.replace(form.as_ref(), REDACTED));
                }
            }
        }
    }
    match redact_auth_schemes(&out) {
        Some(cleaned) => Cow::Owned(cleaned),
        None => out,
    }
}

/// The forms a secret may take in a message: as is, form-urlencoded, percent-encoded.
fn encodings(raw: &str) -> Vec<Cow<'_, str>> {
    let mut forms = vec![Cow::Borrowed(raw)];
    let form: String = url::form_urlencoded::byte_serialize(raw.as_bytes()).collect();
    if form != raw {
        forms.push(Cow::Owned(form.replace('+', "%20")));
        forms.push(Cow::Owned(form));
    }
    forms
}

/// Replaces the credential after `Bearer ` or `Basic ` (any case), if there is one.
fn redact_auth_schemes(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("bearer ") && !lower.contains("basic ") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut rest_lower = lower.as_str();
    loop {
        let found = ["bearer ", "basic "]
            .iter()
            .filter_map(|scheme| rest_lower.find(scheme).map(|at| (at, scheme.len())))
            .min();
        let Some((at, len)) = found else {
            out.push_str(rest);
            return Some(out);
        };
        let value_start = at + len;
        out.push_str(&rest[..value_start]);
        let value_len = rest[value_start..]
            .find(|c: char| !is_token68_char(c))
            .unwrap_or(rest.len() - value_start);
        if value_len >= MIN_CREDENTIAL_LEN {
            out.push_str(REDACTED);
        } else {
            out.push_str(&rest[value_start..value_start + value_len]);
        }
        rest = &rest[value_start + value_len..];
        rest_lower = &rest_lower[value_start + value_len..];
    }
}

/// A `Bearer`/`Basic` value shorter than this is taken for prose ("basic fact"), not a credential.
const MIN_CREDENTIAL_LEN: usize = 8;

/// The characters of an RFC 9110 `token68` (the syntax of `Bearer` and `Basic` credentials).
fn is_token68_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=')
}

/// Whether `c` must not reach a terminal raw.
fn is_unsafe_char(c: char) -> bool {
    c.is_control() // C0, DEL, C1
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// `text` made safe for one terminal line: control characters, DEL, C1 controls and the
/// bidirectional overrides become visible escapes (`\n`, `\r`, `\t`, `\u{1b}`, ...); a
/// backslash is doubled only when escaping was needed, so plain text is unchanged.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Server text made fit for a message: [`redact`]ed, then [`escape_control`]led.
pub fn untrusted(text: &str) -> String {
    escape_control(&redact(text)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registry is process-wide and the tests of a crate share a process: the tests that
    /// retire tokens by the hundred, or count what is retired, take turns (one could otherwise
    /// push another's retired token out of the ring between its drop and its assertion).
    static RETIRING: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn retiring() -> std::sync::MutexGuard<'static, ()> {
        RETIRING.lock().unwrap_or_else(|p| p.into_inner())
    }

    #[test]
    fn registered_secrets_are_redacted_in_every_encoding() {
        register_secret("s3cr3t+&/= value");
        let shown = redact(
            "got s3cr3t+&/= value and s3cr3t%2B%26%2F%3D+value and s3cr3t%2B%26%2F%3D%20value",
        );
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(shown.matches(REDACTED).count(), 3, "{shown}");
    }

    #[test]
    fn the_basic_forms_of_a_credential_are_redacted() {
        use base64::Engine as _;
        register_credential("client one", "pa ss+word&1");
        let b64 = base64::engine::general_purpose::STANDARD;
        for pair in ["client one:pa ss+word&1", "client+one:pa+ss%2Bword%261"] {
            let echoed = format!("you sent {}", b64.encode(pair));
            assert_eq!(redact(&echoed), "you sent [REDACTED]", "{pair}");
        }
    }

    #[test]
    fn short_values_are_not_registered() {
        register_secret("ab");
        assert_eq!(redact("about abc"), "about abc");
    }

    #[test]
    fn authorization_values_are_redacted() {
        let shown = redact(r#"{"seen":"Authorization: Bearer eyJ.abc.def","b":"basic dXNlcjpw"}"#);
        assert!(!shown.contains("eyJ"), "{shown}");
        assert!(!shown.contains("dXNlcjpw"), "{shown}");
        assert!(shown.contains("Bearer [REDACTED]"), "{shown}");
        assert_eq!(redact("a basic fact"), "a basic fact");
        assert_eq!(redact("no credential here"), "no credential here");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("Acme Corp"), "Acme Corp");
        assert_eq!(escape_control("a\\b"), "a\\b");
        assert_eq!(
            escape_control("x\u{1b}]0;title\u{7}\nforged\r\t\\"),
            "x\\u{1b}]0;title\\u{7}\\nforged\\r\\t\\\\"
        );
        assert_eq!(escape_control("\u{9b}2J\u{7f}"), "\\u{9b}2J\\u{7f}");
        assert_eq!(escape_control("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape_control("Zürich 東京"), "Zürich 東京");
    }

    #[test]
    fn untrusted_redacts_then_escapes() {
        register_secret("tok-untrusted-1234");
        assert_eq!(
            untrusted("bad\u{1b}[2J tok-untrusted-1234"),
            "bad\\u{1b}[2J [REDACTED]"
        );
    }

    #[test]
    fn a_token_is_redacted_while_held_and_among_the_newest_retired_after() {
        let _turn = retiring();
        let token = register_token("tok-held-0123456789");
        let clone = token.clone();
        drop(token);
        registry::sweep_now();
        assert_eq!(redact("a tok-held-0123456789 b"), "a [REDACTED] b");
        drop(clone);
        registry::sweep_now();
        assert_eq!(redact("a tok-held-0123456789 b"), "a [REDACTED] b");
        for i in 0..registry::RETIRED_CAPACITY {
            drop(register_token(&format!("tok-retiring-{i:06}")));
        }
        registry::sweep_now();
        assert_eq!(redact("a tok-held-0123456789 b"), "a tok-held-0123456789 b");
    }

    #[test]
    fn a_long_running_process_keeps_its_registry_small_and_its_secrets_redacted() {
        let _turn = retiring();
        register_credential("soak-client", "soak-secret-value");
        let mut held = Vec::new();
        for i in 0..20_000 {
            // Each run replaces the tokens of the last one (one grant, a few exchanges).
            if i % 10 == 0 {
                held.clear();
            }
            held.push(register_token(&format!("tok-run-{i:06}")));
        }
        let (kept, live, retired) = registry::read().sizes();
        assert!(kept <= registry::KEPT_CAPACITY, "{kept}");
        // Other tests of this process hold a few tokens of their own.
        assert!(live <= 10 + 64, "{live}");
        assert!(retired <= registry::RETIRED_CAPACITY, "{retired}");
        let shown = redact("secret soak-secret-value, tokens tok-run-019999 tok-run-019990");
        assert_eq!(shown, "secret [REDACTED], tokens [REDACTED] [REDACTED]");
    }

    #[test]
    fn an_access_token_keeps_its_value_redacted_until_its_last_clone_is_dropped() {
        let _turn = retiring();
        use secrecy::SecretString;
        let token = crate::AccessToken::new(
            SecretString::from("tok-access-abcdef".to_owned()),
            std::time::Instant::now(),
        );
        let clone = token.clone();
        drop(token);
        registry::sweep_now();
        let live = registry::read().values().any(|v| v == "tok-access-abcdef");
        assert!(live);
        assert_eq!(redact("x tok-access-abcdef"), "x [REDACTED]");
        drop(clone);
    }
}
