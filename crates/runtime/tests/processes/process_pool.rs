//! Behaviour tests for `runtime::process::ProcessPool`, on real worker processes.
//!
//! A module of the `processes` test binary (see `main.rs`, whose `main`
//! calls `worker_guard` first): `cargo test -p runtime --test processes -- process_pool`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use runtime::process::{
    Callbacks, PoolError, ProcessPool, Registry, Task, TaskErrorKind, TaskState,
};
use serde::{Deserialize, Serialize};

use crate::sys::{Orphans, assert_no_children, children, kill9, threads_in_this_process};

// ---- tasks -------------------------------------------------------------------

fn square(x: u64) -> u64 {
    x * x
}
fn add((a, b): (u64, u64)) -> u64 {
    a + b
}
fn fail_on_13(x: u64) -> u64 {
    assert!(x != 13, "thirteen is unlucky");
    x
}
fn sleep_ms(ms: u64) -> u64 {
    thread::sleep(Duration::from_millis(ms));
    ms
}
fn pid(_: ()) -> u32 {
    std::process::id()
}
fn nap_then_pid(ms: u64) -> u32 {
    thread::sleep(Duration::from_millis(ms));
    std::process::id()
}
fn abort_now(_: ()) {
    std::process::abort()
}
fn sum(v: Vec<f64>) -> f64 {
    v.iter().sum()
}

static OFFSET: AtomicU64 = AtomicU64::new(0);
fn set_offset(k: u64) {
    OFFSET.store(k, Ordering::SeqCst);
}
fn plus_offset(x: u64) -> u64 {
    OFFSET.load(Ordering::SeqCst) + x
}
fn refuse(_: ()) {
    panic!("this initializer refuses to start")
}

/// A value whose serialization always fails (Python: an object pickle refuses).
#[derive(Debug, Deserialize)]
struct Refuses;
impl Serialize for Refuses {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "this value refuses to be serialized",
        ))
    }
}
fn take_refuses(_: Refuses) -> u64 {
    0
}

static SQUARE: Task<u64, u64> = Task::new("tests::square", square);
static ADD: Task<(u64, u64), u64> = Task::new("tests::add", add);
static FAIL_ON_13: Task<u64, u64> = Task::new("tests::fail_on_13", fail_on_13);
static SLEEP_MS: Task<u64, u64> = Task::new("tests::sleep_ms", sleep_ms);
static PID: Task<(), u32> = Task::new("tests::pid", pid);
static NAP_PID: Task<u64, u32> = Task::new("tests::nap_then_pid", nap_then_pid);
static ABORT: Task<(), ()> = Task::new("tests::abort", abort_now);
static SUM: Task<Vec<f64>, f64> = Task::new("tests::sum", sum);
static SET_OFFSET: Task<u64, ()> = Task::new("tests::set_offset", set_offset);
static PLUS_OFFSET: Task<u64, u64> = Task::new("tests::plus_offset", plus_offset);
static REFUSE: Task<(), ()> = Task::new("tests::refuse", refuse);
static TAKE_REFUSES: Task<Refuses, u64> = Task::new("tests::take_refuses", take_refuses);

/// Declared, never registered: the worker has never heard of it.
static NOT_REGISTERED: Task<u64, u64> = Task::new("tests::not_registered", square);
/// Registered as `u64 -> u64`; this descriptor claims it takes a `Vec<f64>`.
static SQUARE_WRONG_ARGS: Task<Vec<f64>, u64> = Task::new("tests::square", |_| 0);
/// Registered as `u64 -> u64`; this descriptor expects a `String` back.
static SQUARE_WRONG_RESULT: Task<u64, String> = Task::new("tests::square", |_| String::new());

// ---- helpers -----------------------------------------------------------------

const WAIT: Duration = Duration::from_secs(10);

// ---- tests -------------------------------------------------------------------

