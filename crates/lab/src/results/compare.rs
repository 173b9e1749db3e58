//! `compare A B`: two runs side by side, and which differences are noise.
//!
//! Experiments are matched by lesson and name, rows by their params. For each
//! matched row: the ratio B/A of the median times and of every measured metric,
//! with a verdict — *noise* when the two runs' repeats overlap (the slowest repeat
//! of the faster run is slower than the fastest repeat of the slower one), *beyond
//! noise* when they do not, and *unknown* when a side ran once and has no spread
//! to judge by. A measured metric has no repeats of its own; the row's timing
//! spread stands in for its spread (rates and per-task costs come from those
//! same timed runs). Every deterministic metric must be equal for the same params:
//! one that differs is an error that names the file, the row and the metric.

use super::{
    Determinism, ExperimentResults, Found, Problem, Row, Timing, compare_deterministic, pair_rows,
    plain,
};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a difference between the two runs amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The values are identical.
    Same,
    /// Within the spread of the repeats: jitter, not a difference.
    Noise,
    /// Outside the spread of both runs' repeats: a real difference.
    Beyond,
    /// A side has one timed run (or none), so there is no spread to judge by.
    Unknown,
    /// A non-numeric measured value that differs (an order, a label).
    Differs,
}

impl Verdict {
    fn words(self, ratio: Option<f64>, time: bool) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Noise => "noise: within the repeats' spread",
            Verdict::Beyond => match (time, ratio.is_some_and(|r| r > 1.0)) {
                (true, true) => "slower: beyond the repeats' spread",
                (true, false) => "faster: beyond the repeats' spread",
                (false, true) => "higher: beyond the repeats' spread",
                (false, false) => "lower: beyond the repeats' spread",
            },
            Verdict::Unknown => "unknown: no spread to judge by",
            Verdict::Differs => "differs",
        }
    }
}

/// One measured quantity of one row, in both runs.
#[derive(Debug, Clone)]
pub struct Line {
    /// The row's params (`workers=2`), or `summary`.
    pub row: String,
    /// `time_ms`, or the measured metric's name.
    pub what: String,
    /// The value in A, as shown.
    pub a: String,
    /// The value in B, as shown.
    pub b: String,
    /// B / A, for numbers.
    pub ratio: Option<f64>,
    /// Noise or not.
    pub verdict: Verdict,
}

/// One experiment in both runs.
#[derive(Debug, Clone)]
pub struct Pair {
    /// `lesson-05/strong-scaling`.
    pub id: String,
    /// Its file in A.
    pub file_a: PathBuf,
    /// Its file in B.
    pub file_b: PathBuf,
    /// A's machine and mode, in words.
    pub machine_a: String,
    /// B's machine and mode, in words.
    pub machine_b: String,
    /// Every measured quantity, row by row.
    pub lines: Vec<Line>,
    /// The deterministic values: how many are equal, and which differ.
    pub determinism: Determinism,
    /// Rows only A has.
    pub rows_only_a: Vec<String>,
    /// Rows only B has.
    pub rows_only_b: Vec<String>,
    /// What may explain differences (other config files, `workers = "all"` on
    /// machines of other core counts).
    pub notes: Vec<String>,
}

/// Two runs compared.
#[derive(Debug, Default)]
pub struct Comparison {
    /// The experiments both have.
    pub pairs: Vec<Pair>,
    /// Experiments only A has.
    pub only_a: Vec<String>,
    /// Experiments only B has.
    pub only_b: Vec<String>,
    /// Experiments both have that cannot be compared, with why (another kind, or
    /// one run `--quick` and the other not).
    pub not_comparable: Vec<(String, String)>,
    /// Files that are not usable results files, with why.
    pub unreadable: Vec<(PathBuf, Problem)>,
}

/// The results files of `path`: the file itself, or every results file of a
/// folder (see [`super::scan`]).
pub fn load(path: &Path) -> std::io::Result<Vec<Found>> {
    if path.is_dir() {
        super::scan(path)
    } else if path.exists() {
        Ok(vec![Found {
            path: path.to_path_buf(),
            results: ExperimentResults::load(path),
        }])
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} does not exist", path.display()),
        ))
    }
}

