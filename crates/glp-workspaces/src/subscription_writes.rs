//! The subscriptions write of HPE's subscription-management spec: `POST
//! subscriptions/v1/subscriptions` adds subscriptions to a workspace by key (at most
//! [`MAX_KEYS_PER_POST`] a request), with the token of that workspace: the MSP's own
//! ([`Scope::Msp`]) or a tenant's ([`Scope::Tenant`], the exchanged token, as every tenant
//! resource). The server validates the request, then answers 202 with the `Location` of an
//! asynchronous operation (`subscriptions/v1/async-operations/{id}`,
//! [`WorkspacesClient::wait_subscription_operation`]); an answer without one (a 200 or 201) is
//! taken as done. GreenLake allows 4 such requests a minute per workspace: the transport paces
//! writes per workspace and learns that budget from the 429s.
//!
//! Subscription keys are license keys: a [`SubscriptionKey`] shows only its last four
//! characters ([`SubscriptionKey::masked`]) when printed or debugged; the whole key goes only
//! into the request's body.
//!
//! The write is sent at most once per call: a lost answer is [`ApiError::OutcomeUnknown`] and
//! the caller re-reads the workspace's keys ([`WorkspacesClient::subscription_keys`]) before
//! sending it again.

use futures::TryStreamExt as _;
use glp_core::Scope;
use glp_transport::{ApiError, Method, Request};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::client::WorkspacesClient;
use crate::device_writes::{DeviceOperation, operation_id_in, read_operation, wait_operation};
use crate::resources::GlpResource;
use crate::tenant_writes::{WriteAnswer, write_step};

/// The subscriptions path, relative to the GreenLake base URL (the `POST` is sent there).
pub const SUBSCRIPTIONS_POST_PATH: &str = "subscriptions/v1/subscriptions";
/// Where the subscription operations live, relative to the GreenLake base URL.
pub const SUBSCRIPTION_OPERATIONS_PATH: &str = "subscriptions/v1/async-operations";
/// The most keys one `POST` may carry (the spec's maximum).
pub const MAX_KEYS_PER_POST: usize = 5;
/// The longest key this client sends (the spec gives no bound; keys are short codes).
pub const MAX_KEY_CHARS: usize = 64;

/// A subscription key (a license key): printed and debugged masked, as `****` and its last four
/// characters; [`expose`](Self::expose) gives it whole. Read from and written to JSON or TOML
/// as the plain string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubscriptionKey(String);

impl SubscriptionKey {
    /// `key` if it is one ([`check`](Self::check)), else why not.
    pub fn new(key: impl Into<String>) -> Result<Self, String> {
        let key = Self(key.into());
        key.check().map(|()| key)
    }

    /// Why the key cannot be sent, if it cannot: 1 to [`MAX_KEY_CHARS`] ASCII letters, digits,
    /// `-` or `_` (no blank, no control character, nothing a query or a log could misread).
    pub fn check(&self) -> Result<(), String> {
        let k = &self.0;
        if k.is_empty() || k.len() > MAX_KEY_CHARS {
            return Err(format!(
                "a subscription key is 1 to {MAX_KEY_CHARS} characters, not {}",
                k.chars().count()
            ));
        }
        if !k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "subscription key {} holds a character other than a letter, a digit, - or _",
                self.masked()
            ));
        }
        Ok(())
    }

    /// The key whole: for the request's body and comparisons, never for a log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `****` and the last four characters (only `****` for a key of four or fewer): what
    /// plans, reports and logs show.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() <= 4 {
            return "****".to_owned();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("****{}", glp_core::text::escape_control(&tail))
    }

    /// Whether `other` (as a server lists it) is this key: the same, without case.
    pub fn is(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.trim())
    }
}

impl std::fmt::Debug for SubscriptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SubscriptionKey({})", self.masked())
    }
}

impl std::fmt::Display for SubscriptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The operation id a subscriptions 202's `Location` names (its last segment), when it is a
/// subscription operation's path and a plain id.
pub fn subscription_operation_id(answer: &WriteAnswer) -> Option<String> {
    operation_id_in(answer, SUBSCRIPTION_OPERATIONS_PATH)
}

