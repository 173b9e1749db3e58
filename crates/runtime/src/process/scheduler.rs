//! The scheduler's admission logic: how much work each worker may hold in
//! flight, decided from numbers alone (the pool's threads apply it in `io.rs`).
//!
//! The budget is time: each worker reports how long each chunk took, the pool
//! keeps a running estimate per task name ([`Costs`]), and a worker holds about
//! [`BUDGET_NS`] of expected work in flight ([`Load::admits`]) — hundreds of
//! trivial tasks (so a few system calls carry many), two of a few milliseconds
//! (one running, one waiting; `concurrent.futures.ProcessPoolExecutor` keeps
//! `max_workers + 1` calls in its call queue, one extra for the whole pool
//! rather than per worker), and one at a time from [`SLOW_TASK_NS`] up, so that
//! no slow task waits behind another while a worker is free. A task never
//! measured counts as slow, so the first tasks of a kind spread one per worker.
//! And a worker never holds much more expected work than the least loaded other
//! one.

use std::collections::HashMap;

/// Tasks this slow go one at a time: a worker then idles for one round trip
/// (tens of microseconds) between tasks, under 0.5 % of the task, and no task
/// waits on a busy worker while another worker is free.
pub(super) const SLOW_TASK_NS: f64 = 10_000_000.0;
/// Most tasks (chunks) in flight per worker.
pub(super) const MAX_WINDOW: usize = 256;
/// Expected work a worker holds in flight, by the workers' own timings.
pub(super) const BUDGET_NS: f64 = 500_000.0;
/// Bytes in flight per worker before the writer waits (one big task always goes).
pub(super) const MAX_IN_FLIGHT_BYTES: usize = 64 << 20;

/// What one worker has in flight, as the scheduler counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Load {
    /// Chunks written to the worker and not answered yet.
    pub(super) tasks: usize,
    /// Their encoded bytes.
    pub(super) bytes: usize,
    /// Their expected work (the sum of their estimates).
    pub(super) expected_ns: f64,
}

impl Load {
    /// Whether this worker takes one more chunk of expected cost `cost`, given
    /// the expected work in flight on the least loaded other worker.
    pub(super) fn admits(&self, cost: f64, least_other_ns: Option<f64>) -> bool {
        if self.tasks == 0 {
            return true; // one task always goes
        }
        if self.tasks >= MAX_WINDOW || self.bytes >= MAX_IN_FLIGHT_BYTES {
            return false;
        }
        // Fair: leave work for a worker that has less of it.
        if least_other_ns.is_some_and(|least| self.expected_ns > least + BUDGET_NS / 2.0) {
            return false;
        }
        // Cheap tasks fill the budget; a medium one may wait behind another.
        self.expected_ns + cost <= BUDGET_NS
            || (self.tasks == 1 && self.expected_ns < SLOW_TASK_NS && cost < SLOW_TASK_NS)
    }

    /// Whether a worker's writer, waiting for room, should be woken: enough
    /// budget is free to be worth a batch.
    pub(super) fn wants_more(&self) -> bool {
        self.tasks <= 1 || self.expected_ns <= BUDGET_NS / 2.0
    }

    /// A chunk of `bytes` and expected cost `cost` goes out.
    pub(super) fn add(&mut self, bytes: usize, cost: f64) {
        self.tasks += 1;
        self.bytes += bytes;
        self.expected_ns += cost;
    }

    /// A chunk of `bytes` and expected cost `cost` came back.
    pub(super) fn remove(&mut self, bytes: usize, cost: f64) {
        self.tasks -= 1;
        self.bytes -= bytes;
        self.expected_ns = if self.tasks == 0 {
            0.0 // no drift from adding and subtracting estimates
        } else {
            (self.expected_ns - cost).max(0.0)
        };
    }
}