/// Compares the results files of two runs.
pub fn compare(a: Vec<Found>, b: Vec<Found>) -> Comparison {
    let mut out = Comparison::default();
    let mut readable = |found: Vec<Found>| -> Vec<(PathBuf, ExperimentResults)> {
        found
            .into_iter()
            .filter_map(|f| match f.results {
                Ok(r) => Some((f.path, r)),
                Err(e) => {
                    out.unreadable.push((f.path, e));
                    None
                }
            })
            .collect()
    };
    let a = readable(a);
    let b = readable(b);
    // Two single files are compared whatever they are named.
    let single = a.len() == 1 && b.len() == 1;
    for (path_a, ra) in &a {
        let Some((path_b, rb)) = b.iter().find(|(_, rb)| single || rb.id() == ra.id()) else {
            out.only_a.push(ra.id());
            continue;
        };
        if let Some(why) = incomparable(ra, rb) {
            out.not_comparable.push((ra.id(), why));
            continue;
        }
        out.pairs.push(pair(path_a, ra, path_b, rb));
    }
    for (_, rb) in &b {
        if !single && !a.iter().any(|(_, ra)| ra.id() == rb.id()) {
            out.only_b.push(rb.id());
        }
    }
    out
}

fn incomparable(a: &ExperimentResults, b: &ExperimentResults) -> Option<String> {
    if a.id() != b.id() {
        return Some(format!("A is {} and B is {}", a.id(), b.id()));
    }
    if a.kind != b.kind {
        return Some(format!("A ran kind {} and B kind {}", a.kind, b.kind));
    }
    if a.quick != b.quick {
        let (q, f) = if a.quick { ("A", "B") } else { ("B", "A") };
        return Some(format!(
            "{q} is a --quick run and {f} a full one: their sizes differ"
        ));
    }
    None
}

fn mode(r: &ExperimentResults) -> String {
    format!("{}{}", r.machine, if r.quick { " · quick" } else { "" })
}

fn pair(path_a: &Path, a: &ExperimentResults, path_b: &Path, b: &ExperimentResults) -> Pair {
    let measured: BTreeSet<String> = a.measured.iter().chain(&b.measured).cloned().collect();
    let paired = pair_rows(a, b);
    let mut lines = Vec::new();
    for (key, x, y) in &paired.both {
        if let (Some(tx), Some(ty)) = (x.timing, y.timing) {
            lines.push(time_line(&key.label, tx, ty));
        }
        for (name, vx) in &x.metrics.0 {
            if !measured.contains(name) {
                continue;
            }
            if let Some(vy) = y.metrics.get(name) {
                lines.push(metric_line(&key.label, name, vx, vy, x, y));
            }
        }
    }
    for (name, vx) in &a.summary.0 {
        if let (true, Some(vy)) = (measured.contains(name), b.summary.get(name)) {
            let none = Row {
                params: Default::default(),
                metrics: Default::default(),
                timing: None,
                speedup: None,
                efficiency: None,
            };
            lines.push(metric_line("summary", name, vx, vy, &none, &none));
        }
    }
    let mut notes = Vec::new();
    if a.config_file != b.config_file {
        notes.push(format!(
            "A ran {} and B {}: other settings may explain a deterministic difference",
            a.config_file, b.config_file
        ));
    }
    if a.machine.logical_cores != b.machine.logical_cores {
        notes.push(format!(
            "A's machine has {} logical cores and B's {}: a workers = \"all\" setting means another count on each",
            a.machine.logical_cores, b.machine.logical_cores
        ));
    }
    Pair {
        id: a.id(),
        file_a: path_a.to_path_buf(),
        file_b: path_b.to_path_buf(),
        machine_a: mode(a),
        machine_b: mode(b),
        lines,
        determinism: compare_deterministic(a, b, &measured),
        rows_only_a: paired.only_first.into_iter().map(|k| k.label).collect(),
        rows_only_b: paired.only_second.into_iter().map(|k| k.label).collect(),
        notes,
    }
}

