//! Gives the heap a burst freed back to the system: once the prober is idle, or once the
//! free memory it holds is large, even under load.
//!
//! glibc's malloc keeps what it frees in each worker thread's arena, and returns only the
//! top of an arena: after a burst of a thousand probes at once a glibc build stayed about
//! 40 MiB above a musl build (dlmalloc) for good. `malloc_trim` releases every free page
//! of every arena. It walks the arenas, so it runs at most once a period: when no probe is
//! in flight and some ran since the last time, or when more than [`FREE_WORTH_RELEASING`]
//! lies free in the arenas. A prober under steady load always has probes in flight (a
//! server that never answers holds one for the whole timeout), so without the second rule a
//! burst (a thousand HTTP connections at once) stayed resident for good: the soak showed
//! 13 MiB kept for the rest of the run. Other builds (musl's dlmalloc, Windows' heap) have
//! nothing to do here.

use super::state::State;
use std::sync::Arc;
use std::time::Duration;

/// How often the prober looks at its heap.
pub const PERIOD: Duration = Duration::from_secs(10);

/// Free memory in the arenas worth a trim even while probes run: a burst's worth, well
/// above what steady load leaves between allocations.
pub const FREE_WORTH_RELEASING: usize = 8 << 20;

/// Runs for the life of the prober.
pub async fn release_when_idle(state: Arc<State>) {
    let metrics = &state.metrics;
    let mut released_at = metrics.probes_run();
    let mut ticks = tokio::time::interval(PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let run = metrics.probes_run();
        let quiet = run != released_at && metrics.probes_in_flight() == 0;
        if quiet || free_bytes() > FREE_WORTH_RELEASING {
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

/// The bytes lying free in the arenas.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn free_bytes() -> usize {
    // SAFETY: `mallinfo2` only reads the allocator's statistics under its own locks.
    unsafe { libc::mallinfo2() }.fordblks
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn free_bytes() -> usize {
    0
}
