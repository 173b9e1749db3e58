//! Executors and futures: Python's `concurrent.futures`, on the course's thread
//! and process pools.
//!
//! An *executor* runs tasks for you; [`submit`](ThreadExecutor::submit) hands
//! it one and returns at once with a [`TaskFuture`], a handle to a result that
//! does not exist yet. The same few calls work whether the workers are threads
//! ([`ThreadExecutor`], for work that waits) or processes ([`ProcessExecutor`],
//! for CPU-bound work under a lock), which is the point of the Python module
//! this mirrors: you pick the executor for the kind of work, and the code that
//! submits and collects stays the same ([`Executor`]).
//!
//! ```
//! use std::time::Duration;
//! use runtime::futures::{ReturnWhen, ThreadExecutor, as_completed, wait};
//!
//! fn download(page: u64) -> u64 {
//!     std::thread::sleep(Duration::from_millis(10 + 5 * (page % 3))); // the network
//!     1_000 + page // bytes
//! }
//!
//! let executor = ThreadExecutor::new(8);
//! let futures: Vec<_> = (0..16).map(|page| executor.submit(move || download(page))).collect();
//!
//! // Results as they arrive, whatever the order of submission.
//! let mut bytes = 0;
//! for future in as_completed(&futures, None) {
//!     bytes += future.expect("no timeout given").result().expect("no download fails");
//! }
//! assert_eq!(bytes, (0..16).map(|p| 1_000 + p).sum::<u64>());
//!
//! // Or wait for a condition on the whole set.
//! let all = wait(&futures, Some(Duration::from_secs(10)), ReturnWhen::AllCompleted);
//! assert_eq!(all.done.len(), 16);
//!
//! // A task that has not started can be cancelled; shutdown can cancel them all.
//! let blocker = executor.submit(|| std::thread::sleep(Duration::from_millis(50)));
//! executor.shutdown(true, true);
//! assert!(blocker.done());
//! ```
//!
//! # What a future promises
//!
//! A [`TaskFuture`] is pending, then running, then done — finished with a value
//! or an error, or cancelled (only a pending task can be). Its outcome is set
//! exactly once, by whoever runs the task, and never changes. Nothing is lost:
//! a task that panics, returns an error
//! ([`submit_fallible`](ThreadExecutor::submit_fallible)), is refused after
//! shutdown or dies with its worker process leaves a [`FutureError`] in its
//! future, and [`result`](TaskFuture::result) hands it back. Each
//! [`add_done_callback`](TaskFuture::add_done_callback) callback runs exactly
//! once, also when added after the future is done.
//!
//! The state machine (in `future.rs`) is model-checked with loom, over every
//! interleaving of the models' threads: a task runs at most once and only if
//! not cancelled, `cancel` and the start of the task cannot both win, every
//! callback runs exactly once, and no waiter — `result`, `wait`,
//! `as_completed` — misses its wake-up (`tests/futures_loom.rs`).
//!
//! # What it costs
//!
//! A future is one allocation, shared by the handle and the worker, holding a
//! mutex, a condition variable and the outcome. Submitting on the thread
//! executor adds the boxed task and one lock of the pool's queue; completing
//! takes the future's lock once and signals only if someone sleeps on it;
//! `result()` on a done future takes the lock once. A waiting `result()`
//! watches for 50 µs before it sleeps, since waking a sleeping thread costs a
//! system call on each side.
//!
//! Measured with `cargo run --release -p runtime --example futures_overhead`
//! (2 workers, trivial tasks; 100 000 submitted and then collected in order, as
//! `[ex.submit(f, i) for i in ...]` then `[f.result() for f in futures]`, or
//! one at a time; medians of 7) on the course's 2-core VM. The first figure is
//! from a quiet moment, the range from four runs while other builds came and went:
//!
//! | executor | `submit` + `result`, per task | one task at a time (round trip) |
//! |---|---|---|
//! | [`ThreadExecutor`] | 0.44 µs (0.24–0.44) | 0.75 µs (0.75–7.6) |
//! | [`ProcessExecutor`] | 0.56 µs (0.56–0.94) | 15 µs (15–60) |
//!
//! For scale, the chapter's Python `ThreadPoolExecutor` takes about 21 µs per
//! task on the same machine and its `ProcessPoolExecutor` about 106 µs.
//!
//! # Names mirrored
//!
//! | Python `concurrent.futures` | here |
//! |---|---|
//! | `Executor` | the [`Executor`] trait |
//! | `ThreadPoolExecutor(max_workers)` | [`ThreadExecutor::new`] |
//! | `ProcessPoolExecutor(max_workers)` | [`ProcessExecutor::new`], [`ProcessExecutor::with_pool`] |
//! | `executor.submit(fn, *args)` | [`ThreadExecutor::submit`] (a closure), [`ProcessExecutor::submit`] (a registered [`Task`]), [`Executor::submit_task`] |
//! | `executor.map(fn, *iterables)` | [`ThreadExecutor::map`], [`ProcessExecutor::map`], [`Executor::map_task`] |
//! | `executor.shutdown(wait, cancel_futures)` | `shutdown(wait, cancel_futures)` |
//! | `Future` | [`TaskFuture`] (not `Future`: that is the `async` trait in Rust's prelude) |
//! | `result(timeout)`, `exception()` | [`TaskFuture::result`], [`TaskFuture::result_timeout`], [`TaskFuture::into_result`], [`TaskFuture::exception`] |
//! | `done()`, `running()`, `cancelled()`, `cancel()` | the same names |
//! | `add_done_callback(fn)` | [`TaskFuture::add_done_callback`] (passes the outcome rather than the future) |
//! | `as_completed(fs, timeout)` | [`as_completed`] |
//! | `wait(fs, timeout, return_when)` | [`wait`], with [`ReturnWhen`] |
//! | `CancelledError`, `TimeoutError`, `BrokenProcessPool` | [`FutureError`] with a [`FutureErrorKind`] |
//! | `Future()`, `set_running_or_notify_cancel`, `set_result`, `set_exception` | [`TaskFuture::pending`] and [`Completer`] |

