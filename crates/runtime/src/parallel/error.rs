//! What can go wrong with a parallel loop.

use std::fmt;

use crate::process::{TaskError as ProcessTaskError, TaskErrorKind as ProcessKind};

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
    /// The task for item `index` panicked; `message` is the panic's message.
    /// Python re-raises the worker's exception.
    Panicked {
        /// The item's position in the input.
        index: usize,
        /// The panic message (and, from a worker process, where it was raised).
        message: String,
    },
    /// The process backend was given a closure or a plain function: only a
    /// registered [`Task`](crate::process::Task) can cross to a worker process.
    /// Python's equivalent is `PicklingError: Can't pickle <lambda>`.
    NotATask {
        /// The Rust type of what was given.
        function: &'static str,
    },
    /// The task is a [`Task`](crate::process::Task), but the worker processes
    /// do not know it: it was not registered in the function given to
    /// [`worker_guard`](crate::process::worker_guard). Python:
    /// `AttributeError: Can't get attribute 'f' on <module '__main__'>`.
    Unregistered {
        /// The task's name.
        task: &'static str,
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
    /// Item `index` failed in a worker process for another reason than a
    /// panic: its argument or result could not be (de)serialized, or a worker
    /// died and broke the pool. The message says which.
    Worker {
        /// The item's position in the input.
        index: usize,
        /// What the process pool reported.
        message: String,
    },
    /// The workers could not be started (a thread or process pool refused).
    Backend(String),
}

impl Error {
    /// The position of the failing item, for errors that have one.
    pub fn index(&self) -> Option<usize> {
        match self {
            Error::Panicked { index, .. }
            | Error::Worker { index, .. }
            | Error::MixedTasks { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The same error with its index moved `offset` items on (an error from
    /// a part of the input that starts at `offset`).
    pub(crate) fn shifted(self, offset: usize) -> Self {
        match self {
            Error::Panicked { index, message } => Error::Panicked {
                index: index + offset,
                message,
            },
            Error::Worker { index, message } => Error::Worker {
                index: index + offset,
                message,
            },
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

    /// The error of a process-pool task, for item `index` of the whole input.
    pub(crate) fn from_process(error: ProcessTaskError, index: usize, task: &'static str) -> Self {
        match error.kind() {
            ProcessKind::Panicked => Error::Panicked {
                index,
                message: error.message().to_owned(),
            },
            ProcessKind::UnknownTask => Error::Unregistered { task },
            _ => Error::Worker {
                index,
                message: error.to_string(),
            },
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
            Error::Panicked { index, message } => write!(f, "task {index} panicked: {message}"),
            Error::NotATask { function } => write!(
                f,
                "the process backend runs registered tasks only, and got `{function}`: a worker \
                 process cannot receive a closure or a function pointer (Python: \"Can't pickle \
                 <lambda>\"). Declare `static T: runtime::process::Task<A, R> = Task::new(\"name\", \
                 f);`, register it in runtime::process::worker_guard, and use delayed(T); or use \
                 Backend::Rayon or Backend::ThreadPool"
            ),
            Error::Unregistered { task } => write!(
                f,
                "the worker processes do not know the task \"{task}\": register it in the function \
                 given to runtime::process::worker_guard, the first call in main (a task \
                 registered later exists only in the parent)"
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
            Error::Worker { index, message } => {
                write!(f, "task {index} failed in its worker process: {message}")
            }
            Error::Backend(why) => write!(f, "the workers could not start: {why}"),
        }
    }
}

impl std::error::Error for Error {}
