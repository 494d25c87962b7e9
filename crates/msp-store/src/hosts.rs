//! What each run sent to each API host and family ([`RunHost`]): written when the run ends,
//! read by `serve`'s metrics.

use serde::Serialize;

use crate::db::vals;
use crate::{RunId, Store, StoreError};

/// One run's requests to one API host and family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunHost {
    /// The origin (`https://global.api.greenlake.hpe.com`).
    pub host: String,
    /// The API family (`central`, `greenlake/devices`).
    pub family: String,
    /// Requests sent (every attempt).
    pub requests: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// The rate learned from 429s, in requests per second, if one was.
    pub learned_rate: Option<f64>,
}

impl Store {
    /// Adds what a run sent to each host and family (a resumed run adds to what it held; the
    /// learned rate is the newest).
    pub fn write_hosts(&mut self, run: RunId, hosts: &[RunHost]) -> Result<(), StoreError> {
        self.db.transaction(false, |tx| {
            for h in hosts {
                tx.execute(
                    "INSERT INTO run_hosts
                         (run_id, host, family, requests, rate_limited, learned_rate)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (run_id, host, family) DO UPDATE SET
                         requests = run_hosts.requests + excluded.requests,
                         rate_limited = run_hosts.rate_limited + excluded.rate_limited,
                         learned_rate = excluded.learned_rate",
                    vals![
                        run,
                        &h.host,
                        &h.family,
                        i64::try_from(h.requests).unwrap_or(i64::MAX),
                        i64::try_from(h.rate_limited).unwrap_or(i64::MAX),
                        h.learned_rate,
                    ],
                )?;
            }
            Ok(())
        })?;
        self.committed();
        Ok(())
    }

    /// What the runs after `after` (every run with `None`) sent to each host and family, by
    /// run, host and family.
    pub fn hosts_since(&self, after: Option<RunId>) -> Result<Vec<(RunId, RunHost)>, StoreError> {
        self.db
            .rows(
                "SELECT run_id, host, family, requests, rate_limited, learned_rate
                 FROM run_hosts WHERE run_id > ?1 ORDER BY run_id, host, family",
                vals![after.unwrap_or(0)],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.get(0)?,
                    RunHost {
                        host: r.get(1)?,
                        family: r.get(2)?,
                        requests: r.get::<i64>(3)?.max(0) as u64,
                        rate_limited: r.get::<i64>(4)?.max(0) as u64,
                        learned_rate: r.get(5)?,
                    },
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_hosts_add_up_when_resumed_and_are_read_by_run() {
        crate::tests::each_store!(|store| {
            let run = crate::tests::begin(store, "devices");
            let host = |requests, rate_limited, learned_rate| RunHost {
                host: "https://us1.api.central.arubanetworks.com".into(),
                family: "central".into(),
                requests,
                rate_limited,
                learned_rate,
            };
            store.write_hosts(run, &[host(10, 1, None)]).expect("write");
            store
                .write_hosts(run, &[host(5, 2, Some(4.5))])
                .expect("again");
            assert_eq!(
                store.hosts_since(None).expect("read"),
                [(run, host(15, 3, Some(4.5)))]
            );
            assert!(store.hosts_since(Some(run)).expect("read").is_empty());
        });
    }
}
