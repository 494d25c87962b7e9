//! [`ListQuery`]: the part of a list request every API's lists share (`filter`, `sort`, the
//! other parameters, the first problem found while building, the page cap), and
//! [`list_setters!`](crate::list_setters), the setters over it that each API's list request
//! exposes with its own docs.

use crate::{ApiError, check_param, set_param};

/// The shared part of a list request: `filter` and `sort` (sent as given), the other query
/// parameters (in the order they were set), the first problem a setter found (reported by the
/// first read, before anything is sent) and the most pages one stream reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// The `filter` expression, if set.
    pub filter: Option<String>,
    /// The `sort` expression, if set.
    pub sort: Option<String>,
    /// The other query parameters, each key once.
    pub params: Vec<(String, String)>,
    /// The first problem a setter found.
    pub invalid: Option<String>,
    /// The most pages one stream reads (at least 1).
    pub max_pages: u64,
}

impl ListQuery {
    /// No filter, sort or parameter, and a cap of `max_pages` pages.
    pub fn new(max_pages: u64) -> Self {
        Self {
            filter: None,
            sort: None,
            params: Vec::new(),
            invalid: None,
            max_pages: max_pages.max(1),
        }
    }

    /// Records a problem; the first one is kept (it is usually the cause of the others).
    pub fn refuse(&mut self, reason: String) {
        self.invalid.get_or_insert(reason);
    }

    /// Sets the parameter `key` (its value replaced if already set), or records the problem if
    /// `reserved` (pairs of a parameter the request sets itself and its setter) names it or it
    /// is empty.
    pub fn set_param(&mut self, key: String, value: String, reserved: &[(&str, &'static str)]) {
        match check_param(&key, reserved) {
            Ok(()) => set_param(&mut self.params, key, value),
            Err(problem) => self.refuse(problem.to_string()),
        }
    }

    /// The problem a setter found, as the [`ApiError::InvalidRequest`] a read returns.
    pub fn check(&self) -> Result<(), ApiError> {
        match &self.invalid {
            Some(reason) => Err(ApiError::InvalidRequest(reason.clone())),
            None => Ok(()),
        }
    }

    /// Appends `filter` and `sort` (when set), then the other parameters, to a page's query.
    pub fn append_to<'a>(&'a self, query: &mut Vec<(&'a str, String)>) {
        let expressions = [("filter", &self.filter), ("sort", &self.sort)];
        for (name, value) in expressions {
            if let Some(value) = value {
                query.push((name, value.clone()));
            }
        }
        query.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.clone())));
    }
}

/// Writes the setters every list request shares over its [`ListQuery`] field: `filter`, `sort`,
/// `param` (refusing the parameters `reserved` names, see [`ListQuery::set_param`]) and
/// `max_pages` (at least 1), each with the docs given, on a request type generic in its items.
///
/// ```
/// use glp_transport::ListQuery;
///
/// const MY_RESERVED_PARAMS: &[(&str, &str)] = &[("next", "a pager's own cursor")];
///
/// pub struct MyListRequest<T> {
///     query: ListQuery,
///     items: std::marker::PhantomData<T>,
/// }
/// glp_transport::list_setters! {
///     MyListRequest.query, reserved: MY_RESERVED_PARAMS;
///     /// An OData filter.
///     filter;
///     /// A sort expression.
///     sort;
///     /// Any other query parameter.
///     param;
///     /// The most pages one stream reads.
///     max_pages;
/// }
///
/// let r = MyListRequest::<u8> { query: ListQuery::new(5), items: std::marker::PhantomData }
///     .filter("a eq 'b'")
///     .max_pages(0)
///     .param("next", "x");
/// assert_eq!(r.query.filter.as_deref(), Some("a eq 'b'"));
/// assert_eq!(r.query.max_pages, 1);
/// assert!(r.query.check().is_err(), "a reserved parameter is refused");
/// ```
#[macro_export]
macro_rules! list_setters {
    (
        $ty:ident . $field:ident, reserved: $reserved:expr;
        $(#[$filter:meta])* filter;
        $(#[$sort:meta])* sort;
        $(#[$param:meta])* param;
        $(#[$max_pages:meta])* max_pages;
    ) => {
        impl<T> $ty<T> {
            $(#[$filter])*
            #[must_use]
            pub fn filter(mut self, filter: impl Into<String>) -> Self {
                self.$field.filter = Some(filter.into());
                self
            }

            $(#[$sort])*
            #[must_use]
            pub fn sort(mut self, sort: impl Into<String>) -> Self {
                self.$field.sort = Some(sort.into());
                self
            }

            $(#[$param])*
            #[must_use]
            pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
                self.$field.set_param(key.into(), value.into(), $reserved);
                self
            }

            $(#[$max_pages])*
            #[must_use]
            pub fn max_pages(mut self, pages: u64) -> Self {
                self.$field.max_pages = pages.max(1);
                self
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_replace_reserved_ones_are_refused_and_the_first_problem_is_kept() {
        let mut q = ListQuery::new(0);
        assert_eq!(q.max_pages, 1);
        q.filter = Some("a eq 'b'".into());
        q.set_param("site-id".into(), "1".into(), &[("next", "start_at")]);
        q.set_param("site-id".into(), "2".into(), &[("next", "start_at")]);
        assert!(q.check().is_ok());
        let mut query = vec![("limit", "10".to_owned())];
        q.append_to(&mut query);
        assert_eq!(
            query,
            [
                ("limit", "10".to_owned()),
                ("filter", "a eq 'b'".to_owned()),
                ("site-id", "2".to_owned())
            ]
        );
        q.set_param("next".into(), "x".into(), &[("next", "start_at")]);
        q.set_param(String::new(), "x".into(), &[]);
        let err = q.check().expect_err("refused");
        assert!(err.to_string().contains(".start_at()"), "{err}");
    }
}