impl WorkspacesClient {
    /// Adds the subscriptions `keys` (1 to [`MAX_KEYS_PER_POST`], each a valid key, none twice)
    /// to the workspace of `scope`: `POST subscriptions/v1/subscriptions` with
    /// `{"subscriptions": [{"key": ...}]}`. Sent at most once; the answer's
    /// [`subscription_operation_id`] names the operation to poll.
    pub async fn add_subscriptions(
        &self,
        scope: Scope,
        keys: &[&SubscriptionKey],
    ) -> Result<WriteAnswer, ApiError> {
        if keys.is_empty() || keys.len() > MAX_KEYS_PER_POST {
            return Err(ApiError::InvalidRequest(format!(
                "a subscriptions POST carries 1 to {MAX_KEYS_PER_POST} keys, not {}",
                keys.len()
            )));
        }
        if let Some(problem) = keys.iter().find_map(|k| k.check().err()) {
            return Err(ApiError::InvalidRequest(problem));
        }
        if keys
            .iter()
            .enumerate()
            .any(|(i, a)| keys[..i].iter().any(|b| b.is(a.expose())))
        {
            return Err(ApiError::InvalidRequest(
                "a subscription key is named twice".into(),
            ));
        }
        let body = json!({
            "subscriptions": keys.iter().map(|k| json!({ "key": k.expose() })).collect::<Vec<_>>()
        });
        let body =
            serde_json::to_vec(&body).map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let request = Request::write(Method::Post, SUBSCRIPTIONS_POST_PATH, Some(&body), scope);
        self.api_client()
            .send(&request, |answer| write_step("POST", answer))
            .await
    }

    /// Reads subscription operation `id` as `scope`: `GET subscriptions/v1/async-operations/{id}`.
    pub async fn subscription_operation(
        &self,
        scope: Scope,
        id: &str,
    ) -> Result<DeviceOperation, ApiError> {
        read_operation(self.api_client(), scope, SUBSCRIPTION_OPERATIONS_PATH, id).await
    }

    /// Reads subscription operation `id` until it ends, as
    /// [`TenantResources::wait_device_operation`](crate::TenantResources::wait_device_operation)
    /// does for a device operation.
    pub async fn wait_subscription_operation(
        &self,
        scope: Scope,
        id: &str,
    ) -> Result<DeviceOperation, ApiError> {
        wait_operation(self.api_client(), scope, SUBSCRIPTION_OPERATIONS_PATH, id).await
    }

    /// The keys of every subscription the workspace of `scope` holds (`GET
    /// subscriptions/v1/subscriptions`, every page), as listed (trimmed, at most
    /// [`MAX_KEY_CHARS`] characters each; items without a key left out).
    pub async fn subscription_keys(&self, scope: Scope) -> Result<Vec<String>, ApiError> {
        let items: Vec<Value> = self
            .resource(GlpResource::Subscriptions, scope)
            .stream()
            .try_collect()
            .await?;
        Ok(items
            .iter()
            .filter_map(|v| v.get("key")?.as_str())
            .map(|k| k.trim().chars().take(MAX_KEY_CHARS).collect::<String>())
            .filter(|k| !k.is_empty())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_shown_masked() {
        let key = SubscriptionKey::new("BAASOAAg95").expect("a key");
        assert_eq!(key.masked(), "****Ag95");
        assert_eq!(
            format!("{key} {key:?}"),
            "****Ag95 SubscriptionKey(****Ag95)"
        );
        assert_eq!(key.expose(), "BAASOAAg95");
        assert!(key.is(" baasoaag95"));
        assert_eq!(SubscriptionKey::new("AB1").expect("short").masked(), "****");
        for bad in ["", "a b", "KEY\u{1b}[2J", "k&x=1", &"K".repeat(65)] {
            let err = SubscriptionKey::new(bad).expect_err(bad);
            assert!(!err.contains('\u{1b}'), "{err}");
        }
        let parsed: SubscriptionKey = serde_json::from_str("\"BAASOAAg95\"").expect("json");
        assert_eq!(parsed, key);
    }
}
