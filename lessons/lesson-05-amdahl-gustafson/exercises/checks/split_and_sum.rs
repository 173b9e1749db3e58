//! Tests of the `split_and_sum` exercise, run by `cargo xtask check lesson-05`.

#[cfg_attr(not(feature = "solutions"), path = "../split_and_sum.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/split_and_sum.rs")]
mod exercise;

use exercise::*;

#[test]
fn shares_cover_the_work_exactly_once_and_evenly() {
    for n in [0, 1, 10, 1001] {
        for workers in 1..=7 {
            let mut next = 0;
            for w in 0..workers {
                let r = share(n, workers, w);
                assert_eq!(
                    r.start,
                    next,
                    "worker {w} of {workers} over 0..{n} must start where worker {} ended",
                    w.wrapping_sub(1)
                );
                let len = r.end - r.start;
                assert!(
                    len == n / workers || len == n / workers + 1,
                    "worker {w} of {workers} over 0..{n} got {len} units: shares must differ by at most one"
                );
                next = r.end;
            }
            assert_eq!(next, n, "the shares of {workers} workers must end at {n}");
        }
    }
}

#[test]
fn the_parallel_sum_equals_the_sequential_one_for_any_worker_count() {
    let n = 100_000;
    let expected = (0..n).map(unit).fold(0u64, u64::wrapping_add);
    for workers in [1, 2, 3, 4, 8] {
        assert_eq!(
            parallel_sum(n, workers),
            expected,
            "{workers} workers must compute the same sum as one loop"
        );
    }
}

/// The threads of this process now (Linux: one entry per thread in /proc).
#[cfg(target_os = "linux")]
fn threads_now() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

#[test]
#[cfg(target_os = "linux")]
fn parallel_sum_runs_its_workers_at_the_same_time() {
    // A watcher counts this process's threads, without pause, for as long as
    // parallel_sum runs: 4 workers on scoped threads are at least 2 threads
    // besides this one and the watcher at some moment, which a loop on this
    // thread (or threads started and joined one by one) never is. Nothing
    // waits on time: the watcher only has to run once while the workers do.
    use std::sync::atomic::{AtomicBool, Ordering};
    let before = threads_now();
    let done = AtomicBool::new(false);
    let (most, sum) = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            let mut most = 0;
            while !done.load(Ordering::Acquire) {
                most = most.max(threads_now());
                std::thread::yield_now();
            }
            most
        });
        // Stops the watcher however parallel_sum ends: a panic (its todo!())
        // must fail this test, not leave the scope waiting for the watcher.
        struct Stop<'a>(&'a AtomicBool);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Release);
            }
        }
        let stop = Stop(&done);
        let sum = parallel_sum(8_000_000, 4);
        drop(stop);
        (watcher.join().unwrap(), sum)
    });
    std::hint::black_box(sum);
    assert!(
        most >= before + 3,
        "while parallel_sum(n, 4) ran, at most {} threads ran besides the {before} already running and the test's watcher: the 4 workers must run at the same time, each on its own scoped thread",
        most.saturating_sub(before + 1)
    );
}

/// Passes when its speedup is at least this share of what pure arithmetic on
/// the same threads gains in the same run (see `lab::speedcheck`). Provisional:
/// on the busy 2-core machine it was written on, even the control gained nothing
/// (the check skipped), so the reference solution's figures still need a quiet
/// run (`cargo xtask check --solutions`, 20 times) to confirm or move it.
const SPEEDUP_TO_PASS: f64 = 0.7;

#[test]
#[ignore = "speed check: timed by `cargo xtask check`, never by `cargo test`"]
fn speed_two_workers_against_one() {
    // The baseline is the same code on one worker: in this unoptimized build a
    // loop written differently would run at a different speed for that alone.
    let n = 6_000_000;
    lab::speedcheck::check(
        "parallel_sum",
        2,
        SPEEDUP_TO_PASS,
        || {
            std::hint::black_box(parallel_sum(n, 1));
        },
        || {
            std::hint::black_box(parallel_sum(n, 2));
        },
    );
}
