//! The MSP's customer workspaces as they are now: the population's tenants as generated, with
//! what the msp-tenants writes (`POST`, `PUT`, `DELETE`) changed. Only the changes are kept (a
//! changed tenant, the deleted ids, the created workspaces), so a large population costs nothing
//! until it is written to.
//!
//! A created workspace is a GreenLake workspace only: it has no devices, no subscriptions, no
//! Central presence, and the token endpoint does not exchange tokens for it.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use serde_json::Value;

use crate::ids;
use crate::population::{CREATORS, Population, Tenant};
use crate::rng::rng;

/// The contact fields of a workspace that the msp-tenants writes set.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Contact {
    /// `description`.
    pub(crate) description: Option<String>,
    /// `email`.
    pub(crate) email: Option<String>,
    /// `phoneNumber`.
    pub(crate) phone_number: Option<String>,
    /// `address` (an object with `countryCode`).
    pub(crate) address: Option<Value>,
}

/// One customer workspace, as listed now.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Workspace {
    /// The workspace id.
    pub(crate) id: u128,
    /// Its position in the population, for a generated tenant.
    pub(crate) index: Option<u32>,
    /// `workspaceName`.
    pub(crate) name: String,
    /// `inventoryOwnership` is `MSP_OWNED_INVENTORY`.
    pub(crate) msp_owned: bool,
    /// Creation time, epoch seconds.
    pub(crate) created_at: i64,
    /// Last update time, epoch seconds.
    pub(crate) updated_at: i64,
    /// `createdBy`.
    pub(crate) created_by: &'static str,
    /// `generation`: one more per update.
    pub(crate) generation: u32,
    /// The contact fields.
    pub(crate) contact: Contact,
    /// Devices in its inventory (a created workspace has none).
    pub(crate) devices: u32,
}

impl Workspace {
    /// A generated tenant as the population made it.
    pub(crate) fn of(t: &Tenant) -> Self {
        Workspace {
            id: t.workspace_id,
            index: Some(t.index),
            name: t.name.to_string(),
            msp_owned: t.msp_owned,
            created_at: t.created_at,
            updated_at: t.updated_at,
            created_by: CREATORS[usize::from(t.created_by)],
            generation: t.generation,
            contact: Contact::default(),
            devices: t.devices,
        }
    }
}

/// A write's body: `NBContactTenant` of HPE's workspace spec, validated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TenantBody {
    /// `workspaceName` (required, not blank).
    pub(crate) name: String,
    /// `inventoryOwnership`, if given.
    pub(crate) msp_owned: Option<bool>,
    /// The contact fields given.
    pub(crate) contact: Contact,
}

/// The most characters of `workspaceName` and of the free-text fields the simulator accepts
/// (the spec gives no maximum; a bound keeps the state small).
const MAX_TEXT: usize = 256;

/// The address fields with the spec's `maxLength`s (`None`: no maximum given).
const ADDRESS: &[(&str, Option<usize>)] = &[
    ("city", Some(40)),
    ("countryCode", Some(2)),
    ("stateOrRegion", Some(220)),
    ("streetAddress", None),
    ("streetAddressComplement", Some(60)),
    ("zip", Some(10)),
];

fn text(obj: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(format!("'{key}' is longer than {MAX_TEXT} characters")),
        Some(_) => Err(format!("'{key}' must be a string")),
    }
}

fn address(v: Option<&Value>) -> Result<Option<Value>, String> {
    let a = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(a)) => a,
        Some(_) => return Err("'address' must be an object".into()),
    };
    for key in a.keys() {
        if !ADDRESS.iter().any(|(k, _)| k == key) {
            return Err(format!("'address.{key}' is not an address field"));
        }
    }
    for (key, max) in ADDRESS {
        if let Some(s) = text(a, key).map_err(|e| format!("address: {e}"))?
            && max.is_some_and(|m| s.chars().count() > m)
        {
            return Err(format!(
                "'address.{key}' is longer than {} characters",
                max.unwrap_or(0)
            ));
        }
    }
    match a.get("countryCode").and_then(Value::as_str) {
        Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) => {}
        Some(c) => {
            return Err(format!(
                "'address.countryCode' must be an ISO 3166 alpha-2 code, got '{}'",
                c.chars().take(8).collect::<String>()
            ));
        }
        None => return Err("'address.countryCode' is required".into()),
    }
    Ok(Some(Value::Object(a.clone())))
}

impl TenantBody {
    /// The body of a write, or why it is refused (a 400's message).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, String> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("The request body is not valid JSON: {e}"))?;
        let Value::Object(obj) = v else {
            return Err("The request body must be a JSON object".into());
        };
        const KNOWN: &[&str] = &[
            "workspaceName",
            "description",
            "email",
            "phoneNumber",
            "address",
            "inventoryOwnership",
            "resourceUri",
        ];
        if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!(
                "'{}' is not a field of a tenant",
                k.chars().take(40).collect::<String>()
            ));
        }
        let name = match text(&obj, "workspaceName")? {
            Some(n) if !n.trim().is_empty() => n,
            Some(_) => return Err("'workspaceName' must not be blank".into()),
            None => return Err("'workspaceName' is required".into()),
        };
        let msp_owned = match text(&obj, "inventoryOwnership")?.as_deref() {
            None => None,
            Some("MSP_OWNED_INVENTORY") => Some(true),
            Some("CUSTOMER_OWNED_INVENTORY") => Some(false),
            Some(_) => {
                return Err(
                    "'inventoryOwnership' must be MSP_OWNED_INVENTORY or CUSTOMER_OWNED_INVENTORY"
                        .into(),
                );
            }
        };
        let email = text(&obj, "email")?;
        if let Some(e) = &email
            && !e
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
        {
            return Err("'email' is not an email address".into());
        }
        Ok(TenantBody {
            name,
            msp_owned,
            contact: Contact {
                description: text(&obj, "description")?,
                email,
                phone_number: text(&obj, "phoneNumber")?,
                address: address(obj.get("address"))?,
            },
        })
    }
}

