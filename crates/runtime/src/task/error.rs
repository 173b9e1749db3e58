//! Why a task has no result ([`TaskError`]), and what can be wrong with a pool
//! itself ([`PoolError`]).

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::unwind::panic_message;

/// Why a task has no result. One list for every pool, executor and loop of
/// the runtime; a thread pool only ever reports the first few kinds, a
/// process pool the rest as well.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskErrorKind {
    /// The task panicked; the message is the panic's message (from a worker
    /// process, with where it was raised and the worker's pid). In Python the
    /// function raised, and `get()` or `result()` re-raises that exception.
    Panicked,
    /// The task returned an error (see
    /// [`ThreadExecutor::submit_fallible`](crate::futures::ThreadExecutor::submit_fallible)):
    /// in Python, too, the function raised; here it said so without a panic.
    /// The error itself is kept: [`TaskError::task_error`].
    Failed,
    /// The future was cancelled before its task started: Python's
    /// `concurrent.futures.CancelledError`.
    Cancelled,
    /// A wait gave up (`get_timeout`, `result_timeout`, `as_completed` with a
    /// timeout). The task itself is not stopped. Python's `TimeoutError`
    /// (`multiprocessing.TimeoutError` for a pool).
    TimedOut,
    /// The pool or executor was closed (or shut down) when the task was
    /// submitted, so it was never queued. Python raises
    /// `ValueError("Pool not running")` for a pool and `RuntimeError("cannot
    /// schedule new futures after shutdown")` for an executor.
    PoolClosed,
    /// `terminate` (or dropping a process pool) threw the task away before its
    /// result came back. Python leaves such a result pending forever; here it
    /// fails.
    Terminated,
    /// A worker process died (killed, aborted, exited) and took the pool down
    /// with it: every pending and later task fails with this kind. Mirrors
    /// `concurrent.futures.process.BrokenProcessPool`.
    BrokenPool,
    /// Process pool: the worker has no task of this name; it was not
    /// registered in the function passed to
    /// [`worker_guard`](crate::process::worker_guard). Python's equivalent,
    /// under spawn or forkserver, is the worker's `AttributeError: Can't get
    /// attribute 'f' on <module '__mp_main__' ...>`, raised when `f` is defined
    /// only inside the `if __name__ == "__main__":` block (the worker imports the
    /// main module as `__mp_main__`, so that block never runs there).
    UnknownTask,
    /// Process pool: the worker could not decode the argument bytes as the type
    /// its task takes; the parent and the worker disagree on its signature.
    BadArguments,
    /// Process pool: the parent could not decode the result bytes as the type
    /// it expected.
    BadResult,
    /// Process pool: a value could not be serialized (an argument in the
    /// parent, a result in the worker): Python's `PicklingError`.
    Unserializable,
}

/// A task that produced no result: which one, why, and a message for a person.
///
/// The same type comes back from every pool, executor and loop, so code that
/// handles a failed task need not know where it ran.
///
/// `index` is the task's position in the call that submitted it: the item's
/// index for `map`, `starmap`, `imap`, `imap_unordered` and a parallel loop,
/// the future's position for `as_completed`, and 0 for a single task
/// (`apply_async`, `submit`). Python's `Pool.map` re-raises the exception
/// without saying which item raised it; here the index comes with the error.
///
/// Cloning it is cheap (a message, and a shared handle on the task's own
/// error), which is what lets a future's `result()` be asked many times.
#[derive(Clone)]
pub struct TaskError {
    index: usize,
    kind: TaskErrorKind,
    message: String,
    source: Option<Arc<dyn Error + Send + Sync>>,
}