fn a_pool_and_its_handles_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<ProcessPool>();
    shareable::<runtime::process::AsyncResult<u64>>();
    shareable::<runtime::process::Ticket>();
    let pool = ProcessPool::new(2).unwrap();
    let sums: Vec<u64> = thread::scope(|s| {
        let handles: Vec<_> = (0..4_u64)
            .map(|t| {
                let pool = &pool;
                s.spawn(move || {
                    pool.map(&SQUARE, t * 100..(t + 1) * 100, Some(7))
                        .unwrap()
                        .iter()
                        .sum()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let expected: Vec<u64> = (0..4_u64)
        .map(|t| (t * 100..(t + 1) * 100).map(square).sum())
        .collect();
    assert_eq!(sums, expected, "four threads mapping on one pool at once");
}

fn results_match_a_sequential_map() {
    let pool = ProcessPool::new(2).expect("start a pool");
    let xs: Vec<u64> = (0..1000).collect();
    let expected: Vec<u64> = xs.iter().map(|&x| square(x)).collect();
    for chunksize in [Some(1), Some(7), Some(1000), None] {
        assert_eq!(
            pool.map(&SQUARE, xs.clone(), chunksize).unwrap(),
            expected,
            "map, chunksize {chunksize:?}"
        );
    }
    let pairs: Vec<(u64, u64)> = (0..100).map(|i| (i, 2 * i)).collect();
    let sums: Vec<u64> = pairs.iter().map(|&p| add(p)).collect();
    assert_eq!(pool.starmap(&ADD, pairs, Some(3)).unwrap(), sums, "starmap");

    let ordered: Vec<u64> = pool
        .imap(&SQUARE, xs.clone(), 5)
        .map(|r| r.expect("imap item"))
        .collect();
    assert_eq!(ordered, expected, "imap keeps the input order");
    let lazy: Vec<u64> = pool
        .imap(&SQUARE, (0..).take(300), 1) // no exact length: chunksize 1
        .map(|r| r.expect("imap item"))
        .collect();
    assert_eq!(lazy, expected[..300], "imap over a lazy iterator");

    let mut unordered: Vec<u64> = pool
        .imap_unordered(&SQUARE, xs.clone(), 3)
        .map(|r| r.expect("imap_unordered item"))
        .collect();
    unordered.sort_unstable();
    assert_eq!(unordered, expected, "imap_unordered holds the same results");

    let handles: Vec<_> = (0..50_u64).map(|x| pool.apply_async(&SQUARE, x)).collect();
    let got: Vec<u64> = handles
        .into_iter()
        .map(|h| h.get_timeout(WAIT).unwrap())
        .collect();
    assert_eq!(got, expected[..50], "apply_async");
    assert_eq!(pool.apply(&SQUARE, 12).unwrap(), 144, "apply");
    assert_eq!(
        pool.map(&SQUARE, Vec::<u64>::new(), None).unwrap(),
        Vec::<u64>::new()
    );

    let one = ProcessPool::new(1).expect("a one-worker pool");
    assert_eq!(
        one.map(&SQUARE, xs, Some(10)).unwrap(),
        expected,
        "one worker"
    );
}

fn slow_tasks_spread_over_the_workers() {
    // Two slow tasks, two idle workers: one each —
    // also after many trivial tasks, which teach the pool that *those* are cheap.
    let pool = ProcessPool::new(2).unwrap();
    for i in 0..500_u64 {
        pool.apply(&SQUARE, i).unwrap();
    }
    pool.map(&SQUARE, 0..20_000_u64, Some(1)).unwrap();
    for round in 0..3 {
        let pids = pool.map(&NAP_PID, [50_u64, 50], Some(1)).unwrap();
        assert_ne!(
            pids[0], pids[1],
            "round {round}: both slow tasks ran on one worker"
        );
        let a = pool.apply_async(&NAP_PID, 50);
        let b = pool.apply_async(&NAP_PID, 50);
        let (a, b) = (a.get_timeout(WAIT).unwrap(), b.get_timeout(WAIT).unwrap());
        assert_ne!(
            a, b,
            "round {round}: both apply_async tasks ran on one worker"
        );
    }
}

fn a_panicking_task_is_an_error_with_its_message_and_index_and_the_pool_keeps_serving() {
    let pool = ProcessPool::new(2).unwrap();
    let err = pool.map(&FAIL_ON_13, 0..40_u64, Some(4)).unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::Panicked);
    assert_eq!(err.index(), 13);
    assert!(err.message().contains("thirteen is unlucky"), "{err}");
    assert!(
        err.message().contains("process_pool.rs"),
        "the location is reported: {err}"
    );

    let results: Vec<_> = pool.imap(&FAIL_ON_13, 10..16_u64, 1).collect();
    assert!(
        results[3].as_ref().is_err_and(|e| e.index() == 3),
        "imap: item 3 (13) fails"
    );
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        5,
        "imap: the others succeed"
    );

    let async_err = pool
        .apply_async(&FAIL_ON_13, 13)
        .get_timeout(WAIT)
        .unwrap_err();
    assert_eq!(async_err.kind(), TaskErrorKind::Panicked);

    assert_eq!(
        pool.map(&SQUARE, 0..10_u64, None).unwrap()[9],
        81,
        "the pool still serves"
    );
    assert!(!pool.is_broken());
    assert_eq!(
        pool.stats().workers_started,
        2,
        "a panic does not cost a worker"
    );
}

fn an_unregistered_task_is_a_clear_error_and_the_pool_keeps_working() {
    let pool = ProcessPool::new(2).unwrap();
    let err = pool.apply(&NOT_REGISTERED, 3).unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::UnknownTask);
    assert!(err.message().contains("tests::not_registered"), "{err}");
    assert!(
        err.message().contains("worker_guard"),
        "the message says where to register: {err}"
    );
    let err = pool.map(&NOT_REGISTERED, 0..10_u64, Some(3)).unwrap_err();
    assert_eq!((err.kind(), err.index()), (TaskErrorKind::UnknownTask, 0));
    assert_eq!(pool.apply(&SQUARE, 5).unwrap(), 25);
}

fn undecodable_arguments_and_results_are_clear_errors() {
    let pool = ProcessPool::new(1).unwrap();
    let err = pool.apply(&SQUARE_WRONG_ARGS, vec![1.0, 2.0]).unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::BadArguments, "{err}");
    assert!(
        err.message().contains("u64") && err.message().contains("tests::square"),
        "{err}"
    );

    let err = pool
        .map(&SQUARE_WRONG_RESULT, [3_u64, 4], None)
        .unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::BadResult, "{err}");

    let err = pool.apply(&TAKE_REFUSES, Refuses).unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::Unserializable, "{err}");
    // postcard keeps the kind of a serde error, not its custom message.
    assert!(
        err.message().contains("Refuses"),
        "the message names the type: {err}"
    );
    let sent = pool.stats().messages_sent;
    let err = pool
        .map(&TAKE_REFUSES, [Refuses, Refuses], Some(1))
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.index()),
        (TaskErrorKind::Unserializable, 0)
    );
    assert_eq!(
        pool.stats().messages_sent,
        sent,
        "nothing was sent for an unserializable chunk"
    );

    assert_eq!(pool.apply(&SQUARE, 9).unwrap(), 81, "the pool still serves");
}

