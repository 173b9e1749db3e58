//! Behaviour tests for `runtime::futures` on the thread executor and on
//! hand-made futures (`TaskFuture::pending`). The process executor has its own
//! target, `futures_process.rs`, which needs its own `main`.
//!
//! Nothing here asserts a timing. Tasks that must still be running when the
//! test looks are held on a gate (a channel the test opens), not on a sleep, and
//! every wait has a generous timeout, so a busy machine slows these tests down
//! but cannot make them fail or hang.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use runtime::futures::{
    AnyFuture, Executor, ReturnWhen, TaskError, TaskErrorKind, TaskFuture, ThreadExecutor,
    as_completed, wait,
};
use runtime::process::Task;

/// Long enough for anything that should happen to happen, on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// A gate tasks wait at until the test opens it (or drops it).
struct Gate {
    open: Sender<()>,
    shut: Arc<Mutex<Receiver<()>>>,
}

impl Gate {
    fn new() -> Self {
        let (open, shut) = mpsc::channel();
        Gate {
            open,
            shut: Arc::new(Mutex::new(shut)),
        }
    }

    /// Something a task calls to wait at the gate: returns once the gate lets
    /// one task through, or after `PATIENCE` (so a failed test cannot hang).
    fn waiter(&self) -> impl Fn() + Send + Sync + 'static {
        let shut = self.shut.clone();
        move || {
            let _ = shut.lock().unwrap().recv_timeout(PATIENCE);
        }
    }

    /// Lets `n` waiting tasks through.
    fn let_through(&self, n: usize) {
        for _ in 0..n {
            let _ = self.open.send(());
        }
    }
}

/// Waits until `condition` holds, polling; fails the test after `PATIENCE`.
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !condition() {
        assert!(start.elapsed() < PATIENCE, "still not true: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn result_returns_the_value_as_often_as_asked() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let future = executor.submit(|| vec![1, 2, 3]);
    assert_eq!(future.result(), Ok(vec![1, 2, 3]));
    assert_eq!(
        future.result(),
        Ok(vec![1, 2, 3]),
        "a second result() gives the same value"
    );
    assert_eq!(
        future.exception(),
        None,
        "a successful task has no exception"
    );
    assert_eq!(future.into_result(), Ok(vec![1, 2, 3]));
}

#[test]
fn into_result_needs_no_clone() {
    struct NotClone(u32);
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let future = executor.submit(|| NotClone(5));
    assert_eq!(future.into_result().map(|v| v.0), Ok(5));
}

#[test]
fn result_timeout_gives_up_and_the_future_stays_usable() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let future = executor.submit(move || {
        at_gate();
        11
    });
    let late = future
        .result_timeout(Duration::from_millis(20))
        .unwrap_err();
    assert_eq!(late.kind(), TaskErrorKind::TimedOut, "{late}");
    assert!(
        !future.done(),
        "a timeout in result() does not stop the task"
    );
    gate.let_through(1);
    assert_eq!(
        future.result_timeout(PATIENCE),
        Ok(11),
        "asking again after the timeout gets the value"
    );
}

#[test]
fn done_and_running_follow_the_task() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let (started_tx, started) = mpsc::channel();
    let first = executor.submit(move || {
        started_tx.send(()).unwrap();
        at_gate();
    });
    let second = executor.submit(|| ());
    started
        .recv_timeout(PATIENCE)
        .expect("the first task starts");
    assert!(first.running() && !first.done() && !first.cancelled());
    assert!(
        !second.running() && !second.done(),
        "the second waits behind the first on the only worker"
    );
    gate.let_through(1);
    second.result_timeout(PATIENCE).unwrap();
    assert!(first.done() && !first.running());
    assert!(second.done() && !second.running() && !second.cancelled());
}

