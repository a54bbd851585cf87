//! The most recent probes, for the status page: a bounded ring, so memory stays flat
//! however long the prober runs.

use crate::wit::CheckResult;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime};

/// One probe, as the page shows it.
#[derive(Debug)]
pub struct Record {
    /// A number, increasing from 1, for its transcript's link.
    pub id: u64,
    /// When it ended.
    pub at: SystemTime,
    /// The module.
    pub module: String,
    /// The target as requested.
    pub target: String,
    /// Whether `probe_success` was 1.
    pub success: bool,
    /// How long it took.
    pub duration: Duration,
    /// The result's message (printable).
    pub message: String,
    /// The result in full, transcript included (secrets redacted by the component): kept as
    /// data and rendered only for whoever opens its page, not at every probe.
    pub result: CheckResult,
}

/// The last `capacity` probes.
pub struct History {
    capacity: usize,
    next_id: AtomicU64,
    records: Mutex<VecDeque<Arc<Record>>>,
}

impl History {
    /// An empty history keeping `capacity` probes (none when 0).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            next_id: AtomicU64::new(1),
            records: Mutex::new(VecDeque::with_capacity(capacity)),
        }
    }

    /// Keeps a probe, dropping the oldest when full; fills in its id.
    pub fn push(&self, mut record: Record) {
        if self.capacity == 0 {
            return;
        }
        record.id = self.next_id.fetch_add(1, Relaxed);
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if records.len() == self.capacity {
            records.pop_front();
        }
        records.push_back(Arc::new(record));
    }

    /// The probes kept, newest first.
    pub fn recent(&self) -> Vec<Arc<Record>> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.iter().rev().cloned().collect()
    }

    /// The probe numbered `id`, while it is kept.
    pub fn get(&self, id: u64) -> Option<Arc<Record>> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        records.iter().find(|r| r.id == id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(target: &str) -> Record {
        Record {
            id: 0,
            at: SystemTime::now(),
            module: "m".into(),
            target: target.into(),
            success: true,
            duration: Duration::ZERO,
            message: String::new(),
            result: crate::fixtures::up_with_tls().result,
        }
    }

    #[test]
    fn the_oldest_probes_make_way() {
        let history = History::new(2);
        for target in ["a", "b", "c"] {
            history.push(record(target));
        }
        let recent: Vec<_> = history.recent().iter().map(|r| r.target.clone()).collect();
        assert_eq!(recent, ["c", "b"]);
        assert!(history.get(1).is_none());
        assert_eq!(history.get(3).unwrap().target, "c");
        let none = History::new(0);
        none.push(record("a"));
        assert!(none.recent().is_empty());
    }
}
