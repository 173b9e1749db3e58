//! Tests of the `list_scheduler` exercise, run by `cargo xtask check lesson-05`.

#[cfg_attr(not(feature = "solutions"), path = "../list_scheduler.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/list_scheduler.rs")]
mod exercise;

use exercise::*;

#[test]
fn one_worker_does_everything_in_turn() {
    assert_eq!(
        makespan(&[3, 1, 4, 1, 5], 1),
        14,
        "one worker's makespan is the sum of the costs"
    );
    assert_eq!(makespan(&[], 3), 0, "no tasks finish at time 0");
}

#[test]
fn equal_tasks_divide_evenly() {
    assert_eq!(
        makespan(&[2; 8], 4),
        4,
        "8 tasks of 2 on 4 workers: two rounds"
    );
    assert_eq!(
        makespan(&[2; 8], 64),
        2,
        "more workers than tasks: the longest task decides"
    );
}

#[test]
fn tasks_go_to_the_worker_that_is_free_first() {
    // Worker A takes 5; worker B takes 1, 1, 1 and then the final 3 at time 3.
    assert_eq!(
        makespan(&[5, 1, 1, 1, 3], 2),
        6,
        "the greedy schedule of [5, 1, 1, 1, 3] on 2 workers ends at 6"
    );
    // Order matters: a long task last cannot be balanced.
    assert_eq!(
        makespan(&[1, 1, 1, 1, 8], 2),
        10,
        "a long task last ends at 2 + 8"
    );
}
