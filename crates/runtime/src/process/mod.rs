//! A pool of real worker processes: `multiprocessing.Pool` with the spawn start method.
//!
//! [`ProcessPool`] runs registered [`Task`]s in separate operating-system
//! processes. Each worker has its own memory — in the course's terms, its own
//! interpreter and its own lock — so lock-bound work scales with processes where
//! it cannot with threads. The price is that nothing is shared: a task's
//! argument is serialized in the parent, crosses a pipe, and is deserialized in
//! the worker; its result makes the same trip back. Every byte is counted
//! ([`ProcessPool::stats`]).
//!
//! ```rust,standalone_crate
//! use runtime::process::{ProcessPool, Task, worker_guard};
//!
//! fn square(x: u64) -> u64 {
//!     x * x
//! }
//! static SQUARE: Task<u64, u64> = Task::new("docs::square", square);
//!
//! fn main() {
//!     // `if __name__ == "__main__":` — a worker never returns from this call.
//!     worker_guard(|tasks| {
//!         tasks.register(&SQUARE);
//!     });
//!     let pool = ProcessPool::new(2).expect("start two worker processes");
//!     let squares = pool.map(&SQUARE, 0..10_u64, None).expect("every task ran");
//!     assert_eq!(squares, (0..10).map(square).collect::<Vec<_>>());
//!     let stats = pool.stats();
//!     assert!(stats.bytes_sent > 0 && stats.tasks == 10);
//! } // dropping the pool kills and reaps its workers
//! ```
//!
//! # What it costs
//!
//! Measured with `cargo run --release -p runtime --example process_overhead` on
//! the course's 2-core VM, 2 workers, in two runs with both cores otherwise
//! idle (other builds come and go on this machine; under load the per-task
//! figures roughly double):
//!
//! | what | cost |
//! |---|---|
//! | start a pool of 2 workers (spawn, exec, handshake) | 2 ms |
//! | one task, one at a time (`apply`: the round trip) | 50 µs idle machine, 20 µs when the other core is busy |
//! | per task, `map` with `chunksize = 1` (trivial tasks) | 0.5 µs, 82 bytes on the wire |
//! | per task, `map` with `chunksize = 10` | 0.08 µs, 22 bytes |
//! | per task, `map` with the default chunksize | 0.03 µs, 15 bytes |
//! | 16 CPU-bound tasks of 50 ms, 2 workers against 1 | speedup 1.94 |
//! | a `Vec<f64>` to a worker, 1 / 10 / 50 MB | 1.3 / 1.2 / 1.35 GB/s |
//! | the same, sent back as well (echo; both directions counted) | 1.9 / 1.6 / 0.85 GB/s |
//!
//! For scale, on the same machine the chapter's Python `Pool.map` spends 21 µs
//! per task with `chunksize = 1`, and moves NumPy arrays at about 200 MB/s; a
//! pipe ping-pong between two processes takes about 45 µs.
//!
//! Where the time goes:
//! - **Starting a worker** is a `posix_spawn` of this executable, the dynamic
//!   loader and Rust's start-up, then a handshake over the pipe: about a
//!   millisecond or two each. Python's spawn starts a whole interpreter and
//!   re-imports the main module, which is why it is slower still. Start a pool
//!   once and reuse it.
//! - **One task alone** pays a full round trip: the parent's writer thread
//!   wakes, writes, the worker wakes, runs, writes, the parent's reader wakes.
//!   Four wake-ups, each tens of microseconds on a VM — more when the core
//!   that must wake is idle, which is why an idle machine is the slow case.
//! - **Many tasks** share those wake-ups: each worker keeps about half a
//!   millisecond of expected work in flight, timed by the workers and learned
//!   per task name — up to 256 tiny tasks, two of a few milliseconds, one slow
//!   one (and a task never measured counts as slow, so new work spreads one
//!   per worker first). One `write` then carries hundreds of tiny tasks, and
//!   the worker answers a whole batch in one `write` too. What is left per task
//!   is framing and bookkeeping, and [`map`](ProcessPool::map)'s `chunksize`
//!   cuts even that: a chunk is one message.
//! - **Large payloads** cost a copy into the frame (postcard), a copy into the
//!   pipe and out of it (the kernel; the pipes are grown to 1 MiB), and a copy
//!   out of the frame into the worker's `Vec` — plus page faults wherever that
//!   memory is fresh, which on a VM cost microseconds each (12,000 of them for
//!   50 MB). So large frame buffers are reused, and a worker's malloc keeps the
//!   memory it frees and uses huge pages (glibc tunables set for workers only):
//!   the second 50 MB argument lands where the first one was. A worker thus
//!   keeps its peak heap; `maxtasksperchild` recycles it.
//!
//! # The guard is `if __name__ == "__main__":`
//!
//! A worker is this same program, started again with an extra argument, the way
//! Python's spawn start method starts a fresh interpreter that imports the main
//! module. Whatever `main` does before [`worker_guard`] runs again in every
//! worker; `worker_guard` notices the argument and turns the process into a
//! worker that never returns. So it must be the first call in `main`, and every
//! task must be registered in the function given to it: that function runs in
//! both processes, the rest of `main` only in the parent. A task registered only
//! after the guard (Python: a function defined inside the `if __name__` block)
//! is unknown to the workers, and every call of it fails with
//! [`TaskErrorKind::UnknownTask`]. Creating a pool without having called the
//! guard fails with [`PoolError::GuardNotCalled`] rather than starting workers
//! that would start workers of their own.
//!
//! The binary that calls the guard is whatever runs: `cargo xtask`'s `main`
//! calls it with every lesson's tasks, a lesson's example calls it in its own
//! `main`, and an integration test that needs workers is a `harness = false`
//! target whose `main` calls it (libtest's harness would otherwise own `main`;
//! see `crates/runtime/tests/process_pool.rs`).
//!
//! # Only names cross: closures cannot be tasks
//!
//! pickle sends a function by its module and name, and a worker looks the name
//! up in its own copy of the program; that is why `pool.map(lambda x: x**2, ..)`
//! fails with `PicklingError`. A [`Task`] is exactly that: a name and a plain
//! `fn` pointer, and the name is what crosses. A closure that captures a
//! variable cannot become a `fn` pointer, so the compiler rejects it (see
//! [`Task`]); pass the captured value in the argument instead.
//!
//! Results come back on the pool's own threads, so a callback must be `Send`:
//! reaching for an `Rc` there is the thread version of the same mistake, also
//! caught at compile time:
//!
//! ```compile_fail,E0277
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use runtime::process::{ProcessPool, Task};
//!
//! fn square(x: u64) -> u64 { x * x }
//! static SQUARE: Task<u64, u64> = Task::new("docs::square", square);
//!
//! fn collect(pool: &ProcessPool) {
//!     let seen = Rc::new(RefCell::new(Vec::new()));
//!     let sink = seen.clone();
//!     // error[E0277]: `Rc<RefCell<Vec<u64>>>` cannot be sent between threads safely
//!     pool.submit(&SQUARE, 3, move |r| sink.borrow_mut().extend(r)).unwrap();
//! }
//! ```
//!
//! # What crosses the pipe
//!
//! Each chunk of tasks is one frame: a 4-byte length, a kind, an 8-byte job id,
//! the task's name, a count, then each argument behind a 4-byte length. A
//! result frame carries the job id, how long the worker was busy, and each
//! result (or error message) behind a status byte and a length. For
//! `SQUARE` with `chunksize = 1` that is 82 bytes per task both ways together, of
//! which 2 to 10 are the numbers themselves; with the default chunksize, 15.
//!
//! Values are encoded with [postcard](https://docs.rs/postcard), chosen by
//! measuring it against bincode 2 and serde_json
//! (`cargo run --release -p runtime --example process_wire_formats`, same VM):
//!
//! | | postcard 1 | bincode 2 | serde_json 1 |
//! |---|---|---|---|
//! | `u64` encode / decode | 9 / 3 ns, 4 bytes | 5 / 3 ns, 5 bytes | 7 / 12 ns, 9 bytes |
//! | struct `{u64, f64, String}` | 10 / 42 ns, 21 bytes | 14 / 38 ns, 21 bytes | 53 / 104 ns, 39 bytes |
//! | `Vec<f64>`, 10 MB: encode / decode | 26 / 7.0 GB/s | 8.2 / 5.7 GB/s | 0.36 / 0.34 GB/s, 22.7 MB |
//!
//! Small values cost a few nanoseconds in any binary format, nothing next to a
//! microsecond of per-task overhead. Large `f64` payloads decide it: postcard
//! is the fastest (its encoder writes straight into a slice), bincode 2 close,
//! and text is 20 times slower and twice the size — serde_json would cap the pool
//! near 300 MB/s before the pipe is even involved. postcard is also maintained
//! (bincode's authors have stopped; its 3.0 release is an empty crate).
//! postcard is not self-describing: a type that needs `deserialize_any`
//! (`#[serde(untagged)]`, `#[serde(flatten)]`, `serde_json::Value`) cannot be
//! decoded, and arrives as [`TaskErrorKind::BadArguments`]; and it keeps the kind
//! of a serde error, not its custom message.
//!
//! # A dead worker breaks the pool
//!
//! If a worker ends while the pool still needs it — killed (`kill -9`), aborted,
//! crashed, or exited from inside a task — the parent's reader for that worker
//! sees its pipe close at once. The pool is then *broken*, like
//! `concurrent.futures`' `BrokenProcessPool`: every pending task fails with
//! [`TaskErrorKind::BrokenPool`] (with the pid and how it ended, e.g. "was
//! killed by signal 9 (SIGKILL)"), the other workers are killed and reaped, and
//! every later call fails the same way. Nothing waits for a result that cannot
//! come; the tests measure well under a millisecond from the kill to the
//! errors. (`multiprocessing.Pool` itself hangs in this case; we follow
//! `concurrent.futures`.) A task that panics is different: the panic is caught
//! in the worker and becomes that task's [`TaskErrorKind::Panicked`] error with
//! the message, where it was raised, and the task's index; the worker and the
//! pool carry on.
//!
//! # No orphans, no zombies
//!
//! - A worker asks the kernel to SIGKILL it when its parent dies
//!   (`prctl(PR_SET_PDEATHSIG)`), then checks that its parent is still the one
//!   that started it. As a second line of defence it exits when the pipe from
//!   the parent reaches end-of-file. Linux sends the parent-death signal when
//!   the *thread* that started the child ends, so all workers are started by one
//!   long-lived spawner thread, never by the thread that happens to call.
//! - Each worker is reaped (`waitpid`) by its reader thread when its pipe
//!   closes; [`terminate`](ProcessPool::terminate) and drop kill the workers
//!   and join those threads, so no zombie is left behind.
//! - A worker's own stdin is `/dev/null` and its stdout is the parent's stderr:
//!   a task that prints cannot corrupt the protocol.
//! - Workers ignore Ctrl-C (SIGINT, which the terminal sends to the whole
//!   process group): what happens on Ctrl-C is the parent's decision, and the
//!   parent's death or [`terminate`](ProcessPool::terminate) ends the workers.
//! - The pool's writer threads block SIGPIPE, so a write to a worker that has
//!   just died is an error that breaks the pool, even in a program that has
//!   restored SIGPIPE's default action (to end quietly on `| head`).
//!
//! # Platform
//!
//! Unix only; the parent-death signal and the pipe size are Linux features.

