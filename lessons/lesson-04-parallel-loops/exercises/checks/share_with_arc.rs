//! Tests of the `share_with_arc` exercise, run by `cargo xtask check lesson-04`.

#[cfg_attr(not(feature = "solutions"), path = "../share_with_arc.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/share_with_arc.rs")]
mod exercise;

use exercise::*;
use std::sync::Arc;

fn data(len: usize) -> Vec<f64> {
    (0..len).map(|i| (i % 97) as f64 * 0.25).collect()
}

fn expected(data: &[f64], parts: usize) -> Vec<f64> {
    (0..parts).map(|p| part_sum(data, p, parts)).collect()
}

#[test]
fn threads_sum_every_part_in_order() {
    for parts in [1, 2, 5] {
        let v = data(10_001);
        let want = expected(&v, parts);
        let (sums, _) = part_sums_threads(v, parts);
        assert_eq!(sums, want, "the sums of {parts} parts, in part order");
    }
}

#[test]
fn threads_share_the_array_instead_of_copying_it() {
    let v = data(100_000);
    let buffer = v.as_ptr();
    let (_, shared) = part_sums_threads(v, 4);
    assert_eq!(
        shared.as_ptr(),
        buffer,
        "the Arc must hold the very Vec you were given (Arc::new(data)), not a copy of it"
    );
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "every thread's clone of the Arc must be gone once the threads are joined"
    );
}

#[test]
fn parallel_sums_every_part_and_lets_go_of_the_array() {
    let shared = Arc::new(data(50_000));
    for parts in [1, 3, 8] {
        let sums = part_sums_parallel(&shared, parts);
        assert_eq!(
            sums,
            expected(&shared, parts),
            "the sums of {parts} parts, in part order"
        );
    }
    assert_eq!(
        Arc::strong_count(&shared),
        1,
        "after the run no task may still hold the array"
    );
}
