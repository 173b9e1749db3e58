//! What can go wrong with a parallel loop.

use std::fmt;

use crate::task::TaskError;

/// Why [`Parallel::run`](super::Parallel::run) has no results.
///
/// A failing task stops the loop, as in joblib: no new batches are sent, the
/// ones already running finish, and the error names the item (its position in
/// the input) that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `n_jobs = 0`. joblib raises "n_jobs == 0 in Parallel has no meaning".
    NoJobs,
    /// A task failed: it panicked (Python: the worker's exception, re-raised),
    /// or, on the process backend, could not cross to its worker and back
    /// (not registered, a value that would not serialize) or was lost with a
    /// dead worker. The error is the runtime's own [`TaskError`], the same a
    /// pool returns; its index is the item's position in the input.
    Task(TaskError),
    /// The process backend was given a closure or a plain function: only a
    /// registered [`Task`](crate::process::Task) can cross to a worker process.
    /// `multiprocessing.Pool` refuses a lambda the same way (`PicklingError:
    /// Can't pickle <lambda>`); joblib's loky backend does not: it sends
    /// functions with cloudpickle, so a lambda or closure crosses it. Compiled
    /// Rust has no code to send, so this backend keeps pickle's rule.
    NotATask {
        /// The Rust type of what was given.
        function: &'static str,
    },
    /// One call on the process backend named two different tasks.
    MixedTasks {
        /// The first item's task.
        first: &'static str,
        /// The task of item `index`.
        other: &'static str,
        /// The first item whose task differs.
        index: usize,
    },
    /// The workers could not be started (a thread or process pool refused).
    Backend(String),
}

impl Error {
    /// The position of the failing item, for errors that have one.
    pub fn index(&self) -> Option<usize> {
        match self {
            Error::Task(error) => Some(error.index()),
            Error::MixedTasks { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The failed task's error, for [`Error::Task`].
    pub fn task_error(&self) -> Option<&TaskError> {
        match self {
            Error::Task(error) => Some(error),
            _ => None,
        }
    }

    /// The same error with its index moved `offset` items on (an error from
    /// a part of the input that starts at `offset`).
    pub(crate) fn shifted(self, offset: usize) -> Self {
        match self {
            Error::Task(error) => {
                let index = error.index() + offset;
                Error::Task(error.with_index(index))
            }
            Error::MixedTasks {
                first,
                other,
                index,
            } => Error::MixedTasks {
                first,
                other,
                index: index + offset,
            },
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoJobs => write!(
                f,
                "n_jobs = 0 has no meaning: use 1 to run on the calling thread, a number of \
                 workers, or -1 for every core (-2 for all but one)"
            ),
            Error::Task(error) => error.fmt(f),
            Error::NotATask { function } => write!(
                f,
                "the process backend runs registered tasks only, and got `{function}`: a worker \
                 process cannot receive a closure or a function pointer (as multiprocessing's \
                 pickle refuses a lambda: \"Can't pickle <lambda>\"; joblib's loky would send it \
                 with cloudpickle, which compiled code cannot do). Declare \
                 `static T: runtime::process::Task<A, R> = Task::new(\"name\", f);`, register \
                 it in runtime::process::worker_guard, and use delayed(T); or use \
                 Backend::Rayon or Backend::ThreadPool"
            ),
            Error::MixedTasks {
                first,
                other,
                index,
            } => write!(
                f,
                "the process backend runs one task per call: item 0 is \"{first}\" but item \
                 {index} is \"{other}\"; make one call per task"
            ),
            Error::Backend(why) => write!(f, "the workers could not start: {why}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Task(error) => Some(error),
            _ => None,
        }
    }
}
