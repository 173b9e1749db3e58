//! What an interpreter is built from ([`Config`], [`FreeThreading`]) and what
//! it counts ([`GilStats`]).

use std::time::Duration;

/// The switch interval an interpreter starts with: 5 ms, CPython's default
/// (`sys.getswitchinterval()` returns `0.005`).
pub const DEFAULT_SWITCH_INTERVAL: Duration = Duration::from_millis(5);

/// The shortest switch interval: 1 µs. Shorter ones, zero included, are raised to
/// it, as CPython's `take_gil` raises an interval below 1 µs
/// (`sys.setswitchinterval` itself refuses zero and negative values with
/// `ValueError`).
pub const MIN_SWITCH_INTERVAL: Duration = Duration::from_micros(1);

/// How an [`Interpreter`](crate::gil::Interpreter) is built.
///
/// ```
/// use std::time::Duration;
/// use runtime::gil::{Config, Interpreter};
///
/// let interp = Interpreter::with_config(Config {
///     switch_interval: Duration::from_micros(500),
///     ..Config::default()
/// });
/// assert_eq!(interp.switch_interval(), Duration::from_micros(500));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// How long a thread waits for the lock before it asks the holder to drop it.
    /// Mirrors `sys.setswitchinterval`; default [`DEFAULT_SWITCH_INTERVAL`] (5 ms),
    /// at least [`MIN_SWITCH_INTERVAL`]. Can be changed later with
    /// [`Interpreter::set_switch_interval`](crate::gil::Interpreter::set_switch_interval).
    pub switch_interval: Duration,
    /// Whether a thread that drops the lock because it was asked to waits until
    /// another thread has taken it (CPython's `FORCE_SWITCHING`, on by default).
    /// Off, the dropping thread often takes the lock straight back and the waiter
    /// keeps waiting: the behaviour CPython 3.2 fixed. Only worth turning off to
    /// see that.
    pub force_switching: bool,
    /// `Some` builds a free-threaded interpreter (no lock at all; see the module
    /// docs); `None`, the default, one with the lock.
    pub free_threading: Option<FreeThreading>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            switch_interval: DEFAULT_SWITCH_INTERVAL,
            force_switching: true,
            free_threading: None,
        }
    }
}

/// The cost model of a free-threaded interpreter (python3.13t, PEP 703;
/// python3.14t, PEP 779): naive free threading, without biased reference
/// counting.
///
/// Each [`Python::step`](crate::gil::Python::step) pays `refcount_ops_per_step` atomic `fetch_add`s, standing
/// for the thread-safe reference-count updates of the objects a bytecode touches.
/// The default, 2, is one increment and one decrement per step, made atomic as
/// naive free threading makes every count (CPython's biased counting keeps an
/// owner thread's updates plain).
///
/// What that costs depends on the step, as it does in CPython: an uncontended
/// atomic operation takes about 2 ns, but the core overlaps it with the step's own
/// arithmetic until the atomics become the bottleneck, so a step costs roughly
/// the larger of its work and `refcount_ops_per_step × 2 ns`. Measured on a 2-core
/// AMD EPYC VM, single thread, against the same steps under the lock:
///
/// | step's own work | 1 op | 2 ops (default) | 4 ops |
/// |---|---|---|---|
/// | 1.6 ns | 1.26× | 2.43× | 4.68× |
/// | 6.5 ns | 1.00× | 1.00× | 1.27× |
/// | 26 ns | 1.00× | 1.00× | 1.00× |
///
/// So steps with a few nanoseconds of their own work hide the default almost
/// entirely, while tiny steps, or more operations per step, show tens of
/// percent. Raise the count to make the single-thread cost visible.
///
/// For comparison, from the docs, not measured here (and none of it about
/// reference counting alone): PEP 703's prototype, based on 3.12, measured 5–6%
/// on one thread (pyperformance 1.0.6); the released python3.13t about 40%, with
/// its specializing adaptive interpreter (PEP 659) off (the 3.13 free-threading
/// HOWTO); python3.14t, with it back on, about 1% (macOS, aarch64) to 8%
/// (x86-64 Linux) by the 3.14 HOWTO, roughly 5–10% by What's New in 3.14. Greg
/// Stein's free-threading patch (1996, against Python 1.4, as PEP 703 tells it)
/// ran single-threaded code at least 30% slower (today's Python FAQ; older
/// editions say about twice as slow), and was never merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreeThreading {
    /// Atomic read-modify-write operations each step pays (about 2 ns each when
    /// uncontended, partly hidden behind the step's own work). 0 makes free
    /// threading free.
    pub refcount_ops_per_step: u32,
    /// `false` (the default): each thread updates its own counter, so the atomics
    /// never contend (biased reference counting goes further: an owner's updates
    /// are not even atomic). `true`: all threads
    /// update one interpreter-wide counter, so its cache line moves between cores
    /// on every update, as when every object's count is shared. Measured with
    /// the default 2 ops on 6.5 ns steps: two threads ran at 0.7–0.8× the speed
    /// of one, against 1.97× with per-thread counters.
    pub shared_refcounts: bool,
}

impl FreeThreading {
    /// The default number of atomic operations per step: one reference-count
    /// increment and one decrement.
    pub const DEFAULT_REFCOUNT_OPS_PER_STEP: u32 = 2;
}

impl Default for FreeThreading {
    fn default() -> Self {
        FreeThreading {
            refcount_ops_per_step: Self::DEFAULT_REFCOUNT_OPS_PER_STEP,
            shared_refcounts: false,
        }
    }
}

/// A snapshot of an interpreter's lock counters, from [`Interpreter::stats`](crate::gil::Interpreter::stats).
///
/// Every field counts since the interpreter was built or since the last
/// [`Interpreter::reset_stats`](crate::gil::Interpreter::reset_stats). How large each is depends on scheduling, so these
/// are measurements, not results to compare exactly. A free-threaded interpreter
/// has no lock and leaves them all at zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct GilStats {
    /// Times a thread took the lock: on entering [`Interpreter::with_gil`](crate::gil::Interpreter::with_gil), after
    /// [`Python::allow_threads`](crate::gil::Python::allow_threads), and after handing it over at a drop request.
    pub acquisitions: u64,
    /// Acquisitions by a different thread than the previous holder (CPython's
    /// `switch_number`).
    pub switches: u64,
    /// Times a waiter ran out of patience (one switch interval with no switch) and
    /// set the drop request (`gil_drop_request`).
    pub drop_requests: u64,
    /// Times a holder released the lock at a step because of a drop request: the
    /// switches the interval forced, as opposed to releases for I/O or at the end
    /// of `with_gil`.
    pub forced_switches: u64,
    /// Total time threads spent blocked waiting to take the lock, in nanoseconds
    /// (summed over threads, so it can exceed wall time).
    pub wait_ns: u64,
}

impl GilStats {
    /// [`GilStats::wait_ns`] as a [`Duration`].
    pub fn wait_time(&self) -> Duration {
        Duration::from_nanos(self.wait_ns)
    }
}