#[test]
fn a_pending_task_can_be_cancelled_and_never_runs() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let (started_tx, started) = mpsc::channel();
    let blocker = executor.submit(move || {
        started_tx.send(()).unwrap();
        at_gate();
    });
    started.recv_timeout(PATIENCE).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let queued = executor.submit(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });

    assert!(
        queued.cancel(),
        "a task that has not started can be cancelled"
    );
    assert!(
        queued.cancel(),
        "cancelling again still says it is cancelled"
    );
    assert!(queued.cancelled() && queued.done() && !queued.running());
    let error = queued.result().unwrap_err();
    assert_eq!(error.kind(), TaskErrorKind::Cancelled, "{error}");
    assert_eq!(
        queued.exception().map(|e| e.kind()),
        Some(TaskErrorKind::Cancelled)
    );

    gate.let_through(1);
    blocker.result_timeout(PATIENCE).unwrap();
    // The worker reaches the cancelled task's slot and skips it.
    let after = executor.submit(|| ());
    after.result_timeout(PATIENCE).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0, "a cancelled task never runs");
}

#[test]
fn a_running_or_finished_task_cannot_be_cancelled() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let (started_tx, started) = mpsc::channel();
    let running = executor.submit(move || {
        started_tx.send(()).unwrap();
        at_gate();
        "finished anyway"
    });
    started.recv_timeout(PATIENCE).unwrap();
    assert!(!running.cancel(), "a running task cannot be cancelled");
    assert!(!running.cancelled());
    gate.let_through(1);
    assert_eq!(running.result_timeout(PATIENCE), Ok("finished anyway"));
    assert!(!running.cancel(), "a finished task cannot be cancelled");
    assert!(!running.cancelled());
}

#[test]
fn each_callback_runs_exactly_once_before_and_after_completion() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let future = executor.submit(move || {
        at_gate();
        21
    });
    let calls = Arc::new(Mutex::new(Vec::new()));
    for name in ["first", "second"] {
        let calls = calls.clone();
        future.add_done_callback(move |outcome| {
            calls.lock().unwrap().push((name, outcome.ok().copied()));
        });
    }
    assert_eq!(future.callbacks_waiting(), 2, "both wait for the task");
    gate.let_through(1);
    assert_eq!(future.result_timeout(PATIENCE), Ok(21));
    assert_eq!(
        *calls.lock().unwrap(),
        [("first", Some(21)), ("second", Some(21))],
        "callbacks added before completion ran once each, in order, before result() returned"
    );

    let late = calls.clone();
    let caller = thread::current().id();
    future.add_done_callback(move |outcome| {
        assert_eq!(
            thread::current().id(),
            caller,
            "a late callback runs on the thread that adds it"
        );
        late.lock().unwrap().push(("late", outcome.ok().copied()));
    });
    assert_eq!(
        calls.lock().unwrap().last(),
        Some(&("late", Some(21))),
        "a callback added after completion ran at once"
    );
    assert_eq!(calls.lock().unwrap().len(), 3, "and nothing ran twice");
    assert_eq!(future.callbacks_waiting(), 0, "none is left waiting");
}

#[test]
fn callbacks_see_errors_and_cancellation() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = |seen: &Arc<Mutex<Vec<TaskErrorKind>>>| {
        let seen = seen.clone();
        move |outcome: Result<&u32, &TaskError>| {
            if let Err(e) = outcome {
                seen.lock().unwrap().push(e.kind());
            }
        }
    };
    let failing = executor.submit_fallible(|| Err::<u32, _>("disk full"));
    failing.add_done_callback(record(&seen));
    let _ = failing.result_timeout(PATIENCE);

    let gate = Gate::new();
    let at_gate = gate.waiter();
    let blocker = executor.submit(move || {
        at_gate();
        0_u32
    });
    let queued = executor.submit(|| 1_u32);
    queued.add_done_callback(record(&seen));
    assert!(queued.cancel());
    gate.let_through(1);
    blocker.result_timeout(PATIENCE).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [TaskErrorKind::Failed, TaskErrorKind::Cancelled],
        "a callback gets the error, and the cancellation, once"
    );
}

#[test]
fn a_panicking_callback_does_not_break_the_future_or_the_others() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let future = executor.submit(|| 3);
    let ran = Arc::new(AtomicUsize::new(0));
    future.add_done_callback(|_| panic!("a callback panics (expected in this test)"));
    let counter = ran.clone();
    future.add_done_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(future.result_timeout(PATIENCE), Ok(3));
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    // The executor still works.
    assert_eq!(executor.submit(|| 4).result_timeout(PATIENCE), Ok(4));
}

