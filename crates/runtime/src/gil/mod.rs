//! The GIL analogue: an interpreter lock built the way CPython 3.2+ builds its
//! global interpreter lock, and what it does to threads.
//!
//! An [`Interpreter`] owns one lock. A thread runs "interpreted" code only while it
//! holds that lock: [`Interpreter::with_gil`] takes it and hands the closure a
//! [`Python`] token, the proof that this thread holds it. Interpreted work runs in
//! [`Python::step`]s, each one "bytecode" of work followed by the eval-breaker
//! check: if another thread has asked for the lock, the holder gives it up there
//! and queues for it again. [`Python::allow_threads`] releases the lock around
//! work that needs no interpreter (I/O, or "native" code such as many of NumPy's loops),
//! so other threads can run meanwhile. Two threads running steps under one lock
//! take turns; they never run steps at the same time, however many cores there are.
//!
//! What it costs, measured on a 2-core AMD EPYC VM (x86-64, 2.6 GHz, release build):
//! - a step's check is one relaxed atomic load and a branch that is not taken:
//!   0.27 ns (one cycle) in an empty loop, and next to a step's own work it
//!   disappears into the out-of-order core: 20 million steps of 1.6 ns, 6.5 ns or
//!   26 ns of arithmetic took the same time with the check as without it (ratio
//!   1.000);
//! - [`Interpreter::with_gil`] on an uncontended lock costs about 13 ns, and a
//!   [`Python::allow_threads`] round trip about 9 ns: a mutex lock and unlock to
//!   release, another to take back;
//! - a forced switch between two CPU-bound threads costs a futex wake-up on each
//!   side, about 3–7 µs, once per switch interval (5 ms by default), so two
//!   CPU-bound threads under one lock finish their work in the same time as one
//!   thread doing all of it (speedup 0.99);
//! - in the free-threaded mode a step also pays
//!   [`FreeThreading::refcount_ops_per_step`] atomic read-modify-write operations,
//!   2 ns each on their own (see [`FreeThreading`] for what that does to a step).
//!
//! ```
//! use runtime::gil::Interpreter;
//!
//! let interp = Interpreter::new();
//! let total = std::thread::scope(|s| {
//!     let workers: Vec<_> = (0..2)
//!         .map(|_| {
//!             s.spawn(|| {
//!                 interp.with_gil(|py| {
//!                     // CPU-bound interpreted work: one step per "bytecode".
//!                     let mut acc = 0_u64;
//!                     for i in 0..10_000 {
//!                         acc = py.step(|| acc.wrapping_add(i));
//!                     }
//!                     // I/O or native work: release the lock while it runs.
//!                     let native = py.allow_threads(|| (0..10_000_u64).sum::<u64>());
//!                     acc + native
//!                 })
//!             })
//!         })
//!         .collect();
//!     workers.into_iter().map(|w| w.join().unwrap()).sum::<u64>()
//! });
//! assert_eq!(total, 4 * (10_000 * 9_999 / 2));
//!
//! let stats = interp.stats();
//! assert!(stats.acquisitions >= 2); // each with_gil, plus a re-take after allow_threads
//! ```
//!
//! # How the handoff works
//!
//! The lock is a `locked` flag guarded by a mutex, with two condition variables,
//! as in CPython's `Python/ceval_gil.c` (`take_gil`, `drop_gil`; CPython guards
//! `switch_cond` with a second mutex, one is enough here):
//!
//! ```text
//!  holder A, running steps                 waiter B, in take_gil
//!  -----------------------                 ---------------------
//!  step, step, step, ...                   locked, so wait on `cond` for at most
//!                                          one switch interval (5 ms)
//!                                          timed out, and no other thread took the
//!                                          lock meanwhile: set the drop request
//!  step: the check sees the drop request
//!  drop_gil: locked = false,
//!            signal `cond`   ------------> wakes, locked is false: take it
//!  forced switching: wait on                 locked = true, last_holder = B,
//!  `switch_cond` until another   <-------    signal `switch_cond`
//!  thread has taken the lock               B runs its steps ...
//!  take_gil: wait like B did, and ask for it back after one interval
//! ```
//!
//! The waiter does not ask at once: it waits one switch interval first, so a holder
//! that releases the lock soon anyway (for I/O) is never interrupted. The holder
//! does not react at once either: it finishes its current step, so in this model
//! a step is the unit of atomicity. CPython differs on both counts. Since 3.10 it
//! looks at its eval breaker only at backward jumps and after calls (since 3.11
//! also at the `RESUME` that starts a function), not after every bytecode; and
//! one bytecode can run Python code of its own (an `__eq__`, a `__getitem__`, a
//! `__del__`) that reaches checks of its own, so a bytecode is no unit of thread
//! safety. Without forced switching the
//! thread that dropped the lock, already running on its core, can take it
//! straight back before the woken waiter is even scheduled, and often does;
//! CPython added the `switch_cond` handshake in 3.2 to stop that, and so does this
//! lock (see [`Config::force_switching`]).
//!
//! The same interval sets how long a thread coming back from I/O waits while
//! CPU-bound threads hold the lock: up to one interval before it may even ask.
//! That is the convoy effect: a longer interval means fewer switches and longer
//! I/O latency.
//!
//! # Names mirrored
//!
//! | here | CPython / PyO3 |
//! |---|---|
//! | [`Interpreter::with_gil`], [`with_gil`] | PyO3 `Python::with_gil` (`Python::attach` since PyO3 0.26); `PyGILState_Ensure`/`Release` |
//! | [`Python`] | PyO3's `Python<'py>` token |
//! | [`Python::allow_threads`] | PyO3 `allow_threads` (`detach` since PyO3 0.26); `Py_BEGIN_ALLOW_THREADS` / `Py_END_ALLOW_THREADS` |
//! | [`Python::step`], [`Python::check`] | a bytecode's worth of work; the eval-breaker check (`CHECK_EVAL_BREAKER`; since 3.10 only at backward jumps and calls, since 3.11 also at `RESUME`) |
//! | [`Interpreter::set_switch_interval`] | `sys.setswitchinterval` (`sys.getswitchinterval`) |
//! | [`Config::force_switching`] | `FORCE_SWITCHING` in `ceval_gil.c` |
//! | [`GilStats::drop_requests`] | `gil_drop_request` (`SET_GIL_DROP_REQUEST`) |
//! | [`Config::free_threading`] | the free-threaded build: python3.13t (PEP 703, experimental), python3.14t (PEP 779, supported) |
//! | several [`Interpreter`]s | subinterpreters with a GIL each (PEP 684, 3.12, C API only; from Python since 3.14: `concurrent.interpreters` and `concurrent.futures.InterpreterPoolExecutor`, PEP 734); the processes of a `multiprocessing.Pool` |
//! | [`Interpreter::main`] | the main interpreter every thread of a CPython process shares |
//!
//! # Free threading
//!
//! [`Interpreter::free_threaded`] has no lock: `with_gil` only attaches, steps of
//! every thread run at once, `allow_threads` releases nothing. What the lock used to
//! make safe must now be made safe per object, and the cost this model charges for
//! that is reference counting: every bytecode increments and decrements the
//! reference counts of the objects it touches, and with several threads those
//! updates must be atomic. PEP 703 keeps most of them cheap with *biased* reference
//! counting (the thread that owns an object updates its count without atomics;
//! only other threads pay an atomic operation). This model does not: it is
//! *naive* free threading. Each step pays [`FreeThreading::refcount_ops_per_step`]
//! atomic `fetch_add`s, even when one thread runs alone, on a counter owned by
//! the stepping thread: what atomic updates cost when no other thread touches
//! the same cache line (biased counting would make them plain instructions).
//! With [`FreeThreading::shared_refcounts`] every thread updates one
//! interpreter-wide counter instead, as when all threads keep touching the same
//! objects (biased counting cannot help there: each object has one owner, and
//! the others pay atomics on it): the cache line bounces between cores and the
//! threads slow each other down.
//!
//! # Checked under loom
//!
//! The handoff protocol is model-checked with loom (`tests/loom/gil.rs`): no lost
//! wake-up, no deadlock, at most one holder at a time, and a thread asked to drop
//! the lock does not take it back before the waiter had it. Under `cfg(loom)` the
//! timed wait becomes a wait that a test's timer thread can end as a time-out.
//! Run them with
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p runtime --release --test loom gil`.
//!
//! # Where the code is
//!
//! `config.rs` holds what an interpreter is built from and what it counts
//! ([`Config`], [`FreeThreading`], [`GilStats`]); `interpreter.rs` the lock
//! itself, its handoff, and the [`Python`] token.

mod config;
mod interpreter;

pub use config::{Config, DEFAULT_SWITCH_INTERVAL, FreeThreading, GilStats, MIN_SWITCH_INTERVAL};
#[cfg(not(loom))]
pub use interpreter::with_gil;
pub use interpreter::{Interpreter, Python};