mod error;
mod future;
mod process;
mod thread;
mod wait;

pub use error::{FutureError, FutureErrorKind};
pub use future::{Completer, TaskFuture};
pub use process::ProcessExecutor;
pub use thread::ThreadExecutor;
pub use wait::{AnyFuture, AsCompleted, DoneAndNotDone, ReturnWhen, as_completed, wait};

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::process::Task;

/// std's primitives, or loom's when model checking (`--cfg loom`).
mod sync {
    #[cfg(loom)]
    pub(super) use loom::sync::atomic::{AtomicBool, Ordering};
    #[cfg(loom)]
    pub(super) use loom::sync::{Condvar, Mutex, MutexGuard};

    #[cfg(not(loom))]
    pub(super) use std::sync::atomic::{AtomicBool, Ordering};
    #[cfg(not(loom))]
    pub(super) use std::sync::{Condvar, Mutex, MutexGuard};
}

/// What both executors do: the part of Python's `Executor` that does not
/// depend on whether the workers are threads or processes. Code written
/// against it runs the same [`Task`] on either:
///
/// ```
/// use runtime::futures::{Executor, ThreadExecutor, as_completed};
/// use runtime::process::Task;
///
/// fn cube(x: u64) -> u64 { x * x * x }
/// static CUBE: Task<u64, u64> = Task::new("docs::cube", cube);
///
/// fn total(executor: &impl Executor, n: u64) -> u64 {
///     let futures: Vec<_> = (0..n).map(|x| executor.submit_task(&CUBE, x)).collect();
///     as_completed(futures, None)
///         .map(|f| f.expect("no timeout").into_result().expect("cube does not fail"))
///         .sum()
/// }
///
/// assert_eq!(total(&ThreadExecutor::new(2), 10), 2_025);
/// // total(&ProcessExecutor::new(2)?, 10) is the same, in two worker processes.
/// ```
///
/// On a [`ThreadExecutor`] the task's function runs on a worker thread and
/// nothing is serialized; on a [`ProcessExecutor`] it must be registered in
/// [`worker_guard`](crate::process::worker_guard).
pub trait Executor {
    /// Runs `task(arg)` on a worker and returns its future at once.
    fn submit_task<A, R>(&self, task: &Task<A, R>, arg: A) -> TaskFuture<R>
    where
        A: Serialize + DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static;

    /// Submits `task` for every item at once; results come in the order of the
    /// items. Python's `executor.map(fn, iterable)`.
    fn map_task<A, R, I>(&self, task: &Task<A, R>, items: I) -> MapResults<R>
    where
        A: Serialize + DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
        Self: Sized,
    {
        MapResults::new(
            items
                .into_iter()
                .map(|item| self.submit_task(task, item))
                .collect(),
        )
    }

    /// Stops accepting tasks; see [`ThreadExecutor::shutdown`] and
    /// [`ProcessExecutor::shutdown`].
    fn shutdown(&self, wait: bool, cancel_futures: bool);

    /// The number of workers.
    fn max_workers(&self) -> usize;

    /// `"threads"` or `"processes"`.
    fn kind(&self) -> &'static str;
}

/// The results of an executor's `map`, in the order of the items: each waits
/// for its task. Dropping it early cancels the tasks that have not started, as
/// Python's `Executor.map` does when its iterator is closed.
pub struct MapResults<T> {
    futures: VecDeque<TaskFuture<T>>,
}

impl<T> MapResults<T> {
    fn new(futures: VecDeque<TaskFuture<T>>) -> Self {
        Self { futures }
    }
}

impl<T> Iterator for MapResults<T> {
    type Item = Result<T, FutureError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.futures.pop_front().map(TaskFuture::into_result)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.futures.len(), Some(self.futures.len()))
    }
}

impl<T> ExactSizeIterator for MapResults<T> {}

impl<T> Drop for MapResults<T> {
    fn drop(&mut self) {
        for future in &self.futures {
            future.cancel();
        }
    }
}

impl<T> fmt::Debug for MapResults<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapResults")
            .field("remaining", &self.futures.len())
            .finish()
    }
}