fn maxtasksperchild_replaces_workers_and_results_stay_right() {
    let pool = ProcessPool::builder()
        .workers(2)
        .maxtasksperchild(3)
        .build()
        .unwrap();
    let first = pool.worker_pids();
    let xs: Vec<u64> = (0..60).collect();
    let expected: Vec<u64> = xs.iter().map(|&x| square(x)).collect();
    assert_eq!(pool.map(&SQUARE, xs.clone(), Some(2)).unwrap(), expected);
    let pids: BTreeSet<u32> = pool
        .map(&PID, vec![(); 30], Some(1))
        .unwrap()
        .into_iter()
        .collect();
    // 30 single-task chunks, 3 tasks per worker: at least 10 different processes.
    assert!(
        pids.len() >= 10,
        "only {} worker processes ran 30 tasks",
        pids.len()
    );
    let stats = pool.stats();
    assert!(
        stats.workers_started >= 2 + 10,
        "workers started: {}",
        stats.workers_started
    );
    assert!(
        pool.worker_pids().iter().all(|p| !first.contains(p)),
        "the first workers were replaced"
    );
    drop(pool);
    assert_no_children("after dropping a maxtasksperchild pool");
}

fn the_initializer_runs_in_every_worker_before_its_tasks() {
    let pool = ProcessPool::builder()
        .workers(2)
        .initializer(&SET_OFFSET, 1000)
        .build()
        .unwrap();
    assert_eq!(
        pool.map(&PLUS_OFFSET, 0..20_u64, Some(1)).unwrap(),
        (1000..1020).collect::<Vec<_>>()
    );
    assert_eq!(
        OFFSET.load(Ordering::SeqCst),
        0,
        "the initializer ran in the workers, not here"
    );
    drop(pool);

    let err = ProcessPool::builder()
        .workers(2)
        .initializer(&REFUSE, ())
        .build()
        .unwrap_err();
    assert!(matches!(err, PoolError::Startup(_)), "{err}");
    assert!(err.to_string().contains("refuses to start"), "{err}");
    assert_no_children("after a failed start");
}

