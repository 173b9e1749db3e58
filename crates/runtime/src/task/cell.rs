//! The result cell of one task: [`AsyncResult`], the handle `apply_async`
//! returns, and [`Completion`], the half that fills it.
//!
//! One allocation shared by both halves: a mutex around the outcome and a
//! condition variable to sleep on. Filling takes the lock once and signals
//! only if someone sleeps (a signal costs a system call even when nobody
//! does); `get` takes it once more.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::callbacks::Callbacks;
use super::error::{TaskError, TaskErrorKind};
use crate::sync::{Unpoison, spin_until};

/// A pool whose own workers may wait for a result of that same pool: such a
/// waiter runs queued tasks instead of blocking, since the task it waits for
/// may be queued behind it. The thread pool is one; a process pool's tasks
/// never run on the parent's threads, so it needs none.
pub(crate) trait Helper: Send + Sync {
    /// Whether the calling thread is one of the pool's workers.
    fn is_current_worker(&self) -> bool;
    /// Runs one queued task on the calling thread; false if none was queued.
    fn run_one_queued(&self) -> bool;
}

struct State<R> {
    outcome: Option<Result<R, TaskError>>,
    /// Threads asleep on `ready`.
    sleepers: usize,
}

struct Cell<R> {
    state: Mutex<State<R>>,
    ready: Condvar,
}

impl<R> Cell<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        self.state.lock().unpoisoned()
    }
}

/// The handle to a task submitted with `apply_async` on either pool: mirrors
/// `multiprocessing.pool.AsyncResult`, which Python's `Pool` and `ThreadPool`
/// share too.
///
/// It costs one allocation (shared with whoever completes the task) and a
/// lock taken twice: once to store the outcome, once by `get`. A wait on a
/// thread pool's result watches for up to 50 µs before it sleeps (such a
/// result usually comes within microseconds); a process pool's takes a pipe
/// round trip, so its waiter sleeps at once.
pub struct AsyncResult<R> {
    cell: Arc<Cell<R>>,
    pool: Option<Weak<dyn Helper>>,
}

impl<R> AsyncResult<R> {
    /// Whether the task has finished (returned, failed or been discarded).
    /// Python: `ready()`.
    pub fn ready(&self) -> bool {
        self.cell.lock().outcome.is_some()
    }

    /// `Some(true)` if the task finished with a result, `Some(false)` if it
    /// failed, `None` while it has not finished. Python's `successful()` raises
    /// `ValueError` when not ready; here that is `None`.
    pub fn successful(&self) -> Option<bool> {
        self.cell.lock().outcome.as_ref().map(Result::is_ok)
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
    /// place. Python: `get()`, which re-raises the task's exception. Never
    /// hangs on a dead worker: a broken process pool fails every pending
    /// result with [`TaskErrorKind::BrokenPool`].
    pub fn get(self) -> Result<R, TaskError> {
        self.wait();
        self.take()
    }

    /// Like [`get`](Self::get), but gives up after `timeout` with a
    /// [`TaskErrorKind::TimedOut`] error. The task is not stopped: it still
    /// runs and its callbacks still fire, only its result is no longer wanted
    /// here. To wait without giving up the handle, use
    /// [`wait_timeout`](Self::wait_timeout) and then `get`. Python:
    /// `get(timeout)`, which raises `TimeoutError`.
    pub fn get_timeout(self, timeout: Duration) -> Result<R, TaskError> {
        if self.wait_timeout(timeout) {
            self.take()
        } else {
            Err(TaskError::timed_out(timeout))
        }
    }

    fn take(self) -> Result<R, TaskError> {
        match self.cell.lock().outcome.take() {
            Some(outcome) => outcome,
            None => unreachable!("take is called once the outcome is stored"),
        }
    }

    /// Waits until ready or `deadline`; returns whether ready.
    fn wait_deadline(&self, deadline: Option<Instant>) -> bool {
        let pool = self.pool.as_ref().and_then(Weak::upgrade);
        // Waiting on one of the pool's own workers: run queued tasks while
        // waiting, since the awaited task may be queued behind this very thread.
        let helper = pool.filter(|pool| pool.is_current_worker());
        if self.pool.is_some() && helper.is_none() && deadline.is_none() {
            // A short task on a thread pool ends within microseconds: watch
            // before sleeping.
            let watched = spin_until(|| {
                let state = self.cell.state.try_lock().ok()?;
                state.outcome.is_some().then_some(())
            });
            if watched.is_some() {
                return true;
            }
        }
        let mut state = self.cell.lock();
        loop {
            if state.outcome.is_some() {
                return true;
            }
            let now = Instant::now();
            if deadline.is_some_and(|d| now >= d) {
                return false;
            }
            if let Some(pool) = &helper {
                drop(state);
                if !pool.run_one_queued() {
                    let pause = Duration::from_millis(1);
                    state = self.cell.lock();
                    if state.outcome.is_none() {
                        state.sleepers += 1;
                        state = self.cell.ready.wait_timeout(state, pause).unpoisoned().0;
                        state.sleepers -= 1;
                    }
                    continue;
                }
                state = self.cell.lock();
                continue;
            }
            state.sleepers += 1;
            state = match deadline {
                None => self.cell.ready.wait(state).unpoisoned(),
                Some(d) => self.cell.ready.wait_timeout(state, d - now).unpoisoned().0,
            };
            state.sleepers -= 1;
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

/// The half of an `apply_async` that whoever runs the task holds: it runs the
/// callbacks and stores the outcome, exactly once. If it is dropped without an
/// outcome (the task was thrown away unrun), the task counts as terminated
/// rather than leaving `get` waiting forever.
pub(crate) struct Completion<R> {
    cell: Arc<Cell<R>>,
    callbacks: Option<Callbacks<R>>,
}

impl<R> Completion<R> {
    /// Runs the callback that fits `outcome` (see [`Callbacks`] for the rule
    /// when it panics), then stores the outcome and wakes whoever waits.
    pub(crate) fn complete(mut self, outcome: Result<R, TaskError>) {
        self.settle(outcome);
    }

    /// Completes it with the error of a task thrown away: `why` is
    /// [`TaskErrorKind::PoolClosed`] for a refused one, else it was terminated.
    pub(crate) fn discard(self, why: TaskErrorKind) {
        self.complete(Err(match why {
            TaskErrorKind::PoolClosed => TaskError::pool_closed(0),
            _ => TaskError::terminated(0),
        }));
    }

    fn settle(&mut self, outcome: Result<R, TaskError>) {
        let Some(callbacks) = self.callbacks.take() else {
            return;
        };
        callbacks.run(&outcome);
        let mut state = self.cell.lock();
        state.outcome = Some(outcome);
        let wake = state.sleepers > 0;
        drop(state);
        if wake {
            self.cell.ready.notify_all();
        }
    }
}

impl<R> Drop for Completion<R> {
    fn drop(&mut self) {
        self.settle(Err(TaskError::terminated(0)));
    }
}

/// A fresh result cell: the half that completes it and the handle that
/// waits for it. `pool` is the thread pool the task runs on, if its own
/// workers may wait for it (see [`Helper`]).
pub(crate) fn pair<R>(
    callbacks: Callbacks<R>,
    pool: Option<Weak<dyn Helper>>,
) -> (Completion<R>, AsyncResult<R>) {
    let cell = Arc::new(Cell {
        state: Mutex::new(State {
            outcome: None,
            sleepers: 0,
        }),
        ready: Condvar::new(),
    });
    let completion = Completion {
        cell: cell.clone(),
        callbacks: Some(callbacks),
    };
    (completion, AsyncResult { cell, pool })
}
