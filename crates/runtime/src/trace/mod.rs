//! Tracing: where each worker's time went, span by span.
//!
//! Off by default. [`enable`] turns it on for the whole process; from then on
//! the pools, the executors, [`Parallel`](crate::parallel::Parallel), the
//! interpreter lock and the process pool record *spans* — a state, a start and
//! an end — into a buffer of the thread they ran on. [`take`] collects every
//! thread's buffer (and those the worker processes sent back) as one
//! [`Track`] per thread or process. The lab turns them into a Chrome trace
//! (open it in Perfetto), a timeline chart and a ledger of the lost speedup.
//!
//! # What it costs
//!
//! Off: one relaxed atomic load at each place that could record (once per task,
//! per wait, per frame), and nothing else. On: two clock reads per span and a
//! push into a buffer that belongs to the thread (its lock is never contended
//! except while [`take`] drains it). Each buffer holds at most [`capacity`]
//! spans; past that, spans are counted in [`Track::dropped`] and thrown away,
//! so memory stays bounded however many tasks run. Every timestamp comes from
//! one clock: nanoseconds since a process-wide origin ([`now_ns`]). A worker
//! process has its own origin; the pool converts its spans to the parent's
//! clock with an offset taken when the worker says it is ready (the pipe's
//! latency, tens of µs, is the error of that offset).
//!
//! # Which spans count as what
//!
//! | [`State`] | recorded by | Python's equivalent |
//! |---|---|---|
//! | [`Task`](State::Task) | a pool or executor worker running a job ([`pool`](crate::pool), [`futures`](crate::futures)); a `Parallel` batch (any backend); each of [`scoped_workers`](crate::parallel::scoped_workers)' threads; a thread holding the interpreter lock inside `with_gil`; a worker process running a task's function | the time a `Pool` worker spends inside your function |
//! | [`LockWait`](State::LockWait) | a thread queued in `with_gil` (or after a drop request) for the interpreter lock, and a holder that dropped it on request waiting until another thread took it ([`gil`](crate::gil)) | the GIL handoffs `sys.setswitchinterval` paces: a thread asks for the GIL after the interval and waits for the holder to drop it |
//! | [`Overhead`](State::Overhead) | the process pool encoding arguments into frames, writing them to a pipe, decoding results (parent side); a worker process decoding an argument and encoding the result, writing its results, and reading the next request — including waiting for it, since mid-stream that is the parent encoding and sending it ([`process`](crate::process)) | pickling and unpickling, and the bytes `Pool`'s task and result queues move through pipes |
//! | [`Idle`](State::Idle) | a thread-pool worker waiting for work (watching the queue, then asleep); for a worker process, the rest of its time | a `Pool` worker blocked on its task queue |
//! | [`Serial`](State::Serial) | the caller, where a lesson marks the serial part of its program with [`serial`] | the part of a script outside `pool.map` (Amdahl's `1 - p`) |
//!
//! Spans nest on a thread (a lock wait inside a task, a decode inside a
//! worker's chunk); the innermost one says what the thread was doing. The
//! ledger of a run counts each thread's time by its innermost span, and calls
//! the rest of `workers × wall` idle.
//!
//! # Waiting for a core
//!
//! A span says what a thread was doing, not whether it was on a core. With
//! more runnable threads than cores (4 workers on 2 cores) each task span also
//! holds the time its thread was ready to run but waiting for a core, and the
//! ledger counts that as task time. So on Linux a thread also reads the
//! kernel's count of that time — `run_delay`, the second number of
//! `/proc/thread-self/schedstat` — where its spans start and end, at most once
//! every half millisecond ([`Track::core_wait`]), and the lab turns the
//! readings into the ledger's `core_wait_s`: of `compute_s`, the time a worker
//! was runnable but not on a core. It is the kernel's count
//! rather than the thread's CPU clock because a task that sleeps (a simulated
//! download, I/O with the lock released) is off its core too, but not waiting
//! for one. A reading costs one system call, about 1 µs on the course's VM.
//! Other systems take no readings ([`measures_core_wait`] is false), and the
//! ledger leaves `core_wait_s` out.
//!
//! Python has no name for it either: a thread's `time.thread_time()` (its CPU
//! time) against the wall clock gives waiting for a core and blocking
//! together; Linux splits them in the same file,
//! `/proc/<pid>/task/<tid>/schedstat`, for CPython's threads as for ours.
//!
//! ```
//! use runtime::trace::{self, State};
//!
//! trace::enable();
//! {
//!     let _span = trace::span(State::Task);
//!     std::hint::black_box((0..1000u64).sum::<u64>());
//! }
//! trace::disable();
//! let tracks = trace::take();
//! assert!(tracks.iter().any(|t| t.spans.iter().any(|s| s.state == State::Task)));
//! ```

mod buffer;
mod core_wait;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

pub use buffer::take;
pub(crate) use buffer::{drain_this_thread, record_process};
pub use core_wait::measures_core_wait;

static ENABLED: AtomicBool = AtomicBool::new(false);
static CAPACITY: AtomicUsize = AtomicUsize::new(DEFAULT_CAPACITY);
static ORIGIN: OnceLock<Instant> = OnceLock::new();

/// The spans one thread's buffer holds by default before it drops new ones:
/// 2²⁰ (1 048 576) spans, 25 MB — room for a worker process's three spans per
/// task over a few hundred thousand tasks, and a bound however many run.
pub const DEFAULT_CAPACITY: usize = 1 << 20;

