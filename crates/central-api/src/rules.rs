//! A tenant's notification rules (`network-notifications/v1/notification-rules`, HPE's
//! notifications spec): [`RuleSpec`], what a create sends (the spec's create input: `name`
//! required, the rest optional), [`NotificationRule`], what a read answers, and the calls of
//! [`TenantClient`]: list, read one, create, update (a JSON merge patch) and delete.
//!
//! A write is sent at most once per call ([`Request::write`]): when its answer is lost after it
//! may have reached the server (a timeout, a broken connection, a 5xx) the call fails with
//! [`ApiError::OutcomeUnknown`], distinct from a refusal ([`ApiError::Http`] with the server's
//! words: 400, 404, 409, 422), so the caller reads the rules before writing again.

use glp_core::Scope;
use glp_transport::{Answer, Api, ApiError, Method, Request, Step, json_step};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::client::TenantClient;
use crate::endpoint::{Endpoint, Paging};
use crate::list::ListRequest;

/// The collection's path.
pub const NOTIFICATION_RULES_PATH: &str = "network-notifications/v1/notification-rules";
/// The most rules one page holds, and the most a listing's `total` may be (the spec's bound).
pub const MAX_RULES_PAGE: u32 = 20;
/// The most characters of a rule's name (the spec's `maxLength`).
pub const MAX_RULE_NAME: usize = 128;
/// The most characters of a rule's description (the spec's `maxLength`).
pub const MAX_RULE_DESCRIPTION: usize = 512;
/// The most characters of a rule id this client puts in a path (the spec's `maxLength`).
const MAX_RULE_ID: usize = 128;
/// The severities of `minAlertSeverity`.
const SEVERITIES: [&str; 4] = ["CRITICAL", "MAJOR", "MINOR", "INFO"];

/// The alerts a rule notifies of (`source.alerts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertSource {
    /// Whether the alert source is enabled (it must be, for a rule on alerts).
    pub enabled: bool,
    /// The alert names (as the alert configuration lists them).
    pub alert_names: Vec<String>,
    /// `CRITICAL`, `MAJOR`, `MINOR` or `INFO`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_alert_severity: Option<String>,
}

/// What a rule notifies of (`source`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSource {
    /// The alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertSource>,
}

/// One destination: whether it is enabled and its ids (`emailIds`, `webhookIds` or
/// `serverIds`, by the destination's kind).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    /// Whether this destination is enabled.
    pub enabled: bool,
    /// Email addresses (email destination only).
    #[serde(rename = "emailIds", default, skip_serializing_if = "Option::is_none")]
    pub email_ids: Option<Vec<String>>,
    /// Webhook subscription ids (webhook destination only).
    #[serde(
        rename = "webhookIds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub webhook_ids: Option<Vec<String>>,
    /// Syslog server ids (syslog destination only; Central on-premises).
    #[serde(rename = "serverIds", default, skip_serializing_if = "Option::is_none")]
    pub server_ids: Option<Vec<String>>,
}

/// Where a rule sends its notifications (`destination`): at least one must be enabled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDestination {
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Destination>,
    /// Webhooks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Destination>,
    /// Syslog servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syslog: Option<Destination>,
}