mod core;
mod error;
mod os;
mod task;
mod wire;
mod worker;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::pool::Chunksize;
pub use error::{PoolError, TaskError, TaskErrorKind};
pub use task::{Registry, Task};
pub use worker::worker_guard;

use self::core::{ChunkReply, Done, Job, Shared, Status, TicketState};
use self::wire::FrameBuilder;

/// How long [`ProcessPoolBuilder::build`] waits for every worker to start and
/// run its initializer, unless told otherwise.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(30);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Counters of what crossed the pipes, from [`ProcessPool::stats`].
///
/// Bytes include the framing (lengths, task names, job ids), so
/// `bytes_sent / tasks` is the true cost of one task on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Bytes written to workers: task names, arguments, framing.
    pub bytes_sent: u64,
    /// Bytes read from workers: results, errors, framing.
    pub bytes_received: u64,
    /// Tasks (items) whose outcome came back from a worker, success or error.
    pub tasks: u64,
    /// Messages (chunks) written to workers, handshakes included.
    pub messages_sent: u64,
    /// Messages read from workers, handshakes included.
    pub messages_received: u64,
    /// Worker processes started, replacements included (see `maxtasksperchild`).
    pub workers_started: u64,
}

/// Settings for a [`ProcessPool`]; mirrors the arguments of `multiprocessing.Pool`.
#[must_use]
pub struct ProcessPoolBuilder {
    workers: usize,
    maxtasksperchild: Option<usize>,
    initializer: Option<(&'static str, Result<Vec<u8>, String>)>,
    start_timeout: Duration,
}

impl ProcessPoolBuilder {
    /// Number of worker processes (Python's `processes`; default: the machine's
    /// logical cores).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// After this many tasks a worker exits and a fresh one takes its place
    /// (Python's `maxtasksperchild`). A chunk of `map` counts as one task, as in
    /// Python. Costs one process start per `n` tasks; useful when tasks leak.
    pub fn maxtasksperchild(mut self, n: usize) -> Self {
        self.maxtasksperchild = Some(n.max(1));
        self
    }

