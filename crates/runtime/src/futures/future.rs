//! The future's state machine: a task's outcome, who waits for it, and what
//! runs when it arrives.
//!
//! ```text
//!            start (a worker takes it)          complete
//!  Pending ─────────────────────────> Running ───────────┐
//!     │                                                   v
//!     │ cancel (only from Pending)              Completing: callbacks run,
//!     └────────────────────────────────────────> with the outcome in hand
//!                                                         │ outcome stored,
//!                                                         v waiters woken
//!                                               Finished / Cancelled
//! ```
//!
//! One mutex guards everything; the outcome is stored once and never changes.
//! Callbacks run exactly once, on whichever thread completes the future (or, if
//! added after that, on the thread that adds them), never under the lock.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::wait::{AnyFuture, Waiter, Watch};
use crate::process::{TaskState, Ticket};
use crate::sync::{AtomicBool, Condvar, Mutex, MutexGuard, Ordering, Unpoison, wait_once};
use crate::task::{TaskError, TaskErrorKind, run_caught};

type Callback<T> = Box<dyn FnOnce(Result<&T, &TaskError>) + Send>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Pending,
    Running,
    /// The outcome is known and the callbacks are running; `cancelled` says
    /// which final phase follows.
    Completing {
        cancelled: bool,
    },
    Finished,
    Cancelled,
}

impl Phase {
    fn is_final(self) -> bool {
        matches!(self, Phase::Finished | Phase::Cancelled)
    }
}

struct State<T> {
    phase: Phase,
    /// Set when the phase becomes final; out only while `lent` (see
    /// `add_done_callback`) or after `into_result` took it.
    outcome: Option<Result<T, TaskError>>,
    /// The outcome is out, lent to a callback added after completion.
    lent: bool,
    /// The outcome is an exception (an error other than cancellation).
    failed: bool,
    callbacks: Vec<Callback<T>>,
    /// `wait` and `as_completed` calls watching this future, with the position
    /// this future has in each.
    waiters: Vec<(Arc<Waiter>, usize)>,
    /// Threads blocked on `changed`: a completion signals only if there are any,
    /// since a signal costs a system call even when nobody sleeps.
    sleepers: usize,
    /// Process executor: where the task is in the process pool, and the way to
    /// cancel it there.
    ticket: Option<Ticket>,
}

/// What a future and its completer share.
pub(crate) struct Inner<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
    /// Mirrors "the phase is final", for a lock-free `done()` and for watching
    /// before sleeping.
    settled: AtomicBool,
}

impl<T> Inner<T> {
    fn new() -> Self {
        Inner {
            state: Mutex::new(State {
                phase: Phase::Pending,
                outcome: None,
                lent: false,
                failed: false,
                callbacks: Vec::new(),
                waiters: Vec::new(),
                sleepers: 0,
                ticket: None,
            }),
            changed: Condvar::new(),
            settled: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Callbacks and tasks never run under this lock, so it is never poisoned
        // by them; if it were, the state is still consistent at every unlock.
        self.state.lock().unpoisoned()
    }

    /// Pending -> Running. False if the future was cancelled (or has already
    /// started or finished): then the task must not run.
    fn start(&self) -> bool {
        let mut s = self.lock();
        if s.phase == Phase::Pending {
            s.phase = Phase::Running;
            true
        } else {
            false
        }
    }

    /// Stores the outcome of a task that was pending or running. False if the
    /// future was already cancelled or completed (the outcome is dropped).
    fn complete(&self, outcome: Result<T, TaskError>) -> bool {
        let mut s = self.lock();
        if !matches!(s.phase, Phase::Pending | Phase::Running) {
            return false;
        }
        s.phase = Phase::Completing { cancelled: false };
        self.settle(s, outcome);
        true
    }

    /// Pending -> Cancelled (through Completing, for the callbacks).
    fn cancel(&self) -> bool {
        let s = self.lock();
        match s.phase {
            Phase::Cancelled | Phase::Completing { cancelled: true } => true,
            Phase::Pending => self.cancel_pending(s),
            _ => false,
        }
    }

    /// Cancels a future the caller found pending, unless its process-pool
    /// ticket says a worker already has the task.
    fn cancel_pending<'a>(&'a self, mut s: MutexGuard<'a, State<T>>) -> bool {
        if let Some(ticket) = &s.ticket
            && !ticket.cancel()
        {
            return false;
        }
        s.phase = Phase::Completing { cancelled: true };
        self.settle(s, Err(TaskError::cancelled()));
        true
    }

