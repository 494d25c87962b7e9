//! Error bodies GreenLake and OAuth servers send, decoded leniently.

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::text::untrusted;

/// An OAuth 2.0 error response (RFC 6749 §5.2, RFC 8693 §2.2.2).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct OAuthErrorBody {
    /// The error code, e.g. `invalid_client`, `invalid_grant`.
    pub error: String,
    /// Human-readable explanation from the server, when it sent one.
    #[serde(default)]
    pub error_description: Option<String>,
}

impl OAuthErrorBody {
    /// Decodes an OAuth error body; the server's strings are [`untrusted`]: redacted of every
    /// known secret and token, control characters escaped.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let parsed: Self = serde_json::from_slice(body).ok()?;
        Some(Self {
            error: untrusted(&parsed.error),
            error_description: parsed.error_description.as_deref().map(untrusted),
        })
    }
}

/// GreenLake's own error body:
/// `{"httpStatusCode", "errorCode", "message", "debugId", "errorDetails"}`.
///
/// Every field is optional and `httpStatusCode` may be a number or a string.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GlpErrorBody {
    /// The HTTP status the server meant (sometimes sent as a string).
    #[serde(default, deserialize_with = "lenient_u16")]
    pub http_status_code: Option<u16>,
    /// GreenLake's error code, e.g. `HPE_GL_ERROR_UNAUTHORIZED`.
    #[serde(default)]
    pub error_code: Option<String>,
    /// The server's message.
    #[serde(default)]
    pub message: Option<String>,
    /// The id HPE support asks for.
    #[serde(default)]
    pub debug_id: Option<String>,
    /// Typed details: `hpe.greenlake.bad_request`, `hpe.greenlake.metadata`,
    /// `hpe.greenlake.retry_info`, or others (kept raw).
    #[serde(default)]
    pub error_details: Vec<Value>,
}

impl GlpErrorBody {
    /// Decodes a body if it has GreenLake's shape (at least one of its known fields). The
    /// server's strings are [`untrusted`]: redacted of every known secret and token, control
    /// characters escaped (details are cleaned when they are read).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let parsed: Self = serde_json::from_slice(body).ok()?;
        let clean = |s: Option<String>| s.as_deref().map(untrusted);
        (parsed.http_status_code.is_some()
            || parsed.error_code.is_some()
            || parsed.message.is_some()
            || parsed.debug_id.is_some())
        .then(|| Self {
            http_status_code: parsed.http_status_code,
            error_code: clean(parsed.error_code),
            message: clean(parsed.message),
            debug_id: clean(parsed.debug_id),
            error_details: parsed.error_details,
        })
    }

    /// `retryAfterSeconds` of a `hpe.greenlake.retry_info` detail, if present.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.details_of_type("hpe.greenlake.retry_info")
            .find_map(|d| lenient_u64_value(d.get("retryAfterSeconds")?))
    }

    /// The `recommendedActions` of `hpe.greenlake.metadata` details.
    pub fn recommended_actions(&self) -> Vec<String> {
        self.details_of_type("hpe.greenlake.metadata")
            .filter_map(|d| d.get("recommendedActions")?.as_array())
            .flatten()
            .filter_map(|a| a.as_str().map(untrusted))
            .collect()
    }

    /// The `issues` of `hpe.greenlake.bad_request` details, each as `subject: description`.
    pub fn issues(&self) -> Vec<String> {
        self.details_of_type("hpe.greenlake.bad_request")
            .filter_map(|d| d.get("issues")?.as_array())
            .flatten()
            .map(|issue| {
                let field = |k: &str| issue.get(k).and_then(Value::as_str).unwrap_or("");
                let subject = [field("source"), field("subject")]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                match (subject.is_empty(), field("description")) {
                    (true, d) => untrusted(d),
                    (false, d) => untrusted(&format!("{subject}: {d}")),
                }
            })
            .collect()
    }

    fn details_of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.error_details
            .iter()
            .filter(move |d| d.get("type").and_then(Value::as_str) == Some(kind))
    }
}

impl fmt::Display for GlpErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or("(no message)"))?;
        if let Some(code) = &self.error_code {
            write!(f, " [{code}]")?;
        }
        if let Some(id) = &self.debug_id {
            write!(f, " (debugId {id})")?;
        }
        for issue in self.issues() {
            write!(f, "\n  - {issue}")?;
        }
        for action in self.recommended_actions() {
            write!(f, "\n  recommended: {action}")?;
        }
        Ok(())
    }
}

fn lenient_u16<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(value
        .as_ref()
        .and_then(lenient_u64_value)
        .and_then(|n| u16::try_from(n).ok()))
}

/// A non-negative integer from a JSON number or a numeric string (`"30"`, `30`, `30.0`); anything
/// else is `None`. Servers disagree on how to spell numbers.
pub fn lenient_u64_value(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f.ceil() as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A short, printable excerpt of a response body for error messages: [`untrusted`] (every known
/// secret and token redacted, control characters escaped) and cut to 300 characters.
///
/// Bodies that might carry a credential (anything mentioning a token or secret) are not quoted.
pub fn body_excerpt(body: &[u8]) -> String {
    const MAX: usize = 300;
    let text = String::from_utf8_lossy(body);
    let text = untrusted(&text);
    let lower = text.to_ascii_lowercase();
    if lower.contains("token") || lower.contains("secret") {
        return format!(
            "[{} bytes, not quoted: may contain a credential]",
            body.len()
        );
    }
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let mut excerpt: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glp_body_parses_string_status_and_details() {
        let body = br#"{"httpStatusCode":"429","errorCode":"HPE_GL_RATE","message":"slow down",
            "debugId":"d-1","errorDetails":[
              {"type":"hpe.greenlake.retry_info","retryAfterSeconds":7},
              {"type":"hpe.greenlake.metadata","recommendedActions":["wait","retry"]},
              {"type":"hpe.greenlake.bad_request","issues":[{"source":"query","subject":"limit","description":"too big"}]},
              {"type":"something.new","x":1}]}"#;
        let parsed = GlpErrorBody::parse(body).expect("parses");
        assert_eq!(parsed.http_status_code, Some(429));
        assert_eq!(parsed.retry_after_seconds(), Some(7));
        assert_eq!(parsed.recommended_actions(), vec!["wait", "retry"]);
        assert_eq!(parsed.issues(), vec!["query limit: too big"]);
        let shown = parsed.to_string();
        assert!(
            shown.starts_with("slow down [HPE_GL_RATE] (debugId d-1)"),
            "{shown}"
        );
        assert!(shown.contains("recommended: wait"));
    }

    #[test]
    fn non_glp_json_is_not_a_glp_body() {
        assert!(GlpErrorBody::parse(br#"{"error":"invalid_client"}"#).is_none());
        assert!(GlpErrorBody::parse(b"<html>").is_none());
    }

    #[test]
    fn excerpt_is_short_and_never_quotes_tokens() {
        let long = "x".repeat(1000);
        assert!(body_excerpt(long.as_bytes()).chars().count() <= 301);
        let leaky = br#"{"access_token":"eyJabc","expires_in":"soon"}"#;
        assert!(!body_excerpt(leaky).contains("eyJabc"));
        assert_eq!(body_excerpt(b"  "), "(empty body)");
    }
}