    /// A registered task each worker runs once at start with `arg`, before any
    /// other task (Python's `initializer` and `initargs`). Its result is thrown
    /// away; use it to fill a worker's `static`s. If it panics, the pool fails to
    /// start (or breaks, for a replacement worker) with its message.
    pub fn initializer<A, R>(mut self, task: &Task<A, R>, arg: A) -> Self
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Serialize + DeserializeOwned + 'static,
    {
        let arg = postcard::to_allocvec(&arg).map_err(|e| e.to_string());
        self.initializer = Some((task.name(), arg));
        self
    }

    /// How long to wait for every worker to start (default 30 s).
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Starts the workers and waits until each has answered (and run its
    /// initializer). Costs one process start per worker: see the module docs.
    pub fn build(self) -> Result<ProcessPool, PoolError> {
        if !worker::guard_called() {
            return Err(PoolError::GuardNotCalled);
        }
        if self.workers == 0 {
            return Err(PoolError::NoWorkers);
        }
        let mut init = FrameBuilder::new(wire::INIT, 64);
        match &self.initializer {
            None => {
                init.name("");
                init.bytes(&[]);
            }
            Some((name, arg)) => {
                let arg = arg.as_ref().map_err(|e| {
                    PoolError::Startup(format!(
                        "the initializer's argument could not be serialized: {e}"
                    ))
                })?;
                init.name(name);
                init.bytes(arg);
            }
        }
        let init = init.finish().map_err(PoolError::Startup)?;
        let shared = Arc::new(Shared::new(self.workers, init, self.maxtasksperchild));
        let pool = ProcessPool { shared };
        for _ in 0..self.workers {
            core::spawn_worker(&pool.shared).map_err(|e| match e {
                PoolError::Broken(why) => PoolError::Startup(why),
                other => other,
            })?;
        }
        let n = self.workers;
        let deadline = Instant::now() + self.start_timeout;
        let settled = pool.shared.wait_until(Some(deadline), |st| {
            Shared::ready_count(st) >= n || !matches!(st.status, Status::Running)
        });
        if let Status::Broken(reason) = pool.shared.lock().status.clone() {
            return Err(PoolError::Startup(reason.to_string()));
        }
        if !settled {
            return Err(PoolError::Startup(format!(
                "not every worker answered within {:?}: does main call runtime::process::worker_guard(...) \
                 before anything slow?",
                self.start_timeout
            )));
        }
        Ok(pool)
    }
}

/// A pool of worker processes running registered [`Task`]s; mirrors
/// `multiprocessing.Pool` (spawn start method) and, for a dead worker,
/// `concurrent.futures`' `BrokenProcessPool`.
///
/// See the [module docs](self) for what each call costs. Dropping the pool
/// terminates it, like leaving Python's `with Pool() as pool:` block: workers
/// are killed and reaped, and results not yet back fail with
/// [`TaskErrorKind::Terminated`]. Use [`close`](Self::close) and
/// [`join`](Self::join) to let queued work finish first.
pub struct ProcessPool {
    shared: Arc<Shared>,
}

impl fmt::Debug for ProcessPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessPool")
            .field("workers", &self.shared.workers)
            .field("pids", &self.worker_pids())
            .finish()
    }
}

impl ProcessPool {
    /// A pool of `workers` processes with default settings.
    pub fn new(workers: usize) -> Result<Self, PoolError> {
        Self::builder().workers(workers).build()
    }

    /// Settings: workers, `maxtasksperchild`, initializer, start timeout.
    pub fn builder() -> ProcessPoolBuilder {
        ProcessPoolBuilder {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            maxtasksperchild: None,
            initializer: None,
            start_timeout: DEFAULT_START_TIMEOUT,
        }
    }

    /// The number of worker processes the pool keeps.
    pub fn workers(&self) -> usize {
        self.shared.workers
    }

    /// The process ids of the current workers (for diagnostics and tests).
    pub fn worker_pids(&self) -> Vec<u32> {
        self.shared.worker_pids()
    }