#[test]
fn a_panic_in_a_task_is_carried_by_its_future_and_the_worker_goes_on() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let failed = executor.submit(|| -> u32 { panic!("task 7 exploded (expected in this test)") });
    let error = failed.result_timeout(PATIENCE).unwrap_err();
    assert_eq!(error.kind(), TaskErrorKind::Panicked);
    assert!(error.message().contains("task 7 exploded"), "{error}");
    assert_eq!(
        failed.exception(),
        Some(error),
        "exception() is the same error"
    );
    assert_eq!(
        executor.submit(|| 8).result_timeout(PATIENCE),
        Ok(8),
        "the worker survived the panic"
    );
}

#[test]
fn an_error_returned_by_a_task_is_carried_with_its_type() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let future = executor.submit_fallible(|| -> Result<u64, std::io::Error> {
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "peer went away",
        ))
    });
    let error = future.result_timeout(PATIENCE).unwrap_err();
    assert_eq!(error.kind(), TaskErrorKind::Failed);
    assert_eq!(error.message(), "peer went away");
    let io = error
        .task_error()
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .expect("the task's own error type is kept");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
    assert!(error.is_exception());
}

#[test]
fn as_completed_yields_in_completion_order_not_submission_order() {
    let executor = ThreadExecutor::new(3).expect("start the executor");
    let gates: Vec<Gate> = (0..3).map(|_| Gate::new()).collect();
    let futures: Vec<TaskFuture<usize>> = (0..3)
        .map(|i| {
            let at_gate = gates[i].waiter();
            executor.submit(move || {
                at_gate();
                i
            })
        })
        .collect();
    let mut completed = as_completed(&futures, Some(PATIENCE));
    assert_eq!(completed.len(), 3);
    // Finish them in the order 2, 0, 1.
    let mut order = Vec::new();
    for i in [2, 0, 1] {
        gates[i].let_through(1);
        let future = completed.next().unwrap().expect("well before the timeout");
        order.push(future.result().unwrap());
    }
    assert_eq!(order, [2, 0, 1], "each future comes out as it finishes");
    assert!(completed.next().is_none());
}

#[test]
fn as_completed_gives_the_done_ones_first_in_the_order_given() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let done: Vec<_> = (0..4).map(|i| executor.submit(move || i)).collect();
    for f in &done {
        f.result_timeout(PATIENCE).unwrap();
    }
    let order: Vec<i32> = as_completed(done, None)
        .map(|f| f.unwrap().into_result().unwrap())
        .collect();
    assert_eq!(order, [0, 1, 2, 3]);
}

#[test]
fn as_completed_with_a_timeout_yields_a_timeout_error_for_each_late_future() {
    let executor = ThreadExecutor::new(3).expect("start the executor");
    let gate = Gate::new();
    let at_gate = Arc::new(gate.waiter());
    let quick = executor.submit(|| 0);
    let slow: Vec<_> = (1..3)
        .map(|i| {
            let at_gate = at_gate.clone();
            executor.submit(move || {
                at_gate();
                i
            })
        })
        .collect();
    quick.result_timeout(PATIENCE).unwrap(); // done before the clock starts
    let futures = vec![&slow[0], &quick, &slow[1]];
    let items: Vec<Result<&&TaskFuture<i32>, TaskError>> =
        as_completed(&futures, Some(Duration::from_millis(50))).collect();
    assert_eq!(items.len(), 3, "one item per future, late or not");
    assert_eq!(items[0].as_ref().map(|f| f.result()), Ok(Ok(0)));
    for late in &items[1..] {
        let error = late.as_ref().unwrap_err();
        assert_eq!(error.kind(), TaskErrorKind::TimedOut, "{error}");
    }
    assert!(
        items[1]
            .as_ref()
            .unwrap_err()
            .message()
            .contains("future 0 of 3"),
        "late futures come in the order given: {:?}",
        items[1]
    );
    gate.let_through(2);
    for f in &slow {
        assert!(
            f.result_timeout(PATIENCE).is_ok(),
            "late tasks still finish"
        );
    }
}

