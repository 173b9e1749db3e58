//! Dropping a pool leaves no thread behind. The count runs alone in a child
//! process (this executable again, with `--pool-threads-child`), so no other
//! test's threads disturb it.

use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use runtime::pool::ThreadPool;

use crate::harness::Test;
use crate::sys::threads_in_this_process as threads;

pub(crate) const TESTS: &[Test] = &[(
    "creating_and_dropping_100_pools_leaks_no_thread",
    creating_and_dropping_100_pools_leaks_no_thread,
)];

/// The child's work takes a second or two.
pub(crate) const TEST_DEADLINE: Duration = Duration::from_secs(120);

fn creating_and_dropping_100_pools_leaks_no_thread() {
    let exe = std::env::current_exe().expect("the test executable");
    let status = Command::new(exe)
        .arg("--pool-threads-child")
        .status()
        .expect("start the child");
    assert!(status.success(), "the child reports a failure: {status}");
}

/// In the child run: counts the threads around 100 pools and exits 0 if none
/// is left behind.
pub(crate) fn child(args: &[String]) -> Option<i32> {
    if args.first().is_none_or(|a| a != "--pool-threads-child") {
        return None;
    }
    let outcome = std::panic::catch_unwind(pools_leave_no_thread);
    Some(if outcome.is_ok() { 0 } else { 1 })
}

fn pools_leave_no_thread() {
    let Some(before) = threads() else {
        eprintln!("this system does not count a process's threads: skipping the count");
        return;
    };
    // The work runs on a helper thread, joined before counting, so a hang
    // fails the test after a minute instead of blocking it forever.
    let (done, finished) = mpsc::channel();
    let helper = std::thread::spawn(move || {
        for round in 0..100 {
            let pool = ThreadPool::new(1 + round % 4).expect("start the pool");
            let squares = pool.map(|x: u64| x * x, 0..100, 1 + round % 3);
            assert_eq!(squares.map(|v| v[9]), Ok(81));
            if round % 2 == 0 {
                // Queued work that the drop must finish before joining.
                let _pending = pool.apply_async(|| std::thread::sleep(Duration::from_millis(1)));
            }
            drop(pool);
        }
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => helper.join().expect("the helper finished"),
        Err(_) => panic!("100 pool create/drop cycles did not finish within 60 s"),
    }
    assert_eq!(
        threads(),
        Some(before),
        "threads left behind by dropped pools"
    );
}