    /// What crossed the pipes so far.
    pub fn stats(&self) -> PoolStats {
        let c = &self.shared.counters;
        PoolStats {
            bytes_sent: c.bytes_sent.load(Ordering::Relaxed),
            bytes_received: c.bytes_received.load(Ordering::Relaxed),
            tasks: c.tasks.load(Ordering::Relaxed),
            messages_sent: c.messages_sent.load(Ordering::Relaxed),
            messages_received: c.messages_received.load(Ordering::Relaxed),
            workers_started: c.workers_started.load(Ordering::Relaxed),
        }
    }

    /// Whether a worker died and broke the pool (every call now fails with
    /// [`TaskErrorKind::BrokenPool`]).
    pub fn is_broken(&self) -> bool {
        matches!(self.shared.lock().status, Status::Broken(_))
    }

    /// Why the pool is broken, if it is: which worker, and how it ended.
    pub fn broken_reason(&self) -> Option<String> {
        match &self.shared.lock().status {
            Status::Broken(reason) => Some(reason.to_string()),
            _ => None,
        }
    }

    /// Submits one task; `on_done` gets its outcome on a pool thread. The
    /// primitive under every other call, and the one an executor builds on.
    ///
    /// Costs: the argument is serialized here, on the calling thread; one frame
    /// (about 20 bytes plus the task name and the argument) crosses to a worker
    /// and one (about 20 bytes plus the result) comes back. `on_done` runs on
    /// the reader thread of the worker that ran the task: keep it short, as a
    /// slow callback delays every result behind it (Python's result-handler
    /// thread has the same rule).
    ///
    /// If the pool refuses the task (closed, broken, terminated) or the
    /// argument cannot be serialized, the error comes back here and `on_done`
    /// is never called. Otherwise `on_done` is called exactly once, unless
    /// [`Ticket::cancel`] returns `true`; a broken or terminated pool calls it
    /// with the error at once. Never wait in `on_done` for another result of
    /// the same pool: the thread that would deliver it may be the one waiting.
    pub fn submit<A, R, F>(
        &self,
        task: &Task<A, R>,
        arg: A,
        on_done: F,
    ) -> Result<Ticket, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned,
        F: FnOnce(Result<R, TaskError>) + Send + 'static,
    {
        let id = self.shared.next_job_id();
        let (frame, _count, failed) = encode_chunk(
            &self.shared,
            id,
            task.name(),
            0,
            &mut std::iter::once(arg),
            1,
        );
        if let Some(error) = failed {
            return Err(error);
        }
        let ticket = Arc::new(TicketState::default());
        let done: Done = Box::new(move |reply| {
            on_done(reply.and_then(|mut r| r.next::<R>()));
        });
        let job = Job {
            frame: frame.unwrap_or_default(),
            name: task.name(),
            id,
            items: 1,
            ticket: Some(ticket.clone()),
            done,
        };
        match self.shared.enqueue(vec![job], false) {
            Ok(()) => Ok(Ticket { state: ticket }),
            Err((refused, _)) => Err(refused),
        }
    }

