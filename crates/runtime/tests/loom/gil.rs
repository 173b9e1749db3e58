//! Loom models of the interpreter lock's handoff protocol.
//!
//! Loom runs each model under every interleaving of its threads (up to the
//! preemption bound) and fails on a deadlock (every thread blocked: a lost
//! wake-up ends that way), on a panic, or on two threads touching a
//! `loom::cell::UnsafeCell` without one happening-before the other (two holders
//! at once). Loom has no clock, so the switch interval elapsing is a timer thread
//! calling `loom_fire_timeout`, which ends the timed waits in progress at that
//! point; loom tries it at every point.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p runtime --release --test loom gil`

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::{Arc, Notify};
use loom::thread;
use runtime::gil::{Config, Interpreter};

/// Runs `f` under loom with at most `PREEMPTIONS` preemptions per execution
/// (`LOOM_MAX_PREEMPTIONS` overrides it). Exhaustive exploration of these models
/// takes minutes; bounded, it keeps every schedule with up to that many forced
/// context switches, which is where handoff bugs show (lost wake-ups need one or
/// two).
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = builder.preemption_bound.or(Some(PREEMPTIONS));
    builder.check(f);
}

const PREEMPTIONS: usize = 4;

/// What the threads did, in order: (thread, event). Only touched holding the lock.
type Log = Arc<UnsafeCell<Vec<(&'static str, Event)>>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// Ran one "bytecode" holding the lock.
    Ran,
    /// Its check handed the lock over on request and took it back.
    TookItBack,
}

fn push(log: &Log, thread: &'static str, event: Event) {
    // SAFETY: called only while this thread holds the lock; loom reports it if
    // another thread's access is not ordered before this one, which is the
    // property under test.
    log.with_mut(|v| unsafe { (*v).push((thread, event)) });
}

fn read(log: &Log) -> Vec<(&'static str, Event)> {
    // SAFETY: called after every other thread was joined.
    log.with(|v| unsafe { (*v).clone() })
}

/// Runs `steps` bytecodes holding the lock, each followed by the eval-breaker
/// check, logging what happened.
fn run_steps(interp: &Interpreter, log: &Log, thread: &'static str, steps: usize) {
    interp.with_gil(|py| {
        for _ in 0..steps {
            // A step written out, so the check's result can be logged.
            push(log, thread, Event::Ran);
            if py.check() {
                push(log, thread, Event::TookItBack);
            }
        }
    })
}

/// Two threads, "a" running two steps and "b" one, and the main thread as the
/// timer, firing once. Returns the log and the interpreter for the model to check.
fn two_threads_and_a_timeout(config: Config) -> (Vec<(&'static str, Event)>, Arc<Interpreter>) {
    let interp = Arc::new(Interpreter::with_config(config));
    let log: Log = Arc::new(UnsafeCell::new(Vec::new()));
    let spawn = |thread: &'static str, steps: usize| {
        let (interp, log) = (interp.clone(), log.clone());
        thread::spawn(move || run_steps(&interp, &log, thread, steps))
    };
    let a = spawn("a", 2);
    let b = spawn("b", 1);
    interp.loom_fire_timeout();
    a.join().expect("a");
    b.join().expect("b");
    (read(&log), interp)
}

#[test]
fn one_holder_at_a_time_and_no_lost_wakeup_with_a_timeout() {
    // Two threads, each with a step and an `allow_threads` release (which waits
    // for the handoff if a drop request is pending), plus the timer.
    model(|| {
        let interp = Arc::new(Interpreter::new());
        let counter = Arc::new(UnsafeCell::new(0_u32));
        let worker = |interp: Arc<Interpreter>, counter: Arc<UnsafeCell<u32>>| {
            thread::spawn(move || {
                interp.with_gil(|py| {
                    // SAFETY: inside a step this thread holds the lock; loom
                    // checks that no other access races with this one.
                    py.step(|| counter.with_mut(|c| unsafe { *c += 1 }));
                    py.allow_threads(|| ());
                    // SAFETY: as above, the lock is held again after allow_threads.
                    py.step(|| counter.with_mut(|c| unsafe { *c += 1 }));
                })
            })
        };
        let a = worker(interp.clone(), counter.clone());
        let b = worker(interp.clone(), counter.clone());
        interp.loom_fire_timeout();
        a.join().expect("a");
        b.join().expect("b");
        // SAFETY: every other thread has been joined.
        assert_eq!(counter.with(|c| unsafe { *c }), 4);
        let stats = interp.stats();
        assert_eq!(
            stats.acquisitions,
            4 + stats.forced_switches,
            "two with_gil, two re-takes after allow_threads, one per forced switch: {stats:?}"
        );
        assert!(stats.forced_switches <= stats.drop_requests, "{stats:?}");
    });
}

