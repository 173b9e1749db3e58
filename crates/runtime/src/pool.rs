//! A thread pool: a fixed set of worker threads, started once, that run the
//! tasks you hand them. It mirrors Python's `multiprocessing.pool.ThreadPool`,
//! which has the API of `multiprocessing.Pool` with threads in place of
//! processes.
//!
//! Why a pool: starting a thread costs 10–30 µs (a `clone(2)` and a stack
//! mapping), so a thread per tiny task spends more time starting threads than
//! working. A pool pays that once and then hands out tasks for nanoseconds
//! each. In Python a thread pool only helps code that waits (I/O), because the
//! interpreter lock lets one thread run Python at a time (see
//! [`gil`](crate::gil)); Rust has no such lock, so these threads run on every
//! core at once.
//!
//! ```
//! use std::time::Duration;
//! use runtime::pool::{Callbacks, Chunksize, ThreadPool};
//!
//! let pool = ThreadPool::new(2);
//!
//! // map: results in input order; chunks of 100 items are the tasks.
//! let squares = pool.map(|x: u64| x * x, 0..1_000, 100).expect("no task panics");
//! assert_eq!(squares[999], 998_001);
//!
//! // starmap: each tuple's fields become the arguments.
//! let sums = pool.starmap(|a: u32, b: u32| a + b, vec![(1, 2), (3, 4)], Chunksize::Auto);
//! assert_eq!(sums, Ok(vec![3, 7]));
//!
//! // imap: a lazy iterator of results, in input order.
//! let firsts: Vec<u64> = pool.imap(|x: u64| x + 1, 0.., 1).take(3).map(Result::unwrap).collect();
//! assert_eq!(firsts, vec![1, 2, 3]);
//!
//! // apply_async: one task, a handle, and a callback that runs before `get` returns.
//! let handle = pool.apply_async_with(|| 6 * 7, Callbacks::new().callback(|r| println!("got {r}")));
//! assert_eq!(handle.get_timeout(Duration::from_secs(10)), Ok(42));
//!
//! // A task that panics is an error for that task; the pool keeps serving.
//! let failed = pool.map(|x: u32| if x == 3 { panic!("three") } else { x }, 0..5, 1);
//! let error = failed.unwrap_err();
//! assert_eq!((error.index(), error.message()), (3, "three"));
//! assert_eq!(pool.apply(|| "still here"), Ok("still here"));
//!
//! pool.close();
//! pool.join().expect("closed first");
//! ```
//!
//! # What a task costs
//!
//! Measured on the course's 2-core machine with 2 workers, mapping `|x| x + 1`
//! over 10⁶ `u64` (`cargo run --release -p runtime --example pool_overhead`:
//! medians of 21 runs, rayon's in the same run, the two taking turns):
//!
//! | call | per task | rayon, same run |
//! |---|---|---|
//! | `map`, `chunksize = 1` | 3.5–14 ns, 0.15–0.3 × rayon | `par_iter().with_max_len(1)`: 21–50 ns |
//! | `map`, `Chunksize::Auto` | 0.12–4 ns, 0.9–1.1 × rayon | `par_iter()`: 0.14–3.7 ns |
//! | `execute`, one queue entry per task | 45–400 ns | |
//! | `imap`, `chunksize = 1` | 0.5–1.4 µs | |
//! | `apply_async(..).get()`, one round trip | 0.4–7 µs | |
//! | a `map` call of two items, fixed cost | 1.2–8.5 µs | |
//!
//! The ranges are the spread between runs on a machine shared with other
//! jobs; ratios within one run are steadier. With automatic chunks a task is
//! next to free and the memory decides: the result `Vec` costs 0.12 ns per
//! item when the allocator hands back memory already mapped, and 2–4 ns when
//! every page of it must be faulted in, for rayon as for the pool. The wide
//! ranges of the single-task rows are sleep against wake: a round trip takes
//! 0.4 µs while the workers are awake and several µs when one must be woken.
//! For scale, the chapter's Python `Pool.map` at `chunksize = 1` takes about
//! 21 µs per task on this machine.
//!
//! # How it works
//!
//! The workers share one queue (a `VecDeque` under a `Mutex`, with a `Condvar`
//! to sleep on). [`execute`](ThreadPool::execute), [`apply_async`](ThreadPool::apply_async)
//! and each chunk of [`imap`](ThreadPool::imap) put one entry in it: a boxed
//! closure, so each costs an allocation, a lock of the queue and, if a worker
//! sleeps, a wake-up system call. An idle worker watches the queue for 50 µs
//! before it sleeps, so work that arrives in a steady stream finds it awake.
//!
//! [`map`](ThreadPool::map) does not send a message per task: a message per
//! task costs more than a trivial task itself, and would put the pool several
//! times behind rayon. Instead a `map` call builds one *shared job* — the
//! items, an empty result slot per item, the function — and queues one ticket
//! to it per worker. The chunks (Python's: `chunksize` consecutive items, the
//! last one shorter) are split into one contiguous run per worker. A worker
//! claims the next chunk of its own run behind a lock nobody else normally
//! touches (two uncontended atomic operations), runs it, and writes each result
//! straight into its slot, so results come out in input order without sorting
//! or copying. A worker that runs out steals the back half of another worker's
//! run, so a slow chunk does not leave the others idle. This is how rayon runs
//! `par_iter`; moving the items in and the results out without copies takes a
//! little `unsafe` code, kept in one small module and checked with Miri.
//!
//! # Chunksize
//!
//! A chunk is the unit of work a worker takes at a time. Small chunks balance
//! uneven tasks well and cost more per item; big ones cost nothing per item but
//! can leave a worker idle while another finishes a long chunk. Python's
//! default, used by [`Chunksize::Auto`] (or `0`, or `None`), is
//! [`default_chunksize`]: `ceil(len / (4 × workers))`, about four chunks per
//! worker.
//!
//! # Why tasks must be `Send + 'static`
//!
//! The items, the function and the results cross to worker threads that
//! outlive the call that submitted them (the pool lives on after `map`
//! returns, and `apply_async` returns before its task runs), so they may not
//! borrow from the caller's stack, and they must be safe to move to another
//! thread. Python checks neither and pickles or shares whatever it gets;
//! here the compiler refuses:
//!
//! ```compile_fail
//! let pool = runtime::pool::ThreadPool::new(2);
//! let shared = std::rc::Rc::new(5); // Rc's count is not atomic: not Send
//! pool.map(move |x: u32| x + *shared, vec![1, 2, 3], 1);
//! ```
//!
//! ```compile_fail
//! let pool = runtime::pool::ThreadPool::new(2);
//! let offset = 10_u32;
//! let offset = &offset; // a borrow of the caller's stack: not 'static
//! pool.map(move |x: u32| x + *offset, vec![1, 2, 3], 1);
//! ```
//!
//! Move owned data in (`move` closures, `Arc` for what is shared). To borrow
//! instead, use a scoped tool that ends before the borrow does:
//! [`std::thread::scope`], [`parallel::scoped_workers`](crate::parallel::scoped_workers)
//! or rayon.
//!
//! # Panics, closing and shutting down
//!
//! A panicking task becomes a [`TaskError`] carrying its index and message (the
//! panic hook still prints it to stderr, as for any panic); the worker goes on.
//! [`close`](ThreadPool::close) stops new work and lets queued work finish;
//! [`terminate`](ThreadPool::terminate) also throws queued work away;
//! [`join`](ThreadPool::join) waits for the workers. Dropping a pool closes and
//! joins it, so no thread outlives its pool.
//!
//! The queue and this shutdown protocol are model-checked with loom
//! (`tests/pool_loom.rs`): no queued job is lost, no worker sleeps while a job
//! waits, `close` + `join` return only after every queued job ran, and
//! `terminate` drops the queued jobs and returns without waiting. Under
//! `--cfg loom` the queue's lock, condition variable and threads are loom's:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p runtime --release --test pool_loom`.
//!
//! | Python | here |
//! |---|---|
//! | `ThreadPool(processes, initializer, initargs)` | [`ThreadPool::new`], [`ThreadPool::builder`] |
//! | `map(func, iterable, chunksize)` | [`ThreadPool::map`] |
//! | `starmap(func, iterable, chunksize)` | [`ThreadPool::starmap`] |
//! | `imap`, `imap_unordered` | [`ThreadPool::imap`], [`ThreadPool::imap_unordered`] |
//! | `apply_async(func, callback=, error_callback=)` | [`ThreadPool::apply_async`], [`ThreadPool::apply_async_with`] |
//! | `apply(func)` | [`ThreadPool::apply`] |
//! | `AsyncResult.get/wait/ready/successful` | [`AsyncResult`] |
//! | `close()`, `join()`, `terminate()` | the same names |
//! | `current_process()` | [`worker_index`] |

