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
//! Python's `multiprocessing.Pool` is measured beside these, in the same run,
//! by lesson 02 (`cargo xtask run lesson-02`).
//!
//! Where the time goes:
//! - **Starting a worker** is a `posix_spawn` of this executable (`CreateProcessW`
//!   on Windows), the dynamic loader and Rust's start-up, then a handshake over
//!   the pipe: about a millisecond or two each on Linux. Python's spawn starts a whole interpreter and
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
//! module (as `__mp_main__`, so the guarded code does not run). spawn is the
//! default on Windows, and on macOS since 3.8; on Linux and the other POSIX
//! systems the default was fork up to 3.13 and is forkserver since 3.14, whose
//! server process imports the main module the same way. Whatever `main` does
//! before [`worker_guard`] runs again in every worker; `worker_guard` notices
//! the argument and turns the process into a worker that never returns. So it
//! must be the first call in `main`, and every task must be registered in the
//! function given to it: that function runs in both processes, the rest of
//! `main` only in the parent. A task registered only after the guard (Python,
//! under spawn or forkserver: a function defined inside the `if __name__`
//! block; under fork it would have been copied into the workers) is unknown to
//! the workers, and every call of it fails with [`TaskErrorKind::UnknownTask`].
//! Creating a pool without having called the guard fails with
//! [`PoolError::GuardNotCalled`] rather than starting workers
//! that would start workers of their own.
//!
//! The binary that calls the guard is whatever runs: `cargo xtask`'s `main`
//! calls it with every lesson's tasks, a lesson's example calls it in its own
//! `main`, and an integration test that needs workers is a `harness = false`
//! target whose `main` calls it (libtest's harness would otherwise own `main`;
//! see `crates/runtime/tests/processes/main.rs`).
//!
//! # Only names cross: closures cannot be tasks
//!
//! pickle sends a function by its module and name, and a worker looks the name
//! up in its own copy of the program; that is why `pool.map(lambda x: x**2,
//! ..)` fails with `PicklingError`. (joblib's loky backend sends functions with
//! cloudpickle instead, by value, so lambdas do cross it.) A [`Task`] is
//! exactly that: a name and a plain `fn` pointer, and the name is what crosses.
//! A closure that captures a variable cannot become a `fn` pointer, so the
//! compiler rejects it (see [`Task`]); pass the captured value in the argument
//! instead.
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
//! If a worker ends while the pool still needs it — killed (`kill -9`),
//! aborted, crashed, or exited from inside a task — the parent's reader for
//! that worker sees its pipe close at once. The pool is then *broken*, like
//! `concurrent.futures`' `BrokenProcessPool`: every pending task fails with
//! [`TaskErrorKind::BrokenPool`] (with the pid and how it ended, e.g. "was
//! killed by signal 9 (SIGKILL)"), the other workers are killed and reaped, and
//! every later call fails the same way. Nothing waits for a result that cannot
//! come; the tests measure well under a millisecond from the kill to the
//! errors. (`multiprocessing.Pool` itself starts a replacement worker, but the
//! task the dead one held is lost and a `map` waiting for it waits forever; we
//! follow `concurrent.futures`.) A task that panics is different: the panic is
//! caught in the worker and becomes that task's [`TaskErrorKind::Panicked`]
//! error with the message, where it was raised, and the task's index; the
//! worker and the pool carry on. A callback that panics (an `apply_async`
//! callback, a `submit`'s `on_done`) is reported on stderr and changes nothing
//! else, as on the thread pool: [`TaskError`], [`Callbacks`], [`AsyncResult`]
//! and [`PoolError`] are the runtime's shared vocabulary ([`crate::task`]), the
//! very types the thread pool returns.
//!
//! # No orphans, no zombies
//!
//! A worker must not outlive its parent, however the parent ends (a panic,
//! `kill -9`, Task Manager, Ctrl-C), even in the middle of a long task. Each
//! family of systems has its own way (`os/`, one file per family):
//!
//! - **Linux**: a worker asks the kernel to SIGKILL it when its parent dies
//!   (`prctl(PR_SET_PDEATHSIG)`), then checks that its parent is still the one
//!   that started it. Linux sends the signal when the *thread* that started the
//!   child ends, so all workers are started by one long-lived spawner thread,
//!   never by the thread that happens to call.
//! - **macOS and the other Unix systems** have no such signal. A watcher thread
//!   in each worker reads the request pipe for it (`os/watch.rs`); when the
//!   parent dies the kernel closes the parent's end, the watcher sees
//!   end-of-file, finds its parent pid changed (`getppid`) and ends the
//!   process at once, task or no task. This portable path can be chosen on
//!   Linux too, and the tests run it there: set `PARLAB_PORTABLE_WORKERS=1`
//!   ([`PORTABLE_WORKERS_ENV`]) before a pool starts.
//! - **Windows**: the workers are in a job object with
//!   `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`, whose only handle the parent holds;
//!   when the parent ends, Windows closes it and kills every worker (and
//!   anything a task started). The watcher thread runs there as well.
//!
//! The bound is the same everywhere: measured, the workers are gone a few
//! milliseconds after the parent is killed, busy or not
//! (`process_pool::workers_exit_when_the_parent_is_killed`), and a killed
//! worker breaks the pool within milliseconds (`process_faults`), on Linux, on
//! the portable path, and on Windows (under Wine).
//!
//! And on every system:
//!
//! - Each worker is reaped (`waitpid`; on Windows its handle closed) by its
//!   reader thread when its pipe closes; [`terminate`](ProcessPool::terminate)
//!   and drop kill the workers and join those threads, so no zombie is left.
//! - A worker's own standard input is `/dev/null` (`NUL`) and its standard
//!   output is the parent's stderr: a task that prints cannot corrupt the
//!   protocol, which runs on copies of the original handles that no program a
//!   task starts inherits.
//! - Workers ignore Ctrl-C (SIGINT, which the terminal sends to the whole
//!   process group; the console's Ctrl-C event on Windows, where workers get a
//!   process group of their own): what happens on Ctrl-C is the parent's
//!   decision, and the parent's death or [`terminate`](ProcessPool::terminate)
//!   ends the workers.
//! - The pool's writer threads block SIGPIPE, so a write to a worker that has
//!   just died is an error that breaks the pool, even in a program that has
//!   restored SIGPIPE's default action (to end quietly on `| head`). Windows
//!   has no SIGPIPE: the write fails there anyway.
//!
//! # Platform
//!
//! Linux, macOS (and the other Unix systems) and Windows, with the same
//! promises. Everything the pool asks of the operating system goes through
//! `os/mod.rs`, with one implementation per family: `os/unix.rs` (Linux adds
//! the parent-death signal, the pipe size and the worker's malloc settings),
//! `os/watch.rs` (the portable watcher), `os/windows.rs`. What differs for a
//! user: there is no `fork` anywhere here (every worker is a fresh start of the
//! program, like Python's spawn, the default on Windows and, since 3.8, on
//! macOS), and a process start costs more on Windows than on Linux (a new
//! process object, and the loader maps every DLL again; not measured here: this
//! course's machine runs Linux), so a pool is worth starting once. On macOS and
//! the portable path the pipes keep the system's size (64 KiB on Linux), so
//! large payloads move in more, smaller pieces.
//!
//! # Where the code is
//!
//! | file | what |
//! |---|---|
//! | `process_pool.rs` | the handle: workers, pids, stats, `close`, `terminate`, `join`, drop |
//! | `builder.rs` | starting the workers: `new`, [`ProcessPoolBuilder`] |
//! | `apply.rs`, `map.rs`, `imap.rs` | `submit`/`apply_async`/`apply`, `map`/`starmap`, `imap`/`imap_unordered` |
//! | `feed.rs` | encoding chunks, and how much a call keeps encoded ahead of the workers |
//! | `ticket.rs` | [`Ticket`]: where a submitted task is, and cancelling it |
//! | `job.rs` | a chunk queued, in flight, answered |
//! | `scheduler.rs` | the admission logic: how much work each worker may hold (with its own tests) |
//! | `shared.rs` | the queue, one slot per worker, the pool's status; closing, breaking, terminating |
//! | `io.rs` | the I/O loops: a writer and a reader thread per worker, and a worker leaving |
//! | `os/` | the operating system: starting a worker with its pipes, dying with the parent, signals, reaping |
//! | `worker.rs`, `registry.rs`, `wire.rs` | the worker side, named tasks, the bytes on the pipe |

mod apply;
mod builder;
mod feed;
mod imap;
mod io;
mod job;
mod map;
mod os;
mod process_pool;
mod registry;
mod scheduler;
mod shared;
mod stats;
mod ticket;
mod wire;
mod worker;

pub use builder::{DEFAULT_START_TIMEOUT, ProcessPoolBuilder};
pub use imap::Imap;
pub use os::PORTABLE_WORKERS_ENV;
pub use process_pool::ProcessPool;
pub use registry::{Registry, Task};
pub use stats::PoolStats;
pub use ticket::{TaskState, Ticket};
pub use worker::worker_guard;

pub use crate::pool::Chunksize;
pub use crate::task::{AsyncResult, Callbacks, PoolError, TaskError, TaskErrorKind};
