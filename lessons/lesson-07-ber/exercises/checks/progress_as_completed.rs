//! Tests of the `progress_as_completed` exercise, run by `cargo xtask check lesson-07`.

#[cfg_attr(not(feature = "solutions"), path = "../progress_as_completed.rs")]
#[cfg_attr(
    feature = "solutions",
    path = "../../solutions/progress_as_completed.rs"
)]
mod exercise;

use exercise::*;
use runtime::futures::ThreadExecutor;
use std::sync::mpsc;
use std::time::Duration;

type Task = Box<dyn FnOnce() -> u64 + Send>;

#[test]
fn results_come_back_in_task_order_with_one_progress_call_per_task() {
    let executor = ThreadExecutor::new(3).expect("start the executor");
    let tasks: Vec<Task> = (0..10u64)
        .map(|i| Box::new(move || i * i) as Task)
        .collect();
    let mut calls = Vec::new();
    let (results, completed) =
        run_with_progress(&executor, tasks, |done, total| calls.push((done, total)))
            .expect("no task fails");
    assert_eq!(
        results,
        (0..10).map(|i| i * i).collect::<Vec<u64>>(),
        "results[i] must be the result of tasks[i]"
    );
    assert_eq!(
        calls,
        (1..=10).map(|d| (d, 10)).collect::<Vec<_>>(),
        "progress(done, total) once per completed task: (1, 10), (2, 10), …, (10, 10)"
    );
    let mut sorted = completed.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        (0..10).collect::<Vec<_>>(),
        "the completion order names every task once"
    );
}

#[test]
fn completion_order_is_the_order_tasks_finish_not_the_order_submitted() {
    // Task 0 cannot finish before progress has been reported once (it waits up
    // to 5 s for that), so with 2 workers task 1 must complete first. Waiting
    // on the futures in submission order would block on task 0 instead.
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let (tx, rx) = mpsc::channel::<()>();
    let tasks: Vec<Task> = vec![
        Box::new(move || {
            let _ = rx.recv_timeout(Duration::from_secs(5));
            0
        }),
        Box::new(|| 1),
    ];
    let (results, completed) = run_with_progress(&executor, tasks, |_, _| {
        let _ = tx.send(());
    })
    .expect("no task fails");
    assert_eq!(results, vec![0, 1], "results stay in task order");
    assert_eq!(
        completed,
        vec![1, 0],
        "task 1 finished first, so as_completed yields it first: report progress as each future completes"
    );
}

#[test]
fn a_failed_task_is_an_error() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let tasks: Vec<Task> = vec![Box::new(|| 1), Box::new(|| panic!("this SNR point failed"))];
    let outcome = run_with_progress(&executor, tasks, |_, _| {});
    assert!(
        outcome.is_err(),
        "a task that panicked must make run_with_progress return its error"
    );
}