#[test]
fn three_threads_contending_all_get_the_lock() {
    // No timer: every wake-up comes from a release's `notify_one`, so a lost one
    // leaves a thread blocked forever, which loom reports as a deadlock. Three
    // threads explored exhaustively take minutes; bounding preemptions keeps the
    // schedules with up to that many forced context switches, where such bugs show.
    model(|| {
        let interp = Arc::new(Interpreter::new());
        let counter = Arc::new(UnsafeCell::new(0_u32));
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let (interp, counter) = (interp.clone(), counter.clone());
                thread::spawn(move || {
                    // SAFETY: inside a step this thread holds the lock.
                    interp.with_gil(|py| py.step(|| counter.with_mut(|c| unsafe { *c += 1 })))
                })
            })
            .collect();
        for t in threads {
            t.join().expect("worker");
        }
        // SAFETY: every other thread has been joined.
        assert_eq!(counter.with(|c| unsafe { *c }), 3);
        assert_eq!(interp.stats().acquisitions, 3);
    });
}

/// Executions in which the holder honoured a drop request (so the models below
/// are known to reach the case they check).
static HANDOVERS_SEEN: AtomicUsize = AtomicUsize::new(0);
/// Executions in which the holder took the lock back before the waiter had it.
static RETAKES_SEEN: AtomicUsize = AtomicUsize::new(0);

/// Whether a thread took the lock back after a forced switch with no entry of
/// another thread since it handed the lock over.
fn retook_before_the_waiter(log: &[(&str, Event)]) -> bool {
    log.iter().enumerate().any(|(i, (thread, event))| {
        *event == Event::TookItBack && (i == 0 || log[i - 1].0 == *thread)
    })
}

#[test]
fn forced_switching_hands_the_lock_to_the_waiter() {
    HANDOVERS_SEEN.store(0, Relaxed);
    model(|| {
        let (log, interp) = two_threads_and_a_timeout(Config::default());
        assert!(
            !retook_before_the_waiter(&log),
            "a thread took the lock back before the waiter got it: {log:?}"
        );
        let handovers = log.iter().filter(|(_, e)| *e == Event::TookItBack).count();
        assert_eq!(interp.stats().forced_switches, handovers as u64, "{log:?}");
        if handovers > 0 {
            HANDOVERS_SEEN.fetch_add(1, Relaxed);
        }
    });
    assert!(
        HANDOVERS_SEEN.load(Relaxed) > 0,
        "no execution reached a forced switch: the model checks nothing"
    );
}

#[test]
fn without_forced_switching_the_holder_can_take_the_lock_straight_back() {
    // The same model with the behaviour CPython 3.2 fixed: the property above
    // fails in some interleaving, which shows that the check can catch it.
    RETAKES_SEEN.store(0, Relaxed);
    model(|| {
        let config = Config {
            force_switching: false,
            ..Config::default()
        };
        let (log, _) = two_threads_and_a_timeout(config);
        if retook_before_the_waiter(&log) {
            RETAKES_SEEN.fetch_add(1, Relaxed);
        }
    });
    assert!(
        RETAKES_SEEN.load(Relaxed) > 0,
        "without forced switching some interleaving should let the holder retake the lock"
    );
}

#[test]
fn allow_threads_lets_a_waiting_thread_in() {
    // The first thread waits, inside allow_threads, for the second to run with
    // the lock: a deadlock unless allow_threads really releases it.
    model(|| {
        let interp = Arc::new(Interpreter::new());
        let ran = Arc::new(AtomicBool::new(false));
        let notify = Arc::new(Notify::new());
        let first = {
            let (interp, ran, notify) = (interp.clone(), ran.clone(), notify.clone());
            thread::spawn(move || {
                interp.with_gil(|py| {
                    py.allow_threads(move || {
                        while !ran.load(Ordering::Acquire) {
                            notify.wait();
                        }
                    })
                })
            })
        };
        let second = {
            let (interp, ran, notify) = (interp.clone(), ran.clone(), notify.clone());
            thread::spawn(move || {
                interp.with_gil(|py| {
                    py.step(|| ran.store(true, Ordering::Release));
                    notify.notify();
                })
            })
        };
        first.join().expect("first");
        second.join().expect("second");
    });
}

#[test]
fn separate_interpreters_do_not_share_a_lock() {
    // Each thread holds its own interpreter's lock while waiting for the other
    // thread to hold its own: a deadlock if the two locks were one.
    model(|| {
        let interps = [Arc::new(Interpreter::new()), Arc::new(Interpreter::new())];
        let flags = [
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        ];
        let notifies = [Arc::new(Notify::new()), Arc::new(Notify::new())];
        let threads: Vec<_> = (0..2)
            .map(|me| {
                let other = 1 - me;
                let interp = interps[me].clone();
                let (mine, theirs) = (flags[me].clone(), flags[other].clone());
                let (wake_other, wake_me) = (notifies[other].clone(), notifies[me].clone());
                thread::spawn(move || {
                    interp.with_gil(|_| {
                        mine.store(true, Ordering::Release);
                        wake_other.notify();
                        while !theirs.load(Ordering::Acquire) {
                            wake_me.wait();
                        }
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().expect("worker");
        }
    });
}