mod apply;
mod error;
mod imap;
mod map;
mod slots;
mod star;

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;
#[cfg(not(loom))]
use std::time::Instant;

use sync::{Condvar, JoinHandle, Mutex, MutexGuard, mpsc};

pub use apply::{AsyncResult, Callbacks};
pub use error::{PoolError, TaskError, TaskErrorKind};
pub use imap::{Imap, WINDOW_PER_WORKER};
pub use star::StarFn;

/// std's primitives, or loom's when model checking (`--cfg loom`): the queue,
/// its condition variable and length, the worker threads and their start-up
/// reports, so `tests/pool_loom.rs` can check the queue and shutdown protocol.
/// (`map`'s shared job and `apply_async`'s result slot keep std's.)
mod sync {
    #[cfg(loom)]
    pub(super) use loom::sync::atomic::AtomicUsize;
    #[cfg(loom)]
    pub(super) use loom::sync::{Condvar, Mutex, MutexGuard, mpsc};
    #[cfg(loom)]
    pub(super) use loom::thread::{Builder, JoinHandle};

    #[cfg(not(loom))]
    pub(super) use std::sync::atomic::AtomicUsize;
    #[cfg(not(loom))]
    pub(super) use std::sync::{Condvar, Mutex, MutexGuard, mpsc};
    #[cfg(not(loom))]
    pub(super) use std::thread::{Builder, JoinHandle};
}

