//! Simulator configuration.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::SimError;

/// How Central's paths word their errors and rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CentralDialect {
    /// New Central (the default): GreenLake-shaped error bodies with an integer
    /// `httpStatusCode` (a 429 is `HPE_GL_ERROR_TOO_MANY_REQUESTS`), and `X-RateLimit-Limit`,
    /// `X-RateLimit-Remaining`, `X-RateLimit-Reset` on allowed requests and 429s; no
    /// `Retry-After`.
    #[default]
    New,
    /// Classic Central: the same bodies with `httpStatusCode` as a string (`"403"`), a 429 body
    /// of `{"message": "API rate limit exceeded"}` with `Retry-After`, and
    /// `X-RateLimit-Limit-second` / `X-RateLimit-Remaining-second` headers.
    Classic,
}

impl CentralDialect {
    /// `new` or `classic`.
    pub fn name(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Classic => "classic",
        }
    }
}

impl fmt::Display for CentralDialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `FromStr` for an enum of names: any case, surrounding blanks ignored; an unknown name is
/// refused with the names it could be (by [`parse_choice`]).
macro_rules! by_name {
    ($(#[$doc:meta])* $ty:ident, $what:literal, [$($name:literal => $variant:ident),+ $(,)?]) => {
        $(#[$doc])*
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_choice($what, s, &[$(($name, Self::$variant)),+])
            }
        }
    };
}

by_name!(
    /// Parses `new` or `classic` (any case).
    CentralDialect, "Central dialect", ["new" => New, "classic" => Classic]
);

/// How a rate budget counts (see [`SimConfig::limit_shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LimitShape {
    /// A token bucket whose 429 holds for the wait it announces: every request in that window
    /// gets 429 too (the default, the simulator's behaviour before these shapes).
    #[default]
    Penalty,
    /// A plain token bucket: a request is refused only when no token is left, and a refused
    /// request costs nothing.
    Bucket,
    /// A fixed window of `burst` requests that all come back at the window's end (the window
    /// lasts `burst / rps` seconds).
    Window,
}

/// What a budget's `reset` header counts (see [`SimConfig::reset_style`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResetStyle {
    /// Whole seconds until the budget is full again (the default).
    #[default]
    Full,
    /// Whole seconds until the next token (at least 1 while the bucket is not full).
    Next,
    /// The Unix time (whole seconds) at which the budget is full again.
    Epoch,
}

fn parse_choice<T: Copy>(what: &str, s: &str, choices: &[(&str, T)]) -> Result<T, String> {
    let wanted = s.trim().to_ascii_lowercase();
    choices
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown {what} {:?}: expected {}",
                s.chars().take(40).collect::<String>(),
                names.join(", ")
            )
        })
}

by_name!(
    /// Parses `penalty`, `bucket` or `window` (any case).
    LimitShape, "limit shape", ["penalty" => Penalty, "bucket" => Bucket, "window" => Window]
);

by_name!(
    /// Parses `full`, `next` or `epoch` (any case).
    ResetStyle, "reset style", ["full" => Full, "next" => Next, "epoch" => Epoch]
);

