//! Exercise `completion_channel` (lesson-03).
//!
//! `as_completed` hands you futures in the order they finish. Build the same
//! thing yourself from two pieces the lesson showed: `add_done_callback`, which
//! runs a closure once when a future is done (at once if it is done already),
//! and a channel (`std::sync::mpsc`), whose receiver gets the messages in the
//! order they were sent.
//!
//! Check your work: `cargo xtask check lesson-03`. Stuck? `cargo xtask hint completion_channel`.

#[allow(unused_imports)]
use std::sync::mpsc;

use runtime::futures::{TaskError, TaskFuture};

/// Waits for every future and returns, in the order they finished, each one's
/// position in `futures` and its outcome (a copy of the value, or the error).
/// Every position appears exactly once.
pub fn in_completion_order<T: Clone + Send + 'static>(
    futures: &[TaskFuture<T>],
) -> Vec<(usize, Result<T, TaskError>)> {
    let _ = futures;
    todo!(
        "a callback per future that sends (position, outcome) down a channel; then receive one message per future"
    )
}
