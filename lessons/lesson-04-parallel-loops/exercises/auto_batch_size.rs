//! Exercise `auto_batch_size` (lesson-04).
//!
//! joblib's `batch_size="auto"`: after each batch, compare how long batches of
//! the current size took with an ideal range, and grow or shrink the size.
//! `runtime::parallel::AutoBatch` does this for `Parallel`; here you write the
//! rule yourself.
//!
//! Check your work: `cargo xtask check lesson-04`. Stuck? `cargo xtask hint auto_batch_size`.

use std::time::Duration;

/// Batches shorter than this do not hide the cost of dispatching them.
pub const MIN_IDEAL: Duration = Duration::from_millis(2);
/// Batches longer than this risk leaving one worker busy while the others idle.
pub const MAX_IDEAL: Duration = Duration::from_millis(20);

/// How many tasks of `task` each make a batch of at least `target`: the
/// target divided by the task's duration, rounded up, and at least 1.
pub fn tasks_for(target: Duration, task: Duration) -> usize {
    let _ = (target, task);
    todo!("target / task, rounded up, at least 1")
}

/// The next batch size, given the current `size` and how long a batch of that
/// size took (`took`):
/// - shorter than [`MIN_IDEAL`]: twice the number of tasks that would fill
///   `MIN_IDEAL` (that is `2 × tasks_for(MIN_IDEAL, took / size)`), but never
///   more than double the current size;
/// - longer than [`MAX_IDEAL`] (and `size ≥ 2`): twice the number of tasks that
///   fill `MIN_IDEAL`, at once (this shrinks it);
/// - otherwise: unchanged.
///
/// Never returns 0.
pub fn next_batch_size(size: usize, took: Duration) -> usize {
    let _ = (size, took);
    todo!("grow, shrink or keep the batch size")
}
