//! Behaviour tests for `runtime::futures::ProcessExecutor`, on real worker processes.
//!
//! A `harness = false` target (see `crates/runtime/Cargo.toml`): the executor's
//! pool starts its workers by running this executable again, so `main` calls
//! `worker_guard` first, which libtest's harness would not let us do. Each test
//! runs on its own thread with a deadline, so a hang fails the run instead of
//! blocking it. No test asserts a timing.
//!
//! Run with `cargo test -p runtime --test processes -- futures_process`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use runtime::futures::{
    Executor, ProcessExecutor, ReturnWhen, TaskErrorKind, TaskFuture, ThreadExecutor, as_completed,
    wait,
};
use runtime::process::{Registry, Task};

use crate::sys::{children, kill9};

// ---- tasks -------------------------------------------------------------------

fn square(x: u64) -> u64 {
    x * x
}
fn fail_on_13(x: u64) -> u64 {
    assert!(x != 13, "thirteen is unlucky (expected in this test)");
    x
}
fn sleep_ms(ms: u64) -> u64 {
    thread::sleep(Duration::from_millis(ms));
    ms
}

static SQUARE: Task<u64, u64> = Task::new("futures_tests::square", square);
static FAIL_ON_13: Task<u64, u64> = Task::new("futures_tests::fail_on_13", fail_on_13);
static SLEEP_MS: Task<u64, u64> = Task::new("futures_tests::sleep_ms", sleep_ms);
/// Declared, never registered: the workers have never heard of it.
static NOT_REGISTERED: Task<u64, u64> = Task::new("futures_tests::not_registered", square);

// ---- helpers -----------------------------------------------------------------

/// Long enough for anything that should happen to happen, on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// Waits until `condition` holds, polling; fails the test after `PATIENCE`.
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < PATIENCE, "still not true: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Child processes of this process that are still alive (not zombies).
fn live_children() -> Vec<u32> {
    children()
        .into_iter()
        .filter(|&(_, state)| state != 'Z')
        .map(|(pid, _)| pid)
        .collect()
}

// ---- tests -------------------------------------------------------------------

fn results_come_back_from_worker_processes() {
    let executor = ProcessExecutor::new(2).unwrap();
    let futures: Vec<TaskFuture<u64>> = (0..50).map(|x| executor.submit(&SQUARE, x)).collect();
    let total: u64 = as_completed(&futures, Some(PATIENCE))
        .map(|f| {
            f.expect("no timeout")
                .result()
                .expect("square does not fail")
        })
        .sum();
    assert_eq!(total, (0..50).map(square).sum::<u64>());
    let in_order: Vec<u64> = executor.map(&SQUARE, 0..5).map(Result::unwrap).collect();
    assert_eq!(in_order, [0, 1, 4, 9, 16]);
    let stats = executor.stats();
    assert!(stats.tasks >= 55 && stats.bytes_sent > 0, "{stats:?}");
    assert_eq!(executor.max_workers(), 2);
}

fn the_same_code_runs_on_threads_and_on_processes() {
    fn sum_of_squares(executor: &impl Executor) -> u64 {
        let futures: Vec<_> = (0..20).map(|x| executor.submit_task(&SQUARE, x)).collect();
        let (done, not_done) = {
            let w = wait(&futures, Some(PATIENCE), ReturnWhen::AllCompleted);
            (w.done.len(), w.not_done.len())
        };
        assert_eq!((done, not_done), (20, 0), "{}", executor.kind());
        futures.into_iter().map(|f| f.into_result().unwrap()).sum()
    }
    let threads = sum_of_squares(&ThreadExecutor::new(2).expect("start the executor"));
    let processes = sum_of_squares(&ProcessExecutor::new(2).unwrap());
    assert_eq!(threads, processes);
    assert_eq!(threads, 2_470);
}

