//! The data of a report: [`Fields`], [`Row`] and [`Report`], and nothing about
//! how they are shown.
//!
//! A run function builds a [`Report`] row by row; the harness then derives
//! speedups ([`Report::derive_speedups`]) and hands the report to the renderers
//! (the table, the CSV) and to the results file. The JSON shape of a row is its
//! serde derive here, so the results contract of DESIGN.md is read off this file.

use crate::measure::Timing;
use crate::plot::Plot;
use crate::trace::Ledger;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// Named values in the order they were added: a row's params or metrics, or a
/// report's summary. Serialized as a JSON object in that order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(String, Value)>);

impl Fields {
    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`: replaced in place if already set, appended otherwise.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

    /// The keys, in the order they were added.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// One row of results: a sweep point (or one variant of it) and what it measured.
///
/// A row has params and metrics, then optional parts: its timing, its speedup
/// and efficiency. A new per-row part is a field here (its JSON follows from the
/// serde derive) and an entry in [`PARTS`](super::columns::PARTS) (its table and
/// CSV columns follow from that).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Row {
    /// What makes this row this point: the swept keys and any variant names.
    pub params: Fields,
    /// What the experiment computed or measured at this point.
    pub metrics: Fields,
    /// The wall time of the timed runs, for timed rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    /// `T1 / Tp` against the one-worker row (see [`Report::derive_speedups`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// Speedup per worker, `S / p`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    /// Why this row's timing says less than it seems (its repeats spread more
    /// than [`SPREAD_LIMIT`](crate::noise::SPREAD_LIMIT)); set by the harness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<String>,
    /// What the student predicted for this row (`[experiment.predict]`), by
    /// quantity: `{"speedup": 1.8}`. Absent when nothing was predicted for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted: Option<Fields>,
    /// Where `workers × wall` went in the row's traced run: only with tracing
    /// on (see [`crate::trace`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ledger: Option<Ledger>,
    /// The metrics that vary from run to run (see [`Row::measured`]).
    #[serde(skip)]
    measured: BTreeSet<String>,
}

impl Row {
    /// An empty row.
    pub fn new() -> Row {
        Row::default()
    }

    /// Adds a parameter (a column that says which point this row is).
    pub fn param(mut self, key: &str, value: impl Into<Value>) -> Row {
        self.params.set(key, value);
        self
    }

    /// Adds a deterministic metric: the same on every run and machine.
    pub fn metric(mut self, key: &str, value: impl Into<Value>) -> Row {
        self.metrics.set(key, value);
        self
    }

    /// Adds a measured metric: it varies from run to run (a rate, a latency, a count
    /// that depends on scheduling).
    pub fn measured(mut self, key: &str, value: impl Into<Value>) -> Row {
        self.metrics.set(key, value);
        self.measured.insert(key.to_string());
        self
    }

    /// Sets the row's timing (from [`Ctx::measure`](crate::Ctx::measure)).
    pub fn timing(mut self, timing: Timing) -> Row {
        self.timing = Some(timing);
        self
    }

    /// Sets the speedup and efficiency explicitly (otherwise the harness derives
    /// them from the one-worker row, see [`Report::derive_speedups`]).
    pub fn speedup(mut self, speedup: f64, efficiency: f64) -> Row {
        self.speedup = Some(speedup);
        self.efficiency = Some(efficiency);
        self
    }

    /// The `workers` parameter, when the row has one.
    pub fn workers(&self) -> Option<u64> {
        self.params.get("workers").and_then(Value::as_u64)
    }

    /// The value under the named column `key`: a param, or else a metric.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.params.get(key).or_else(|| self.metrics.get(key))
    }

    /// A numeric metric (deterministic or measured).
    pub fn number(&self, key: &str) -> Option<f64> {
        self.metrics.get(key).and_then(Value::as_f64)
    }

    /// Whether the metric `key` was added with [`Row::measured`].
    pub fn is_measured(&self, key: &str) -> bool {
        self.measured.contains(key)
    }
}

/// Everything one experiment produced.
#[derive(Debug, Default)]
pub struct Report {
    /// The rows, in the order the run function pushed them.
    pub rows: Vec<Row>,
    /// Experiment-wide results (a fitted serial fraction, a total).
    pub summary: Fields,
    summary_measured: BTreeSet<String>,
    /// One line each of "what to notice", printed under the table.
    pub notes: Vec<String>,
    /// Charts, each written as an SVG file beside the results.
    pub plots: Vec<Plot>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Report {
        Report::default()
    }

    /// Adds a row.
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// A deterministic experiment-wide value.
    pub fn summary(&mut self, key: &str, value: impl Into<Value>) {
        self.summary.set(key, value);
    }

    /// A measured experiment-wide value.
    pub fn summary_measured(&mut self, key: &str, value: impl Into<Value>) {
        self.summary.set(key, value);
        self.summary_measured.insert(key.to_string());
    }

    /// Whether the summary value `key` was added with [`Report::summary_measured`].
    pub fn is_summary_measured(&self, key: &str) -> bool {
        self.summary_measured.contains(key)
    }

    /// Adds a line of "what to notice".
    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// Adds a chart.
    pub fn plot(&mut self, plot: Plot) {
        self.plots.push(plot);
    }

    /// The names of every measured metric and summary value.
    pub fn measured_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self.summary_measured.clone();
        for row in &self.rows {
            names.extend(row.measured.iter().cloned());
        }
        names.into_iter().collect()
    }

    /// Fills `speedup` and `efficiency` on timed rows that have a `workers` param
    /// and no speedup yet: relative to the row with one worker and otherwise the
    /// same params (`T1 / Tp`, and `S / p`).
    pub fn derive_speedups(&mut self) {
        let baselines: Vec<(Fields, f64)> = self
            .rows
            .iter()
            .filter(|r| r.workers() == Some(1))
            .filter_map(|r| Some((others(&r.params), r.timing?.median_s)))
            .collect();
        for row in &mut self.rows {
            let (Some(p), Some(t), None) = (row.workers(), row.timing, row.speedup) else {
                continue;
            };
            let key = others(&row.params);
            if let Some((_, t1)) = baselines.iter().find(|(k, _)| *k == key) {
                let s = t1 / t.median_s;
                row.speedup = Some(s);
                row.efficiency = Some(s / p as f64);
            }
        }

        fn others(params: &Fields) -> Fields {
            Fields(
                params
                    .0
                    .iter()
                    .filter(|(k, _)| k != "workers")
                    .cloned()
                    .collect(),
            )
        }
    }
}
