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
/// Every field is optional and `httpStatusCode` may be a number or a string. GreenLake's device
/// APIs put their details under `badRequestErrorDetails`, `generalErrorDetails` and
/// `serverErrorDetails` instead of (or besides) `errorDetails`: all four are read, leniently (a
/// list, a single object, or anything else, which counts as no detail).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GlpErrorBody {
    /// The HTTP status the server meant (sometimes sent as a string).
    pub http_status_code: Option<u16>,
    /// GreenLake's error code, e.g. `HPE_GL_ERROR_UNAUTHORIZED`.
    pub error_code: Option<String>,
    /// The server's message.
    pub message: Option<String>,
    /// The id HPE support asks for.
    pub debug_id: Option<String>,
    /// Typed details: `hpe.greenlake.bad_request`, `hpe.greenlake.metadata`,
    /// `hpe.greenlake.retry_info`, or others (kept raw), from `errorDetails`,
    /// `badRequestErrorDetails`, `generalErrorDetails` and `serverErrorDetails` in that order;
    /// at most 32 of them (a hostile body may send millions).
    pub error_details: Vec<Value>,
}

/// The most error details a [`GlpErrorBody`] keeps (a hostile body may send millions).
const MAX_DETAILS: usize = 32;
/// The most issues or recommended actions a [`GlpErrorBody`] shows.
const MAX_SHOWN: usize = 16;
/// The longest issue or recommended action shown, in characters (longer ones end in `…`).
const MAX_SHOWN_CHARS: usize = 500;

/// The wire form: every field lenient, so that one field of a wrong type costs that field only.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGlpErrorBody {
    #[serde(default, deserialize_with = "lenient_u16")]
    http_status_code: Option<u16>,
    #[serde(default, deserialize_with = "lenient_text")]
    error_code: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    message: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    debug_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_details")]
    error_details: Vec<Value>,
    #[serde(default, deserialize_with = "lenient_details")]
    bad_request_error_details: Vec<Value>,
    #[serde(default, deserialize_with = "lenient_details")]
    general_error_details: Vec<Value>,
    #[serde(default, deserialize_with = "lenient_details")]
    server_error_details: Vec<Value>,
}

impl GlpErrorBody {
    /// Decodes a body if it has GreenLake's shape (at least one of its known fields). The
    /// server's strings are [`untrusted`]: redacted of every known secret and token, control
    /// characters escaped (details are cleaned when they are read).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let raw: RawGlpErrorBody = serde_json::from_slice(body).ok()?;
        let clean = |s: Option<String>| s.as_deref().map(|s| shown(&untrusted(s)));
        let known = raw.http_status_code.is_some()
            || raw.error_code.is_some()
            || raw.message.is_some()
            || raw.debug_id.is_some();
        let error_details: Vec<Value> = [
            raw.error_details,
            raw.bad_request_error_details,
            raw.general_error_details,
            raw.server_error_details,
        ]
        .into_iter()
        .flatten()
        .filter(Value::is_object)
        .take(MAX_DETAILS)
        .collect();
        known.then(|| Self {
            http_status_code: raw.http_status_code,
            error_code: clean(raw.error_code),
            message: clean(raw.message),
            debug_id: clean(raw.debug_id),
            error_details,
        })
    }

    /// `retryAfterSeconds` of a `hpe.greenlake.retry_info` detail (or of an untyped one), if
    /// present.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.details_of_type("hpe.greenlake.retry_info")
            .find_map(|d| lenient_u64_value(d.get("retryAfterSeconds")?))
    }

    /// The `recommendedActions` of `hpe.greenlake.metadata` details (and of untyped ones).
    pub fn recommended_actions(&self) -> Vec<String> {
        self.details_of_type("hpe.greenlake.metadata")
            .filter_map(|d| d.get("recommendedActions")?.as_array())
            .flatten()
            .filter_map(|a| a.as_str().map(|a| shown(&untrusted(a))))
            .take(MAX_SHOWN)
            .collect()
    }

    /// The `issues` of `hpe.greenlake.bad_request` details (and of untyped ones), each as
    /// `source subject: description`.
    pub fn issues(&self) -> Vec<String> {
        self.details_of_type("hpe.greenlake.bad_request")
            .filter_map(|d| d.get("issues")?.as_array())
            .flatten()
            .filter(|issue| issue.is_object())
            .map(|issue| {
                let field = |k: &str| issue.get(k).and_then(Value::as_str).unwrap_or("");
                let subject = [field("source"), field("subject")]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let text = match (subject.is_empty(), field("description")) {
                    (true, d) => untrusted(d),
                    (false, d) => untrusted(&format!("{subject}: {d}")),
                };
                shown(&text)
            })
            .filter(|issue| !issue.is_empty())
            .take(MAX_SHOWN)
            .collect()
    }

    /// The details of type `kind`, and those that name no type (the device APIs' lists
    /// `badRequestErrorDetails`, ... are typed by their name, not always by a `type`).
    fn details_of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.error_details
            .iter()
            .filter(move |d| match d.get("type") {
                None | Some(Value::Null) => true,
                Some(t) => t.as_str() == Some(kind),
            })
    }
}