    /// Runs one task and waits for its result (Python's `apply`).
    pub fn apply<A, R>(&self, task: &Task<A, R>, arg: A) -> Result<R, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        self.apply_async(task, arg).get()
    }

    /// Submits one task and returns a handle to its result (Python's
    /// `apply_async`). A refused task gives a handle that is already failed.
    pub fn apply_async<A, R>(&self, task: &Task<A, R>, arg: A) -> AsyncResult<R>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        self.apply_async_with(task, arg, Callbacks::new())
    }

    /// [`apply_async`](Self::apply_async) with Python's `callback` and
    /// `error_callback` (see [`Callbacks`]): exactly one of them runs, on a
    /// pool thread, before the result becomes ready. For a refused task
    /// `error_callback` runs here, on the calling thread.
    pub fn apply_async_with<A, R>(
        &self,
        task: &Task<A, R>,
        arg: A,
        callbacks: Callbacks<R>,
    ) -> AsyncResult<R>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
    {
        let cell = Arc::new(ResultCell::default());
        let filler = cell.clone();
        let complete = move |outcome: Result<R, TaskError>| {
            let Callbacks {
                callback,
                error_callback,
            } = callbacks;
            // A panicking callback is reported, and the result is still delivered.
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &outcome {
                Ok(value) => callback.map(|f| f(value)),
                Err(error) => error_callback.map(|f| f(error)),
            }));
            if ran.is_err() {
                eprintln!(
                    "process pool: an apply_async callback panicked; the result is delivered anyway"
                );
            }
            filler.fill(outcome);
        };
        // `submit` either takes `complete` or hands the error back; keep a way
        // to run it in the second case.
        let slot = Arc::new(Mutex::new(Some(complete)));
        let taker = slot.clone();
        let submitted = self.submit(task, arg, move |outcome| {
            if let Some(complete) = lock(&taker).take() {
                complete(outcome);
            }
        });
        if let Err(refused) = submitted
            && let Some(complete) = lock(&slot).take()
        {
            complete(Err(refused));
        }
        AsyncResult { cell }
    }

    /// Runs `task` on every item and returns the results in order (Python's
    /// `map`). Items go to workers in chunks of `chunksize` (one message per
    /// chunk): a number, or `None` (or `0`, or [`Chunksize::Auto`]) for
    /// Python's default, `len / (4 * workers)` rounded up, which suits many
    /// small tasks.
    ///
    /// The first failing item (lowest index) is the error; once a task fails no
    /// new chunks are sent. Chunks are encoded as workers free up, so at most a
    /// few thousand wait encoded at any time.
    pub fn map<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<R>, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        let items: Vec<A> = items.into_iter().collect();
        let n = items.len();
        if n == 0 {
            return match Shared::refusal(&self.shared.lock().status, false) {
                Some(refused) => Err(refused),
                None => Ok(Vec::new()),
            };
        }
        let chunksize = chunksize.into().resolve(n, self.workers());
        self.shared.start_feeding()?;
        let feeding = Feeding(&self.shared);
        let collector = Arc::new(MapCollector::<R> {
            state: Mutex::new(MapState {
                results: (0..n).map(|_| None).collect(),
                outstanding: 0,
                outstanding_bytes: 0,
                error: None,
                wake_at: None,
            }),
            ready: Condvar::new(),
        });
        let (high, low) = water_marks(self.workers());
        let mut items = items.into_iter();
        let mut next = 0;
        while next < n {
            let (room, bytes_room) = {
                let s = lock(&collector.state);
                if s.error.is_some() {
                    break;
                }
                (
                    high.saturating_sub(s.outstanding),
                    QUEUED_BYTES_HIGH.saturating_sub(s.outstanding_bytes),
                )
            };
            let batch_first = next;
            let mut batch = Vec::new();
            let mut batch_bytes = 0;
            let mut stop = None;
            while batch.len() < room.max(1)
                && next < n
                && (batch.is_empty() || batch_bytes < bytes_room)
            {
                let id = self.shared.next_job_id();
                let (frame, count, failed) =
                    encode_chunk(&self.shared, id, task.name(), next, &mut items, chunksize);
                if let Some(frame) = frame {
                    let bytes = frame.len();
                    batch_bytes += bytes;
                    batch.push(Job {
                        frame,
                        name: task.name(),
                        id,
                        items: count as u32,
                        ticket: None,
                        done: collector.clone().completion(next, count, bytes),
                    });
                }
                next += count;
                if let Some(error) = failed {
                    stop = Some(error);
                    break;
                }
            }
            {
                let mut s = lock(&collector.state);
                s.outstanding += batch.len();
                s.outstanding_bytes += batch_bytes;
            }
            if let Err((refused, jobs)) = self.shared.enqueue(batch, true) {
                let mut s = lock(&collector.state);
                s.outstanding -= jobs.len();
                s.outstanding_bytes -= jobs.iter().map(|j| j.frame.len()).sum::<usize>();
                s.record(refused.with_index(batch_first));
                break;
            }
            if let Some(error) = stop {
                lock(&collector.state).record(error);
                break;
            }
            if next < n {
                collector.wait_until_at_most(low, QUEUED_BYTES_LOW);
            }
        }
        drop(feeding);
        collector.wait_until_at_most(0, 0);
        let mut s = lock(&collector.state);
        if let Some(error) = s.error.take() {
            return Err(error);
        }
        let results = std::mem::take(&mut s.results);
        Ok(results
            .into_iter()
            .map(|r| r.expect("every item has a result"))
            .collect())
    }

    /// [`map`](Self::map) for tasks that take several arguments (Python's
    /// `starmap`). A Rust task takes its arguments as one tuple, so `starmap`
    /// is `map` over tuples, kept so code reads like the Python it mirrors:
    /// `fn power((base, exp): (f64, i32)) -> f64`.
    pub fn starmap<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<R>, TaskError>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        self.map(task, items, chunksize)
    }

    /// A lazy `map`: results in order, each as soon as it and those before it
    /// are back (Python's `imap`). Items are taken from `items` only as
    /// workers need them, so an endless iterator works. [`Chunksize::Auto`]
    /// uses Python's `map` heuristic when the input knows its exact length and
    /// 1 otherwise (Python's `imap` default).
    pub fn imap<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'_, A, R, I::IntoIter>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        let items = items.into_iter();
        let chunksize = imap_chunksize(chunksize.into(), items.size_hint(), self.workers());
        Imap::new(self, task, items, chunksize, true)
    }

    /// Like [`imap`](Self::imap), but results come in the order they finish
    /// (Python's `imap_unordered`). A result's position is in its error, not
    /// in `Ok`; map over `items.into_iter().enumerate()` if you need it.
    pub fn imap_unordered<A, R, I>(
        &self,
        task: &Task<A, R>,
        items: I,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'_, A, R, I::IntoIter>
    where
        A: Serialize,
        R: DeserializeOwned + Send + 'static,
        I: IntoIterator<Item = A>,
    {
        let items = items.into_iter();
        let chunksize = imap_chunksize(chunksize.into(), items.size_hint(), self.workers());
        Imap::new(self, task, items, chunksize, false)
    }

    /// No new tasks; queued ones still run (Python's `close`). Workers exit once
    /// the queue is empty.
    pub fn close(&self) {
        self.shared.close();
    }

    /// Waits for every worker to exit after [`close`](Self::close) or
    /// [`terminate`](Self::terminate) (Python's `join`), reaping each one.
    pub fn join(&self) -> Result<(), PoolError> {
        if matches!(self.shared.lock().status, Status::Running) {
            return Err(PoolError::StillRunning);
        }
        if core::on_pool_thread() {
            return Err(PoolError::JoinFromPoolThread);
        }
        self.shared.wait_until(None, Shared::all_gone);
        self.shared.join_threads();
        Ok(())
    }

    /// Stops now (Python's `terminate`): workers are killed with SIGKILL and
    /// reaped, queued and running tasks fail with [`TaskErrorKind::Terminated`].
    pub fn terminate(&self) {
        self.shared.terminate();
    }
}

impl Drop for ProcessPool {
    fn drop(&mut self) {
        self.shared.terminate();
    }
}

/// `imap`'s chunksize: as given, else Python's default when the input says
/// its exact length, else 1 (Python's `imap` default), as the thread pool does.
fn imap_chunksize(
    chunksize: Chunksize,
    size_hint: (usize, Option<usize>),
    workers: usize,
) -> usize {
    match (chunksize, size_hint) {
        (Chunksize::Fixed(n), _) if n > 0 => n,
        (_, (low, Some(high))) if low == high => crate::pool::default_chunksize(low, workers),
        _ => 1,
    }
}

/// Encoded bytes a `map` or `imap` keeps queued or in flight before it waits
/// (one chunk always goes), and the level at which it queues more: large
/// payloads are encoded as workers catch up, not all at once.
const QUEUED_BYTES_HIGH: usize = 128 << 20;
const QUEUED_BYTES_LOW: usize = 64 << 20;

