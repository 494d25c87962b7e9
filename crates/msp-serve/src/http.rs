//! [`Server`]: `/healthz`, `/readyz`, `/metrics` and the dashboard's pages over HTTP/1
//! (axum), behind the bearer token when one is given (or its cookie, set by `/login`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use tokio::net::TcpListener;

use msp_orchestrator::msp_store::StoreError;

use crate::metrics::CONTENT_TYPE;
use crate::{Dashboard, Metrics, ServeError, Token};

/// The HTTP side of `serve`, bound and not yet serving.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Router,
}

#[derive(Debug)]
struct Shared {
    metrics: Arc<Metrics>,
    dashboard: Arc<Dashboard>,
    token: Option<Token>,
}

impl Server {
    /// Binds `listen` (see [`check_listen`](crate::check_listen): off loopback a token is
    /// required). With a token every path but `/healthz`, `/readyz` (which say only `ok` or
    /// `not ready`) and `/login` asks for it, as `Authorization: Bearer <token>` or as the
    /// cookie `/login?token=<token>` sets (HttpOnly, SameSite=Strict: what a browser can
    /// send); a request without it is answered 401.
    pub async fn bind(
        listen: SocketAddr,
        token: Option<Token>,
        metrics: Arc<Metrics>,
        dashboard: Arc<Dashboard>,
    ) -> Result<Self, ServeError> {
        crate::check_listen(listen, token.as_ref())?;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: listen,
                source,
            })?;
        let shared = Arc::new(Shared {
            metrics,
            dashboard,
            token,
        });
        let protected = Router::new()
            .route("/metrics", get(metrics_page))
            .route("/", get(overview_page))
            .route("/runs", get(runs_page))
            .route("/tenants/{id}", get(tenant_page))
            .route("/search", get(search_page))
            .route_layer(middleware::from_fn_with_state(shared.clone(), bearer));
        let router = Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/login", get(login))
            .merge(protected)
            .with_state(shared);
        Ok(Self { listener, router })
    }

    /// The address bound (with the port the system chose for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, then lets the requests in flight finish.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

/// 401 unless the request carries the token (when one is set): in `Authorization`, or in
/// the cookie `/login` sets.
async fn bearer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if let Some(token) = &shared.token {
        let headers = request.headers();
        let given = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes)
            .unwrap_or_default();
        let by_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .any(|cookie| token.accepts_cookie(cookie.as_bytes()));
        if !token.accepts(given) && !by_cookie {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "a bearer token is required (Authorization: Bearer <the --token-file's token>; \
                 in a browser, open /login?token=<the token> once)\n",
            )
                .into_response();
        }
    }
    next.run(request).await
}

/// The query of `/login`.
#[derive(Debug, serde::Deserialize)]
struct Login {
    token: Option<String>,
}

/// `/login?token=`: with the right token, sets the cookie that stands for it and goes to the
/// overview; 401 otherwise. Without a token set, goes to the overview.
async fn login(State(shared): State<Arc<Shared>>, Query(login): Query<Login>) -> Response {
    let Some(token) = &shared.token else {
        return Redirect::to("/").into_response();
    };
    let given = login.token.unwrap_or_default();
    if !token.accepts_plain(given.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, "the token is not this server's\n").into_response();
    }
    let Ok(mut cookie) = HeaderValue::from_str(&token.cookie()) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    cookie.set_sensitive(true);
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The process is alive.
async fn healthz() -> &'static str {
    "ok\n"
}

/// What a reader is told when the store cannot be read.
const STORE_UNREADABLE: &str = "the store cannot be read\n";

/// Reads the store off the async runtime: `read`'s value, or the answer to give instead: 503
/// with `unreadable` when the store cannot be read (logged, named `what`), 500 when the
/// reading task died.
async fn from_store<T: Send + 'static>(
    what: &'static str,
    unreadable: &'static str,
    read: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Response> {
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => {
            tracing::warn!("{what}: {e}");
            Err((StatusCode::SERVICE_UNAVAILABLE, unreadable).into_response())
        }
        Err(_) => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
    }
}

/// Ready once the store holds a finished run; 503 before.
async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    let metrics = shared.metrics.clone();
    let unreadable = "not ready: the store cannot be read\n";
    match from_store("readyz", unreadable, move || metrics.ready()).await {
        Ok(true) => (StatusCode::OK, "ok\n").into_response(),
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: no run has finished yet\n",
        )
            .into_response(),
        Err(answer) => answer,
    }
}