fn a_panic_in_a_worker_is_carried_by_its_future() {
    let executor = ProcessExecutor::new(1).unwrap();
    let futures: Vec<_> = (10..16).map(|x| executor.submit(&FAIL_ON_13, x)).collect();
    let error = futures[3].result_timeout(PATIENCE).unwrap_err();
    assert_eq!(error.kind(), TaskErrorKind::Panicked, "{error}");
    assert!(error.message().contains("thirteen is unlucky"), "{error}");
    for (i, f) in futures.iter().enumerate().filter(|(i, _)| *i != 3) {
        assert_eq!(
            f.result_timeout(PATIENCE),
            Ok(10 + i as u64),
            "the worker goes on after the panic"
        );
    }
    let waited = wait(&futures, Some(PATIENCE), ReturnWhen::FirstException);
    assert!(waited.done.iter().any(|f| f.exception().is_some()));
}

fn an_unregistered_task_is_an_unknown_task_error() {
    let executor = ProcessExecutor::new(1).unwrap();
    let error = executor
        .submit(&NOT_REGISTERED, 2)
        .result_timeout(PATIENCE)
        .unwrap_err();
    assert_eq!(error.kind(), TaskErrorKind::UnknownTask, "{error}");
    assert!(error.message().contains("not_registered"), "{error}");
    assert_eq!(
        executor.submit(&SQUARE, 3).result_timeout(PATIENCE),
        Ok(9),
        "the executor keeps working"
    );
}

fn callbacks_run_once_on_processes_too() {
    let executor = ProcessExecutor::new(2).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..20)
        .map(|x| {
            let f = executor.submit(&SQUARE, x);
            let calls = calls.clone();
            f.add_done_callback(move |r| {
                assert!(r.is_ok());
                calls.fetch_add(1, Ordering::SeqCst);
            });
            f
        })
        .collect();
    for f in &futures {
        f.result_timeout(PATIENCE).unwrap();
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        20,
        "each ran before result() returned"
    );
    let calls_late = calls.clone();
    futures[0].add_done_callback(move |r| {
        assert_eq!(r.ok(), Some(&0));
        calls_late.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(
        calls.load(Ordering::SeqCst),
        21,
        "a late callback runs at once"
    );
}

fn a_queued_task_can_be_cancelled_one_given_to_a_worker_cannot() {
    let executor = ProcessExecutor::new(1).unwrap();
    let first = executor.submit(&SLEEP_MS, 2_000);
    let rest: Vec<_> = (0..5).map(|_| executor.submit(&SLEEP_MS, 1)).collect();
    eventually("the worker has the first task", || first.running());
    assert!(!first.cancel(), "a task a worker has cannot be cancelled");
    let late = first.result_timeout(Duration::from_millis(10)).unwrap_err();
    assert_eq!(late.kind(), TaskErrorKind::TimedOut, "{late}");
    // The worker holds at most two tasks at start (its window); the others wait
    // in the parent, where they can still be cancelled.
    let cancelled = rest.iter().filter(|f| f.cancel()).count();
    assert!(
        cancelled >= 4,
        "queued tasks can be cancelled: {cancelled} of 5"
    );
    for f in rest.iter().filter(|f| f.cancelled()) {
        assert!(f.done() && !f.running());
        assert_eq!(f.result().unwrap_err().kind(), TaskErrorKind::Cancelled);
    }
    // Don't wait two seconds: stop the pool, which fails what is left.
    executor.pool().terminate();
    let error = first.result_timeout(PATIENCE).unwrap_err();
    assert_eq!(error.kind(), TaskErrorKind::Terminated, "{error}");
}

fn shutdown_waits_and_later_submits_are_refused() {
    let executor = ProcessExecutor::new(2).unwrap();
    let futures: Vec<_> = (0..10).map(|_| executor.submit(&SLEEP_MS, 5)).collect();
    executor.shutdown(true, false);
    assert!(
        futures.iter().all(|f| f.done() && f.result() == Ok(5)),
        "shutdown(wait) returned after every queued task ran"
    );
    let refused = executor.submit(&SQUARE, 1).result().unwrap_err();
    assert_eq!(refused.kind(), TaskErrorKind::PoolClosed, "{refused}");
    assert!(
        live_children().is_empty(),
        "the workers exited: {:?}",
        live_children()
    );
}

fn shutdown_with_cancel_futures_cancels_what_no_worker_has() {
    let executor = ProcessExecutor::new(1).unwrap();
    let futures: Vec<_> = (0..8).map(|_| executor.submit(&SLEEP_MS, 200)).collect();
    eventually("the worker has started", || futures[0].running());
    executor.shutdown(true, true);
    let finished = futures.iter().filter(|f| f.result() == Ok(200)).count();
    let cancelled = futures.iter().filter(|f| f.cancelled()).count();
    assert_eq!(finished + cancelled, 8, "each finished or was cancelled");
    assert!(
        (1..=2).contains(&finished),
        "only what the worker held ran: {finished}"
    );
}

fn a_killed_worker_fails_every_pending_future_and_nothing_hangs() {
    let executor = ProcessExecutor::new(2).unwrap();
    let futures: Vec<_> = (0..6).map(|_| executor.submit(&SLEEP_MS, 30_000)).collect();
    eventually("both workers are busy", || {
        futures.iter().filter(|f| f.running()).count() >= 2
    });
    let victim = executor.pool().worker_pids()[0];
    let killed_at = Instant::now();
    kill9(victim);
    // Each would sleep 30 s: a broken executor must fail them instead.
    for item in as_completed(&futures, Some(PATIENCE)) {
        let future = item.expect("every future is done long before the timeout");
        let error = future.exception().expect("a lost task is an error");
        assert_eq!(error.kind(), TaskErrorKind::BrokenPool, "{error}");
        assert!(error.message().contains(&victim.to_string()), "{error}");
    }
    println!(
        "    (every future failed {:?} after the kill)",
        killed_at.elapsed()
    );
    let later = executor
        .submit(&SQUARE, 2)
        .result_timeout(PATIENCE)
        .unwrap_err();
    assert_eq!(
        later.kind(),
        TaskErrorKind::BrokenPool,
        "later submits fail too: {later}"
    );
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        drop(executor);
        let _ = tx.send(());
    });
    rx.recv_timeout(PATIENCE)
        .expect("dropping a broken executor returns");
    eventually("no worker process is left", || live_children().is_empty());
}