/// How many chunks a `map` keeps queued or in flight (high), and when it
/// queues more (low): enough to fill every worker's in-flight limit twice.
fn water_marks(workers: usize) -> (usize, usize) {
    let high = (workers.max(1) * core::MAX_WINDOW * 2).max(64);
    (high, high / 2)
}

/// Encodes up to `chunksize` items from `items` into one TASK frame.
/// Returns the frame (if any item was encoded), how many items were taken, and
/// the error for the item that could not be serialized (the last one taken).
fn encode_chunk<A: Serialize>(
    shared: &Shared,
    id: u64,
    name: &str,
    first: usize,
    items: &mut dyn Iterator<Item = A>,
    chunksize: usize,
) -> (Option<Vec<u8>>, usize, Option<TaskError>) {
    let mut f = match shared.take_spare() {
        Some(buf) => FrameBuilder::reuse(buf, wire::TASK),
        None => FrameBuilder::new(wire::TASK, 32 + name.len()),
    };
    f.u64(id);
    f.name(name);
    let count_at = f.mark();
    f.u32(0);
    let mut encoded = 0u32;
    let mut taken = 0;
    let mut failed = None;
    for item in items.take(chunksize) {
        taken += 1;
        if let Err(e) = f.value(&item) {
            failed = Some(TaskError::new(
                first + taken - 1,
                TaskErrorKind::Unserializable,
                format!(
                    "the argument (a `{}`) of task {name:?} could not be serialized: {e}",
                    std::any::type_name::<A>()
                ),
            ));
            break;
        }
        encoded += 1;
    }
    if encoded == 0 {
        return (None, taken, failed);
    }
    match f.finish() {
        Ok(mut frame) => {
            frame[count_at..count_at + 4].copy_from_slice(&encoded.to_le_bytes());
            if Shared::oversized(&frame, frame.capacity()) {
                // A small task got a large spare: keep a copy, return the spare.
                let small = frame.clone();
                shared.recycle(frame);
                frame = small;
            }
            (Some(frame), taken, failed)
        }
        Err(e) => (
            None,
            taken,
            Some(TaskError::new(first, TaskErrorKind::Unserializable, e)),
        ),
    }
}

/// Unregisters a `map`'s feeding when it ends, even by an early return.
struct Feeding<'a>(&'a Shared);
impl Drop for Feeding<'_> {
    fn drop(&mut self) {
        self.0.stop_feeding();
    }
}

struct MapState<R> {
    results: Vec<Option<R>>,
    /// Chunks queued or in flight, and their encoded bytes.
    outstanding: usize,
    outstanding_bytes: usize,
    error: Option<TaskError>,
    /// The consumer sleeps until at most this many chunks and bytes are out.
    wake_at: Option<(usize, usize)>,
}

impl<R> MapState<R> {
    fn record(&mut self, error: TaskError) {
        if self
            .error
            .as_ref()
            .is_none_or(|e| error.index() < e.index())
        {
            self.error = Some(error);
        }
    }
}

struct MapCollector<R> {
    state: Mutex<MapState<R>>,
    ready: Condvar,
}

impl<R: DeserializeOwned + Send + 'static> MapCollector<R> {
    fn completion(self: Arc<Self>, first: usize, count: usize, bytes: usize) -> Done {
        Box::new(move |reply: Result<ChunkReply<'_>, TaskError>| {
            // Decode outside the lock: results of other workers keep flowing.
            let mut values = Vec::with_capacity(count);
            let mut failed = None;
            match reply {
                Ok(mut reply) => {
                    for k in 0..count {
                        match reply.next::<R>() {
                            Ok(v) => values.push(v),
                            Err(e) => {
                                failed = Some(e.with_index(first + k));
                                break;
                            }
                        }
                    }
                }
                Err(e) => failed = Some(e.with_index(first)),
            }
            let mut s = lock(&self.state);
            for (k, v) in values.into_iter().enumerate() {
                s.results[first + k] = Some(v);
            }
            let had_error = s.error.is_some();
            if let Some(e) = failed {
                s.record(e);
            }
            s.outstanding -= 1;
            s.outstanding_bytes -= bytes;
            if let Some((at, at_bytes)) = s.wake_at
                && ((s.outstanding <= at && s.outstanding_bytes <= at_bytes)
                    || (!had_error && s.error.is_some()))
            {
                s.wake_at = None;
                self.ready.notify_one();
            }
        })
    }

    /// Waits until at most `at` chunks and `at_bytes` bytes are out (or, while
    /// feeding, until a task fails).
    fn wait_until_at_most(&self, at: usize, at_bytes: usize) {
        let mut s = lock(&self.state);
        while (s.outstanding > at || s.outstanding_bytes > at_bytes)
            && (at == 0 || s.error.is_none())
        {
            s.wake_at = Some((at, at_bytes));
            s = self.ready.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.wake_at = None;
    }
}

type Callback<R> = Box<dyn FnOnce(&R) + Send>;
type ErrorCallback = Box<dyn FnOnce(&TaskError) + Send>;

/// What to run when an `apply_async` task ends: Python's `callback=` and
/// `error_callback=` (the same shape as [`crate::pool::Callbacks`]).
///
/// Exactly one of the two runs, once: `callback` with the result, or
/// `error_callback` with the error. They run on the pool's reader thread for
/// the worker that ran the task, before the result becomes ready, so keep them
/// short (a slow callback delays every result behind it, as it blocks Python's
/// result-handler thread), and never wait in one for another result of the
/// same pool.
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

/// The handle [`ProcessPool::submit`] returns: where the task is, and a way to
/// cancel it before a worker takes it.
#[derive(Clone)]
pub struct Ticket {
    state: Arc<TicketState>,
}

/// Where a submitted task is (see [`Ticket::state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting in the parent's queue; [`Ticket::cancel`] can still stop it.
    Queued,
    /// Written to a worker's pipe: it runs, or waits behind the tasks before it
    /// on that worker. Too late to cancel (as for a `concurrent.futures` call
    /// that reached the call queue).
    Running,
    /// Its outcome was delivered.
    Finished,
    /// Cancelled before it started.
    Cancelled,
}

