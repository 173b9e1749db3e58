//! The parent side: the shared queue, one writer and one reader thread per
//! worker process, and what happens when a worker leaves.
//!
//! Tasks wait in one queue. Each worker has a writer thread that takes as many
//! tasks as the worker's budget allows and writes them in one go, and a reader
//! thread that reads the results, completes them and frees the budget again.
//! A worker answers in the order it was asked, so the reader matches each
//! result to the oldest task in flight on that worker.
//!
//! The budget is time: each worker reports how long each chunk took, the pool
//! keeps a running estimate per task name, and a worker holds about
//! [`BUDGET_NS`] of expected work in flight — hundreds of trivial tasks (so a
//! few system calls carry many), two of a few milliseconds (one running, one
//! waiting, like `concurrent.futures`' one extra queued call), and one at a
//! time from [`SLOW_TASK_NS`] up, so that no slow task waits behind another
//! while a worker is free. A task never measured counts as slow, so the first
//! tasks of a kind spread one per worker. And a worker never holds much more
//! expected work than the least loaded other one (see `Slot::admits`).

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, ExitStatus};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use super::error::{PoolError, TaskError, TaskErrorKind};
use super::os;
use super::wire::{self, Cursor};

/// Tasks this slow go one at a time: a worker then idles for one round trip
/// (tens of microseconds) between tasks, under 0.5 % of the task, and no task
/// waits on a busy worker while another worker is free.
const SLOW_TASK_NS: f64 = 10_000_000.0;
/// Most tasks (chunks) in flight per worker.
pub(crate) const MAX_WINDOW: usize = 256;
/// Expected work a worker holds in flight, by the workers' own timings.
const BUDGET_NS: f64 = 500_000.0;
/// Bytes in flight per worker before the writer waits (one big task always goes).
const MAX_IN_FLIGHT_BYTES: usize = 64 << 20;
/// Written frames at least this big are kept for reuse: a fresh 10 MB buffer
/// costs thousands of page faults, which on a small VM cost more than the copy.
const SPARE_MIN: usize = 1 << 20;
/// How many such buffers are kept.
const SPARE_COUNT: usize = 4;
/// How long a reader waits for a worker whose pipe closed to finish exiting
/// before it kills it.
const EXIT_GRACE: Duration = Duration::from_millis(500);

thread_local! {
    static POOL_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is one of a process pool's reader or writer threads.
pub(crate) fn on_pool_thread() -> bool {
    POOL_THREAD.with(Cell::get)
}

/// What a completed chunk hands its completion: the results, or why there are none.
pub(crate) type Done = Box<dyn for<'a> FnOnce(Result<ChunkReply<'a>, TaskError>) + Send>;

/// A chunk waiting in the queue: its frame is encoded and ready to write.
pub(crate) struct Job {
    pub(crate) frame: Vec<u8>,
    /// The task's name: the pool learns each task's cost by it.
    pub(crate) name: &'static str,
    pub(crate) id: u64,
    pub(crate) items: u32,
    pub(crate) ticket: Option<Arc<TicketState>>,
    pub(crate) done: Done,
}

struct InFlight {
    id: u64,
    name: &'static str,
    items: u32,
    bytes: usize,
    expected_ns: f64,
    ticket: Option<Arc<TicketState>>,
    done: Done,
}

impl InFlight {
    fn fail(self, error: &TaskError) {
        finish(self.ticket.as_deref(), self.done, Err(error.clone()));
    }
}

const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
const FINISHED: u8 = 2;
const CANCELLED: u8 = 3;

/// Where one submitted task is: the state behind a [`Ticket`](super::Ticket).
#[derive(Default)]
pub(crate) struct TicketState(AtomicU8);

