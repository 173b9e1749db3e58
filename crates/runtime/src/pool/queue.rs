//! The queue the workers share, and the loop each worker runs.
//!
//! One `VecDeque` of jobs under a `Mutex`, with a `Condvar` to sleep on. A
//! job is a boxed [`Job`]: a closure from `execute`, an `apply_async` task, a
//! chunk of `imap`, or a ticket into a shared `map` job. Queueing one costs
//! the box, a lock of the queue and, only if a worker sleeps, a wake-up system
//! call. An idle worker watches the queue's length for 50 µs before it sleeps,
//! so work that arrives in a steady stream finds it awake.
//!
//! The lock, the condition variable, the length and the worker threads come
//! from [`crate::sync`], so `tests/loom.rs` checks this protocol under loom.

use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicBool;

use crate::sync::{AtomicUsize, Condvar, Mutex, MutexGuard, Ordering, Unpoison, spin_until};
use crate::task::{Helper, PoolError, TaskErrorKind};

/// Something a worker takes from the queue and runs.
pub(super) trait Job: Send {
    /// Runs it. `stop` is set by `terminate`: a long job checks it between
    /// chunks of work.
    fn run(self: Box<Self>, stop: &AtomicBool);
    /// Drops it unrun, telling whoever waits on it why.
    fn discard(self: Box<Self>, why: TaskErrorKind);
    /// The `map` call this job is a ticket of, if it is one (see
    /// [`Shared::take_back`]).
    fn map_call(&self) -> Option<*const ()> {
        None
    }
}

/// A plain closure given to [`ThreadPool::execute`](super::ThreadPool::execute).
pub(super) struct Closure<F>(pub(super) F);