impl Ticket {
    /// Cancels the task if no worker has taken it yet. On `true` the task never
    /// runs and its `on_done` is dropped without being called; on `false` it
    /// runs (or ran) and `on_done` is called as usual. Mirrors `Future.cancel`.
    pub fn cancel(&self) -> bool {
        self.state.cancel()
    }

    /// Where the task is now.
    pub fn state(&self) -> TaskState {
        match self.state.get() {
            TicketState::QUEUED => TaskState::Queued,
            TicketState::RUNNING => TaskState::Running,
            TicketState::FINISHED => TaskState::Finished,
            _ => TaskState::Cancelled,
        }
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Ticket").field(&self.state()).finish()
    }
}

struct ResultCell<R> {
    value: Mutex<CellState<R>>,
    ready: Condvar,
}

struct CellState<R> {
    outcome: Option<Result<R, TaskError>>,
    done: bool,
    waiters: usize,
}

impl<R> Default for ResultCell<R> {
    fn default() -> Self {
        Self {
            value: Mutex::new(CellState {
                outcome: None,
                done: false,
                waiters: 0,
            }),
            ready: Condvar::new(),
        }
    }
}

impl<R> ResultCell<R> {
    fn fill(&self, outcome: Result<R, TaskError>) {
        let mut s = lock(&self.value);
        s.outcome = Some(outcome);
        s.done = true;
        if s.waiters > 0 {
            self.ready.notify_all();
        }
    }

    /// Waits until done or the deadline; returns whether it is done.
    fn wait_deadline(&self, deadline: Option<Instant>) -> bool {
        let mut s = lock(&self.value);
        while !s.done {
            s.waiters += 1;
            s = match deadline {
                None => self.ready.wait(s).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        s.waiters -= 1;
                        return false;
                    }
                    self.ready
                        .wait_timeout(s, d - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            s.waiters -= 1;
        }
        true
    }
}

/// The result of [`ProcessPool::apply_async`], to be collected later; mirrors
/// `multiprocessing.pool.AsyncResult`.
pub struct AsyncResult<R> {
    cell: Arc<ResultCell<R>>,
}

impl<R> AsyncResult<R> {
    /// Whether the result (or error) is back.
    pub fn ready(&self) -> bool {
        lock(&self.cell.value).done
    }

    /// Whether it is back and is not an error (Python's `successful`, which
    /// raises if not ready; here that is `None`).
    pub fn successful(&self) -> Option<bool> {
        let s = lock(&self.cell.value);
        s.done.then(|| matches!(s.outcome, Some(Ok(_))))
    }

    /// Waits until it is back.
    pub fn wait(&self) {
        self.cell.wait_deadline(None);
    }

    /// Waits at most `timeout`; returns whether it is back.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.cell.wait_deadline(Some(Instant::now() + timeout))
    }

    /// Waits for the result. Never hangs on a dead worker: a broken pool fails
    /// every pending result with [`TaskErrorKind::BrokenPool`].
    pub fn get(self) -> Result<R, TaskError> {
        self.cell.wait_deadline(None);
        self.take()
    }

    /// Waits at most `timeout` for the result; after that,
    /// [`TaskErrorKind::TimedOut`] and the result is given up (use
    /// [`wait_timeout`](Self::wait_timeout) to keep waiting).
    pub fn get_timeout(self, timeout: Duration) -> Result<R, TaskError> {
        if self.cell.wait_deadline(Some(Instant::now() + timeout)) {
            self.take()
        } else {
            Err(TaskError::timed_out(timeout))
        }
    }

    fn take(&self) -> Result<R, TaskError> {
        lock(&self.cell.value).outcome.take().unwrap_or_else(|| {
            Err(TaskError::new(
                0,
                TaskErrorKind::BrokenPool,
                "the result was already taken",
            ))
        })
    }
}

impl<R> fmt::Debug for AsyncResult<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncResult")
            .field("ready", &self.ready())
            .finish()
    }
}

struct ImapState<R> {
    /// Ordered: results by index. Unordered: in arrival order.
    by_index: BTreeMap<usize, Result<R, TaskError>>,
    arrived: VecDeque<(usize, Result<R, TaskError>)>,
    /// Chunks queued or in flight, and their encoded bytes.
    outstanding: usize,
    outstanding_bytes: usize,
    waiting: bool,
}

struct ImapShared<R> {
    state: Mutex<ImapState<R>>,
    ready: Condvar,
    ordered: bool,
}

impl<R: DeserializeOwned + Send + 'static> ImapShared<R> {
    fn push(&self, s: &mut ImapState<R>, index: usize, outcome: Result<R, TaskError>) {
        if self.ordered {
            s.by_index.insert(index, outcome);
        } else {
            s.arrived.push_back((index, outcome));
        }
    }

    fn completion(self: Arc<Self>, first: usize, count: usize, bytes: usize) -> Done {
        Box::new(move |reply: Result<ChunkReply<'_>, TaskError>| {
            let mut outcomes = Vec::with_capacity(count);
            match reply {
                Ok(mut reply) => {
                    for k in 0..count {
                        outcomes.push(reply.next::<R>().map_err(|e| e.with_index(first + k)));
                    }
                }
                Err(e) => outcomes.extend((0..count).map(|k| Err(e.clone().with_index(first + k)))),
            }
            let mut s = lock(&self.state);
            for (k, outcome) in outcomes.into_iter().enumerate() {
                self.push(&mut s, first + k, outcome);
            }
            s.outstanding -= 1;
            s.outstanding_bytes -= bytes;
            if s.waiting {
                s.waiting = false;
                self.ready.notify_one();
            }
        })
    }
}