impl TicketState {
    pub(crate) fn get(&self) -> u8 {
        self.0.load(Ordering::Acquire)
    }
    /// Queued -> cancelled; false if a writer already took it.
    pub(crate) fn cancel(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
    /// Queued -> running; false if it was cancelled.
    fn start(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
    fn finish(&self) {
        self.0.store(FINISHED, Ordering::Release);
    }
    pub(crate) const QUEUED: u8 = QUEUED;
    pub(crate) const RUNNING: u8 = RUNNING;
    pub(crate) const FINISHED: u8 = FINISHED;
}

fn finish(ticket: Option<&TicketState>, done: Done, outcome: Result<ChunkReply<'_>, TaskError>) {
    if let Some(t) = ticket {
        t.finish();
    }
    // A panicking callback must not take the reader thread down with it.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || done(outcome)));
    if caught.is_err() {
        eprintln!("process pool: a completion callback panicked; the pool goes on");
    }
}

/// The results of one chunk, read item by item by the completion that decodes them.
pub(crate) struct ChunkReply<'a> {
    body: Cursor<'a>,
    unknown_task: Option<&'a str>,
    pid: u32,
}

impl ChunkReply<'_> {
    /// The next item's result.
    pub(crate) fn next<R: DeserializeOwned>(&mut self) -> Result<R, TaskError> {
        if let Some(message) = self.unknown_task {
            return Err(TaskError::new(0, TaskErrorKind::UnknownTask, message));
        }
        let item = self.body.u8().and_then(|s| Ok((s, self.body.bytes()?)));
        let (status, bytes) = match item {
            Ok(item) => item,
            Err(e) => return Err(TaskError::new(0, TaskErrorKind::BadResult, e)),
        };
        let text = || String::from_utf8_lossy(bytes).into_owned();
        match status {
            wire::ITEM_OK => wire::decode::<R>(bytes).map_err(|e| {
                TaskError::new(
                    0,
                    TaskErrorKind::BadResult,
                    format!("{e} (is the task registered with another result type in the worker?)"),
                )
            }),
            wire::ITEM_PANICKED => Err(TaskError::new(
                0,
                TaskErrorKind::Panicked,
                format!("{} [worker pid {}]", text(), self.pid),
            )),
            wire::ITEM_BAD_ARGUMENTS => Err(TaskError::new(0, TaskErrorKind::BadArguments, text())),
            _ => Err(TaskError::new(0, TaskErrorKind::Unserializable, text())),
        }
    }
}

/// Checks a RESULTS body after its header: `count` well-formed items, nothing more.
fn validate_items(mut body: Cursor<'_>, count: u32) -> Result<(), String> {
    let n = body.u32()?;
    if n != count {
        return Err(format!("{n} results for a chunk of {count} tasks"));
    }
    for _ in 0..n {
        body.u8()?;
        body.bytes()?;
    }
    Ok(())
}

/// A worker process as the parent holds it.
pub(crate) struct WorkerProc {
    pub(crate) pid: u32,
    child: Mutex<Option<Child>>,
}

impl WorkerProc {
    /// SIGKILL, unless it has been reaped already (so the pid cannot be reused).
    pub(crate) fn kill(&self) {
        if let Some(child) = lock(&self.child).as_mut() {
            let _ = child.kill();
        }
    }

    /// Waits for the process to end (killing it after `grace`) and reaps it.
    fn reap(&self, grace: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + grace;
        let mut pause = Duration::from_micros(50);
        loop {
            let mut slot = lock(&self.child);
            let child = slot.as_mut()?;
            match child.try_wait() {
                Ok(Some(status)) => {
                    *slot = None;
                    return Some(status);
                }
                Ok(None) if Instant::now() < deadline => {}
                _ => {
                    let _ = child.kill();
                    let status = child.wait().ok();
                    *slot = None;
                    return status;
                }
            }
            drop(slot);
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        }
    }
}

pub(crate) fn describe_exit(status: Option<ExitStatus>) -> String {
    let Some(status) = status else {
        return "ended (its exit status is unknown)".to_owned();
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                libc::SIGKILL => " (SIGKILL)",
                libc::SIGABRT => " (SIGABRT: it aborted)",
                libc::SIGSEGV => " (SIGSEGV)",
                libc::SIGTERM => " (SIGTERM)",
                libc::SIGINT => " (SIGINT)",
                libc::SIGBUS => " (SIGBUS)",
                _ => "",
            };
            return format!("was killed by signal {signal}{name}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with code {code}"),
        None => format!("ended ({status})"),
    }
}