/// `text` cut to `MAX_SHOWN_CHARS` characters.
fn shown(text: &str) -> String {
    if text.chars().count() <= MAX_SHOWN_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_SHOWN_CHARS).collect();
    cut.push('…');
    cut
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

/// A string field: a string, else `None` (a number or an object says nothing we can show).
fn lenient_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::String(s)) => Some(s),
        _ => None,
    })
}

/// A list of details: a list, a single object (a list of one), anything else none.
fn lenient_details<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Value>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    Ok(match value {
        Some(Value::Array(items)) => items,
        Some(object @ Value::Object(_)) => vec![object],
        _ => Vec::new(),
    })
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

/// An error answer's body, decoded once, the same way for token and API answers.
///
/// An OAuth error (RFC 6749 §5.2) must carry an `error` string and GreenLake's own shape never
/// does, so a body with one is [`OAuth`](Self::OAuth) (what the token endpoints send, and
/// Central's gateways for a refused token); else a body with any of GreenLake's fields is
/// [`Glp`](Self::Glp); else an excerpt of the raw body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorBody {
    /// GreenLake's error shape (`httpStatusCode`, `errorCode`, `message`, `debugId`).
    Glp(GlpErrorBody),
    /// An OAuth error (`error`, `error_description`).
    OAuth(OAuthErrorBody),
    /// Anything else: a short excerpt of the raw body.
    Raw(String),
}

impl ErrorBody {
    /// Decodes `body` (see the type for the rule).
    pub fn parse(body: &[u8]) -> Self {
        if let Some(oauth) = OAuthErrorBody::parse(body) {
            return Self::OAuth(oauth);
        }
        if let Some(glp) = GlpErrorBody::parse(body) {
            return Self::Glp(glp);
        }
        Self::Raw(body_excerpt(body))
    }

