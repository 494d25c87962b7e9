//! The process-wide registry of the values [`redact`](super::redact) removes, in three parts so
//! that it stays small in a process that runs for months and fetches a token per tenant per run:
//!
//! - **kept**: values registered with [`register_secret`](super::register_secret) (the client
//!   secret, its HTTP Basic forms, `serve`'s bearer token, webhook URLs): few, and kept for the
//!   process's life (the newest [`KEPT_CAPACITY`]).
//! - **live**: tokens registered with [`register_token`]: redacted for as long as any clone of
//!   their [`TokenRegistration`] (held by [`AccessToken`](crate::AccessToken)) lives.
//! - **retired**: the newest [`RETIRED_CAPACITY`] tokens no longer held, still redacted (an
//!   error message about a token that was just replaced may echo it).
//!
//! A token's registration is swept from live to retired when the next token is registered, so
//! neither needs a clock (a paused or fake clock cannot keep or drop a token by mistake).

use std::collections::VecDeque;
use std::sync::{Arc, LazyLock, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};

use secrecy::{ExposeSecret, SecretString};

/// How many values registered with [`register_secret`](super::register_secret) are kept (the
/// oldest are forgotten first).
pub const KEPT_CAPACITY: usize = 1_024;

/// How many tokens no longer held stay redacted (the oldest are forgotten first).
pub const RETIRED_CAPACITY: usize = 256;

/// Keeps a token's value redacted while any clone of it lives: [`AccessToken`](
/// crate::AccessToken) holds one, so every clone of a token keeps it registered, and the last
/// one dropped retires it.
#[derive(Clone)]
pub struct TokenRegistration {
    _alive: Arc<()>,
}

impl std::fmt::Debug for TokenRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenRegistration")
    }
}

/// The registry's three parts (see the module's documentation).
#[derive(Default)]
pub(super) struct Registry {
    kept: VecDeque<SecretString>,
    live: Vec<(Weak<()>, SecretString)>,
    retired: VecDeque<SecretString>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(|| RwLock::new(Registry::default()));

fn write() -> RwLockWriteGuard<'static, Registry> {
    REGISTRY.write().unwrap_or_else(|p| p.into_inner())
}

/// The registry, to read every value it redacts.
pub(super) fn read() -> RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(|p| p.into_inner())
}

impl Registry {
    /// Every value to redact: kept, live (and swept-to-be) and retired.
    pub(super) fn values(&self) -> impl Iterator<Item = &str> {
        self.kept
            .iter()
            .chain(self.live.iter().map(|(_, s)| s))
            .chain(self.retired.iter())
            .map(|s| s.expose_secret())
    }

    /// Moves the tokens no longer held from live to retired (the newest [`RETIRED_CAPACITY`]).
    fn sweep(&mut self) {
        let mut i = 0;
        while i < self.live.len() {
            if self.live[i].0.strong_count() == 0 {
                let (_, secret) = self.live.swap_remove(i);
                push_bounded(&mut self.retired, secret, RETIRED_CAPACITY);
            } else {
                i += 1;
            }
        }
    }

    /// How many values are registered in each part: kept, live (not swept yet), retired.
    #[cfg(test)]
    pub(super) fn sizes(&self) -> (usize, usize, usize) {
        (self.kept.len(), self.live.len(), self.retired.len())
    }
}

fn push_bounded(ring: &mut VecDeque<SecretString>, secret: SecretString, capacity: usize) {
    if ring.len() >= capacity {
        ring.pop_front();
    }
    ring.push_back(secret);
}

/// Keeps `secret` (unless too short or known) among the values kept for the process's life.
pub(super) fn keep(secret: &str) {
    let mut registry = write();
    if registry.kept.iter().any(|s| s.expose_secret() == secret) {
        return;
    }
    push_bounded(
        &mut registry.kept,
        SecretString::from(secret.to_owned()),
        KEPT_CAPACITY,
    );
}

/// Registers the token `secret` for as long as the returned registration (or a clone of it)
/// lives; then it is retired (still redacted among the newest [`RETIRED_CAPACITY`] retired
/// tokens). Registering a live token's value again shares its registration.
pub fn register_token(secret: &str) -> TokenRegistration {
    if secret.len() < super::MIN_SECRET_LEN {
        return TokenRegistration {
            _alive: Arc::new(()),
        };
    }
    let mut registry = write();
    registry.sweep();
    if let Some(alive) = registry
        .live
        .iter()
        .filter(|(_, s)| s.expose_secret() == secret)
        .find_map(|(alive, _)| alive.upgrade())
    {
        return TokenRegistration { _alive: alive };
    }
    if let Some(at) = registry
        .retired
        .iter()
        .position(|s| s.expose_secret() == secret)
    {
        registry.retired.remove(at);
    }
    let alive = Arc::new(());
    registry.live.push((
        Arc::downgrade(&alive),
        SecretString::from(secret.to_owned()),
    ));
    TokenRegistration { _alive: alive }
}

/// Sweeps the registry now (what the next [`register_token`] does first).
#[cfg(test)]
pub(super) fn sweep_now() {
    write().sweep();
}
