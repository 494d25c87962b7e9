//! The constructors and accessors every API crate's client has over its [`ApiClient`](crate::ApiClient),
//! written once: [`client_handle!`](crate::client_handle) for a client of the MSP's calls (a
//! struct `{ api: ApiClient }`), [`tenant_handle!`](crate::tenant_handle) for one tenant's calls
//! (a struct `{ api: ApiClient, id: WorkspaceId }`).

/// Writes `new`, `from_provider` and `api_client` for a client struct `{ api: ApiClient }` of
/// the API `$api` (an [`Api`](crate::Api) variant), documented with `$what`, the name of its
/// host.
///
/// ```
/// use glp_transport::{Api, ApiClient};
///
/// pub struct CentralClient {
///     api: ApiClient,
/// }
/// glp_transport::client_handle!(CentralClient, Api::Central, "a Central API gateway");
///
/// let base = glp_core::BaseUrl::parse("http://127.0.0.1:9/").unwrap();
/// let token = glp_core::SecretString::from("t");
/// let provider: std::sync::Arc<dyn glp_core::TokenProvider> = std::sync::Arc::new(
///     glp_core::StaticTokenProvider::new(token, std::time::Duration::from_secs(60)),
/// );
/// let client = CentralClient::from_provider(base, provider).unwrap();
/// assert_eq!(client.api_client().api(), Api::Central);
/// ```
#[macro_export]
macro_rules! client_handle {
    ($ty:ident, $api:expr, $what:literal) => {
        impl $ty {
            #[doc = concat!(
                        "A client sending its requests through `api` (an `ApiClient` built for `",
                        stringify!($api),
                        "` at ",
                        $what,
                        ", with the pacing and retry policy you want)."
                    )]
            pub fn new(api: $crate::ApiClient) -> Self {
                Self { api }
            }

            #[doc = concat!(
                        "A client of ",
                        $what,
                        " at `base` with the default pacing, retries and timeouts of `",
                        stringify!($api),
                        "`, taking its tokens from `provider`."
                    )]
            pub fn from_provider(
                base: ::glp_core::BaseUrl,
                provider: ::std::sync::Arc<dyn ::glp_core::TokenProvider>,
            ) -> ::std::result::Result<Self, $crate::ApiError> {
                $crate::ApiClient::builder($api, base, provider)
                    .build()
                    .map(Self::new)
            }

            /// The underlying transport client (for its `totals`, or to share it).
            pub fn api_client(&self) -> &$crate::ApiClient {
                &self.api
            }
        }
    };
}

/// Writes `tenant_id`, `api_client` and `with_api_client` for a struct of one tenant's calls,
/// `{ api: ApiClient, id: WorkspaceId }`, whose every request carries that tenant's token.
///
/// ```
/// use glp_transport::{Api, ApiClient};
///
/// pub struct TenantClient {
///     api: ApiClient,
///     id: glp_core::WorkspaceId,
/// }
/// glp_transport::tenant_handle!(TenantClient);
///
/// let base = glp_core::BaseUrl::parse("http://127.0.0.1:9/").unwrap();
/// let token = glp_core::SecretString::from("t");
/// let provider: std::sync::Arc<dyn glp_core::TokenProvider> = std::sync::Arc::new(
///     glp_core::StaticTokenProvider::new(token, std::time::Duration::from_secs(60)),
/// );
/// let api = ApiClient::builder(Api::Central, base, provider).build().unwrap();
/// let id: glp_core::WorkspaceId = "00000000000000000000000000000001".parse().unwrap();
/// let t = TenantClient { api, id };
/// assert_eq!(t.tenant_id(), id);
/// ```
#[macro_export]
macro_rules! tenant_handle {
    ($ty:ident) => {
        impl $ty {
            /// The tenant's GreenLake workspace id.
            pub fn tenant_id(&self) -> ::glp_core::WorkspaceId {
                self.id
            }

            /// The underlying transport client.
            pub fn api_client(&self) -> &$crate::ApiClient {
                &self.api
            }

            /// The same tenant through another transport client, e.g.
            /// `tenant.with_api_client(tenant.api_client().with_tally(tally))` to count this
            /// tenant's requests into a tally of its own.
            pub fn with_api_client(&self, api: $crate::ApiClient) -> Self {
                Self { api, id: self.id }
            }
        }
    };
}
