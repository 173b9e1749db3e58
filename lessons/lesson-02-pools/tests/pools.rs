//! Lesson-level behaviour of the two pools, on real worker processes: the
//! lesson's workloads give the same results on either pool and any worker
//! count; a panicking task is an error for that task only; a worker killed in
//! the middle of a run breaks the pool, which fails the run without finishing
//! its work and leaves no process behind;
//! and workers do not outlive a parent that is killed.
//!
//! A `harness = false` target (see this crate's Cargo.toml): the process pool
//! starts its workers by running this executable again, so `main` calls
//! `worker_guard` before anything else, exactly as the driver's `main` does.
//! Each test runs on its own thread with a deadline, so a hang fails the run.
//!
//! Run with `cargo test -p lesson-02-pools --test pools [-- name-filter]`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use lesson_02_pools::work::{self, ITEM, LOCK_BOUND, Pool};
use runtime::pool::ThreadPool;
use runtime::process::{ProcessPool, Task, TaskErrorKind, worker_guard};

// ---- tasks only these tests send -------------------------------------------------

fn fail_on_13(x: u64) -> u64 {
    assert!(x != 13, "thirteen is unlucky");
    x
}
fn sleep_ms(ms: u64) -> u64 {
    thread::sleep(Duration::from_millis(ms));
    ms
}

static FAIL_ON_13: Task<u64, u64> = Task::new("lesson-02-tests::fail_on_13", fail_on_13);
static SLEEP_MS: Task<u64, u64> = Task::new("lesson-02-tests::sleep_ms", sleep_ms);

const WAIT: Duration = Duration::from_secs(10);

// ---- the process table -------------------------------------------------------------

// Children, kills and orphans on Linux, macOS and Windows: the runtime's process
// tests keep that code once, and these tests use the same file.
#[allow(dead_code)]
#[path = "../../../crates/runtime/tests/processes/sys.rs"]
mod sys;

use sys::{Orphans, assert_no_children, children, kill9};

// ---- tests -------------------------------------------------------------------------

fn results_are_identical_across_pool_kinds_and_worker_counts() {
    let (n, units) = (60_u64, 50_u64);
    let expected: Vec<(u64, u64)> = (0..n).map(|i| work::item(i, units)).collect();
    let pairs = || (0..n).map(|i| (i, units)).collect::<Vec<_>>();
    let jobs: Vec<(u64, u64, u64)> = (0..6).map(|t| (t, 2_000, 2)).collect();
    let lock_bound: Vec<u64> = jobs
        .iter()
        .map(|&(s, steps, r)| work::lock_bound(s, steps, r))
        .collect();
    for workers in [1, 2, 3] {
        for pool in [Pool::Threads, Pool::Processes] {
            let at = format!("{} with {workers} workers", pool.name());
            for chunksize in [1, 7, 0] {
                let (mapped, unordered, locked) = match pool {
                    Pool::Threads => {
                        let p = ThreadPool::new(workers).expect("start the pool");
                        let mapped = p
                            .map(move |i| work::item(i, units), 0..n, chunksize)
                            .unwrap();
                        let unordered: Vec<(u64, u64)> = p
                            .imap_unordered(move |i| work::item(i, units), 0..n, chunksize)
                            .map(Result::unwrap)
                            .collect();
                        let locked = p
                            .starmap(work::lock_bound, jobs.clone(), chunksize)
                            .unwrap();
                        (mapped, unordered, locked)
                    }
                    Pool::Processes => {
                        let p = ProcessPool::new(workers).unwrap();
                        let mapped = p.map(&ITEM, pairs(), chunksize).unwrap();
                        let unordered: Vec<(u64, u64)> = p
                            .imap_unordered(&ITEM, pairs(), chunksize)
                            .map(Result::unwrap)
                            .collect();
                        let locked = p.map(&LOCK_BOUND, jobs.clone(), chunksize).unwrap();
                        (mapped, unordered, locked)
                    }
                };
                assert_eq!(mapped, expected, "map, {at}, chunksize {chunksize}");
                let mut sorted = unordered;
                sorted.sort_unstable();
                assert_eq!(
                    sorted, expected,
                    "imap_unordered holds the same results, {at}, chunksize {chunksize}"
                );
                assert_eq!(
                    locked, lock_bound,
                    "lock-bound work, {at}, chunksize {chunksize}"
                );
            }
        }
    }
    assert_no_children("after every pool was dropped");
}

fn a_panicking_task_is_an_error_for_that_task_and_both_pools_keep_serving() {
    let threads = ThreadPool::new(2).expect("start the pool");
    let err = threads.map(fail_on_13, 0..40_u64, 4).unwrap_err();
    assert_eq!(
        (err.index(), err.kind()),
        (13, runtime::pool::TaskErrorKind::Panicked),
        "the thread pool names the item that panicked: {err}"
    );
    assert!(err.message().contains("thirteen is unlucky"), "{err}");
    assert_eq!(threads.map(work::bump, 0..3_u64, 1).unwrap(), [1, 2, 3]);

    let procs = ProcessPool::new(2).unwrap();
    let err = procs.map(&FAIL_ON_13, 0..40_u64, 4).unwrap_err();
    assert_eq!(
        (err.index(), err.kind()),
        (13, TaskErrorKind::Panicked),
        "the process pool names the item that panicked: {err}"
    );
    assert!(err.message().contains("thirteen is unlucky"), "{err}");
    let pids = procs.worker_pids();
    assert_eq!(
        procs.map(&work::BUMP, 0..3_u64, 1).unwrap(),
        [1, 2, 3],
        "the process pool still serves"
    );
    assert_eq!(procs.worker_pids(), pids, "a panic costs no worker");
    assert!(!procs.is_broken());
}

