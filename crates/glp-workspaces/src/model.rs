//! [`Tenant`] and [`TenantPage`]: what `msp-tenants` returns.

use glp_core::WorkspaceId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A tenant workspace managed by the MSP, as GreenLake's `msp-tenants` lists it.
///
/// Field names are camelCase on the wire (`workspaceName`, `createdAt`, ...; `type` is
/// [`tenant_type`](Tenant::tenant_type)). Every field except `id` and `workspaceName` may be
/// missing. Fields this crate does not know are kept in [`extra`](Tenant::extra) and written back
/// by `Serialize`, so nothing the server sends is lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Tenant {
    /// The tenant's workspace id (the one its tenant token is exchanged for).
    pub id: WorkspaceId,
    /// The tenant's name, as shown in GreenLake.
    pub workspace_name: String,
    /// The workspace type (`type` on the wire), e.g. `TENANT`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub tenant_type: Option<String>,
    /// The record's generation (a version counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// When the workspace was created (RFC 3339, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the workspace was last updated (RFC 3339, as sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Who created the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The workspace's resource URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_uri: Option<String>,
    /// Who owns the devices: `MSP_OWNED_INVENTORY`, `CUSTOMER_OWNED_INVENTORY`, or a value
    /// added later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_ownership: Option<String>,
    /// Every field of the record not listed above, as received.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Tenant {
    /// A tenant with only its id and name (for tests and for callers who build their own lists).
    pub fn new(id: WorkspaceId, workspace_name: impl Into<String>) -> Self {
        Self {
            id,
            workspace_name: workspace_name.into(),
            tenant_type: None,
            generation: None,
            created_at: None,
            updated_at: None,
            created_by: None,
            resource_uri: None,
            inventory_ownership: None,
            extra: Map::new(),
        }
    }
}

/// One page of `msp-tenants`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TenantPage {
    /// The offset of the first item (echoed by the server; the requested one if it sent none).
    pub offset: u64,
    /// The number of items on this page as the server counts them (`items.len()` if it sent
    /// none).
    pub count: u64,
    /// The number of tenants the server says match, across all pages.
    pub total: u64,
    /// The tenants of this page.
    pub items: Vec<Tenant>,
    /// The entries of this page that are not valid tenants (an id that is not a workspace id, a
    /// missing name, ...), each with the reason. They count as received for paging.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<InvalidTenant>,
}

/// An entry of an `msp-tenants` page that is not a valid tenant: kept (not dropped) so that the
/// caller can report it, with the rest of its page still usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidTenant {
    /// The `id` as sent (server text, not validated; empty when absent or not a string).
    pub listed_id: String,
    /// The `workspaceName` as sent (server text; empty when absent or not a string).
    pub name: String,
    /// Why the entry is not a valid tenant.
    pub reason: String,
}

/// One entry of an `msp-tenants` listing: a valid tenant, or an entry that is not one.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TenantEntry {
    /// A tenant.
    Tenant(Tenant),
    /// An entry that did not decode as a tenant.
    Invalid(InvalidTenant),
    /// Not an entry: the listing ended, without an error, having delivered another number of
    /// entries than its `total` said (the last item of
    /// [`entries`](crate::MspTenantsRequest::entries), for a listing from offset 0).
    TotalMismatch {
        /// The `total` of the last page.
        total: u64,
        /// The entries delivered (each once), valid or not.
        delivered: u64,
    },
}

impl TenantEntry {
    /// The warning a [`TotalMismatch`](Self::TotalMismatch) is, with both numbers.
    pub fn mismatch_warning(total: u64, delivered: u64) -> String {
        format!("msp-tenants said total {total} but delivered {delivered} items")
    }
}

impl TenantPage {
    /// The offset of the page after this one: this page's offset plus the items it **holds**
    /// (not the `limit` asked for, nor the server's `count`). Resume a listing from here.
    pub fn next_offset(&self) -> u64 {
        self.offset.saturating_add(self.received())
    }

    /// The entries this page holds: valid tenants plus [`invalid`](Self::invalid) ones.
    pub fn received(&self) -> u64 {
        (self.items.len() as u64).saturating_add(self.invalid.len() as u64)
    }

    /// Whether this is the last page: it is empty, the server's own signal
    /// (`offset + count >= total`) says so, or the items seen so far reach `total`.
    pub fn is_last(&self) -> bool {
        crate::resources::is_last_page(self.offset, self.count, self.received(), Some(self.total))
    }
}

impl glp_transport::Paged for TenantPage {
    fn received(&self) -> u64 {
        TenantPage::received(self)
    }

    fn total(&self) -> Option<u64> {
        Some(self.total)
    }
}

/// The page as sent: `offset` and `count` are filled in when missing.
/// A msp-tenants page from its parts as received: each item typed, or kept as invalid with the
/// reason.
pub(crate) fn tenant_page(offset: u64, count: u64, total: u64, raw: Vec<Value>) -> TenantPage {
    let mut items = Vec::with_capacity(raw.len());
    let mut invalid = Vec::new();
    for raw in raw {
        let text = |key: &str| {
            raw.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (listed_id, name) = (text("id"), text("workspaceName"));
        match serde_json::from_value::<Tenant>(raw) {
            Ok(tenant) => items.push(tenant),
            Err(e) => invalid.push(InvalidTenant {
                listed_id,
                name,
                reason: format!("not a valid msp-tenants entry: {e}"),
            }),
        }
    }
    TenantPage {
        offset,
        count,
        total,
        items,
        invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(offset: u64, count: u64, total: u64, items: usize) -> TenantPage {
        let id = WorkspaceId::parse("3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c").expect("valid");
        TenantPage {
            offset,
            count,
            total,
            items: (0..items)
                .map(|i| Tenant::new(id, format!("t{i}")))
                .collect(),
            invalid: Vec::new(),
        }
    }

    #[test]
    fn next_offset_counts_items_received() {
        assert_eq!(page(0, 100, 250, 100).next_offset(), 100);
        // A short page: the server gave 7 of the 300 asked for.
        assert_eq!(page(100, 7, 250, 7).next_offset(), 107);
        // The server's count disagrees with the items: items win.
        assert_eq!(page(10, 50, 250, 3).next_offset(), 13);
    }

    #[test]
    fn last_page_rules() {
        assert!(!page(0, 100, 250, 100).is_last());
        assert!(page(200, 50, 250, 50).is_last());
        assert!(page(0, 0, 250, 0).is_last(), "empty page");
        assert!(page(0, 0, 0, 0).is_last(), "nothing at all");
        assert!(page(240, 5, 250, 10).is_last(), "items reach total");
        assert!(
            page(240, 10, 250, 5).is_last(),
            "server's count reaches total"
        );
    }

    #[test]
    fn an_invalid_entry_does_not_cost_its_page() {
        let items: Vec<Value> = serde_json::from_str(
            r#"[{"id": "not-a-uuid", "workspaceName": "Bad"},
                {"id": "3f2a6c1e0b4d4e7a9c2b1d5e8f9a0b1c", "workspaceName": "Good"}]"#,
        )
        .expect("decodes");
        let p = tenant_page(0, 2, 2, items);
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.items[0].workspace_name, "Good");
        assert_eq!(p.invalid.len(), 1);
        assert_eq!(
            (p.invalid[0].listed_id.as_str(), p.invalid[0].name.as_str()),
            ("not-a-uuid", "Bad")
        );
        assert_eq!((p.received(), p.next_offset(), p.count), (2, 2, 2));
    }
}
