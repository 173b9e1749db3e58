//! Exercise `first_exception` (lesson-03).
//!
//! `wait(futures, None, ReturnWhen::FirstException)` returns as soon as any
//! future fails — or when all are done, if none fails — and splits the futures
//! into done and not done. Write it yourself on top of `as_completed`.
//!
//! A cancelled future is done but has not failed: Python's FIRST_EXCEPTION
//! ignores it, and so must you (`TaskError::is_exception` tells them apart).
//!
//! Check your work: `cargo xtask check lesson-03`. Stuck? `cargo xtask hint first_exception`.

use runtime::futures::TaskFuture;
#[allow(unused_imports)]
use runtime::futures::as_completed;

/// Waits until a future fails or all are done, then returns the positions (in
/// `futures`) of those that are done and of those that are not, each in
/// increasing order.
pub fn wait_first_exception<T>(futures: &[TaskFuture<T>]) -> (Vec<usize>, Vec<usize>) {
    let _ = futures;
    todo!(
        "go through as_completed until a future's exception() is a real failure, then split by done()"
    )
}
