//! Traced runs: the spans of every worker during one timed run of a row, and
//! what the harness makes of them — a Chrome trace, a timeline chart, a ledger.
//!
//! This crate knows nothing of the runtime: the driver hands [`run`](crate::run)
//! a [`Tracer`] (xtask's wraps `runtime::trace`), and the harness calls it
//! around one extra run after the timed repeats of each
//! [`Ctx::measure`](crate::Ctx::measure) when tracing is on (`cargo xtask run
//! --trace`, or `[run] trace = true`). That run is not timed: the figures a row
//! reports are untraced, and the ledger describes the traced run itself. A
//! kind that times its rows itself asks for that run with
//! [`Ctx::trace_timed`](crate::Ctx::trace_timed); one whose rows come out of
//! one untimed run together (the SNR points of a BER curve) with
//! [`Ctx::trace_rows`](crate::Ctx::trace_rows), and those rows share its
//! ledger. Which traced rows the timeline draws is the experiment's
//! `timeline = { ... }` (see [`crate::traced::TimelineRows`]).
//!
//! What the states mean, who records them and their Python equivalents is
//! documented once, in the runtime (`runtime::trace`).

mod chrome;
mod ledger;

pub use chrome::chrome_trace;
pub use ledger::{Ledger, LostSpeedup};

use crate::measure::Timing;
use std::fmt::Debug;

/// What a thread was doing during a span (the runtime's `trace::State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Running a task.
    Task,
    /// The caller's serial part.
    Serial,
    /// Encoding, decoding and moving bytes.
    Overhead,
    /// Waiting for the interpreter lock.
    LockWait,
    /// Waiting for work.
    Idle,
}

impl State {
    /// Every state, in the order charts and ledgers list them.
    pub const ALL: [State; 5] = [
        State::Task,
        State::Serial,
        State::Overhead,
        State::LockWait,
        State::Idle,
    ];

    /// Its name in trace files and charts.
    pub fn name(self) -> &'static str {
        match self {
            State::Task => "task",
            State::Serial => "serial",
            State::Overhead => "overhead",
            State::LockWait => "lock_wait",
            State::Idle => "idle",
        }
    }

    /// Its colour in charts (RGB).
    pub fn colour(self) -> (u8, u8, u8) {
        match self {
            State::Task => (44, 160, 44),
            State::Serial => (148, 103, 189),
            State::Overhead => (255, 127, 14),
            State::LockWait => (214, 39, 40),
            State::Idle => (210, 210, 210),
        }
    }
}

/// One span, in ns on the tracer's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// What the thread was doing.
    pub state: State,
    /// Start, ns.
    pub start_ns: u64,
    /// End, ns.
    pub end_ns: u64,
}

/// The spans of one thread or worker process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Track {
    /// The thread's or process's name.
    pub name: String,
    /// Its process id.
    pub pid: u32,
    /// Its thread number within the process.
    pub tid: u64,
    /// Its spans.
    pub spans: Vec<Span>,
    /// Spans its buffer threw away when full.
    pub dropped: u64,
    /// Readings `(at_ns, waited_ns)` of how long the thread had been
    /// runnable but waiting for a core (the runtime's, see
    /// `runtime::trace`), in time order; `None` where the system does not
    /// count it.
    pub core_wait: Option<Vec<(u64, u64)>>,
}

/// Starts and stops the recording of spans (implemented by the driver over
/// the runtime's tracing).
pub trait Tracer: Send + Sync + Debug {
    /// Clears what was recorded, turns recording on, and returns the clock's now.
    fn start(&self) -> u64;
    /// Turns recording off and returns the clock's now and every track.
    fn stop(&self) -> (u64, Vec<Track>);
}

/// Which rows of a report a traced run is the traced run of.
#[derive(Clone, Debug, PartialEq)]
pub enum Covers {
    /// The row with this timing: the measurement the run followed
    /// ([`Ctx::measure`](crate::Ctx::measure),
    /// [`Ctx::trace_timed`](crate::Ctx::trace_timed)).
    Timed(Timing),
    /// Every row whose params hold all of these values: rows that came out of
    /// one run together, untimed ([`Ctx::trace_rows`](crate::Ctx::trace_rows)).
    Rows(Vec<(String, serde_json::Value)>),
}

impl Covers {
    /// Whether a row with these params and this timing is one of the rows.
    pub fn covers(&self, params: &[(String, serde_json::Value)], timing: Option<Timing>) -> bool {
        match self {
            Covers::Timed(t) => timing == Some(*t),
            Covers::Rows(want) => want
                .iter()
                .all(|(k, v)| params.iter().any(|(pk, pv)| pk == k && pv == v)),
        }
    }
}

