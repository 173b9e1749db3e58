//! The task vocabulary: what a task ends with, and how whoever submitted it
//! hears of it. Defined once, here, and used by every pool, executor and loop
//! of the runtime, so a failed task looks the same wherever it ran.
//!
//! | type | what it is | mirrors |
//! |---|---|---|
//! | [`TaskError`], [`TaskErrorKind`] | a task with no result: which one (its index in the call), why, a message | the exception `get()` / `result()` re-raises; `CancelledError`, `TimeoutError`, `BrokenProcessPool`, `PicklingError` |
//! | [`PoolError`] | a pool that cannot start, or cannot do what it was asked | `ValueError`, `RuntimeError` from `Pool(...)` and `join()` |
//! | [`Callbacks`] | `callback=` and `error_callback=` of `apply_async`, and the rule for one that panics | the same arguments of `multiprocessing.Pool.apply_async` |
//! | [`AsyncResult`] | the handle `apply_async` returns, on either pool | `multiprocessing.pool.AsyncResult`, shared by `Pool` and `ThreadPool` |
//!
//! What it costs: a [`TaskError`] is built only when a task fails (a
//! `String` and, for a task's own error, a shared handle on it); an
//! [`AsyncResult`] is one allocation holding a mutex, a condition variable and
//! the outcome. [`pool`](crate::pool) and [`process`](crate::process)
//! re-export these types, so `runtime::pool::TaskError` and
//! `runtime::process::TaskError` are one and the same.

mod callbacks;
mod cell;
mod error;

pub use callbacks::Callbacks;
pub use cell::AsyncResult;
pub use error::{PoolError, TaskError, TaskErrorKind};

pub(crate) use callbacks::run_caught;
pub(crate) use cell::{Completion, Helper, pair};
