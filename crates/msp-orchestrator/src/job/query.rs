//! [`Query`]: what every tenant's list request asks for besides the resource, and [`Since`]:
//! from when a time-ordered resource is read.

use super::*;

/// What every tenant's list request asks Central for besides the resource: an OData filter, a
/// sort, other query parameters. The request refuses expressions over
/// [`central_api::MAX_EXPRESSION_CHARS`]; check them before a run with [`Query::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `filter=...`.
    pub filter: Option<String>,
    /// `sort=...`.
    pub sort: Option<String>,
    /// Other parameters, in order.
    pub params: Vec<(String, String)>,
}

impl Query {
    /// Every problem of the query, found without a request: over-long or empty expressions,
    /// parameters the request sets itself, empty names.
    pub fn check(&self) -> Result<(), Vec<String>> {
        use central_api::QueryProblem;
        let mut problems = Vec::new();
        // Central's expression limit, kept for GreenLake resources too.
        for (name, value) in [("--filter", &self.filter), ("--sort", &self.sort)] {
            if let Some(Err(problem)) = value
                .as_deref()
                .map(|v| central_api::check_query_expression(name, v))
            {
                problems.push(problem.to_string());
            }
        }
        // A parameter goes to whichever API the resource is on: both must take it.
        for (key, _) in &self.params {
            let checked = central_api::check_query_param(key)
                .and_then(|()| glp_workspaces::check_query_param(key));
            match checked {
                Ok(()) => {}
                Err(QueryProblem::EmptyName) => {
                    problems.push("--param needs KEY=VALUE with a non-empty KEY".into());
                }
                Err(_) if key == "filter" || key == "sort" => {
                    problems.push(format!("--param {key}=... : use --{key} instead"));
                }
                Err(_) => {
                    problems.push(format!(
                        "--param {key}=... : `{key}` is set by the paging itself"
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    pub(super) fn apply_glp<T>(&self, request: OffsetListRequest<T>) -> OffsetListRequest<T> {
        self.narrow(
            request,
            |r, f| r.filter(f),
            |r, s| r.sort(s),
            |r, k, v| r.param(k, v),
        )
    }

    pub(super) fn apply<T>(
        &self,
        request: central_api::ListRequest<T>,
    ) -> central_api::ListRequest<T> {
        self.narrow(
            request,
            |r, f| r.filter(f),
            |r, s| r.sort(s),
            |r, k, v| r.param(k, v),
        )
    }

    /// `request` with this spec's filter, sort and parameters, set by the request type's own
    /// `filter`, `sort` and `param`.
    fn narrow<R>(
        &self,
        mut request: R,
        filter: impl Fn(R, String) -> R,
        sort: impl Fn(R, String) -> R,
        param: impl Fn(R, String, String) -> R,
    ) -> R {
        if let Some(f) = &self.filter {
            request = filter(request, f.clone());
        }
        if let Some(s) = &self.sort {
            request = sort(request, s.clone());
        }
        for (key, value) in &self.params {
            request = param(request, key.clone(), value.clone());
        }
        request
    }
}

/// From when a time-ordered resource (one with a [`GlpResource::time_field`]: `glp/audit-logs`)
/// is read: every tenant from one time, each tenant from its own watermark, or everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Since {
    /// The time for every tenant without a watermark, RFC 3339 (`2026-12-01T00:00:00Z`).
    pub all: Option<String>,
    /// Each tenant's own time, by the tenant's listed id ([`TenantRef::listed_id`]): the
    /// newest entry a store holds for it.
    pub tenants: std::sync::Arc<std::collections::HashMap<String, String>>,
}

impl Since {
    /// The time `tenant`'s time-ordered resources are read from, if any.
    pub fn of(&self, tenant: &TenantRef) -> Option<&str> {
        self.tenants
            .get(&tenant.listed_id)
            .or(self.all.as_ref())
            .map(String::as_str)
    }
}

/// `query` for a time-ordered GreenLake resource: the user's filter and `<field> ge '<since>'`
/// joined by `and` (the audit log's grammar), and, when the user gave no sort, oldest first
/// (`<field> asc`: entries added while the list is read land after its end, so offset paging
/// neither repeats nor skips one). Other resources get `query` unchanged.
pub(super) fn time_query(query: &Query, resource: GlpResource, since: Option<&str>) -> Query {
    let Some(field) = resource.time_field() else {
        return query.clone();
    };
    let mut query = query.clone();
    if let Some(since) = since {
        let clause = format!("{field} ge {}", glp_workspaces::quote_odata(since));
        query.filter = Some(match query.filter.take() {
            Some(f) if !f.trim().is_empty() => format!("{f} and {clause}"),
            _ => clause,
        });
    }
    if query.sort.is_none() {
        query.sort = Some(format!("{field} asc"));
    }
    query
}
