//! `apply_async`: one task, one handle to its result, optional callbacks.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use super::error::{TaskError, TaskErrorKind, panic_message};
use super::{Shared, Task, spin_until};

type Callback<R> = Box<dyn FnOnce(&R) + Send>;
type ErrorCallback = Box<dyn FnOnce(&TaskError) + Send>;

/// What to run when an `apply_async` task ends: Python's `callback=` and
/// `error_callback=` arguments.
///
/// Exactly one of the two runs, once, for every task submitted with them:
/// `callback` with the result when the task returns, `error_callback` with the
/// error when it panics, is thrown away by `terminate`, or is refused by a
/// closed pool. They run before the result becomes ready, so by the time
/// [`AsyncResult::get`] returns, the callback has finished. They run on the
/// worker thread (for a discarded task, on the thread that called `terminate`
/// or submitted it), so keep them short: a slow callback holds up a worker, as
/// it holds up the result-handler thread in Python. A callback that panics
/// turns the task's outcome into a [`TaskErrorKind::Panicked`] error.
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

struct Slot<R> {
    outcome: Mutex<Option<Result<R, TaskError>>>,
    ready: Condvar,
}

impl<R> Slot<R> {
    fn lock(&self) -> MutexGuard<'_, Option<Result<R, TaskError>>> {
        self.outcome.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The handle to a task submitted with [`ThreadPool::apply_async`]: mirrors
/// `multiprocessing.pool.AsyncResult`.
///
/// It costs one allocation (shared with the worker) and a lock taken twice: once
/// by the worker to store the outcome, once by `get`.
///
/// [`ThreadPool::apply_async`]: super::ThreadPool::apply_async
pub struct AsyncResult<R> {
    slot: Arc<Slot<R>>,
    pool: Weak<Shared>,
}

impl<R> AsyncResult<R> {
    /// Whether the task has finished (returned, panicked or been discarded).
    /// Python: `ready()`.
    pub fn ready(&self) -> bool {
        self.slot.lock().is_some()
    }

    /// `Some(true)` if the task finished with a result, `Some(false)` if it
    /// failed, `None` while it has not finished. Python's `successful()` raises
    /// `ValueError` when not ready; here that is `None`.
    pub fn successful(&self) -> Option<bool> {
        self.slot.lock().as_ref().map(Result::is_ok)
    }

    /// Blocks until the task has finished. Python: `wait()`.
    pub fn wait(&self) {
        self.wait_deadline(None);
    }

    /// Blocks until the task has finished or `timeout` has passed, and says
    /// whether it finished. Python: `wait(timeout)` (which returns nothing).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_deadline(Instant::now().checked_add(timeout))
    }

    /// Waits for the task and returns its result, or the error that took its
    /// place. Python: `get()`, which re-raises the task's exception.
    pub fn get(self) -> Result<R, TaskError> {
        self.wait();
        self.take()
    }

    /// Like [`get`](Self::get), but gives up after `timeout` with a
    /// [`TaskErrorKind::TimedOut`] error. The task is not stopped: it still runs
    /// and its callbacks still fire, only its result is no longer wanted here.
    /// To wait without giving up the handle, use [`wait_timeout`](Self::wait_timeout)
    /// and then `get`. Python: `get(timeout)`, which raises `TimeoutError`.
    pub fn get_timeout(self, timeout: Duration) -> Result<R, TaskError> {
        if self.wait_timeout(timeout) {
            self.take()
        } else {
            Err(TaskError::new(
                0,
                TaskErrorKind::TimedOut,
                format!("no result after {timeout:?}; the task keeps running"),
            ))
        }
    }

    fn take(self) -> Result<R, TaskError> {
        match self.slot.lock().take() {
            Some(outcome) => outcome,
            None => unreachable!("take is called once the outcome is stored"),
        }
    }

