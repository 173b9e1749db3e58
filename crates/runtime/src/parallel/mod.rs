//! Parallel loops: joblib's `Parallel` and `delayed`, on rayon, the thread pool
//! or the process pool; and the scoped workers the simplest loops use.
//!
//! A parallel loop is the everyday shape of parallel scientific code: the same
//! function over many inputs, results collected. In Python that is
//! `Parallel(n_jobs=-1)(delayed(f)(x) for x in xs)`; here it is
//!
//! ```
//! use runtime::parallel::{Parallel, delayed};
//!
//! fn slow_square(x: u64) -> u64 {
//!     (0..1_000).fold(x * x, |acc, _| std::hint::black_box(acc))
//! }
//!
//! let squares = Parallel::new()         // every core, rayon, batch size "auto"
//!     .run((0..100).map(delayed(slow_square)))
//!     .expect("no task panics");
//! assert_eq!(squares[7], 49);           // results in input order
//! ```
//!
//! [`delayed(f)`](delayed) turns each input into a [`Delayed`] call, not made
//! yet; [`Parallel::run`] cuts the calls into batches, hands the batches to
//! workers, and returns the results in input order. What it costs on top of
//! the calls themselves is one dispatch per batch (see [`BatchSize`]) and,
//! per task, moving the argument in and the result out.
//!
//! # What it costs
//!
//! Measured on the course's 2-core VM while it was otherwise idle: a million
//! calls of a 25 ns task (16 rounds of integer mixing, `lesson04::spin`), two
//! workers, wall time per task, medians of 9 runs. The plain loop takes 25 ns
//! per task, so two workers at best take 12.5.
//!
//! | batch size | rayon | thread pool | process pool |
//! |---|---|---|---|
//! | 1 | 49 ns | 25 ns | 420 ns |
//! | 8 | 23 ns | 21 ns | 125 ns |
//! | 64 | 20 ns | 20 ns | 85 ns |
//! | 4096 | 18 ns | 18 ns | 73 ns |
//! | `Auto` (94–133 batches) | 20 ns | 20 ns | 70 ns |
//! | rayon's own `par_iter().map().collect()` | 16 ns | | |
//!
//! The figures move between runs, the process pool's most; ratios within one
//! run are steadier than the figures themselves.
//!
//! A fixed size runs on the backend's own chunked map: rayon pays for a split
//! per batch, the thread pool for a claim on its shared job, the process pool
//! for a message through a pipe plus encoding each argument and result. `Auto`
//! runs through a dispatcher on the calling thread (joblib's loop: cut a batch,
//! send it, adapt the size as batches come back), which costs a channel message
//! and a wake-up per batch and hides both behind batches of milliseconds. For
//! tasks of tens of microseconds and up every setting is within a few percent
//! of the plain loop's time divided by the workers (lesson 04's `backends` and
//! `prange` measure 0.94–0.99 efficiency on two workers).
//!
//! # The knobs, as in joblib
//!
//! | joblib | here | notes |
//! |---|---|---|
//! | `n_jobs=4`, `-1`, `-2` | [`n_jobs(4)`](Parallel::n_jobs), `-1`, `-2` | −1 every core, −2 all but one; `0` is an error; more than the cores is allowed |
//! | `backend="loky"` | [`Backend::ProcessPool`] | worker processes; tasks must be registered [`Task`](crate::process::Task)s |
//! | `backend="threading"` | [`Backend::ThreadPool`] | [`pool::ThreadPool`](crate::pool::ThreadPool), lesson 02's pool |
//! | (none) | [`Backend::Rayon`], the default | rayon's work-stealing pool |
//! | `batch_size="auto"`, `64` | [`batch_size(BatchSize::Auto)`](Parallel::batch_size), `64` | auto measures, as joblib does |
//! | `return_as="list"` | [`run`](Parallel::run) → `Vec` | input order |
//! | `return_as="generator_unordered"` | [`run_unordered`](Parallel::run_unordered) → iterator | completion order, with each item's index |
//! | `verbose=10` | [`progress(true)`](Parallel::progress) | an indicatif bar on stderr |
//! | `with Parallel(...) as p:` | keep the `Parallel` | its workers start at the first run and are reused |
//!
//! Differences worth knowing: joblib's default `n_jobs` is 1 (run in the
//! caller); ours is −1, as rayon's. With one job every backend runs the calls
//! on the calling thread, in order, as joblib does. A task that panics stops
//! the loop, like an exception in joblib, and the error names the item.
//!
//! # Why the tasks are `Send + 'static`
//!
//! Two of the three backends hand tasks to workers that outlive the call (a
//! pool's threads, other processes), so a task may not borrow from the
//! caller's stack. Move owned data in, and share big read-only data through an
//! `Arc` (one atomic increment per task, no copy):
//!
//! ```
//! use std::sync::Arc;
//! use runtime::parallel::{Parallel, delayed};
//!
//! let table: Arc<Vec<f64>> = Arc::new((0..1_000).map(f64::from).collect());
//! let row_sum = move |row: usize| table[row * 100..(row + 1) * 100].iter().sum::<f64>();
//! let sums = Parallel::new().n_jobs(2).run((0..10).map(delayed(row_sum))).unwrap();
//! assert_eq!(sums[0], 4_950.0);
//! ```
//!
//! # `Parallel` and rayon's `par_iter`
//!
//! With the rayon backend, `run` is rayon underneath:
//!
//! | `Parallel` | rayon |
//! |---|---|
//! | `Parallel::new().n_jobs(2)` | `ThreadPoolBuilder::new().num_threads(2).build()` and `pool.install(..)` |
//! | `.batch_size(64).run(xs.map(delayed(f)))` | `xs.into_par_iter().with_min_len(64).with_max_len(64).map(f).collect()` |
//! | `.batch_size(BatchSize::Auto)` | no equivalent: rayon splits adaptively by work-stealing, not by time |
//!
//! Use rayon directly — `data.par_iter().map(f).sum()` — when:
//! - the loop reads borrowed data: `par_iter` is scoped, so `&[f64]` works
//!   without an `Arc` (this is Numba's `prange`, lesson 04's `prange`);
//! - the result is a reduction (`sum`, `min`, `reduce`, `fold`): rayon combines
//!   per-thread partial results and never builds a `Vec` of every result;
//! - the tasks are tiny and you want no batch size to think about: rayon's
//!   splitting costs tens of nanoseconds per split;
//! - the parallelism is nested or recursive (`rayon::join`).
//!
//! Use `Parallel` when you want joblib's model: a backend chosen at run time
//! (threads or processes behind the same loop), results as they complete, a
//! progress bar, or a batch size found by measurement.
//!
//! # The process backend
//!
//! A worker process cannot receive a closure: only a registered
//! [`Task`](crate::process::Task) crosses, by name, with its argument and result
//! serialized (see [`process`](crate::process)). `delayed(TASK)` works on every
//! backend; a closure on the process backend is refused with
//! [`Error::NotATask`], and a task the workers do not know with
//! [`Error::Unregistered`], before anything runs. Each batch is one message to
//! a worker, which is what makes the batch size matter most here.
//!
//! ```no_run
//! use runtime::parallel::{Backend, Parallel, delayed};
//! use runtime::process::{Task, worker_guard};
//!
//! fn square(x: u64) -> u64 { x * x }
//! static SQUARE: Task<u64, u64> = Task::new("docs::square", square);
//!
//! fn main() {
//!     worker_guard(|tasks| { tasks.register(&SQUARE); }); // first line of main
//!     let parallel = Parallel::new().n_jobs(2).backend(Backend::ProcessPool);
//!     let squares = parallel.run((0..100).map(delayed(SQUARE))).unwrap();
//!     assert_eq!(squares[9], 81);
//! }
//! ```
//!
//! # Scoped workers
//!
//! [`scoped_workers`] and [`chunk`] are the plainest loop: one scoped thread per
//! worker, each given a contiguous share of `0..total`. They borrow freely and
//! cost a thread start per worker per call.

