//! Reference solution of `read_gil_stats` (lesson-01).

use runtime::gil::GilStats;
use std::time::Duration;

/// How many times the lock was released for I/O or native work
/// (`allow_threads`) in a run that called `with_gil` `with_gil_calls` times.
/// Never below 0: counters that do not add up (a wrong `with_gil_calls`) give 0.
pub fn io_releases(stats: &GilStats, with_gil_calls: u64) -> u64 {
    stats
        .acquisitions
        .saturating_sub(with_gil_calls)
        .saturating_sub(stats.forced_switches)
}

/// The share of the switches between threads that the switch interval forced,
/// from 0 to 1; 0 when the lock never changed hands.
pub fn forced_share(stats: &GilStats) -> f64 {
    if stats.switches == 0 {
        return 0.0;
    }
    (stats.forced_switches as f64 / stats.switches as f64).min(1.0)
}

/// How many threads were waiting for the lock, on average, over a run that
/// took `wall`; 0 for a run that took no time.
pub fn mean_waiting_threads(stats: &GilStats, wall: Duration) -> f64 {
    if wall.is_zero() {
        return 0.0;
    }
    stats.wait_time().as_secs_f64() / wall.as_secs_f64()
}
