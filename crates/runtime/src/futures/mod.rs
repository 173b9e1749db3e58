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
//! let executor = ThreadExecutor::new(8).expect("start worker threads");
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
//! shutdown or dies with its worker process leaves a [`TaskError`] in its
//! future (the runtime's one error for a task, the same the pools return), and [`result`](TaskFuture::result) hands it back. Each
//! [`add_done_callback`](TaskFuture::add_done_callback) callback runs exactly
//! once, also when added after the future is done.
//!
//! The state machine (in `future.rs`) is model-checked with loom, over every
//! interleaving of the models' threads: a task runs at most once and only if
//! not cancelled, `cancel` and the start of the task cannot both win, every
//! callback runs exactly once, and no waiter — `result`, `wait`,
//! `as_completed` — misses its wake-up (`tests/loom/futures.rs`).
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
//! Python's `ThreadPoolExecutor` and `ProcessPoolExecutor` are measured beside
//! these, in the same run, by lesson 03 (`cargo xtask run lesson-03`).
//!
//! # Names mirrored
//!
//! | Python `concurrent.futures` | here |
//! |---|---|
//! | `Executor` | the [`Executor`] trait |
//! | `ThreadPoolExecutor(max_workers)` | [`ThreadExecutor::new`] |
//! | `ProcessPoolExecutor(max_workers)` | [`ProcessExecutor::new`], [`ProcessExecutor::with_pool`] |
//! | `executor.submit(fn, *args)` | [`ThreadExecutor::submit`] (a closure), [`ProcessExecutor::submit`] (a registered [`Task`](crate::process::Task)), [`Executor::submit_task`] |
//! | `executor.map(fn, *iterables)` | [`ThreadExecutor::map`], [`ProcessExecutor::map`], [`Executor::map_task`] |
//! | `executor.shutdown(wait, cancel_futures)` | `shutdown(wait, cancel_futures)` |
//! | `Future` | [`TaskFuture`] (not `Future`: that is the `async` trait in Rust's prelude) |
//! | `result(timeout)`, `exception()` | [`TaskFuture::result`], [`TaskFuture::result_timeout`], [`TaskFuture::into_result`], [`TaskFuture::exception`] |
//! | `done()`, `running()`, `cancelled()`, `cancel()` | the same names |
//! | `add_done_callback(fn)` | [`TaskFuture::add_done_callback`] (passes the outcome rather than the future) |
//! | `as_completed(fs, timeout)` | [`as_completed`] |
//! | `wait(fs, timeout, return_when)` | [`wait`], with [`ReturnWhen`] |
//! | `CancelledError`, `TimeoutError`, `BrokenProcessPool` | [`TaskError`] with a [`TaskErrorKind`] |
//! | `Future()`, `set_running_or_notify_cancel`, `set_result`, `set_exception` | [`TaskFuture::pending`] and [`Completer`] |

mod executor;
mod future;
mod process;
mod thread;
mod wait;

pub use executor::{Executor, MapResults};
pub use future::{Completer, TaskFuture};
pub use process::ProcessExecutor;
pub use thread::ThreadExecutor;
pub use wait::{AnyFuture, AsCompleted, DoneAndNotDone, ReturnWhen, as_completed, wait};

pub use crate::task::{PoolError, TaskError, TaskErrorKind};
