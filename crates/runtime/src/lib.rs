//! The parallel runtime that the parlab lessons teach.
//!
//! Each module is one idea of the course, small enough to read in one sitting:
//! what it is, the Python name it mirrors, and what it costs. The lessons under
//! `lessons/` run experiments on these modules; `cargo xtask bench` measures their
//! overheads against rayon and `std::thread::scope`.
//!
//! | module | what it holds | mirrors |
//! |---|---|---|
//! | [`gil`] | an interpreter lock built like CPython's (switch interval, drop request, forced handoff), `allow_threads`, a free-threaded mode, one lock per interpreter | the GIL, `sys.setswitchinterval`, PyO3's `with_gil`/`allow_threads`, python3.13t/3.14t, PEP 684 (C API) / PEP 734 |
//! | [`pool`] | a thread pool: `map` with `chunksize`, `starmap`, `imap`, `imap_unordered`, `apply_async`, `close`/`join`/`terminate` | `multiprocessing.pool.ThreadPool` |
//! | [`process`] | a pool of real worker processes: re-executed program, registered tasks, counted bytes, `BrokenPool` | `multiprocessing.Pool` (spawn), pickling, `BrokenProcessPool` |
//! | [`futures`] | thread- and process-backed executors, `submit` returning a blocking [`TaskFuture`](futures::TaskFuture) (`result` with timeout, `done`, `cancel`, `add_done_callback`), `as_completed`, `wait`, `shutdown` | `concurrent.futures` |
//! | [`parallel`] | joblib-style `Parallel`/`delayed` on rayon, the thread pool or the process pool (`n_jobs`, `batch_size` auto, results in order or as completed, progress); scoped workers | `joblib.Parallel`, `delayed`, loky, Numba `prange` |
//! | [`rng`] | one seed, any number of independent random streams, results independent of the worker count | `numpy.random.SeedSequence.spawn` |
//! | [`trace`] | off-by-default spans of every worker (task, lock wait, overhead, idle, serial) on one clock, in bounded per-thread buffers; worker processes send theirs back | `sys.setprofile`-style tracing, Dask's task stream |
//! | [`task`] | the vocabulary they share: a task's error and its kinds, `callback=`/`error_callback=`, the `AsyncResult` handle, a pool's own errors | the exceptions `get()` and `result()` re-raise, `multiprocessing.pool.AsyncResult` |
//!
//! Two private modules hold what every module needs once: `sync` (std's
//! primitives or loom's, the poison-tolerant lock, the short watch before a
//! sleep) and `unwind` (the message of a caught panic).
//!
//! The crate's lints state its habits: every public item is documented and
//! has a `Debug` form, and every `unsafe` block says why it is sound.
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod futures;
pub mod gil;
pub mod parallel;
pub mod pool;
pub mod process;
pub mod rng;
pub mod task;
pub mod trace;

mod sync;
mod unwind;