// ---- runner ------------------------------------------------------------------

use crate::harness::Test;

pub(crate) const TESTS: &[Test] = &[
    (
        "results_come_back_from_worker_processes",
        results_come_back_from_worker_processes,
    ),
    (
        "the_same_code_runs_on_threads_and_on_processes",
        the_same_code_runs_on_threads_and_on_processes,
    ),
    (
        "a_panic_in_a_worker_is_carried_by_its_future",
        a_panic_in_a_worker_is_carried_by_its_future,
    ),
    (
        "an_unregistered_task_is_an_unknown_task_error",
        an_unregistered_task_is_an_unknown_task_error,
    ),
    (
        "callbacks_run_once_on_processes_too",
        callbacks_run_once_on_processes_too,
    ),
    (
        "a_queued_task_can_be_cancelled_one_given_to_a_worker_cannot",
        a_queued_task_can_be_cancelled_one_given_to_a_worker_cannot,
    ),
    (
        "shutdown_waits_and_later_submits_are_refused",
        shutdown_waits_and_later_submits_are_refused,
    ),
    (
        "shutdown_with_cancel_futures_cancels_what_no_worker_has",
        shutdown_with_cancel_futures_cancels_what_no_worker_has,
    ),
    (
        "a_killed_worker_fails_every_pending_future_and_nothing_hangs",
        a_killed_worker_fails_every_pending_future_and_nothing_hangs,
    ),
];

/// Longest a single test may take before the run is declared hung.
pub(crate) const TEST_DEADLINE: Duration = Duration::from_secs(60);

/// Registers this module's tasks (in the worker processes too).
pub(crate) fn register(tasks: &mut Registry) {
    tasks
        .register(&SQUARE)
        .register(&FAIL_ON_13)
        .register(&SLEEP_MS);
}
