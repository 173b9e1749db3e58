//! What a traced experiment adds: a ledger on each traced row, then
//! `<experiment>.trace.json` (Chrome trace-event format, for Perfetto) and
//! `<experiment>.timeline.svg` beside its results.

use crate::report::{Report, write_atomic};
use crate::trace::{Capture, Ledger, chrome_trace};
use anyhow::Context as _;
use std::path::{Path, PathBuf};

/// Gives each timed row whose measurement was traced its ledger, and notes
/// dropped spans and ledgers that had to be scaled. Returns, per traced row,
/// its index and its capture.
pub fn attach<'a>(report: &mut Report, captures: &'a [Capture]) -> Vec<(usize, &'a Capture)> {
    let mut traced = Vec::new();
    let mut dropped = 0;
    let mut worst_excess: f64 = 0.0;
    for (i, row) in report.rows.iter_mut().enumerate() {
        let Some(timing) = row.timing else { continue };
        // A row's timing is the one its measurement returned.
        let Some(capture) = captures.iter().rev().find(|c| c.timing == timing) else {
            continue;
        };
        if capture.working_tracks().is_empty() {
            continue; // nothing of the runtime ran: no ledger to draw up
        }
        let workers = row
            .workers()
            .map(|w| w as f64)
            .unwrap_or_else(|| capture.working_tracks().len().max(1) as f64);
        let ledger = Ledger::of(capture, workers);
        worst_excess = worst_excess.max(ledger.excess);
        dropped += capture.dropped();
        row.ledger = Some(ledger);
        traced.push((i, capture));
    }
    if !traced.is_empty() {
        report.note("ledger: task/ser/ovh/lock/idle_% = where workers × wall went in the traced run (task, serial part, encoding and moving bytes, waiting for the lock, idle); lost = workers − speedup split into the same causes");
    }
    if worst_excess > 0.005 {
        report.note(format!(
            "ledger: the recorded spans exceeded workers × wall by up to {:.1}% (more threads than workers: a helping caller, a process pool's parent); those parts were scaled down to fit and idle set to 0",
            worst_excess * 100.0
        ));
    }
    if dropped > 0 {
        report.note(format!(
            "trace: {dropped} spans were dropped because a thread's buffer was full; the ledger and the timeline miss them"
        ));
    }
    traced
}

/// A row's name in trace files: its params, `key=value` joined by spaces.
fn row_name(report: &Report, i: usize) -> String {
    report.rows[i]
        .params
        .0
        .iter()
        .map(|(k, v)| match v.as_str() {
            Some(s) => format!("{k}={s}"),
            None => format!("{k}={v}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes `<name>.trace.json` (every traced row) and `<name>.timeline.svg`
/// (the traced rows with the most workers) into `dir`.
pub fn write_files(
    dir: &Path,
    name: &str,
    report: &Report,
    traced: &[(usize, &Capture)],
) -> anyhow::Result<Vec<PathBuf>> {
    if traced.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, &Capture)> = traced
        .iter()
        .map(|&(i, c)| (row_name(report, i), c))
        .collect();
    let mut json = serde_json::to_string(&chrome_trace(&rows))?;
    json.push('\n');
    let most = traced
        .iter()
        .filter_map(|&(i, _)| report.rows[i].workers())
        .max();
    let chosen: Vec<(String, &Capture)> = traced
        .iter()
        .filter(|&&(i, _)| most.is_none() || report.rows[i].workers() == most)
        .map(|&(i, c)| (row_name(report, i), c))
        .collect();
    let title = match most {
        Some(w) => format!("{name}: where the time went, {w} workers"),
        None => format!("{name}: where the time went"),
    };
    let svg = crate::timeline::timeline_svg(&title, &chosen)?;
    let files = [
        (dir.join(format!("{name}.trace.json")), json.into_bytes()),
        (dir.join(format!("{name}.timeline.svg")), svg.into_bytes()),
    ];
    for (path, bytes) in &files {
        write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