#[test]
fn as_completed_over_futures_of_different_types() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let number = executor.submit(|| 1_u8);
    let text = executor.submit(|| String::from("one"));
    let mixed: Vec<&dyn AnyFuture> = vec![&number, &text];
    assert_eq!(
        as_completed(mixed, Some(PATIENCE))
            .filter(Result::is_ok)
            .count(),
        2
    );
}

#[test]
fn dropping_as_completed_early_leaves_the_futures_working() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let gate = Gate::new();
    let at_gate = Arc::new(gate.waiter());
    let futures: Vec<_> = (0..4)
        .map(|i| {
            let at_gate = at_gate.clone();
            executor.submit(move || {
                at_gate();
                i
            })
        })
        .collect();
    {
        let mut completed = as_completed(&futures, None);
        gate.let_through(1);
        assert!(completed.next().unwrap().is_ok());
    }
    gate.let_through(3);
    let total: i32 = futures
        .iter()
        .map(|f| f.result_timeout(PATIENCE).unwrap())
        .sum();
    assert_eq!(total, 6);
}

#[test]
fn wait_first_completed_returns_when_one_is_done() {
    let executor = ThreadExecutor::new(3).expect("start the executor");
    let gate = Gate::new();
    let at_gate = Arc::new(gate.waiter());
    let futures: Vec<_> = (0..3)
        .map(|i| {
            let at_gate = at_gate.clone();
            executor.submit(move || {
                at_gate();
                i
            })
        })
        .collect();
    gate.let_through(1);
    let waited = wait(&futures, Some(PATIENCE), ReturnWhen::FirstCompleted);
    assert_eq!(
        (waited.done.len(), waited.not_done.len()),
        (1, 2),
        "exactly the one let through is done"
    );
    gate.let_through(2);
}

#[test]
fn wait_first_exception_returns_at_the_first_failure() {
    let executor = ThreadExecutor::new(3).expect("start the executor");
    let gate = Gate::new();
    let at_gate = Arc::new(gate.waiter());
    let held = |i: u32| {
        let at_gate = at_gate.clone();
        move || {
            at_gate();
            Ok::<u32, &'static str>(i)
        }
    };
    let futures = vec![
        executor.submit_fallible(|| Ok::<u32, &'static str>(0)),
        executor.submit_fallible(|| Err::<u32, _>("broken link")),
        executor.submit_fallible(held(2)),
    ];
    let waited = wait(&futures, Some(PATIENCE), ReturnWhen::FirstException);
    assert!(
        waited.done.iter().any(|f| f.exception().is_some()),
        "the failed future is among the done ones"
    );
    assert_eq!(
        waited.not_done.len(),
        1,
        "the held task is not done: wait did not wait for it"
    );
    gate.let_through(1);

    // No failure at all: FIRST_EXCEPTION waits for everything, like ALL_COMPLETED.
    let fine: Vec<_> = (0..3).map(|i| executor.submit(move || i)).collect();
    let waited = wait(&fine, Some(PATIENCE), ReturnWhen::FirstException);
    assert_eq!((waited.done.len(), waited.not_done.len()), (3, 0));
}

#[test]
fn a_cancelled_future_is_not_an_exception_for_wait() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let blocker = executor.submit(at_gate);
    let cancelled = executor.submit(|| ());
    assert!(cancelled.cancel());
    let futures = [&blocker, &cancelled];
    let waited = wait(
        futures,
        Some(Duration::from_millis(50)),
        ReturnWhen::FirstException,
    );
    assert_eq!(
        (waited.done.len(), waited.not_done.len()),
        (1, 1),
        "wait went on past the cancelled one, until its timeout"
    );
    gate.let_through(1);
}

