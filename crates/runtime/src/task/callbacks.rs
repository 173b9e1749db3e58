//! `callback=` and `error_callback=`, and the one rule for a callback that panics.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::error::TaskError;

type Callback<R> = Box<dyn FnOnce(&R) + Send>;
type ErrorCallback = Box<dyn FnOnce(&TaskError) + Send>;

/// What to run when an `apply_async` task ends: Python's `callback=` and
/// `error_callback=` arguments, for the thread pool and the process pool alike.
///
/// Exactly one of the two runs, once, for every task submitted with them:
/// `callback` with the result when the task returns, `error_callback` with the
/// error when it fails, is thrown away by `terminate`, is refused by a closed
/// pool, or is lost with a dead worker. They run before the result becomes
/// ready, so by the time [`AsyncResult::get`](super::AsyncResult::get)
/// returns, the callback has finished.
///
/// Where they run: on the thread that delivers the outcome — a thread pool's
/// worker, a process pool's reader thread for the worker that ran the task,
/// or, for a task refused or thrown away, the thread that submitted it or
/// called `terminate`. So keep them short: a slow callback holds up that
/// thread and every result behind it, as it holds up the result-handler
/// thread in Python. Never wait in one for another result of the same pool.
///
/// **A callback that panics** is caught, reported on stderr, and changes
/// nothing else: the task's outcome is delivered as it was (a result stays a
/// result), the pool goes on. The same rule holds for every callback in the
/// runtime, a future's done-callbacks included; `concurrent.futures`
/// documents it for its own done-callbacks (an exception raised by one is
/// logged and ignored).
pub struct Callbacks<R> {
    callback: Option<Callback<R>>,
    error_callback: Option<ErrorCallback>,
}

impl<R> Callbacks<R> {
    /// No callbacks yet.
    pub fn new() -> Self {
        Self {
            callback: None,
            error_callback: None,
        }
    }

    /// Runs `f` with the result when the task succeeds.
    pub fn callback(mut self, f: impl FnOnce(&R) + Send + 'static) -> Self {
        self.callback = Some(Box::new(f));
        self
    }

    /// Runs `f` with the error when the task fails.
    pub fn error_callback(mut self, f: impl FnOnce(&TaskError) + Send + 'static) -> Self {
        self.error_callback = Some(Box::new(f));
        self
    }

    /// Runs the callback that fits `outcome`, under the panic rule.
    pub(crate) fn run(self, outcome: &Result<R, TaskError>) {
        let Callbacks {
            callback,
            error_callback,
        } = self;
        match outcome {
            Ok(value) => {
                if let Some(f) = callback {
                    run_caught("an apply_async callback", || f(value));
                }
            }
            Err(error) => {
                if let Some(f) = error_callback {
                    run_caught("an apply_async error_callback", || f(error));
                }
            }
        }
    }
}

impl<R> Default for Callbacks<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R> fmt::Debug for Callbacks<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callbacks")
            .field("callback", &self.callback.is_some())
            .field("error_callback", &self.error_callback.is_some())
            .finish()
    }
}

/// The rule for a callback that panics, in one place: catch it, say so on
/// stderr (the panic hook has already printed the panic itself), and carry
/// on as if it had returned. `what` names the callback in that line.
pub(crate) fn run_caught(what: &str, callback: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(callback)).is_err() {
        eprintln!(
            "runtime: {what} panicked; the outcome is delivered as it was and the pool goes on"
        );
    }
}