mod batch;
mod delayed;
mod dispatch;
mod error;
mod native;
mod scoped;

use std::fmt;
use std::io::IsTerminal;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget};

pub use batch::{AutoBatch, BatchSize};
pub use delayed::{Delayed, Function, ProcessRunner, delayed};
pub use error::Error;
pub use scoped::{chunk, scoped_workers};

use dispatch::{Dispatcher, lock, panic_message};

/// Where the calls run: joblib's `backend`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A rayon thread pool of `n_jobs` threads: work-stealing, the cheapest
    /// per task. The default.
    #[default]
    Rayon,
    /// Lesson 02's [`ThreadPool`](crate::pool::ThreadPool) of `n_jobs` threads:
    /// joblib's `"threading"` backend.
    ThreadPool,
    /// A [`ProcessPool`](crate::process::ProcessPool) of `n_jobs` worker
    /// processes: joblib's `"loky"`. Tasks must be registered
    /// [`Task`](crate::process::Task)s; arguments and results are serialized.
    ProcessPool,
}

impl Backend {
    /// Every backend, in the order lessons show them.
    pub const ALL: [Backend; 3] = [Backend::Rayon, Backend::ThreadPool, Backend::ProcessPool];

    /// The name configs use: `"rayon"`, `"threads"` or `"processes"`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Rayon => "rayon",
            Backend::ThreadPool => "threads",
            Backend::ProcessPool => "processes",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;

