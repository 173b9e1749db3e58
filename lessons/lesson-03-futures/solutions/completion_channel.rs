//! Reference solution of `completion_channel` (lesson-03).

#[allow(unused_imports)]
use std::sync::mpsc;

use runtime::futures::{TaskError, TaskFuture};

/// Waits for every future and returns, in the order they finished, each one's
/// position in `futures` and its outcome.
pub fn in_completion_order<T: Clone + Send + 'static>(
    futures: &[TaskFuture<T>],
) -> Vec<(usize, Result<T, TaskError>)> {
    let (tx, rx) = mpsc::channel();
    for (index, future) in futures.iter().enumerate() {
        let tx = tx.clone();
        // Runs once, on the thread that completes the future (or here, if it is done).
        future.add_done_callback(move |outcome| {
            let _ = tx.send((index, outcome.cloned().map_err(TaskError::clone)));
        });
    }
    drop(tx);
    rx.iter().take(futures.len()).collect()
}
