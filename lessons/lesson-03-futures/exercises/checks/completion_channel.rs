//! Tests of the `completion_channel` exercise, run by `cargo xtask check lesson-03`.

#[cfg_attr(not(feature = "solutions"), path = "../completion_channel.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/completion_channel.rs")]
mod exercise;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use exercise::*;
use runtime::futures::{TaskError, TaskErrorKind, TaskFuture, ThreadExecutor};

const PATIENCE: Duration = Duration::from_secs(20);

/// Runs the student's function on another thread, so that a version that never
/// returns fails this test instead of hanging it.
fn run<T: Clone + Send + Sync + 'static>(
    futures: std::sync::Arc<Vec<TaskFuture<T>>>,
) -> mpsc::Receiver<Vec<(usize, Result<T, TaskError>)>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(in_completion_order(&futures));
    });
    rx
}

#[test]
fn outcomes_come_in_the_order_the_futures_finish() {
    let (futures, completers): (Vec<_>, Vec<_>) =
        (0..3).map(|_| TaskFuture::<u32>::pending()).unzip();
    let futures = std::sync::Arc::new(futures);
    let results = run(futures.clone());
    // Finish the futures in the order 2, 0, 1 once the function listens to every
    // one of them: each has a done-callback waiting. (A callback runs on the
    // thread that finishes its future, so no sleep is needed for the order.) An
    // answer that polls instead of attaching callbacks is given 5 s to start;
    // one that has already returned or panicked (its channel closed) none.
    let listening = std::time::Instant::now();
    let mut early = None;
    while futures.iter().any(|f| f.callbacks_waiting() == 0)
        && listening.elapsed() < Duration::from_secs(5)
    {
        match results.try_recv() {
            Ok(got) => {
                early = Some(got);
                break;
            }
            Err(mpsc::TryRecvError::Disconnected) => break,
            Err(mpsc::TryRecvError::Empty) => thread::sleep(Duration::from_millis(1)),
        }
    }
    let mut completers: Vec<_> = completers.into_iter().map(Some).collect();
    for i in [2, 0, 1] {
        completers[i].take().unwrap().set_result(10 * i as u32);
        thread::sleep(Duration::from_millis(20));
    }
    let got = early
        .ok_or(mpsc::RecvTimeoutError::Disconnected)
        .or_else(|_| results.recv_timeout(PATIENCE))
        .expect("in_completion_order must return once every future is done");
    assert_eq!(
        got,
        vec![(2, Ok(20)), (0, Ok(0)), (1, Ok(10))],
        "each future's (position, outcome), in the order they finished: 2, then 0, then 1"
    );
}

#[test]
fn errors_come_through_and_done_futures_are_not_forgotten() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let futures = vec![
        executor.submit_fallible(|| Ok::<u32, &str>(1)),
        executor.submit_fallible(|| Err::<u32, _>("no such page")),
    ];
    for f in &futures {
        let _ = f.exception(); // both are done before the call
    }
    let got = run(std::sync::Arc::new(futures))
        .recv_timeout(PATIENCE)
        .expect("futures that are already done must be reported too (their callbacks run at once)");
    assert_eq!(got.len(), 2, "one entry per future: {got:?}");
    let failed = got
        .iter()
        .find(|(i, _)| *i == 1)
        .expect("position 1 is reported");
    let error = failed
        .1
        .as_ref()
        .expect_err("the failing task's error is reported as an Err");
    assert_eq!(error.kind(), TaskErrorKind::Failed);
    assert_eq!(error.message(), "no such page");
    assert!(
        got.iter().any(|(i, r)| *i == 0 && *r == Ok(1)),
        "position 0 with its value: {got:?}"
    );
}

#[test]
fn every_position_once_with_many_tasks() {
    let executor = ThreadExecutor::new(4).expect("start the executor");
    let futures: Vec<_> = (0..200_u64)
        .map(|i| executor.submit(move || i * i))
        .collect();
    let got = run(std::sync::Arc::new(futures))
        .recv_timeout(PATIENCE)
        .expect("in_completion_order must return once every future is done");
    let mut positions: Vec<usize> = got.iter().map(|(i, _)| *i).collect();
    positions.sort_unstable();
    assert_eq!(
        positions,
        (0..200).collect::<Vec<_>>(),
        "every position exactly once"
    );
    assert!(
        got.iter().all(|(i, r)| *r == Ok((*i as u64) * (*i as u64))),
        "each position with its own value"
    );
}

#[test]
fn a_task_that_panics_while_it_waits_comes_out_as_an_error_within_10_s() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    // The panicking task waits for a signal, so it panics while
    // in_completion_order is already waiting on it (or, if the function is slow
    // to start, before: both must give the same report).
    let (go, wait) = mpsc::channel::<()>();
    let futures = vec![
        executor.submit(|| 7_u32),
        executor.submit(move || {
            let _ = wait.recv();
            panic!("a task's bug")
        }),
    ];
    let results = run(std::sync::Arc::new(futures));
    drop(go);
    let got = results
        .recv_timeout(Duration::from_secs(10))
        .expect("a panicking task must not stop in_completion_order from returning (within 10 s)");
    assert_eq!(
        got.len(),
        2,
        "one entry per future, the panicked one too: {got:?}"
    );
    let error = got
        .iter()
        .find(|(i, _)| *i == 1)
        .expect("position 1 is reported")
        .1
        .as_ref()
        .expect_err("the panic is reported as an Err, not lost");
    assert_eq!(error.kind(), TaskErrorKind::Panicked, "{error}");
    assert!(got.iter().any(|(i, r)| *i == 0 && *r == Ok(7)), "{got:?}");
}

/// A stress run: sixteen futures finished by four threads at once, each after a
/// varying number of yields, while the function is still attaching its
/// callbacks. Every outcome must come through exactly once, with no hang,
/// whatever the interleaving: a callback may fire on the thread that finishes
/// its future, or at once on the thread that attaches it (a lock held around
/// `add_done_callback` that the callback needs too deadlocks there).
#[test]
fn a_stress_run_reports_every_outcome_once_whatever_the_interleaving() {
    for round in 0..50_u64 {
        let (futures, completers): (Vec<_>, Vec<_>) =
            (0..16).map(|_| TaskFuture::<u32>::pending()).unzip();
        let results = run(std::sync::Arc::new(futures));
        let mut completers: Vec<_> = completers.into_iter().enumerate().collect();
        let finishers: Vec<_> = (0..4)
            .map(|_| {
                let mine: Vec<_> = completers.drain(..4).collect();
                thread::spawn(move || {
                    for (i, completer) in mine {
                        for _ in 0..(round * 31 + i as u64 * 17) % 8 {
                            thread::yield_now();
                        }
                        completer.set_result(i as u32);
                    }
                })
            })
            .collect();
        let got = results.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!("round {round}: in_completion_order did not return within {PATIENCE:?}")
        });
        for finisher in finishers {
            finisher.join().unwrap();
        }
        let mut positions: Vec<usize> = got.iter().map(|(p, _)| *p).collect();
        positions.sort_unstable();
        assert_eq!(
            positions,
            (0..16).collect::<Vec<_>>(),
            "round {round}: every future reported exactly once"
        );
        for (p, outcome) in &got {
            assert_eq!(outcome.as_ref().ok(), Some(&(*p as u32)), "round {round}");
        }
    }
}
