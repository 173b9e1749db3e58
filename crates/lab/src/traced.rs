//! What a traced experiment adds: a ledger on each traced row, then
//! `<experiment>.trace.json` (Chrome trace-event format, for Perfetto; every
//! traced run) and `<experiment>.timeline.svg` (the runs of the rows the
//! experiment's `timeline = { ... }` or `--timeline` names, by default those
//! with the most workers) beside its results.

use crate::report::{Report, Row, write_atomic};
use crate::trace::{Capture, Ledger, chrome_trace};
use anyhow::Context as _;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Gives each row whose run was traced its ledger (a timed row, the traced
/// run after its measurement; rows that came out of one run together, that
/// run's), and notes dropped spans and ledgers that had to be scaled.
/// Returns, per traced row, its index and its capture.
pub fn attach<'a>(report: &mut Report, captures: &'a [Capture]) -> Vec<(usize, &'a Capture)> {
    let mut traced = Vec::new();
    let mut dropped = 0;
    let mut worst_excess: f64 = 0.0;
    let mut counted: Vec<*const Capture> = Vec::new();
    for (i, row) in report.rows.iter_mut().enumerate() {
        // The latest capture of the row (a timed row's timing is the one its
        // measurement returned).
        let Some(capture) = captures
            .iter()
            .rev()
            .find(|c| c.covers.covers(&row.params.0, row.timing))
        else {
            continue;
        };
        if capture.working_tracks().is_empty() {
            continue; // nothing of the runtime ran: no ledger to draw up
        }
        let workers = row
            .workers()
            .or(capture.workers.map(|w| w as u64))
            .map(|w| w as f64)
            .unwrap_or_else(|| capture.working_tracks().len().max(1) as f64);
        let ledger = Ledger::of(capture, workers);
        worst_excess = worst_excess.max(ledger.excess);
        if !counted.contains(&std::ptr::from_ref(capture)) {
            counted.push(std::ptr::from_ref(capture));
            dropped += capture.dropped();
        }
        row.ledger = Some(ledger);
        traced.push((i, capture));
    }
    if !traced.is_empty() {
        report.note("ledger: task/ser/ovh/lock/idle_% = where workers × wall went in the traced run (task, serial part, encoding and moving bytes, waiting for the lock, idle); lost = workers − speedup split into the same causes");
    }
    let most_waited = report
        .rows
        .iter()
        .filter_map(|r| r.ledger)
        .map(|l| l.core_wait_share())
        .fold(0.0, f64::max);
    if most_waited >= Ledger::CORE_WAIT_SHOWN {
        report.note(format!(
            "core_wait_% = of the task time, the share workers were ready to run but waiting for a core (up to {:.0}% here): with more runnable threads than this machine's {} cores they take turns, and the ledger counts the turns as task time",
            most_waited * 100.0,
            crate::measure::logical_cores()
        ));
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
    params_name(&report.rows[i].params.0)
}

fn params_name(params: &[(String, Value)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{k}={}", shown(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shown(v: &Value) -> String {
    match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_string(),
    }
}

/// Which traced rows an experiment's timeline draws.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimelineRows {
    /// Param name → the values a drawn row may have (`timeline = { workers =
    /// [1, 4] }` in the experiment, or `--timeline workers=1,4`): a row is
    /// drawn when its params match every entry. Empty: the rows with the most
    /// workers.
    pub select: Vec<(String, Vec<Value>)>,
    /// The experiment's keys that are set rather than swept: a row that does
    /// not carry one of them as a param has this value.
    pub fixed: Vec<(String, Value)>,
}

impl TimelineRows {
    /// Whether `row` is one the selection names.
    pub fn matches(&self, row: &Row) -> bool {
        self.select.iter().all(|(key, wanted)| {
            let got = row
                .params
                .get(key)
                .or_else(|| self.fixed.iter().find(|(k, _)| k == key).map(|(_, v)| v));
            got.is_some_and(|got| wanted.iter().any(|w| same(w, got)))
        })
    }

