//! The writes' pacers: one per host, API family and workspace, at most [`MAX_WRITE_PACERS`].
//!
//! GreenLake limits its writes per workspace (`PATCH devices/v1/devices`: 40 a minute per
//! workspace; `POST subscriptions/v1/subscriptions`: 4 a minute per workspace), so a write is
//! paced by the workspace it writes to: twenty tenants written side by side each have their
//! own budget, learned from their own answers (a 429 in one tenant never slows another). The
//! map is bounded: past [`MAX_WRITE_PACERS`], the least recently used pacers no request holds
//! are dropped (a dropped pacer is relearned from scratch, as on a new run).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::transport::FamilyStats;
use crate::{Api, Pacer};

/// The most write pacers a transport keeps (more only while requests hold them).
pub const MAX_WRITE_PACERS: usize = 512;

/// Host (origin), API, family and workspace (the scope, as displayed).
pub(crate) type WriteKey = (String, Api, String, String);

#[derive(Debug, Default)]
struct State {
    pacers: HashMap<WriteKey, (Arc<Pacer>, u64)>,
    /// A counter of uses: the larger, the more recent.
    tick: u64,
}

/// The write pacers of a transport.
#[derive(Debug, Default)]
pub(crate) struct WritePacers {
    state: Mutex<State>,
}

impl WritePacers {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The pacer of `key`, made on first use (dropping idle ones past the bound).
    pub(crate) fn get(&self, key: WriteKey) -> Arc<Pacer> {
        let mut state = self.state();
        state.tick += 1;
        let tick = state.tick;
        if let Some((pacer, used)) = state.pacers.get_mut(&key) {
            *used = tick;
            return pacer.clone();
        }
        if state.pacers.len() >= MAX_WRITE_PACERS {
            let mut idle: Vec<(u64, WriteKey)> = state
                .pacers
                .iter()
                .filter(|(_, (p, _))| Arc::strong_count(p) == 1 && p.paused_for().is_none())
                .map(|(k, (_, used))| (*used, k.clone()))
                .collect();
            idle.sort_by_key(|(used, _)| *used);
            let excess = state.pacers.len() + 1 - MAX_WRITE_PACERS;
            for (_, k) in idle.into_iter().take(excess) {
                state.pacers.remove(&k);
            }
        }
        let pacer = Arc::new(Pacer::new(None, 1));
        state.pacers.insert(key, (pacer.clone(), tick));
        pacer
    }

    /// How many pacers are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.state().pacers.len()
    }

    /// The writes' figures, summed per host and family over the workspaces (the slowest rate
    /// learned in any workspace).
    pub(crate) fn families(&self) -> Vec<FamilyStats> {
        let mut out: HashMap<(String, String), FamilyStats> = HashMap::new();
        for ((origin, api, group, _), (pacer, _)) in &self.state().pacers {
            let family = match api {
                Api::Central => "central writes".to_owned(),
                Api::GreenLake => format!("greenlake/{group} writes"),
            };
            let answers = pacer.answers();
            let f = out
                .entry((origin.clone(), family.clone()))
                .or_insert_with(|| FamilyStats {
                    host: origin.clone(),
                    family,
                    requests: 0,
                    rate_limited: 0,
                    learned_rate: None,
                });
            f.requests += answers.requests;
            f.rate_limited += answers.rate_limited;
            f.learned_rate = match (f.learned_rate, pacer.learned_rate()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        out.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use glp_core::{Scope, WorkspaceId};
    use reqwest::header::HeaderMap;
    use tokio::time::Instant;

    use super::*;
    use crate::Transport;

    fn tenant(n: usize) -> Scope {
        Scope::Tenant(WorkspaceId::parse(&format!("{n:032x}")).expect("id"))
    }

    #[tokio::test(start_paused = true)]
    async fn each_workspace_learns_its_own_write_budget() {
        let t = Transport::new(Duration::from_secs(1)).expect("transport");
        let glp = url::Url::parse("https://global.api.greenlake.hpe.com/").expect("url");
        let path = "devices/v1/devices";
        let a = t.write_pacer(Api::GreenLake, &glp, path, &tenant(1));
        let b = t.write_pacer(Api::GreenLake, &glp, path, &tenant(2));
        assert!(Arc::ptr_eq(
            &a,
            &t.write_pacer(Api::GreenLake, &glp, "/devices/v1/devices?id=x", &tenant(1))
        ));
        assert!(!Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &t.pacer(Api::GreenLake, &glp, path)));
        // Tenant 1 is refused for 60 s; tenant 2's writes go on at once.
        a.ready().await;
        a.answered(429, &HeaderMap::new(), Some(Duration::from_secs(60)));
        let start = Instant::now();
        for _ in 0..10 {
            b.ready().await;
            b.answered(202, &HeaderMap::new(), None);
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        a.ready().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        // The record sums the workspaces per family.
        let writes: Vec<(String, u64, u64)> = t
            .families()
            .into_iter()
            .map(|f| (f.family, f.requests, f.rate_limited))
            .collect();
        assert_eq!(writes, [("greenlake/devices writes".to_owned(), 11, 1)]);
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_the_bound_is_kept_dropping_idle_pacers_first() {
        let pacers = WritePacers::default();
        let key = |n: usize| {
            (
                "https://h".to_owned(),
                Api::GreenLake,
                "devices".to_owned(),
                tenant(n).to_string(),
            )
        };
        let held = pacers.get(key(0));
        held.answered(429, &HeaderMap::new(), None);
        for n in 1..=MAX_WRITE_PACERS + 10 {
            let _ = pacers.get(key(n));
        }
        assert_eq!(pacers.len(), MAX_WRITE_PACERS);
        // The one a request holds was kept, with what it learned.
        assert!(Arc::ptr_eq(&held, &pacers.get(key(0))));
        assert_eq!(held.answers().rate_limited, 1);
    }
}