/// What a thread was doing during a span. See the [module docs](self) for who
/// records each one and what it is in Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Running a task: the work itself.
    Task,
    /// Waiting for the interpreter lock (the GIL analogue).
    LockWait,
    /// Encoding, decoding and moving bytes between processes.
    Overhead,
    /// A worker waiting for work.
    Idle,
    /// The caller's serial part, where a program marks it.
    Serial,
}

impl State {
    /// Every state, in the order charts and ledgers list them.
    pub const ALL: [State; 5] = [
        State::Task,
        State::Serial,
        State::Overhead,
        State::LockWait,
        State::Idle,
    ];

    /// Its name in trace files and charts: `task`, `lock_wait`, `overhead`,
    /// `idle`, `serial`.
    pub fn name(self) -> &'static str {
        match self {
            State::Task => "task",
            State::LockWait => "lock_wait",
            State::Overhead => "overhead",
            State::Idle => "idle",
            State::Serial => "serial",
        }
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            State::Task => 0,
            State::LockWait => 1,
            State::Overhead => 2,
            State::Idle => 3,
            State::Serial => 4,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<State> {
        Some(match code {
            0 => State::Task,
            1 => State::LockWait,
            2 => State::Overhead,
            3 => State::Idle,
            4 => State::Serial,
            _ => return None,
        })
    }
}

/// One span: a state between two instants, in ns since the origin ([`now_ns`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// What the thread was doing.
    pub state: State,
    /// When it started, in ns since the origin.
    pub start_ns: u64,
    /// When it ended, in ns since the origin.
    pub end_ns: u64,
}

/// The spans of one thread (or one worker process), as [`take`] returns them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    /// The thread's name (`pool-worker-0`), `thread <n>` for an unnamed one, or
    /// `worker process <pid>`.
    pub name: String,
    /// The process the spans ran in (this one's id, or a worker's).
    pub pid: u32,
    /// A number for the thread, unique within its process for this run.
    pub tid: u64,
    /// Its spans, in the order they ended.
    pub spans: Vec<Span>,
    /// Spans thrown away because the buffer was full ([`capacity`]).
    pub dropped: u64,
    /// Readings of how long the thread had waited for a core, taken at the
    /// boundaries of its spans (see [Waiting for a core](self#waiting-for-a-core));
    /// empty where that is not measured ([`measures_core_wait`]).
    pub core_wait: Vec<CoreWaitSample>,
}

/// How long a thread had been ready to run but waiting for a core, at one
/// instant: the kernel's count (Linux's `run_delay`) since the thread started.
/// The wait during an interval is the difference of two readings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoreWaitSample {
    /// When the reading was taken, in ns since the origin ([`now_ns`]).
    pub at_ns: u64,
    /// The thread's time runnable but not on a core so far, in ns.
    pub waited_ns: u64,
}

/// Turns tracing on for the whole process.
pub fn enable() {
    origin();
    ENABLED.store(true, Ordering::Relaxed);
}

/// Turns tracing off; recorded spans stay until [`take`].
pub fn disable() {
    ENABLED.store(false, Ordering::Relaxed);
}

/// Whether tracing is on: one relaxed atomic load, what every recording site
/// pays when it is off.
#[inline]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// How many spans one thread's buffer holds before it drops new ones.
pub fn capacity() -> usize {
    CAPACITY.load(Ordering::Relaxed)
}

/// Sets [`capacity`] for every buffer (at least 1); the default is
/// [`DEFAULT_CAPACITY`].
pub fn set_capacity(spans: usize) {
    CAPACITY.store(spans.max(1), Ordering::Relaxed);
}

fn origin() -> Instant {
    *ORIGIN.get_or_init(Instant::now)
}

/// Nanoseconds since this process's trace origin (set the first time anything
/// asks): the one clock every span uses.
pub fn now_ns() -> u64 {
    u64::try_from(origin().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Records a span that ran from `start_ns` to `end_ns` on this thread, if
/// tracing is on. Call it when the span ends: a core-wait reading taken here
/// is dated `end_ns`.
#[inline]
pub fn record(state: State, start_ns: u64, end_ns: u64) {
    if is_enabled() {
        core_wait::sample(end_ns);
        buffer::push(Span {
            state,
            start_ns,
            end_ns: end_ns.max(start_ns),
        });
    }
}

/// Starts a span that ends (and is recorded) when the guard is dropped. When
/// tracing is off the guard holds nothing and records nothing.
#[inline]
pub fn span(state: State) -> SpanGuard {
    SpanGuard {
        started: is_enabled().then(|| {
            let now = now_ns();
            core_wait::sample(now);
            (state, now)
        }),
    }
}

/// Runs `f` as the caller's serial part (a [`State::Serial`] span): the part of
/// a program no worker can share, Amdahl's `1 - p`.
pub fn serial<T>(f: impl FnOnce() -> T) -> T {
    let _span = span(State::Serial);
    f()
}

/// An open span; see [`span`].
#[derive(Debug)]
#[must_use = "the span ends when the guard is dropped"]
pub struct SpanGuard {
    started: Option<(State, u64)>,
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        if let Some((state, start)) = self.started {
            // Recorded even if tracing was turned off meanwhile: it started on.
            let end = now_ns().max(start);
            core_wait::sample(end);
            buffer::push(Span {
                state,
                start_ns: start,
                end_ns: end,
            });
        }
    }
}

#[cfg(test)]
mod tests;
