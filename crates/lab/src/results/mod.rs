//! Results files read back: the results contract of DESIGN.md as an owned model,
//! checked field by field, and what is built on it — the HTML report of every run
//! ([`page`]), `compare` of two runs ([`compare`]), and `merge` of a class's runs
//! ([`merge`], written by [`pooled`]), with the lessons' reference runs
//! ([`reference`](mod@reference)) to check against.
//!
//! This is the reading side only. The files are written by the harness (see
//! [`crate::report`]); this model keeps its own types so that a file from another
//! version, a student's machine or a tampered copy is read with the same care: a
//! missing field or a wrong type is an error that names its place
//! (`rows[2].timing.median_s: invalid type: string "fast", expected f64`), never a
//! panic. Fields this model does not know are ignored: the contract lets later
//! versions add fields.

pub mod compare;
pub mod html;
pub mod merge;
pub mod page;
pub mod pooled;
pub mod reference;
pub mod source;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// Named values in the order the file gives them (tables show columns in that order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(pub Vec<(String, Value)>);

impl Fields {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// `workers=2, pool=threads`: how a row is named in messages.
    pub fn label(&self) -> String {
        if self.0.is_empty() {
            return "(no params)".into();
        }
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={}", plain(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The same fields in key order, as one string: rows of two files with equal
    /// params have equal keys, whatever order their files wrote them in.
    fn sorted_key(&self) -> String {
        let mut pairs: Vec<_> = self.0.iter().collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("\u{1f}")
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

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of named values")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    fields.push((k, v));
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(Visitor)
    }
}

/// A value as a person reads it: strings without quotes, everything else as JSON.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The machine a run was measured on (the `machine` object of a results file).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Machine {
    /// Logical cores (what `workers = "all"` meant on that machine).
    pub logical_cores: u64,
    /// `linux`, `macos`, `windows`.
    pub os: String,
    /// `x86_64`, `aarch64`.
    pub arch: String,
    /// `release`, or `debug` (whose timings say little).
    pub profile: String,
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{} logical cores · {} {} · {} build",
            self.logical_cores, self.os, self.arch, self.profile
        )
    }
}

/// The wall time of one row over its timed repeats.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Median wall time in seconds: what tables and speedups use.
    pub median_s: f64,
    /// The fastest repeat.
    pub min_s: f64,
    /// The slowest repeat.
    pub max_s: f64,
    /// How many timed repeats the median is taken over.
    pub repeats: u32,
}

impl Timing {
    /// `(max − min) / median`: how far apart the repeats were, as a fraction.
    pub fn spread(&self) -> f64 {
        if self.median_s > 0.0 {
            (self.max_s - self.min_s) / self.median_s
        } else {
            0.0
        }
    }
}

/// One row: a sweep point and what it computed and measured.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Row {
    /// The sweep point: which row this is.
    pub params: Fields,
    /// What the experiment computed (deterministic) or measured.
    pub metrics: Fields,
    /// The measured wall time, for timed rows.
    #[serde(default)]
    pub timing: Option<Timing>,
    /// Relative to the one-worker row (always measured).
    #[serde(default)]
    pub speedup: Option<f64>,
    /// Speedup per worker (always measured).
    #[serde(default)]
    pub efficiency: Option<f64>,
}

impl Row {
    /// The `workers` param, when the row has a numeric one.
    pub fn workers(&self) -> Option<f64> {
        self.params.get("workers").and_then(Value::as_f64)
    }
}