    /// The wait a GreenLake body's `hpe.greenlake.retry_info` detail asks for, in seconds.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::Glp(glp) => glp.retry_after_seconds(),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Glp(b) => b.fmt(f),
            Self::OAuth(b) => match &b.error_description {
                Some(d) => write!(f, "{}: {d}", b.error),
                None => f.write_str(&b.error),
            },
            Self::Raw(excerpt) => f.write_str(excerpt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_decoder_for_token_and_api_answers() {
        let oauth = br#"{"error":"invalid_client","error_description":"bad secret"}"#;
        assert!(matches!(ErrorBody::parse(oauth), ErrorBody::OAuth(_)));
        let glp = br#"{"httpStatusCode":429,"errorCode":"HPE_GL_ERROR_TOO_MANY_REQUESTS","message":"slow down","errorDetails":[{"type":"hpe.greenlake.retry_info","retryAfterSeconds":7}]}"#;
        let body = ErrorBody::parse(glp);
        assert!(matches!(body, ErrorBody::Glp(_)));
        assert_eq!(body.retry_after_seconds(), Some(7));
        // An `error` string is OAuth's mark, whatever else the body holds.
        let both = br#"{"error":"invalid_token","message":"expired"}"#;
        assert_eq!(ErrorBody::parse(both).to_string(), "invalid_token");
        assert_eq!(
            ErrorBody::parse(b"<html>no</html>"),
            ErrorBody::Raw("<html>no</html>".into())
        );
    }

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
    fn device_api_detail_lists_are_read_like_error_details() {
        // GreenLake's device APIs: details under badRequestErrorDetails, generalErrorDetails and
        // serverErrorDetails, typed or not.
        let body = br#"{"httpStatusCode":400,"errorCode":"HPE_GL_ERROR_BAD_REQUEST",
            "message":"Bad request","debugId":"d-2",
            "badRequestErrorDetails":[{"type":"hpe.greenlake.bad_request",
                "issues":[{"source":"body","subject":"serialNumber","description":"unknown"}]}],
            "generalErrorDetails":[{"recommendedActions":["check the serial number"]}],
            "serverErrorDetails":[{"type":"hpe.greenlake.retry_info","retryAfterSeconds":"12"}]}"#;
        let parsed = GlpErrorBody::parse(body).expect("parses");
        assert_eq!(parsed.error_details.len(), 3);
        assert_eq!(parsed.issues(), vec!["body serialNumber: unknown"]);
        assert_eq!(
            parsed.recommended_actions(),
            vec!["check the serial number"]
        );
        assert_eq!(parsed.retry_after_seconds(), Some(12));
        let shown = parsed.to_string();
        assert!(shown.contains("- body serialNumber: unknown"), "{shown}");
        assert!(
            shown.contains("recommended: check the serial number"),
            "{shown}"
        );
        // errorDetails and the device lists together: all read, errorDetails first.
        let both = br#"{"message":"m",
            "errorDetails":[{"type":"hpe.greenlake.metadata","recommendedActions":["first"]}],
            "generalErrorDetails":{"type":"hpe.greenlake.metadata","recommendedActions":["second"]}}"#;
        let parsed = GlpErrorBody::parse(both).expect("parses");
        assert_eq!(parsed.recommended_actions(), vec!["first", "second"]);
    }

    #[test]
    fn hostile_detail_lists_cost_only_themselves() {
        // Wrong types everywhere: the body still parses, the bad parts say nothing.
        let body = br#"{"httpStatusCode":{"x":1},"errorCode":7,"message":"still shown",
            "debugId":["d"],
            "errorDetails":"oops",
            "badRequestErrorDetails":[1,"two",null,{"type":5,"issues":[3]},
                {"type":"hpe.greenlake.bad_request","issues":"none"},
                {"issues":[{"source":1,"subject":["s"],"description":{"d":1}},"x"]}],
            "generalErrorDetails":[{"recommendedActions":[1,{"a":2},"ok\u001b[31m"]}],
            "serverErrorDetails":[{"retryAfterSeconds":-5},{"retryAfterSeconds":"soon"},
                {"type":"hpe.greenlake.retry_info","retryAfterSeconds":1e300}]}"#;
        let parsed = GlpErrorBody::parse(body).expect("parses");
        assert_eq!(parsed.http_status_code, None);
        assert_eq!(parsed.error_code, None);
        assert_eq!(parsed.debug_id, None);
        assert_eq!(parsed.message.as_deref(), Some("still shown"));
        assert!(parsed.issues().is_empty(), "{:?}", parsed.issues());
        let actions = parsed.recommended_actions();
        assert_eq!(actions.len(), 1);
        assert!(
            !actions[0].contains('\u{1b}'),
            "control characters escaped: {actions:?}"
        );
        // Untyped details count as retry info; -5 and "soon" are no wait, 1e300 a huge one
        // (the retry policy clamps every server wait).
        assert_eq!(parsed.retry_after_seconds(), Some(u64::MAX));
        let _ = parsed.to_string();
    }

    #[test]
    fn huge_detail_lists_are_capped() {
        let issue = format!(
            r#"{{"source":"body","subject":"s","description":"{}"}}"#,
            "d".repeat(1_000)
        );
        let detail = format!(
            r#"{{"type":"hpe.greenlake.bad_request","issues":[{}]}}"#,
            vec![issue; 20].join(",")
        );
        let body = format!(
            r#"{{"message":"{}","badRequestErrorDetails":[{}]}}"#,
            "m".repeat(10_000),
            vec![detail; 100].join(",")
        );
        let parsed = GlpErrorBody::parse(body.as_bytes()).expect("parses");
        assert_eq!(parsed.error_details.len(), MAX_DETAILS);
        let issues = parsed.issues();
        assert_eq!(issues.len(), MAX_SHOWN);
        assert!(
            issues
                .iter()
                .all(|i| i.chars().count() <= MAX_SHOWN_CHARS + 1)
        );
        assert!(parsed.to_string().chars().count() < 20 * (MAX_SHOWN_CHARS + 10) * 2);
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
