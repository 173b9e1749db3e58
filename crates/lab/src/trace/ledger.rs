//! The ledger of one traced run: where `workers × wall` seconds of worker time
//! went, and which part of the ideal speedup each cause cost.
//!
//! Each thread's (or worker process's) time is counted by its innermost span
//! ([`segments`](super::segments)) — a lock wait inside a task is lock
//! waiting, a decode inside a worker's chunk is overhead — clipped to the
//! traced run. The parts:
//!
//! * `compute_s`: task spans (the work itself);
//! * `serial_s`: the caller's serial part (spans a lesson marked serial);
//! * `overhead_s`: encoding, decoding and moving bytes (process pools);
//! * `lock_wait_s`: waiting for the interpreter lock;
//! * `idle_s`: the rest of `workers × wall`.
//!
//! Beside them, not a sixth part: `core_wait_s`, of `compute_s`, the time a
//! worker was runnable but not on a core (more runnable threads than cores).
//! The runtime reads the kernel's count of that time at span boundaries
//! (Linux; elsewhere the field is left out); the wait between two readings is
//! charged to the tasks in proportion to their share of the thread's time
//! that was not idle between them (task, serial, overhead, lock wait), and
//! never more than that task time.
//!
//! So the parts sum to `workers × wall` by construction. When the recorded
//! spans add up to more than `workers × wall` (the caller helping a map is one
//! more thread than `workers`; a process pool's parent encodes while its
//! workers run), idle is 0 and the four recorded parts are scaled down
//! together, in proportion, to fill `workers × wall`: the
//! [`excess`](Ledger::excess) says by how much, and the run's notes show it.

use super::{Capture, State, segments};
use serde::Serialize;

/// Where `workers × wall` seconds of one traced run went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Ledger {
    /// Running tasks.
    pub compute_s: f64,
    /// The caller's serial part.
    pub serial_s: f64,
    /// Encoding, decoding and moving bytes between processes.
    pub overhead_s: f64,
    /// Waiting for the interpreter lock.
    pub lock_wait_s: f64,
    /// The rest: waiting for work, or for the serial part or the last task.
    pub idle_s: f64,
    /// Of `compute_s`, the time a worker was runnable but not on a core:
    /// waiting for one, with more runnable threads than cores. Measured where
    /// the system counts it (Linux), left out of results files elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_wait_s: Option<f64>,
    /// Recorded time beyond `workers × wall`, as a share of it, before scaling
    /// (0 when the spans fit). Not written to results files.
    #[serde(skip)]
    pub excess: f64,
    /// The traced run's wall time (s). Not written to results files.
    #[serde(skip)]
    pub wall_s: f64,
    /// The workers it was counted for. Not written to results files.
    #[serde(skip)]
    pub workers: f64,
}

/// The lost speedup (`workers − speedup`) split into the ledger's causes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LostSpeedup {
    /// Workers waiting while the caller ran its serial part.
    pub serial: f64,
    /// Encoding, decoding and moving bytes.
    pub overhead: f64,
    /// Waiting for the interpreter lock.
    pub lock_wait: f64,
    /// Other idle time (waiting for work, the last task, the parent).
    pub idle: f64,
}

impl Ledger {
    /// The ledger of `capture` for `workers` workers.
    pub fn of(capture: &Capture, workers: f64) -> Ledger {
        let (a, b) = (capture.start_ns, capture.end_ns);
        let mut totals = [0.0_f64; 5];
        let mut core_wait: Option<f64> = None;
        for track in &capture.tracks {
            let pieces = segments(track, a, b);
            for &(state, start, end) in &pieces {
                totals[index(state)] += (end - start) as f64 / 1e9;
            }
            if let Some(readings) = &track.core_wait {
                *core_wait.get_or_insert(0.0) += waiting_in_tasks(&pieces, readings, a, b);
            }
        }
        let wall = capture.wall_s();
        let whole = workers * wall;
        let recorded: f64 = totals[..4].iter().sum();
        let (scale, excess) = if recorded > whole && recorded > 0.0 {
            (
                whole / recorded,
                (recorded - whole) / whole.max(f64::MIN_POSITIVE),
            )
        } else {
            (1.0, 0.0)
        };
        let part = |s: State| totals[index(s)] * scale;
        let busy = recorded * scale;
        Ledger {
            compute_s: part(State::Task),
            serial_s: part(State::Serial),
            overhead_s: part(State::Overhead),
            lock_wait_s: part(State::LockWait),
            idle_s: (whole - busy).max(0.0),
            core_wait_s: core_wait.map(|w| (w * scale).min(part(State::Task))),
            excess,
            wall_s: wall,
            workers,
        }
    }