    /// `workers=1,4 pool=processes`: the selection as a title or a note says it.
    pub fn label(&self) -> String {
        self.select
            .iter()
            .map(|(k, values)| {
                let values: Vec<String> = values.iter().map(shown).collect();
                format!("{k}={}", values.join(","))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Two param values as a config and a row give them: numbers by value (`2`
/// is `2.0`), the rest as written.
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Every traced run once, with the rows it is the traced run of (a timed row
/// has a run of its own; the rows of one untimed run share it).
fn runs<'a>(traced: &[(usize, &'a Capture)]) -> Vec<(Vec<usize>, &'a Capture)> {
    let mut runs: Vec<(Vec<usize>, &Capture)> = Vec::new();
    for &(i, capture) in traced {
        match runs.iter_mut().find(|(_, c)| std::ptr::eq(*c, capture)) {
            Some((rows, _)) => rows.push(i),
            None => runs.push((vec![i], capture)),
        }
    }
    runs
}

/// A run's name in trace files: its row's params, or the params its rows share.
fn run_name(report: &Report, rows: &[usize]) -> String {
    if let [one] = rows {
        return row_name(report, *one);
    }
    let first = &report.rows[rows[0]].params.0;
    let shared: Vec<(String, Value)> = first
        .iter()
        .filter(|(k, v)| {
            rows.iter()
                .all(|&i| report.rows[i].params.get(k) == Some(v))
        })
        .cloned()
        .collect();
    params_name(&shared)
}

/// Writes `<name>.trace.json` (every traced run) and `<name>.timeline.svg`
/// (the runs of the rows `choice` selects, by default those with the most
/// workers) into `dir`. Returns the files and, when the selection matched no
/// traced row, a note that says so (the timeline then draws the default).
pub fn write_files(
    dir: &Path,
    name: &str,
    report: &Report,
    traced: &[(usize, &Capture)],
    choice: &TimelineRows,
) -> anyhow::Result<(Vec<PathBuf>, Option<String>)> {
    if traced.is_empty() {
        return Ok((Vec::new(), None));
    }
    let runs = runs(traced);
    let named: Vec<(String, &Capture)> = runs
        .iter()
        .map(|(rows, c)| (run_name(report, rows), *c))
        .collect();
    let mut json = serde_json::to_string(&chrome_trace(&named))?;
    json.push('\n');

    let mut note = None;
    let mut drawn: Vec<usize> = Vec::new();
    if !choice.select.is_empty() {
        drawn = (0..runs.len())
            .filter(|&r| runs[r].0.iter().any(|&i| choice.matches(&report.rows[i])))
            .collect();
    }
    let title = if drawn.is_empty() {
        let most = traced
            .iter()
            .filter_map(|&(i, _)| report.rows[i].workers())
            .max();
        drawn = (0..runs.len())
            .filter(|&r| {
                most.is_none() || runs[r].0.iter().any(|&i| report.rows[i].workers() == most)
            })
            .collect();
        if !choice.select.is_empty() {
            let traced_rows: Vec<String> =
                traced.iter().map(|&(i, _)| row_name(report, i)).collect();
            note = Some(format!(
                "timeline: no traced row has {}, so it draws the default, the rows with the most workers (traced rows: {})",
                choice.label(),
                traced_rows.join("; ")
            ));
        }
        match most {
            Some(w) => format!("{name}: where the time went, {w} workers"),
            None => format!("{name}: where the time went"),
        }
    } else {
        format!("{name}: where the time went, {}", choice.label())
    };
    let chosen: Vec<(String, &Capture)> = drawn.iter().map(|&r| named[r].clone()).collect();
    let svg = crate::timeline::timeline_svg(&title, &chosen)?;
    let files = [
        (dir.join(format!("{name}.trace.json")), json.into_bytes()),
        (dir.join(format!("{name}.timeline.svg")), svg.into_bytes()),
    ];
    for (path, bytes) in &files {
        write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok((files.into_iter().map(|(p, _)| p).collect(), note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_row_matches_every_entry_by_its_params_or_the_experiments_fixed_keys() {
        let row = Row::new()
            .param("impl", "rust")
            .param("pool", "processes")
            .param("chunksize", 1);
        let choice = |select: Vec<(&str, Vec<Value>)>| TimelineRows {
            select: select
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            fixed: vec![("workers".into(), json!(2))],
        };
        let chosen = choice(vec![
            ("pool", vec![json!("processes")]),
            ("chunksize", vec![json!(1.0), json!(1000)]),
        ]);
        assert!(chosen.matches(&row));
        assert_eq!(chosen.label(), "pool=processes chunksize=1.0,1000");
        assert!(!choice(vec![("pool", vec![json!("threads")])]).matches(&row));
        // The row has no `workers`: the experiment set it to 2 for every row.
        assert!(choice(vec![("workers", vec![json!(2)])]).matches(&row));
        assert!(!choice(vec![("workers", vec![json!(4)])]).matches(&row));
        assert!(!choice(vec![("seed", vec![json!(1)])]).matches(&row));
    }
}