/// Every knob of the simulator. [`Default`] gives a quiet, fault-free world of 25 tenants.
///
/// Build one with struct-update syntax:
/// `SimConfig { tenants: 5, token_ttl: Duration::from_secs(1), ..SimConfig::default() }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Number of tenant workspaces managed by the MSP (at most 1,000,000).
    pub tenants: usize,
    /// Seed of every generated value (ids, names, counts, records, demo credentials).
    pub seed: u64,
    /// Lifetime of every access token (MSP and tenant). `expires_in` reports it rounded down to
    /// whole seconds. Default 900 s.
    pub token_ttl: Duration,
    /// How long past its lifetime a token is still accepted, as real servers tolerate clock
    /// skew (default none). `expires_in` still announces `token_ttl`: a client that renews on
    /// time never needs it; one that does not is refused all the same once it is used up. An
    /// end-to-end test on a loaded machine uses it for the time a request spends between the
    /// client's clock and the server's check.
    pub token_leeway: Duration,
    /// Requests per second allowed on the GLP paths (token endpoint and workspaces API) before
    /// 429; `None` = unlimited. Burst = `max(1, rps)`.
    pub glp_rps: Option<f64>,
    /// Requests per second allowed on the Central paths (`/network-*`); `None` = unlimited.
    pub central_rps: Option<f64>,
    /// GreenLake's per-endpoint budgets: token requests (grants and exchanges) allowed per
    /// minute, as a window of this many that refills over a minute; `None` = no such limit (the
    /// API-wide `glp_rps` still applies).
    pub glp_token_per_minute: Option<u32>,
    /// The same for `workspaces/v1/msp-tenants` requests.
    pub glp_tenants_per_minute: Option<u32>,
    /// The same for the msp-tenants writes (POST, PUT and DELETE together; HPE's MSP sample
    /// observed 10 tenant POSTs per window).
    pub glp_tenant_writes_per_minute: Option<u32>,
    /// GreenLake's `devices/v1/devices` GETs allowed per minute **per workspace** (GreenLake
    /// documents 160); `None` = no such limit.
    pub glp_devices_per_minute: Option<u32>,
    /// The same for `subscriptions/v1/subscriptions` (GreenLake documents 60).
    pub glp_subscriptions_per_minute: Option<u32>,
    /// The devices writes (`PATCH devices/v1/devices`) allowed per minute **per workspace**
    /// (GreenLake documents 40); `None` = no such limit.
    pub glp_device_writes_per_minute: Option<u32>,
    /// The subscription adds (`POST subscriptions/v1/subscriptions`) allowed per minute **per
    /// workspace** (GreenLake documents 4, the default); `None` = no such limit.
    pub glp_subscription_writes_per_minute: Option<u32>,
    /// The subscription keys the simulator knows as claimable: each can be added to one
    /// workspace (`POST subscriptions/v1/subscriptions`); any other key's add fails in its
    /// operation. A key holding `SW` licenses switches, `GW` gateways, any other access points.
    /// Default: [`DEFAULT_CLAIMABLE_KEYS`].
    pub claimable_subscription_keys: Vec<String>,
    /// One budget for every API on the host (token endpoint, workspaces and Central together),
    /// in requests per second, drawn from after any per-API or per-endpoint one; `None` = no such
    /// budget (the default: GreenLake and Central budgets are separate).
    pub host_rps: Option<f64>,
    /// The burst of the `glp_rps`, `central_rps` and `host_rps` budgets (a fixed window's size);
    /// `None` = `max(1, rps)`.
    pub limit_burst: Option<f64>,
    /// How those budgets count (default [`LimitShape::Penalty`]).
    pub limit_shape: LimitShape,
    /// What their `reset` header says (default [`ResetStyle::Full`]).
    pub reset_style: ResetStyle,
    /// Whether a 429 says when to come back (`Retry-After`, new Central's `X-RateLimit-Reset`,
    /// GreenLake's `retryAfterSeconds`; default `true`). With `false` and no `rate_headers`, a
    /// 429 is its status and error body alone.
    pub retry_headers: bool,
    /// Share (0..1) of every rate-limited budget used by another client of the same credential
    /// (a background consumer): the buckets refill at `(1 - share)` of their rate while the
    /// headers still announce the whole limit. Default 0.
    pub background_share: f64,
    /// Whether rate-limited APIs announce their budget in headers (`ratelimit-*`;
    /// `X-RateLimit-*` or classic Central's `X-RateLimit-*-second`) on allowed requests and
    /// 429s (default `true`). With `false` a client can only learn the budget from the 429s
    /// themselves, which keep the one header that says when to come back: `Retry-After` (GLP,
    /// classic Central) or `X-RateLimit-Reset` alone (new Central).
    pub rate_headers: bool,
    /// How Central's paths word errors and rate limits (default [`CentralDialect::New`]).
    pub central_dialect: CentralDialect,
    /// Fixed delay added to every API request (not `/_sim`).
    pub latency: Duration,
    /// Extra uniform random delay in `0..=latency_jitter` added to every API request.
    pub latency_jitter: Duration,
    /// Probability (0..=1) that an API request fails with 500, 502 or 503.
    pub fail_rate: f64,
    /// Probability (0..=1) that an API request's connection is closed with no response.
    pub drop_rate: f64,
    /// Probability (0..=1) that a 200 response carries a truncated JSON body.
    pub malformed_rate: f64,
    /// Probability (0..=1) that a successful write (POST, PUT, PATCH, DELETE) fails **after**
    /// it took effect: the change is made, the client gets a 500 or a dropped connection
    /// (picked evenly). Default 0.
    pub write_fault_after_apply: f64,
    /// Probability (0..=1) that a devices `PATCH`'s asynchronous operation ends `FAILED` (and
    /// changes nothing). Default 0.
    pub device_operation_fail_rate: f64,
    /// When above 0, every workspace with devices also holds one `STARTED` Foundation
    /// subscription of each kind (AP, switch, gateway) with this many seats, listed after its
    /// generated ones (so a manifest can license every device). Default 0: none.
    pub spare_seats: u32,
    /// Whether the faults above also hit the token endpoint (default `false`).
    pub faults_on_token_endpoint: bool,
    /// If set, at this time after start every token issued before that instant becomes invalid
    /// (a single revocation event).
    pub revoke_after: Option<Duration>,
    /// Most items msp-tenants returns per page, whatever `limit` asks (default 100).
    pub glp_page_cap: usize,
    /// If set, most items a Central page (list-tenants and monitoring) returns, whatever
    /// `limit` asks.
    pub central_page_cap: Option<usize>,
    /// Device count of the largest tenant (default 2500; at most 200,000).
    pub max_devices: usize,
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The population's generation (default 0). Each generation moves about 4% of the devices
    /// online <-> offline, upgrades the firmware of about 5%, replaces about 1% (a new serial
    /// number in the same place: one removed, one added) and adds 2% of the devices to each
    /// tenant's inventory (unassigned). Two simulators differing only here serve the same
    /// tenants; comparing their truths says what changed.
    pub generation: u32,
    /// The MSP's Central clusters (names of public clusters, e.g. `US-WEST-4`, `EU-1`; matched
    /// without case, stored canonical by [`validate`](Self::validate)'s caller). Tenants are
    /// spread over them in turn; requests without a `/clusters/{slug}` prefix reach the first.
    /// Default: `["US-WEST-4"]`.
    pub clusters: Vec<String>,
    /// The last this many tenants (in msp-tenants order) are on no Central cluster: GreenLake
    /// lists them, no cluster's list-tenants does. Default 0.
    pub tenants_on_no_cluster: usize,
    /// Give the demo client a secret with characters that need form-encoding (`+`, `/`, `&`,
    /// `=`, `%2B`, a space, `:`, `~`) instead of the default alphanumeric one (default `false`).
    /// A client that does not form-encode the secret (in the body or in HTTP Basic, RFC 6749
    /// §2.3.1) then gets 401: for testing a client's encoding. Real GreenLake secrets are
    /// alphanumeric, so with the default both encodings coincide, as they do on the platform.
    pub hostile_secret: bool,
    /// How many issued tokens the simulator remembers, the newest (`None`, the default: every
    /// one, so that [`Stats::issued_tokens`](crate::Stats::issued_tokens) lists them all for the
    /// leak checks). An older token is then unknown (401). A long soak in the client's process
    /// sets it, so that the simulator's own memory does not grow with every token it issues.
    pub remember_tokens: Option<usize>,
}

