//! The shared vocabulary of glp-msp, with no HTTP client in it.
//!
//! Every other crate of the workspace builds on these types; none of them is tied to `reqwest`:
//! - [`WorkspaceId`], [`BaseUrl`], [`Scope`]: which tenant, which host, which token.
//! - [`AccessToken`] and the [`TokenProvider`] trait: the seam every API client takes its tokens
//!   through (the built-in providers live in `glp-auth`, which uses `glp-transport` to reach the
//!   token endpoint through the same paced, retrying path as every other request).
//! - [`Credentials`]: the MSP's API client, read at run time.
//! - [`AuthError`], [`GlpErrorBody`], [`OAuthErrorBody`]: what servers say when they refuse.
//! - [`retry`]: the one retry policy and the parsing of every server-given wait, bounded.
//! - [`text`]: redaction of secrets and tokens, and escaping of server text for a terminal.
//! - [`hints`]: the troubleshooting texts of 401 and 403 answers.
//! - [`Clock`]: time, injected.
//! - [`Counter`]: a count several tasks add to, for reports.

mod base_url;
mod clock;
mod counter;
mod credentials;
pub mod date;
mod error;
mod glp_error;
pub mod hints;
mod provider;
pub mod retry;
mod scope;
pub mod text;
mod token;
mod workspace_id;

pub use base_url::{BaseUrl, DEFAULT_GLP_BASE_URL, InvalidBaseUrl};
pub use clock::{Clock, ManualClock, SystemClock};
pub use counter::Counter;
pub use credentials::{
    ConfigError, Credentials, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_WORKSPACE_ID,
};
pub use error::AuthError;
pub use glp_error::{ErrorBody, GlpErrorBody, OAuthErrorBody, body_excerpt, lenient_u64_value};
pub use provider::{StaticTokenProvider, TokenProvider};
pub use retry::RetryPolicy;
pub use scope::Scope;
pub use secrecy::{ExposeSecret, SecretString};
pub use token::AccessToken;
pub use workspace_id::{InvalidWorkspaceId, WorkspaceId};

/// An error's message followed by its causes (`a: b: c`), each shown once: the form every
/// error of this project is logged and printed in.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}