    /// Runs the callbacks with the outcome in hand (those added meanwhile too),
    /// then stores it, makes the phase final and wakes everyone waiting.
    fn settle<'a>(&'a self, mut s: MutexGuard<'a, State<T>>, outcome: Result<T, TaskError>) {
        let cancelled = s.phase == Phase::Completing { cancelled: true };
        loop {
            let callbacks = std::mem::take(&mut s.callbacks);
            if callbacks.is_empty() {
                break;
            }
            drop(s);
            for callback in callbacks {
                run_callback(callback, &outcome);
            }
            s = self.lock();
        }
        let failed = matches!(&outcome, Err(e) if e.is_exception());
        s.failed = failed;
        s.outcome = Some(outcome);
        s.phase = if cancelled {
            Phase::Cancelled
        } else {
            Phase::Finished
        };
        self.settled.store(true, Ordering::Release);
        let waiters = std::mem::take(&mut s.waiters);
        if s.sleepers > 0 {
            self.changed.notify_all();
        }
        drop(s);
        for (waiter, index) in waiters {
            waiter.arrive(index, failed);
        }
    }

    fn add_done_callback(&self, callback: Callback<T>) {
        let mut s = self.lock();
        loop {
            if !s.phase.is_final() {
                s.callbacks.push(callback);
                return;
            }
            if !s.lent {
                break;
            }
            s = self.sleep(s, None).0;
        }
        // Done: run it here and now, with the outcome lent out of the state so
        // that the callback runs without the lock held.
        let Some(outcome) = s.outcome.take() else {
            unreachable!("a final future keeps its outcome while handles to it exist")
        };
        s.lent = true;
        drop(s);
        run_callback(callback, &outcome);
        let mut s = self.lock();
        s.outcome = Some(outcome);
        s.lent = false;
        if s.sleepers > 0 {
            self.changed.notify_all();
        }
    }

    /// Blocks until the phase is final and the outcome is in place, or until
    /// `deadline`; returns the locked state, or `None` at the deadline.
    fn wait_settled(&self, deadline: Option<Instant>) -> Option<MutexGuard<'_, State<T>>> {
        // A short task ends within microseconds: watch before sleeping.
        #[cfg(not(loom))]
        if !self.settled.load(Ordering::Acquire) {
            crate::sync::spin_until(|| self.settled.load(Ordering::Acquire).then_some(()));
        }
        let ready = |s: &State<T>| s.phase.is_final() && !s.lent;
        let mut s = self.lock();
        while !ready(&s) {
            let (next, timed_out) = self.sleep(s, deadline);
            s = next;
            if timed_out && !ready(&s) {
                return None;
            }
        }
        Some(s)
    }

    /// Waits on `changed` once (until `deadline`, if any); says whether the
    /// deadline has passed.
    fn sleep<'a>(
        &'a self,
        mut s: MutexGuard<'a, State<T>>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, State<T>>, bool) {
        s.sleepers += 1;
        let (mut s, timed_out) = wait_once(&self.changed, s, deadline);
        s.sleepers -= 1;
        (s, timed_out)
    }

    fn is_settled(&self) -> bool {
        self.settled.load(Ordering::Acquire)
    }
}

/// Runs one callback under the runtime's rule: a panic in it is caught,
/// reported on stderr (as Python logs an exception raised by a done-callback)
/// and goes no further.
fn run_callback<T>(callback: Callback<T>, outcome: &Result<T, TaskError>) {
    run_caught("a future's done-callback", || callback(outcome.as_ref()));
}

impl<T> Watch for Inner<T> {
    fn register(&self, waiter: &Arc<Waiter>, index: usize) -> Option<bool> {
        let mut s = self.lock();
        if s.phase.is_final() {
            return Some(s.failed);
        }
        s.waiters.push((waiter.clone(), index));
        None
    }

