//! What [`ApiClient::send`](super::ApiClient::send) sends and hands back: the method, the
//! credential, the request and the answer.

use std::time::Duration;

use glp_core::{Scope, SecretString};
use reqwest::header::HeaderMap;

use crate::http::location_origin;

/// The HTTP method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// GET: follows redirects within its origin.
    Get,
    /// POST (of a form, or a JSON write): follows no redirect (the form may hold a secret).
    Post,
    /// PUT of a JSON write: follows no redirect.
    Put,
    /// DELETE: follows no redirect.
    Delete,
    /// PATCH of a JSON merge patch (RFC 7396, `application/merge-patch+json`): follows no
    /// redirect.
    Patch,
}

impl Method {
    /// `GET`, `POST`, `PUT`, `DELETE` or `PATCH`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
        }
    }
}

/// How a [`Request`] proves who sends it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Credential<'a> {
    /// A bearer token for this scope, from the client's [`TokenProvider`](glp_core::TokenProvider).
    Bearer(Scope),
    /// HTTP Basic (RFC 6749 §2.3.1: id and secret form-urlencoded, then base64).
    Basic {
        /// The client id.
        id: &'a str,
        /// The client secret.
        secret: &'a SecretString,
    },
    /// Nothing (e.g. a token exchange whose form carries the subject token).
    None,
}

/// One request for [`ApiClient::send`](super::ApiClient::send): a path relative to the
/// client's base URL. Its `Debug` names the form's fields, never their values (they may be a
/// secret or a subject token).
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub(super) method: Method,
    pub(super) path: &'a str,
    pub(super) query: &'a [(&'a str, String)],
    pub(super) form: Option<&'a [(&'a str, &'a str)]>,
    /// A JSON body, already serialized.
    pub(super) json: Option<&'a [u8]>,
    /// A write that changes state: never sent again once it may have reached the server.
    pub(super) write: bool,
    pub(super) credential: Credential<'a>,
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let form: Option<Vec<&str>> = self.form.map(|form| form.iter().map(|(k, _)| *k).collect());
        let query: Vec<&str> = self.query.iter().map(|(k, _)| *k).collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_keys", &query)
            .field("form_keys", &form)
            .field("json_bytes", &self.json.map(<[u8]>::len))
            .field("write", &self.write)
            .field("credential", &self.credential)
            .finish()
    }
}

impl<'a> Request<'a> {
    /// A GET of `path` with `query`, as `scope`.
    pub fn get(path: &'a str, query: &'a [(&'a str, String)], scope: Scope) -> Self {
        Self {
            method: Method::Get,
            path,
            query,
            form: None,
            json: None,
            write: false,
            credential: Credential::Bearer(scope),
        }
    }

    /// A write (`POST`, `PUT`, `PATCH` or `DELETE`) of `path` with the JSON `body` (already serialized),
    /// as `scope`. A write is sent at most once per call: an answer lost after it may have
    /// reached the server (a timeout, a broken connection, a 5xx, a body cut short) is not
    /// retried but fails as [`ApiError::OutcomeUnknown`](crate::ApiError::OutcomeUnknown), so
    /// the caller can read the state before writing again. A 429 (refused, not acted on) and a
    /// 401 (one fresh token) are retried as for any request.
    pub fn write(method: Method, path: &'a str, body: Option<&'a [u8]>, scope: Scope) -> Self {
        Self {
            method,
            path,
            query: &[],
            form: None,
            json: body,
            write: true,
            credential: Credential::Bearer(scope),
        }
    }

    /// The same request with `query` (e.g. the ids a `PATCH` of GreenLake's devices names).
    pub fn with_query(self, query: &'a [(&'a str, String)]) -> Self {
        Self { query, ..self }
    }

    /// A POST of `form` (`application/x-www-form-urlencoded`) to `path`, with `credential`.
    pub fn post_form(
        path: &'a str,
        form: &'a [(&'a str, &'a str)],
        credential: Credential<'a>,
    ) -> Self {
        Self {
            method: Method::Post,
            path,
            query: &[],
            form: Some(form),
            json: None,
            write: false,
            credential,
        }
    }
}

/// An answer as [`ApiClient::send`](super::ApiClient::send) hands it to the caller's
/// classifier: status, headers and the whole body (read within the cap). Its `Debug` shows the
/// body's length only (a token answer holds a token).
#[non_exhaustive]
pub struct Answer<'a> {
    /// The URL called (after any redirect followed).
    pub url: &'a url::Url,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
    /// Time from sending the request to having the whole answer (a token's lifetime counts
    /// from when its request left, so subtract this from "now").
    pub elapsed: Duration,
}

impl std::fmt::Debug for Answer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("url", &self.url.path())
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .field("elapsed", &self.elapsed)
            .finish_non_exhaustive()
    }
}

/// The `Content-Type` of `headers` for a message: escaped, or `no Content-Type`.
pub fn content_type_text(headers: &HeaderMap) -> String {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| glp_core::text::escape_control(v).into_owned())
        .unwrap_or_else(|| "no Content-Type".to_owned())
}

impl Answer<'_> {
    /// The answer's `Content-Type` for a message (see [`content_type_text`]).
    pub fn content_type(&self) -> String {
        content_type_text(self.headers)
    }

    /// The origin (`scheme://host[:port]`, escaped) of the `Location` this answer points to,
    /// for an error message; never its path or query.
    pub fn location_origin(&self) -> String {
        location_origin(self.url, self.headers.get(reqwest::header::LOCATION))
    }
}