/// How many items go into one task: Python's `chunksize` argument.
///
/// Converts from a `usize` (`0` means [`Chunksize::Auto`]) and from an
/// `Option<usize>` (`None` means `Auto`, as Python's `chunksize=None`), so every
/// one of `pool.map(f, items, 1)`, `pool.map(f, items, None)` and
/// `pool.map(f, items, Chunksize::Auto)` reads as it would in Python.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Chunksize {
    /// Python's heuristic: about four chunks per worker, see [`default_chunksize`].
    #[default]
    Auto,
    /// Exactly this many items per chunk (the last chunk may be shorter);
    /// `Fixed(0)` behaves as `Auto`.
    Fixed(usize),
}

impl Chunksize {
    /// The number of items per chunk for `len` items on `workers` workers.
    pub fn resolve(self, len: usize, workers: usize) -> usize {
        match self {
            Chunksize::Fixed(n) if n > 0 => n,
            _ => default_chunksize(len, workers),
        }
    }
}

impl From<usize> for Chunksize {
    fn from(n: usize) -> Self {
        if n == 0 {
            Chunksize::Auto
        } else {
            Chunksize::Fixed(n)
        }
    }
}

impl From<Option<usize>> for Chunksize {
    fn from(n: Option<usize>) -> Self {
        n.map_or(Chunksize::Auto, Chunksize::from)
    }
}

/// Python's default chunksize for `Pool.map`: `ceil(len / (4 * workers))`, so
/// each worker gets about four chunks: few enough that the per-chunk cost
/// vanishes, enough that a worker finishing early can take another. Never
/// less than 1.
///
/// ```
/// assert_eq!(runtime::pool::default_chunksize(1_000_000, 2), 125_000);
/// assert_eq!(runtime::pool::default_chunksize(10, 4), 1);
/// ```
pub fn default_chunksize(len: usize, workers: usize) -> usize {
    len.div_ceil(4 * workers.max(1)).max(1)
}

/// The index of the pool worker running the calling thread (`0..workers`), or
/// `None` on a thread that is not a pool worker. Python's closest is
/// `multiprocessing.current_process().name`.
pub fn worker_index() -> Option<usize> {
    CURRENT_WORKER.with(Cell::get).map(|(_, index)| index)
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

static NEXT_POOL_ID: AtomicUsize = AtomicUsize::new(1);

/// How long an idle worker watches the queue before it sleeps. Waking a
/// sleeping thread costs a system call (a few µs, far more on a busy machine);
/// watching costs CPU time the machine's other threads might want, so keep
/// it short. Rayon's idle workers do the same.
#[cfg_attr(loom, allow(dead_code))] // loom has no clock: see the loom `spin_until`
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(50);

/// Polls `ready` for up to [`SPIN_BEFORE_SLEEP`], spinning then yielding the
/// CPU, and returns what it gave, or `None` if it gave nothing in time. Used
/// before going to sleep, when what we wait for usually comes within
/// microseconds.
#[cfg(not(loom))]
fn spin_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    for round in 0_u32.. {
        if let Some(value) = ready() {
            return Some(value);
        }
        if round < 64 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
            if start.elapsed() > SPIN_BEFORE_SLEEP {
                break;
            }
        }
    }
    None
}