/// The metrics, from the store.
async fn metrics_page(State(shared): State<Arc<Shared>>) -> Response {
    let metrics = shared.metrics.clone();
    match from_store("metrics", STORE_UNREADABLE, move || metrics.scrape()).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(answer) => answer,
    }
}

/// A dashboard page: HTML that runs no script, is not cached and sends no referrer.
fn html(page: String) -> Response {
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                 frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(page),
    )
        .into_response()
}

/// A dashboard page `read` from the store (named `what` in the log when it cannot be).
async fn page(
    what: &'static str,
    read: impl FnOnce() -> Result<String, StoreError> + Send + 'static,
) -> Response {
    match from_store(what, STORE_UNREADABLE, read).await {
        Ok(page) => html(page),
        Err(answer) => answer,
    }
}

/// `/`: the overview.
async fn overview_page(State(shared): State<Arc<Shared>>) -> Response {
    let dashboard = shared.dashboard.clone();
    page("overview", move || dashboard.overview_html()).await
}

/// `/runs`.
async fn runs_page(State(shared): State<Arc<Shared>>) -> Response {
    let dashboard = shared.dashboard.clone();
    page("runs", move || dashboard.runs_html()).await
}

/// `/tenants/{id}`: 404 for a tenant the store does not hold.
async fn tenant_page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let dashboard = shared.dashboard.clone();
    match from_store("tenant", STORE_UNREADABLE, move || {
        dashboard.tenant_html(&id)
    })
    .await
    {
        Ok(None) => (StatusCode::NOT_FOUND, "no such tenant in the store\n").into_response(),
        Ok(Some(page)) => html(page),
        Err(answer) => answer,
    }
}

/// The query of `/search`.
#[derive(Debug, serde::Deserialize)]
struct Search {
    q: Option<String>,
}

/// `/search?q=`.
async fn search_page(State(shared): State<Arc<Shared>>, Query(search): Query<Search>) -> Response {
    let dashboard = shared.dashboard.clone();
    let q = search.q.unwrap_or_default();
    page("search", move || dashboard.search_html(&q)).await
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Serves the store at `db` (metrics and dashboard) on a free loopback port, behind
    /// `token` when one is given; its address.
    pub(crate) async fn serve_store(db: &std::path::Path, token: Option<Token>) -> SocketAddr {
        let metrics = Arc::new(Metrics::open(db).expect("metrics"));
        let dashboard = Arc::new(Dashboard::open(db).expect("dashboard"));
        let server = Server::bind(
            "127.0.0.1:0".parse().expect("addr"),
            token,
            metrics,
            dashboard,
        )
        .await
        .expect("bind");
        let addr = server.local_addr().expect("addr");
        tokio::spawn(server.serve(std::future::pending()));
        addr
    }

    async fn started(token: Option<Token>) -> (tempfile::TempDir, SocketAddr) {
        let dir = tempfile::tempdir().expect("dir");
        let addr = serve_store(&dir.path().join("s.sqlite"), token).await;
        (dir, addr)
    }

    #[tokio::test]
    async fn a_token_guards_the_metrics_but_not_the_probes() {
        let token = Token::new("0123456789abcdef0123").expect("token");
        let (_dir, addr) = started(Some(token)).await;
        let http = reqwest::Client::new();
        let url = |path: &str| format!("http://{addr}{path}");
        let get = |path: &str, auth: Option<&str>| {
            let mut request = http.get(url(path));
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            request.send()
        };
        assert_eq!(get("/healthz", None).await.expect("healthz").status(), 200);
        // A new store: no run finished.
        assert_eq!(get("/readyz", None).await.expect("readyz").status(), 503);
        let refused = get("/metrics", None).await.expect("metrics");
        assert_eq!(refused.status(), 401);
        let body = refused.text().await.expect("body");
        assert!(!body.contains("0123456789abcdef0123"), "{body}");
        let wrong = get("/metrics", Some("Bearer 0123456789abcdef0124"))
            .await
            .expect("m");
        assert_eq!(wrong.status(), 401);
        let ok = get("/metrics", Some("Bearer 0123456789abcdef0123"))
            .await
            .expect("m");
        assert_eq!(ok.status(), 200);
        assert_eq!(
            ok.headers().get("content-type").expect("type"),
            CONTENT_TYPE
        );
        let text = ok.text().await.expect("text");
        assert!(
            text.contains("glp_msp_runs_total{outcome=\"failed\"} 0"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[tokio::test]
    async fn without_a_token_on_loopback_the_metrics_are_open() {
        let (_dir, addr) = started(None).await;
        let status = reqwest::get(format!("http://{addr}/metrics"))
            .await
            .expect("metrics")
            .status();
        assert_eq!(status, 200);
    }
}