    /// Waits until ready or `deadline`; returns whether ready.
    fn wait_deadline(&self, deadline: Option<Instant>) -> bool {
        // Waiting on one of this pool's own workers: run queued tasks while
        // waiting, since the awaited task may be queued behind this very thread.
        let helper = self.pool.upgrade().filter(|pool| pool.is_current_worker());
        if helper.is_none() && deadline.is_none() {
            // A short task ends within microseconds: watch before sleeping.
            let watched = spin_until(|| {
                let outcome = self.slot.outcome.try_lock().ok()?;
                outcome.is_some().then_some(())
            });
            if watched.is_some() {
                return true;
            }
        }
        let mut outcome = self.slot.lock();
        loop {
            if outcome.is_some() {
                return true;
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return false;
            }
            if let Some(pool) = &helper {
                drop(outcome);
                if !pool.run_one_queued() {
                    let pause = Duration::from_millis(1);
                    let _ = self.slot.ready.wait_timeout(self.slot.lock(), pause);
                }
                outcome = self.slot.lock();
                continue;
            }
            outcome = match deadline {
                None => self
                    .slot
                    .ready
                    .wait(outcome)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(d) => {
                    self.slot
                        .ready
                        .wait_timeout(outcome, d - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }
}

impl<R> fmt::Debug for AsyncResult<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncResult")
            .field("ready", &self.ready())
            .finish_non_exhaustive()
    }
}

/// The queued half of an `apply_async`: the function, and what to do with its outcome.
pub(super) struct ApplyTask<R, F> {
    f: F,
    completion: Completion<R>,
}

/// Stores the outcome and runs the callbacks, exactly once. If it is dropped
/// without an outcome (a bug, or a panic in the pool's own code), the task
/// counts as discarded rather than leaving `get` waiting forever.
struct Completion<R> {
    slot: Arc<Slot<R>>,
    callbacks: Callbacks<R>,
    done: bool,
}

impl<R> Completion<R> {
    fn complete(&mut self, mut outcome: Result<R, TaskError>) {
        self.done = true;
        let callbacks = std::mem::take(&mut self.callbacks);
        let ran = catch_unwind(AssertUnwindSafe(|| match &outcome {
            Ok(value) => callbacks.callback.map(|f| f(value)),
            Err(error) => callbacks.error_callback.map(|f| f(error)),
        }));
        if let Err(payload) = ran {
            let message = format!("a callback panicked: {}", panic_message(&*payload));
            outcome = Err(TaskError::new(0, TaskErrorKind::Panicked, message));
        }
        *self.slot.lock() = Some(outcome);
        self.slot.ready.notify_all();
    }
}

impl<R> Drop for Completion<R> {
    fn drop(&mut self) {
        if !self.done {
            self.complete(Err(TaskError::terminated(0)));
        }
    }
}

/// Builds the queued task and the handle that waits for it.
pub(super) fn pair<R, F>(
    shared: &Arc<Shared>,
    f: F,
    callbacks: Callbacks<R>,
) -> (ApplyTask<R, F>, AsyncResult<R>) {
    let slot = Arc::new(Slot {
        outcome: Mutex::new(None),
        ready: Condvar::new(),
    });
    let task = ApplyTask {
        f,
        completion: Completion {
            slot: slot.clone(),
            callbacks,
            done: false,
        },
    };
    let handle = AsyncResult {
        slot,
        pool: Arc::downgrade(shared),
    };
    (task, handle)
}

impl<R, F> Task for ApplyTask<R, F>
where
    R: Send,
    F: FnOnce() -> R + Send,
{
    fn run(self: Box<Self>) {
        let ApplyTask { f, mut completion } = *self;
        let outcome =
            catch_unwind(AssertUnwindSafe(f)).map_err(|payload| TaskError::panicked(0, &*payload));
        completion.complete(outcome);
    }

    fn discard(self: Box<Self>, why: TaskErrorKind) {
        let mut completion = self.completion;
        completion.complete(Err(match why {
            TaskErrorKind::PoolClosed => TaskError::pool_closed(0),
            _ => TaskError::terminated(0),
        }));
    }
}
