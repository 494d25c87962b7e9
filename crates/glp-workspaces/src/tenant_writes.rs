//! The msp-tenants writes (HPE's workspace spec): create, update and delete a customer
//! workspace, with the MSP token, through the one HTTP path.
//!
//! A write is sent at most once per call ([`Request::write`]): when its answer is lost after it
//! may have reached the server (a timeout, a broken connection, a 5xx) the call fails with
//! [`ApiError::OutcomeUnknown`], distinct from a refusal ([`ApiError::Http`] with the server's
//! words: 400, 409, 412, ...), so the caller reads the tenants before writing again.

use glp_core::{Scope, WorkspaceId};
use glp_transport::{Answer, ApiError, Method, Request, Step, json_step};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{MSP_TENANTS_PATH, WorkspacesClient};

/// The most characters of `workspaceName` this client sends (the spec gives no maximum).
pub const MAX_NAME_CHARS: usize = 256;
/// The most characters of `description`, `email` and `phoneNumber` this client sends.
pub const MAX_TEXT_CHARS: usize = 1024;

/// A company address (`NBCcsAddressV2`): only `countryCode` is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// ISO 3166 alpha-2 code, e.g. `US`.
    pub country_code: String,
    /// City (at most 40 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region (at most 220).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_region: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// Apartment, suite or building (at most 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address_complement: Option<String>,
    /// Postal code (at most 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// What a tenant write sends (`NBContactTenant`): the name and the fields to set. Fields left
/// `None` are not sent. Deserializing refuses unknown fields (a misspelt field in a manifest is
/// an error, not a silent omission).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantSpec {
    /// The workspace's name (required).
    pub workspace_name: String,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The workspace's primary email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The workspace's phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// The company address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// `MSP_OWNED_INVENTORY` (GreenLake's default) or `CUSTOMER_OWNED_INVENTORY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_ownership: Option<String>,
}

fn too_long(field: &str, value: Option<&str>, max: usize) -> Result<(), String> {
    match value {
        Some(v) if v.chars().count() > max => Err(format!(
            "'{field}' is longer than {max} characters ({})",
            v.chars().count()
        )),
        _ => Ok(()),
    }
}

impl TenantSpec {
    /// A spec naming `workspace_name` and setting nothing else.
    pub fn named(workspace_name: impl Into<String>) -> Self {
        Self {
            workspace_name: workspace_name.into(),
            ..Self::default()
        }
    }

    /// Checks the spec against the API's bounds (and this client's): the first problem, in
    /// words. The writes check it before sending anything.
    pub fn check(&self) -> Result<(), String> {
        if self.workspace_name.trim().is_empty() {
            return Err("'workspaceName' must not be blank".into());
        }
        if self.workspace_name.chars().any(char::is_control) {
            return Err("'workspaceName' must not hold control characters".into());
        }
        too_long("workspaceName", Some(&self.workspace_name), MAX_NAME_CHARS)?;
        too_long("description", self.description.as_deref(), MAX_TEXT_CHARS)?;
        too_long("email", self.email.as_deref(), MAX_TEXT_CHARS)?;
        too_long("phoneNumber", self.phone_number.as_deref(), MAX_TEXT_CHARS)?;
        if let Some(o) = &self.inventory_ownership
            && !matches!(
                o.as_str(),
                "MSP_OWNED_INVENTORY" | "CUSTOMER_OWNED_INVENTORY"
            )
        {
            return Err(
                "'inventoryOwnership' must be MSP_OWNED_INVENTORY or CUSTOMER_OWNED_INVENTORY"
                    .into(),
            );
        }
        if let Some(a) = &self.address {
            let code = &a.country_code;
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err("'address.countryCode' must be two capital letters (ISO 3166)".into());
            }
            too_long("address.city", a.city.as_deref(), 40)?;
            too_long("address.stateOrRegion", a.state_or_region.as_deref(), 220)?;
            too_long(
                "address.streetAddress",
                a.street_address.as_deref(),
                MAX_TEXT_CHARS,
            )?;
            too_long(
                "address.streetAddressComplement",
                a.street_address_complement.as_deref(),
                60,
            )?;
            too_long("address.zip", a.zip.as_deref(), 10)?;
        }
        Ok(())
    }
}