#[test]
fn wait_all_completed_with_a_timeout_splits_done_from_not_done() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let futures = vec![executor.submit(|| ()), executor.submit(at_gate)];
    futures[0].result_timeout(PATIENCE).unwrap(); // done before the clock starts
    let waited = wait(
        &futures,
        Some(Duration::from_millis(30)),
        ReturnWhen::AllCompleted,
    );
    assert_eq!((waited.done.len(), waited.not_done.len()), (1, 1));
    assert!(
        std::ptr::eq(waited.done[0], &futures[0]),
        "in the order given"
    );
    gate.let_through(1);
    let waited = wait(&futures, Some(PATIENCE), ReturnWhen::AllCompleted);
    assert_eq!((waited.done.len(), waited.not_done.len()), (2, 0));
}

#[test]
fn wait_on_nothing_returns_at_once() {
    let none: Vec<TaskFuture<()>> = Vec::new();
    for mode in [
        ReturnWhen::FirstCompleted,
        ReturnWhen::FirstException,
        ReturnWhen::AllCompleted,
    ] {
        let waited = wait(&none, None, mode);
        assert!(waited.done.is_empty() && waited.not_done.is_empty());
    }
    assert_eq!(as_completed(&none, None).count(), 0);
}

#[test]
fn shutdown_waits_for_running_and_queued_work() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let finished = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..8)
        .map(|_| {
            let finished = finished.clone();
            executor.submit(move || {
                thread::sleep(Duration::from_millis(2));
                finished.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    executor.shutdown(true, false);
    assert_eq!(
        finished.load(Ordering::SeqCst),
        8,
        "shutdown(wait) returned after every queued task ran"
    );
    assert!(futures.iter().all(|f| f.done() && !f.cancelled()));
    let refused = executor.submit(|| ());
    assert_eq!(
        refused.result().unwrap_err().kind(),
        TaskErrorKind::PoolClosed,
        "a submit after shutdown gives a failed future"
    );
}

#[test]
fn shutdown_with_cancel_futures_cancels_the_queue_and_lets_running_work_finish() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let gate = Gate::new();
    let at_gate = gate.waiter();
    let (started_tx, started) = mpsc::channel();
    let running = executor.submit(move || {
        started_tx.send(()).unwrap();
        at_gate();
        "done"
    });
    started.recv_timeout(PATIENCE).unwrap();
    let callbacks = Arc::new(AtomicUsize::new(0));
    let queued: Vec<_> = (0..5)
        .map(|_| {
            let f = executor.submit(|| "never");
            let callbacks = callbacks.clone();
            f.add_done_callback(move |_| {
                callbacks.fetch_add(1, Ordering::SeqCst);
            });
            f
        })
        .collect();
    executor.shutdown(false, true);
    assert!(
        queued.iter().all(|f| f.cancelled()),
        "queued tasks are cancelled by the time shutdown returns"
    );
    assert_eq!(
        callbacks.load(Ordering::SeqCst),
        5,
        "their callbacks ran once each"
    );
    assert!(!running.done(), "the running task was not stopped");
    gate.let_through(1);
    assert_eq!(running.result_timeout(PATIENCE), Ok("done"));
    executor.shutdown(true, true); // again: harmless, and now it waits
}

#[test]
fn dropping_the_executor_finishes_pending_work() {
    let future;
    {
        let executor = ThreadExecutor::new(1).expect("start the executor");
        future = executor.submit(|| {
            thread::sleep(Duration::from_millis(5));
            "kept"
        });
    }
    assert!(future.done(), "drop waits, like leaving a `with` block");
    assert_eq!(future.result(), Ok("kept"));
}

#[test]
fn a_dropped_future_does_not_stop_or_break_its_task() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let (tx, rx) = mpsc::channel();
    drop(executor.submit(move || tx.send(5).unwrap()));
    assert_eq!(rx.recv_timeout(PATIENCE), Ok(5));
}

#[test]
fn map_returns_results_in_item_order() {
    let executor = ThreadExecutor::new(3).expect("start the executor");
    let results: Vec<u64> = executor
        .map(
            |x: u64| {
                thread::sleep(Duration::from_millis(5 * (5 - x)));
                x * 10
            },
            0..5,
        )
        .map(Result::unwrap)
        .collect();
    assert_eq!(results, [0, 10, 20, 30, 40]);
}

#[test]
fn dropping_map_results_early_cancels_what_has_not_started() {
    let executor = ThreadExecutor::new(1).expect("start the executor");
    let ran = Arc::new(Mutex::new(BTreeSet::new()));
    let gate = Gate::new();
    let at_gate = Arc::new(gate.waiter());
    let record = ran.clone();
    let mut results = executor.map(
        move |i: u32| {
            at_gate();
            record.lock().unwrap().insert(i);
            i
        },
        0..6,
    );
    gate.let_through(1);
    assert_eq!(results.next(), Some(Ok(0)));
    drop(results);
    gate.let_through(6);
    executor.shutdown(true, false);
    let ran = ran.lock().unwrap();
    assert!(
        ran.len() <= 2,
        "at most the first and the one already running ran: {ran:?}"
    );
}

fn triple(x: u64) -> u64 {
    3 * x
}
static TRIPLE: Task<u64, u64> = Task::new("tests::triple", triple);

#[test]
fn the_executor_trait_runs_registered_tasks_on_threads() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let via_trait: &dyn Fn(u64) -> TaskFuture<u64> = &|x| executor.submit_task(&TRIPLE, x);
    assert_eq!(via_trait(5).result(), Ok(15));
    let all: Vec<u64> = executor
        .map_task(&TRIPLE, 0..4)
        .map(Result::unwrap)
        .collect();
    assert_eq!(all, [0, 3, 6, 9]);
    assert_eq!(
        (Executor::kind(&executor), Executor::max_workers(&executor)),
        ("threads", 2)
    );
}

