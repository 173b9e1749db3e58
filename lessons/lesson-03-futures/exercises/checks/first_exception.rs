//! Tests of the `first_exception` exercise, run by `cargo xtask check lesson-03`.

#[cfg_attr(not(feature = "solutions"), path = "../first_exception.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/first_exception.rs")]
mod exercise;

use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use exercise::*;
use runtime::futures::{TaskError, TaskErrorKind, TaskFuture};

type Split = (Vec<usize>, Vec<usize>);

/// Runs the student's function on another thread, so that a version that waits
/// too long fails a test instead of hanging it.
fn run(futures: &Arc<Vec<TaskFuture<u32>>>) -> mpsc::Receiver<Split> {
    let (tx, rx) = mpsc::channel();
    let futures = futures.clone();
    thread::spawn(move || {
        let _ = tx.send(wait_first_exception(&futures));
    });
    rx
}

fn failure() -> TaskError {
    TaskError::new(TaskErrorKind::Failed, "connection reset")
}

#[test]
fn returns_at_the_first_failure_without_waiting_for_the_rest() {
    let (futures, completers): (Vec<_>, Vec<_>) =
        (0..3).map(|_| TaskFuture::<u32>::pending()).unzip();
    let mut completers = completers.into_iter();
    let (fails, held, quick) = (
        completers.next().unwrap(),
        completers.next().unwrap(),
        completers.next().unwrap(),
    );
    quick.set_result(7); // position 2 is done before the call
    let futures = Arc::new(futures);
    let result = run(&futures);
    thread::sleep(Duration::from_millis(20));
    fails.set_exception(failure()); // position 0 fails; position 1 is still running
    match result.recv_timeout(Duration::from_secs(5)) {
        Ok(split) => assert_eq!(
            split,
            (vec![0, 2], vec![1]),
            "done: the failed one and the one finished before; not done: the one still running"
        ),
        Err(_) => {
            held.set_result(0); // let a stuck solution finish
            panic!(
                "wait_first_exception must return at the first failure, not wait for every future"
            );
        }
    }
    held.set_result(0);
}

#[test]
fn without_a_failure_it_waits_for_everything() {
    let (futures, completers): (Vec<_>, Vec<_>) =
        (0..3).map(|_| TaskFuture::<u32>::pending()).unzip();
    let futures = Arc::new(futures);
    let result = run(&futures);
    for (i, c) in completers.into_iter().enumerate() {
        thread::sleep(Duration::from_millis(5));
        c.set_result(i as u32);
    }
    let split = result
        .recv_timeout(Duration::from_secs(20))
        .expect("with no failure, wait_first_exception returns when all are done");
    assert_eq!(split, (vec![0, 1, 2], vec![]), "every future is done");
}

#[test]
fn a_cancelled_future_is_not_a_failure() {
    let (futures, completers): (Vec<_>, Vec<_>) =
        (0..2).map(|_| TaskFuture::<u32>::pending()).unzip();
    assert!(futures[0].cancel());
    let futures = Arc::new(futures);
    let result = run(&futures);
    if let Ok(split) = result.recv_timeout(Duration::from_millis(300)) {
        panic!(
            "returned {split:?} while position 1 still ran: a cancellation is not an exception (TaskError::is_exception)"
        );
    }
    let mut completers = completers.into_iter();
    drop(completers.next());
    completers.next().unwrap().set_result(1);
    let split = result
        .recv_timeout(Duration::from_secs(20))
        .expect("returns when the last future is done");
    assert_eq!(split, (vec![0, 1], vec![]));
}
