//! Reference solution of `progress_as_completed` (lesson-07).

use runtime::futures::{TaskError, ThreadExecutor, as_completed};

/// Runs every task on `executor`, reports progress as each completes, and
/// returns the results in the order of `tasks` with the order of completion.
pub fn run_with_progress<T, F>(
    executor: &ThreadExecutor,
    tasks: Vec<F>,
    mut progress: impl FnMut(usize, usize),
) -> Result<(Vec<T>, Vec<usize>), TaskError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let total = tasks.len();
    let futures: Vec<_> = tasks
        .into_iter()
        .enumerate()
        .map(|(i, task)| executor.submit(move || (i, task())))
        .collect();
    let mut results: Vec<Option<T>> = (0..total).map(|_| None).collect();
    let mut completed = Vec::with_capacity(total);
    for future in as_completed(futures, None) {
        let (i, value) = future?.into_result()?;
        results[i] = Some(value);
        completed.push(i);
        progress(completed.len(), total);
    }
    let results = results
        .into_iter()
        .map(|r| r.expect("every task completed once"))
        .collect();
    Ok((results, completed))
}