/// A refused write: its status and message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refusal {
    /// 404, 409 or 412.
    pub(crate) status: StatusCode,
    /// The error body's `message`.
    pub(crate) message: String,
}

fn refuse(status: StatusCode, message: String) -> Refusal {
    Refusal { status, message }
}

/// What the writes changed.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    changed: HashMap<u128, Workspace>,
    deleted: HashSet<u128>,
    created: Vec<Workspace>,
    made: u64,
}

impl Registry {
    /// Every workspace now, in msp-tenants order (the population's, then the created ones).
    pub(crate) fn live<'a>(&'a self, pop: &'a Population) -> impl Iterator<Item = Workspace> + 'a {
        pop.tenants
            .iter()
            .filter(|t| !self.deleted.contains(&t.workspace_id))
            .map(|t| {
                self.changed
                    .get(&t.workspace_id)
                    .cloned()
                    .unwrap_or_else(|| Workspace::of(t))
            })
            .chain(self.created.iter().cloned())
    }

    /// How many workspaces there are now.
    pub(crate) fn count(&self, pop: &Population) -> usize {
        pop.tenants.len() - self.deleted.len() + self.created.len()
    }

    /// The workspace `id` now.
    fn find(&self, pop: &Population, id: u128) -> Option<Workspace> {
        if self.deleted.contains(&id) {
            return None;
        }
        if let Some(w) = self.changed.get(&id) {
            return Some(w.clone());
        }
        pop.tenant(id)
            .map(Workspace::of)
            .or_else(|| self.created.iter().find(|w| w.id == id).cloned())
    }

    fn name_taken(&self, pop: &Population, name: &str, except: Option<u128>) -> bool {
        let wanted = name.trim().to_lowercase();
        self.live(pop)
            .any(|w| Some(w.id) != except && w.name.trim().to_lowercase() == wanted)
    }

    /// Creates a workspace from `body` at `now` (epoch seconds): its id, or 409 when a
    /// workspace already has that name (compared trimmed, without case).
    pub(crate) fn create(
        &mut self,
        pop: &Population,
        body: TenantBody,
        now: i64,
    ) -> Result<u128, Refusal> {
        if self.name_taken(pop, &body.name, None) {
            return Err(refuse(
                StatusCode::CONFLICT,
                format!("A workspace named '{}' already exists", body.name),
            ));
        }
        let mut id;
        loop {
            self.made += 1;
            id = ids::as_uuid_v4(rng(&[pop.seed, 0x4E4557, self.made]).u128(..));
            if id != pop.msp_workspace_id
                && self.find(pop, id).is_none()
                && pop.tenant(id).is_none()
            {
                break;
            }
        }
        self.created.push(Workspace {
            id,
            index: None,
            name: body.name,
            msp_owned: body.msp_owned.unwrap_or(true),
            created_at: now,
            updated_at: now,
            created_by: CREATORS[0],
            generation: 1,
            contact: body.contact,
            devices: 0,
        });
        Ok(id)
    }

    /// Updates workspace `id` with `body`: the fields given replace the stored ones, the others
    /// stay. 404 for no such workspace, 409 when another one has the new name.
    pub(crate) fn update(
        &mut self,
        pop: &Population,
        id: u128,
        body: TenantBody,
        now: i64,
    ) -> Result<(), Refusal> {
        let Some(mut w) = self.find(pop, id) else {
            return Err(not_found(id));
        };
        if self.name_taken(pop, &body.name, Some(id)) {
            return Err(refuse(
                StatusCode::CONFLICT,
                format!("Another workspace is named '{}'", body.name),
            ));
        }
        w.name = body.name;
        if let Some(owned) = body.msp_owned {
            w.msp_owned = owned;
        }
        let c = body.contact;
        let old = &mut w.contact;
        for (new, old) in [
            (c.description, &mut old.description),
            (c.email, &mut old.email),
            (c.phone_number, &mut old.phone_number),
        ] {
            if new.is_some() {
                *old = new;
            }
        }
        if c.address.is_some() {
            w.contact.address = c.address;
        }
        w.updated_at = now.max(w.updated_at);
        w.generation += 1;
        self.store(w);
        Ok(())
    }

    /// Deletes workspace `id`: 404 for no such workspace, 412 while it holds devices.
    pub(crate) fn delete(&mut self, pop: &Population, id: u128) -> Result<(), Refusal> {
        let Some(w) = self.find(pop, id) else {
            return Err(not_found(id));
        };
        if w.devices > 0 {
            return Err(refuse(
                StatusCode::PRECONDITION_FAILED,
                format!(
                    "The workspace still holds {} devices: move or remove them first",
                    w.devices
                ),
            ));
        }
        if w.index.is_some() {
            self.changed.remove(&id);
            self.deleted.insert(id);
        } else {
            self.created.retain(|c| c.id != id);
        }
        Ok(())
    }

    fn store(&mut self, w: Workspace) {
        if w.index.is_some() {
            self.changed.insert(w.id, w);
        } else if let Some(c) = self.created.iter_mut().find(|c| c.id == w.id) {
            *c = w;
        }
    }
}

fn not_found(id: u128) -> Refusal {
    refuse(
        StatusCode::NOT_FOUND,
        format!("No tenant with id '{}'", ids::hyphenated(id)),
    )
}