    fn unregister(&self, waiter: &Arc<Waiter>) {
        let mut s = self.lock();
        s.waiters.retain(|(w, _)| !Arc::ptr_eq(w, waiter));
    }
}

/// The handle to a submitted task and, once it ends, its result: mirrors
/// Python's `concurrent.futures.Future`. (Named so, not `Future`, because
/// `std::future::Future` — the trait of `async` code — is in every Rust
/// prelude; this is a blocking handle, not something to `.await`.)
///
/// A future is *pending* until a worker takes its task, then *running*, then
/// *done*: finished with a value or an error, or cancelled. The outcome is
/// stored once, and `result()` can be asked as often as you like, as in
/// Python. Costs one allocation (shared with the worker that completes it), a
/// lock taken once by the worker and once per query; waiting watches the
/// future for up to 50 µs before sleeping on a condition variable.
///
/// ```
/// use std::time::Duration;
/// use runtime::futures::{TaskErrorKind, ThreadExecutor};
///
/// let executor = ThreadExecutor::new(2).expect("start worker threads");
/// let future = executor.submit(|| 6 * 7);
/// future.add_done_callback(|outcome| println!("done: {outcome:?}"));
/// assert_eq!(future.result(), Ok(42));
/// assert!(future.done() && !future.cancelled());
///
/// let slow = executor.submit(|| std::thread::sleep(Duration::from_millis(200)));
/// let late = slow.result_timeout(Duration::from_millis(1)).unwrap_err();
/// assert_eq!(late.kind(), TaskErrorKind::TimedOut); // the task goes on
/// ```
///
/// A future is not `Clone`: it has one owner, who may move its value out with
/// [`into_result`](Self::into_result). Share it by reference (`&TaskFuture`
/// is `Send` and `Sync`) or in an `Arc`.
pub struct TaskFuture<T> {
    inner: Arc<Inner<T>>,
}

impl<T> TaskFuture<T> {
    /// A new pending future and the [`Completer`] that will settle it: the
    /// two halves an executor creates for every task (Python's `Future()`
    /// constructor, "for use by executor implementations and tests").
    pub fn pending() -> (TaskFuture<T>, Completer<T>) {
        let inner = Arc::new(Inner::new());
        let completer = Completer {
            inner: Some(inner.clone()),
        };
        (TaskFuture { inner }, completer)
    }

    /// A future that is already done, with `error`.
    pub(crate) fn failed(error: TaskError) -> Self {
        let (future, completer) = Self::pending();
        completer.set_exception(error);
        future
    }

    /// Process executor: ties this pending future to its task's ticket, so
    /// that `cancel` and `running` ask the process pool.
    pub(crate) fn attach_ticket(&self, ticket: Ticket) {
        self.inner.lock().ticket = Some(ticket);
    }

    pub(crate) fn downgrade(&self) -> Weak<Inner<T>> {
        Arc::downgrade(&self.inner)
    }

    /// Whether the task ended (with a value or an error) or was cancelled.
    /// Never blocks: one atomic load. Python: `done()`.
    pub fn done(&self) -> bool {
        self.inner.is_settled()
    }

    /// Whether a worker has the task and it is not done yet. Python:
    /// `running()`. On a process executor a task counts as running from the
    /// moment it is written to a worker's pipe, even if it waits there behind
    /// the worker's current task: as in Python, where a task is running once it
    /// is in the call queue, it can no longer be cancelled.
    pub fn running(&self) -> bool {
        let s = self.inner.lock();
        match s.phase {
            Phase::Running | Phase::Completing { cancelled: false } => true,
            Phase::Pending => s
                .ticket
                .as_ref()
                .is_some_and(|t| t.state() == TaskState::Running),
            _ => false,
        }
    }

    /// Whether the future was cancelled. Python: `cancelled()`.
    pub fn cancelled(&self) -> bool {
        self.inner.lock().phase == Phase::Cancelled
    }

