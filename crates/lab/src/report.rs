//! What an experiment produced: rows of params, metrics and timings, and how they
//! are shown (a terminal table) and kept (JSON and CSV, written atomically).
//!
//! Metrics come in two sorts. Deterministic ones (checksums, counts, model values,
//! estimates) are the same on every run and machine, and the snapshot tests hold
//! them. Measured ones (rates, latencies, scheduling counters) vary from run to run;
//! they are added with [`Row::measured`] and listed in the results file's
//! `measured` field, so tests and graders know to leave them out.

use crate::measure::Timing;
use crate::plot::Plot;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// Named values in the order they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(String, Value)>);

impl Fields {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

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
#[derive(Debug, Clone, Default, Serialize)]
pub struct Row {
    pub params: Fields,
    pub metrics: Fields,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
    #[serde(skip)]
    measured: BTreeSet<String>,
}

impl Row {
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

    /// A numeric metric (deterministic or measured).
    pub fn number(&self, key: &str) -> Option<f64> {
        self.metrics.get(key).and_then(Value::as_f64)
    }
}

/// Everything one experiment produced.
#[derive(Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Experiment-wide results (a fitted serial fraction, a total).
    pub summary: Fields,
    summary_measured: BTreeSet<String>,
    /// One line each of "what to notice", printed under the table.
    pub notes: Vec<String>,
    pub plots: Vec<Plot>,
}

impl Report {
    pub fn new() -> Report {
        Report::default()
    }

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

    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

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

/// The results file of one experiment: the results contract of DESIGN.md.
#[derive(Debug, Serialize)]
pub struct ResultsFile<'a> {
    pub lesson: &'a str,
    pub experiment: &'a str,
    pub kind: &'a str,
    pub config_file: &'a str,
    pub quick: bool,
    pub machine: &'a crate::Machine,
    pub rows: &'a [Row],
    pub summary: &'a Fields,
    /// Metrics and summary values that vary from run to run.
    pub measured: Vec<String>,
}