fn time_line(row: &str, a: Timing, b: Timing) -> Line {
    let ratio = ratio(a.median_s, b.median_s);
    let verdict = if a.median_s == b.median_s {
        Verdict::Same
    } else if a.repeats < 2 || b.repeats < 2 {
        Verdict::Unknown
    } else if a.min_s <= b.max_s && b.min_s <= a.max_s {
        Verdict::Noise
    } else {
        Verdict::Beyond
    };
    Line {
        row: row.to_string(),
        what: "time_ms".into(),
        a: super::html::number(a.median_s * 1e3),
        b: super::html::number(b.median_s * 1e3),
        ratio,
        verdict,
    }
}

fn metric_line(
    row: &str,
    name: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
    row_a: &Row,
    row_b: &Row,
) -> Line {
    let show = |v: &serde_json::Value| match v.as_f64() {
        Some(x) if v.is_f64() => super::html::number(x),
        _ => plain(v),
    };
    let (ratio, verdict) = match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => {
            let r = ratio(x, y);
            let verdict = if x == y {
                Verdict::Same
            } else {
                match (row_a.timing, row_b.timing) {
                    (Some(ta), Some(tb)) if ta.repeats >= 2 && tb.repeats >= 2 => {
                        // The row's timing spread stands in for the metric's.
                        let spread = ta.spread().max(tb.spread());
                        let change = (y - x).abs() / x.abs().max(y.abs());
                        if change <= spread {
                            Verdict::Noise
                        } else {
                            Verdict::Beyond
                        }
                    }
                    _ => Verdict::Unknown,
                }
            };
            (r, verdict)
        }
        _ if super::same_value(a, b) => (None, Verdict::Same),
        _ => (None, Verdict::Differs),
    };
    Line {
        row: row.to_string(),
        what: name.to_string(),
        a: show(a),
        b: show(b),
        ratio,
        verdict,
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (a != 0.0 && a.is_finite() && b.is_finite()).then(|| b / a)
}

impl Comparison {
    /// Every deterministic value that differs, as `(pair, mismatch)`.
    pub fn deterministic_differences(&self) -> usize {
        self.pairs
            .iter()
            .map(|p| p.determinism.mismatches.len())
            .sum()
    }

