//! Reference solution of `keep_the_first` (lesson-03).

use runtime::futures::TaskFuture;
#[allow(unused_imports)]
use runtime::futures::as_completed;

/// Waits for the first `k` futures to finish and returns their values in the
/// order they finished, and how many futures were cancelled.
pub fn keep_the_first<T: Clone>(futures: &[TaskFuture<T>], k: usize) -> (Vec<T>, usize) {
    let first = as_completed(futures, None)
        .take(k)
        .map(|item| {
            let future = item.expect("no timeout was given");
            future.result().expect("the tasks here do not fail")
        })
        .collect();
    // cancel() succeeds only for a task that has not started: done and running ones say no.
    let cancelled = futures.iter().filter(|f| f.cancel()).count();
    (first, cancelled)
}