/// Renders rows as an aligned text table. With `redact`, every value that varies
/// between runs (timings, speedups, measured metrics) prints as `~`, so the table
/// can be snapshot-tested.
pub fn table(report: &Report, redact: bool) -> String {
    let rows = &report.rows;
    let mut header: Vec<String> = Vec::new();
    let mut add = |k: &str| {
        if !header.iter().any(|h| h == k) {
            header.push(k.to_string());
        }
    };
    rows.iter().flat_map(|r| r.params.keys()).for_each(&mut add);
    rows.iter()
        .flat_map(|r| r.metrics.keys())
        .for_each(&mut add);
    let n_named = header.len();
    let timed = rows.iter().any(|r| r.timing.is_some());
    let scaled = rows.iter().any(|r| r.speedup.is_some());
    if timed {
        header.push("time_ms".into());
        header.push("spread_%".into());
    }
    if scaled {
        header.push("speedup".into());
        header.push("efficiency".into());
    }

    let mut cells: Vec<Vec<(String, bool)>> = Vec::new(); // (text, right-aligned)
    for r in rows {
        let mut line = Vec::new();
        for key in &header[..n_named] {
            let value = r.params.get(key).or_else(|| r.metrics.get(key));
            let hide = redact && r.measured.contains(key.as_str());
            line.push(match value {
                None => (String::new(), false),
                Some(_) if hide => ("~".into(), true),
                Some(v) => (format_value(v), !v.is_string()),
            });
        }
        let hidden = |s: String| if redact { "~".to_string() } else { s };
        if timed {
            match r.timing {
                Some(t) => {
                    line.push((hidden(format_number(t.median_s * 1e3)), true));
                    let spread = (t.max_s - t.min_s) / t.median_s * 100.0;
                    line.push((hidden(format!("{spread:.0}")), true));
                }
                None => line.extend([(String::new(), true), (String::new(), true)]),
            }
        }
        if scaled {
            let f = |x: Option<f64>| x.map(|x| hidden(format!("{x:.2}"))).unwrap_or_default();
            line.push((f(r.speedup), true));
            line.push((f(r.efficiency), true));
        }
        cells.push(line);
    }

    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|l| l[i].0.chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let pad = |out: &mut String, text: &str, width: usize, right: bool| {
        let fill = width - text.chars().count();
        if right {
            let _ = write!(out, "  {}{text}", " ".repeat(fill));
        } else {
            let _ = write!(out, "  {text}{}", " ".repeat(fill));
        }
    };
    for (i, h) in header.iter().enumerate() {
        let right = cells.iter().any(|l| l[i].1);
        pad(&mut out, h, widths[i], right);
    }
    out = out.trim_end().to_string();
    out.push('\n');
    for line in &cells {
        let mut text = String::new();
        for (i, (cell, right)) in line.iter().enumerate() {
            pad(&mut text, cell, widths[i], *right);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    for (k, v) in &report.summary.0 {
        let shown = if redact && report.summary_measured.contains(k) {
            "~".into()
        } else {
            format_value(v)
        };
        let _ = writeln!(out, "  {k} = {shown}");
    }
    out
}

/// A value as a table cell: strings bare, numbers compact.
pub fn format_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_f64() => format_number(n.as_f64().unwrap_or(f64::NAN)),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Five significant digits in fixed notation for everyday magnitudes, scientific
/// notation for the very small and very large.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if !(1e-3..1e9).contains(&a) {
        format!("{x:.3e}")
    } else {
        let digits = (4 - a.log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{x:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// The rows as CSV: params, metrics, then the timing and speedup columns.
pub fn csv(report: &Report) -> String {
    let mut keys: Vec<String> = Vec::new();
    for r in &report.rows {
        for k in r.params.keys().chain(r.metrics.keys()) {
            if !keys.iter().any(|x| x == k) {
                keys.push(k.to_string());
            }
        }
    }
    let fixed = [
        "median_s",
        "min_s",
        "max_s",
        "repeats",
        "speedup",
        "efficiency",
    ];
    let mut out = keys
        .iter()
        .map(|k| csv_field(k))
        .chain(fixed.iter().map(|k| k.to_string()))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &report.rows {
        let mut line: Vec<String> = keys
            .iter()
            .map(|k| match r.params.get(k).or_else(|| r.metrics.get(k)) {
                Some(Value::String(s)) => csv_field(s),
                Some(v) => v.to_string(),
                None => String::new(),
            })
            .collect();
        let opt = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        line.push(opt(r.timing.map(|t| t.median_s)));
        line.push(opt(r.timing.map(|t| t.min_s)));
        line.push(opt(r.timing.map(|t| t.max_s)));
        line.push(r.timing.map(|t| t.repeats.to_string()).unwrap_or_default());
        line.push(opt(r.speedup));
        line.push(opt(r.efficiency));
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Held while a results file is being written: see [`stop_writes`].
static WRITES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits for a results file being written to be renamed into place, then keeps any
/// other from starting while the guard lives. A Ctrl-C handler holds it while the
/// process exits, so an interrupted run leaves whole files and no temporary ones.
pub fn stop_writes() -> std::sync::MutexGuard<'static, ()> {
    WRITES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes `contents` to `path` atomically: into a temporary file in the same
/// folder, then renamed over `path`. A reader (or a run stopped half-way) sees the
/// old file or the new one, never half of one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let _writing = WRITES.lock().unwrap_or_else(|e| e.into_inner());
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("results");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(median_s: f64) -> Timing {
        Timing {
            median_s,
            min_s: median_s,
            max_s: median_s,
            repeats: 1,
        }
    }

    #[test]
    fn speedups_are_relative_to_the_one_worker_row_with_the_same_other_params() {
        let mut r = Report::new();
        for (pool, w, secs) in [
            ("threads", 1, 4.0),
            ("threads", 2, 4.0),
            ("processes", 1, 8.0),
            ("processes", 2, 4.0),
        ] {
            r.push(
                Row::new()
                    .param("pool", pool)
                    .param("workers", w)
                    .timing(t(secs)),
            );
        }
        r.derive_speedups();
        let s: Vec<_> = r.rows.iter().map(|r| r.speedup.unwrap()).collect();
        assert_eq!(s, vec![1.0, 1.0, 1.0, 2.0]);
        assert_eq!(r.rows[3].efficiency, Some(1.0));
    }

    #[test]
    fn numbers_print_compactly() {
        assert_eq!(format_number(4.705882352941177), "4.7059");
        assert_eq!(format_number(20.0), "20");
        assert_eq!(format_number(1234.5678), "1234.6");
        assert_eq!(format_number(3.9e-6), "3.900e-6");
        assert_eq!(format_number(0.5), "0.5");
    }

    #[test]
    fn redacted_tables_hide_only_what_varies() {
        let mut r = Report::new();
        r.push(
            Row::new()
                .param("workers", 2)
                .metric("checksum", 42)
                .measured("latency_us", 17.5)
                .timing(t(0.5))
                .speedup(1.9, 0.95),
        );
        let text = table(&r, true);
        assert!(
            text.contains("42") && !text.contains("17.5") && !text.contains("1.90"),
            "{text}"
        );
        assert!(table(&r, false).contains("17.5"));
    }

    /// A report with every sort of cell: strings and numbers, a measured metric,
    /// a row without timing, a speedup, a summary.
    fn every_sort_of_cell() -> Report {
        let mut r = Report::new();
        r.push(
            Row::new()
                .param("mode", "threads")
                .param("workers", 1)
                .metric("checksum", 42)
                .metric("model", 1.0 / 3.0)
                .measured("rate", 1234.5678)
                .timing(Timing {
                    median_s: 0.25,
                    min_s: 0.2,
                    max_s: 0.3,
                    repeats: 5,
                }),
        );
        r.push(
            Row::new()
                .param("mode", "processes, 2")
                .param("workers", 2)
                .metric("checksum", 42)
                .metric("none", Value::Null)
                .timing(t(0.125)),
        );
        r.push(Row::new().param("mode", "model").metric("model", 3.9e-6));
        r.derive_speedups();
        r.summary("fitted", 0.1);
        r.summary_measured("total_s", 1.5);
        r
    }

    #[test]
    fn tables_align_columns_and_redact_what_varies() {
        let r = every_sort_of_cell();
        assert_eq!(
            table(&r, false),
            concat!(
                "  mode          workers  checksum     model    rate  none  time_ms  spread_%  speedup  efficiency\n",
                "  threads             1        42   0.33333  1234.6            250        40     1.00        1.00\n",
                "  processes, 2        2        42                       -      125         0\n",
                "  model                            3.900e-6\n",
                "  fitted = 0.1\n",
                "  total_s = 1.5\n",
            )
        );
        assert_eq!(
            table(&r, true),
            concat!(
                "  mode          workers  checksum     model  rate  none  time_ms  spread_%  speedup  efficiency\n",
                "  threads             1        42   0.33333     ~              ~         ~        ~           ~\n",
                "  processes, 2        2        42                     -        ~         ~\n",
                "  model                            3.900e-6\n",
                "  fitted = 0.1\n",
                "  total_s = ~\n",
            )
        );
    }

    #[test]
    fn csv_has_every_column_and_raw_values() {
        assert_eq!(
            csv(&every_sort_of_cell()),
            concat!(
                "mode,workers,checksum,model,rate,none,median_s,min_s,max_s,repeats,speedup,efficiency\n",
                "threads,1,42,0.3333333333333333,1234.5678,,0.25,0.2,0.3,5,1,1\n",
                "\"processes, 2\",2,42,,,null,0.125,0.125,0.125,1,,\n",
                "model,,,3.9e-6,,,,,,,,\n",
            )
        );
    }

    #[test]
    fn csv_quotes_fields_with_commas() {
        let mut r = Report::new();
        r.push(Row::new().param("mode", "a,b").metric("n", 1));
        assert_eq!(csv(&r).lines().nth(1).unwrap(), "\"a,b\",1,,,,,,");
    }

    #[test]
    fn atomic_writes_leave_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("lab-atomic-{}", std::process::id()));
        let path = dir.join("x.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