fn a_killed_worker_breaks_the_pool_for_pending_and_later_calls() {
    let pool = ProcessPool::new(2).unwrap();
    let pending: Vec<_> = (0..6)
        .map(|_| pool.apply_async(&SLEEP_MS, 30_000))
        .collect();
    let mapping = thread::scope(|s| {
        let map = s.spawn(|| pool.map(&SLEEP_MS, vec![30_000; 4], Some(1)));
        thread::sleep(Duration::from_millis(100));
        let victim = pool.worker_pids()[0];
        let killed_at = Instant::now();
        kill9(victim);
        let mut worst = Duration::ZERO;
        for p in pending {
            // Each would sleep 30 s; a broken pool must fail them at once.
            let err = p.get_timeout(WAIT).unwrap_err();
            assert_eq!(err.kind(), TaskErrorKind::BrokenPool, "{err}");
            worst = worst.max(killed_at.elapsed());
        }
        let map = map.join().unwrap();
        println!("    (pending results failed {worst:?} after the kill)");
        (map, victim)
    });
    let (map, victim) = mapping;
    let err = map.unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::BrokenPool);
    assert!(pool.is_broken());
    let reason = pool.broken_reason().unwrap();
    // `kill -9` on Unix; TerminateProcess (Task Manager's "End task") leaves code 1.
    let how = if cfg!(windows) {
        "exited with code 1"
    } else {
        "signal 9"
    };
    assert!(
        reason.contains(&victim.to_string()) && reason.contains(how),
        "{reason}"
    );

    let later = pool.apply(&SQUARE, 2).unwrap_err();
    assert_eq!(
        later.kind(),
        TaskErrorKind::BrokenPool,
        "later calls fail too"
    );
    assert!(
        pool.map(&SQUARE, 0..3_u64, None)
            .unwrap_err()
            .is_broken_pool()
    );
    assert!(matches!(pool.submit(&SQUARE, 1, |_| {}), Err(e) if e.is_broken_pool()));
    assert_no_children("after a worker was killed (the other one is killed and reaped too)");
}

fn killing_a_worker_at_any_moment_never_hangs_and_leaves_no_process() {
    let mut seed = std::process::id() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let (mut broken, mut finished) = (0, 0);
    for round in 0..20 {
        let pool = ProcessPool::new(2).unwrap();
        let delay = Duration::from_micros(next() % 20_000);
        let ms = (round % 2) as u64; // 200 tasks of 0 or 1 ms
        let outcome = thread::scope(|s| {
            let work = s.spawn(|| pool.map(&SLEEP_MS, vec![ms; 200], Some(1 + round % 3)));
            thread::sleep(delay);
            if let Some(&victim) = pool.worker_pids().get((next() % 2) as usize) {
                kill9(victim);
            }
            work.join().unwrap()
        });
        match outcome {
            Ok(v) => {
                assert_eq!(v, vec![ms; 200]);
                finished += 1;
            }
            Err(e) => {
                assert_eq!(e.kind(), TaskErrorKind::BrokenPool, "round {round}: {e}");
                broken += 1;
            }
        }
        drop(pool);
        assert_no_children(&format!("round {round}"));
    }
    println!("    ({broken} maps broke, {finished} finished before the kill)");
}

fn a_write_cut_short_by_a_dead_worker_is_an_error_not_a_signal() {
    // The worker sleeps while the parent writes it 16 MB: the write blocks on
    // the full pipe, then the worker is killed under it. With SIGPIPE at its
    // default action (set in main), only the writer thread's mask keeps this
    // test process alive.
    let pool = ProcessPool::new(1).unwrap();
    let busy = pool.apply_async(&SLEEP_MS, 30_000);
    let big = pool.apply_async(&SUM, vec![1.0; 2_000_000]);
    thread::sleep(Duration::from_millis(100));
    kill9(pool.worker_pids()[0]);
    assert_eq!(
        busy.get_timeout(WAIT).unwrap_err().kind(),
        TaskErrorKind::BrokenPool
    );
    assert_eq!(
        big.get_timeout(WAIT).unwrap_err().kind(),
        TaskErrorKind::BrokenPool
    );
    drop(pool);
    assert_no_children("after a write was cut short");
}

fn imap_on_a_broken_or_closed_pool_ends_with_errors() {
    let pool = ProcessPool::new(2).unwrap();
    let mut results = pool.imap(&SLEEP_MS, vec![20_u64; 5000], 1);
    assert_eq!(results.next().unwrap().unwrap(), 20);
    kill9(pool.worker_pids()[1]);
    let rest: Vec<_> = results.collect(); // ends: no hang on the dead worker
    assert!(
        rest.len() < 4999,
        "the iteration stopped early: {}",
        rest.len()
    );
    let broken = rest
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.is_broken_pool()))
        .count();
    assert!(broken >= 1, "the broken pool shows up as errors: {rest:?}");
    assert!(rest.iter().all(
        |r| r.as_ref().is_ok_and(|&v| v == 20) || r.as_ref().is_err_and(|e| e.is_broken_pool())
    ));
    drop(pool);

    let pool = ProcessPool::new(1).unwrap();
    pool.close();
    let refused: Vec<_> = pool.imap(&SQUARE, 0..5_u64, 1).collect();
    assert_eq!(refused.len(), 1, "one error, then the end: {refused:?}");
    assert_eq!(
        refused[0].as_ref().unwrap_err().kind(),
        TaskErrorKind::PoolClosed
    );
    pool.join().unwrap();
    assert_no_children("after imap on broken and closed pools");
}

