//! Tests of the `keep_the_first` exercise, run by `cargo xtask check lesson-03`.

#[cfg_attr(not(feature = "solutions"), path = "../keep_the_first.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/keep_the_first.rs")]
mod exercise;

use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use exercise::*;
use runtime::futures::{TaskFuture, ThreadExecutor};

#[test]
fn keeps_the_first_k_in_completion_order_and_cancels_what_has_not_started() {
    let (futures, completers): (Vec<_>, Vec<_>) =
        (0..5).map(|_| TaskFuture::<u32>::pending()).unzip();
    let mut completers: Vec<_> = completers.into_iter().map(Some).collect();
    // Position 1 finished first; position 4 is running (a worker has it).
    completers[1].take().unwrap().set_result(10);
    let running = completers[4].take().unwrap();
    assert!(running.set_running_or_notify_cancel());
    let futures = Arc::new(futures);
    let (tx, rx) = mpsc::channel();
    {
        let futures = futures.clone();
        thread::spawn(move || {
            let _ = tx.send(keep_the_first(&futures, 2));
        });
    }
    thread::sleep(Duration::from_millis(20));
    completers[3].take().unwrap().set_result(30); // the second to finish
    let (first, cancelled) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("keep_the_first must return once k results are in");
    assert_eq!(
        first,
        vec![10, 30],
        "the first two values, in the order they finished"
    );
    assert_eq!(
        cancelled, 2,
        "positions 0 and 2 had not started and are cancelled; 4 is running, 1 and 3 are done"
    );
    assert!(futures[0].cancelled() && futures[2].cancelled());
    assert!(
        !futures[4].cancelled(),
        "a running task cannot be cancelled"
    );
    running.set_result(40);
    assert_eq!(futures[4].result(), Ok(40));
}

#[test]
fn on_a_real_executor_every_task_ran_or_was_cancelled() {
    let executor = ThreadExecutor::new(2).expect("start the executor");
    let futures: Vec<_> = (0..40_u64)
        .map(|i| {
            executor.submit(move || {
                thread::sleep(Duration::from_millis(2));
                i
            })
        })
        .collect();
    let (first, cancelled) = keep_the_first(&futures, 4);
    assert_eq!(first.len(), 4, "four results kept");
    executor.shutdown(true, false);
    let finished = futures.iter().filter(|f| f.result().is_ok()).count();
    assert_eq!(
        finished + cancelled,
        40,
        "every task either finished or was cancelled by your cancel() calls"
    );
    assert!(
        cancelled > 0,
        "with 40 queued tasks on 2 workers, some had not started"
    );
}