    /// Accepts `rayon`; `threads` (or joblib's `threading`); `processes` (or
    /// joblib's `loky`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "rayon" => Ok(Backend::Rayon),
            "threads" | "threading" | "thread-pool" => Ok(Backend::ThreadPool),
            "processes" | "loky" | "process-pool" => Ok(Backend::ProcessPool),
            _ => Err(format!(
                "unknown backend \"{s}\": expected \"rayon\", \"threads\" or \"processes\""
            )),
        }
    }
}

/// What the last [`Parallel::run`] (or the running
/// [`run_unordered`](Parallel::run_unordered)) did: for seeing what
/// `BatchSize::Auto` chose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Workers (threads or processes) used.
    pub workers: usize,
    /// Tasks dispatched.
    pub tasks: usize,
    /// Batches dispatched (for a fixed size run by a backend's own map: the
    /// number of batches asked for, `tasks / batch_size` rounded up).
    pub batches: usize,
    /// The size of the last batch dispatched.
    pub last_batch_size: usize,
    /// The largest batch dispatched.
    pub largest_batch: usize,
}

#[derive(Clone, Debug, Default)]
enum Progress {
    #[default]
    Off,
    /// A bar on stderr, drawn only when stderr is a terminal.
    Own,
    Bar(ProgressBar),
}

/// The workers a `Parallel` keeps between runs.
#[derive(Clone)]
enum Workers {
    Rayon(Arc<rayon::ThreadPool>),
    Threads(Arc<crate::pool::ThreadPool>),
    Processes(Arc<crate::process::ProcessPool>),
}

/// joblib's `Parallel`: runs [`Delayed`] calls on a pool of workers. See the
/// [module docs](self).
///
/// Build it once and reuse it: the workers start at the first run (a rayon pool
/// or a thread pool: some tens of microseconds per thread; a process pool:
/// about 1.5 ms per process) and stay until the `Parallel` is dropped, as in
/// joblib's `with Parallel(...) as parallel:` block.
pub struct Parallel {
    n_jobs: i64,
    backend: Backend,
    batch_size: BatchSize,
    progress: Progress,
    workers: Mutex<Option<(usize, Workers)>>,
    stats: Arc<Mutex<RunStats>>,
}

impl Default for Parallel {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Parallel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parallel")
            .field("n_jobs", &self.n_jobs)
            .field("backend", &self.backend)
            .field("batch_size", &self.batch_size)
            .field("progress", &!matches!(self.progress, Progress::Off))
            .finish()
    }
}

impl Parallel {
    /// Every core (`n_jobs = -1`), the rayon backend, `batch_size = "auto"`, no
    /// progress bar.
    pub fn new() -> Self {
        Self {
            n_jobs: -1,
            backend: Backend::Rayon,
            batch_size: BatchSize::Auto,
            progress: Progress::Off,
            workers: Mutex::new(None),
            stats: Arc::new(Mutex::new(RunStats::default())),
        }
    }

    /// How many workers, as joblib counts: `n ≥ 1` is `n` workers (more than
    /// the cores is allowed: the OS time-slices them); `-1` is every logical
    /// core, `-2` all but one, and in general `cores + 1 + n`, at least 1.
    /// `0` makes every run fail with [`Error::NoJobs`].
    pub fn n_jobs(mut self, n_jobs: i64) -> Self {
        self.n_jobs = n_jobs;
        self.reset_workers();
        self
    }