/// One results file: what one experiment produced in one run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ExperimentResults {
    /// The lesson id (`lesson-05`).
    pub lesson: String,
    /// The experiment's name in its config (names the file).
    pub experiment: String,
    /// The experiment kind that ran.
    pub kind: String,
    /// The config file, as the run named it (`configs/lesson-05.toml`).
    pub config_file: String,
    /// Whether the run used `--quick` (small sizes, one repeat).
    pub quick: bool,
    /// What it ran on.
    pub machine: Machine,
    /// One per sweep point (or variant).
    pub rows: Vec<Row>,
    /// Experiment-wide values.
    #[serde(default)]
    pub summary: Fields,
    /// Metrics and summary values that vary from run to run; every other metric is
    /// deterministic.
    #[serde(default)]
    pub measured: Vec<String>,
    /// The noise warnings the run gave (rows whose repeats spread widely, a busy
    /// machine); files written before they existed have none.
    #[serde(default)]
    pub warnings: Vec<NoiseWarning>,
}

/// One noise warning of a run (the writer's [`crate::noise::Warning`]).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct NoiseWarning {
    /// `spread`, `busy_before` or `busy_during`.
    pub kind: String,
    /// The rows it is about, by index, for `spread`.
    #[serde(default)]
    pub rows: Vec<usize>,
    /// What was seen and what to do.
    pub message: String,
}

/// Why a file is not a usable results file, in words that name the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem(pub String);

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Problem {}

impl ExperimentResults {
    /// Reads a results file from JSON text and checks it against the contract:
    /// every field present with its type (the error names the field's path), and
    /// the rules types cannot say (see [`ExperimentResults::check`]).
    pub fn parse(text: &str) -> Result<ExperimentResults, Problem> {
        let mut de = serde_json::Deserializer::from_str(text);
        let results: ExperimentResults =
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let mut message = inner.to_string();
                if message.starts_with("missing field") {
                    // Its position is the end of the object, which says nothing.
                    if let Some(at) = message.find(" at line ") {
                        message.truncate(at);
                    }
                }
                if inner.is_syntax() || inner.is_eof() {
                    Problem(format!("not valid JSON: {message}"))
                } else if path == "." {
                    Problem(message)
                } else {
                    Problem(format!("{path}: {message}"))
                }
            })?;
        de.end()
            .map_err(|e| Problem(format!("not valid JSON: {e}")))?;
        let problems = results.check();
        if let Some(first) = problems.first() {
            let more = match problems.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return Err(Problem(format!("{first}{more}")));
        }
        Ok(results)
    }

    /// Reads and checks the results file at `path`.
    pub fn load(path: &Path) -> Result<ExperimentResults, Problem> {
        let bytes = std::fs::read(path).map_err(|e| Problem(format!("cannot read it: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| Problem("not UTF-8 text".into()))?;
        ExperimentResults::parse(&text)
    }

    /// The rules of the contract that types cannot say: names not empty, timings
    /// finite with `min ≤ median ≤ max` and at least one repeat, speedups finite
    /// and not negative, params plain values.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (field, value) in [
            ("lesson", &self.lesson),
            ("experiment", &self.experiment),
            ("kind", &self.kind),
            ("config_file", &self.config_file),
        ] {
            if value.trim().is_empty() {
                problems.push(format!("{field} is empty"));
            }
        }
        if self.machine.logical_cores == 0 {
            problems.push("machine.logical_cores is 0".into());
        }
        for (i, row) in self.rows.iter().enumerate() {
            let at = |what: &str| format!("rows[{i}]{what} ({})", row.params.label());
            for (k, v) in &row.params.0 {
                if v.is_array() || v.is_object() {
                    problems.push(format!("{}: param {k} is not a plain value", at("")));
                }
            }
            if let Some(t) = row.timing {
                let values = [t.median_s, t.min_s, t.max_s];
                if values.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    problems.push(format!(
                        "{}: not a finite, non-negative time",
                        at(".timing")
                    ));
                } else if !(t.min_s <= t.median_s && t.median_s <= t.max_s) {
                    problems.push(format!(
                        "{}: min_s ≤ median_s ≤ max_s does not hold ({} · {} · {})",
                        at(".timing"),
                        t.min_s,
                        t.median_s,
                        t.max_s
                    ));
                }
                if t.repeats == 0 {
                    problems.push(format!("{}: repeats is 0", at(".timing")));
                } else if t.repeats == 1 && t.min_s != t.max_s {
                    problems.push(format!(
                        "{}: one repeat but min_s and max_s differ",
                        at(".timing")
                    ));
                }
            }
            for (name, value) in [("speedup", row.speedup), ("efficiency", row.efficiency)] {
                if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                    problems.push(format!(
                        "{}: not a finite, non-negative number",
                        at(&format!(".{name}"))
                    ));
                }
            }
        }
        problems
    }

    /// Whether `name` (a metric or summary value) is measured, not deterministic.
    pub fn is_measured(&self, name: &str) -> bool {
        self.measured.iter().any(|m| m == name)
    }

    /// `lesson-05/strong-scaling`: how the experiment is named across runs.
    pub fn id(&self) -> String {
        format!("{}/{}", self.lesson, self.experiment)
    }

    /// Every metric key of the rows, in first-seen order.
    pub fn metric_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for row in &self.rows {
            for k in row.metrics.keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys
    }

    /// Every param key of the rows, in first-seen order.
    pub fn param_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for row in &self.rows {
            for k in row.params.keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys
    }

    /// Each row with the key that matches it to the same row of another run:
    /// its params (in any order), and which occurrence of those params it is (two
    /// rows may share params, such as a measured and a simulated row).
    pub fn keyed_rows(&self) -> Vec<(RowKey, &Row)> {
        let mut seen: Vec<String> = Vec::new();
        self.rows
            .iter()
            .map(|row| {
                let params = row.params.sorted_key();
                let nth = seen.iter().filter(|s| **s == params).count();
                seen.push(params.clone());
                let mut label = row.params.label();
                if nth > 0 {
                    label.push_str(&format!(" (#{})", nth + 1));
                }
                (RowKey { params, nth, label }, row)
            })
            .collect()
    }
}

