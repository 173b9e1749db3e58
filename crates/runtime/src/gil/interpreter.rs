//! The interpreter lock itself: taking it, the eval-breaker check at every
//! step, the forced handoff after a switch interval, releasing it around I/O,
//! and the [`Python`] token that proves a thread holds it.

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use super::config::{Config, FreeThreading, GilStats, MIN_SWITCH_INTERVAL};
use crate::sync::{
    AtomicBool, AtomicU64, Condvar, Mutex, MutexGuard, Ordering, ThreadId, Unpoison,
};

/// Aligns its content to a cache line, so the eval breaker the holder polls on
/// every step does not share a line with the mutex the waiters write.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Padded<T>(T);

/// An interpreter: its lock (or, free-threaded, its absence) and its counters.
///
/// Each instance has its own lock, so threads attached to different interpreters
/// never wait for each other: PEP 684's per-interpreter GIL (3.12, C API; from
/// Python code since 3.14, PEP 734), and the situation of
/// the worker processes of a pool, each with its own interpreter. The process-wide
/// default is [`Interpreter::main`].
///
/// `Interpreter` is `Sync`: share it by reference (scoped threads), in an `Arc`,
/// or in a `static`.
pub struct Interpreter {
    /// The drop request, set by a waiter that timed out and polled by the holder
    /// at every step (CPython's `gil_drop_request` bit of the eval breaker). Only
    /// written with `state` locked.
    eval_breaker: Padded<AtomicBool>,
    /// The counter every thread updates when `shared_refcounts` is on.
    shared_refcount: Padded<AtomicU64>,
    state: Mutex<State>,
    /// Waiters in `take_gil` wait here; `drop_gil` signals it.
    cond: Condvar,
    /// A thread that dropped the lock on request waits here until another thread
    /// has taken it; `take_gil` signals it.
    switch_cond: Condvar,
    force_switching: bool,
    free_threading: Option<FreeThreading>,
}

/// What the mutex guards.
struct State {
    locked: bool,
    last_holder: Option<ThreadId>,
    /// Acquisitions by a new holder; a waiter compares it before and after its
    /// timed wait to tell "the lock moved on" from "the same holder kept it".
    switch_number: u64,
    switch_interval: Duration,
    /// Threads blocked in `take_gil` (so an uncontended release skips the signal).
    waiters: usize,
    /// Threads waiting on `switch_cond` for the handoff.
    switch_waiters: usize,
    stats: GilStats,
    /// Under loom, time-outs fired by the test's timer (see `loom_fire_timeout`).
    #[cfg(loom)]
    timeouts_fired: u64,
}

/// Why a thread releases the lock.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Release {
    /// It leaves `with_gil` (CPython's final release: no handoff wait).
    Final,
    /// `allow_threads`.
    Voluntary,
    /// A step saw the drop request.
    Requested,
}

impl Interpreter {
    /// An interpreter with a lock and the default 5 ms switch interval.
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    /// A free-threaded interpreter with the default cost model
    /// ([`FreeThreading::default`]): no lock, each step pays two atomic operations.
    pub fn free_threaded() -> Self {
        Self::with_config(Config {
            free_threading: Some(FreeThreading::default()),
            ..Config::default()
        })
    }

    /// An interpreter built from `config`.
    pub fn with_config(config: Config) -> Self {
        Interpreter {
            eval_breaker: Padded(AtomicBool::new(false)),
            shared_refcount: Padded(AtomicU64::new(0)),
            state: Mutex::new(State {
                locked: false,
                last_holder: None,
                switch_number: 0,
                switch_interval: config.switch_interval.max(MIN_SWITCH_INTERVAL),
                waiters: 0,
                switch_waiters: 0,
                stats: GilStats::default(),
                #[cfg(loom)]
                timeouts_fired: 0,
            }),
            cond: Condvar::new(),
            switch_cond: Condvar::new(),
            force_switching: config.force_switching,
            free_threading: config.free_threading,
        }
    }