/// One traced run: the window it ran in and every track recorded meanwhile.
#[derive(Clone, Debug)]
pub struct Capture {
    /// What was run (the label of [`Ctx::measure`](crate::Ctx::measure)).
    pub label: String,
    /// The rows it is the traced run of.
    pub covers: Covers,
    /// The run's workers, when its rows do not say (no `workers` param).
    pub workers: Option<usize>,
    /// When the traced run started, ns on the tracer's clock.
    pub start_ns: u64,
    /// When it ended.
    pub end_ns: u64,
    /// The tracks, with at least one span or drop each.
    pub tracks: Vec<Track>,
}

impl Capture {
    /// The traced run's wall time, in seconds.
    pub fn wall_s(&self) -> f64 {
        self.end_ns.saturating_sub(self.start_ns) as f64 / 1e9
    }

    /// Spans thrown away because a buffer was full, over all tracks.
    pub fn dropped(&self) -> u64 {
        self.tracks.iter().map(|t| t.dropped).sum()
    }

    /// The tracks that ran tasks or did the work's overhead (not threads that
    /// only waited), in a stable order: this process's threads by number, then
    /// worker processes by pid.
    pub fn working_tracks(&self) -> Vec<&Track> {
        let mut tracks: Vec<&Track> = self
            .tracks
            .iter()
            .filter(|t| {
                t.spans.iter().any(|s| {
                    s.state != State::Idle && s.end_ns > self.start_ns && s.start_ns < self.end_ns
                })
            })
            .collect();
        tracks.sort_by_key(|t| (t.tid == 0, t.pid, t.tid));
        tracks
    }
}

/// What `track` was doing in `[a, b]`, as consecutive pieces `(state, start,
/// end)`: each instant belongs to its innermost span, the one that started
/// last among those still open (a lock wait inside a task is lock waiting).
/// Instants no span covers are left out: the ledger and the timeline call them
/// idle. The pieces are in time order and do not overlap.
pub fn segments(track: &Track, a: u64, b: u64) -> Vec<(State, u64, u64)> {
    let mut spans: Vec<(u64, u64, State)> = track
        .spans
        .iter()
        .map(|s| (s.start_ns.max(a), s.end_ns.min(b), s.state))
        .filter(|(s, e, _)| s < e)
        .collect();
    // Parents first: earlier start, then the longer one.
    spans.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
    let mut out: Vec<(State, u64, u64)> = Vec::new();
    let mut emit = |state: State, from: u64, to: u64| {
        if from >= to {
            return;
        }
        match out.last_mut() {
            Some(last) if last.0 == state && last.2 == from => last.2 = to,
            _ => out.push((state, from, to)),
        }
    };
    // The open spans, innermost last, and how far the pieces reach.
    let mut open: Vec<(State, u64)> = Vec::new();
    let mut t = a;
    for (start, end, state) in spans {
        while let Some(&(inner, until)) = open.last() {
            if until > start {
                break;
            }
            emit(inner, t, until);
            t = t.max(until);
            open.pop();
        }
        if let Some(&(inner, _)) = open.last() {
            emit(inner, t, start);
        }
        t = t.max(start);
        open.push((state, end));
    }
    while let Some((inner, until)) = open.pop() {
        emit(inner, t, until);
        t = t.max(until);
    }
    out
}

/// A track of `spans` (state, start, end in ns) for tests, named `w<tid - 1>`.
#[cfg(test)]
pub(crate) fn test_track(tid: u64, spans: &[(State, u64, u64)]) -> Track {
    Track {
        name: format!("w{}", tid - 1),
        pid: 1,
        tid,
        spans: spans
            .iter()
            .map(|&(state, start_ns, end_ns)| Span {
                state,
                start_ns,
                end_ns,
            })
            .collect(),
        dropped: 0,
        core_wait: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(spans: &[(State, u64, u64)]) -> Track {
        test_track(1, spans)
    }

    #[test]
    fn each_instant_belongs_to_its_innermost_span_and_gaps_are_left_out() {
        // A task 0-10 with a lock wait 2-5 inside, then a gap, then idle 12-15
        // running past the window's end at 14.
        let t = track(&[
            (State::LockWait, 2, 5),
            (State::Task, 0, 10),
            (State::Idle, 12, 15),
        ]);
        assert_eq!(
            segments(&t, 0, 14),
            [
                (State::Task, 0, 2),
                (State::LockWait, 2, 5),
                (State::Task, 5, 10),
                (State::Idle, 12, 14),
            ]
        );
    }

    #[test]
    fn a_span_running_past_its_parent_keeps_its_own_time_once() {
        // Siblings that overlap: the later one is innermost while it lasts.
        let t = track(&[(State::Task, 0, 10), (State::Overhead, 5, 15)]);
        assert_eq!(
            segments(&t, 0, 20),
            [(State::Task, 0, 5), (State::Overhead, 5, 15)]
        );
    }
}