#[derive(Clone)]
pub(crate) enum Status {
    Running,
    Closed,
    Broken(Arc<str>),
    Terminated,
}

struct Slot {
    proc: Arc<WorkerProc>,
    in_flight: VecDeque<InFlight>,
    in_flight_bytes: usize,
    /// Expected work in flight (sum of the in-flight tasks' estimates).
    in_flight_ns: f64,
    assigned: usize,
    retiring: bool,
    writer_waiting: bool,
    wake: Arc<Condvar>,
}

impl Slot {
    /// Whether this worker takes one more task of expected cost `cost`, given
    /// the expected work in flight on the least loaded other worker.
    fn admits(&self, cost: f64, least_other_ns: Option<f64>) -> bool {
        if self.in_flight.is_empty() {
            return true; // one task always goes
        }
        if self.in_flight.len() >= MAX_WINDOW || self.in_flight_bytes >= MAX_IN_FLIGHT_BYTES {
            return false;
        }
        // Fair: leave work for a worker that has less of it.
        if least_other_ns.is_some_and(|least| self.in_flight_ns > least + BUDGET_NS / 2.0) {
            return false;
        }
        // Cheap tasks fill the budget; a medium one may wait behind another.
        self.in_flight_ns + cost <= BUDGET_NS
            || (self.in_flight.len() == 1
                && self.in_flight_ns < SLOW_TASK_NS
                && cost < SLOW_TASK_NS)
    }

    /// Whether the reader should wake a waiting writer: enough budget is free
    /// to be worth a batch.
    fn wants_more(&self) -> bool {
        self.in_flight.len() <= 1 || self.in_flight_ns <= BUDGET_NS / 2.0
    }
}

/// The expected work on the least loaded worker other than `serial`.
fn least_other_ns(workers: &BTreeMap<u64, Slot>, serial: u64) -> Option<f64> {
    workers
        .iter()
        .filter(|(s, slot)| **s != serial && !slot.retiring)
        .map(|(_, slot)| slot.in_flight_ns)
        .min_by(f64::total_cmp)
}

/// A chunk's expected cost: the task's measured cost per item times its items;
/// a task never measured counts as slow.
fn expected_ns(costs: &HashMap<&'static str, f64>, name: &str, items: u32) -> f64 {
    costs
        .get(name)
        .map_or(SLOW_TASK_NS, |per_item| per_item * f64::from(items))
}

pub(crate) struct State {
    pub(crate) status: Status,
    queue: VecDeque<Job>,
    /// Measured nanoseconds per item, by task name (a running average).
    costs: HashMap<&'static str, f64>,
    workers: BTreeMap<u64, Slot>,
    next_serial: u64,
    /// Replacement workers being started (maxtasksperchild).
    spawning: usize,
    /// `map`/`imap` calls that may still queue chunks after `close()`.
    feeders: usize,
    ready: usize,
    event_waiters: usize,
    threads: Vec<JoinHandle<()>>,
}