impl<F: FnOnce() + Send> Job for Closure<F> {
    fn run(self: Box<Self>, _stop: &AtomicBool) {
        (self.0)()
    }
    fn discard(self: Box<Self>, _why: TaskErrorKind) {}
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Phase {
    Running,
    Closed,
    Terminated,
}

pub(super) struct State {
    pub(super) queue: VecDeque<Box<dyn Job>>,
    pub(super) phase: Phase,
    /// Workers waiting on `work_ready`: a submit wakes one only if there is one,
    /// because waking costs a system call even when nobody sleeps.
    sleepers: usize,
}

/// What the pool's handle and its workers share.
pub(super) struct Shared {
    pub(super) id: usize,
    pub(super) workers: usize,
    state: Mutex<State>,
    work_ready: Condvar,
    /// Set by `terminate`: `map` participants stop claiming chunks.
    pub(super) stop: AtomicBool,
    /// The queue's length, written under the lock: an idle worker watches it
    /// for a moment before going to sleep, without taking the lock.
    queued: AtomicUsize,
}

#[cfg(not(loom))]
thread_local! {
    /// (pool id, worker index) of the pool worker running on this thread.
    static CURRENT_WORKER: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

// Loom runs its threads on one OS thread: a std thread-local would be shared.
#[cfg(loom)]
loom::thread_local! {
    static CURRENT_WORKER: Cell<Option<(usize, usize)>> = Cell::new(None);
}

/// The index of the pool worker running the calling thread (`0..workers`), or
/// `None` on a thread that is not a pool worker. Python's closest is
/// `multiprocessing.current_process().name`.
pub fn worker_index() -> Option<usize> {
    CURRENT_WORKER.with(Cell::get).map(|(_, index)| index)
}

static NEXT_POOL_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

impl Shared {
    pub(super) fn new(workers: usize) -> Self {
        Shared {
            id: NEXT_POOL_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            workers,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                phase: Phase::Running,
                sleepers: 0,
            }),
            work_ready: Condvar::new(),
            stop: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        // Tasks never run under this lock, so it is never poisoned by them.
        self.state.lock().unpoisoned()
    }

    /// Marks the calling thread as worker `index` of this pool.
    pub(super) fn enter_as_worker(&self, index: usize) {
        CURRENT_WORKER.with(|current| current.set(Some((self.id, index))));
    }

    pub(super) fn is_current_worker(&self) -> bool {
        CURRENT_WORKER
            .with(Cell::get)
            .is_some_and(|(pool, _)| pool == self.id)
    }

    pub(super) fn is_running(&self) -> bool {
        self.lock().phase == Phase::Running
    }

    /// Queues `job`; a closed pool discards it (as refused) and says so.
    pub(super) fn submit(&self, job: Box<dyn Job>) -> Result<(), PoolError> {
        let mut state = self.lock();
        if state.phase != Phase::Running {
            drop(state);
            discard(job, TaskErrorKind::PoolClosed);
            return Err(PoolError::Closed);
        }
        state.queue.push_back(job);
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        let wake = state.sleepers > 0;
        drop(state);
        if wake {
            self.work_ready.notify_one();
        }
        Ok(())
    }

    /// Queues every job of `jobs` at once, or discards them all (as refused).
    pub(super) fn submit_all(&self, jobs: Vec<Box<dyn Job>>) -> Result<(), PoolError> {
        let mut state = self.lock();
        if state.phase != Phase::Running {
            drop(state);
            for job in jobs {
                discard(job, TaskErrorKind::PoolClosed);
            }
            return Err(PoolError::Closed);
        }
        let wake = state.sleepers.min(jobs.len());
        state.queue.extend(jobs);
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        drop(state);
        match wake {
            0 => {}
            1 => self.work_ready.notify_one(),
            _ => self.work_ready.notify_all(),
        }
        Ok(())
    }

    /// Removes and returns the queued tickets of one `map` call.
    pub(super) fn take_back(&self, map_call: *const ()) -> Vec<Box<dyn Job>> {
        let mut state = self.lock();
        let queue = std::mem::take(&mut state.queue);
        let (mine, rest): (VecDeque<Box<dyn Job>>, _) = queue
            .into_iter()
            .partition(|job| job.map_call() == Some(map_call));
        state.queue = rest;
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        mine.into()
    }

    pub(super) fn close(&self) {
        let mut state = self.lock();
        if state.phase == Phase::Running {
            state.phase = Phase::Closed;
        }
        drop(state);
        self.work_ready.notify_all();
    }

    pub(super) fn terminate(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut state = self.lock();
        state.phase = Phase::Terminated;
        let discarded = std::mem::take(&mut state.queue);
        self.queued.store(0, Ordering::Relaxed);
        drop(state);
        self.work_ready.notify_all();
        // Outside the lock: discarding runs error callbacks, which may use the pool.
        for job in discarded {
            discard(job, TaskErrorKind::Terminated);
        }
    }

    fn pop(&self) -> Option<Box<dyn Job>> {
        let mut state = self.lock();
        self.pop_locked(&mut state)
    }

    fn pop_locked(&self, state: &mut State) -> Option<Box<dyn Job>> {
        let job = state.queue.pop_front()?;
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        Some(job)
    }

    /// The worker loop: take the next job, run it, until the pool is closed
    /// and drained, or terminated. An idle worker first watches the queue for
    /// a moment, then sleeps: work that arrives within that moment starts at
    /// once and costs no wake-up system call.
    pub(super) fn work(&self) {
        loop {
            // Time without a job is idle (trace::State::Idle), once it ends.
            let idle_from = crate::trace::is_enabled().then(crate::trace::now_ns);
            let job = {
                let mut state = self.lock();
                let mut watched = false;
                loop {
                    if let Some(job) = self.pop_locked(&mut state) {
                        break job;
                    }
                    if state.phase != Phase::Running {
                        return;
                    }
                    if !watched {
                        watched = true;
                        drop(state);
                        spin_until(|| (self.queued.load(Ordering::Relaxed) > 0).then_some(()));
                        state = self.lock();
                        continue;
                    }
                    state.sleepers += 1;
                    state = self.work_ready.wait(state).unpoisoned();
                    state.sleepers -= 1;
                }
            };
            if let Some(from) = idle_from {
                crate::trace::record(crate::trace::State::Idle, from, crate::trace::now_ns());
            }
            run(job, &self.stop);
        }
    }
}

impl Helper for Shared {
    fn is_current_worker(&self) -> bool {
        Shared::is_current_worker(self)
    }

    /// Runs one queued job on the calling thread, if there is one. Used by a
    /// worker that waits for a result of its own pool, so it helps instead of
    /// blocking a thread the result may need.
    fn run_one_queued(&self) -> bool {
        match self.pop() {
            Some(job) => {
                run(job, &self.stop);
                true
            }
            None => false,
        }
    }
}

/// Runs a job; a panic in it was already printed by the panic hook and, for
/// every job but `execute`'s, recorded as its task's error: the worker lives on.
fn run(job: Box<dyn Job>, stop: &AtomicBool) {
    let _span = crate::trace::span(crate::trace::State::Task);
    drop(catch_unwind(AssertUnwindSafe(|| job.run(stop))));
}

/// Discarding may run an error callback; its panic must not escape into
/// `terminate` or into the submitting call.
fn discard(job: Box<dyn Job>, why: TaskErrorKind) {
    drop(catch_unwind(AssertUnwindSafe(|| job.discard(why))));
}