fn a_worker_killed_mid_run_breaks_the_pool_without_a_hang_or_a_leftover_process() {
    let pool = ProcessPool::new(2).unwrap();
    let pids = pool.worker_pids();
    assert_eq!(children().len(), 2, "two workers are running");
    let (tx, rx) = mpsc::channel();
    let killed_at = thread::scope(|s| {
        s.spawn(|| {
            // Two hundred tasks of 200 ms on two workers: 20 s of work if nobody
            // dies, twice the wait below, so returning within it means the pool
            // gave up on the run instead of finishing it.
            let _ = tx.send(pool.map(&SLEEP_MS, vec![200; 200], 1));
        });
        thread::sleep(Duration::from_millis(300));
        kill9(pids[1]);
        let killed_at = Instant::now();
        let outcome = rx
            .recv_timeout(WAIT)
            .expect("map returned within 10 s of the kill, not after its 20 s of work or never");
        let err = outcome.expect_err("a map that lost a worker fails");
        assert_eq!(err.kind(), TaskErrorKind::BrokenPool, "{err}");
        killed_at
    });
    println!(
        "    (the map failed {:?} after the kill)",
        killed_at.elapsed()
    );
    assert!(pool.is_broken());
    let reason = pool.broken_reason().unwrap_or_default();
    assert!(
        reason.contains(&pids[1].to_string()),
        "the reason names the dead worker: {reason}"
    );
    let later = pool.apply(&work::SQUARE, 3).unwrap_err();
    assert_eq!(
        later.kind(),
        TaskErrorKind::BrokenPool,
        "later calls fail at once"
    );
    // The surviving worker is killed and reaped by the pool, the dead one reaped.
    assert_no_children("after a worker was killed");
    drop(pool);
    assert_no_children("after the broken pool was dropped");
}

fn workers_exit_when_their_parent_is_killed() {
    // On Linux, orphaned workers are re-parented to us, so we can reap them and
    // tell "gone" from "still running" exactly.
    Orphans::prepare();
    let exe = std::env::current_exe().unwrap();
    let mut helper = Command::new(exe)
        .arg("--helper-parent")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the helper parent");
    let mut line = String::new();
    BufReader::new(helper.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pids: Vec<u32> = line
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    assert_eq!(pids.len(), 2, "the helper printed its workers: {line:?}");
    let orphans = Orphans::watch(&pids);
    assert!(
        orphans.gone_within(Duration::ZERO).is_err(),
        "the workers {pids:?} run before the kill"
    );

    kill9(helper.id());
    helper.wait().unwrap();
    if let Err(e) = orphans.gone_within(Duration::from_secs(5)) {
        panic!("workers outlived their killed parent: {e}");
    }
    assert_no_children("after the helper parent and its workers died");
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

// ---- runner --------------------------------------------------------------------------

type Test = (&'static str, fn());

const TESTS: &[Test] = &[
    (
        "results_are_identical_across_pool_kinds_and_worker_counts",
        results_are_identical_across_pool_kinds_and_worker_counts,
    ),
    (
        "a_panicking_task_is_an_error_for_that_task_and_both_pools_keep_serving",
        a_panicking_task_is_an_error_for_that_task_and_both_pools_keep_serving,
    ),
    (
        "a_worker_killed_mid_run_breaks_the_pool_without_a_hang_or_a_leftover_process",
        a_worker_killed_mid_run_breaks_the_pool_without_a_hang_or_a_leftover_process,
    ),
    (
        "workers_exit_when_their_parent_is_killed",
        workers_exit_when_their_parent_is_killed,
    ),
];

/// Longest a single test may take before the run is declared hung.
const TEST_DEADLINE: Duration = Duration::from_secs(30);

fn main() {
    // `if __name__ == "__main__":` — in a worker process this never returns.
    worker_guard(|tasks| {
        lesson_02_pools::register_tasks(tasks);
        tasks.register(&FAIL_ON_13).register(&SLEEP_MS);
    });
    // One line per panic (the expected ones of the panicking-task test, or a
    // failed assertion), without a backtrace even when RUST_BACKTRACE is set.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        let thread = thread::current();
        eprintln!(
            "panic in {}{at}: {}",
            thread.name().unwrap_or("?"),
            panic_text(info.payload())
        );
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();

    // The parent that `workers_exit_when_their_parent_is_killed` kills.
    if args.first().is_some_and(|a| a == "--helper-parent") {
        let pool = ProcessPool::new(2).expect("helper: start a pool");
        let busy = pool.apply_async(&SLEEP_MS, 60_000);
        let pids: Vec<String> = pool.worker_pids().iter().map(u32::to_string).collect();
        println!("{}", pids.join(" "));
        let _ = busy.get_timeout(Duration::from_secs(60)); // until the test kills us
        return;
    }

    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let selected: Vec<&Test> = TESTS
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let started = Instant::now();
    let mut failed = Vec::new();
    for &&(name, test) in &selected {
        let (tx, rx) = mpsc::channel();
        let t0 = Instant::now();
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _ = tx.send(std::panic::catch_unwind(test).is_ok());
            })
            .expect("start a test thread");
        match rx.recv_timeout(TEST_DEADLINE) {
            Ok(true) => println!("test {name} ... ok ({:.2?})", t0.elapsed()),
            Ok(false) => {
                println!("test {name} ... FAILED");
                failed.push(name);
            }
            Err(_) => {
                println!("test {name} ... HUNG (no result after {TEST_DEADLINE:?}); stopping");
                std::process::exit(1);
            }
        }
        let _ = handle.join();
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; finished in {:.2?}\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failed.len(),
        failed.len(),
        started.elapsed()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