    /// Cancels the task if it has not started: it will never run, the future
    /// is done with [`TaskErrorKind::Cancelled`](super::TaskErrorKind::Cancelled), and the callbacks run (on
    /// this thread) before `cancel` returns. Returns `false` if the task is
    /// running or done — a started task cannot be stopped — and `true` if it
    /// is cancelled (now or before). Python: `cancel()`.
    pub fn cancel(&self) -> bool {
        self.inner.cancel()
    }

    /// Waits for the task and returns a copy of its result, or the error that
    /// took its place (the task's error or panic, cancellation, a broken
    /// executor). Ask as often as you like. Python: `result()`, which returns
    /// the same object every time and re-raises the task's exception.
    ///
    /// For a value that is not `Clone`, or too big to copy, use
    /// [`into_result`](Self::into_result).
    pub fn result(&self) -> Result<T, TaskError>
    where
        T: Clone,
    {
        let s = self.inner.wait_settled(None).expect("no deadline");
        stored(&s).clone()
    }

    /// Like [`result`](Self::result), but gives up after `timeout` with a
    /// [`TaskErrorKind::TimedOut`](super::TaskErrorKind::TimedOut) error, leaving the future as it was (ask
    /// again later). The task is not stopped. Python: `result(timeout)`.
    pub fn result_timeout(&self, timeout: Duration) -> Result<T, TaskError>
    where
        T: Clone,
    {
        let deadline = Instant::now().checked_add(timeout);
        match self.inner.wait_settled(deadline) {
            Some(s) => stored(&s).clone(),
            None => Err(TaskError::timed_out(timeout)),
        }
    }

    /// Waits for the task and moves its result out of the future, which is
    /// used up. No `Clone` needed.
    pub fn into_result(self) -> Result<T, TaskError> {
        let mut s = self.inner.wait_settled(None).expect("no deadline");
        match s.outcome.take() {
            Some(outcome) => outcome,
            None => unreachable!("a settled future holds its outcome until it is taken"),
        }
    }

    /// Waits for the task and returns its error, or `None` if it succeeded.
    /// A cancelled future gives its [`TaskErrorKind::Cancelled`](super::TaskErrorKind::Cancelled) error.
    /// Python: `exception()` (which raises `CancelledError` instead).
    pub fn exception(&self) -> Option<TaskError> {
        let s = self.inner.wait_settled(None).expect("no deadline");
        stored(&s).as_ref().err().cloned()
    }

    /// Runs `callback` with the outcome when the future is done — with the
    /// value or the error, including [`TaskErrorKind::Cancelled`](super::TaskErrorKind::Cancelled). Python:
    /// `add_done_callback(fn)`, which passes the future itself.
    ///
    /// Each callback runs exactly once, in the order added. Added before the
    /// future is done, it runs on the thread that completes it (a worker, or
    /// the thread that cancels it), *before* `done()` turns true and before
    /// `result()` and `as_completed` see the outcome; so keep it short, as it
    /// holds up that worker. Added after, it runs at once on this thread. A
    /// callback that panics is reported on stderr and changes nothing else.
    pub fn add_done_callback(
        &self,
        callback: impl FnOnce(Result<&T, &TaskError>) + Send + 'static,
    ) {
        self.inner.add_done_callback(Box::new(callback));
    }

    /// How many callbacks wait for this future to finish: added with
    /// [`add_done_callback`](Self::add_done_callback), not run yet. (Python's
    /// `Future` keeps them in a private list.) A test finishing futures in a
    /// chosen order waits for this, not for a sleep, to know they are heard.
    pub fn callbacks_waiting(&self) -> usize {
        self.inner.lock().callbacks.len()
    }
}

/// The outcome of a settled future, which holds it while a handle exists.
fn stored<T>(s: &State<T>) -> &Result<T, TaskError> {
    match &s.outcome {
        Some(outcome) => outcome,
        None => unreachable!("a settled future holds its outcome while handles to it exist"),
    }
}