    /// The process-wide interpreter, built on first use with [`Config::default`]:
    /// the one interpreter (and the one lock) that every thread of a CPython
    /// process shares. [`with_gil`] attaches to it.
    #[cfg(not(loom))]
    pub fn main() -> &'static Interpreter {
        static MAIN: std::sync::OnceLock<Interpreter> = std::sync::OnceLock::new();
        MAIN.get_or_init(Interpreter::new)
    }

    /// Whether this interpreter runs without a lock.
    pub fn is_free_threaded(&self) -> bool {
        self.free_threading.is_some()
    }

    /// The free-threading cost model, if this interpreter is free-threaded.
    pub fn free_threading(&self) -> Option<FreeThreading> {
        self.free_threading
    }

    /// The current switch interval (`sys.getswitchinterval`).
    pub fn switch_interval(&self) -> Duration {
        self.lock_state().switch_interval
    }

    /// Sets the switch interval (`sys.setswitchinterval`): how long a thread waits
    /// for the lock before it asks the holder to drop it. Intervals shorter than
    /// [`MIN_SWITCH_INTERVAL`] are raised to it. Threads already waiting use the
    /// new interval from their next wait on.
    pub fn set_switch_interval(&self, interval: Duration) {
        self.lock_state().switch_interval = interval.max(MIN_SWITCH_INTERVAL);
    }

    /// A snapshot of the lock counters.
    pub fn stats(&self) -> GilStats {
        self.lock_state().stats
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        self.lock_state().stats = GilStats::default();
    }

    /// Runs `f` with this interpreter's lock held, handing it the [`Python`] token;
    /// releases the lock when `f` returns or panics. Mirrors PyO3's
    /// `Python::with_gil` (`Python::attach`).
    ///
    /// Blocks while another thread holds the lock; after one switch interval of
    /// waiting it asks the holder to drop it at its next step. Free-threaded, it
    /// takes no lock. Costs two mutex lock/unlock pairs when uncontended.
    ///
    /// # Panics
    /// If this thread already holds this interpreter's lock (a nested `with_gil`
    /// would wait for itself forever): use the token you already have. Calling it
    /// inside [`Python::allow_threads`] is fine, since the lock is released there.
    pub fn with_gil<F, R>(&self, f: F) -> R
    where
        F: for<'py> FnOnce(Python<'py>) -> R,
    {
        let me = crate::sync::current().id();
        // The stepping thread's own reference-count counter (free-threaded mode).
        let own_refcount = Padded(AtomicU64::new(0));
        let (refcount_ops, refcount) = match self.free_threading {
            Some(ft) if ft.shared_refcounts => (ft.refcount_ops_per_step, &self.shared_refcount.0),
            Some(ft) => (ft.refcount_ops_per_step, &own_refcount.0),
            None => (0, &own_refcount.0),
        };
        // Keeps the optimizer from proving the counter private and dropping the
        // atomic operations on it.
        let refcount = std::hint::black_box(refcount);
        // Holding the lock is running the task; waits inside are lock waits.
        let _running = crate::trace::span(crate::trace::State::Task);
        let _attached = (!self.is_free_threaded()).then(|| {
            self.take_gil(me);
            Attached { interp: self, me }
        });
        f(Python {
            interp: self,
            me,
            refcount,
            refcount_ops,
            _not_send: PhantomData,
        })
    }

    /// Takes the lock for thread `me` (`take_gil` in `ceval_gil.c`).
    fn take_gil(&self, me: ThreadId) {
        let mut st = self.lock_state();
        if st.locked {
            if st.last_holder == Some(me) {
                drop(st);
                panic!(
                    "with_gil called on a thread that already holds this interpreter's lock; \
                     use the `Python` token you already have"
                );
            }
            let started = Instant::now();
            let _waiting = crate::trace::span(crate::trace::State::LockWait);
            st.waiters += 1;
            while st.locked {
                let seen = st.switch_number;
                let interval = st.switch_interval;
                let (guard, timed_out) = self.timed_wait(st, interval);
                st = guard;
                // Timed out, and the same holder kept the lock all along: ask it
                // to drop the lock at its next step.
                if timed_out
                    && st.locked
                    && st.switch_number == seen
                    && !self.eval_breaker.0.swap(true, Ordering::Relaxed)
                {
                    st.stats.drop_requests += 1;
                }
            }
            st.waiters -= 1;
            let waited = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            st.stats.wait_ns = st.stats.wait_ns.saturating_add(waited);
        }
        st.locked = true;
        st.stats.acquisitions += 1;
        if st.last_holder != Some(me) {
            st.last_holder = Some(me);
            st.switch_number += 1;
            st.stats.switches += 1;
            if st.switch_waiters > 0 {
                self.switch_cond.notify_all();
            }
        }
        // Whoever asked has been served (or will ask again after another interval).
        self.eval_breaker.0.store(false, Ordering::Relaxed);
    }

    /// Releases the lock held by thread `me` (`drop_gil` in `ceval_gil.c`).
    fn drop_gil(&self, me: ThreadId, why: Release) {
        let mut st = self.lock_state();
        debug_assert!(
            st.locked && st.last_holder == Some(me),
            "drop_gil by a non-holder"
        );
        st.locked = false;
        if why == Release::Requested {
            st.stats.forced_switches += 1;
        }
        if st.waiters > 0 {
            self.cond.notify_one();
        }
        // Forced switching: when a waiter asked for the lock, do not leave (and
        // race to take it back) until some other thread has taken it. The request
        // was set while we held the lock by a thread still in `take_gil`
        // (`waiters > 0`), and that thread takes the lock once it sees it free, so
        // this wait ends. CPython reads the request after unlocking the mutex and
        // waits under a second mutex; reading it under the one mutex is the same
        // check with one lock fewer.
        if why != Release::Final
            && self.force_switching
            && st.waiters > 0
            && self.eval_breaker.0.swap(false, Ordering::Relaxed)
        {
            let _waiting = crate::trace::span(crate::trace::State::LockWait);
            st.switch_waiters += 1;
            while st.last_holder == Some(me) {
                st = self.switch_cond.wait(st).unpoisoned();
            }
            st.switch_waiters -= 1;
        }
    }

    /// The check found the drop request set: hand the lock over and queue for it.
    #[cold]
    #[inline(never)]
    fn honour_drop_request(&self, me: ThreadId) -> bool {
        self.drop_gil(me, Release::Requested);
        self.take_gil(me);
        true
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // The mutex is only held for a few lines of this module, never while user
        // code runs, so poisoning cannot leave `State` half-updated.
        self.state.lock().unpoisoned()
    }

    /// Waits on `cond` for at most `interval`; returns whether it timed out.
    #[cfg(not(loom))]
    fn timed_wait<'a>(
        &self,
        st: MutexGuard<'a, State>,
        interval: Duration,
    ) -> (MutexGuard<'a, State>, bool) {
        let (st, result) = self.cond.wait_timeout(st, interval).unpoisoned();
        (st, result.timed_out())
    }

    /// Loom has no clock: the wait ends when notified, and counts as timed out
    /// when the test's timer thread fired ([`Interpreter::loom_fire_timeout`])
    /// while it waited. Loom explores the timer firing at every point.
    #[cfg(loom)]
    fn timed_wait<'a>(
        &self,
        st: MutexGuard<'a, State>,
        _interval: Duration,
    ) -> (MutexGuard<'a, State>, bool) {
        let fired = st.timeouts_fired;
        let st = self.cond.wait(st).unpoisoned();
        let timed_out = st.timeouts_fired != fired;
        (st, timed_out)
    }

    /// Loom only: ends every timed wait in progress as a time-out, the way the
    /// switch interval elapsing would.
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn loom_fire_timeout(&self) {
        let mut st = self.lock_state();
        st.timeouts_fired += 1;
        self.cond.notify_all();
    }
}

