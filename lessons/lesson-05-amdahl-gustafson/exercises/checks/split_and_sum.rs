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

/// Passes when its speedup is at least this share of what pure arithmetic on
/// the same threads gains in the same run (see `lab::speedcheck`). Provisional:
/// on the busy 2-core machine it was written on, even the control gained nothing
/// (the check skipped), so the reference solution's figures still need a quiet
/// run (`cargo xtask check --solutions`, 20 times) to confirm or move it.
const SPEEDUP_TO_PASS: f64 = 0.7;

#[test]
#[ignore = "speed check: timed by `cargo xtask check`, never by `cargo test`"]
fn speed_two_workers_against_a_plain_loop() {
    let n = 6_000_000;
    lab::speedcheck::check(
        "parallel_sum",
        2,
        SPEEDUP_TO_PASS,
        || {
            let sum = (0..n).fold(0u64, |a, i| a.wrapping_add(unit(i)));
            std::hint::black_box(sum);
        },
        || {
            std::hint::black_box(parallel_sum(n, 2));
        },
    );
}
