//! [`Counter`]: a count that several tasks add to and a report reads, written once.

use std::sync::atomic::{AtomicU64, Ordering};

/// A count shared between tasks (requests sent, tenants done, ...): added to one at a time,
/// read at any moment. Counts are reports, not synchronisation: they order nothing else.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The count now.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_zero_what_every_thread_added() {
        let counter = Counter::default();
        assert_eq!(counter.get(), 0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..250).for_each(|_| counter.add_one()));
            }
        });
        assert_eq!(counter.get(), 1000);
    }
}
