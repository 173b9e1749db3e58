//! Tests of the `one_interpreter_per_worker` exercise, run by `cargo xtask check lesson-01`.

#[cfg_attr(not(feature = "solutions"), path = "../one_interpreter_per_worker.rs")]
#[cfg_attr(
    feature = "solutions",
    path = "../../solutions/one_interpreter_per_worker.rs"
)]
mod exercise;
#[path = "support/rendezvous.rs"]
mod rendezvous;

use exercise::*;
use rendezvous::Rendezvous;
use runtime::gil::Interpreter;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::thread::ThreadId;

const STEPS: u64 = 2_000;

#[test]
fn results_come_back_in_task_order_for_any_worker_count() {
    let want: Vec<u64> =
        Interpreter::new().with_gil(|py| (0..12).map(|t| crunch(py, t, STEPS)).collect());
    for workers in 1..=5 {
        let run = run_on_own_interpreters(12, workers, &|py, t| crunch(py, t, STEPS));
        assert_eq!(
            run.results, want,
            "with {workers} workers, results[t] must be task t's result, for t in 0..12"
        );
        assert_eq!(
            run.stats.len(),
            workers,
            "one GilStats per worker ({workers} workers)"
        );
    }
}

#[test]
fn every_worker_has_an_interpreter_that_no_other_thread_touches() {
    let workers = 3;
    // Which thread ran each task, on which interpreter (told apart by address).
    let seen: Mutex<Vec<(ThreadId, usize)>> = Mutex::new(Vec::new());
    let run = run_on_own_interpreters(9, workers, &|py, t| {
        let interp = py.interpreter() as *const Interpreter as usize;
        seen.lock()
            .unwrap()
            .push((std::thread::current().id(), interp));
        crunch(py, t, STEPS)
    });
    let seen = seen.into_inner().unwrap();
    let mut threads_of: HashMap<usize, HashSet<ThreadId>> = HashMap::new();
    for (thread, interp) in &seen {
        threads_of.entry(*interp).or_default().insert(*thread);
    }
    let threads: HashSet<ThreadId> = seen.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        threads.len(),
        workers,
        "the 9 tasks must run on {workers} threads, one per worker; they ran on {}",
        threads.len()
    );
    assert_eq!(
        threads_of.len(),
        workers,
        "each of the {workers} workers needs an interpreter of its own; the tasks ran on {}",
        threads_of.len()
    );
    for users in threads_of.values() {
        assert_eq!(
            users.len(),
            1,
            "an interpreter was used by {} threads: build it on its worker's thread and keep it there",
            users.len()
        );
    }
    for (w, stats) in run.stats.iter().enumerate() {
        assert_eq!(
            stats.switches, 1,
            "worker {w}'s interpreter must be taken by exactly one thread (switches = 1): {stats:?}"
        );
        assert_eq!(
            (stats.forced_switches, stats.wait_ns),
            (0, 0),
            "nobody may wait for worker {w}'s lock (forced_switches = 0, wait_ns = 0): {stats:?}"
        );
    }
}

#[test]
fn two_workers_run_interpreted_steps_at_the_same_moment() {
    let meeting = Rendezvous::new(2);
    // Each task is one step that waits, inside the step, for the other worker to
    // be inside a step too: possible only if each holds a lock of its own.
    let run = run_on_own_interpreters(2, 2, &|py, t| {
        py.step(|| {
            meeting.arrive();
            t
        })
    });
    assert_eq!(
        meeting.most_at_once(),
        2,
        "the 2 workers never ran a step at the same moment: they took turns on one lock. \
         Give each worker its own Interpreter::new(), built on its own thread"
    );
    assert_eq!(run.results, vec![0, 1], "results in task order");
}