/// What matches a row of one run to the same row of another.
#[derive(Debug, Clone)]
pub struct RowKey {
    params: String,
    nth: usize,
    /// `workers=2, pool=threads`, for messages.
    pub label: String,
}

impl RowKey {
    /// Whether the row belongs to an optional part: the Python rows
    /// (`impl=python`), which a machine without Python (or with
    /// `PARLAB_PYTHON=none`) does not have. Their absence is no difference in
    /// the work; when both runs have them, they are compared like any other row.
    pub fn optional(&self) -> bool {
        self.label.split(", ").any(|param| param == "impl=python")
    }
}

impl PartialEq for RowKey {
    fn eq(&self, other: &RowKey) -> bool {
        self.params == other.params && self.nth == other.nth
    }
}

/// The rows of two runs side by side: matched rows, then the rows only one has.
pub struct Paired<'a> {
    /// Rows with the same params in both, in the first run's order.
    pub both: Vec<(RowKey, &'a Row, &'a Row)>,
    /// Rows only the first run has.
    pub only_first: Vec<RowKey>,
    /// Rows only the second run has.
    pub only_second: Vec<RowKey>,
}

/// Matches the rows of `a` and `b` by their params.
pub fn pair_rows<'a>(a: &'a ExperimentResults, b: &'a ExperimentResults) -> Paired<'a> {
    let a_rows = a.keyed_rows();
    let b_rows = b.keyed_rows();
    let mut paired = Paired {
        both: Vec::new(),
        only_first: Vec::new(),
        only_second: Vec::new(),
    };
    for (key, row) in &a_rows {
        match b_rows.iter().find(|(k, _)| k == key) {
            Some((_, other)) => paired.both.push((key.clone(), row, other)),
            None => paired.only_first.push(key.clone()),
        }
    }
    for (key, _) in &b_rows {
        if !a_rows.iter().any(|(k, _)| k == key) {
            paired.only_second.push(key.clone());
        }
    }
    paired
}