impl<T> AnyFuture for TaskFuture<T> {
    fn done(&self) -> bool {
        TaskFuture::done(self)
    }
    fn running(&self) -> bool {
        TaskFuture::running(self)
    }
    fn cancelled(&self) -> bool {
        TaskFuture::cancelled(self)
    }
    fn cancel(&self) -> bool {
        TaskFuture::cancel(self)
    }
    fn watch(&self) -> &dyn Watch {
        &*self.inner
    }
}

impl<T> fmt::Debug for TaskFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.inner.lock();
        let state = match s.phase {
            Phase::Pending if ticket_running(&s) => "running",
            Phase::Pending => "pending",
            Phase::Running | Phase::Completing { .. } => "running",
            Phase::Finished if s.failed => "finished (error)",
            Phase::Finished => "finished",
            Phase::Cancelled => "cancelled",
        };
        write!(f, "TaskFuture({state})")
    }
}

fn ticket_running<T>(s: &State<T>) -> bool {
    s.ticket
        .as_ref()
        .is_some_and(|t| t.state() == TaskState::Running)
}

/// The executor's half of a [`TaskFuture`]: whoever runs the task holds it,
/// and uses it once to settle the future. Python's executor-facing methods of
/// `Future` (`set_running_or_notify_cancel`, `set_result`, `set_exception`).
///
/// Dropped without settling the future (the task was thrown away), it cancels
/// a pending future, and fails a running one with [`TaskErrorKind::Terminated`](super::TaskErrorKind::Terminated):
/// nobody waits forever.
///
/// ```
/// use runtime::futures::TaskFuture;
///
/// let (future, completer) = TaskFuture::pending();
/// let worker = std::thread::spawn(move || {
///     if completer.set_running_or_notify_cancel() {
///         completer.set_result("hello");
///     }
/// });
/// assert_eq!(future.result(), Ok("hello"));
/// worker.join().unwrap();
/// ```
pub struct Completer<T> {
    inner: Option<Arc<Inner<T>>>,
}

impl<T> Completer<T> {
    /// Marks the task as started, unless the future was cancelled: `true`
    /// means run the task now, `false` means it was cancelled and must not
    /// run. Python: `set_running_or_notify_cancel()`.
    pub fn set_running_or_notify_cancel(&self) -> bool {
        self.inner.as_ref().is_some_and(|inner| inner.start())
    }

    /// Settles the future with the task's value. Python: `set_result`.
    pub fn set_result(self, value: T) {
        self.complete(Ok(value));
    }

    /// Settles the future with an error. Python: `set_exception`.
    pub fn set_exception(self, error: TaskError) {
        self.complete(Err(error));
    }

    /// Settles the future with `outcome`, running its callbacks on this thread
    /// and waking whoever waits. Returns `false` (and drops `outcome`) if the
    /// future was cancelled meanwhile.
    pub fn complete(mut self, outcome: Result<T, TaskError>) -> bool {
        match self.inner.take() {
            Some(inner) => inner.complete(outcome),
            None => false,
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        let s = inner.lock();
        match s.phase {
            Phase::Pending => {
                // The task was thrown away unrun (shutdown with cancel_futures):
                // that is a cancellation. Its ticket, if any, is moot.
                let mut s = s;
                s.ticket = None;
                inner.cancel_pending(s);
            }
            Phase::Running => {
                drop(s);
                inner.complete(Err(TaskError::new(
                    TaskErrorKind::Terminated,
                    "the task's runner went away before the task finished",
                )));
            }
            _ => {}
        }
    }
}

impl<T> fmt::Debug for Completer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completer").finish_non_exhaustive()
    }
}

/// What a process executor keeps of each future it may have to cancel at
/// shutdown, whatever the future's value type.
pub(crate) trait Cancellable: Send + Sync {
    /// Cancels the future if it is still pending.
    fn cancel_if_pending(&self) -> bool;
    fn is_settled(&self) -> bool;
}

impl<T: Send> Cancellable for Inner<T> {
    fn cancel_if_pending(&self) -> bool {
        let s = self.lock();
        s.phase == Phase::Pending && self.cancel_pending(s)
    }
    fn is_settled(&self) -> bool {
        Inner::is_settled(self)
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<TaskFuture<Vec<u8>>>();
    check::<Completer<Vec<u8>>>();
}
