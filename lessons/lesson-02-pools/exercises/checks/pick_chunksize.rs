//! Tests of the `pick_chunksize` exercise, run by `cargo xtask check lesson-02`.

#[cfg_attr(not(feature = "solutions"), path = "../pick_chunksize.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/pick_chunksize.rs")]
mod exercise;

use exercise::*;

#[test]
fn python_default_gives_each_worker_about_four_chunks() {
    for (tasks, workers, expected) in [
        (1_000_000, 2, 125_000),
        (1_000, 2, 125),
        (1_001, 2, 126),
        (10, 4, 1),
        (1, 8, 1),
        (0, 2, 1),
    ] {
        assert_eq!(
            python_default(tasks, workers),
            expected,
            "python_default({tasks}, {workers}) is ceil({tasks} / (4 × {workers})), at least 1"
        );
    }
    assert_eq!(
        python_default(1_000, 2),
        runtime::pool::default_chunksize(1_000, 2),
        "the same rule as runtime::pool::default_chunksize"
    );
}

#[test]
fn the_chunk_is_just_big_enough_to_hide_the_overhead() {
    // 1 µs tasks, 0.555 µs per chunk, at most 1%: 0.555 / 0.01 = 55.5 tasks.
    assert_eq!(
        pick_chunksize(1_000_000, 2, 1.0, 0.555, 0.01),
        56,
        "0.555 µs per chunk is at most 1% of 56 tasks of 1 µs, but not of 55"
    );
    // A process pool's round trip (about 20 µs) on 5 µs tasks, at most 10%.
    assert_eq!(
        pick_chunksize(1_000_000, 2, 5.0, 20.6, 0.1),
        42,
        "20.6 µs is at most 10% of 42 tasks of 5 µs (21 µs), not of 41 (20.5 µs)"
    );
    // Long tasks hide the overhead on their own.
    assert_eq!(
        pick_chunksize(1_000, 2, 10_000.0, 20.0, 0.01),
        1,
        "a 10 ms task carries a 20 µs overhead below 1%: chunksize 1"
    );
}

#[test]
fn balance_caps_the_chunk_at_pythons_default() {
    assert_eq!(
        pick_chunksize(1_000, 2, 1.0, 50.0, 0.01),
        125,
        "5,000 tasks would hide the overhead, but 1,000 tasks on 2 workers need chunks of at most 125"
    );
    assert_eq!(
        pick_chunksize(100, 2, 0.0, 1.0, 0.01),
        13,
        "free tasks can never hide an overhead: take the largest chunk balance allows"
    );
    assert_eq!(
        pick_chunksize(3, 4, 1.0, 1.0, 0.01),
        1,
        "3 tasks on 4 workers: chunks of 1"
    );
}