fn a_worker_that_aborts_breaks_the_pool_and_says_how() {
    let pool = ProcessPool::new(1).unwrap();
    let err = pool.apply(&ABORT, ()).unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::BrokenPool);
    // Rust's abort is SIGABRT on Unix, a fail-fast exception on Windows.
    let how = if cfg!(windows) {
        "0xC0000409"
    } else {
        "SIGABRT"
    };
    assert!(err.message().contains(how), "{err}");
    drop(pool);
    assert_no_children("after an abort");
}

fn drop_and_terminate_reap_every_child() {
    {
        let pool = ProcessPool::new(2).unwrap();
        let _busy = pool.apply_async(&SLEEP_MS, 30_000);
        assert_eq!(children().len(), 2);
    }
    assert_no_children("after drop");

    let pool = ProcessPool::new(2).unwrap();
    let busy = pool.apply_async(&SLEEP_MS, 30_000);
    thread::sleep(Duration::from_millis(50));
    pool.terminate();
    assert_eq!(
        busy.get_timeout(WAIT).unwrap_err().kind(),
        TaskErrorKind::Terminated
    );
    assert_no_children("after terminate");
    assert_eq!(
        pool.apply(&SQUARE, 1).unwrap_err().kind(),
        TaskErrorKind::Terminated
    );
    pool.join().unwrap();
}

fn creating_and_dropping_pools_leaks_no_thread_and_no_process() {
    drop(ProcessPool::new(1).unwrap()); // the spawner thread lives for good
    let before = threads_in_this_process();
    if before.is_none() {
        println!("    (this system does not count our threads: only processes are checked)");
    }
    for round in 0..50_u64 {
        let pool = ProcessPool::new(2).unwrap();
        assert_eq!(pool.apply(&SQUARE, round).unwrap(), round * round);
    }
    assert_no_children("after 50 pools");
    assert_eq!(
        threads_in_this_process(),
        before,
        "threads left behind by dropped pools"
    );
}

fn close_then_join_finishes_queued_work_and_reaps_the_workers() {
    let pool = ProcessPool::new(2).unwrap();
    assert!(matches!(pool.join(), Err(PoolError::StillRunning)));
    let queued: Vec<_> = (0..10_u64).map(|x| pool.apply_async(&SQUARE, x)).collect();
    pool.close();
    assert_eq!(
        pool.apply(&SQUARE, 1).unwrap_err().kind(),
        TaskErrorKind::PoolClosed
    );
    pool.join().unwrap();
    assert!(pool.worker_pids().is_empty());
    let got: Vec<u64> = queued
        .into_iter()
        .map(|r| r.get_timeout(WAIT).unwrap())
        .collect();
    assert_eq!(got, (0..10).map(square).collect::<Vec<_>>());
    assert_no_children("after close + join");
}

fn callbacks_run_once_before_the_result_is_ready() {
    let pool = ProcessPool::new(2).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicUsize::new(0));
    let results: Vec<_> = (10..16_u64)
        .map(|x| {
            let seen = seen.clone();
            let errors = errors.clone();
            pool.apply_async_with(
                &FAIL_ON_13,
                x,
                Callbacks::new()
                    .callback(move |v| seen.lock().unwrap().push(*v))
                    .error_callback(move |e| {
                        assert_eq!(e.kind(), TaskErrorKind::Panicked);
                        errors.fetch_add(1, Ordering::SeqCst);
                    }),
            )
        })
        .collect();
    for r in &results {
        assert!(r.wait_timeout(WAIT));
    }
    let mut seen = seen.lock().unwrap().clone();
    seen.sort_unstable();
    assert_eq!(seen, [10, 11, 12, 14, 15]);
    assert_eq!(errors.load(Ordering::SeqCst), 1);
    assert_eq!(results[3].successful(), Some(false));
    assert_eq!(results[0].successful(), Some(true));

    // submit: the primitive an executor builds on.
    let (tx, rx) = mpsc::channel();
    let ticket = pool
        .submit(&SQUARE, 7, move |r| tx.send(r).unwrap())
        .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap().unwrap(), 49);
    assert_eq!(ticket.state(), TaskState::Finished);
}

