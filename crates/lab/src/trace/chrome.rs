//! The Chrome trace-event format: what Perfetto (ui.perfetto.dev) and
//! `chrome://tracing` open.
//!
//! One JSON object, `{"traceEvents": [...], "displayTimeUnit": "ms"}`. Each
//! traced row is a "process" in the viewer (named by its label and params),
//! and each thread or worker process of that row one of its tracks; each span
//! is a complete event (`"ph": "X"`) with its start `ts` and duration `dur` in
//! µs from the start of the row's traced run. Names come from metadata events
//! (`"ph": "M"`). A track whose buffer was full says how many spans it dropped
//! in its name and in `otherData.dropped_spans`; spans past
//! [`MAX_EVENTS_PER_TRACK`] on one track are counted in
//! `otherData.spans_left_out_of_this_file` instead of written.
//! `otherData.rows` holds each row's traced wall time.

use super::Capture;

/// The most spans of one track written to the file: a viewer stays quick, and
/// the file stays under a few tens of MB. The ledger counts every span.
const MAX_EVENTS_PER_TRACK: usize = 50_000;
use serde_json::{Value, json};

/// The trace-event JSON of `rows`: each a name (the row's params) and its capture.
pub fn chrome_trace(rows: &[(String, &Capture)]) -> Value {
    let mut events = Vec::new();
    let mut dropped = 0;
    let mut truncated = 0;
    for (r, (name, capture)) in rows.iter().enumerate() {
        let pid = r + 1;
        events.push(json!({
            "ph": "M", "name": "process_name", "ts": 0, "pid": pid, "tid": 0,
            "args": {"name": format!("{name} · {}", capture.label)},
        }));
        events.push(json!({
            "ph": "M", "name": "process_sort_index", "ts": 0, "pid": pid, "tid": 0,
            "args": {"sort_index": pid},
        }));
        let us = |ns: u64| ns.saturating_sub(capture.start_ns) as f64 / 1e3;
        for (t, track) in capture.working_tracks().into_iter().enumerate() {
            let tid = t + 1;
            dropped += track.dropped;
            let mut thread = track.name.clone();
            if track.dropped > 0 {
                thread.push_str(&format!(" ({} spans dropped)", track.dropped));
            }
            events.push(json!({
                "ph": "M", "name": "thread_name", "ts": 0, "pid": pid, "tid": tid,
                "args": {"name": thread},
            }));
            events.push(json!({
                "ph": "M", "name": "thread_sort_index", "ts": 0, "pid": pid, "tid": tid,
                "args": {"sort_index": tid},
            }));
            let mut shown = 0;
            for span in &track.spans {
                if shown == MAX_EVENTS_PER_TRACK {
                    truncated += 1;
                    continue;
                }
                let (start, end) = (
                    span.start_ns.max(capture.start_ns),
                    span.end_ns.min(capture.end_ns),
                );
                if start >= end {
                    continue;
                }
                shown += 1;
                events.push(json!({
                    "ph": "X", "name": span.state.name(), "cat": span.state.name(),
                    "ts": us(start), "dur": (end - start) as f64 / 1e3,
                    "pid": pid, "tid": tid,
                }));
            }
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "dropped_spans": dropped,
            "spans_left_out_of_this_file": truncated,
            "rows": rows.iter().map(|(name, c)| json!({
                "name": name, "wall_s": c.wall_s(),
            })).collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Span, State, Track};
    use super::*;
    use crate::measure::Timing;

    #[test]
    fn every_event_has_the_fields_viewers_need() {
        let capture = Capture {
            label: "workers = 2".into(),
            covers: crate::trace::Covers::Timed(Timing::from_durations(&[
                std::time::Duration::from_millis(1),
            ])),
            workers: None,
            start_ns: 1_000,
            end_ns: 11_000,
            tracks: vec![Track {
                name: "pool-worker-0".into(),
                pid: 7,
                tid: 3,
                spans: vec![
                    Span {
                        state: State::Task,
                        start_ns: 2_000,
                        end_ns: 5_000,
                    },
                    Span {
                        state: State::Idle,
                        start_ns: 0,
                        end_ns: 2_000,
                    },
                ],
                dropped: 4,
                core_wait: None,
            }],
        };
        let v = chrome_trace(&[("workers=2".into(), &capture)]);
        let events = v["traceEvents"].as_array().unwrap();
        for e in events {
            for key in ["ph", "ts", "pid", "tid"] {
                assert!(e.get(key).is_some(), "{key} missing in {e}");
            }
        }
        let spans: Vec<_> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0]["ts"], 1.0);
        assert_eq!(spans[0]["dur"], 3.0);
        assert_eq!(spans[1]["dur"], 1.0, "clipped to the traced run");
        assert_eq!(v["otherData"]["dropped_spans"], 4);
    }
}
