//! Tests of the `lock_bound_on_processes` exercise, run by `cargo xtask check lesson-02`.
//!
//! The pool starts its workers by running this executable again, so this is a
//! `harness = false` target whose `main` calls `worker_guard` with the
//! exercise's `register` before anything else. The small runner below prints
//! what libtest prints (`running N tests`, `---- name stdout ----` and the
//! panic message for each failure), so `cargo xtask check` reads it the same
//! way, and runs each test under a deadline so that nothing can hang.

#[cfg_attr(not(feature = "solutions"), path = "../lock_bound_on_processes.rs")]
#[cfg_attr(
    feature = "solutions",
    path = "../../solutions/lock_bound_on_processes.rs"
)]
mod exercise;

// Kills a process outright on Linux, macOS and Windows: the runtime's process
// tests keep that code once.
#[allow(dead_code)]
#[path = "../../../../crates/runtime/tests/processes/sys.rs"]
mod sys;

use exercise::{CRUNCH, crunch, crunch_all, crunch_task, register};
use runtime::gil::Interpreter;
use runtime::process::{ProcessPool, TaskErrorKind, worker_guard};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{OnceLock, mpsc};
use std::thread;
use std::time::Duration;

/// What `register` panicked with in `main`, if it did (e.g. its `todo!()`).
static REGISTER_PANIC: OnceLock<Option<String>> = OnceLock::new();

fn register_did_not_panic() {
    if let Some(Some(message)) = REGISTER_PANIC.get() {
        panic!("{message}");
    }
}

fn the_task_function_calls_crunch_with_the_tuples_fields() {
    for (seed, steps) in [(0, 0), (1, 10), (42, 1_000)] {
        assert_eq!(
            crunch_task((seed, steps)),
            crunch(seed, steps),
            "crunch_task(({seed}, {steps})) must equal crunch({seed}, {steps})"
        );
    }
}

fn workers_know_the_task_once_it_is_registered() {
    register_did_not_panic();
    let pool = ProcessPool::new(1).expect("start one worker process");
    match pool.apply(&CRUNCH, (7, 100)) {
        Ok(value) => assert_eq!(
            value,
            crunch(7, 100),
            "a worker ran CRUNCH on (7, 100) and must return crunch(7, 100)"
        ),
        Err(e) if e.kind() == TaskErrorKind::UnknownTask => {
            panic!("the worker does not know CRUNCH: register it in `register` ({e})")
        }
        Err(e) => panic!("running CRUNCH in a worker failed: {e}"),
    }
}

fn crunch_all_runs_every_job_in_worker_processes_in_order() {
    register_did_not_panic();
    let pool = ProcessPool::new(2).expect("start two worker processes");
    let jobs: Vec<(u64, u64)> = (0..8).map(|i| (i, 20_000 + 1_000 * i)).collect();
    let expected: Vec<u64> = jobs.iter().map(|&(s, n)| crunch(s, n)).collect();
    let here = Interpreter::main().stats().acquisitions;
    let got = crunch_all(&pool, jobs).expect("every job must succeed");
    assert_eq!(
        got, expected,
        "crunch_all must return crunch(seed, steps) for every job, in the order of the jobs"
    );
    assert_eq!(
        Interpreter::main().stats().acquisitions,
        here,
        "crunch_all took this process's interpreter lock: the jobs must run in the pool's worker processes"
    );
    assert!(
        pool.stats().tasks >= 8,
        "the pool ran {} tasks for 8 jobs: send every job to the workers",
        pool.stats().tasks
    );
}

/// How long after a worker's death crunch_all may take to report it.
const FAULT_WAIT: Duration = Duration::from_secs(10);

fn a_worker_killed_while_crunch_all_runs_comes_out_as_an_error() {
    register_did_not_panic();
    let pool = ProcessPool::new(2).expect("start two worker processes");
    let victim = pool.worker_pids()[1];
    // 16 long jobs: far more than 10 s of work if nobody died.
    let jobs: Vec<(u64, u64)> = (0..16).map(|i| (i, 50_000_000)).collect();
    let (tx, rx) = mpsc::channel();
    thread::scope(|s| {
        s.spawn(|| {
            // A panic in crunch_all (its todo!(), say) is passed on as it is.
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| crunch_all(&pool, jobs)));
            let _ = tx.send(outcome.map_err(|p| panic_message(&*p)));
        });
        // Whether the kill lands before or after crunch_all hands out its jobs,
        // the pool has lost a worker and crunch_all must say so: no ordering
        // (and no sleep) is needed.
        sys::kill9(victim);
        match rx.recv_timeout(FAULT_WAIT) {
            Ok(Err(message)) => panic!("{message}"),
            Ok(Ok(Err(e))) => assert_eq!(
                e.kind(),
                TaskErrorKind::BrokenPool,
                "crunch_all must pass on the pool's error when a worker dies, got: {e}"
            ),
            Ok(Ok(Ok(values))) => panic!(
                "worker {victim} was killed, yet crunch_all returned {} values: a lost result was hidden",
                values.len()
            ),
            Err(_) => {
                // Unblock the scoped thread so the test can end and report.
                pool.terminate();
                panic!(
                    "worker {victim} was killed and crunch_all neither returned nor failed within {} s: does it wait forever, or retry?",
                    FAULT_WAIT.as_secs()
                );
            }
        }
    });
}

type Test = (&'static str, fn());

const TESTS: &[Test] = &[
    (
        "the_task_function_calls_crunch_with_the_tuples_fields",
        the_task_function_calls_crunch_with_the_tuples_fields,
    ),
    (
        "workers_know_the_task_once_it_is_registered",
        workers_know_the_task_once_it_is_registered,
    ),
    (
        "crunch_all_runs_every_job_in_worker_processes_in_order",
        crunch_all_runs_every_job_in_worker_processes_in_order,
    ),
    (
        "a_worker_killed_while_crunch_all_runs_comes_out_as_an_error",
        a_worker_killed_while_crunch_all_runs_comes_out_as_an_error,
    ),
];

/// Longest one test may take; a solution needs well under a second.
const DEADLINE: Duration = Duration::from_secs(60);

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}

fn main() {
    // `if __name__ == "__main__":`. A `todo!()` in `register` must not stop the
    // runner (nor print from every worker): catch it here, report it in the tests.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut caught = None;
    worker_guard(|tasks| {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| register(tasks))) {
            caught = Some(panic_message(&*payload));
        }
    });
    panic::set_hook(hook);
    REGISTER_PANIC.get_or_init(|| caught);

    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    // None of these tests is ignored: `--ignored` (how `cargo xtask check`
    // asks for speed checks) runs none.
    let ignored_only = std::env::args().any(|a| a == "--ignored");
    let selected: Vec<&Test> = TESTS
        .iter()
        .filter(|_| !ignored_only)
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let mut failures: Vec<(&str, String)> = Vec::new();
    for &&(name, test) in &selected {
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let outcome = panic::catch_unwind(test).map_err(|p| panic_message(&*p));
                let _ = tx.send(outcome);
            })
            .expect("start a test thread");
        let outcome = rx
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| Err(format!("no result after {DEADLINE:?}: something hangs")));
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(message) => {
                println!("test {name} ... FAILED");
                failures.push((name, message));
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:\n");
        for (name, message) in &failures {
            println!("---- {name} stdout ----\n{message}\n");
        }
        println!("\nfailures:");
        for (name, _) in &failures {
            println!("    {name}");
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed\n",
        if failures.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failures.len(),
        failures.len()
    );
    // Exit without waiting for a test thread stuck past its deadline.
    std::process::exit(if failures.is_empty() { 0 } else { 101 });
}
