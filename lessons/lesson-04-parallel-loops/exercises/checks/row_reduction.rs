//! Tests of the `row_reduction` exercise, run by `cargo xtask check lesson-04`.

#[cfg_attr(not(feature = "solutions"), path = "../row_reduction.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/row_reduction.rs")]
mod exercise;

use exercise::*;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

fn matrix(rows: usize, cols: usize) -> Vec<f64> {
    (0..rows * cols)
        .map(|i| ((i * 7919) % 1000) as f64 / 250.0 - 2.0)
        .collect()
}

#[test]
fn the_sequential_loop_reduces_every_row_in_order() {
    let data = matrix(5, 4);
    let sums = map_rows_sequential(&data, 4, |row| row.iter().sum());
    assert_eq!(sums.len(), 5, "one result per row");
    for (r, s) in sums.iter().enumerate() {
        let expected: f64 = data[r * 4..(r + 1) * 4].iter().sum();
        assert_eq!(*s, expected, "row {r} must be reduced by f");
    }
}

#[test]
fn the_parallel_loop_matches_the_sequential_one_bit_for_bit() {
    for (rows, cols) in [(1, 1), (3, 1000), (1000, 3), (257, 129)] {
        let data = matrix(rows, cols);
        let sequential = map_rows_sequential(&data, cols, norm);
        let parallel = map_rows_parallel(&data, cols, norm);
        assert_eq!(parallel.len(), rows, "one result per row ({rows}×{cols})");
        assert!(
            parallel
                .iter()
                .zip(&sequential)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "par_chunks must give exactly the sequential results, in row order ({rows}×{cols})"
        );
    }
}

#[test]
fn the_parallel_loop_uses_more_than_one_thread() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let seen = Mutex::new(HashSet::new());
    let data = matrix(64, 8);
    pool.install(|| {
        map_rows_parallel(&data, 8, |row| {
            seen.lock().unwrap().insert(std::thread::current().id());
            std::thread::sleep(Duration::from_millis(2));
            norm(row)
        })
    });
    let threads = seen.lock().unwrap().len();
    assert!(
        threads >= 2,
        "64 slow rows ran on {threads} thread(s): use rayon's par_chunks_exact"
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
fn speed_two_threads_against_one() {
    let (rows, cols) = (2_000, 600);
    let data = matrix(rows, cols);
    // The work per value is a chain of integer steps in registers, like the
    // check's own yardstick: two threads can come near 2x on any two cores,
    // hyperthreads included. (With `x.sin()` per value, the reference solution
    // reached only 1.2-1.4x on the course's 2-vCPU VM, whose two threads share
    // one core's floating-point units, and a correct answer could fail.)
    let f = |row: &[f64]| {
        row.iter()
            .map(|x| {
                let mut h = x.to_bits();
                for _ in 0..4 {
                    h ^= h << 13;
                    h ^= h >> 7;
                    h ^= h << 17;
                }
                (h >> 11) as f64
            })
            .sum::<f64>()
    };
    // The baseline is the same code on a one-thread pool: in this unoptimized
    // build a loop written differently would run at a different speed for that
    // alone.
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    let (one, two) = (pool(1), pool(2));
    lab::speedcheck::check(
        "map_rows_parallel",
        2,
        SPEEDUP_TO_PASS,
        || {
            std::hint::black_box(one.install(|| map_rows_parallel(&data, cols, f)));
        },
        || {
            std::hint::black_box(two.install(|| map_rows_parallel(&data, cols, f)));
        },
    );
}
