//! Loom models of the futures' state machine: completion, cancellation,
//! callbacks and waiting.
//!
//! Loom runs each model under every interleaving of its threads and fails on
//! a deadlock — which is how a lost wake-up
//! shows: every thread blocked — and on any failed assertion. The futures are
//! hand-made (`TaskFuture::pending`), with loom threads in the roles of the
//! worker that runs the task, the user who cancels it or adds a callback, and
//! the caller who waits.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p runtime --release --test loom futures`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use loom::thread;
use runtime::futures::{ReturnWhen, TaskErrorKind, TaskFuture, as_completed, wait};

/// Explores every interleaving: these models are small enough to check
/// exhaustively in a few seconds (`LOOM_MAX_PREEMPTIONS` bounds it if set).
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    loom::model::Builder::new().check(f);
}

/// A callback that counts its calls and records whether it saw a value.
fn counting(
    calls: &Arc<AtomicUsize>,
) -> impl FnOnce(Result<&u32, &runtime::futures::TaskError>) + Send + 'static {
    let calls = calls.clone();
    move |_| {
        calls.fetch_add(1, SeqCst);
    }
}

/// The worker starting the task and a user cancelling it race: exactly one
/// wins. If the task ran, its value is the result; if the cancel won, the task
/// never ran and the result is a cancellation. The callback runs once either way.
#[test]
fn cancel_and_start_cannot_both_win() {
    model(|| {
        let (future, completer) = TaskFuture::<u32>::pending();
        let calls = Arc::new(AtomicUsize::new(0));
        future.add_done_callback(counting(&calls));
        let ran = Arc::new(AtomicUsize::new(0));
        let ran_in_worker = ran.clone();
        let worker = thread::spawn(move || {
            if completer.set_running_or_notify_cancel() {
                ran_in_worker.fetch_add(1, SeqCst);
                completer.set_result(7);
            }
        });
        let cancelled = future.cancel();
        let outcome = future.result();
        worker.join().unwrap();
        match (cancelled, ran.load(SeqCst)) {
            (true, 0) => {
                assert_eq!(outcome.unwrap_err().kind(), TaskErrorKind::Cancelled);
                assert!(future.cancelled());
            }
            (false, 1) => {
                assert_eq!(outcome, Ok(7));
                assert!(!future.cancelled());
            }
            other => panic!(
                "cancel returned {} and the task ran {} times",
                other.0, other.1
            ),
        }
        assert!(future.done());
        assert_eq!(calls.load(SeqCst), 1, "the callback ran exactly once");
    });
}

/// A callback added while the worker completes the future runs exactly once:
/// by the worker if it was in time, otherwise at once by the thread adding it.
#[test]
fn a_callback_added_during_completion_runs_exactly_once() {
    model(|| {
        let (future, completer) = TaskFuture::<u32>::pending();
        let future = Arc::new(future);
        let calls = Arc::new(AtomicUsize::new(0));
        let worker = thread::spawn(move || completer.set_result(3));
        let adder = {
            let future = future.clone();
            let calls = calls.clone();
            thread::spawn(move || future.add_done_callback(counting(&calls)))
        };
        adder.join().unwrap();
        worker.join().unwrap();
        assert_eq!(calls.load(SeqCst), 1);
        assert_eq!(future.result(), Ok(3));
    });
}

/// A waiter blocked in `result()` is always woken by the completion: no lost
/// wake-up whichever of them goes first.
#[test]
fn result_never_misses_the_completion() {
    model(|| {
        let (future, completer) = TaskFuture::<u32>::pending();
        let worker = thread::spawn(move || {
            if completer.set_running_or_notify_cancel() {
                completer.set_result(11);
            }
        });
        assert_eq!(future.result(), Ok(11));
        worker.join().unwrap();
    });
}

