//! Tests of the `auto_batch_size` exercise, run by `cargo xtask check lesson-04`.

#[cfg_attr(not(feature = "solutions"), path = "../auto_batch_size.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/auto_batch_size.rs")]
mod exercise;

use exercise::*;
use std::time::Duration;

const US: Duration = Duration::from_micros(1);

#[test]
fn tasks_for_rounds_up_and_is_never_zero() {
    assert_eq!(
        tasks_for(Duration::from_millis(2), US),
        2_000,
        "2 ms of 1 µs tasks is 2000 tasks"
    );
    assert_eq!(
        tasks_for(Duration::from_millis(2), 3 * US),
        667,
        "round up: 666.7 tasks is 667"
    );
    assert_eq!(
        tasks_for(Duration::from_millis(2), Duration::from_secs(1)),
        1,
        "a task longer than the target is a batch of 1"
    );
}

#[test]
fn short_batches_grow_but_at_most_double() {
    // 1 task took 1 µs: the ideal is 2 × 2000 tasks, but one step may only double.
    assert_eq!(
        next_batch_size(1, US),
        2,
        "from 1 the next size is at most 2"
    );
    assert_eq!(
        next_batch_size(64, 64 * US),
        128,
        "64 tasks in 64 µs: double to 128"
    );
    // 1000 tasks took 1.6 ms: 2 ms would be 1250 tasks, twice that is 2500, capped at 2000.
    assert_eq!(
        next_batch_size(1_000, 1_600 * US),
        2_000,
        "growth is capped at double"
    );
    // 1500 tasks took 1.9 ms (1266 ns each): 2 × 1580 = 3160, capped at 3000.
    assert_eq!(next_batch_size(1_500, 1_900 * US), 3_000);
    // 4000 tasks took 1.96 ms (0.49 µs each): 2 × 4082 = 8164 > 8000, capped at 8000.
    assert_eq!(next_batch_size(4_000, 1_960 * US), 8_000);
}

#[test]
fn batches_in_the_ideal_range_keep_their_size() {
    for took in [MIN_IDEAL, Duration::from_millis(5), MAX_IDEAL] {
        assert_eq!(
            next_batch_size(500, took),
            500,
            "{took:?} is within the ideal range: keep 500"
        );
    }
}

#[test]
fn long_batches_shrink_at_once() {
    // 1000 tasks took 1 s (1 ms each): 2 ms fits 2 tasks, twice that is 4.
    assert_eq!(
        next_batch_size(1_000, Duration::from_secs(1)),
        4,
        "shrink to 2 × tasks_for(MIN_IDEAL)"
    );
    // A single long task stays a batch of one.
    assert_eq!(
        next_batch_size(1, Duration::from_secs(3)),
        1,
        "a batch of one cannot shrink"
    );
}

#[test]
fn the_rule_settles_for_a_steady_task_duration() {
    // Tasks of 3 µs each: start at 1 and follow the rule; the size settles
    // where a batch takes between MIN_IDEAL and MAX_IDEAL.
    let mut size = 1;
    for _ in 0..30 {
        size = next_batch_size(size, 3 * US * size as u32);
    }
    let took = 3 * US * size as u32;
    assert!(
        (MIN_IDEAL..=MAX_IDEAL).contains(&took),
        "settled at {size} tasks = {took:?} per batch, outside {MIN_IDEAL:?}..={MAX_IDEAL:?}"
    );
    assert_eq!(
        next_batch_size(size, took),
        size,
        "once settled, the size stays"
    );
}
