//! The synchronization primitives every module uses, in one place: std's, or
//! loom's when model checking (`--cfg loom`), a lock that survives a poisoned
//! mutex, and the short watch a waiter keeps before it sleeps.
//!
//! Modules that loom checks (`gil`, the thread pool's queue, the futures' state
//! machine) take their `Mutex`, `Condvar`, atomics and threads from here, so
//! `tests/loom.rs` runs the real code under every interleaving. Code that loom
//! does not model (the process pool, `map`'s shared job) uses `std::sync`
//! directly.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard, mpsc};
#[cfg(loom)]
pub(crate) use loom::thread::{Builder as ThreadBuilder, JoinHandle, ThreadId, current};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard, mpsc};
#[cfg(not(loom))]
pub(crate) use std::thread::{Builder as ThreadBuilder, JoinHandle, ThreadId, current};

use std::sync::{LockResult, PoisonError};
#[cfg(not(loom))]
use std::time::Duration;
use std::time::Instant;

/// The poison-tolerant lock: `mutex.lock().unpoisoned()`, and the same after a
/// `Condvar` wait.
///
/// A mutex is *poisoned* when a thread panicked while holding it. No task and
/// no callback ever runs under one of the runtime's locks, so a poisoned lock
/// means a bug in the runtime itself; the state it guards is still consistent
/// at every unlock, and refusing to go on would turn one bug into a cascade of
/// panics (and, in a pool, a hang). So every lock here takes the guard anyway.
pub(crate) trait Unpoison<T> {
    /// The guard (or the wait's result), poisoned or not.
    fn unpoisoned(self) -> T;
}

impl<T> Unpoison<T> for LockResult<T> {
    fn unpoisoned(self) -> T {
        self.unwrap_or_else(PoisonError::into_inner)
    }
}

/// Waits on `cv` once, until `deadline` if there is one, and says whether
/// the deadline has passed: one sleep of a waiter that re-checks its
/// condition in a loop (a wake-up may be spurious, or for someone else).
pub(crate) fn wait_once<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    deadline: Option<Instant>,
) -> (MutexGuard<'a, T>, bool) {
    match deadline {
        None => (cv.wait(guard).unpoisoned(), false),
        Some(d) => {
            let now = Instant::now();
            if now >= d {
                return (guard, true);
            }
            let guard = cv.wait_timeout(guard, d - now).unpoisoned().0;
            (guard, Instant::now() >= d)
        }
    }
}

/// How long a waiter watches for what it waits for before it sleeps. Waking a
/// sleeping thread costs a system call on each side (a few µs, far more on a
/// busy machine); watching costs CPU time the machine's other threads might
/// want, so keep it short. Rayon's idle workers do the same.
#[cfg(not(loom))]
pub(crate) const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);

/// Polls `ready` for up to [`SPIN_BEFORE_SLEEP`], spinning then yielding the
/// CPU, and returns what it gave, or `None` if it gave nothing in time. Used
/// before going to sleep, when what we wait for usually comes within
/// microseconds.
#[cfg(not(loom))]
pub(crate) fn spin_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    for round in 0_u32.. {
        if let Some(value) = ready() {
            return Some(value);
        }
        if round < 64 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
            if start.elapsed() > SPIN_BEFORE_SLEEP {
                break;
            }
        }
    }
    None
}

/// Under loom, which has no clock: one look stands for the whole watch. The
/// watch only reads, and every caller checks again under its lock afterwards,
/// so how many looks it takes changes no outcome the models check.
#[cfg(loom)]
pub(crate) fn spin_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    ready()
}