/// What a rule create sends (the spec's `NotificationRuleConfigInput`); an update sends the
/// same fields but `name`. Fields left `None` are not sent. Deserializing refuses unknown
/// fields (a misspelt field in a manifest is an error, not a silent omission).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuleSpec {
    /// The rule's name (required; unique within the tenant).
    pub name: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the rule is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The source types (`ALERTS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_types: Option<Vec<String>>,
    /// What it notifies of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<RuleSource>,
    /// Where it sends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<RuleDestination>,
}

fn too_long(field: &str, value: &str, max: usize) -> Result<(), String> {
    let n = value.chars().count();
    if n > max {
        Err(format!("'{field}' is longer than {max} characters ({n})"))
    } else {
        Ok(())
    }
}

impl RuleSpec {
    /// A spec naming `name` and setting nothing else.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Checks the spec against the API's bounds: the first problem, in words. The writes check
    /// it before sending anything.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.name.chars().any(char::is_control) {
            return Err("'name' must not be blank nor hold control characters".into());
        }
        too_long("name", &self.name, MAX_RULE_NAME)?;
        if let Some(d) = &self.description {
            too_long("description", d, MAX_RULE_DESCRIPTION)?;
        }
        if let Some(types) = &self.source_types
            && types.iter().any(|t| t != "ALERTS")
        {
            return Err("'sourceTypes' may hold only ALERTS".into());
        }
        if let Some(alerts) = self.source.as_ref().and_then(|s| s.alerts.as_ref()) {
            if !alerts.enabled {
                return Err("'source.alerts.enabled' must be true for a rule on alerts".into());
            }
            if let Some(s) = &alerts.min_alert_severity
                && !SEVERITIES.contains(&s.as_str())
            {
                return Err(
                    "'source.alerts.minAlertSeverity' must be CRITICAL, MAJOR, MINOR or INFO"
                        .into(),
                );
            }
        }
        let enabled = self.destination.as_ref().is_some_and(|d| {
            [&d.email, &d.webhook, &d.syslog]
                .iter()
                .any(|x| x.as_ref().is_some_and(|x| x.enabled))
        });
        if !enabled {
            return Err(
                "at least one destination (email, webhook or syslog) must be enabled".into(),
            );
        }
        Ok(())
    }

    /// The spec as the JSON fields it sets (wire names), `name` included.
    pub fn fields(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// A notification rule as read: its `id`, `name` and every other field as received (a
/// listing's items show `source.alerts.alertCount` instead of the alert names; a read of one
/// rule shows the names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationRule {
    /// The rule's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Every other field (`type`, `description`, `enabled`, `sourceTypes`, `source`,
    /// `destination`, ...).
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

/// A rule id fit for a path: 1 to 128 letters, digits, `-` or `_`.
fn rule_path(id: &str) -> Result<String, ApiError> {
    let ok = !id.is_empty()
        && id.chars().count() <= MAX_RULE_ID
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(format!("{NOTIFICATION_RULES_PATH}/{id}"))
    } else {
        Err(ApiError::InvalidRequest(format!(
            "not a notification rule id: {:?}",
            id.chars().take(40).collect::<String>()
        )))
    }
}

/// The classifier of a delete's answer: any 2xx is done; anything else as for every JSON call.
fn delete_step(answer: &Answer<'_>) -> Step<()> {
    if (200..300).contains(&answer.status) {
        return Step::Done(());
    }
    match json_step::<Value>(Api::Central, "DELETE", answer) {
        Step::Done(_) => Step::Done(()),
        Step::Fail(e) => Step::Fail(e),
        Step::Retry(e) => Step::Retry(e),
        Step::RetryOnce(e) => Step::RetryOnce(e),
        Step::RateLimited(e) => Step::RateLimited(e),
        _ => Step::Fail(ApiError::InvalidRequest(format!(
            "HTTP {} to a delete was neither a success nor an error",
            answer.status
        ))),
    }
}

impl TenantClient {
    /// The tenant's notification rules (`GET network-notifications/v1/notification-rules`,
    /// paged by offset, at most 20 a page). Each item is a summary: read one rule
    /// ([`notification_rule`](Self::notification_rule)) for its alert names.
    pub fn notification_rules(&self) -> ListRequest<NotificationRule> {
        match Endpoint::family_path(NOTIFICATION_RULES_PATH, Paging::Offset) {
            Ok(endpoint) => self.list(endpoint).limit(MAX_RULES_PAGE),
            Err(reason) => self.list(Endpoint::refused()).refuse(reason),
        }
    }

    /// One rule, with every field (`GET .../notification-rules/{id}`).
    pub async fn notification_rule(&self, id: &str) -> Result<NotificationRule, ApiError> {
        let path = rule_path(id)?;
        self.api_client()
            .get_json(&Scope::Tenant(self.tenant_id()), &path, &[])
            .await
    }

    async fn write_rule<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        input: Option<Map<String, Value>>,
    ) -> Result<T, ApiError> {
        let body = input
            .map(|i| serde_json::to_vec(&json!({ "notificationRuleInput": i })))
            .transpose()
            .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
        let name = method.as_str();
        let request = Request::write(
            method,
            path,
            body.as_deref(),
            Scope::Tenant(self.tenant_id()),
        );
        self.api_client()
            .send(&request, |answer| json_step(Api::Central, name, answer))
            .await
    }

    /// Creates a rule (`POST .../notification-rules` with `{"notificationRuleInput": spec}`);
    /// the answer is the rule made. Sent at most once (see the module's documentation).
    pub async fn create_notification_rule(
        &self,
        spec: &RuleSpec,
    ) -> Result<NotificationRule, ApiError> {
        spec.check().map_err(ApiError::InvalidRequest)?;
        self.write_rule(Method::Post, NOTIFICATION_RULES_PATH, Some(spec.fields()))
            .await
    }

    /// Updates rule `id` (`PATCH .../notification-rules/{id}`, a JSON merge patch): `fields`
    /// are the update input's fields to set (wire names; `name` is none of them: a rule is not
    /// renamed). The answer is the rule as it now is. Sent at most once.
    pub async fn update_notification_rule(
        &self,
        id: &str,
        fields: &Map<String, Value>,
    ) -> Result<NotificationRule, ApiError> {
        if fields.contains_key("name") {
            return Err(ApiError::InvalidRequest(
                "a notification rule's update cannot rename it".into(),
            ));
        }
        let path = rule_path(id)?;
        self.write_rule(Method::Patch, &path, Some(fields.clone()))
            .await
    }

    /// Deletes rule `id` (`DELETE .../notification-rules/{id}`, 204). Sent at most once.
    pub async fn delete_notification_rule(&self, id: &str) -> Result<(), ApiError> {
        let path = rule_path(id)?;
        let request = Request::write(Method::Delete, &path, None, Scope::Tenant(self.tenant_id()));
        self.api_client().send(&request, delete_step).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_is_checked_before_sending() {
        let mut spec = RuleSpec::named("NOC");
        assert!(spec.check().is_err_and(|e| e.contains("destination")));
        spec.destination = Some(RuleDestination {
            email: Some(Destination {
                enabled: true,
                email_ids: Some(vec!["noc@msp.example".into()]),
                ..Destination::default()
            }),
            ..RuleDestination::default()
        });
        assert_eq!(spec.check(), Ok(()));
        spec.name = "x".repeat(129);
        assert!(spec.check().is_err_and(|e| e.contains("128")));
        assert!(rule_path("../x").is_err());
        assert!(rule_path("3f96ffea-73fe-4a9b").is_ok());
    }
}