    /// The share of its task time from which the table shows the time
    /// waiting for a core (`core_wait_%`), and the run's notes say what it is.
    pub const CORE_WAIT_SHOWN: f64 = 0.10;

    /// `core_wait_s / compute_s`: of the task time, the share spent waiting
    /// for a core (0 when not measured or without task time).
    pub fn core_wait_share(&self) -> f64 {
        match self.core_wait_s {
            Some(w) if self.compute_s > 0.0 => w / self.compute_s,
            _ => 0.0,
        }
    }

    /// The sum of the parts (`workers × wall`).
    pub fn total_s(&self) -> f64 {
        self.compute_s + self.serial_s + self.overhead_s + self.lock_wait_s + self.idle_s
    }

    /// Each part as a share of the total, in the order compute, serial,
    /// overhead, lock wait, idle.
    pub fn shares(&self) -> [f64; 5] {
        let t = self.total_s();
        if t <= 0.0 {
            return [0.0; 5];
        }
        [
            self.compute_s / t,
            self.serial_s / t,
            self.overhead_s / t,
            self.lock_wait_s / t,
            self.idle_s / t,
        ]
    }

    /// Splits `lost = workers − speedup` into causes, in proportion to the
    /// time each cause took from the workers: the serial part costs the other
    /// `workers − 1` workers its length (taken out of idle), overhead and lock
    /// waiting cost what they took, and the remaining idle time the rest.
    /// `None` when nothing was lost (a speedup at or above the workers).
    pub fn split(&self, lost: f64) -> Option<LostSpeedup> {
        if lost.is_nan() || lost <= 0.0 {
            return None;
        }
        let serial = ((self.workers - 1.0).max(0.0) * self.serial_s).min(self.idle_s);
        let idle = self.idle_s - serial;
        let sum = serial + self.overhead_s + self.lock_wait_s + idle;
        if sum <= 0.0 {
            return None;
        }
        let k = lost / sum;
        Some(LostSpeedup {
            serial: serial * k,
            overhead: self.overhead_s * k,
            lock_wait: self.lock_wait_s * k,
            idle: idle * k,
        })
    }
}

/// Of a thread's task time in `[a, b]`, the seconds it waited for a core:
/// between each two readings `(at_ns, waited_ns)`, the growth of its wait,
/// charged to its task pieces in proportion to their share of its time there
/// that was not idle (task, serial, overhead, lock wait), and at most that
/// task time.
fn waiting_in_tasks(pieces: &[(State, u64, u64)], readings: &[(u64, u64)], a: u64, b: u64) -> f64 {
    let mut total_ns = 0.0;
    for pair in readings.windows(2) {
        let ((t0, w0), (t1, w1)) = (pair[0], pair[1]);
        let (from, to) = (t0.max(a), t1.min(b));
        if t1 <= t0 || from >= to {
            continue;
        }
        // The part of the interval inside the run.
        let waited = w1.saturating_sub(w0) as f64 * (to - from) as f64 / (t1 - t0) as f64;
        let (mut task, mut busy) = (0.0, 0.0);
        let first = pieces.partition_point(|p| p.2 <= from);
        for &(state, start, end) in pieces[first..].iter().take_while(|p| p.1 < to) {
            let overlap = (end.min(to) - start.max(from)) as f64;
            match state {
                State::Task => {
                    task += overlap;
                    busy += overlap;
                }
                State::Serial | State::Overhead | State::LockWait => busy += overlap,
                State::Idle => {}
            }
        }
        if busy > 0.0 {
            total_ns += (waited * task / busy).min(task);
        }
    }
    total_ns / 1e9
}