/// The iterator [`ProcessPool::imap`] and [`ProcessPool::imap_unordered`] return.
///
/// `imap` yields results in input order; `imap_unordered` in the order they
/// arrive. A failed item is an `Err` (with the item's index) for that item;
/// iteration goes on.
pub struct Imap<'p, A, R, I> {
    pool: &'p ProcessPool,
    name: &'static str,
    items: Option<I>,
    chunksize: usize,
    next_index: usize,
    next_out: usize,
    shared: Arc<ImapShared<R>>,
    feeding: bool,
    _arg: PhantomData<fn(A)>,
}

impl<'p, A, R, I> Imap<'p, A, R, I>
where
    A: Serialize,
    R: DeserializeOwned + Send + 'static,
    I: Iterator<Item = A>,
{
    fn new(
        pool: &'p ProcessPool,
        task: &Task<A, R>,
        items: I,
        chunksize: usize,
        ordered: bool,
    ) -> Self {
        let shared = Arc::new(ImapShared {
            state: Mutex::new(ImapState {
                by_index: BTreeMap::new(),
                arrived: VecDeque::new(),
                outstanding: 0,
                outstanding_bytes: 0,
                waiting: false,
            }),
            ready: Condvar::new(),
            ordered,
        });
        let mut imap = Self {
            pool,
            name: task.name(),
            items: Some(items),
            chunksize: chunksize.max(1),
            next_index: 0,
            next_out: 0,
            shared,
            feeding: false,
            _arg: PhantomData,
        };
        match pool.shared.start_feeding() {
            Ok(()) => imap.feeding = true,
            Err(refused) => {
                imap.items = None;
                let mut s = lock(&imap.shared.state);
                imap.shared.push(&mut s, 0, Err(refused));
            }
        }
        imap
    }

    /// Queues chunks until `high` are outstanding or the items run out.
    fn feed(&mut self) {
        let Some(items) = self.items.as_mut() else {
            return;
        };
        let (high, _) = water_marks(self.pool.workers());
        let (room, bytes_room) = {
            let s = lock(&self.shared.state);
            if s.outstanding_bytes > QUEUED_BYTES_LOW {
                return;
            }
            (
                high.saturating_sub(s.outstanding),
                QUEUED_BYTES_HIGH.saturating_sub(s.outstanding_bytes),
            )
        };
        if room < high / 2 {
            return;
        }
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        let mut failures = Vec::new();
        let mut exhausted = false;
        let batch_first = self.next_index;
        while batch.len() < room && (batch.is_empty() || batch_bytes < bytes_room) {
            let id = self.pool.shared.next_job_id();
            let first = self.next_index;
            let (frame, taken, failed) = encode_chunk(
                &self.pool.shared,
                id,
                self.name,
                first,
                items,
                self.chunksize,
            );
            self.next_index += taken;
            let had_failure = failed.is_some();
            if let Some(frame) = frame {
                let count = taken - usize::from(failed.is_some());
                let bytes = frame.len();
                batch_bytes += bytes;
                batch.push(Job {
                    frame,
                    name: self.name,
                    id,
                    items: count as u32,
                    ticket: None,
                    done: self.shared.clone().completion(first, count, bytes),
                });
            }
            if let Some(e) = failed {
                failures.push(e);
            }
            if taken < self.chunksize && !had_failure || taken == 0 {
                exhausted = true;
                break;
            }
        }
        {
            let mut s = lock(&self.shared.state);
            s.outstanding += batch.len();
            s.outstanding_bytes += batch_bytes;
        }
        let refused = if batch.is_empty() {
            None
        } else {
            self.pool.shared.enqueue(batch, true).err()
        };
        let mut s = lock(&self.shared.state);
        let unserializable: Vec<usize> = failures.iter().map(TaskError::index).collect();
        for e in failures {
            let index = e.index();
            self.shared.push(&mut s, index, Err(e));
        }
        if let Some((refused, jobs)) = refused {
            s.outstanding -= jobs.len();
            s.outstanding_bytes -= jobs.iter().map(|j| j.frame.len()).sum::<usize>();
            // Every item of the refused batch fails; then the iteration ends.
            for index in batch_first..self.next_index {
                if !unserializable.contains(&index) {
                    self.shared
                        .push(&mut s, index, Err(refused.clone().with_index(index)));
                }
            }
            exhausted = true;
        }
        drop(s);
        if exhausted {
            self.stop_feeding();
        }
    }

    fn stop_feeding(&mut self) {
        self.items = None;
        if std::mem::take(&mut self.feeding) {
            self.pool.shared.stop_feeding();
        }
    }
}

impl<A, R, I> Iterator for Imap<'_, A, R, I>
where
    A: Serialize,
    R: DeserializeOwned + Send + 'static,
    I: Iterator<Item = A>,
{
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.feed();
            let shared = self.shared.clone();
            let mut s = lock(&shared.state);
            let found = if shared.ordered {
                s.by_index
                    .remove(&self.next_out)
                    .map(|r| (self.next_out, r))
            } else {
                s.arrived.pop_front()
            };
            if let Some((_, item)) = found {
                if shared.ordered {
                    self.next_out += 1;
                }
                return Some(item);
            }
            if self.items.is_none() && s.outstanding == 0 {
                // Ordered: results past a gap left by a refused chunk.
                if let Some((&k, _)) = s.by_index.iter().next() {
                    self.next_out = k;
                    continue;
                }
                return None;
            }
            let (_, low) = water_marks(self.pool.workers());
            if self.items.is_some()
                && s.outstanding <= low
                && s.outstanding_bytes <= QUEUED_BYTES_LOW
            {
                continue; // queue more before sleeping
            }
            s.waiting = true;
            drop(shared.ready.wait(s).unwrap_or_else(|p| p.into_inner()));
        }
    }
}

impl<A, R, I> Drop for Imap<'_, A, R, I> {
    fn drop(&mut self) {
        self.items = None;
        if std::mem::take(&mut self.feeding) {
            self.pool.shared.stop_feeding();
        }
    }
}