impl TaskError {
    /// An error of `kind` for task 0, with a message: for
    /// [`Completer::set_exception`](crate::futures::Completer::set_exception)
    /// and executors built outside this crate.
    pub fn new(kind: TaskErrorKind, message: impl Into<String>) -> Self {
        Self {
            index: 0,
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The same error, for the task at `index` of its call.
    pub fn with_index(mut self, index: usize) -> Self {
        self.index = index;
        self
    }

    /// The task's position in the call that submitted it (0 for a single task).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Why the task has no result.
    pub fn kind(&self) -> TaskErrorKind {
        self.kind
    }

    /// The panic message for [`TaskErrorKind::Panicked`], the task's own
    /// error message for [`TaskErrorKind::Failed`], an explanation otherwise.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this counts as an exception for
    /// [`ReturnWhen::FirstException`](crate::futures::ReturnWhen::FirstException):
    /// every kind but [`Cancelled`](TaskErrorKind::Cancelled), as in Python,
    /// where a cancelled future has no exception.
    pub fn is_exception(&self) -> bool {
        self.kind != TaskErrorKind::Cancelled
    }

    /// Whether the pool is broken (a worker died): retrying on it is pointless.
    pub fn is_broken_pool(&self) -> bool {
        self.kind == TaskErrorKind::BrokenPool
    }

    /// The task's error as it returned it (for [`TaskErrorKind::Failed`]), to
    /// downcast: `error.task_error().and_then(|e| e.downcast_ref::<io::Error>())`.
    pub fn task_error(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }

    /// Keeps in `first` whichever of it and `error` has the lower index: a
    /// `map` reports its lowest-index failure, whatever order failures
    /// arrive in (Python raises the first to arrive, which varies by run).
    pub(crate) fn keep_lowest(first: &mut Option<TaskError>, error: TaskError) {
        if first.as_ref().is_none_or(|e| error.index() < e.index()) {
            *first = Some(error);
        }
    }

    pub(crate) fn panicked(index: usize, payload: &(dyn std::any::Any + Send)) -> Self {
        Self::new(TaskErrorKind::Panicked, panic_message(payload)).with_index(index)
    }

    pub(crate) fn failed(error: Box<dyn Error + Send + Sync>) -> Self {
        Self {
            index: 0,
            kind: TaskErrorKind::Failed,
            message: error.to_string(),
            source: Some(Arc::from(error)),
        }
    }

    pub(crate) fn cancelled() -> Self {
        Self::new(
            TaskErrorKind::Cancelled,
            "the future was cancelled before its task started",
        )
    }

    pub(crate) fn timed_out(after: Duration) -> Self {
        Self::new(
            TaskErrorKind::TimedOut,
            format!("no result after {after:?}; the task keeps running"),
        )
    }

    pub(crate) fn pool_closed(index: usize) -> Self {
        Self::new(
            TaskErrorKind::PoolClosed,
            "the pool is closed: it accepts no new tasks (create a new pool, or submit before close())",
        )
        .with_index(index)
    }

    pub(crate) fn shut_down() -> Self {
        Self::new(
            TaskErrorKind::PoolClosed,
            "the executor is shut down: it accepts no new tasks (submit before shutdown(), or create a new executor)",
        )
    }

    pub(crate) fn terminated(index: usize) -> Self {
        Self::new(
            TaskErrorKind::Terminated,
            "the pool was terminated before this task finished",
        )
        .with_index(index)
    }

    pub(crate) fn broken(reason: &str) -> Self {
        Self::new(TaskErrorKind::BrokenPool, reason)
    }
}

impl PartialEq for TaskError {
    /// Two errors are equal when their index, kind and message are; the
    /// task's own error is not compared.
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.kind == other.kind && self.message == other.message
    }
}

impl Eq for TaskError {}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskError")
            .field("index", &self.index)
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TaskErrorKind::Panicked => "panicked",
            TaskErrorKind::Failed => "failed",
            TaskErrorKind::Cancelled => "was cancelled",
            TaskErrorKind::TimedOut => "timed out",
            TaskErrorKind::PoolClosed => "was refused",
            TaskErrorKind::Terminated => "was discarded",
            TaskErrorKind::BrokenPool => "was lost: the process pool is broken",
            TaskErrorKind::UnknownTask => "is not registered in the worker",
            TaskErrorKind::BadArguments => "got arguments its worker could not decode",
            TaskErrorKind::BadResult => "sent back a result that could not be decoded",
            TaskErrorKind::Unserializable => "could not be serialized",
        };
        write!(f, "task {} {what}: {}", self.index, self.message)
    }
}

impl Error for TaskError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// Something wrong with a pool itself rather than with one task: it could not
/// start, or it was asked to do what it cannot. Shared by
/// [`ThreadPool`](crate::pool::ThreadPool) and
/// [`ProcessPool`](crate::process::ProcessPool) (and the executors on them).
#[derive(Debug)]
#[non_exhaustive]
pub enum PoolError {
    /// The pool was asked for zero workers.
    NoWorkers,
    /// Process pool: [`worker_guard`](crate::process::worker_guard) was not
    /// called before the pool was created. Without it every worker would run
    /// `main` from the top and create pools of its own; Python's spawn start
    /// method refuses the same mistake with "An attempt has been made to start
    /// a new process before the current process has finished its bootstrapping
    /// phase".
    GuardNotCalled,
    /// The operating system refused to start a worker thread or process.
    Spawn(std::io::Error),
    /// Thread pool: a worker's initializer panicked, so the pool was shut
    /// down before use.
    InitializerPanicked {
        /// The index of the worker whose initializer panicked.
        worker: usize,
        /// The panic message.
        message: String,
    },
    /// Process pool: a worker did not start properly (it did not answer the
    /// handshake, its initializer failed, or it died while starting).
    Startup(String),
    /// The pool is closed: it accepts no new work.
    Closed,
    /// Process pool: the pool is broken, a worker died. The message says which
    /// and how.
    Broken(String),
    /// `join` was called while the pool still accepts work; it would wait forever.
    StillRunning,
    /// `join` was called from one of the pool's own threads (a worker, or a
    /// process pool's callback), which would wait for itself.
    JoinFromWorker,
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::NoWorkers => write!(f, "a pool needs at least one worker (got 0)"),
            PoolError::GuardNotCalled => write!(
                f,
                "call runtime::process::worker_guard(...) as the first line of main before creating \
                 a ProcessPool: it is the `if __name__ == \"__main__\":` guard that lets the program \
                 re-run itself as a worker"
            ),
            PoolError::Spawn(e) => write!(f, "could not start a worker: {e}"),
            PoolError::InitializerPanicked { worker, message } => {
                write!(f, "the initializer of worker {worker} panicked: {message}")
            }
            PoolError::Startup(why) => write!(f, "the process pool could not start: {why}"),
            PoolError::Closed => write!(
                f,
                "the pool is closed: it accepts no new work (submit before close(), or create a new pool)"
            ),
            PoolError::Broken(why) => write!(f, "the process pool is broken: {why}"),
            PoolError::StillRunning => write!(
                f,
                "join() would wait forever: call close() or terminate() first (Python raises \"Pool is still running\")"
            ),
            PoolError::JoinFromWorker => write!(
                f,
                "join() was called from one of the pool's own threads (a worker or a callback), which would wait for itself"
            ),
        }
    }
}

impl Error for PoolError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PoolError::Spawn(e) => Some(e),
            _ => None,
        }
    }
}
