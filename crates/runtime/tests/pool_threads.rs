//! Dropping a pool leaves no thread behind. Alone in its own test binary (its
//! own process), so no other test's threads disturb the count.

use std::sync::mpsc;
use std::time::Duration;

use runtime::pool::ThreadPool;

/// The threads of this process, from `/proc/self/task` (Linux).
fn threads() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/task").ok()?.count())
}

#[test]
fn creating_and_dropping_100_pools_leaks_no_thread() {
    let Some(before) = threads() else {
        eprintln!("no /proc/self/task here: skipping the thread count");
        return;
    };
    // The work runs on a helper thread, joined before counting, so a hang
    // fails the test after a minute instead of blocking it forever.
    let (done, finished) = mpsc::channel();
    let helper = std::thread::spawn(move || {
        for round in 0..100 {
            let pool = ThreadPool::new(1 + round % 4);
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