/// Under loom, which has no clock: one look stands for the whole watch. The
/// watch only reads, and every caller checks again under its lock afterwards,
/// so how many looks it takes changes no outcome the models check.
#[cfg(loom)]
fn spin_until<T>(mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    ready()
}

/// Something a worker takes from the queue and runs.
trait Task: Send {
    fn run(self: Box<Self>);
    /// Drops the task unrun, telling whoever waits on it why.
    fn discard(self: Box<Self>, why: TaskErrorKind);
}

/// A plain closure given to [`ThreadPool::execute`].
struct Closure<F>(F);

impl<F: FnOnce() + Send> Task for Closure<F> {
    fn run(self: Box<Self>) {
        (self.0)()
    }
    fn discard(self: Box<Self>, _why: TaskErrorKind) {}
}

/// One entry of the queue: a task, or a ticket into a shared `map` job.
enum Entry {
    Task(Box<dyn Task>),
    Part(map::PartEntry),
}

impl Entry {
    fn run(self, stop: &AtomicBool) {
        match self {
            // The panic hook has already printed the message; the worker lives on.
            Entry::Task(task) => drop(catch_unwind(AssertUnwindSafe(|| task.run()))),
            Entry::Part(part) => part.run(stop),
        }
    }

    fn discard(self, why: TaskErrorKind) {
        // Discarding may run an error callback; its panic must not escape into
        // `terminate` or into the submitting call.
        drop(catch_unwind(AssertUnwindSafe(|| match self {
            Entry::Task(task) => task.discard(why),
            Entry::Part(part) => drop(part),
        })));
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Running,
    Closed,
    Terminated,
}

struct State {
    queue: VecDeque<Entry>,
    phase: Phase,
    /// Workers waiting on `work_ready`: a submit wakes one only if there is one,
    /// because waking costs a system call even when nobody sleeps.
    sleepers: usize,
}

/// What the pool's handle and its workers share.
struct Shared {
    id: usize,
    workers: usize,
    state: Mutex<State>,
    work_ready: Condvar,
    /// Set by `terminate`: `map` participants stop claiming chunks.
    stop: AtomicBool,
    /// The queue's length, written under the lock: an idle worker watches it
    /// for a moment before going to sleep, without taking the lock.
    queued: sync::AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Tasks never run under this lock, so it is never poisoned by them.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_current_worker(&self) -> bool {
        CURRENT_WORKER
            .with(Cell::get)
            .is_some_and(|(pool, _)| pool == self.id)
    }

    fn is_running(&self) -> bool {
        self.lock().phase == Phase::Running
    }

    fn submit(&self, entry: Entry) -> Result<(), PoolError> {
        let mut state = self.lock();
        if state.phase != Phase::Running {
            drop(state);
            entry.discard(TaskErrorKind::PoolClosed);
            return Err(PoolError::Closed);
        }
        state.queue.push_back(entry);
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        let wake = state.sleepers > 0;
        drop(state);
        if wake {
            self.work_ready.notify_one();
        }
        Ok(())
    }

    fn submit_all(&self, entries: Vec<Entry>) -> Result<(), PoolError> {
        let mut state = self.lock();
        if state.phase != Phase::Running {
            drop(state);
            for entry in entries {
                entry.discard(TaskErrorKind::PoolClosed);
            }
            return Err(PoolError::Closed);
        }
        let wake = state.sleepers.min(entries.len());
        state.queue.extend(entries);
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        drop(state);
        match wake {
            0 => {}
            1 => self.work_ready.notify_one(),
            _ => self.work_ready.notify_all(),
        }
        Ok(())
    }

    /// Removes and returns the queued entries of one `map` job.
    fn take_back(&self, latch: &Arc<map::Latch>) -> Vec<Entry> {
        let mut state = self.lock();
        let queue = std::mem::take(&mut state.queue);
        let (mine, rest): (VecDeque<Entry>, _) = queue
            .into_iter()
            .partition(|entry| matches!(entry, Entry::Part(part) if part.belongs_to(latch)));
        state.queue = rest;
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        mine.into()
    }

