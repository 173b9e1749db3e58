//! Exercise `keep_the_first` (lesson-03).
//!
//! Sometimes only the first few results matter: the first mirrors to answer,
//! the first k simulations to converge. Take the first `k` results as they
//! complete, then cancel everything that has not started, so no worker wastes
//! time on it. (The `cancel` experiment does this at scale.)
//!
//! Check your work: `cargo xtask check lesson-03`. Stuck? `cargo xtask hint keep_the_first`.

use runtime::futures::TaskFuture;
#[allow(unused_imports)]
use runtime::futures::as_completed;

/// Waits for the first `k` futures to finish and returns their values in the
/// order they finished, and how many futures your `cancel()` calls cancelled
/// (those that had not started; none was cancelled before). The tasks here do
/// not fail, so `expect` their results.
pub fn keep_the_first<T: Clone>(futures: &[TaskFuture<T>], k: usize) -> (Vec<T>, usize) {
    let _ = (futures, k);
    todo!("take k results from as_completed, then cancel() every future and count the successes")
}