/// The runtime's one rule for a callback that panics (`runtime::task::Callbacks`):
/// it is reported on stderr and changes nothing else. The thread pool's test
/// of the same name holds it there.
fn a_panicking_callback_changes_nothing_but_a_line_on_stderr() {
    let pool = ProcessPool::new(1).unwrap();
    let handle = pool.apply_async_with(
        &SQUARE,
        3,
        Callbacks::new().callback(|_| panic!("bad callback")),
    );
    assert_eq!(
        handle.get_timeout(WAIT),
        Ok(9),
        "the result is delivered as it was"
    );
    let failing = pool.apply_async_with(
        &FAIL_ON_13,
        13,
        Callbacks::new().error_callback(|_| panic!("bad error callback")),
    );
    let error = failing.get_timeout(WAIT).expect_err("the task panicked");
    assert_eq!(error.kind(), TaskErrorKind::Panicked);
    assert!(
        error.message().contains("thirteen is unlucky"),
        "the task's own error stands: {error}"
    );
    let (tx, rx) = mpsc::channel();
    pool.submit(&SQUARE, 4, move |r| {
        tx.send(r).unwrap();
        panic!("bad on_done");
    })
    .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), Ok(16));
    assert_eq!(pool.apply(&SQUARE, 5), Ok(25), "the pool keeps serving");
    assert!(!pool.is_broken());
}

fn a_queued_task_can_be_cancelled_a_running_one_cannot() {
    let pool = ProcessPool::new(1).unwrap();
    let (tx, rx) = mpsc::channel();
    let tickets: Vec<_> = (0..8)
        .map(|i| {
            let tx = tx.clone();
            pool.submit(&SLEEP_MS, 100, move |r| tx.send((i, r)).unwrap())
                .unwrap()
        })
        .collect();
    drop(tx);
    thread::sleep(Duration::from_millis(30));
    // One worker; a task never measured counts as slow: the first one is on
    // the worker, the rest wait in the parent's queue.
    assert_eq!(tickets[0].state(), TaskState::Running);
    assert!(
        !tickets[0].cancel(),
        "a task a worker has taken cannot be cancelled"
    );
    let cancelled: Vec<bool> = tickets[2..].iter().map(|t| t.cancel()).collect();
    assert!(
        cancelled.iter().all(|&c| c),
        "queued tasks are cancelled: {cancelled:?}"
    );
    assert_eq!(tickets[5].state(), TaskState::Cancelled);
    let mut done: Vec<usize> = rx
        .iter()
        .map(|(i, r)| {
            assert_eq!(r.unwrap(), 100);
            i
        })
        .collect();
    done.sort_unstable();
    assert_eq!(
        done,
        [0, 1],
        "only the tasks that were not cancelled ran and called back"
    );
}

fn bytes_on_the_wire_are_counted() {
    let pool = ProcessPool::new(1).unwrap();
    let before = pool.stats();
    let payload = vec![0.5_f64; 125_000]; // 1 MB of f64
    assert_eq!(pool.apply(&SUM, payload).unwrap(), 62_500.0);
    let after = pool.stats();
    let sent = after.bytes_sent - before.bytes_sent;
    assert!(
        (1_000_000..1_000_100).contains(&sent),
        "1 MB of f64 plus framing, sent {sent}"
    );
    let received = after.bytes_received - before.bytes_received;
    assert!(received < 100, "an f64 and framing came back: {received}");
    assert_eq!(after.tasks - before.tasks, 1);
}

/// How many times the helper parent is killed.
const PARENT_KILLS: usize = 5;

fn workers_exit_when_the_parent_is_killed() {
    // On Linux, orphaned workers are re-parented to us, so we can reap them and
    // tell "gone" from "still running" precisely.
    Orphans::prepare();
    let mut worst = Duration::ZERO;
    for round in 0..PARENT_KILLS {
        // Every other helper has closed its pool first: its workers have seen
        // the end of their request pipes while the parent still lived.
        let closed = round % 2 == 1;
        let exe = std::env::current_exe().unwrap();
        let mut helper = Command::new(exe)
            .arg("--helper-parent")
            .args(closed.then_some("--closed"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the helper parent");
        let mut line = String::new();
        BufReader::new(helper.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pids: Vec<u32> = line
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect();
        assert_eq!(pids.len(), 2, "helper said: {line:?}");
        let orphans = Orphans::watch(&pids);
        assert_eq!(
            orphans.gone_within(Duration::ZERO).ok(),
            None,
            "workers {pids:?} run"
        );

        // Each worker is in the middle of a 60 s task: nothing reads its pipe.
        let killed_at = Instant::now();
        kill9(helper.id());
        helper.wait().unwrap();
        if let Err(e) = orphans.gone_within(Duration::from_secs(5)) {
            panic!("round {round} (pool closed: {closed}): workers outlived their parent: {e}");
        }
        worst = worst.max(killed_at.elapsed());
    }
    println!(
        "    (the workers, each busy in a task, were gone at most {worst:.2?} after their parent \
         was killed, over {PARENT_KILLS} kills, some after the pool was closed)"
    );
    assert_no_children("after the helper parents and their workers died");
}

fn the_guard_is_required_before_a_pool() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe).arg("--without-guard").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("worker_guard") && text.contains("__main__"),
        "{text}"
    );
}

