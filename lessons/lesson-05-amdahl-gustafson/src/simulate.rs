//! A discrete-event simulation of P workers running a list of tasks.
//!
//! The program first runs its serial part, then hands tasks out in order, each to
//! the worker that becomes free first (a greedy list scheduler — what a pool with
//! a shared queue does). Events are "worker w becomes free at time t", kept in a
//! min-heap, so a run costs O(tasks · log P). Each hand-out may cost a fixed
//! `dispatch_s`, paid by the worker that takes the task.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The simulated wall time of `serial_s` followed by `tasks_s` on `workers`.
pub fn makespan(serial_s: f64, tasks_s: &[f64], workers: usize, dispatch_s: f64) -> f64 {
    assert!(workers > 0, "a simulation needs at least one worker");
    // Times as integer picoseconds, so the heap orders them exactly.
    let ps = |s: f64| (s * 1e12).round() as u64;
    let mut free: BinaryHeap<Reverse<u64>> = (0..workers).map(|_| Reverse(0)).collect();
    let mut end = 0;
    for &task in tasks_s {
        let Reverse(t) = free.pop().expect("one entry per worker");
        let done = t + ps(dispatch_s) + ps(task);
        end = end.max(done);
        free.push(Reverse(done));
    }
    serial_s + end as f64 / 1e12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_tasks_divide_evenly_between_workers() {
        let tasks = vec![1.0; 8];
        assert!((makespan(2.0, &tasks, 1, 0.0) - 10.0).abs() < 1e-9);
        assert!((makespan(2.0, &tasks, 4, 0.0) - 4.0).abs() < 1e-9);
        // More workers than tasks: the longest task bounds the parallel part.
        assert!((makespan(2.0, &tasks, 64, 0.0) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn the_greedy_schedule_balances_uneven_tasks() {
        // 3 + 1 + 1 + 1 on two workers: one takes the 3, the other the three 1s.
        assert!((makespan(0.0, &[3.0, 1.0, 1.0, 1.0], 2, 0.0) - 3.0).abs() < 1e-9);
        assert!((makespan(0.0, &[1.0, 1.0], 2, 0.5) - 1.5).abs() < 1e-9);
    }
}