impl Default for Interpreter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Interpreter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock_state();
        f.debug_struct("Interpreter")
            .field("free_threading", &self.free_threading)
            .field("switch_interval", &st.switch_interval)
            .field("force_switching", &self.force_switching)
            .field("locked", &st.locked)
            .field("stats", &st.stats)
            .finish()
    }
}

/// Releases the lock when `with_gil` ends, by return or by panic.
struct Attached<'i> {
    interp: &'i Interpreter,
    me: ThreadId,
}

impl Drop for Attached<'_> {
    fn drop(&mut self) {
        self.interp.drop_gil(self.me, Release::Final);
    }
}

/// Takes the lock back when `allow_threads` ends, by return or by panic.
struct Reattach<'i> {
    interp: &'i Interpreter,
    me: ThreadId,
}

impl Drop for Reattach<'_> {
    fn drop(&mut self) {
        self.interp.take_gil(self.me);
    }
}

/// The token that proves this thread holds an interpreter's lock (or, free-threaded,
/// is attached to it). Mirrors PyO3's `Python<'py>`.
///
/// Only [`Interpreter::with_gil`] makes one, and it cannot leave that closure nor
/// move to another thread (it is neither `Send` nor `Sync`). It is `Copy`: pass it
/// to helper functions by value.
#[derive(Clone, Copy)]
pub struct Python<'py> {
    interp: &'py Interpreter,
    me: ThreadId,
    refcount: &'py AtomicU64,
    refcount_ops: u32,
    /// The lock belongs to this thread: the token must not cross to another one.
    _not_send: PhantomData<*const ()>,
}