/// The subscription keys a simulator knows as claimable by default: four for access points,
/// two for switches, two for gateways.
pub const DEFAULT_CLAIMABLE_KEYS: &[&str] = &[
    "SIMAPKEY0001",
    "SIMAPKEY0002",
    "SIMAPKEY0003",
    "SIMAPKEY0004",
    "SIMSWKEY0001",
    "SIMSWKEY0002",
    "SIMGWKEY0001",
    "SIMGWKEY0002",
];

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            tenants: 25,
            seed: 42,
            generation: 0,
            token_ttl: Duration::from_secs(900),
            token_leeway: Duration::ZERO,
            glp_rps: None,
            central_rps: None,
            glp_token_per_minute: None,
            glp_tenants_per_minute: None,
            glp_tenant_writes_per_minute: None,
            glp_devices_per_minute: None,
            glp_subscriptions_per_minute: None,
            glp_device_writes_per_minute: None,
            glp_subscription_writes_per_minute: Some(4),
            claimable_subscription_keys: DEFAULT_CLAIMABLE_KEYS
                .iter()
                .map(|k| (*k).to_owned())
                .collect(),
            background_share: 0.0,
            host_rps: None,
            limit_burst: None,
            limit_shape: LimitShape::Penalty,
            reset_style: ResetStyle::Full,
            retry_headers: true,
            rate_headers: true,
            central_dialect: CentralDialect::New,
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            fail_rate: 0.0,
            drop_rate: 0.0,
            malformed_rate: 0.0,
            write_fault_after_apply: 0.0,
            device_operation_fail_rate: 0.0,
            spare_seats: 0,
            faults_on_token_endpoint: false,
            revoke_after: None,
            glp_page_cap: 100,
            central_page_cap: None,
            max_devices: 2500,
            port: 0,
            clusters: vec!["US-WEST-4".into()],
            tenants_on_no_cluster: 0,
            hostile_secret: false,
            remember_tokens: None,
        }
    }
}