    /// The comparison as a person reads it: a table per experiment, a summary
    /// line, and one `error:` line per deterministic value that differs.
    pub fn text(&self, a: &str, b: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "compare  A = {a}\n         B = {b}");
        let mut counts = [0usize; 5];
        for p in &self.pairs {
            let _ = writeln!(out, "\n── {} ──", p.id);
            if p.machine_a == p.machine_b {
                let _ = writeln!(out, "  both: {}", p.machine_a);
            } else {
                let _ = writeln!(out, "  A: {}\n  B: {}", p.machine_a, p.machine_b);
            }
            for l in &p.lines {
                counts[l.verdict as usize] += 1;
            }
            if p.lines.iter().any(|l| l.verdict != Verdict::Same) {
                let header = ["row", "value", "A", "B", "B/A", "verdict"];
                let cells: Vec<[String; 6]> = p
                    .lines
                    .iter()
                    .filter(|l| l.verdict != Verdict::Same)
                    .map(|l| {
                        [
                            l.row.clone(),
                            l.what.clone(),
                            l.a.clone(),
                            l.b.clone(),
                            l.ratio.map_or("".into(), |r| format!("{r:.2}")),
                            l.verdict.words(l.ratio, l.what == "time_ms").to_string(),
                        ]
                    })
                    .collect();
                let width = |i: usize| {
                    cells
                        .iter()
                        .map(|c| c[i].chars().count())
                        .chain([header[i].len()])
                        .max()
                        .unwrap_or(0)
                };
                let widths: Vec<usize> = (0..6).map(width).collect();
                let line = |c: [&str; 6]| {
                    let mut s = String::from(" ");
                    for (i, text) in c.iter().enumerate() {
                        let pad = widths[i] - text.chars().count();
                        if (2..5).contains(&i) {
                            s.push_str(&format!(" {}{text}", " ".repeat(pad)));
                        } else if i == 5 {
                            s.push_str(&format!(" {text}"));
                        } else {
                            s.push_str(&format!(" {text}{}", " ".repeat(pad)));
                        }
                    }
                    s.trim_end().to_string()
                };
                let _ = writeln!(out, "{}", line(header));
                for c in &cells {
                    let _ = writeln!(out, "{}", line([&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]));
                }
            }
            let d = &p.determinism;
            let names = d
                .names
                .iter()
                .take(6)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = if d.names.len() > 6 { ", …" } else { "" };
            if d.names.is_empty() {
                let _ = writeln!(out, "  deterministic: none in both");
            } else if d.mismatches.is_empty() {
                let _ = writeln!(
                    out,
                    "  deterministic: all {} values equal ({names}{more})",
                    d.equal
                );
            } else {
                let _ = writeln!(
                    out,
                    "  deterministic: {} equal, {} DIFFER ({names}{more})",
                    d.equal,
                    d.mismatches.len()
                );
            }
            if !p.rows_only_a.is_empty() {
                let _ = writeln!(out, "  rows only in A: {}", p.rows_only_a.join("; "));
            }
            if !p.rows_only_b.is_empty() {
                let _ = writeln!(out, "  rows only in B: {}", p.rows_only_b.join("; "));
            }
            for note in &p.notes {
                let _ = writeln!(out, "  note: {note}");
            }
        }
        out.push('\n');
        for (id, why) in &self.not_comparable {
            let _ = writeln!(out, "not compared: {id}: {why}");
        }
        if !self.only_a.is_empty() {
            let _ = writeln!(out, "only in A: {}", self.only_a.join(", "));
        }
        if !self.only_b.is_empty() {
            let _ = writeln!(out, "only in B: {}", self.only_b.join(", "));
        }
        let equal: usize = self.pairs.iter().map(|p| p.determinism.equal).sum();
        let differ = self.deterministic_differences();
        let _ = writeln!(
            out,
            "{} experiment{} compared · measured values: {} within noise, {} beyond it, {} unknown (one timed run, or no timing), {} identical (not listed) · deterministic: {equal} equal, {differ} differ{}",
            self.pairs.len(),
            if self.pairs.len() == 1 { "" } else { "s" },
            counts[Verdict::Noise as usize],
            counts[Verdict::Beyond as usize],
            counts[Verdict::Unknown as usize],
            counts[Verdict::Same as usize],
            if differ > 0 { " (errors below)" } else { "" },
        );
        out
    }

    /// One line per problem, for stderr: every deterministic value that differs
    /// (file, row and metric) and every file that could not be read.
    pub fn errors(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.pairs {
            for m in &p.determinism.mismatches {
                let show =
                    |v: &Option<serde_json::Value>| v.as_ref().map_or("missing".into(), plain);
                out.push(format!(
                    "{}, row {}: deterministic metric {} differs: {} in A ({}), {} in B ({})",
                    p.id,
                    m.row,
                    m.metric,
                    show(&m.first),
                    p.file_a.display(),
                    show(&m.second),
                    p.file_b.display()
                ));
            }
        }
        for (path, problem) in &self.unreadable {
            out.push(format!("cannot read {}: {problem}", path.display()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    fn found(v: &serde_json::Value, path: &str) -> Vec<Found> {
        vec![Found {
            path: path.into(),
            results: ExperimentResults::parse(&v.to_string()),
        }]
    }

    #[test]
    fn overlapping_repeats_are_noise_and_separate_ones_are_not() {
        let a = sample();
        let mut b = sample();
        // workers=1: 0.38..0.45 against 0.40..0.47 overlap; workers=2: 0.21..0.25
        // against 0.30..0.33 do not.
        b["rows"][0]["timing"] =
            serde_json::json!({"median_s": 0.42, "min_s": 0.40, "max_s": 0.47, "repeats": 3});
        b["rows"][1]["timing"] =
            serde_json::json!({"median_s": 0.31, "min_s": 0.30, "max_s": 0.33, "repeats": 3});
        let c = compare(found(&a, "a.json"), found(&b, "b.json"));
        assert_eq!(c.pairs.len(), 1);
        let verdicts: Vec<_> = c.pairs[0]
            .lines
            .iter()
            .map(|l| (l.row.as_str(), l.what.as_str(), l.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("workers=1", "time_ms", Verdict::Noise),
                ("workers=2", "time_ms", Verdict::Beyond),
                ("workers=2", "karp_flatt", Verdict::Same),
                ("summary", "fitted_serial_fraction", Verdict::Same),
            ]
        );
        assert_eq!(c.deterministic_differences(), 0);
        let text = c.text("a", "b");
        assert!(
            text.contains("slower: beyond the repeats' spread"),
            "{text}"
        );
    }

    #[test]
    fn one_timed_run_has_no_spread_to_judge_by() {
        let mut a = sample();
        a["rows"][1]["timing"] =
            serde_json::json!({"median_s": 0.2, "min_s": 0.2, "max_s": 0.2, "repeats": 1});
        let mut b = a.clone();
        b["rows"][1]["timing"] =
            serde_json::json!({"median_s": 0.3, "min_s": 0.3, "max_s": 0.3, "repeats": 1});
        b["rows"][1]["metrics"]["karp_flatt"] = 0.2.into();
        let c = compare(found(&a, "a.json"), found(&b, "b.json"));
        let l: Vec<_> = c.pairs[0]
            .lines
            .iter()
            .filter(|l| l.row == "workers=2")
            .collect();
        assert_eq!(l[0].verdict, Verdict::Unknown);
        assert!((l[0].ratio.unwrap() - 1.5).abs() < 1e-12);
        assert_eq!(
            (l[1].what.as_str(), l[1].verdict),
            ("karp_flatt", Verdict::Unknown)
        );
    }

    #[test]
    fn a_measured_metric_within_the_rows_timing_spread_is_noise() {
        let a = sample(); // workers=2 spread (0.25-0.21)/0.22 = 18%
        let mut b = sample();
        b["rows"][1]["metrics"]["karp_flatt"] = 0.11.into(); // 9% off
        let c = compare(found(&a, "a.json"), found(&b, "b.json"));
        let l = c.pairs[0]
            .lines
            .iter()
            .find(|l| l.what == "karp_flatt")
            .unwrap();
        assert_eq!(l.verdict, Verdict::Noise);
        b["rows"][1]["metrics"]["karp_flatt"] = 0.2.into(); // 50% off
        let c = compare(found(&a, "a.json"), found(&b, "b.json"));
        let l = c.pairs[0]
            .lines
            .iter()
            .find(|l| l.what == "karp_flatt")
            .unwrap();
        assert_eq!(l.verdict, Verdict::Beyond);
    }

    #[test]
    fn an_edited_checksum_is_an_error_naming_file_row_and_metric() {
        let a = sample();
        let mut b = sample();
        b["rows"][1]["metrics"]["checksum"] = 43.into();
        let c = compare(
            found(&a, "a/strong-scaling.json"),
            found(&b, "b/strong-scaling.json"),
        );
        assert_eq!(c.deterministic_differences(), 1);
        assert_eq!(
            c.errors(),
            [
                "lesson-05/strong-scaling, row workers=2: deterministic metric checksum differs: 42 in A (a/strong-scaling.json), 43 in B (b/strong-scaling.json)"
            ]
        );
        assert!(c.text("a", "b").contains("3 equal, 1 DIFFER"));
    }

    #[test]
    fn a_quick_run_is_not_compared_with_a_full_one() {
        let a = sample();
        let mut b = sample();
        b["quick"] = false.into();
        let c = compare(found(&a, "a.json"), found(&b, "b.json"));
        assert!(c.pairs.is_empty());
        assert_eq!(
            c.not_comparable,
            [(
                "lesson-05/strong-scaling".to_string(),
                "A is a --quick run and B a full one: their sizes differ".to_string()
            )]
        );
    }
}
