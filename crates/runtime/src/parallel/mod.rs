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
//! | (none) | [`Backend::Rayon`], our default | rayon's work-stealing pool; joblib's own default is `"loky"` (processes) |
//! | `batch_size="auto"`, `64` | [`batch_size(BatchSize::Auto)`](Parallel::batch_size), `64` | auto measures, as joblib does |
//! | `return_as="list"` | [`run`](Parallel::run) → `Vec` | input order |
//! | `return_as="generator_unordered"` | [`run_unordered`](Parallel::run_unordered) → iterator | completion order, with each item's index |
//! | `verbose=10` | [`progress(true)`](Parallel::progress) | an indicatif bar on stderr |
//! | `with Parallel(...) as p:` | keep the `Parallel` | its workers start at the first run and are reused |
//!
//! Differences worth knowing: joblib's default `n_jobs` is `None`, which means
//! 1 (run in the caller) unless a `parallel_config` context sets another; ours
//! is −1, as rayon's. With one job every backend runs the calls on the calling
//! thread, in order, as joblib does. A task that panics stops the loop, like an
//! exception in joblib, and the error names the item.
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
//!   without an `Arc` (this is Numba's `prange` in an `@njit(parallel=True)`
//!   function, lesson 04's `prange`);
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
//! [`Error::NotATask`] before anything runs, and a task the workers do not know
//! fails with [`TaskErrorKind::UnknownTask`](crate::task::TaskErrorKind::UnknownTask). Each batch is one message to
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

mod backend;
mod batch;
mod delayed;
mod dispatch;
mod error;
mod native;
mod run;
mod scoped;

pub use backend::Backend;
pub use batch::{AutoBatch, BatchSize, RunStats};
pub use delayed::{Delayed, Function, ProcessRunner, delayed};
pub use error::Error;
pub use run::{Parallel, Unordered};
pub use scoped::{chunk, scoped_workers};
