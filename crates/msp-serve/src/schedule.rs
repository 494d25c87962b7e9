//! [`run_on_schedule`]: the runs of `serve`, one at a time, on a jittered interval.

use std::future::Future;
use std::time::Duration;

use msp_orchestrator::{Cancel, StopLevel};
use tokio::time::Instant;

/// When `serve` runs: every `every`, each tick late by a random part of `jitter` (so that many
/// servers started together do not call HPE in the same second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    every: Duration,
    jitter: Duration,
}

impl Schedule {
    /// Every `every` (at least a second), with a jitter of up to a tenth of it.
    pub fn every(every: Duration) -> Self {
        let every = every.max(Duration::from_secs(1));
        Self {
            every,
            jitter: every / 10,
        }
    }

    /// The same interval with a jitter of up to `jitter` (at most the interval).
    #[must_use]
    pub fn jitter(self, jitter: Duration) -> Self {
        Self {
            jitter: jitter.min(self.every),
            ..self
        }
    }

    /// The interval.
    pub fn interval(&self) -> Duration {
        self.every
    }

    /// The largest delay added to a tick.
    pub fn max_jitter(&self) -> Duration {
        self.jitter
    }

    /// The tick after `now`: the first of `start + k * every` (k >= 1) later than `now`, plus a
    /// jitter drawn from `rng`.
    fn next(&self, start: Instant, now: Instant, rng: &mut fastrand::Rng) -> Instant {
        let mut base = start + self.every;
        while base <= now {
            base += self.every;
        }
        let jitter = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
        base + Duration::from_nanos(rng.u64(0..=jitter))
    }
}

/// Runs `run` at once, then at each tick of `schedule`, until `cancel` reaches
/// [`StopLevel::Drain`] (the first SIGTERM or Ctrl-C).
///
/// - Never two runs at once: the next tick is waited for only after a run ended. A run that
///   overran one or more ticks is followed by the first tick after its end (the ticks it
///   overran are skipped, not made up).
/// - A run that failed is retried at the next tick, as any run is: no quicker retry that could
///   hammer a server that is down.
/// - A stop while waiting returns at once; a stop during a run is the run's to handle (it gets
///   the same `Cancel`), and returns when it ended.
///
/// The ticks are counted from the start on tokio's clock (paused in tests); `rng` draws the
/// jitters.
pub async fn run_on_schedule<F, Fut>(
    schedule: Schedule,
    rng: &mut fastrand::Rng,
    cancel: &Cancel,
    mut run: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let start = Instant::now();
    loop {
        if cancel.level() >= StopLevel::Drain {
            return;
        }
        run().await;
        let at = schedule.next(start, Instant::now(), rng);
        tokio::select! {
            biased;
            _ = cancel.reached(StopLevel::Drain) => return,
            _ = tokio::time::sleep_until(at) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;

    /// The seconds since `start` at which each run started, with `work(i)` the length of run
    /// `i`, stopped after `runs` runs.
    async fn starts(schedule: Schedule, runs: usize, work: impl Fn(usize) -> u64) -> Vec<f64> {
        let start = Instant::now();
        let cancel = Cancel::new();
        let seen = RefCell::new(Vec::new());
        let in_flight = Cell::new(0u32);
        let mut rng = fastrand::Rng::with_seed(7);
        run_on_schedule(schedule, &mut rng, &cancel, || {
            let i = seen.borrow().len();
            seen.borrow_mut()
                .push((Instant::now() - start).as_secs_f64());
            in_flight.set(in_flight.get() + 1);
            assert_eq!(in_flight.get(), 1, "two runs at once");
            let secs = work(i);
            let (cancel, in_flight) = (cancel.clone(), &in_flight);
            async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                in_flight.set(in_flight.get() - 1);
                if i + 1 == runs {
                    cancel.stop(StopLevel::Drain);
                }
            }
        })
        .await;
        seen.into_inner()
    }

    #[tokio::test(start_paused = true)]
    async fn runs_at_once_then_on_each_jittered_tick() {
        let schedule = Schedule::every(Duration::from_secs(60));
        assert_eq!(schedule.max_jitter(), Duration::from_secs(6));
        let got = starts(schedule, 5, |_| 5).await;
        assert_eq!(got[0], 0.0);
        for (k, at) in got.iter().enumerate().skip(1) {
            let base = 60.0 * k as f64;
            assert!(
                (base..=base + 6.0).contains(at),
                "run {k} at {at} s, not within its tick's jitter {got:?}"
            );
        }
        // Jittered: not every tick at its base.
        assert!(
            got.iter()
                .skip(1)
                .any(|at| at.fract() != 0.0 || at % 60.0 != 0.0)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_that_overruns_is_followed_by_the_first_tick_after_it_never_a_second_run() {
        // Run 1 (at 60-66 s) lasts 150 s: ticks 120 and 180 pass during it; the next run is
        // at the 240 s tick, and never two at once (asserted as each run starts).
        let schedule = Schedule::every(Duration::from_secs(60));
        let got = starts(schedule, 3, |i| if i == 1 { 150 } else { 1 }).await;
        assert_eq!(got.len(), 3);
        assert!((60.0..=66.0).contains(&got[1]), "{got:?}");
        assert!((240.0..=246.0).contains(&got[2]), "{got:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_run_is_retried_at_the_next_tick_and_no_sooner() {
        // Run 0 fails at once (it returns after 0 s, as a refused credential would).
        let schedule = Schedule::every(Duration::from_secs(900)).jitter(Duration::ZERO);
        let got = starts(schedule, 3, |_| 0).await;
        assert_eq!(got, [0.0, 900.0, 1800.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_while_waiting_returns_at_once() {
        let cancel = Cancel::new();
        let mut rng = fastrand::Rng::with_seed(1);
        let start = Instant::now();
        let runs = Cell::new(0);
        let stopper = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            stopper.stop(StopLevel::Drain);
        });
        run_on_schedule(
            Schedule::every(Duration::from_secs(900)),
            &mut rng,
            &cancel,
            || {
                runs.set(runs.get() + 1);
                async {}
            },
        )
        .await;
        assert_eq!(runs.get(), 1);
        assert_eq!(Instant::now() - start, Duration::from_secs(10));
    }

    #[test]
    fn the_jitter_is_at_most_the_interval_and_the_interval_at_least_a_second() {
        let s = Schedule::every(Duration::from_millis(10)).jitter(Duration::from_secs(9));
        assert_eq!(s.interval(), Duration::from_secs(1));
        assert_eq!(s.max_jitter(), Duration::from_secs(1));
    }
}
