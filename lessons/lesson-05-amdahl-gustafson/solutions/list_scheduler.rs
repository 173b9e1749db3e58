//! Reference solution of `list_scheduler` (lesson-05).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The time at which the last of `costs` finishes on `workers` greedy workers.
pub fn makespan(costs: &[u64], workers: usize) -> u64 {
    let mut free: BinaryHeap<Reverse<u64>> = (0..workers).map(|_| Reverse(0)).collect();
    let mut end = 0;
    for &cost in costs {
        let Reverse(t) = free.pop().expect("at least one worker");
        end = end.max(t + cost);
        free.push(Reverse(t + cost));
    }
    end
}