fn printing_before_the_guard_is_a_clear_startup_error() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .arg("--chatty-main")
        .env("PARLAB_TEST_CHATTY", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("failed to start") && text.contains("print to stdout before"),
        "{text}"
    );
}

// ---- runner ------------------------------------------------------------------

use crate::harness::Test;

/// With tracing on, each worker process's decode, task and encode spans come
/// back with its results, on the parent's clock, inside the traced window;
/// the parent records its own encoding as overhead; the bytes it counts are
/// those of an untraced map. (Other tests may run while
/// tracing is on: this one looks only at its own pool's pids.)
fn a_traced_map_brings_back_the_workers_spans() {
    use runtime::trace::{self, State};
    let pool = ProcessPool::new(2).expect("start");
    let pids = pool.worker_pids();
    let received = |pool: &ProcessPool| pool.stats().bytes_received;
    let start = received(&pool);
    pool.map(&SQUARE, 0..200_u64, Some(10)).unwrap();
    let untraced = received(&pool) - start;
    trace::enable();
    let before = trace::now_ns();
    let start = received(&pool);
    let got = pool.map(&SQUARE, 0..200_u64, Some(10)).unwrap();
    let traced = received(&pool) - start;
    let after = trace::now_ns();
    trace::disable();
    assert_eq!(got.len(), 200);
    assert_eq!(
        traced, untraced,
        "the spans that ride back with the results are not counted as bytes received"
    );
    let tracks = trace::take();
    let workers: Vec<_> = tracks.iter().filter(|t| pids.contains(&t.pid)).collect();
    assert!(
        !workers.is_empty(),
        "no worker process track among {tracks:?}"
    );
    let tasks: usize = workers
        .iter()
        .flat_map(|t| &t.spans)
        .filter(|s| s.state == State::Task)
        .count();
    assert_eq!(tasks, 200, "one task span per item");
    for t in &workers {
        assert!(t.spans.iter().any(|s| s.state == State::Overhead));
        // The clock offset is taken from one message: allow a few ms of slack.
        let slack = 50_000_000;
        assert!(
            t.spans
                .iter()
                .all(|s| s.start_ns + slack >= before && s.end_ns <= after + slack),
            "spans outside the traced window [{before}, {after}]: {:?}",
            t.spans.first()
        );
    }
    let me = std::process::id();
    assert!(
        tracks
            .iter()
            .filter(|t| t.pid == me)
            .flat_map(|t| &t.spans)
            .any(|s| s.state == State::Overhead),
        "the parent's encoding is overhead"
    );
    drop(pool);
    assert!(
        trace::take().iter().all(|t| !pids.contains(&t.pid)),
        "nothing is recorded for the pool after tracing stopped"
    );
}