    /// Runs one queued entry on the calling thread, if there is one. Used by a
    /// worker that waits for a result of its own pool, so it helps instead of
    /// blocking a thread the result may need.
    fn run_one_queued(&self) -> bool {
        let entry = self.pop();
        match entry {
            Some(entry) => {
                entry.run(&self.stop);
                true
            }
            None => false,
        }
    }

    fn close(&self) {
        let mut state = self.lock();
        if state.phase == Phase::Running {
            state.phase = Phase::Closed;
        }
        drop(state);
        self.work_ready.notify_all();
    }

    fn terminate(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let mut state = self.lock();
        state.phase = Phase::Terminated;
        let discarded = std::mem::take(&mut state.queue);
        self.queued.store(0, Ordering::Relaxed);
        drop(state);
        self.work_ready.notify_all();
        // Outside the lock: discarding runs error callbacks, which may use the pool.
        for entry in discarded {
            entry.discard(TaskErrorKind::Terminated);
        }
    }

    fn pop(&self) -> Option<Entry> {
        let mut state = self.lock();
        Self::pop_locked(&mut state, &self.queued)
    }

    fn pop_locked(state: &mut State, queued: &sync::AtomicUsize) -> Option<Entry> {
        let entry = state.queue.pop_front()?;
        queued.store(state.queue.len(), Ordering::Relaxed);
        Some(entry)
    }

    /// The worker loop: take the next entry, run it, until the pool is closed
    /// and drained, or terminated. An idle worker first watches the queue for
    /// a moment, then sleeps: work that arrives within that moment starts at
    /// once and costs no wake-up system call.
    fn work(&self) {
        loop {
            let entry = {
                let mut state = self.lock();
                let mut watched = false;
                loop {
                    if let Some(entry) = Self::pop_locked(&mut state, &self.queued) {
                        break entry;
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
                    state = self
                        .work_ready
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    state.sleepers -= 1;
                }
            };
            entry.run(&self.stop);
        }
    }
}

/// Builds a [`ThreadPool`] with options: the number of workers, and an
/// initializer (Python's `ThreadPool(processes, initializer, initargs)`).
pub struct Builder {
    workers: Option<usize>,
    initializer: Option<Arc<dyn Fn(usize) + Send + Sync>>,
}

impl Builder {
    /// The number of worker threads. Without it, one per logical core, as
    /// Python's `processes=None` means `os.cpu_count()`.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Runs `init(worker_index)` once on each worker thread as it starts, before
    /// it takes any task: the place to set up per-thread state (a thread-local
    /// random stream, a connection). Python passes no index; `initargs` become
    /// whatever the closure captures.
    pub fn initializer(mut self, init: impl Fn(usize) + Send + Sync + 'static) -> Self {
        self.initializer = Some(Arc::new(init));
        self
    }

