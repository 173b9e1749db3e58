//! Why a future has no result: the one error type every executor's futures share.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::process;

/// Why a [`TaskFuture`](super::TaskFuture) has no result, in the terms of
/// Python's `concurrent.futures` exceptions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FutureErrorKind {
    /// The task returned an error (see
    /// [`ThreadExecutor::submit_fallible`](super::ThreadExecutor::submit_fallible)):
    /// in Python, the function raised, and `result()` re-raises that exception.
    Failed,
    /// The task panicked; the message is the panic's. Python makes no difference
    /// between this and [`Failed`](Self::Failed): both are an exception in the task.
    Panicked,
    /// The future was cancelled before its task started: Python's `CancelledError`.
    Cancelled,
    /// A wait gave up: `result_timeout` or `as_completed` with a timeout. The
    /// task itself is not stopped. Python's `TimeoutError`.
    TimedOut,
    /// The executor was shut down when the task was submitted: Python raises
    /// `RuntimeError("cannot schedule new futures after shutdown")`.
    Shutdown,
    /// The executor can no longer run the task: a worker process died (Python's
    /// `BrokenProcessPool`), and every pending and later task fails with this.
    Broken,
    /// Process executor only: the task could not cross to its worker or back —
    /// it is not registered in the workers, or a value would not (de)serialize.
    /// Python's `PicklingError` and its relatives.
    Transport,
}

/// The error a [`TaskFuture`](super::TaskFuture) carries instead of a result:
/// what went wrong ([`kind`](Self::kind)) and a message that says it for a
/// person. Cloning it is cheap (the message and the source are shared or small),
/// which is what lets `result()` be asked many times, as in Python.
#[derive(Clone)]
pub struct FutureError {
    kind: FutureErrorKind,
    message: String,
    source: Option<Arc<dyn Error + Send + Sync>>,
}

impl FutureError {
    /// An error of `kind` with a message; for [`Completer::set_exception`](super::Completer::set_exception)
    /// and executors built outside this module.
    pub fn new(kind: FutureErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> FutureErrorKind {
        self.kind
    }

    /// The panic message, the task's own error message, or an explanation.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this counts as an exception for
    /// [`ReturnWhen::FirstException`](super::ReturnWhen::FirstException):
    /// every kind but [`Cancelled`](FutureErrorKind::Cancelled), as in Python,
    /// where a cancelled future has no exception.
    pub fn is_exception(&self) -> bool {
        self.kind != FutureErrorKind::Cancelled
    }

    /// The task's error as it returned it (for [`FutureErrorKind::Failed`]),
    /// to downcast: `error.task_error().and_then(|e| e.downcast_ref::<io::Error>())`.
    pub fn task_error(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }

    pub(crate) fn failed(error: Box<dyn Error + Send + Sync>) -> Self {
        Self {
            kind: FutureErrorKind::Failed,
            message: error.to_string(),
            source: Some(Arc::from(error)),
        }
    }

    pub(crate) fn panicked(payload: &(dyn Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic with a non-string payload".to_owned()
        };
        Self::new(FutureErrorKind::Panicked, message)
    }

    pub(crate) fn cancelled() -> Self {
        Self::new(
            FutureErrorKind::Cancelled,
            "the future was cancelled before its task started",
        )
    }

    pub(crate) fn timed_out(after: Duration, what: &str) -> Self {
        Self::new(
            FutureErrorKind::TimedOut,
            format!("{what} not done after {after:?}; the task keeps running"),
        )
    }

    pub(crate) fn shutdown() -> Self {
        Self::new(
            FutureErrorKind::Shutdown,
            "the executor is shut down: it accepts no new tasks (submit before shutdown(), or create a new executor)",
        )
    }

    pub(crate) fn abandoned() -> Self {
        Self::new(
            FutureErrorKind::Broken,
            "the task's runner went away before the task finished",
        )
    }

    /// The same failure, from a process pool's point of view.
    pub(crate) fn from_process(error: process::TaskError) -> Self {
        use process::TaskErrorKind as K;
        let kind = match error.kind() {
            K::Panicked => FutureErrorKind::Panicked,
            K::BrokenPool => FutureErrorKind::Broken,
            K::PoolClosed | K::Terminated => FutureErrorKind::Shutdown,
            K::TimedOut => FutureErrorKind::TimedOut,
            // UnknownTask, BadArguments, BadResult, Unserializable, and any
            // kind the process pool adds later.
            _ => FutureErrorKind::Transport,
        };
        Self::new(kind, error.to_string())
    }
}

impl PartialEq for FutureError {
    /// Two errors are equal when their kind and message are; the source is not compared.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl Eq for FutureError {}

impl fmt::Debug for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FutureError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FutureErrorKind::Failed => "the task failed",
            FutureErrorKind::Panicked => "the task panicked",
            FutureErrorKind::Cancelled => "cancelled",
            FutureErrorKind::TimedOut => "timed out",
            FutureErrorKind::Shutdown => "refused",
            FutureErrorKind::Broken => "the executor is broken",
            FutureErrorKind::Transport => "the task could not reach its worker",
        };
        write!(f, "{what}: {}", self.message)
    }
}

impl Error for FutureError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}
