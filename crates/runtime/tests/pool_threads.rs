//! Dropping a pool leaves no thread behind. Alone in its own test binary (its
//! own process), so no other test's threads disturb the count.

use std::time::{Duration, Instant};

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
    let deadline = Instant::now() + Duration::from_secs(60);
    for round in 0..100 {
        let pool = ThreadPool::new(1 + round % 4);
        let squares = pool.map(|x: u64| x * x, 0..100, 1 + round % 3);
        assert_eq!(squares.map(|v| v[9]), Ok(81));
        if round % 2 == 0 {
            let _pending = pool.apply_async(|| std::thread::sleep(Duration::from_millis(1)));
        }
        drop(pool);
        assert!(
            Instant::now() < deadline,
            "100 pools took over 60 s: something hangs"
        );
    }
    assert_eq!(
        threads(),
        Some(before),
        "threads left behind by dropped pools"
    );
}