    /// Where the calls run (default [`Backend::Rayon`]).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self.reset_workers();
        self
    }

    /// Tasks per batch: a number, or [`BatchSize::Auto`] (or `0`), the default.
    pub fn batch_size(mut self, batch_size: impl Into<BatchSize>) -> Self {
        self.batch_size = batch_size.into();
        self
    }

    /// Shows a progress bar on stderr (only when stderr is a terminal),
    /// advanced as batches finish.
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = if on { Progress::Own } else { Progress::Off };
        self
    }

    /// Advances `bar` as batches finish (sets its length if it has none and
    /// the input's length is known). A run with progress goes through the
    /// dispatcher even with a fixed batch size.
    pub fn progress_bar(mut self, bar: ProgressBar) -> Self {
        self.progress = Progress::Bar(bar);
        self
    }

    /// The number of workers `n_jobs` stands for on this machine.
    pub fn effective_n_jobs(&self) -> Result<usize, Error> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
        match self.n_jobs {
            0 => Err(Error::NoJobs),
            n if n > 0 => Ok(n as usize),
            n => Ok((cores + 1 + n).max(1) as usize),
        }
    }

    /// What the last run did (batches, sizes).
    pub fn last_run(&self) -> RunStats {
        *lock(&self.stats)
    }

    /// Runs every call and returns the results in input order: joblib's
    /// `Parallel(...)(tasks)` with `return_as="list"`.
    ///
    /// The input is read lazily, on this thread, a few batches ahead of the
    /// workers. If a task panics no new batches start, the running ones
    /// finish, and the error is [`Error::Panicked`] with the item's index
    /// (the lowest, if several panicked).
    ///
    /// ```
    /// use runtime::parallel::{Error, Parallel, delayed};
    ///
    /// let parallel = Parallel::new().n_jobs(2).batch_size(4);
    /// let fails_at_5 = |x: u32| if x == 5 { panic!("five") } else { x };
    /// let error = parallel.run((0..20).map(delayed(fails_at_5))).unwrap_err();
    /// assert!(matches!(error, Error::Panicked { index: 5, .. }), "{error}");
    /// ```
    pub fn run<I, F, A>(&self, tasks: I) -> Result<Vec<F::Output>, Error>
    where
        I: IntoIterator<Item = Delayed<F, A>>,
        F: Function<A>,
        A: Send + 'static,
    {
        let n = self.effective_n_jobs()?;
        let mut input = tasks.into_iter().peekable();
        self.check_backend(input.peek())?;
        let progress = self.make_progress();
        if n == 1 {
            return self.run_here(input, progress);
        }
        let workers = self.workers(n)?;
        match (self.batch_size, progress) {
            (BatchSize::Fixed(batch), None) => {
                let (results, batches) = native::run_in_rounds(&workers, input, batch, n)?;
                *lock(&self.stats) = RunStats {
                    workers: n,
                    tasks: results.len(),
                    batches,
                    last_batch_size: batch.min(results.len()),
                    largest_batch: batch.min(results.len()),
                };
                Ok(results)
            }
            (batch, progress) => {
                let fixed = match batch {
                    BatchSize::Fixed(b) => Some(b),
                    BatchSize::Auto => None,
                };
                Dispatcher::new(input, Some(workers), n, fixed, progress, self.stats.clone())
                    .collect()
            }
        }
    }

    /// Runs every call and yields `(index, result)` as batches finish, in
    /// completion order: joblib's `return_as="generator_unordered"`. The input
    /// is read lazily as results are taken.
    ///
    /// A failing task ends the iteration with its error (the last item); the
    /// batches still running are left to finish and their results dropped, as
    /// is everything in flight when the iterator is dropped early.
    ///
    /// ```
    /// use runtime::parallel::{Parallel, delayed};
    ///
    /// let parallel = Parallel::new().n_jobs(2);
    /// let mut seen: Vec<(usize, u64)> = parallel
    ///     .run_unordered((0..50_u64).map(delayed(|x: u64| x + 1)))
    ///     .unwrap()
    ///     .collect::<Result<_, _>>()
    ///     .unwrap();
    /// seen.sort();
    /// assert_eq!(seen[49], (49, 50));
    /// ```
    pub fn run_unordered<I, F, A>(&self, tasks: I) -> Result<Unordered<F, A, I::IntoIter>, Error>
    where
        I: IntoIterator<Item = Delayed<F, A>>,
        F: Function<A>,
        A: Send + 'static,
    {
        let n = self.effective_n_jobs()?;
        let mut input = tasks.into_iter().peekable();
        self.check_backend(input.peek())?;
        let workers = if n == 1 { None } else { Some(self.workers(n)?) };
        let fixed = match self.batch_size {
            BatchSize::Fixed(b) => Some(b),
            BatchSize::Auto => None,
        };
        let progress = self.make_progress();
        Ok(Unordered {
            dispatcher: Dispatcher::new(input, workers, n, fixed, progress, self.stats.clone()),
            current: Vec::new().into_iter(),
            next_index: 0,
            finished: false,
        })
    }

    /// The calls on this thread, in order (`n_jobs = 1`).
    fn run_here<F, A>(
        &self,
        input: impl Iterator<Item = Delayed<F, A>>,
        progress: Option<ProgressBar>,
    ) -> Result<Vec<F::Output>, Error>
    where
        F: Function<A>,
    {
        let mut out = Vec::with_capacity(input.size_hint().0);
        for (index, item) in input.enumerate() {
            match catch_unwind(AssertUnwindSafe(|| item.call())) {
                Ok(r) => out.push(r),
                Err(payload) => {
                    return Err(Error::Panicked {
                        index,
                        message: panic_message(&*payload),
                    });
                }
            }
            if let Some(bar) = &progress {
                bar.inc(1);
            }
        }
        if let Some(bar) = &progress {
            bar.finish();
        }
        *lock(&self.stats) = RunStats {
            workers: 1,
            tasks: out.len(),
            batches: out.len(),
            last_batch_size: 1,
            largest_batch: 1,
        };
        Ok(out)
    }

    /// On the process backend, a closure is refused before anything runs,
    /// whatever `n_jobs` is: the same program must not work with one job and
    /// fail with two.
    fn check_backend<F: Function<A>, A>(&self, first: Option<&Delayed<F, A>>) -> Result<(), Error> {
        match (self.backend, first) {
            (Backend::ProcessPool, Some(first)) => Self::check_task(first),
            _ => Ok(()),
        }
    }

    fn check_task<F: Function<A>, A>(first: &Delayed<F, A>) -> Result<(), Error> {
        match first.function().task_name() {
            Some(_) => Ok(()),
            None => Err(Error::NotATask {
                function: std::any::type_name::<F>(),
            }),
        }
    }

    fn make_progress(&self) -> Option<ProgressBar> {
        match &self.progress {
            Progress::Off => None,
            Progress::Bar(bar) => Some(bar.clone()),
            Progress::Own => {
                let target = if std::io::stderr().is_terminal() {
                    ProgressDrawTarget::stderr()
                } else {
                    ProgressDrawTarget::hidden()
                };
                Some(ProgressBar::with_draw_target(None, target))
            }
        }
    }

    fn reset_workers(&mut self) {
        *self.workers.get_mut().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The pool of `n` workers for this backend, started at the first run.
    fn workers(&self, n: usize) -> Result<Workers, Error> {
        let mut cached = lock(&self.workers);
        if let Some((size, workers)) = &*cached
            && *size == n
        {
            return Ok(workers.clone());
        }
        let workers = match self.backend {
            Backend::Rayon => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .thread_name(|i| format!("parallel-rayon-{i}"))
                .build()
                .map(|pool| Workers::Rayon(Arc::new(pool)))
                .map_err(|e| Error::Backend(e.to_string()))?,
            Backend::ThreadPool => crate::pool::ThreadPool::builder()
                .workers(n)
                .build()
                .map(|pool| Workers::Threads(Arc::new(pool)))
                .map_err(|e| Error::Backend(e.to_string()))?,
            Backend::ProcessPool => crate::process::ProcessPool::new(n)
                .map(|pool| Workers::Processes(Arc::new(pool)))
                .map_err(|e| Error::Backend(e.to_string()))?,
        };
        *cached = Some((n, workers.clone()));
        Ok(workers)
    }
}