impl<'py> Python<'py> {
    /// Runs one step of interpreted work: `work`, then the eval-breaker check
    /// ([`Python::check`]). A step is the unit the lock is handed over between
    /// (CPython hands it over less often: at backward jumps, after calls and at
    /// function starts, not after every bytecode), so give it about a bytecode's
    /// worth of work: the check is then free in practice (see the module docs),
    /// and a drop request waits at most one step.
    /// Free-threaded, each step also pays the atomic reference-count operations
    /// of [`FreeThreading`].
    #[inline]
    pub fn step<R>(self, work: impl FnOnce() -> R) -> R {
        let out = work();
        for _ in 0..self.refcount_ops {
            self.refcount.fetch_add(1, Ordering::Relaxed);
        }
        self.check();
        out
    }

    /// The eval-breaker check alone: if another thread has asked for the lock,
    /// releases it, waits until another thread has taken it (forced switching),
    /// and queues to take it back. Returns `true` if it did, so the lock was
    /// released and state shared with other threads may have changed.
    ///
    /// Costs one relaxed atomic load and a branch when nobody asked.
    #[inline]
    pub fn check(self) -> bool {
        if self.interp.eval_breaker.0.load(Ordering::Relaxed) {
            self.interp.honour_drop_request(self.me)
        } else {
            false
        }
    }

    /// Releases the lock while `f` runs, then takes it back: for I/O and for
    /// "native" work that needs no interpreter. Mirrors PyO3's `allow_threads`
    /// (`detach` since PyO3 0.26) and CPython's `Py_BEGIN_ALLOW_THREADS` /
    /// `Py_END_ALLOW_THREADS`, which CPython's blocking I/O calls and many of
    /// NumPy's low-level loops wrap themselves in (not those on arrays of Python
    /// objects; a Numba function only when compiled with `nogil=True`).
    ///
    /// Taking the lock back can wait, up to a switch interval or more if CPU-bound
    /// threads hold it. If a waiter has asked for the lock, the release waits until
    /// it got it, as CPython's does. Free-threaded, it just runs `f`.
    ///
    /// `f` must be `Send`, which keeps the token out of it: code that runs without
    /// the lock cannot use it.
    ///
    /// ```compile_fail,E0277
    /// use runtime::gil::Interpreter;
    ///
    /// Interpreter::new().with_gil(|py| {
    ///     py.allow_threads(|| py.step(|| 1)) // error: `Python` is not `Send`
    /// });
    /// ```
    pub fn allow_threads<T, F>(self, f: F) -> T
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        if self.interp.is_free_threaded() {
            return f();
        }
        self.interp.drop_gil(self.me, Release::Voluntary);
        let _reattach = Reattach {
            interp: self.interp,
            me: self.me,
        };
        f()
    }

    /// The interpreter this token belongs to.
    pub fn interpreter(self) -> &'py Interpreter {
        self.interp
    }
}

impl fmt::Debug for Python<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Python")
            .field("free_threaded", &self.interp.is_free_threaded())
            .finish_non_exhaustive()
    }
}

/// Runs `f` holding the lock of the process-wide interpreter ([`Interpreter::main`]).
/// Mirrors PyO3's `Python::with_gil`.
///
/// ```
/// let answer = runtime::gil::with_gil(|py| py.step(|| 6 * 7));
/// assert_eq!(answer, 42);
/// ```
#[cfg(not(loom))]
pub fn with_gil<F, R>(f: F) -> R
where
    F: for<'py> FnOnce(Python<'py>) -> R,
{
    Interpreter::main().with_gil(f)
}
