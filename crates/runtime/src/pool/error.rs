//! What can go wrong with a task, and with the pool itself.

use std::any::Any;
use std::fmt;

/// Why a task has no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskErrorKind {
    /// The task panicked; the message is the panic's message. In Python the
    /// function raised, and `get()` re-raises that exception.
    Panicked,
    /// [`ThreadPool::terminate`](super::ThreadPool::terminate) threw the task away
    /// before it ran. Python leaves such a result pending forever; here it fails.
    Terminated,
    /// The pool was closed (or terminated) when the task was submitted, so it was
    /// never queued. Python raises `ValueError("Pool not running")`.
    PoolClosed,
    /// [`AsyncResult::get_timeout`](super::AsyncResult::get_timeout) gave up
    /// waiting. The task itself may still run and finish. Python raises
    /// `multiprocessing.TimeoutError`.
    TimedOut,
}

/// A task that produced no result: which one, and why.
///
/// `index` is the task's position in the call that submitted it: the item's
/// index for `map`, `starmap`, `imap` and `imap_unordered`, and 0 for
/// `apply_async`. Python's `Pool.map` re-raises the exception without saying
/// which item raised it; here the index comes with the error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskError {
    index: usize,
    kind: TaskErrorKind,
    message: String,
}

impl TaskError {
    pub(crate) fn new(index: usize, kind: TaskErrorKind, message: impl Into<String>) -> Self {
        Self {
            index,
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn panicked(index: usize, payload: &(dyn Any + Send)) -> Self {
        Self::new(index, TaskErrorKind::Panicked, panic_message(payload))
    }

    pub(crate) fn terminated(index: usize) -> Self {
        Self::new(
            index,
            TaskErrorKind::Terminated,
            "the pool was terminated before this task ran",
        )
    }

    pub(crate) fn pool_closed(index: usize) -> Self {
        Self::new(
            index,
            TaskErrorKind::PoolClosed,
            "the pool is closed: it accepts no new tasks (create a new pool, or submit before close())",
        )
    }

    /// The task's position in the call that submitted it (0 for `apply_async`).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Why the task has no result.
    pub fn kind(&self) -> TaskErrorKind {
        self.kind
    }

    /// The panic message for [`TaskErrorKind::Panicked`], an explanation otherwise.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TaskErrorKind::Panicked => "panicked",
            TaskErrorKind::Terminated => "was discarded",
            TaskErrorKind::PoolClosed => "was refused",
            TaskErrorKind::TimedOut => "timed out",
        };
        write!(f, "task {} {what}: {}", self.index, self.message)
    }
}

impl std::error::Error for TaskError {}

/// Something wrong with the pool itself rather than with one task.
#[derive(Debug)]
#[non_exhaustive]
pub enum PoolError {
    /// The pool was asked for zero workers.
    NoWorkers,
    /// The operating system refused to start a worker thread.
    Spawn(std::io::Error),
    /// A worker's initializer panicked, so the pool was shut down before use.
    InitializerPanicked {
        /// The index of the worker whose initializer panicked.
        worker: usize,
        /// The panic message.
        message: String,
    },
    /// The pool is closed: it accepts no new work.
    Closed,
    /// `join` was called while the pool still accepts work; it would wait forever.
    StillRunning,
    /// `join` was called from one of the pool's own workers, which would wait for itself.
    JoinFromWorker,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoWorkers => write!(f, "a thread pool needs at least one worker (got 0)"),
            PoolError::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
            PoolError::InitializerPanicked { worker, message } => {
                write!(f, "the initializer of worker {worker} panicked: {message}")
            }
            PoolError::Closed => write!(
                f,
                "the pool is closed: it accepts no new work (submit before close(), or create a new pool)"
            ),
            PoolError::StillRunning => write!(
                f,
                "join() would wait forever: call close() or terminate() first (Python raises \"Pool is still running\")"
            ),
            PoolError::JoinFromWorker => write!(
                f,
                "join() was called from one of the pool's own workers, which would wait for itself"
            ),
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::Spawn(e) => Some(e),
            _ => None,
        }
    }
}

/// The message a panic was raised with (`panic!("...")` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