/// The results of [`Parallel::run_unordered`]: `Ok((index, result))` in the
/// order batches finish; a failing task is the last item, as `Err`.
pub struct Unordered<F: Function<A>, A, I: Iterator> {
    dispatcher: Dispatcher<F, A, std::iter::Peekable<I>>,
    current: std::vec::IntoIter<F::Output>,
    next_index: usize,
    finished: bool,
}

impl<F, A, I> Iterator for Unordered<F, A, I>
where
    F: Function<A>,
    A: Send + 'static,
    I: Iterator<Item = Delayed<F, A>>,
{
    type Item = Result<(usize, F::Output), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(result) = self.current.next() {
                let index = self.next_index;
                self.next_index += 1;
                return Some(Ok((index, result)));
            }
            if self.finished {
                return None;
            }
            if let Err(e) = self.dispatcher.fill() {
                self.finished = true;
                return Some(Err(e));
            }
            match self.dispatcher.next_done() {
                None => {
                    self.finished = true;
                    return None;
                }
                Some((first, Ok(results))) => {
                    self.current = results.into_iter();
                    self.next_index = first;
                }
                Some((_, Err(e))) => {
                    self.finished = true;
                    self.dispatcher.stop();
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<F: Function<A>, A, I: Iterator> fmt::Debug for Unordered<F, A, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unordered")
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}
