//! Exercise `progress_as_completed` (lesson-07).
//!
//! The chapter's pattern, in Rust: submit every task to an executor, then walk
//! `as_completed` and report progress each time one finishes, as
//! `for f in tqdm(as_completed(futures), total=len(futures))` does. Results
//! come back in whatever order the tasks finish; give them to the caller in the
//! order of the tasks anyway, and say in which order they finished.
//!
//! Check your work: `cargo xtask check lesson-07`. Stuck? `cargo xtask hint progress_as_completed`.

#[allow(unused_imports)]
use runtime::futures::{TaskError, ThreadExecutor, as_completed};

/// Submits every task to `executor` at once, then collects them with
/// `as_completed`: each time one completes, calls `progress(done, total)`
/// (`done` = how many have completed so far, 1 to `total`).
///
/// Returns the results in the order of `tasks`, and the indices of the tasks in
/// the order they completed. The first task that failed (panicked) makes it
/// return that task's error.
pub fn run_with_progress<T, F>(
    executor: &ThreadExecutor,
    tasks: Vec<F>,
    progress: impl FnMut(usize, usize),
) -> Result<(Vec<T>, Vec<usize>), TaskError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let _ = (executor, tasks, progress);
    todo!("submit all, then walk as_completed, reporting progress as each one lands")
}
