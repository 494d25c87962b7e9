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

/// Ready once the store holds a finished run; 503 before.
async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    let metrics = shared.metrics.clone();
    match tokio::task::spawn_blocking(move || metrics.ready()).await {
        Ok(Ok(true)) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Ok(false)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: no run has finished yet\n",
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::warn!("readyz: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the store cannot be read\n",
            )
                .into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The metrics, from the store.
async fn metrics_page(State(shared): State<Arc<Shared>>) -> Response {
    let metrics = shared.metrics.clone();
    match tokio::task::spawn_blocking(move || metrics.scrape()).await {
        Ok(Ok(text)) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Ok(Err(e)) => {
            tracing::warn!("metrics: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the store cannot be read\n",
            )
                .into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A dashboard page: HTML that runs no script, is not cached and sends no referrer.
fn html(
    result: Result<Result<String, msp_orchestrator::msp_store::StoreError>, tokio::task::JoinError>,
    what: &str,
) -> Response {
    match result {
        Ok(Ok(page)) => (
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
            .into_response(),
        Ok(Err(e)) => {
            tracing::warn!("{what}: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the store cannot be read\n",
            )
                .into_response()
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `/`: the overview.
async fn overview_page(State(shared): State<Arc<Shared>>) -> Response {
    let dashboard = shared.dashboard.clone();
    html(
        tokio::task::spawn_blocking(move || dashboard.overview_html()).await,
        "overview",
    )
}

/// `/runs`.
async fn runs_page(State(shared): State<Arc<Shared>>) -> Response {
    let dashboard = shared.dashboard.clone();
    html(
        tokio::task::spawn_blocking(move || dashboard.runs_html()).await,
        "runs",
    )
}

/// `/tenants/{id}`: 404 for a tenant the store does not hold.
async fn tenant_page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let dashboard = shared.dashboard.clone();
    let page = tokio::task::spawn_blocking(move || dashboard.tenant_html(&id)).await;
    match page {
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "no such tenant in the store\n").into_response(),
        Ok(Ok(Some(page))) => html(Ok(Ok(page)), "tenant"),
        Ok(Err(e)) => html(Ok(Err(e)), "tenant"),
        Err(e) => html(Err(e), "tenant"),
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
    html(
        tokio::task::spawn_blocking(move || dashboard.search_html(&q)).await,
        "search",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn started(token: Option<Token>) -> (tempfile::TempDir, SocketAddr) {
        let dir = tempfile::tempdir().expect("dir");
        let metrics = Arc::new(Metrics::open(dir.path().join("s.sqlite")).expect("metrics"));
        let dashboard = Arc::new(Dashboard::open(dir.path().join("s.sqlite")).expect("dash"));
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
