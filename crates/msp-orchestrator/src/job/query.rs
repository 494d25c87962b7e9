//! [`Query`]: what every tenant's list request asks for besides the resource.

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