#[test]
fn a_completer_dropped_unused_cancels_its_pending_future() {
    let (future, completer) = TaskFuture::<u8>::pending();
    drop(completer);
    assert!(future.cancelled());
    let (future, completer) = TaskFuture::<u8>::pending();
    assert!(completer.set_running_or_notify_cancel());
    drop(completer);
    assert_eq!(
        future.result().unwrap_err().kind(),
        TaskErrorKind::Terminated,
        "a running task whose runner vanished fails instead of hanging"
    );
}

#[test]
fn a_cancelled_future_tells_its_completer_not_to_run() {
    let (future, completer) = TaskFuture::<u8>::pending();
    assert!(future.cancel());
    assert!(!completer.set_running_or_notify_cancel());
    assert!(
        !completer.complete(Ok(1)),
        "the outcome of a cancelled task is refused"
    );
    assert!(future.cancelled());
}

#[test]
fn many_threads_waiting_on_one_future_all_wake() {
    let (future, completer) = TaskFuture::<u32>::pending();
    thread::scope(|s| {
        let waiters: Vec<_> = (0..4).map(|_| s.spawn(|| future.result())).collect();
        thread::sleep(Duration::from_millis(10));
        completer.set_result(9);
        for w in waiters {
            assert_eq!(w.join().unwrap(), Ok(9));
        }
    });
}

#[test]
fn stress_every_future_settles_once_with_concurrent_cancels_and_callbacks() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    for round in 0..50 {
        let callbacks = Arc::new(AtomicUsize::new(0));
        let futures: Vec<_> = (0..64_u32)
            .map(|i| {
                let f = executor.submit(move || i);
                let c = callbacks.clone();
                f.add_done_callback(move |_| {
                    c.fetch_add(1, Ordering::SeqCst);
                });
                f
            })
            .collect();
        let cancelled = thread::scope(|s| {
            let canceller = s.spawn(|| futures.iter().rev().filter(|f| f.cancel()).count());
            let seen = as_completed(&futures, Some(PATIENCE))
                .filter(Result::is_ok)
                .count();
            assert_eq!(
                seen, 64,
                "round {round}: as_completed saw every future once"
            );
            canceller.join().unwrap()
        });
        let finished = futures.iter().filter(|f| f.result().is_ok()).count();
        assert_eq!(
            finished + cancelled,
            64,
            "round {round}: each finished or was cancelled"
        );
        assert_eq!(futures.iter().filter(|f| f.cancelled()).count(), cancelled);
        eventually("every callback ran", || {
            callbacks.load(Ordering::SeqCst) == 64
        });
        assert_eq!(
            callbacks.load(Ordering::SeqCst),
            64,
            "round {round}: once each"
        );
    }
}
