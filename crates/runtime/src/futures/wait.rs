//! Waiting on many futures at once: `as_completed` and `wait`.
//!
//! Both install one [`Waiter`] on every future they watch (Python installs a
//! `_Waiter` the same way). A future that completes tells each of its waiters
//! its position, so a waiter learns the order in which futures finished
//! without polling any of them. Costs per call: one allocation for the waiter,
//! and a lock of each future to register and, at the end, to unregister.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::sync::{Condvar, Mutex, MutexGuard, Unpoison, wait_once};
use crate::task::{TaskError, TaskErrorKind};

/// Any future, whatever its result type: what [`as_completed`] and [`wait`]
/// accept. Implemented by [`TaskFuture<T>`](super::TaskFuture) for every `T`,
/// and by references and boxes of anything that implements it, so you can pass
/// `&futures`, `futures` itself, or a `Vec<&dyn AnyFuture>` mixing result types
/// and executors.
pub trait AnyFuture {
    /// See [`TaskFuture::done`](super::TaskFuture::done).
    fn done(&self) -> bool;
    /// See [`TaskFuture::running`](super::TaskFuture::running).
    fn running(&self) -> bool;
    /// See [`TaskFuture::cancelled`](super::TaskFuture::cancelled).
    fn cancelled(&self) -> bool;
    /// See [`TaskFuture::cancel`](super::TaskFuture::cancel).
    fn cancel(&self) -> bool;
    /// The part `wait` and `as_completed` register with (not for users).
    #[doc(hidden)]
    fn watch(&self) -> &dyn Watch;
}

impl<F: AnyFuture + ?Sized> AnyFuture for &F {
    fn done(&self) -> bool {
        (**self).done()
    }
    fn running(&self) -> bool {
        (**self).running()
    }
    fn cancelled(&self) -> bool {
        (**self).cancelled()
    }
    fn cancel(&self) -> bool {
        (**self).cancel()
    }
    fn watch(&self) -> &dyn Watch {
        (**self).watch()
    }
}

impl<F: AnyFuture + ?Sized> AnyFuture for Box<F> {
    fn done(&self) -> bool {
        (**self).done()
    }
    fn running(&self) -> bool {
        (**self).running()
    }
    fn cancelled(&self) -> bool {
        (**self).cancelled()
    }
    fn cancel(&self) -> bool {
        (**self).cancel()
    }
    fn watch(&self) -> &dyn Watch {
        (**self).watch()
    }
}

/// How a future lets a waiter watch it. Public only so [`AnyFuture`] can name
/// it; it lives in a private module and cannot be implemented outside this crate.
pub trait Watch {
    /// Registers `waiter` under `index`; if the future is already done, registers
    /// nothing and says whether it failed.
    fn register(&self, waiter: &Arc<Waiter>, index: usize) -> Option<bool>;
    /// Removes `waiter`, if registered.
    fn unregister(&self, waiter: &Arc<Waiter>);
}

/// One `wait` or `as_completed` call: the positions of the futures that finished,
/// in the order they finished.
pub struct Waiter {
    state: Mutex<WaiterState>,
    arrived: Condvar,
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter").finish_non_exhaustive()
    }
}

struct WaiterState {
    finished: VecDeque<usize>,
    failures: usize,
    sleeping: bool,
}