pub(crate) const TESTS: &[Test] = &[
    (
        "a_traced_map_brings_back_the_workers_spans",
        a_traced_map_brings_back_the_workers_spans,
    ),
    (
        "results_match_a_sequential_map",
        results_match_a_sequential_map,
    ),
    (
        "slow_tasks_spread_over_the_workers",
        slow_tasks_spread_over_the_workers,
    ),
    (
        "a_pool_and_its_handles_can_be_shared_across_threads",
        a_pool_and_its_handles_can_be_shared_across_threads,
    ),
    (
        "a_panicking_task_is_an_error_with_its_message_and_index_and_the_pool_keeps_serving",
        a_panicking_task_is_an_error_with_its_message_and_index_and_the_pool_keeps_serving,
    ),
    (
        "an_unregistered_task_is_a_clear_error_and_the_pool_keeps_working",
        an_unregistered_task_is_a_clear_error_and_the_pool_keeps_working,
    ),
    (
        "undecodable_arguments_and_results_are_clear_errors",
        undecodable_arguments_and_results_are_clear_errors,
    ),
    (
        "maxtasksperchild_replaces_workers_and_results_stay_right",
        maxtasksperchild_replaces_workers_and_results_stay_right,
    ),
    (
        "the_initializer_runs_in_every_worker_before_its_tasks",
        the_initializer_runs_in_every_worker_before_its_tasks,
    ),
    (
        "a_killed_worker_breaks_the_pool_for_pending_and_later_calls",
        a_killed_worker_breaks_the_pool_for_pending_and_later_calls,
    ),
    (
        "killing_a_worker_at_any_moment_never_hangs_and_leaves_no_process",
        killing_a_worker_at_any_moment_never_hangs_and_leaves_no_process,
    ),
    (
        "a_write_cut_short_by_a_dead_worker_is_an_error_not_a_signal",
        a_write_cut_short_by_a_dead_worker_is_an_error_not_a_signal,
    ),
    (
        "imap_on_a_broken_or_closed_pool_ends_with_errors",
        imap_on_a_broken_or_closed_pool_ends_with_errors,
    ),
    (
        "a_worker_that_aborts_breaks_the_pool_and_says_how",
        a_worker_that_aborts_breaks_the_pool_and_says_how,
    ),
    (
        "drop_and_terminate_reap_every_child",
        drop_and_terminate_reap_every_child,
    ),
    (
        "creating_and_dropping_pools_leaks_no_thread_and_no_process",
        creating_and_dropping_pools_leaks_no_thread_and_no_process,
    ),
    (
        "close_then_join_finishes_queued_work_and_reaps_the_workers",
        close_then_join_finishes_queued_work_and_reaps_the_workers,
    ),
    (
        "callbacks_run_once_before_the_result_is_ready",
        callbacks_run_once_before_the_result_is_ready,
    ),
    (
        "a_panicking_callback_changes_nothing_but_a_line_on_stderr",
        a_panicking_callback_changes_nothing_but_a_line_on_stderr,
    ),
    (
        "a_queued_task_can_be_cancelled_a_running_one_cannot",
        a_queued_task_can_be_cancelled_a_running_one_cannot,
    ),
    (
        "bytes_on_the_wire_are_counted",
        bytes_on_the_wire_are_counted,
    ),
    (
        "workers_exit_when_the_parent_is_killed",
        workers_exit_when_the_parent_is_killed,
    ),
    (
        "printing_before_the_guard_is_a_clear_startup_error",
        printing_before_the_guard_is_a_clear_startup_error,
    ),
    (
        "the_guard_is_required_before_a_pool",
        the_guard_is_required_before_a_pool,
    ),
];

/// Longest a single test may take before the run is declared hung.
pub(crate) const TEST_DEADLINE: Duration = Duration::from_secs(60);

/// Registers this module's tasks (in the worker processes too).
pub(crate) fn register(tasks: &mut Registry) {
    tasks
        .register(&SQUARE)
        .register(&ADD)
        .register(&FAIL_ON_13)
        .register(&SLEEP_MS)
        .register(&PID)
        .register(&NAP_PID)
        .register(&ABORT)
        .register(&SUM)
        .register(&SET_OFFSET)
        .register(&PLUS_OFFSET)
        .register(&REFUSE)
        .register(&TAKE_REFUSES);
}

/// The runs of this executable that some tests start as a child, before the
/// guard: `--without-guard` shows the error a pool gives without it.
pub(crate) fn child_before_guard(args: &[String]) -> bool {
    if args.first().is_some_and(|a| a == "--without-guard") {
        match ProcessPool::new(1) {
            Ok(_) => println!("a pool started without the guard"),
            Err(e) => println!("{e}"),
        }
        return true;
    }
    // A program that prints before the guard, as a worker too (the variable is
    // inherited): see `printing_before_the_guard_is_a_clear_startup_error`.
    if std::env::var_os("PARLAB_TEST_CHATTY").is_some() {
        println!("hello from main, before the guard");
    }
    false
}

/// The runs of this executable that some tests start as a child, after the
/// guard: the helper parent of `workers_exit_when_the_parent_is_killed`, and
/// the main that printed before the guard.
pub(crate) fn child_after_guard(args: &[String]) -> bool {
    if args.first().is_some_and(|a| a == "--helper-parent") {
        let pool = ProcessPool::new(2).expect("helper: start a pool");
        // A task never measured counts as slow: one goes to each worker.
        let busy: Vec<_> = (0..2)
            .map(|_| pool.apply_async(&SLEEP_MS, 60_000))
            .collect();
        thread::sleep(Duration::from_millis(100));
        let pids: Vec<String> = pool.worker_pids().iter().map(u32::to_string).collect();
        if args.get(1).is_some_and(|a| a == "--closed") {
            // No more work: the workers' request pipes close; they finish their task.
            pool.close();
        }
        println!("{}", pids.join(" "));
        thread::sleep(Duration::from_secs(60)); // until the test kills us
        drop(busy);
        return true;
    }
    if args.first().is_some_and(|a| a == "--chatty-main") {
        match ProcessPool::new(1) {
            Ok(_) => println!("a pool started although main printed before the guard"),
            Err(e) => println!("{e}"),
        }
        return true;
    }
    false
}