fn index(state: State) -> usize {
    match state {
        State::Task => 0,
        State::Serial => 1,
        State::Overhead => 2,
        State::LockWait => 3,
        State::Idle => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Timing;

    fn capture(tracks: Vec<Vec<(State, u64, u64)>>, end_ns: u64) -> Capture {
        Capture {
            label: "t".into(),
            covers: crate::trace::Covers::Timed(Timing::from_durations(&[
                std::time::Duration::from_nanos(end_ns),
            ])),
            workers: None,
            start_ns: 0,
            end_ns,
            tracks: tracks
                .into_iter()
                .enumerate()
                .map(|(i, spans)| crate::trace::test_track(i as u64 + 1, &spans))
                .collect(),
        }
    }

    const S: u64 = 1_000_000_000;

    #[test]
    fn nested_spans_count_once_by_the_innermost_and_idle_fills_the_rest() {
        // Two workers, 1 s: worker 0 runs a task 0–1 s with a lock wait
        // 0.2–0.5 s inside; worker 1 runs 0–0.5 s and then has nothing.
        let c = capture(
            vec![
                vec![(State::LockWait, S / 5, S / 2), (State::Task, 0, S)],
                vec![(State::Task, 0, S / 2), (State::Idle, S / 2, S)],
            ],
            S,
        );
        let l = Ledger::of(&c, 2.0);
        assert!((l.compute_s - 1.2).abs() < 1e-9, "{l:?}");
        assert!((l.lock_wait_s - 0.3).abs() < 1e-9);
        assert!((l.idle_s - 0.5).abs() < 1e-9);
        assert!((l.total_s() - 2.0).abs() < 1e-9);
        assert_eq!(l.excess, 0.0);
    }

    #[test]
    fn spans_outside_the_run_are_clipped_and_an_overfull_ledger_is_scaled() {
        // Three busy threads counted as two workers: scaled to fit, idle 0.
        let c = capture(
            vec![
                vec![(State::Task, 0, 2 * S)],
                vec![(State::Task, 0, S)],
                vec![(State::Overhead, 0, S)],
            ],
            S,
        );
        let l = Ledger::of(&c, 2.0);
        assert!((l.total_s() - 2.0).abs() < 1e-9, "{l:?}");
        assert_eq!(l.idle_s, 0.0);
        assert!((l.excess - 0.5).abs() < 1e-9);
        assert!((l.compute_s / l.overhead_s - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_lost_speedup_is_split_in_proportion_and_the_serial_part_costs_the_others() {
        // Amdahl on 2 workers: 0.2 s serial on the caller, then 0.4 s of tasks
        // on each worker; wall 0.6 s. T1 = 1.0 s, speedup 1/0.6, lost 1/3.
        let c = capture(
            vec![
                vec![(State::Serial, 0, S / 5)],
                vec![(State::Task, S / 5, 3 * S / 5)],
                vec![(State::Task, S / 5, 3 * S / 5)],
            ],
            3 * S / 5,
        );
        let l = Ledger::of(&c, 2.0);
        let lost = 2.0 - 1.0 / 0.6;
        let split = l.split(lost).unwrap();
        assert!((split.serial - lost).abs() < 1e-9, "{split:?}");
        assert!(split.idle.abs() < 1e-9 && split.lock_wait == 0.0);
        assert_eq!(l.split(0.0), None);
    }

    #[test]
    fn the_wait_for_a_core_is_charged_to_tasks_by_their_share_of_the_time_not_idle() {
        // Two threads on one core, 1 s: each runs a task 0-0.6 s, then
        // encodes (overhead) 0.6-1 s; each waited 0.5 s for the core, read at
        // 0 and at 1 s. Of each wait, 0.6 of it falls on the task: 0.3 s.
        let mut c = capture(
            vec![
                vec![(State::Task, 0, 3 * S / 5), (State::Overhead, 3 * S / 5, S)],
                vec![(State::Task, 0, 3 * S / 5), (State::Overhead, 3 * S / 5, S)],
            ],
            S,
        );
        assert_eq!(Ledger::of(&c, 2.0).core_wait_s, None, "not measured");
        for t in &mut c.tracks {
            t.core_wait = Some(vec![(0, 0), (S, S / 2)]);
        }
        let l = Ledger::of(&c, 2.0);
        let waited = l.core_wait_s.unwrap();
        assert!((waited - 0.6).abs() < 1e-9, "{l:?}");
        assert!(
            (l.total_s() - 2.0).abs() < 1e-9,
            "the five parts still sum to workers × wall"
        );
        // A reading past the run counts only its share inside it.
        for t in &mut c.tracks {
            t.core_wait = Some(vec![(0, 0), (2 * S, S)]);
        }
        assert!((Ledger::of(&c, 2.0).core_wait_s.unwrap() - 0.6).abs() < 1e-9);
    }
}
