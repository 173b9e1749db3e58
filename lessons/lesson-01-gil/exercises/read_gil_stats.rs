//! Exercise `read_gil_stats` (lesson-01).
//!
//! Every experiment of this lesson prints an interpreter's lock counters
//! ([`GilStats`]): `acquisitions`, `forced_switches`, `wait_ms`. Read them the way
//! the lesson does. Three facts make them speak:
//!
//! - A thread takes the lock on entering [`with_gil`], again each time an
//!   [`allow_threads`] ends, and again after each forced switch (it gave the lock
//!   up at a drop request and queued for it). So `acquisitions` minus the
//!   `with_gil` calls minus the forced switches is the number of times the lock
//!   was released for I/O or native work.
//! - `switches` counts every time the lock went to a different thread;
//!   `forced_switches` those the switch interval forced. CPU-bound threads hand
//!   the lock over only when forced (share near 1); threads that wait on I/O give
//!   it away before anyone has to ask (share near 0).
//! - `wait_ns` adds up the time every thread spent queued for the lock. Divided by
//!   the run's wall time it is how many threads were waiting, on average. With N
//!   CPU-bound threads on one lock it heads for N − 1 (a little less, as a thread
//!   that has just handed the lock over is not queued yet): the threads exist,
//!   but only one of them runs.
//!
//! Check your work: `cargo xtask check lesson-01`.
//! Stuck? `cargo xtask hint read_gil_stats`.
//!
//! [`with_gil`]: runtime::gil::Interpreter::with_gil
//! [`allow_threads`]: runtime::gil::Python::allow_threads

use runtime::gil::GilStats;
use std::time::Duration;

/// How many times the lock was released for I/O or native work
/// (`allow_threads`) in a run that called `with_gil` `with_gil_calls` times.
/// Never below 0: counters that do not add up (a wrong `with_gil_calls`) give 0.
pub fn io_releases(stats: &GilStats, with_gil_calls: u64) -> u64 {
    let _ = (stats, with_gil_calls);
    todo!("acquisitions minus the with_gil calls minus the forced switches")
}

/// The share of the switches between threads that the switch interval forced,
/// from 0 to 1; 0 when the lock never changed hands.
pub fn forced_share(stats: &GilStats) -> f64 {
    let _ = stats;
    todo!("forced_switches / switches")
}

/// How many threads were waiting for the lock, on average, over a run that
/// took `wall`; 0 for a run that took no time.
pub fn mean_waiting_threads(stats: &GilStats, wall: Duration) -> f64 {
    let _ = (stats, wall);
    todo!("total waiting time / wall time")
}