    /// Starts the workers and waits until every initializer has run.
    ///
    /// Fails with [`PoolError::NoWorkers`] for zero workers, with
    /// [`PoolError::Spawn`] if a thread cannot be started, and with
    /// [`PoolError::InitializerPanicked`] if an initializer panics; in each
    /// case the threads already started are stopped and joined first.
    pub fn build(self) -> Result<ThreadPool, PoolError> {
        let workers = match self.workers {
            Some(0) => return Err(PoolError::NoWorkers),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let shared = Arc::new(Shared {
            id: NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed),
            workers,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                phase: Phase::Running,
                sleepers: 0,
            }),
            work_ready: Condvar::new(),
            stop: AtomicBool::new(false),
            queued: sync::AtomicUsize::new(0),
        });
        let pool = ThreadPool {
            shared: shared.clone(),
            threads: Mutex::new(Vec::with_capacity(workers)),
        };
        let (started, start_reports) = mpsc::channel();
        for index in 0..workers {
            let shared = shared.clone();
            let init = self.initializer.clone();
            let started = started.clone();
            let spawned = sync::Builder::new()
                .name(format!("pool-worker-{index}"))
                .spawn(move || {
                    CURRENT_WORKER.with(|current| current.set(Some((shared.id, index))));
                    let init_ok = match init {
                        Some(init) => catch_unwind(AssertUnwindSafe(|| init(index)))
                            .map_err(|payload| error::panic_message(&*payload)),
                        None => Ok(()),
                    };
                    let failed = init_ok.is_err();
                    let _ = started.send((index, init_ok));
                    if !failed {
                        shared.work();
                    }
                });
            match spawned {
                Ok(handle) => pool.lock_threads().push(handle),
                Err(e) => {
                    pool.terminate();
                    return Err(PoolError::Spawn(e));
                }
            }
        }
        drop(started);
        let mut failure = None;
        for _ in 0..workers {
            // Each worker reports once; one that died first dropped its sender.
            let Ok((worker, outcome)) = start_reports.recv() else {
                break;
            };
            if let Err(message) = outcome {
                failure.get_or_insert(PoolError::InitializerPanicked { worker, message });
            }
        }
        match failure {
            Some(error) => {
                pool.terminate();
                Err(error)
            }
            None => Ok(pool),
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("workers", &self.workers)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

/// A pool of worker threads that run tasks: mirrors
/// `multiprocessing.pool.ThreadPool`. See the [module docs](self).
pub struct ThreadPool {
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl ThreadPool {
    /// A pool of `workers` threads, started and ready.
    ///
    /// # Panics
    /// If `workers` is zero or a thread cannot be started; use
    /// [`ThreadPool::builder`] to get these as errors instead.
    pub fn new(workers: usize) -> Self {
        match Self::builder().workers(workers).build() {
            Ok(pool) => pool,
            Err(e) => panic!("ThreadPool::new({workers}): {e}"),
        }
    }

    /// A builder for a pool with an initializer or the default worker count.
    pub fn builder() -> Builder {
        Builder {
            workers: None,
            initializer: None,
        }
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.shared.workers
    }

    /// Queues `job` to run on a worker: the low-level primitive under every
    /// other method, for code that builds its own handles (futures, parallel
    /// loops). Costs one allocation (the box), one lock of the queue, and a
    /// wake-up system call only when a worker is asleep.
    ///
    /// A panic in `job` is caught (the panic hook prints it as usual) and the
    /// worker goes on. A job thrown away by [`terminate`](Self::terminate) is
    /// dropped without running: give it a value with a `Drop` impl if you need
    /// to hear about that. Fails with [`PoolError::Closed`] after `close` or
    /// `terminate` (the job is dropped).
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) -> Result<(), PoolError> {
        self.shared.submit(Entry::Task(Box::new(Closure(job))))
    }

    /// Applies `f` to every item and returns the results in input order:
    /// Python's `Pool.map(func, iterable, chunksize)`.
    ///
    /// The items are cut into chunks of `chunksize` consecutive items (see
    /// [`Chunksize`]; Python's `map` uses [`Chunksize::Auto`] by default), and
    /// each chunk is one task for one worker. The calling thread blocks until
    /// every chunk is done, and does not run tasks itself (unless it is one of
    /// this pool's workers, when it helps rather than wait on itself).
    ///
    /// Every item runs, even after a panic, as in Python. If any task panicked,
    /// the result is the error of the lowest-index item that panicked (Python
    /// raises the first exception to arrive, which varies from run to run);
    /// after [`terminate`](Self::terminate) it is a [`TaskErrorKind::Terminated`]
    /// error for the first item that never ran. The pool is fine afterwards.
    ///
    /// Costs, measured with 2 workers on trivial tasks: 3.5–14 ns per task at
    /// `chunksize = 1` (rayon with one item per job: 21–50 ns) and what rayon's
    /// `par_iter` costs with automatic chunks, plus 1–9 µs per call to start
    /// the job and collect it. See the module docs for how.
    pub fn map<T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<R>, TaskError>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        if !self.shared.is_running() {
            return Err(TaskError::pool_closed(0));
        }
        // A `Vec` passes through without a copy (std reuses its buffer).
        let items: Vec<T> = items.into_iter().collect();
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let chunksize = chunksize.into().resolve(items.len(), self.workers());
        map::run(&self.shared, items, f, chunksize)
    }

    /// Like [`map`](Self::map), but each item is a tuple whose fields are the
    /// function's arguments: Python's `Pool.starmap(func, [(a, b), ...])`
    /// calls `func(a, b)`. See [`StarFn`].
    ///
    /// ```
    /// fn power(base: u64, exponent: u32) -> u64 {
    ///     base.pow(exponent)
    /// }
    /// let pool = runtime::pool::ThreadPool::new(2);
    /// let powers = pool.starmap(power, vec![(2, 3), (3, 2), (10, 0)], None);
    /// assert_eq!(powers, Ok(vec![8, 9, 1]));
    /// ```
    ///
    /// In Rust, `map` with a tuple pattern, `pool.map(|(b, e)| power(b, e), ...)`,
    /// does the same; `starmap` reads better with named functions.
    pub fn starmap<Args, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = Args>,
        chunksize: impl Into<Chunksize>,
    ) -> Result<Vec<F::Output>, TaskError>
    where
        Args: Send + 'static,
        F: StarFn<Args> + Send + Sync + 'static,
        F::Output: Send + 'static,
    {
        self.map(move |args| f.call_star(args), items, chunksize)
    }

