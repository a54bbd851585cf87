//! Gives the heap a burst of probes freed back to the system once the prober is idle.
//!
//! glibc's malloc keeps what it frees in each worker thread's arena, and returns only the
//! top of an arena: after a burst of a thousand probes at once a glibc build stayed about
//! 40 MiB above a musl build (dlmalloc) for good. `malloc_trim` releases every free page
//! of every arena. It walks the arenas, so it runs only on a quiet prober: at most once a
//! period, when no probe is in flight and some ran since the last time. Other builds (musl's
//! dlmalloc, Windows' heap) have nothing to do here.

use super::state::State;
use std::sync::Arc;
use std::time::Duration;

/// How often an idle prober looks at its heap.
pub const PERIOD: Duration = Duration::from_secs(10);

/// Runs for the life of the prober.
pub async fn release_when_idle(state: Arc<State>) {
    let metrics = &state.metrics;
    let mut released_at = metrics.probes_run();
    let mut ticks = tokio::time::interval(PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let run = metrics.probes_run();
        if run != released_at && metrics.probes_in_flight() == 0 {
            released_at = run;
            release();
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release() {
    // SAFETY: `malloc_trim` only takes the allocator's own locks; it is safe to call from
    // any thread at any time.
    unsafe { libc::malloc_trim(0) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release() {}