/// Whether two values of a deterministic metric are the same: integers, strings
/// and booleans exactly; non-integer numbers to a relative 1e-9, because the
/// platform's math library (`exp`, `ln`, `erfc`) may round the last bit
/// differently on another OS or CPU while the computation is the same.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                return x == y;
            }
            if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                return x == y;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// One deterministic value that two runs disagree on.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The row's label, or `summary`.
    pub row: String,
    /// The metric or summary value.
    pub metric: String,
    /// Its value in the first run (`None`: missing there).
    pub first: Option<Value>,
    /// Its value in the second run (`None`: missing there).
    pub second: Option<Value>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(missing)".into(), plain);
        write!(
            f,
            "row {}: {} is {} in one and {} in the other",
            self.row,
            self.metric,
            show(&self.first),
            show(&self.second)
        )
    }
}

/// The deterministic values of two runs compared: those equal, and those not.
#[derive(Debug, Clone, Default)]
pub struct Determinism {
    /// How many deterministic values are the same in both.
    pub equal: usize,
    /// The names of the deterministic values compared, in first-seen order.
    pub names: Vec<String>,
    /// Every deterministic value that differs or is missing on one side.
    pub mismatches: Vec<Mismatch>,
}

/// Compares every deterministic metric (and summary value) of the rows two runs
/// share. A value is deterministic unless `measured` names it; the caller says
/// which list holds (a reference run's, or both runs' lists together).
pub fn compare_deterministic(
    a: &ExperimentResults,
    b: &ExperimentResults,
    measured: &BTreeSet<String>,
) -> Determinism {
    let mut out = Determinism::default();
    let mut check = |row: &str, x: &Fields, y: &Fields| {
        let mut names: Vec<&str> = x.keys().collect();
        for k in y.keys() {
            if !names.contains(&k) {
                names.push(k);
            }
        }
        for name in names {
            if measured.contains(name) {
                continue;
            }
            if !out.names.iter().any(|n| n == name) {
                out.names.push(name.to_string());
            }
            match (x.get(name), y.get(name)) {
                (Some(v), Some(w)) if same_value(v, w) => out.equal += 1,
                (v, w) => out.mismatches.push(Mismatch {
                    row: row.to_string(),
                    metric: name.to_string(),
                    first: v.cloned(),
                    second: w.cloned(),
                }),
            }
        }
    };
    for (key, x, y) in pair_rows(a, b).both {
        check(&key.label, &x.metrics, &y.metrics);
    }
    check("summary", &a.summary, &b.summary);
    out
}

/// A results file found in a folder, or a file that could not be read as one.
#[derive(Debug)]
pub struct Found {
    /// Where it is.
    pub path: PathBuf,
    /// The results, or why the file is not a usable results file.
    pub results: Result<ExperimentResults, Problem>,
}

/// The results files of a folder: `<dir>/*.json` and `<dir>/<lesson>/*.json`, as
/// `cargo xtask run` writes them, sorted by path. Traces (`*.trace.json`) are not
/// results; the `merged/` folder that `merge` writes is skipped. A file stored as
/// `<lesson>/<experiment>.json` must say that lesson and experiment inside.
pub fn scan(dir: &Path) -> std::io::Result<Vec<Found>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "merged") {
                continue;
            }
            for inner in std::fs::read_dir(&path)? {
                let inner = inner?.path();
                if is_results_name(&inner) {
                    paths.push(inner);
                }
            }
        } else if is_results_name(&path) {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| {
            let results = ExperimentResults::load(&path).and_then(|r| {
                where_it_belongs(dir, &path, &r)?;
                Ok(r)
            });
            Found { path, results }
        })
        .collect())
}

fn is_results_name(path: &Path) -> bool {
    path.is_file()
        && path.extension().is_some_and(|e| e == "json")
        && path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.starts_with('.') && !n.ends_with(".trace.json"))
}