    /// Applies `f` to every item and yields the results in input order as they
    /// become available: Python's `Pool.imap(func, iterable, chunksize)`.
    ///
    /// Lazy: the first [`WINDOW_PER_WORKER`] chunks per worker are queued at
    /// once, and further items are taken from `items` only as results are
    /// consumed (on the consuming thread, so the input may borrow: it need not
    /// be `'static`), so an endless input works and memory stays bounded.
    /// [`Chunksize::Auto`] uses Python's heuristic when the input reports its
    /// exact length and 1 otherwise (Python's `imap` default is 1).
    /// Each chunk costs about a microsecond (a queue entry and a channel
    /// message; 0.5–1.4 µs measured), so give tiny tasks a larger chunksize,
    /// or use `map`.
    pub fn imap<'a, T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T, IntoIter: Send> + 'a,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'a, R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let items = items.into_iter();
        let chunksize = self.imap_chunksize(chunksize.into(), items.size_hint());
        imap::start(&self.shared, f, items, chunksize, true)
    }

    /// Like [`imap`](Self::imap), but yields each chunk's results as soon as
    /// the chunk finishes, whatever its position: Python's
    /// `Pool.imap_unordered`. A result's position is in its error, not in
    /// `Ok`; map over `items.into_iter().enumerate()` if you need it.
    pub fn imap_unordered<'a, T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T, IntoIter: Send> + 'a,
        chunksize: impl Into<Chunksize>,
    ) -> Imap<'a, R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let items = items.into_iter();
        let chunksize = self.imap_chunksize(chunksize.into(), items.size_hint());
        imap::start(&self.shared, f, items, chunksize, false)
    }

    fn imap_chunksize(&self, chunksize: Chunksize, size_hint: (usize, Option<usize>)) -> usize {
        match (chunksize, size_hint) {
            (Chunksize::Fixed(n), _) if n > 0 => n,
            (_, (low, Some(high))) if low == high => default_chunksize(low, self.workers()),
            _ => 1,
        }
    }

    /// Runs `f` on a worker and returns a handle to its result at once:
    /// Python's `Pool.apply_async(func)` (arguments are whatever `f` captures).
    ///
    /// Costs one boxed task and one shared result slot: a round trip to
    /// `get` takes about 0.4 µs while a worker is awake, several µs when one
    /// must be woken.
    pub fn apply_async<R, F>(&self, f: F) -> AsyncResult<R>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        self.apply_async_with(f, Callbacks::new())
    }

    /// [`apply_async`](Self::apply_async) with Python's `callback=` and
    /// `error_callback=`: see [`Callbacks`] for when and where they run.
    pub fn apply_async_with<R, F>(&self, f: F, callbacks: Callbacks<R>) -> AsyncResult<R>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        let (task, handle) = apply::pair(&self.shared, f, callbacks);
        // A refused task is discarded: its handle holds a PoolClosed error.
        let _ = self.shared.submit(Entry::Task(Box::new(task)));
        handle
    }

    /// Runs `f` on a worker and waits for its result: Python's `Pool.apply`.
    pub fn apply<R, F>(&self, f: F) -> Result<R, TaskError>
    where
        R: Send + 'static,
        F: FnOnce() -> R + Send + 'static,
    {
        self.apply_async(f).get()
    }

    /// Stops accepting work; queued work still runs, then the workers exit.
    /// Python's `Pool.close()`. Calling it again does nothing.
    pub fn close(&self) {
        self.shared.close();
    }

    /// Stops accepting work and throws away every queued task: their
    /// [`AsyncResult`]s, `imap` items and `map` calls fail with
    /// [`TaskErrorKind::Terminated`], and `apply_async` error callbacks run.
    /// Tasks already running finish (a thread cannot be killed safely; for work
    /// that must be stoppable, use a process pool). Returns without waiting;
    /// [`join`](Self::join) waits. Python's `Pool.terminate()`.
    pub fn terminate(&self) {
        self.shared.terminate();
    }

    /// Waits for every worker thread to exit. Python's `Pool.join()`: call
    /// [`close`](Self::close) or [`terminate`](Self::terminate) first, or this
    /// returns [`PoolError::StillRunning`] instead of waiting forever. A second
    /// call returns at once.
    pub fn join(&self) -> Result<(), PoolError> {
        if self.shared.is_running() {
            return Err(PoolError::StillRunning);
        }
        if self.shared.is_current_worker() {
            return Err(PoolError::JoinFromWorker);
        }
        let threads = std::mem::take(&mut *self.lock_threads());
        for thread in threads {
            // Workers catch every task's panic, so they only end by returning.
            let _ = thread.join();
        }
        Ok(())
    }

    fn lock_threads(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.threads.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ThreadPool {
    /// Closes the pool, lets queued work finish, and joins every worker, so a
    /// dropped pool leaves no thread behind. (Python's `with Pool() as p:`
    /// calls `terminate()` on exit instead; call [`terminate`](Self::terminate)
    /// before dropping to get that.) Dropped on one of its own workers, it
    /// closes and lets the workers exit by themselves.
    fn drop(&mut self) {
        self.shared.close();
        if self.shared.is_current_worker() {
            return;
        }
        let _ = self.join();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("ThreadPool")
            .field("workers", &self.shared.workers)
            .field("phase", &state.phase)
            .field("queued", &state.queue.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    //! Small and quick, so they also run under Miri, which checks the unsafe
    //! slots and the claim protocol for data races and leaks:
    //! `cargo +nightly miri test -p runtime --lib pool`.

    use super::*;

    /// Runs `f` on a helper thread and fails if it has not finished in time.
    fn within(f: impl FnOnce() + Send + 'static) {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            f();
            let _ = done.send(());
        });
        match finished.recv_timeout(Duration::from_secs(120)) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("still waiting after 120 s"),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the test body panicked"),
        }
    }

    #[test]
    fn handles_can_move_between_threads() {
        fn send_and_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_and_sync::<ThreadPool>();
        send::<AsyncResult<String>>();
        send::<Imap<'static, String>>();
        send::<TaskError>();
    }

    #[test]
    fn map_takes_every_item_once_and_writes_every_result_once() {
        within(map_takes_every_item_once_and_writes_every_result_once_body);
    }

    fn map_takes_every_item_once_and_writes_every_result_once_body() {
        let pool = ThreadPool::new(2);
        let words: Vec<String> = (0..24).map(|i| format!("w{i}")).collect();
        let expected: Vec<usize> = words.iter().map(String::len).collect();
        for chunksize in [1, 2, 5, 0] {
            let got = pool.map(|w: String| w.len(), words.clone(), chunksize);
            assert_eq!(got.as_ref(), Ok(&expected), "chunksize {chunksize}");
        }
    }

    #[test]
    fn a_failed_map_drops_what_it_took_and_wrote() {
        within(a_failed_map_drops_what_it_took_and_wrote_body);
    }

    fn a_failed_map_drops_what_it_took_and_wrote_body() {
        let pool = ThreadPool::new(2);
        let token = Arc::new(());
        let items: Vec<(usize, Arc<()>)> = (0..16).map(|i| (i, token.clone())).collect();
        let got = pool.map(
            |(i, t): (usize, Arc<()>)| {
                assert_ne!(i, 9, "nine fails");
                t
            },
            items,
            3,
        );
        assert_eq!(got.map(|v| v.len()).map_err(|e| e.index()), Err(9));
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn a_terminated_map_drops_the_items_nobody_claimed() {
        within(a_terminated_map_drops_the_items_nobody_claimed_body);
    }

    fn a_terminated_map_drops_the_items_nobody_claimed_body() {
        let pool = ThreadPool::new(1);
        let token = Arc::new(());
        pool.terminate();
        let got = pool.map(|t: Arc<()>| t, vec![token.clone(); 8], 1);
        assert_eq!(got.map_err(|e| e.kind()), Err(TaskErrorKind::PoolClosed));
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn imap_and_apply_async_deliver_in_order() {
        within(imap_and_apply_async_deliver_in_order_body);
    }

    fn imap_and_apply_async_deliver_in_order_body() {
        let pool = ThreadPool::new(2);
        let got: Vec<_> = pool.imap(|x: u32| x * 2, 0..10, 3).collect();
        assert_eq!(got, (0..10).map(|x| Ok(x * 2)).collect::<Vec<_>>());
        assert_eq!(pool.apply_async(|| 5).get(), Ok(5));
    }
}
