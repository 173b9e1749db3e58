//! What a [`ProcessPool`](super::ProcessPool)'s handle and its threads share:
//! the queue of chunks, one slot per worker process, the pool's status, and
//! what happens to pending work when the pool closes, breaks or is terminated.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use super::job::{InFlight, Job};
use super::os::{Flavor, WorkerProc};
use super::scheduler::{Costs, Load};
use super::stats::Counters;
use crate::sync::Unpoison;
use crate::task::TaskError;

/// Written frames at least this big are kept for reuse: a fresh 10 MB buffer
/// costs thousands of page faults, which on a small VM cost more than the copy.
const SPARE_MIN: usize = 1 << 20;
/// How many such buffers are kept.
const SPARE_COUNT: usize = 4;

thread_local! {
    static POOL_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Marks the calling thread as one of a process pool's reader or writer threads.
pub(super) fn enter_pool_thread() {
    POOL_THREAD.with(|f| f.set(true));
}

/// Whether the current thread is one of a process pool's reader or writer threads.
pub(super) fn on_pool_thread() -> bool {
    POOL_THREAD.with(Cell::get)
}

#[derive(Clone)]
pub(super) enum Status {
    Running,
    Closed,
    Broken(Arc<str>),
    Terminated,
}

/// One worker process as the pool's threads see it.
pub(super) struct Slot {
    pub(super) proc: Arc<WorkerProc>,
    pub(super) in_flight: VecDeque<InFlight>,
    /// What the scheduler counts of `in_flight`.
    pub(super) load: Load,
    /// Chunks written to it so far (for `maxtasksperchild`).
    pub(super) assigned: usize,
    pub(super) retiring: bool,
    pub(super) writer_waiting: bool,
    pub(super) wake: Arc<Condvar>,
}

pub(super) struct State {
    pub(super) status: Status,
    pub(super) queue: VecDeque<Job>,
    pub(super) costs: Costs,
    pub(super) workers: BTreeMap<u64, Slot>,
    pub(super) next_serial: u64,
    /// Replacement workers being started (maxtasksperchild).
    pub(super) spawning: usize,
    /// `map`/`imap` calls that may still queue chunks after `close()`.
    pub(super) feeders: usize,
    pub(super) ready: usize,
    pub(super) event_waiters: usize,
    pub(super) threads: Vec<JoinHandle<()>>,
}

impl State {
    /// The expected work on the least loaded worker other than `serial`.
    pub(super) fn least_other_ns(&self, serial: u64) -> Option<f64> {
        self.workers
            .iter()
            .filter(|(s, slot)| **s != serial && !slot.retiring)
            .map(|(_, slot)| slot.load.expected_ns)
            .min_by(f64::total_cmp)
    }

    /// Takes every queued and in-flight chunk, and every worker process.
    fn drain(&mut self) -> (VecDeque<Job>, Vec<InFlight>, Vec<Arc<WorkerProc>>) {
        let jobs = std::mem::take(&mut self.queue);
        let mut lost = Vec::new();
        let mut procs = Vec::new();
        for slot in self.workers.values_mut() {
            lost.extend(slot.in_flight.drain(..));
            slot.load = Load::default();
            procs.push(slot.proc.clone());
        }
        (jobs, lost, procs)
    }
}

pub(super) struct Shared {
    state: Mutex<State>,
    /// Startup, worker exits, feeders finishing: what `new` and `join` wait for.
    pub(super) events: Condvar,
    pub(super) counters: Counters,
    next_job: AtomicU64,
    /// The first message every worker gets (names the initializer, if any).
    pub(super) init_frame: Vec<u8>,
    pub(super) maxtasksperchild: Option<usize>,
    pub(super) workers: usize,
    /// How this pool's workers are started and die with it (chosen when the
    /// pool starts; replacements are started the same way).
    pub(super) flavor: Flavor,
    spares: Mutex<Vec<Vec<u8>>>,
    spare_count: AtomicUsize,
}

impl Shared {
    pub(super) fn new(
        workers: usize,
        init_frame: Vec<u8>,
        maxtasksperchild: Option<usize>,
        flavor: Flavor,
    ) -> Self {
        Self {
            state: Mutex::new(State {
                status: Status::Running,
                queue: VecDeque::new(),
                costs: Costs::default(),
                workers: BTreeMap::new(),
                next_serial: 0,
                spawning: 0,
                feeders: 0,
                ready: 0,
                event_waiters: 0,
                threads: Vec::new(),
            }),
            events: Condvar::new(),
            counters: Counters::default(),
            next_job: AtomicU64::new(0),
            init_frame,
            maxtasksperchild,
            workers,
            flavor,
            spares: Mutex::new(Vec::new()),
            spare_count: AtomicUsize::new(0),
        }
    }

    /// A large buffer written before, if one is kept (see [`SPARE_MIN`]).
    pub(super) fn take_spare(&self) -> Option<Vec<u8>> {
        if self.spare_count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut spares = self.spares.lock().unpoisoned();
        let buf = spares.pop();
        self.spare_count.store(spares.len(), Ordering::Relaxed);
        buf
    }

    /// Keeps a large buffer for the next large task.
    pub(super) fn recycle(&self, buf: Vec<u8>) {
        if buf.capacity() >= SPARE_MIN {
            let mut spares = self.spares.lock().unpoisoned();
            if spares.len() < SPARE_COUNT {
                spares.push(buf);
                self.spare_count.store(spares.len(), Ordering::Relaxed);
            }
        }
    }

    /// Whether `frame` holds on to much more memory than it uses.
    pub(super) fn oversized(frame: &[u8], capacity: usize) -> bool {
        capacity >= SPARE_MIN && frame.len() < capacity / 8
    }

    /// The pool's state. A panic while holding this lock would be a bug in this
    /// module; the state is still consistent enough to shut down, so carry on
    /// rather than cascade (see [`Unpoison`]).
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unpoisoned()
    }

    pub(super) fn next_job_id(&self) -> u64 {
        self.next_job.fetch_add(1, Ordering::Relaxed)
    }

    /// Why new work is refused, if it is.
    pub(super) fn refusal(status: &Status, feeder: bool) -> Option<TaskError> {
        match status {
            Status::Running => None,
            Status::Closed if feeder => None,
            Status::Closed => Some(TaskError::pool_closed(0)),
            Status::Broken(reason) => Some(TaskError::broken(reason)),
            Status::Terminated => Some(TaskError::terminated(0)),
        }
    }

    /// Queues chunks. If the pool refuses them, they come back with the reason
    /// (their completions are not called).
    pub(super) fn enqueue(
        &self,
        jobs: Vec<Job>,
        feeder: bool,
    ) -> Result<(), (TaskError, Vec<Job>)> {
        let mut wake = Vec::new();
        {
            let mut st = self.lock();
            if let Some(refused) = Self::refusal(&st.status, feeder) {
                return Err((refused, jobs));
            }
            let mut to_wake = jobs.len();
            st.queue.extend(jobs);
            // Idle writers first: they spread new work across the workers.
            let mut idle: Vec<&mut Slot> = st
                .workers
                .values_mut()
                .filter(|slot| slot.writer_waiting && !slot.retiring)
                .collect();
            idle.sort_by(|a, b| a.load.expected_ns.total_cmp(&b.load.expected_ns));
            for slot in idle {
                if to_wake == 0 {
                    break;
                }
                slot.writer_waiting = false;
                wake.push(slot.wake.clone());
                to_wake -= 1;
            }
        }
        for cv in wake {
            cv.notify_one();
        }
        Ok(())
    }

    /// Registers a `map`/`imap` that will keep queuing chunks, even after `close()`.
    pub(super) fn start_feeding(&self) -> Result<(), TaskError> {
        let mut st = self.lock();
        if let Some(refused) = Self::refusal(&st.status, false) {
            return Err(refused);
        }
        st.feeders += 1;
        Ok(())
    }

    pub(super) fn stop_feeding(&self) {
        let mut st = self.lock();
        st.feeders -= 1;
        if st.feeders == 0 && matches!(st.status, Status::Closed) {
            // Writers waiting only for more chunks can now let their workers go.
            self.wake_all(&mut st);
        }
    }

    pub(super) fn wake_all(&self, st: &mut State) {
        for slot in st.workers.values_mut() {
            slot.writer_waiting = false;
            slot.wake.notify_one();
        }
        self.notify_events(st);
    }

    /// Wakes `new` and `join` if they wait.
    pub(super) fn notify_events(&self, st: &State) {
        if st.event_waiters > 0 {
            self.events.notify_all();
        }
    }

    pub(super) fn worker_pids(&self) -> Vec<u32> {
        self.lock().workers.values().map(|s| s.proc.pid).collect()
    }

    pub(super) fn close(&self) {
        let mut st = self.lock();
        if matches!(st.status, Status::Running) {
            st.status = Status::Closed;
            self.wake_all(&mut st);
        }
    }

    /// Waits until `done(state)` holds or `deadline` passes; returns whether it holds.
    pub(super) fn wait_until(
        &self,
        deadline: Option<Instant>,
        done: impl Fn(&State) -> bool,
    ) -> bool {
        let mut st = self.lock();
        loop {
            if done(&st) {
                return true;
            }
            st.event_waiters += 1;
            st = match deadline {
                None => self.events.wait(st).unpoisoned(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        st.event_waiters -= 1;
                        return false;
                    }
                    self.events.wait_timeout(st, d - now).unpoisoned().0
                }
            };
            st.event_waiters -= 1;
        }
    }

    pub(super) fn all_gone(st: &State) -> bool {
        st.workers.is_empty() && st.spawning == 0
    }

    /// Joins the pool's threads (all but the calling one).
    pub(super) fn join_threads(&self) {
        let threads = std::mem::take(&mut self.lock().threads);
        let me = thread::current().id();
        for t in threads {
            if t.thread().id() != me {
                let _ = t.join();
            }
        }
    }

    /// Stops everything now: pending tasks fail with `Terminated`, workers are
    /// killed and reaped, threads joined.
    pub(super) fn terminate(&self) {
        let (jobs, lost, procs) = {
            let mut st = self.lock();
            if !matches!(st.status, Status::Terminated | Status::Broken(_)) {
                st.status = Status::Terminated;
            }
            let drained = st.drain();
            self.wake_all(&mut st);
            drained
        };
        for p in &procs {
            p.kill();
        }
        fail_all(jobs, lost, &TaskError::terminated(0));
        // Readers reap their worker once its pipe closes; wait for them.
        self.join_threads();
    }

    /// A worker died: the pool is broken. Fails everything pending with
    /// `BrokenPool` and kills the other workers.
    pub(super) fn break_pool(&self, mut st: MutexGuard<'_, State>, reason: String) {
        if !matches!(st.status, Status::Running | Status::Closed) {
            return;
        }
        let reason: Arc<str> = reason.into();
        st.status = Status::Broken(reason.clone());
        let (jobs, lost, procs) = st.drain();
        self.wake_all(&mut st);
        drop(st);
        for p in &procs {
            p.kill();
        }
        fail_all(jobs, lost, &TaskError::broken(&reason));
    }
}

fn fail_all(jobs: VecDeque<Job>, lost: Vec<InFlight>, error: &TaskError) {
    for inflight in lost {
        inflight.fail(error);
    }
    for job in jobs {
        job.fail(error);
    }
}
