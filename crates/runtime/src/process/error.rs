//! What can go wrong with a task sent to a worker process, and with the pool itself.
//!
//! The shapes mirror [`crate::pool`]'s errors (an index, a kind, a message), with
//! the kinds that only a process pool has: a task the worker does not know, bytes
//! that do not decode, and a pool broken by a dead worker.

use std::fmt;
use std::time::Duration;

/// Why a task sent to a [`ProcessPool`](super::ProcessPool) has no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskErrorKind {
    /// The task panicked in the worker; the message is the panic's message and
    /// where it was raised. Python re-raises the worker's exception in `get()`.
    Panicked,
    /// The worker has no task of this name: it was not registered in the
    /// function passed to [`worker_guard`](super::worker_guard). Python's
    /// equivalent is `AttributeError: Can't get attribute 'f' on <module '__main__'>`,
    /// raised when `f` is defined inside the `if __name__ == "__main__":` block.
    UnknownTask,
    /// The worker could not decode the argument bytes as the type its task takes:
    /// the parent and the worker disagree on the task's signature.
    BadArguments,
    /// The parent could not decode the result bytes as the type it expected.
    BadResult,
    /// A value could not be serialized (an argument in the parent, a result in
    /// the worker): Python's `PicklingError`.
    Unserializable,
    /// A worker process died (killed, aborted, exited) and took the pool down
    /// with it: every pending and later task fails with this kind. Mirrors
    /// `concurrent.futures.process.BrokenProcessPool`.
    BrokenPool,
    /// [`ProcessPool::terminate`](super::ProcessPool::terminate) (or dropping the
    /// pool) threw the task away before its result came back.
    Terminated,
    /// The pool was closed when the task was submitted, so it was never queued.
    /// Python raises `ValueError("Pool not running")`.
    PoolClosed,
    /// [`AsyncResult::get_timeout`](super::AsyncResult::get_timeout) gave up
    /// waiting. Python raises `multiprocessing.TimeoutError`.
    TimedOut,
}

/// A task that produced no result: which one, and why.
///
/// `index` is the task's position in the call that submitted it: the item's
/// index for `map`, `starmap`, `imap` and `imap_unordered`, 0 for `apply_async`
/// and `submit`.
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

    pub(crate) fn with_index(mut self, index: usize) -> Self {
        self.index = index;
        self
    }

    pub(crate) fn pool_closed() -> Self {
        Self::new(
            0,
            TaskErrorKind::PoolClosed,
            "the pool is closed: it accepts no new tasks (create a new pool, or submit before close())",
        )
    }

    pub(crate) fn terminated() -> Self {
        Self::new(
            0,
            TaskErrorKind::Terminated,
            "the pool was terminated before this task's result came back",
        )
    }

    pub(crate) fn broken(reason: &str) -> Self {
        Self::new(0, TaskErrorKind::BrokenPool, reason)
    }

    pub(crate) fn timed_out(after: Duration) -> Self {
        Self::new(
            0,
            TaskErrorKind::TimedOut,
            format!("no result after {after:?}; the task may still run"),
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

    /// Whether the pool is broken (a worker died): retrying on this pool is pointless.
    pub fn is_broken_pool(&self) -> bool {
        self.kind == TaskErrorKind::BrokenPool
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TaskErrorKind::Panicked => "panicked in its worker",
            TaskErrorKind::UnknownTask => "is not registered in the worker",
            TaskErrorKind::BadArguments => "got arguments its worker could not decode",
            TaskErrorKind::BadResult => "sent back a result that could not be decoded",
            TaskErrorKind::Unserializable => "could not be serialized",
            TaskErrorKind::BrokenPool => "was lost: the process pool is broken",
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
    /// [`worker_guard`](super::worker_guard) was not called before the pool was
    /// created. Without it every worker would run `main` from the top and create
    /// pools of its own; Python's spawn start method refuses the same mistake with
    /// "An attempt has been made to start a new process before the current
    /// process has finished its bootstrapping phase".
    GuardNotCalled,
    /// The operating system refused to start a worker process or thread.
    Spawn(std::io::Error),
    /// A worker did not start properly (it did not answer the handshake, its
    /// initializer failed, or it died while starting).
    Startup(String),
    /// The pool is broken: a worker died. The message says which and how.
    Broken(String),
    /// `join` was called while the pool still accepts work; it would wait forever.
    StillRunning,
    /// `join` was called from one of the pool's own threads (a callback), which
    /// would wait for itself.
    JoinFromPoolThread,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoWorkers => write!(f, "a process pool needs at least one worker (got 0)"),
            PoolError::GuardNotCalled => write!(
                f,
                "call runtime::process::worker_guard(...) as the first line of main before creating \
                 a ProcessPool: it is the `if __name__ == \"__main__\":` guard that lets the program \
                 re-run itself as a worker"
            ),
            PoolError::Spawn(e) => write!(f, "could not start a worker: {e}"),
            PoolError::Startup(why) => write!(f, "the process pool could not start: {why}"),
            PoolError::Broken(why) => write!(f, "the process pool is broken: {why}"),
            PoolError::StillRunning => write!(
                f,
                "join() would wait forever: call close() or terminate() first (Python raises \"Pool is still running\")"
            ),
            PoolError::JoinFromPoolThread => write!(
                f,
                "join() was called from one of the pool's own threads (a callback), which would wait for itself"
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