/// A write's success: its status, the server's `message` (cleaned, at most 200 characters)
/// and, for a create, the `Location` it named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WriteAnswer {
    /// HTTP status (201, 200, 204, ...).
    pub status: u16,
    /// The body's `message`, if it had one.
    pub message: Option<String>,
    /// The `Location` header, if any (cleaned, at most 300 characters).
    pub location: Option<String>,
}

impl WriteAnswer {
    /// The workspace id at the end of [`location`](Self::location), if it names one (a create's
    /// answer points to the new workspace).
    pub fn location_id(&self) -> Option<WorkspaceId> {
        let last = self
            .location
            .as_deref()?
            .trim_end_matches('/')
            .rsplit('/')
            .next()?;
        WorkspaceId::parse(last).ok()
    }
}

pub(crate) fn clip(text: &str, max: usize) -> String {
    glp_core::text::untrusted(&text.chars().take(max).collect::<String>())
}

/// The classifier of a write's answer: any 2xx is done (the body is read leniently: a
/// delete's is empty); anything else is classified as for every JSON call.
pub(crate) fn write_step(method: &'static str, answer: &Answer<'_>) -> Step<WriteAnswer> {
    if (200..300).contains(&answer.status) {
        let message = serde_json::from_slice::<Value>(answer.body)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(|m| clip(m, 200)));
        let location = answer
            .headers
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(|l| clip(l, 300));
        return Step::Done(WriteAnswer {
            status: answer.status,
            message,
            location,
        });
    }
    match json_step::<Value>(glp_transport::Api::GreenLake, method, answer) {
        Step::Fail(e) => Step::Fail(e),
        Step::Retry(e) => Step::Retry(e),
        Step::RetryOnce(e) => Step::RetryOnce(e),
        Step::RateLimited(e) => Step::RateLimited(e),
        _ => Step::Fail(ApiError::InvalidRequest(format!(
            "HTTP {} to a write was neither a success nor an error",
            answer.status
        ))),
    }
}

impl WorkspacesClient {
    async fn write_tenant(
        &self,
        method: Method,
        path: &str,
        spec: Option<&TenantSpec>,
    ) -> Result<WriteAnswer, ApiError> {
        let body = match spec {
            Some(spec) => {
                spec.check().map_err(ApiError::InvalidRequest)?;
                Some(
                    serde_json::to_vec(spec)
                        .map_err(|e| ApiError::InvalidRequest(e.to_string()))?,
                )
            }
            None => None,
        };
        let name = method.as_str();
        self.api_client()
            .send(
                &Request::write(method, path, body.as_deref(), Scope::Msp),
                |answer| write_step(name, answer),
            )
            .await
    }

    /// Creates a customer workspace: `POST workspaces/v1/msp-tenants` with `spec`. Sent at most
    /// once (see the module's documentation); [`WriteAnswer::location_id`] is the new id when
    /// the server names it.
    pub async fn create_tenant(&self, spec: &TenantSpec) -> Result<WriteAnswer, ApiError> {
        self.write_tenant(Method::Post, MSP_TENANTS_PATH, Some(spec))
            .await
    }

    /// Updates customer workspace `id`: `PUT workspaces/v1/msp-tenants/{id}` with `spec`.
    pub async fn update_tenant(
        &self,
        id: WorkspaceId,
        spec: &TenantSpec,
    ) -> Result<WriteAnswer, ApiError> {
        let path = format!("{MSP_TENANTS_PATH}/{}", id.hyphenated());
        self.write_tenant(Method::Put, &path, Some(spec)).await
    }

    /// Deletes customer workspace `id`: `DELETE workspaces/v1/msp-tenants/{id}`.
    pub async fn delete_tenant(&self, id: WorkspaceId) -> Result<WriteAnswer, ApiError> {
        let path = format!("{MSP_TENANTS_PATH}/{}", id.hyphenated());
        self.write_tenant(Method::Delete, &path, None).await
    }
}
