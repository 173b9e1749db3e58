//! Reference solution of `first_exception` (lesson-03).

use runtime::futures::TaskFuture;
#[allow(unused_imports)]
use runtime::futures::as_completed;

/// Waits until a future fails or all are done, then returns the positions of
/// those that are done and of those that are not.
pub fn wait_first_exception<T>(futures: &[TaskFuture<T>]) -> (Vec<usize>, Vec<usize>) {
    for item in as_completed(futures, None) {
        let future = item.expect("no timeout was given");
        if future.exception().is_some_and(|e| e.is_exception()) {
            break;
        }
    }
    (0..futures.len()).partition(|&i| futures[i].done())
}
