//! Behaviour of `runtime::gil` on real threads. No test asserts a timing; every
//! test that waits on another thread does so with a timeout, so a broken lock
//! fails the test instead of hanging it.
#![cfg(not(loom))]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use runtime::gil::{
    Config, DEFAULT_SWITCH_INTERVAL, FreeThreading, GilStats, Interpreter, MIN_SWITCH_INTERVAL,
};

/// How long a test waits for another thread before it calls the lock broken.
const PATIENCE: Duration = Duration::from_secs(30);

/// Runs `body` on its own thread and fails if it does not finish within
/// `PATIENCE`; a panic in `body` fails the test with the same message.
fn within_patience<F: FnOnce() + Send + 'static>(body: F) {
    let (done_tx, done_rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        body();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(PATIENCE) {
        Ok(()) => handle.join().expect("test body finished"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body sends before it returns"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test did not finish within {PATIENCE:?}: the lock deadlocked or lost a wake-up")
        }
    }
}

fn short_interval() -> Interpreter {
    Interpreter::with_config(Config {
        switch_interval: Duration::from_micros(100),
        ..Config::default()
    })
}

/// A few dozen nanoseconds of arithmetic the optimizer cannot remove.
fn bytecode(x: u64) -> u64 {
    let mut x = x;
    for _ in 0..8 {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

#[test]
fn each_with_gil_counts_one_acquisition() {
    let interp = Interpreter::new();
    for _ in 0..3 {
        interp.with_gil(|py| py.step(|| ()));
    }
    let stats = interp.stats();
    assert_eq!(stats.acquisitions, 3, "{stats:?}");
    assert_eq!(
        stats.switches, 1,
        "one thread only switches in once: {stats:?}"
    );
    assert_eq!(stats.drop_requests, 0, "nobody waited: {stats:?}");
    assert_eq!(stats.forced_switches, 0, "nobody waited: {stats:?}");
}

#[test]
fn allow_threads_takes_the_lock_back_and_counts_it() {
    let interp = Interpreter::new();
    let out = interp.with_gil(|py| {
        let native = py.allow_threads(|| 20);
        py.step(|| native + 1)
    });
    assert_eq!(out, 21);
    assert_eq!(
        interp.stats().acquisitions,
        2,
        "with_gil + the re-take after allow_threads"
    );
}

#[test]
fn reset_stats_sets_every_counter_to_zero() {
    let interp = Interpreter::new();
    interp.with_gil(|py| py.allow_threads(|| ()));
    assert_ne!(interp.stats(), GilStats::default());
    interp.reset_stats();
    assert_eq!(interp.stats(), GilStats::default());
}

#[test]
fn allow_threads_lets_another_thread_take_the_lock() {
    within_patience(|| {
        let interp = Interpreter::new();
        let (inside_tx, inside_rx) = mpsc::channel();
        let (got_lock_tx, got_lock_rx) = mpsc::channel();
        let interp = &interp;
        thread::scope(|s| {
            s.spawn(move || {
                interp.with_gil(|py| {
                    py.allow_threads(move || {
                        inside_tx.send(()).expect("main test thread alive");
                        got_lock_rx
                            .recv_timeout(PATIENCE)
                            .expect("another thread could not take the lock during allow_threads");
                    })
                })
            });
            s.spawn(move || {
                inside_rx
                    .recv_timeout(PATIENCE)
                    .expect("first thread reached allow_threads");
                interp.with_gil(|_| got_lock_tx.send(()).expect("first thread waiting"));
            });
        });
    });
}

#[test]
fn separate_interpreters_do_not_wait_for_each_other() {
    within_patience(|| {
        let first = Interpreter::new();
        let second = Interpreter::new();
        let (holding_tx, holding_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let (first, second) = (&first, &second);
        thread::scope(|s| {
            s.spawn(move || {
                first.with_gil(|_| {
                    holding_tx.send(()).expect("other thread alive");
                    done_rx
                        .recv_timeout(PATIENCE)
                        .expect("the second interpreter's lock waited for the first's");
                })
            });
            s.spawn(move || {
                holding_rx.recv_timeout(PATIENCE).expect("first lock taken");
                second.with_gil(|_| done_tx.send(()).expect("first thread waiting"));
            });
        });
        assert_eq!(first.stats().acquisitions, 1);
        assert_eq!(second.stats().acquisitions, 1);
        assert_eq!(
            second.stats().drop_requests,
            0,
            "nobody waited on the second lock"
        );
    });
}

#[test]
fn a_waiting_thread_makes_a_cpu_bound_holder_hand_over() {
    within_patience(|| {
        let interp = short_interval();
        let waiter_ran = AtomicBool::new(false);
        let (holding_tx, holding_rx) = mpsc::channel();
        thread::scope(|s| {
            // The holder never releases the lock of its own accord: it steps until
            // the waiter has run, which it can only do if the holder honours the
            // drop request at a step.
            s.spawn(|| {
                interp.with_gil(|py| {
                    holding_tx.send(()).expect("waiter alive");
                    let mut x = 1;
                    while !waiter_ran.load(Ordering::Relaxed) {
                        x = py.step(|| bytecode(x));
                    }
                })
            });
            holding_rx
                .recv_timeout(PATIENCE)
                .expect("holder took the lock");
            interp.with_gil(|_| waiter_ran.store(true, Ordering::Relaxed));
        });
        let stats = interp.stats();
        assert!(stats.drop_requests >= 1, "the waiter asked: {stats:?}");
        assert!(
            stats.forced_switches >= 1,
            "the holder honoured it: {stats:?}"
        );
        assert!(
            stats.switches >= 2,
            "the lock moved to the waiter: {stats:?}"
        );
        assert!(stats.wait_ns > 0, "the waiter waited: {stats:?}");
    });
}

#[test]
fn forced_switching_gives_the_lock_to_the_waiter_before_the_holder_retakes_it() {
    within_patience(|| {
        let interp = short_interval();
        let waiter_ran = AtomicBool::new(false);
        let (holding_tx, holding_rx) = mpsc::channel();
        thread::scope(|s| {
            s.spawn(|| {
                interp.with_gil(|py| {
                    holding_tx.send(()).expect("waiter alive");
                    let mut x = 1;
                    loop {
                        x = std::hint::black_box(bytecode(x));
                        // `check` returns true once it has handed the lock over and
                        // taken it back: by then the waiter, the only other thread,
                        // must have had it.
                        if py.check() {
                            assert!(
                                waiter_ran.load(Ordering::Relaxed),
                                "the holder took the lock back before the waiter got it"
                            );
                            break;
                        }
                    }
                })
            });
            holding_rx
                .recv_timeout(PATIENCE)
                .expect("holder took the lock");
            interp.with_gil(|_| waiter_ran.store(true, Ordering::Relaxed));
        });
    });
}

#[test]
fn at_most_one_thread_holds_the_lock_under_stress() {
    within_patience(|| {
        const THREADS: usize = 8;
        const STEPS: usize = 20_000;
        let interp = Interpreter::with_config(Config {
            switch_interval: Duration::from_micros(50),
            ..Config::default()
        });
        let holders = AtomicUsize::new(0);
        let steps_run = AtomicUsize::new(0);
        thread::scope(|s| {
            for t in 0..THREADS {
                let (interp, holders, steps_run) = (&interp, &holders, &steps_run);
                s.spawn(move || {
                    // Half the threads re-enter with_gil often, half stay attached.
                    let sessions = if t % 2 == 0 { 20 } else { 1 };
                    for _ in 0..sessions {
                        interp.with_gil(|py| {
                            for i in 0..STEPS / sessions {
                                py.step(|| {
                                    let inside = holders.fetch_add(1, Ordering::SeqCst);
                                    assert_eq!(inside, 0, "two threads ran a step at once");
                                    std::hint::black_box(bytecode(i as u64));
                                    holders.fetch_sub(1, Ordering::SeqCst);
                                    steps_run.fetch_add(1, Ordering::Relaxed);
                                });
                                if i % 1000 == 999 {
                                    py.allow_threads(thread::yield_now);
                                }
                            }
                        });
                    }
                });
            }
        });
        assert_eq!(steps_run.load(Ordering::Relaxed), THREADS * STEPS);
    });
}

#[test]
fn free_threaded_threads_run_at_the_same_time() {
    within_patience(|| {
        let interp = Interpreter::free_threaded();
        let (a_tx, a_rx) = mpsc::channel();
        let (b_tx, b_rx) = mpsc::channel();
        let interp = &interp;
        thread::scope(|s| {
            // Each thread, attached, waits for the other attached thread: only
            // possible when nothing serializes them.
            s.spawn(move || {
                interp.with_gil(|py| {
                    py.step(|| a_tx.send(()).expect("other thread alive"));
                    b_rx.recv_timeout(PATIENCE)
                        .expect("free-threaded attach blocked");
                })
            });
            s.spawn(move || {
                interp.with_gil(|py| {
                    py.step(|| b_tx.send(()).expect("other thread alive"));
                    a_rx.recv_timeout(PATIENCE)
                        .expect("free-threaded attach blocked");
                })
            });
        });
        assert_eq!(
            interp.stats(),
            GilStats::default(),
            "no lock, nothing to count"
        );
    });
}

#[test]
fn free_threaded_steps_compute_the_same_results_in_both_refcount_models() {
    for shared_refcounts in [false, true] {
        let interp = Interpreter::with_config(Config {
            free_threading: Some(FreeThreading {
                refcount_ops_per_step: 4,
                shared_refcounts,
            }),
            ..Config::default()
        });
        assert!(interp.is_free_threaded());
        let sums: Vec<u64> = thread::scope(|s| {
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| interp.with_gil(|py| (0..1000).map(|i| py.step(|| i)).sum::<u64>()))
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("worker"))
                .collect()
        });
        assert_eq!(sums, vec![499_500, 499_500]);
        let allowed = interp.with_gil(|py| py.allow_threads(|| 7));
        assert_eq!(allowed, 7);
    }
}

#[test]
fn nested_with_gil_panics_instead_of_deadlocking() {
    within_patience(|| {
        let interp = Interpreter::new();
        let nested = catch_unwind(AssertUnwindSafe(|| {
            interp.with_gil(|_| interp.with_gil(|_| ()));
        }));
        let message = nested.expect_err("nested with_gil must panic");
        let message = message
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| message.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        assert!(
            message.contains("already holds"),
            "unhelpful message: {message}"
        );
        // The outer with_gil released the lock while unwinding.
        interp.with_gil(|py| py.step(|| ()));
    });
}

#[test]
fn a_panic_inside_with_gil_releases_the_lock() {
    within_patience(|| {
        let interp = Interpreter::new();
        thread::scope(|s| {
            s.spawn(|| {
                let result = catch_unwind(AssertUnwindSafe(|| {
                    interp.with_gil(|py| py.step(|| panic!("interpreted code failed")))
                }));
                assert!(result.is_err());
            })
            .join()
            .expect("panicking thread caught its panic");
            // Another thread can take the lock: the panicking one released it.
            s.spawn(|| interp.with_gil(|py| py.step(|| ())))
                .join()
                .expect("lock usable after a panic");
        });
    });
}

#[test]
fn a_panic_inside_allow_threads_takes_the_lock_back_before_unwinding() {
    within_patience(|| {
        let interp = Interpreter::new();
        let result = catch_unwind(AssertUnwindSafe(|| {
            interp.with_gil(|py| py.allow_threads(|| panic!("native code failed")))
        }));
        assert!(result.is_err());
        // with_gil + the re-take during unwinding, and the lock is free again.
        assert_eq!(interp.stats().acquisitions, 2);
        thread::scope(|s| {
            s.spawn(|| interp.with_gil(|py| py.step(|| ())))
                .join()
                .expect("lock usable after a panic in allow_threads");
        });
    });
}

#[test]
fn switch_interval_can_be_read_and_set_like_sys_setswitchinterval() {
    let interp = Interpreter::new();
    assert_eq!(interp.switch_interval(), DEFAULT_SWITCH_INTERVAL);
    interp.set_switch_interval(Duration::from_micros(50));
    assert_eq!(interp.switch_interval(), Duration::from_micros(50));
    interp.set_switch_interval(Duration::ZERO);
    assert_eq!(
        interp.switch_interval(),
        MIN_SWITCH_INTERVAL,
        "zero is raised to the minimum"
    );
    let built = Interpreter::with_config(Config {
        switch_interval: Duration::from_millis(20),
        ..Config::default()
    });
    assert_eq!(built.switch_interval(), Duration::from_millis(20));
}

#[test]
fn the_main_interpreter_is_one_process_wide_global() {
    assert!(std::ptr::eq(Interpreter::main(), Interpreter::main()));
    assert!(!Interpreter::main().is_free_threaded());
    let out = runtime::gil::with_gil(|py| {
        assert!(std::ptr::eq(py.interpreter(), Interpreter::main()));
        py.step(|| 5)
    });
    assert_eq!(out, 5);
}