/// Counters behind [`PoolStats`](super::PoolStats).
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) bytes_sent: AtomicU64,
    pub(crate) bytes_received: AtomicU64,
    pub(crate) tasks: AtomicU64,
    pub(crate) messages_sent: AtomicU64,
    pub(crate) messages_received: AtomicU64,
    pub(crate) workers_started: AtomicU64,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    /// Startup, worker exits, feeders finishing: what `new` and `join` wait for.
    events: Condvar,
    pub(crate) counters: Counters,
    next_job: AtomicU64,
    /// The first message every worker gets (names the initializer, if any).
    init_frame: Vec<u8>,
    maxtasksperchild: Option<usize>,
    pub(crate) workers: usize,
    spares: Mutex<Vec<Vec<u8>>>,
    spare_count: std::sync::atomic::AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a pool lock is a bug in this module; the state is
    // still consistent enough to shut down, so carry on rather than cascade.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub(crate) fn new(
        workers: usize,
        init_frame: Vec<u8>,
        maxtasksperchild: Option<usize>,
    ) -> Self {
        Self {
            state: Mutex::new(State {
                status: Status::Running,
                queue: VecDeque::new(),
                costs: HashMap::new(),
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
            spares: Mutex::new(Vec::new()),
            spare_count: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// A large buffer written before, if one is kept (see [`SPARE_MIN`]).
    pub(crate) fn take_spare(&self) -> Option<Vec<u8>> {
        if self.spare_count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut spares = lock(&self.spares);
        let buf = spares.pop();
        self.spare_count.store(spares.len(), Ordering::Relaxed);
        buf
    }

    /// Keeps a large buffer for the next large task.
    pub(crate) fn recycle(&self, buf: Vec<u8>) {
        if buf.capacity() >= SPARE_MIN {
            let mut spares = lock(&self.spares);
            if spares.len() < SPARE_COUNT {
                spares.push(buf);
                self.spare_count.store(spares.len(), Ordering::Relaxed);
            }
        }
    }

    /// Whether `frame` holds on to much more memory than it uses.
    pub(crate) fn oversized(frame: &[u8], capacity: usize) -> bool {
        capacity >= SPARE_MIN && frame.len() < capacity / 8
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub(crate) fn next_job_id(&self) -> u64 {
        self.next_job.fetch_add(1, Ordering::Relaxed)
    }

    /// Why new work is refused, if it is.
    pub(crate) fn refusal(status: &Status, feeder: bool) -> Option<TaskError> {
        match status {
            Status::Running => None,
            Status::Closed if feeder => None,
            Status::Closed => Some(TaskError::pool_closed()),
            Status::Broken(reason) => Some(TaskError::broken(reason)),
            Status::Terminated => Some(TaskError::terminated()),
        }
    }

    /// Queues chunks. If the pool refuses them, they come back with the reason
    /// (their completions are not called).
    pub(crate) fn enqueue(
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
            idle.sort_by(|a, b| a.in_flight_ns.total_cmp(&b.in_flight_ns));
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
    pub(crate) fn start_feeding(&self) -> Result<(), TaskError> {
        let mut st = self.lock();
        if let Some(refused) = Self::refusal(&st.status, false) {
            return Err(refused);
        }
        st.feeders += 1;
        Ok(())
    }

    pub(crate) fn stop_feeding(&self) {
        let mut st = self.lock();
        st.feeders -= 1;
        if st.feeders == 0 && matches!(st.status, Status::Closed) {
            // Writers waiting only for more chunks can now let their workers go.
            self.wake_all(&mut st);
        }
    }

    fn wake_all(&self, st: &mut State) {
        for slot in st.workers.values_mut() {
            slot.writer_waiting = false;
            slot.wake.notify_one();
        }
        if st.event_waiters > 0 {
            self.events.notify_all();
        }
    }

    pub(crate) fn worker_pids(&self) -> Vec<u32> {
        self.lock().workers.values().map(|s| s.proc.pid).collect()
    }

    pub(crate) fn close(&self) {
        let mut st = self.lock();
        if matches!(st.status, Status::Running) {
            st.status = Status::Closed;
            self.wake_all(&mut st);
        }
    }

    /// Waits until `done(state)` holds or `deadline` passes; returns whether it holds.
    pub(crate) fn wait_until(
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
                None => self.events.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        st.event_waiters -= 1;
                        return false;
                    }
                    self.events
                        .wait_timeout(st, d - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            st.event_waiters -= 1;
        }
    }

    pub(crate) fn ready_count(st: &State) -> usize {
        st.ready
    }

    pub(crate) fn all_gone(st: &State) -> bool {
        st.workers.is_empty() && st.spawning == 0
    }

    /// Joins the pool's threads (all but the calling one).
    pub(crate) fn join_threads(&self) {
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
    pub(crate) fn terminate(&self) {
        let (jobs, lost, procs) = {
            let mut st = self.lock();
            if !matches!(st.status, Status::Terminated | Status::Broken(_)) {
                st.status = Status::Terminated;
            }
            let (jobs, lost, procs) = Self::drain(&mut st);
            self.wake_all(&mut st);
            (jobs, lost, procs)
        };
        for p in &procs {
            p.kill();
        }
        let error = TaskError::terminated();
        fail_all(jobs, lost, &error);
        // Readers reap their worker once its pipe closes; wait for them.
        self.join_threads();
    }

    /// Takes every queued and in-flight task, and every worker process.
    fn drain(st: &mut State) -> (VecDeque<Job>, Vec<InFlight>, Vec<Arc<WorkerProc>>) {
        let jobs = std::mem::take(&mut st.queue);
        let mut lost = Vec::new();
        let mut procs = Vec::new();
        for slot in st.workers.values_mut() {
            lost.extend(slot.in_flight.drain(..));
            slot.in_flight_bytes = 0;
            slot.in_flight_ns = 0.0;
            procs.push(slot.proc.clone());
        }
        (jobs, lost, procs)
    }

    /// A worker died: the pool is broken. Fails everything pending with
    /// `BrokenPool` and kills the other workers.
    fn break_pool(&self, mut st: MutexGuard<'_, State>, reason: String) {
        if !matches!(st.status, Status::Running | Status::Closed) {
            return;
        }
        let reason: Arc<str> = reason.into();
        st.status = Status::Broken(reason.clone());
        let (jobs, lost, procs) = Self::drain(&mut st);
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
        match &job.ticket {
            // A cancelled task's completion is never called.
            Some(t) if t.get() == CANCELLED => {}
            _ => finish(job.ticket.as_deref(), job.done, Err(error.clone())),
        }
    }
}

/// Starts one worker process with its writer and reader threads.
pub(crate) fn spawn_worker(shared: &Arc<Shared>) -> Result<(), PoolError> {
    let mut child = os::spawn_worker().map_err(PoolError::Spawn)?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(PoolError::Spawn(std::io::Error::other(
            "the worker's pipes were not created",
        )));
    };
    let proc = Arc::new(WorkerProc {
        pid: child.id(),
        child: Mutex::new(Some(child)),
    });
    let wake = Arc::new(Condvar::new());
    let serial = {
        let mut st = shared.lock();
        if let Some(refused) = Shared::refusal(&st.status, true) {
            drop(st);
            proc.kill();
            proc.reap(Duration::ZERO);
            return Err(PoolError::Broken(refused.message().to_owned()));
        }
        let serial = st.next_serial;
        st.next_serial += 1;
        st.workers.insert(
            serial,
            Slot {
                proc: proc.clone(),
                in_flight: VecDeque::new(),
                in_flight_bytes: 0,
                in_flight_ns: 0.0,
                assigned: 0,
                retiring: false,
                writer_waiting: false,
                wake: wake.clone(),
            },
        );
        serial
    };
    shared
        .counters
        .workers_started
        .fetch_add(1, Ordering::Relaxed);
    let pid = proc.pid;
    let started = {
        let shared_w = shared.clone();
        let writer = thread::Builder::new()
            .name(format!("process-pool-writer-{pid}"))
            .spawn(move || {
                POOL_THREAD.with(|f| f.set(true));
                writer_loop(&shared_w, serial, stdin, &wake);
            });
        let shared_r = shared.clone();
        let proc_r = proc.clone();
        let reader = thread::Builder::new()
            .name(format!("process-pool-reader-{pid}"))
            .spawn(move || {
                POOL_THREAD.with(|f| f.set(true));
                reader_loop(&shared_r, serial, &proc_r, stdout);
            });
        (writer, reader)
    };
    let mut st = shared.lock();
    st.threads.retain(|t| !t.is_finished());
    match started {
        (Ok(w), Ok(r)) => {
            st.threads.push(w);
            st.threads.push(r);
            Ok(())
        }
        (w, r) => {
            let error = w
                .err()
                .or(r.err())
                .unwrap_or_else(|| std::io::Error::other("thread spawn failed"));
            // Without both threads nobody would reap this worker: do it here.
            // Threads that did start see the broken pool (or the missing slot) and end.
            st.workers.remove(&serial);
            shared.break_pool(
                st,
                format!("could not start a thread for worker pid {pid}: {error}"),
            );
            proc.kill();
            proc.reap(Duration::ZERO);
            Err(PoolError::Spawn(error))
        }
    }
}

fn writer_loop(shared: &Arc<Shared>, serial: u64, pipe: ChildStdin, wake: &Condvar) {
    os::block_sigpipe_on_this_thread();
    let mut pipe = BufWriter::with_capacity(256 << 10, pipe);
    shared
        .counters
        .bytes_sent
        .fetch_add(shared.init_frame.len() as u64, Ordering::Relaxed);
    if pipe
        .write_all(&shared.init_frame)
        .and_then(|()| pipe.flush())
        .is_err()
    {
        return; // the worker is gone; its reader reports it
    }
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut nudge: Vec<Arc<Condvar>> = Vec::new();
    loop {
        let mut retire = false;
        {
            let mut st = shared.lock();
            loop {
                if matches!(st.status, Status::Broken(_) | Status::Terminated) {
                    return;
                }
                let drained =
                    matches!(st.status, Status::Closed) && st.queue.is_empty() && st.feeders == 0;
                let least_other = least_other_ns(&st.workers, serial);
                let next_cost = st
                    .queue
                    .front()
                    .map(|job| expected_ns(&st.costs, job.name, job.items));
                let Some(slot) = st.workers.get_mut(&serial) else {
                    return;
                };
                if slot.retiring {
                    return;
                }
                if next_cost.is_some_and(|cost| slot.admits(cost, least_other)) {
                    break;
                }
                if drained {
                    return; // closing the pipe lets the worker finish and exit
                }
                slot.writer_waiting = true;
                st = wake.wait(st).unwrap_or_else(|p| p.into_inner());
                if let Some(slot) = st.workers.get_mut(&serial) {
                    slot.writer_waiting = false;
                }
            }
            let st = &mut *st;
            let least_other = least_other_ns(&st.workers, serial);
            let Some(slot) = st.workers.get_mut(&serial) else {
                return;
            };
            while let Some(front) = st.queue.front() {
                let cost = expected_ns(&st.costs, front.name, front.items);
                if !slot.admits(cost, least_other) {
                    break;
                }
                let Some(job) = st.queue.pop_front() else {
                    break;
                };
                if let Some(t) = &job.ticket
                    && !t.start()
                {
                    continue; // cancelled while queued
                }
                slot.in_flight_bytes += job.frame.len();
                slot.in_flight_ns += cost;
                slot.in_flight.push_back(InFlight {
                    id: job.id,
                    name: job.name,
                    items: job.items,
                    bytes: job.frame.len(),
                    expected_ns: cost,
                    ticket: job.ticket,
                    done: job.done,
                });
                frames.push(job.frame);
                slot.assigned += 1;
                if shared
                    .maxtasksperchild
                    .is_some_and(|max| slot.assigned >= max)
                {
                    slot.retiring = true;
                    retire = true;
                    break;
                }
            }
            if !st.queue.is_empty() {
                // This worker's share grew with its load: others may take more now.
                for (s, other) in st.workers.iter_mut() {
                    if *s != serial && other.writer_waiting && !other.retiring {
                        other.writer_waiting = false;
                        nudge.push(other.wake.clone());
                    }
                }
            }
            if retire {
                let more_work =
                    !st.queue.is_empty() || st.feeders > 0 || matches!(st.status, Status::Running);
                if more_work {
                    st.spawning += 1;
                } else {
                    retire = false; // nothing left to do: no replacement needed
                    if let Some(slot) = st.workers.get_mut(&serial) {
                        slot.retiring = true;
                    }
                }
            }
        }
        for cv in nudge.drain(..) {
            cv.notify_one();
        }
        // Counted before they are written: a worker can answer, and the caller
        // read `stats()`, before this thread gets back from the write.
        let sent: usize = frames.iter().map(Vec::len).sum();
        shared
            .counters
            .bytes_sent
            .fetch_add(sent as u64, Ordering::Relaxed);
        shared
            .counters
            .messages_sent
            .fetch_add(frames.len() as u64, Ordering::Relaxed);
        for frame in frames.drain(..) {
            if pipe.write_all(&frame).is_err() {
                return; // the worker died; its reader breaks the pool
            }
            shared.recycle(frame);
        }
        if pipe.flush().is_err() {
            return;
        }
        let slot_retiring = shared
            .lock()
            .workers
            .get(&serial)
            .is_none_or(|s| s.retiring);
        if retire || slot_retiring {
            // Closing the pipe tells the worker to exit once its tasks are done
            // (maxtasksperchild); a fresh worker takes its place.
            drop(pipe);
            if retire {
                let spawned = spawn_worker(shared);
                let mut st = shared.lock();
                st.spawning -= 1;
                if st.event_waiters > 0 {
                    shared.events.notify_all();
                }
                if let Err(e) = spawned {
                    shared.break_pool(st, format!("could not start a replacement worker: {e}"));
                }
            }
            return;
        }
    }
}

fn reader_loop(shared: &Arc<Shared>, serial: u64, proc: &Arc<WorkerProc>, pipe: ChildStdout) {
    let mut input = BufReader::with_capacity(256 << 10, pipe);
    let mut frame = Vec::new();
    let mut ready = false;
    let mut init_failed = false;
    let ended: Result<(), String> = loop {
        let max = if ready {
            wire::MAX_FRAME
        } else {
            wire::MAX_HANDSHAKE
        };
        match wire::read_frame(&mut input, &mut frame, max) {
            Ok(true) => {}
            Ok(false) => break Ok(()),
            Err(e) if !ready => {
                break Err(format!(
                    "{e}; does main print to stdout before calling runtime::process::worker_guard(...)?"
                ));
            }
            Err(e) => break Err(format!("reading its results failed: {e}")),
        }
        shared
            .counters
            .bytes_received
            .fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
        shared
            .counters
            .messages_received
            .fetch_add(1, Ordering::Relaxed);
        let mut body = Cursor::new(&frame);
        let outcome = match body.u8() {
            Ok(wire::RESULTS) if ready => on_results(shared, serial, proc.pid, body),
            Ok(wire::READY) if !ready => {
                let hello = (|| Ok::<_, String>((body.u32()?, body.u32()?)))();
                match hello {
                    Ok((wire::MAGIC, wire::VERSION)) => {
                        ready = true;
                        let mut st = shared.lock();
                        st.ready += 1;
                        if st.event_waiters > 0 {
                            shared.events.notify_all();
                        }
                        Ok(())
                    }
                    _ => Err("its handshake has the wrong magic number or version".to_owned()),
                }
            }
            Ok(wire::INIT_FAILED) => {
                init_failed = true;
                Err(body.text().unwrap_or_else(|e| e))
            }
            Ok(kind) => Err(format!(
                "it sent a message of unknown kind {kind} (is runtime::process::worker_guard(...) the first call in main, \
                 and does nothing print to stdout before it?)"
            )),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome {
            break Err(e);
        }
    };
    // A worker that broke the protocol may be running anything: kill it now.
    // One whose pipe closed, or whose initializer failed, is exiting by itself.
    let grace = if ended.is_ok() || init_failed {
        EXIT_GRACE
    } else {
        Duration::ZERO
    };
    let status = proc.reap(grace);
    on_worker_exit(shared, serial, proc.pid, status, ended, ready);
}

fn on_results(shared: &Shared, serial: u64, pid: u32, mut body: Cursor<'_>) -> Result<(), String> {
    let id = body.u64()?;
    let busy_ns = body.u64()?;
    let chunk_status = body.u8()?;
    let mut wake = None;
    let inflight = {
        let mut st = shared.lock();
        let st = &mut *st;
        if matches!(st.status, Status::Broken(_) | Status::Terminated) {
            return Ok(()); // its task was already failed; drop the late result
        }
        let queued = !st.queue.is_empty();
        // After close(), a writer waiting for room must learn there is no more work.
        let drained = matches!(st.status, Status::Closed) && !queued && st.feeders == 0;
        let Some(slot) = st.workers.get_mut(&serial) else {
            return Ok(());
        };
        let Some(inflight) = slot.in_flight.pop_front() else {
            return Err(format!("it answered task {id}, which it was never sent"));
        };
        if inflight.id != id {
            return Err(format!(
                "it answered task {id} when task {} was due",
                inflight.id
            ));
        }
        slot.in_flight_bytes -= inflight.bytes;
        slot.in_flight_ns = if slot.in_flight.is_empty() {
            0.0 // no drift from adding and subtracting estimates
        } else {
            (slot.in_flight_ns - inflight.expected_ns).max(0.0)
        };
        if slot.writer_waiting && (drained || queued && slot.wants_more()) {
            slot.writer_waiting = false;
            wake = Some(slot.wake.clone());
        }
        // Learn the task's cost per item (a running average of the worker's timings).
        if inflight.items > 0 && chunk_status == wire::CHUNK_OK {
            let per_item = busy_ns as f64 / f64::from(inflight.items);
            st.costs
                .entry(inflight.name)
                .and_modify(|c| *c = 0.7 * *c + 0.3 * per_item)
                .or_insert(per_item);
        }
        inflight
    };
    if let Some(cv) = wake {
        cv.notify_one();
    }
    let unknown_task = match chunk_status {
        wire::CHUNK_OK => {
            validate_items(body.clone(), inflight.items)?;
            body.u32()?;
            None
        }
        wire::CHUNK_UNKNOWN_TASK => Some(
            body.bytes()
                .map(|b| std::str::from_utf8(b).unwrap_or("unknown task"))?,
        ),
        other => return Err(format!("unknown chunk status {other}")),
    };
    shared
        .counters
        .tasks
        .fetch_add(u64::from(inflight.items), Ordering::Relaxed);
    let reply = ChunkReply {
        body,
        unknown_task,
        pid,
    };
    finish(inflight.ticket.as_deref(), inflight.done, Ok(reply));
    Ok(())
}

fn on_worker_exit(
    shared: &Shared,
    serial: u64,
    pid: u32,
    status: Option<ExitStatus>,
    ended: Result<(), String>,
    ready: bool,
) {
    let mut st = shared.lock();
    let Some(slot) = st.workers.remove(&serial) else {
        return;
    };
    // Its writer may be waiting for work: it must see the slot is gone and end.
    slot.wake.notify_one();
    if st.event_waiters > 0 {
        shared.events.notify_all();
    }
    let exited_cleanly = ended.is_ok() && status.is_some_and(|s| s.success());
    let expected = slot.retiring || matches!(st.status, Status::Closed);
    match &st.status {
        Status::Broken(_) | Status::Terminated => {
            drop(st);
            let error = TaskError::terminated();
            for lost in slot.in_flight {
                lost.fail(&error);
            }
        }
        Status::Running | Status::Closed
            if exited_cleanly && expected && slot.in_flight.is_empty() => {}
        Status::Running | Status::Closed => {
            let how = describe_exit(status);
            let running = slot
                .in_flight
                .iter()
                .map(|f| f.items as usize)
                .sum::<usize>();
            let mut reason = match ended {
                Err(why) if !ready => format!("worker pid {pid} failed to start: {why}"),
                Err(why) => format!("worker pid {pid} broke the protocol: {why}; it {how}"),
                Ok(()) => format!(
                    "worker pid {pid} {how} while {running} task(s) were in flight on it; \
                     every pending task fails and the pool takes no more work (create a new pool)"
                ),
            };
            if !ready && !reason.contains(&how) {
                reason.push_str(&format!(" (it {how})"));
            }
            // Its own lost tasks go first, with the same reason as the rest.
            let error = TaskError::broken(&reason);
            let lost = slot.in_flight;
            shared.break_pool(st, reason);
            for inflight in lost {
                inflight.fail(&error);
            }
        }
    }
}