/// Measured nanoseconds per item, by task name: a running average of the
/// workers' own timings.
#[derive(Debug, Default)]
pub(super) struct Costs(HashMap<&'static str, f64>);

impl Costs {
    /// A chunk's expected cost: the task's measured cost per item times its
    /// items; a task never measured counts as slow.
    pub(super) fn expected_ns(&self, name: &str, items: u32) -> f64 {
        self.0
            .get(name)
            .map_or(SLOW_TASK_NS, |per_item| per_item * f64::from(items))
    }

    /// A worker spent `busy_ns` on a chunk of `items` items of `name`.
    pub(super) fn learn(&mut self, name: &'static str, items: u32, busy_ns: u64) {
        if items == 0 {
            return;
        }
        let per_item = busy_ns as f64 / f64::from(items);
        self.0
            .entry(name)
            .and_modify(|c| *c = 0.7 * *c + 0.3 * per_item)
            .or_insert(per_item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(tasks: usize, expected_ns: f64) -> Load {
        Load {
            tasks,
            bytes: 100 * tasks,
            expected_ns,
        }
    }

    #[test]
    fn an_idle_worker_takes_any_task() {
        let idle = Load::default();
        assert!(idle.admits(100.0 * SLOW_TASK_NS, Some(0.0)));
        assert!(idle.admits(1.0, None));
    }

    #[test]
    fn cheap_tasks_fill_the_budget_up_to_the_window() {
        let mut worker = Load::default();
        while worker.admits(10_000.0, None) {
            worker.add(10, 10_000.0);
        }
        assert_eq!(worker.tasks, (BUDGET_NS / 10_000.0) as usize);
        let mut tiny = Load::default();
        while tiny.admits(1.0, None) {
            tiny.add(10, 1.0);
        }
        assert_eq!(tiny.tasks, MAX_WINDOW, "a worker holds at most the window");
    }

    #[test]
    fn a_medium_task_waits_behind_one_other_and_a_slow_one_goes_alone() {
        let medium = 3_000_000.0; // 3 ms: over the budget, under "slow"
        assert!(load(1, medium).admits(medium, None));
        assert!(!load(2, 2.0 * medium).admits(medium, None));
        assert!(
            !load(1, SLOW_TASK_NS).admits(1.0, None),
            "nothing waits behind a slow task"
        );
        assert!(
            !load(1, 1_000.0).admits(SLOW_TASK_NS, None),
            "a slow task waits for a free worker"
        );
    }

    #[test]
    fn a_worker_ahead_of_the_least_loaded_other_takes_no_more() {
        let busy = load(2, BUDGET_NS / 2.0 + 1.0);
        assert!(!busy.admits(1.0, Some(0.0)));
        assert!(busy.admits(1.0, Some(BUDGET_NS / 2.0)));
    }

    #[test]
    fn bytes_in_flight_cap_a_worker_but_one_big_task_always_goes() {
        let full = Load {
            tasks: 1,
            bytes: MAX_IN_FLIGHT_BYTES,
            expected_ns: 1.0,
        };
        assert!(!full.admits(1.0, None));
        let mut idle = Load::default();
        assert!(idle.admits(1.0, None));
        idle.add(10 * MAX_IN_FLIGHT_BYTES, 1.0);
        assert_eq!(idle.bytes, 10 * MAX_IN_FLIGHT_BYTES);
    }

    #[test]
    fn a_returned_chunk_frees_its_share_and_an_empty_worker_has_none() {
        let mut worker = Load::default();
        worker.add(10, 0.1);
        worker.add(20, 0.2);
        worker.remove(10, 0.1);
        assert_eq!((worker.tasks, worker.bytes), (1, 20));
        worker.remove(20, 0.2);
        assert_eq!(worker, Load::default(), "no drift once empty");
        assert!(worker.wants_more());
        assert!(!load(3, BUDGET_NS).wants_more());
    }

    #[test]
    fn an_unmeasured_task_counts_as_slow_and_timings_are_averaged() {
        let mut costs = Costs::default();
        assert_eq!(costs.expected_ns("new", 4), SLOW_TASK_NS);
        costs.learn("new", 4, 4_000);
        assert_eq!(costs.expected_ns("new", 2), 2_000.0);
        costs.learn("new", 1, 2_000);
        assert_eq!(costs.expected_ns("new", 1), 0.7 * 1_000.0 + 0.3 * 2_000.0);
        costs.learn("empty", 0, 5);
        assert_eq!(costs.expected_ns("empty", 1), SLOW_TASK_NS);
    }
}