/// `result()` on a future whose outcome is lent to a late callback on another
/// thread waits for it to come back, and gets it.
#[test]
fn result_waits_while_a_late_callback_has_the_outcome() {
    model(|| {
        let (future, completer) = TaskFuture::<u32>::pending();
        completer.set_result(5);
        let future = Arc::new(future);
        let calls = Arc::new(AtomicUsize::new(0));
        let adder = {
            let future = future.clone();
            let calls = calls.clone();
            thread::spawn(move || future.add_done_callback(counting(&calls)))
        };
        assert_eq!(future.result(), Ok(5));
        adder.join().unwrap();
        assert_eq!(calls.load(SeqCst), 1);
    });
}

/// `wait(ALL_COMPLETED)` returns only when both futures are done, and never
/// sleeps through the last completion.
#[test]
fn wait_all_completed_sees_every_completion() {
    model(|| {
        let (a, complete_a) = TaskFuture::<u32>::pending();
        let (b, complete_b) = TaskFuture::<u32>::pending();
        let t1 = thread::spawn(move || complete_a.set_result(1));
        let t2 = thread::spawn(move || complete_b.set_result(2));
        let waited = wait([&a, &b], None, ReturnWhen::AllCompleted);
        assert_eq!((waited.done.len(), waited.not_done.len()), (2, 0));
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

/// `wait(FIRST_EXCEPTION)` returns once the failing future is done, whether it
/// failed before or after the call started watching.
#[test]
fn wait_first_exception_sees_the_failure() {
    model(|| {
        let (ok, complete_ok) = TaskFuture::<u32>::pending();
        let (bad, complete_bad) = TaskFuture::<u32>::pending();
        let t = thread::spawn(move || {
            complete_bad.set_exception(runtime::futures::TaskError::new(
                TaskErrorKind::Failed,
                "boom",
            ))
        });
        let waited = wait([&ok, &bad], None, ReturnWhen::FirstException);
        assert_eq!(waited.done.len(), 1);
        assert!(waited.done[0].exception().is_some());
        t.join().unwrap();
        complete_ok.set_result(0);
    });
}

/// `as_completed` yields each future exactly once, completed by different
/// threads in either order, and one already done before the call.
#[test]
fn as_completed_yields_each_future_once() {
    model(|| {
        let (a, complete_a) = TaskFuture::<u32>::pending();
        let (b, complete_b) = TaskFuture::<u32>::pending();
        let (c, complete_c) = TaskFuture::<u32>::pending();
        complete_c.set_result(3);
        let t1 = thread::spawn(move || complete_a.set_result(1));
        let t2 = thread::spawn(move || {
            if !complete_b.set_running_or_notify_cancel() {
                return;
            }
            complete_b.set_result(2);
        });
        let mut seen: Vec<u32> = as_completed([&a, &b, &c], None)
            .map(|f| f.unwrap().result().unwrap())
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, [1, 2, 3]);
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

/// Two users cancel while the worker starts the task: both cancels give the
/// same answer, and the task ran exactly when they say no.
#[test]
fn two_cancels_and_a_start_agree() {
    model(|| {
        let (future, completer) = TaskFuture::<u32>::pending();
        let future = Arc::new(future);
        let ran = Arc::new(AtomicUsize::new(0));
        let ran_in_worker = ran.clone();
        let worker = thread::spawn(move || {
            if completer.set_running_or_notify_cancel() {
                ran_in_worker.fetch_add(1, SeqCst);
                completer.set_result(1);
            }
        });
        let other = {
            let future = future.clone();
            thread::spawn(move || future.cancel())
        };
        let mine = future.cancel();
        let theirs = other.join().unwrap();
        worker.join().unwrap();
        assert_eq!(mine, theirs, "both cancels see the same outcome");
        assert_eq!(
            ran.load(SeqCst),
            usize::from(!mine),
            "the task ran iff the cancels failed"
        );
        assert_eq!(future.cancelled(), mine);
    });
}

/// A completer dropped on a worker (its task thrown away) while a user waits:
/// the waiter wakes with a cancellation, never hangs.
#[test]
fn a_dropped_completer_wakes_the_waiter() {
    model(|| {
        let (future, completer) = TaskFuture::<u32>::pending();
        let worker = thread::spawn(move || drop(completer));
        let outcome = future.result();
        assert_eq!(outcome.unwrap_err().kind(), TaskErrorKind::Cancelled);
        worker.join().unwrap();
    });
}