/// A file at `<dir>/<lesson>/<experiment>.json` must name that lesson and that
/// experiment: a file renamed or moved is a different experiment's results.
fn where_it_belongs(dir: &Path, path: &Path, r: &ExperimentResults) -> Result<(), Problem> {
    let Ok(rel) = path.strip_prefix(dir) else {
        return Ok(());
    };
    let parts: Vec<_> = rel.iter().filter_map(|p| p.to_str()).collect();
    if let [folder, file] = parts.as_slice() {
        let stem = file.trim_end_matches(".json");
        if r.lesson != *folder {
            return Err(Problem(format!(
                "says lesson \"{}\" but is stored under {folder}/",
                r.lesson
            )));
        }
        if r.experiment != stem {
            return Err(Problem(format!(
                "says experiment \"{}\" but is stored as {stem}.json",
                r.experiment
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small, valid results file; tests edit it.
    pub(crate) fn sample() -> Value {
        serde_json::json!({
            "lesson": "lesson-05", "experiment": "strong-scaling", "kind": "strong-scaling",
            "config_file": "configs/lesson-05.toml", "quick": true,
            "machine": {"logical_cores": 2, "os": "linux", "arch": "x86_64", "profile": "release"},
            "rows": [
                {"params": {"workers": 1}, "metrics": {"checksum": 42, "amdahl": 1.0},
                 "timing": {"median_s": 0.4, "min_s": 0.38, "max_s": 0.45, "repeats": 3},
                 "speedup": 1.0, "efficiency": 1.0},
                {"params": {"workers": 2}, "metrics": {"checksum": 42, "amdahl": 1.8182, "karp_flatt": 0.1},
                 "timing": {"median_s": 0.22, "min_s": 0.21, "max_s": 0.25, "repeats": 3},
                 "speedup": 1.82, "efficiency": 0.91}
            ],
            "summary": {"fitted_serial_fraction": 0.1},
            "measured": ["fitted_serial_fraction", "karp_flatt"]
        })
    }

    pub(crate) fn parse(v: &Value) -> Result<ExperimentResults, Problem> {
        ExperimentResults::parse(&v.to_string())
    }

    #[test]
    fn a_results_file_reads_back_with_its_order_and_its_measured_list() {
        let r = parse(&sample()).unwrap();
        let ordered = ExperimentResults::parse(&sample().to_string().replace(
            "\"metrics\":{\"amdahl\":1.0,\"checksum\":42}",
            "\"metrics\":{\"checksum\":42,\"amdahl\":1.0}",
        ))
        .unwrap();
        assert_eq!(ordered.metric_keys(), ["checksum", "amdahl", "karp_flatt"]);
        assert_eq!(r.metric_keys(), ["amdahl", "checksum", "karp_flatt"]);
        assert!(r.is_measured("karp_flatt") && !r.is_measured("checksum"));
        assert_eq!(r.rows[1].timing.unwrap().repeats, 3);
        assert_eq!(r.id(), "lesson-05/strong-scaling");
    }

    #[test]
    fn a_missing_field_or_a_wrong_type_is_named_by_its_path() {
        let mut v = sample();
        v.as_object_mut().unwrap().remove("machine");
        assert_eq!(parse(&v).unwrap_err().0, "missing field `machine`");

        let mut v = sample();
        v["rows"][1]["timing"]["median_s"] = "fast".into();
        let e = parse(&v).unwrap_err().0;
        assert!(
            e.starts_with("rows[1].timing.median_s: invalid type: string \"fast\""),
            "{e}"
        );

        let e = ExperimentResults::parse("{\"lesson\": ").unwrap_err().0;
        assert!(e.starts_with("not valid JSON"), "{e}");
    }

    #[test]
    fn timings_that_cannot_be_are_refused() {
        let mut v = sample();
        v["rows"][0]["timing"]["min_s"] = 0.5.into(); // above the median
        let e = parse(&v).unwrap_err().0;
        assert!(
            e.contains("rows[0].timing (workers=1): min_s ≤ median_s ≤ max_s"),
            "{e}"
        );

        let mut v = sample();
        v["rows"][1]["timing"]["repeats"] = 0.into();
        assert!(parse(&v).unwrap_err().0.contains("repeats is 0"));

        let mut v = sample();
        v["rows"][1]["speedup"] = (-1.0).into();
        assert!(parse(&v).unwrap_err().0.contains("rows[1].speedup"));
    }

    #[test]
    fn fields_the_model_does_not_know_are_allowed() {
        let mut v = sample();
        v["ledger"] = serde_json::json!({"compute_s": 1.0});
        v["rows"][0]["notes"] = "later versions add fields".into();
        assert!(parse(&v).is_ok());
    }

    #[test]
    fn rows_match_by_params_in_any_order_and_by_occurrence() {
        let mut a = sample();
        a["rows"][0]["params"] = serde_json::json!({"workers": 1, "source": "measured"});
        let mut b = a.clone();
        b["rows"][0]["params"] = serde_json::json!({"source": "measured", "workers": 1});
        let again = b["rows"][1].clone();
        b["rows"].as_array_mut().unwrap().push(again);
        let (a, b) = (parse(&a).unwrap(), parse(&b).unwrap());
        let p = pair_rows(&a, &b);
        assert_eq!(p.both.len(), 2);
        assert!(p.only_first.is_empty());
        assert_eq!(p.only_second.len(), 1);
        assert_eq!(p.only_second[0].label, "workers=2 (#2)");
    }

    #[test]
    fn deterministic_values_compare_exactly_except_for_the_last_float_bits() {
        use serde_json::json;
        assert!(same_value(
            &json!(3948047868142184244u64),
            &json!(3948047868142184244u64)
        ));
        assert!(!same_value(
            &json!(3948047868142184244u64),
            &json!(3948047868142184245u64)
        ));
        assert!(same_value(&json!(0.1 + 0.2), &json!(0.3)));
        assert!(!same_value(&json!(3.1404), &json!(3.1405)));
        assert!(!same_value(&json!(1), &json!("1")));
        assert!(same_value(&json!([1, 2.0]), &json!([1, 2.0000000000001])));
    }

    #[test]
    fn deterministic_comparison_names_row_and_metric_and_skips_measured_ones() {
        let a = parse(&sample()).unwrap();
        let mut v = sample();
        v["rows"][1]["metrics"]["checksum"] = 43.into();
        v["rows"][1]["metrics"]["karp_flatt"] = 0.9.into();
        v["summary"]["fitted_serial_fraction"] = 0.9.into();
        let b = parse(&v).unwrap();
        let measured: BTreeSet<String> = a.measured.iter().cloned().collect();
        let d = compare_deterministic(&a, &b, &measured);
        assert_eq!(d.equal, 3);
        assert_eq!(d.mismatches.len(), 1);
        assert_eq!(
            d.mismatches[0].to_string(),
            "row workers=2: checksum is 42 in one and 43 in the other"
        );
    }

    #[test]
    fn a_scanned_file_must_say_the_lesson_and_experiment_it_is_stored_as() {
        let dir = std::env::temp_dir().join(format!("lab-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("lesson-05")).unwrap();
        std::fs::create_dir_all(dir.join("merged/lesson-05")).unwrap();
        let text = sample().to_string();
        std::fs::write(dir.join("lesson-05/strong-scaling.json"), &text).unwrap();
        std::fs::write(dir.join("lesson-05/weak-scaling.json"), &text).unwrap();
        std::fs::write(dir.join("lesson-05/x.trace.json"), "[]").unwrap();
        std::fs::write(dir.join("merged/lesson-05/strong-scaling.json"), "{}").unwrap();
        let found = scan(&dir).unwrap();
        assert_eq!(found.len(), 2);
        assert!(found[0].results.is_ok());
        assert_eq!(
            found[1].results.as_ref().unwrap_err().0,
            "says experiment \"strong-scaling\" but is stored as weak-scaling.json"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