impl SimConfig {
    /// Checks every value; the error names the first bad one.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |msg: String| Err(SimError::InvalidConfig(msg));
        if self.tenants > 1_000_000 {
            return bad(format!(
                "tenants must be at most 1000000, got {}",
                self.tenants
            ));
        }
        if self.max_devices > 200_000 {
            return bad(format!(
                "max_devices must be at most 200000, got {}",
                self.max_devices
            ));
        }
        if self.token_ttl.is_zero() {
            return bad("token_ttl must be positive".into());
        }
        for (name, rate) in [
            ("fail_rate", self.fail_rate),
            ("drop_rate", self.drop_rate),
            ("malformed_rate", self.malformed_rate),
            ("write_fault_after_apply", self.write_fault_after_apply),
            (
                "device_operation_fail_rate",
                self.device_operation_fail_rate,
            ),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return bad(format!("{name} must be within 0..=1, got {rate}"));
            }
        }
        if !(0.0..1.0).contains(&self.background_share) {
            return bad(format!(
                "background_share must be within 0..1, got {}",
                self.background_share
            ));
        }
        for (name, n) in [
            ("glp_token_per_minute", self.glp_token_per_minute),
            ("glp_tenants_per_minute", self.glp_tenants_per_minute),
            (
                "glp_tenant_writes_per_minute",
                self.glp_tenant_writes_per_minute,
            ),
            ("glp_devices_per_minute", self.glp_devices_per_minute),
            (
                "glp_subscriptions_per_minute",
                self.glp_subscriptions_per_minute,
            ),
            (
                "glp_device_writes_per_minute",
                self.glp_device_writes_per_minute,
            ),
            (
                "glp_subscription_writes_per_minute",
                self.glp_subscription_writes_per_minute,
            ),
        ] {
            if n == Some(0) {
                return bad(format!("{name} must be at least 1"));
            }
        }
        for (name, rps) in [
            ("glp_rps", self.glp_rps),
            ("central_rps", self.central_rps),
            ("host_rps", self.host_rps),
            ("limit_burst", self.limit_burst),
        ] {
            if let Some(r) = rps
                && !(r.is_finite() && r > 0.0)
            {
                return bad(format!("{name} must be a positive number, got {r}"));
            }
        }
        if self.clusters.is_empty() {
            return bad("clusters must name at least one Central cluster".into());
        }
        for (i, c) in self.clusters.iter().enumerate() {
            let Some(name) = crate::clusters::canonical(c) else {
                let known: Vec<&str> = crate::clusters::PUBLIC.iter().map(|(n, _)| *n).collect();
                return bad(format!(
                    "unknown Central cluster '{c}' (known: {})",
                    known.join(", ")
                ));
            };
            if self.clusters[..i]
                .iter()
                .any(|o| crate::clusters::canonical(o) == Some(name))
            {
                return bad(format!("cluster '{name}' is named twice"));
            }
        }
        if self.tenants_on_no_cluster > self.tenants {
            return bad(format!(
                "tenants_on_no_cluster ({}) must be at most tenants ({})",
                self.tenants_on_no_cluster, self.tenants
            ));
        }
        if self.glp_page_cap == 0 {
            return bad("glp_page_cap must be at least 1".into());
        }
        if self.central_page_cap == Some(0) {
            return bad("central_page_cap must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_parse_by_name() {
        assert_eq!("new".parse(), Ok(CentralDialect::New));
        assert_eq!(" Classic ".parse(), Ok(CentralDialect::Classic));
        assert!("old".parse::<CentralDialect>().is_err());
        assert_eq!(CentralDialect::default().to_string(), "new");
        assert_eq!(" Bucket".parse(), Ok(LimitShape::Bucket));
        assert_eq!("epoch".parse(), Ok(ResetStyle::Epoch));
        assert!(
            "leaky"
                .parse::<LimitShape>()
                .is_err_and(|e| e.contains("penalty, bucket"))
        );
    }

    #[test]
    fn default_is_valid_and_bad_values_are_named() {
        assert!(SimConfig::default().validate().is_ok());
        let e = SimConfig {
            fail_rate: 1.5,
            ..SimConfig::default()
        }
        .validate()
        .expect_err("invalid");
        assert!(e.to_string().contains("fail_rate"));
    }
}
