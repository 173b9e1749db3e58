//! [`Executor`]: what the thread and process executors share, so code that
//! submits and collects runs on either; and [`MapResults`], their `map`.

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::future::TaskFuture;
use crate::process::Task;
use crate::task::TaskError;

/// What both executors do: the part of Python's `Executor` that does not
/// depend on whether the workers are threads or processes. Code written
/// against it runs the same [`Task`] on either:
///
/// ```
/// use runtime::futures::{Executor, ThreadExecutor, as_completed};
/// use runtime::process::Task;
///
/// fn cube(x: u64) -> u64 { x * x * x }
/// static CUBE: Task<u64, u64> = Task::new("docs::cube", cube);
///
/// fn total(executor: &impl Executor, n: u64) -> u64 {
///     let futures: Vec<_> = (0..n).map(|x| executor.submit_task(&CUBE, x)).collect();
///     as_completed(futures, None)
///         .map(|f| f.expect("no timeout").into_result().expect("cube does not fail"))
///         .sum()
/// }
///
/// assert_eq!(total(&ThreadExecutor::new(2).expect("start worker threads"), 10), 2_025);
/// // total(&ProcessExecutor::new(2)?, 10) is the same, in two worker processes.
/// ```
///
/// On a [`ThreadExecutor`](crate::futures::ThreadExecutor) the task's function runs on a worker thread and
/// nothing is serialized; on a [`ProcessExecutor`](crate::futures::ProcessExecutor) it must be registered in
/// [`worker_guard`](crate::process::worker_guard).
pub trait Executor {
    /// Runs `task(arg)` on a worker and returns its future at once.
    fn submit_task<A, R>(&self, task: &Task<A, R>, arg: A) -> TaskFuture<R>
    where
        A: Serialize + DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static;

    /// Submits `task` for every item at once; results come in the order of the
    /// items. Python's `executor.map(fn, iterable)`.
    fn map_task<A, R, I>(&self, task: &Task<A, R>, items: I) -> MapResults<R>
    where
        A: Serialize + DeserializeOwned + Send + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
        Self: Sized,
    {
        MapResults::new(
            items
                .into_iter()
                .map(|item| self.submit_task(task, item))
                .collect(),
        )
    }

    /// Stops accepting tasks; see [`ThreadExecutor::shutdown`](crate::futures::ThreadExecutor::shutdown) and
    /// [`ProcessExecutor::shutdown`](crate::futures::ProcessExecutor::shutdown).
    fn shutdown(&self, wait: bool, cancel_futures: bool);

    /// The number of workers.
    fn max_workers(&self) -> usize;

    /// `"threads"` or `"processes"`.
    fn kind(&self) -> &'static str;
}

/// The results of an executor's `map`, in the order of the items: each waits
/// for its task. Dropping it early cancels the tasks that have not started, as
/// Python's `Executor.map` does when its iterator is closed.
pub struct MapResults<T> {
    futures: VecDeque<TaskFuture<T>>,
}

impl<T> MapResults<T> {
    pub(super) fn new(futures: VecDeque<TaskFuture<T>>) -> Self {
        Self { futures }
    }
}

impl<T> Iterator for MapResults<T> {
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.futures.pop_front().map(TaskFuture::into_result)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.futures.len(), Some(self.futures.len()))
    }
}

impl<T> ExactSizeIterator for MapResults<T> {}

impl<T> Drop for MapResults<T> {
    fn drop(&mut self) {
        for future in &self.futures {
            future.cancel();
        }
    }
}

impl<T> fmt::Debug for MapResults<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapResults")
            .field("remaining", &self.futures.len())
            .finish()
    }
}