impl Waiter {
    fn new() -> Arc<Self> {
        Arc::new(Waiter {
            state: Mutex::new(WaiterState {
                finished: VecDeque::new(),
                failures: 0,
                sleeping: false,
            }),
            arrived: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, WaiterState> {
        self.state.lock().unpoisoned()
    }

    /// Called by a future as it settles (never with its own lock held).
    pub(crate) fn arrive(&self, index: usize, failed: bool) {
        let mut s = self.lock();
        s.finished.push_back(index);
        s.failures += usize::from(failed);
        if s.sleeping {
            self.arrived.notify_one();
        }
    }

    /// Sleeps until something arrives or `deadline`; says whether the deadline passed.
    fn sleep<'a>(
        &'a self,
        mut s: MutexGuard<'a, WaiterState>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, WaiterState>, bool) {
        s.sleeping = true;
        let (mut s, timed_out) = wait_once(&self.arrived, s, deadline);
        s.sleeping = false;
        (s, timed_out)
    }
}

/// Yields each future as it finishes (or is cancelled): mirrors
/// `concurrent.futures.as_completed(fs, timeout)`.
///
/// Futures already done come first, in the order given; the others in the
/// order they finish, which depends on the tasks and the scheduler, not on the
/// order of submission. Each item is `Ok(future)`; look at its result with
/// [`TaskFuture::result`](super::TaskFuture::result) (or `into_result`, for owned futures).
///
/// With `timeout = Some(t)`, once `t` has passed since this call every
/// future not yet yielded comes out as an `Err` of kind
/// [`TimedOut`](super::TaskErrorKind::TimedOut), in the order given, and the
/// iteration ends: so it always yields exactly one item per future. (Python
/// raises one `TimeoutError` from `__next__` instead.) The late tasks are not
/// stopped; cancel them if you no longer want them.
///
/// Pass `&futures` to keep the futures, or `futures` to have them handed back
/// one by one. Costs one waiter for the whole call and, per future, a lock to
/// register with it and one to hear from it.
///
/// ```
/// use std::time::Duration;
/// use runtime::futures::{ThreadExecutor, as_completed};
///
/// let executor = ThreadExecutor::new(3).expect("start worker threads");
/// let futures: Vec<_> = [300_u64, 100, 200]
///     .into_iter()
///     .map(|ms| executor.submit(move || { std::thread::sleep(Duration::from_millis(ms)); ms }))
///     .collect();
/// let order: Vec<u64> = as_completed(futures, None)
///     .map(|f| f.expect("no timeout").into_result().expect("no task fails"))
///     .collect();
/// println!("{order:?}"); // [100, 200, 300] when the machine is not too busy
/// ```
pub fn as_completed<I>(futures: I, timeout: Option<Duration>) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: AnyFuture,
{
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let futures: Vec<Option<I::Item>> = futures.into_iter().map(Some).collect();
    let waiter = Waiter::new();
    let mut done_already = Vec::new();
    for (index, future) in futures.iter().enumerate() {
        if let Some(future) = future
            && future.watch().register(&waiter, index).is_some()
        {
            done_already.push(index);
        }
    }
    // Done already: first, in the order given.
    {
        let mut s = waiter.lock();
        let arrived_meanwhile = std::mem::take(&mut s.finished);
        s.finished.extend(done_already);
        s.finished.extend(arrived_meanwhile);
    }
    let remaining = futures.len();
    AsCompleted {
        futures,
        waiter,
        timeout,
        deadline,
        remaining,
        late: None,
    }
}

/// The iterator [`as_completed`] returns. Dropping it early unregisters it from
/// the futures it still watches.
pub struct AsCompleted<F: AnyFuture> {
    futures: Vec<Option<F>>,
    waiter: Arc<Waiter>,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    remaining: usize,
    /// After the deadline: the next position to hand out as late.
    late: Option<usize>,
}

impl<F: AnyFuture> AsCompleted<F> {
    fn take(&mut self, index: usize) -> Option<F> {
        let future = self.futures.get_mut(index)?.take()?;
        self.remaining -= 1;
        Some(future)
    }

    /// The deadline passed: stop listening, hand out what arrived until now,
    /// then the rest as late.
    fn give_up(&mut self) {
        for future in self.futures.iter().flatten() {
            future.watch().unregister(&self.waiter);
        }
        self.late = Some(0);
    }
}

impl<F: AnyFuture> Iterator for AsCompleted<F> {
    type Item = Result<F, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let mut s = self.waiter.lock();
            if let Some(index) = s.finished.pop_front() {
                drop(s);
                match self.take(index) {
                    Some(future) => return Some(Ok(future)),
                    None => continue, // already handed out as late
                }
            }
            if self.late.is_some() {
                break;
            }
            let (_s, timed_out) = self.waiter.sleep(s, self.deadline);
            if timed_out {
                drop(_s);
                self.give_up();
            }
        }
        let total = self.futures.len();
        let mut index = self.late.unwrap_or(0);
        while index < total {
            if let Some(future) = self.futures[index].take() {
                self.remaining -= 1;
                self.late = Some(index + 1);
                drop(future);
                let timeout = self.timeout.unwrap_or_default();
                return Some(Err(TaskError::new(
                    TaskErrorKind::TimedOut,
                    format!(
                        "future {index} of {total} (in the order given) is not done after {timeout:?}; \
                         the task keeps running"
                    ),
                )
                .with_index(index)));
            }
            index += 1;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<F: AnyFuture> ExactSizeIterator for AsCompleted<F> {}

impl<F: AnyFuture> Drop for AsCompleted<F> {
    fn drop(&mut self) {
        if self.late.is_none() {
            for future in self.futures.iter().flatten() {
                future.watch().unregister(&self.waiter);
            }
        }
    }
}

impl<F: AnyFuture> fmt::Debug for AsCompleted<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.remaining)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// When [`wait`] returns: mirrors the constants `FIRST_COMPLETED`,
/// `FIRST_EXCEPTION` and `ALL_COMPLETED` of `concurrent.futures`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// As soon as any future is done (finished or cancelled).
    FirstCompleted,
    /// As soon as any future fails (cancellation does not count); if none
    /// fails, when all are done, as `AllCompleted`.
    FirstException,
    /// When every future is done.
    AllCompleted,
}

/// What [`wait`] returns: the futures that were done when it returned, and the
/// others, each in the order given. Python's `DoneAndNotDoneFutures` named
/// tuple, with lists in place of sets.
#[derive(Debug)]
pub struct DoneAndNotDone<F> {
    /// The futures done when `wait` returned, in the order given.
    pub done: Vec<F>,
    /// The others, in the order given.
    pub not_done: Vec<F>,
}

/// Waits until `return_when` holds or `timeout` passes, and splits the
/// futures into done and not done: mirrors
/// `concurrent.futures.wait(fs, timeout, return_when)`.
///
/// Returns at once if the condition holds already (a future given done counts
/// for `FirstCompleted`). A timeout is not an error here, as in Python: look
/// at `not_done`. Pass `&futures` to keep the futures. Costs as [`as_completed`].
///
/// ```
/// use runtime::futures::{ReturnWhen, ThreadExecutor, wait};
///
/// let executor = ThreadExecutor::new(2).expect("start worker threads");
/// let futures = vec![
///     executor.submit_fallible(|| Err::<u32, _>("no route to host")),
///     executor.submit_fallible(|| Ok::<u32, &str>(7)),
/// ];
/// let waited = wait(&futures, None, ReturnWhen::FirstException);
/// assert!(waited.done.iter().any(|f| f.exception().is_some()));
/// let all = wait(&futures, None, ReturnWhen::AllCompleted);
/// assert_eq!((all.done.len(), all.not_done.len()), (2, 0));
/// ```
pub fn wait<I>(
    futures: I,
    timeout: Option<Duration>,
    return_when: ReturnWhen,
) -> DoneAndNotDone<I::Item>
where
    I: IntoIterator,
    I::Item: AnyFuture,
{
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let futures: Vec<I::Item> = futures.into_iter().collect();
    let total = futures.len();
    let waiter = Waiter::new();
    let (mut done, mut failures) = (0, 0);
    for (index, future) in futures.iter().enumerate() {
        if let Some(failed) = future.watch().register(&waiter, index) {
            done += 1;
            failures += usize::from(failed);
        }
    }
    let satisfied = |done: usize, failures: usize| match return_when {
        ReturnWhen::FirstCompleted => done >= 1 || total == 0,
        ReturnWhen::FirstException => failures >= 1 || done == total,
        ReturnWhen::AllCompleted => done == total,
    };
    let mut s = waiter.lock();
    loop {
        if satisfied(done + s.finished.len(), failures + s.failures) {
            break;
        }
        let (next, timed_out) = waiter.sleep(s, deadline);
        s = next;
        if timed_out {
            break;
        }
    }
    drop(s);
    for future in &futures {
        future.watch().unregister(&waiter);
    }
    let (done, not_done) = futures.into_iter().partition(|f| f.done());
    DoneAndNotDone { done, not_done }
}
