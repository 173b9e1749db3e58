//! `merge DIR…`: a class's results pooled, for an instructor.
//!
//! Each folder is one student's `results/`. Every file in it is checked before it
//! is pooled: it must be a results file (parseable, every field with its type,
//! timings that can be), stored where its lesson and experiment say, timed in a
//! release build, from the same kind, config file and mode as the reference run
//! (or, with no reference, as most of the class), and it must reproduce every
//! deterministic value of the reference run. A file that fails is left out and
//! listed with the reason; it does not stop the merge. Two students with
//! identical timings are flagged (timings to the nanosecond never repeat).
//!
//! What passes is pooled per experiment into one table — every student's rows,
//! with the student and machine — written as JSON and CSV, and summarised on an
//! HTML page with one plot per experiment (speedup against workers, one curve per
//! kind of machine, each student a point).

use super::html::{self, escape};
use super::reference::{self, References};
use super::source::run_config;
use super::{ExperimentResults, Fields, Found, Machine, Timing, scan};
use crate::plot::{Legend, Plot, Scale, Series, Style};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a merge checks against.
pub struct Options<'a> {
    /// The lessons' reference runs.
    pub references: &'a References,
    /// The workspace root, where config files are read (to tell which experiments
    /// leave the worker count to the machine).
    pub root: &'a Path,
}

/// One student's folder.
#[derive(Debug, Clone, Serialize)]
pub struct Student {
    /// The folder's name (its parent's, for a folder named `results`).
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// The machines their files were measured on.
    pub machines: Vec<Machine>,
    /// Files pooled.
    pub pooled: usize,
    /// Files left out.
    pub left_out: usize,
}

/// A file left out of the pool, and why.
#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    /// Whose.
    pub student: String,
    /// The file, relative to the student's folder.
    pub file: String,
    /// Why, in words.
    pub reason: String,
}

/// Something an instructor should look at in a file that was pooled.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    /// Whose.
    pub student: String,
    /// The file, relative to the student's folder.
    pub file: String,
    /// What.
    pub text: String,
}

/// One student's row in a pooled table.
#[derive(Debug, Clone, Serialize)]
pub struct PooledRow {
    /// Whose.
    pub student: String,
    /// Measured on.
    pub machine: Machine,
    /// The sweep point.
    pub params: Fields,
    /// Every metric.
    pub metrics: Fields,
    /// The row's timing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    /// Its speedup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// Its efficiency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<f64>,
}

/// One experiment, pooled over the class.
#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    /// The lesson id.
    pub lesson: String,
    /// The experiment's name.
    pub experiment: String,
    /// Its kind.
    pub kind: String,
    /// The config file every pooled run ran.
    pub config_file: String,
    /// Whether the pooled runs are `--quick` runs.
    pub quick: bool,
    /// The reference run checked against, if there was one.
    pub reference: Option<PathBuf>,
    /// Measured metrics (the reference's list, else the runs').
    pub measured: Vec<String>,
    /// The students pooled, in order.
    pub students: Vec<String>,
    /// Every pooled row.
    pub rows: Vec<PooledRow>,
}

impl Pool {
    /// `lesson-05/strong-scaling`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.lesson, self.experiment)
    }
}

/// A class merged.
#[derive(Debug, Default, Serialize)]
pub struct Merged {
    /// Every folder given, in order.
    pub students: Vec<Student>,
    /// Every experiment with at least one pooled file.
    pub experiments: Vec<Pool>,
    /// Files left out, with why.
    pub left_out: Vec<LeftOut>,
    /// Pooled files an instructor should look at.
    pub warnings: Vec<Warning>,
}

struct Candidate {
    student: usize,
    file: String,
    results: ExperimentResults,
}

/// Checks and pools the results folders `dirs`, one per student.
pub fn merge(dirs: &[PathBuf], opts: &Options) -> Merged {
    let mut merged = Merged::default();
    let mut candidates: Vec<Candidate> = Vec::new();
    for dir in dirs {
        let student = merged.students.len();
        let name = student_name(dir, &merged.students);
        merged.students.push(Student {
            name: name.clone(),
            dir: dir.clone(),
            machines: Vec::new(),
            pooled: 0,
            left_out: 0,
        });
        let found = match scan(dir) {
            Ok(found) => found,
            Err(e) => {
                merged.left_out.push(LeftOut {
                    student: name,
                    file: String::new(),
                    reason: format!("cannot read the folder {}: {e}", dir.display()),
                });
                continue;
            }
        };
        if found.is_empty() {
            merged.warnings.push(Warning {
                student: name.clone(),
                file: String::new(),
                text: format!("no results files in {}", dir.display()),
            });
        }
        for Found { path, results } in found {
            let file = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            match results {
                Ok(results) => candidates.push(Candidate {
                    student,
                    file,
                    results,
                }),
                Err(problem) => merged.left_out.push(LeftOut {
                    student: name.clone(),
                    file,
                    reason: problem.0,
                }),
            }
        }
    }

    let mut ids: Vec<String> = candidates.iter().map(|c| c.results.id()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let group: Vec<&Candidate> = candidates.iter().filter(|c| c.results.id() == id).collect();
        if let Some(pool) = pool_experiment(&group, opts, &mut merged) {
            merged.experiments.push(pool);
        }
    }
    merged
        .experiments
        .sort_by_key(|p| (!p.lesson.starts_with("lesson-"), p.id()));
    // By student, in the order the folders were given, then by file.
    let names: Vec<String> = merged.students.iter().map(|s| s.name.clone()).collect();
    let order = |name: &str| names.iter().position(|n| n == name);
    merged
        .left_out
        .sort_by_key(|l| (order(&l.student), l.file.clone()));
    merged
        .warnings
        .sort_by_key(|w| (order(&w.student), w.file.clone()));

    for (i, student) in merged.students.iter_mut().enumerate() {
        student.left_out = merged
            .left_out
            .iter()
            .filter(|l| l.student == names[i])
            .count();
        student.pooled = merged
            .experiments
            .iter()
            .filter(|p| p.students.contains(&names[i]))
            .count();
        let mut machines: Vec<Machine> = candidates
            .iter()
            .filter(|c| c.student == i)
            .map(|c| c.results.machine.clone())
            .collect();
        machines.sort();
        machines.dedup();
        student.machines = machines;
    }
    merged
}

fn student_name(dir: &Path, known: &[Student]) -> String {
    let base = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut name = base(dir).unwrap_or_else(|| dir.display().to_string());
    if name == "results"
        && let Some(parent) = dir.parent().and_then(base)
    {
        name = parent;
    }
    let mut unique = name.clone();
    let mut n = 2;
    while known.iter().any(|s| s.name == unique) {
        unique = format!("{name} ({n})");
        n += 1;
    }
    unique
}

/// Checks one experiment's files and pools those that pass.
fn pool_experiment(group: &[&Candidate], opts: &Options, merged: &mut Merged) -> Option<Pool> {
    let names: Vec<String> = merged.students.iter().map(|s| s.name.clone()).collect();
    // What the class should have run: the reference's settings where there is a
    // reference, otherwise what most of the class ran.
    let mut counts: BTreeMap<(String, String, bool), usize> = BTreeMap::new();
    for c in group {
        let r = &c.results;
        *counts
            .entry((r.kind.clone(), r.config_file.clone(), r.quick))
            .or_default() += 1;
    }
    let (majority, _) = counts.iter().max_by_key(|(_, n)| **n)?;
    let first = &group[0].results;
    let references: Vec<&(PathBuf, ExperimentResults)> = opts
        .references
        .runs
        .iter()
        .filter(|(_, r)| r.id() == first.id())
        .collect();
    let reference = references
        .iter()
        .find(|(_, r)| r.quick == majority.2)
        .or_else(|| references.first())
        .map(|(p, r)| (p.clone(), r));
    let (kind, config_file, quick) = match &reference {
        Some((_, r)) => (r.kind.clone(), r.config_file.clone(), r.quick),
        None => majority.clone(),
    };
    let whose = if reference.is_some() {
        "the reference run"
    } else {
        "most of the class"
    };
    let uses_all_cores = reference
        .as_ref()
        .and_then(|(path, r)| run_config(opts.root, r, path))
        .is_some_and(|c| c.uses_all_cores);

    let mut pool = Pool {
        lesson: first.lesson.clone(),
        experiment: first.experiment.clone(),
        kind: kind.clone(),
        config_file: config_file.clone(),
        quick,
        reference: reference.as_ref().map(|(p, _)| p.clone()),
        measured: Vec::new(),
        students: Vec::new(),
        rows: Vec::new(),
    };
    let mut fingerprints: Vec<(String, String, Vec<u64>)> = Vec::new();
    for c in group {
        let r = &c.results;
        let student = names[c.student].clone();
        let leave_out = |merged: &mut Merged, reason: String| {
            merged.left_out.push(LeftOut {
                student: student.clone(),
                file: c.file.clone(),
                reason,
            });
        };
        if r.kind != kind {
            leave_out(
                merged,
                format!("ran kind {}, but {whose} ran {kind}", r.kind),
            );
            continue;
        }
        if r.config_file != config_file {
            leave_out(
                merged,
                format!("ran {}, but {whose} ran {config_file}", r.config_file),
            );
            continue;
        }
        if r.quick != quick {
            let (this, that) = if r.quick {
                ("a --quick run", "a full run")
            } else {
                ("a full run", "a --quick run")
            };
            leave_out(merged, format!("{this}, but {whose} is {that}"));
            continue;
        }
        if r.machine.profile != "release" {
            leave_out(
                merged,
                format!(
                    "timed in a {} build, whose timings say little",
                    r.machine.profile
                ),
            );
            continue;
        }
        if let Some((_, reference)) = &reference {
            let checked = reference::check(r, reference);
            if !checked.holds() {
                let mut problems = checked.problems();
                let more = problems.len().saturating_sub(3);
                problems.truncate(3);
                let mut text = problems.join("; ");
                if more > 0 {
                    let _ = write!(text, "; and {more} more");
                }
                if uses_all_cores && r.machine.logical_cores != reference.machine.logical_cores {
                    // workers = "all" is another count on this machine: the rows
                    // and some values may differ honestly. Pooled, and flagged.
                    merged.warnings.push(Warning {
                        student: student.clone(),
                        file: c.file.clone(),
                        text: format!(
                            "differs from the reference run ({text}); its config sets workers = \"all\", {} cores here and {} in the reference run, which may explain it",
                            r.machine.logical_cores, reference.machine.logical_cores
                        ),
                    });
                } else {
                    leave_out(
                        merged,
                        format!("does not reproduce the reference run: {text}"),
                    );
                    continue;
                }
            }
        }
        let timings: Vec<u64> = r
            .rows
            .iter()
            .filter_map(|row| row.timing.map(|t| t.median_s.to_bits()))
            .collect();
        if !timings.is_empty() {
            fingerprints.push((student.clone(), c.file.clone(), timings));
        }
        pool.students.push(student.clone());
        for name in &r.measured {
            if !pool.measured.contains(name) {
                pool.measured.push(name.clone());
            }
        }
        for row in &r.rows {
            pool.rows.push(PooledRow {
                student: student.clone(),
                machine: r.machine.clone(),
                params: row.params.clone(),
                metrics: row.metrics.clone(),
                timing: row.timing,
                speedup: row.speedup,
                efficiency: row.efficiency,
            });
        }
    }
    if let Some((_, reference)) = &reference {
        pool.measured = reference.measured.clone();
    }
    for (i, (a, file, t)) in fingerprints.iter().enumerate() {
        for (b, _, u) in &fingerprints[..i] {
            if t == u {
                merged.warnings.push(Warning {
                    student: a.clone(),
                    file: file.clone(),
                    text: format!(
                        "the same timings, to the nanosecond, as {b}'s file: copied results?"
                    ),
                });
            }
        }
    }
    (!pool.students.is_empty()).then_some(pool)
}

/// A machine as a curve's name: cores, OS and CPU.
fn machine_group(m: &Machine) -> String {
    format!("{} cores · {} {}", m.logical_cores, m.os, m.arch)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The pooled experiment's plot: speedup against workers where the rows have
/// both, else the median time against the first numeric param. One curve (the
/// median over students) per kind of machine and setting of the other params,
/// each student's value a point.
pub fn plot(pool: &Pool) -> Option<Plot> {
    let speedups = pool
        .rows
        .iter()
        .any(|r| r.speedup.is_some() && r.params.get("workers").and_then(|w| w.as_f64()).is_some());
    type Value = fn(&PooledRow) -> Option<f64>;
    let (x_key, y_of, y_label): (String, Value, &str) = if speedups {
        (
            "workers".into(),
            |r| r.speedup,
            "speedup (median over students)",
        )
    } else {
        let x = pool
            .rows
            .iter()
            .filter(|r| r.timing.is_some())
            .flat_map(|r| r.params.0.iter())
            .find(|(_, v)| v.is_number())
            .map(|(k, _)| k.clone())?;
        (
            x,
            |r| r.timing.map(|t| t.median_s * 1e3),
            "time, ms (median over students)",
        )
    };
    let x_of = |r: &PooledRow| r.params.get(&x_key).and_then(|v| v.as_f64());
    // Curves: kind of machine × the other params' values.
    let mut curves: BTreeMap<String, BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
    let mut points: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in &pool.rows {
        let (Some(x), Some(y)) = (x_of(r), y_of(r)) else {
            continue;
        };
        let others: Vec<String> = r
            .params
            .0
            .iter()
            .filter(|(k, _)| *k != x_key)
            .map(|(k, v)| format!("{k}={}", super::plain(v)))
            .collect();
        let mut label = machine_group(&r.machine);
        if !others.is_empty() {
            let _ = write!(label, " · {}", others.join(", "));
        }
        curves
            .entry(label.clone())
            .or_default()
            .entry(x.to_bits())
            .or_default()
            .push(y);
        points.entry(label).or_default().push((x, y));
    }
    if curves.is_empty() {
        return None;
    }
    let students_per_curve = |label: &str| {
        let mut s: Vec<&str> = pool
            .rows
            .iter()
            .filter(|r| label.starts_with(&machine_group(&r.machine)))
            .map(|r| r.student.as_str())
            .collect();
        s.sort();
        s.dedup();
        s.len()
    };
    let xs: Vec<f64> = points.values().flatten().map(|p| p.0).collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, 0f64), |(l, h), x| (l.min(*x), h.max(*x)));
    let log_x = lo > 0.0 && hi / lo >= 8.0;
    let x_scale = match (log_x, speedups) {
        (true, true) => Scale::Log2,
        (true, false) => Scale::Log10,
        _ => Scale::Linear,
    };
    let title = format!(
        "{} · {} across the class ({} student{})",
        pool.id(),
        if speedups { "speedup" } else { "time" },
        pool.students.len(),
        if pool.students.len() == 1 { "" } else { "s" }
    );
    let mut plot = Plot::new(title, x_key.replace('_', " "), y_label)
        .scales(x_scale, Scale::Linear)
        .legend(Legend::UpperLeft);
    let few = curves.len() <= 4;
    let drawn = curves.len().min(10);
    for (i, (label, by_x)) in curves.into_iter().enumerate().take(10) {
        let mut line: Vec<(f64, f64)> = by_x
            .into_iter()
            .map(|(x, mut ys)| (f64::from_bits(x), median(&mut ys)))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = students_per_curve(&label);
        plot = plot.series(
            Series::new(
                format!("{label} ({n} student{})", if n == 1 { "" } else { "s" }),
                Style::LinePoints,
                line,
            )
            .color(i),
        );
        if few {
            let each = points.remove(&label).unwrap_or_default();
            plot = plot.series(
                Series::new(format!("{label}: each student"), Style::Points, each).color(i),
            );
        }
    }
    if speedups {
        plot = plot.series(
            Series::new(
                "ideal: speedup = workers",
                Style::Dashed,
                vec![(lo, lo), (hi, hi)],
            )
            // Palette colour 2 (yellow) is faint on white: the ideal line takes
            // blue, or the first colour no curve has.
            .color(if drawn <= 3 { 3 } else { drawn }),
        );
    }
    Some(plot)
}

/// The pooled rows as CSV: student and machine, params, metrics, timing.
pub fn csv(pool: &Pool) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for r in &pool.rows {
        for k in r.params.keys().chain(r.metrics.keys()) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = ["student", "logical_cores", "os", "arch"]
        .iter()
        .map(|s| s.to_string())
        .chain(keys.iter().map(|k| field(k)))
        .chain(
            [
                "median_s",
                "min_s",
                "max_s",
                "repeats",
                "speedup",
                "efficiency",
            ]
            .map(String::from),
        )
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &pool.rows {
        let mut line = vec![
            field(&r.student),
            r.machine.logical_cores.to_string(),
            field(&r.machine.os),
            field(&r.machine.arch),
        ];
        for k in &keys {
            line.push(match r.params.get(k).or_else(|| r.metrics.get(k)) {
                Some(serde_json::Value::String(s)) => field(s),
                Some(v) => field(&v.to_string()),
                None => String::new(),
            });
        }
        let opt = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
        line.push(opt(r.timing.map(|t| t.median_s)));
        line.push(opt(r.timing.map(|t| t.min_s)));
        line.push(opt(r.timing.map(|t| t.max_s)));
        line.push(r.timing.map_or(String::new(), |t| t.repeats.to_string()));
        line.push(opt(r.speedup));
        line.push(opt(r.efficiency));
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Writes the merge into `out`: `index.html`, `merge.json` (students, files left
/// out, warnings), and per experiment `<lesson>/<experiment>.json`, `.csv` and,
/// where there is something to plot, `.svg`. Returns the files written.
pub fn write(merged: &Merged, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context as _;
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut plots: Vec<Option<String>> = Vec::new();
    for pool in &merged.experiments {
        let dir = out.join(&pool.lesson);
        let mut json = serde_json::to_string_pretty(pool)?;
        json.push('\n');
        files.push((
            dir.join(format!("{}.json", pool.experiment)),
            json.into_bytes(),
        ));
        files.push((
            dir.join(format!("{}.csv", pool.experiment)),
            csv(pool).into_bytes(),
        ));
        let svg = match plot(pool) {
            Some(p) => Some(
                p.to_svg()
                    .with_context(|| format!("drawing the plot of {}", pool.id()))?,
            ),
            None => None,
        };
        if let Some(svg) = &svg {
            files.push((
                dir.join(format!("{}.svg", pool.experiment)),
                svg.clone().into_bytes(),
            ));
        }
        plots.push(svg);
    }
    #[derive(Serialize)]
    struct Index<'a> {
        students: &'a [Student],
        left_out: &'a [LeftOut],
        warnings: &'a [Warning],
        experiments: Vec<String>,
    }
    let mut json = serde_json::to_string_pretty(&Index {
        students: &merged.students,
        left_out: &merged.left_out,
        warnings: &merged.warnings,
        experiments: merged.experiments.iter().map(Pool::id).collect(),
    })?;
    json.push('\n');
    files.push((out.join("merge.json"), json.into_bytes()));
    files.push((out.join("index.html"), page(merged, &plots).into_bytes()));
    for (path, bytes) in &files {
        crate::report::write_atomic(path, bytes)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The class page: students, files left out with why, then per experiment the
/// pooled table (median and range over students) and its plot.
pub fn page(merged: &Merged, plots: &[Option<String>]) -> String {
    let mut body = String::new();
    let pooled_files: usize = merged.experiments.iter().map(|p| p.students.len()).sum();
    let _ = write!(
        body,
        "<header>\n<h1>parlab · class results</h1>\n\
         <p class=\"intro\">{} student folder{}: {pooled_files} results files pooled into {} experiment{}, \
         {} left out{}. Each file was checked against the results contract and every deterministic value \
         against the lesson's reference run; a file that fails is left out and listed below.</p>\n\
         <p class=\"key\"><span class=\"m\">≈ measured</span> values pooled over students: median, and the range (min–max) across them.</p>\n</header>\n",
        merged.students.len(),
        if merged.students.len() == 1 { "" } else { "s" },
        merged.experiments.len(),
        if merged.experiments.len() == 1 {
            ""
        } else {
            "s"
        },
        merged.left_out.len(),
        if merged.warnings.is_empty() {
            String::new()
        } else {
            format!(
                ", {} warning{}",
                merged.warnings.len(),
                if merged.warnings.len() == 1 { "" } else { "s" }
            )
        },
    );

    body.push_str("<nav class=\"contents\">\n<h2>Contents</h2>\n<ol>\n<li><a href=\"#students\">Students</a></li>\n");
    let _ = writeln!(
        body,
        "<li><a href=\"#left-out\">Left out ({}) and warnings ({})</a></li>",
        merged.left_out.len(),
        merged.warnings.len()
    );
    let mut lessons: Vec<&str> = merged
        .experiments
        .iter()
        .map(|p| p.lesson.as_str())
        .collect();
    lessons.dedup();
    for lesson in &lessons {
        let _ = write!(
            body,
            "<li><a href=\"#{}\">{}</a>\n<ol>\n",
            html::anchor(&[lesson]),
            escape(lesson)
        );
        for p in merged.experiments.iter().filter(|p| p.lesson == *lesson) {
            let _ = writeln!(
                body,
                "<li><a href=\"#{}\">{}</a> <span class=\"muted\">({} student{})</span></li>",
                html::anchor(&[&p.lesson, &p.experiment]),
                escape(&p.experiment),
                p.students.len(),
                if p.students.len() == 1 { "" } else { "s" }
            );
        }
        body.push_str("</ol>\n</li>\n");
    }
    body.push_str("</ol>\n</nav>\n");

    body.push_str(
        "<section id=\"students\">\n<h2>Students</h2>\n<div class=\"table-wrap\">\n<table>\n<thead><tr>\
         <th class=\"p\">student</th><th class=\"p\">machine</th><th>experiments pooled</th><th>files left out</th></tr></thead>\n<tbody>\n",
    );
    for s in &merged.students {
        let machines: Vec<String> = s.machines.iter().map(|m| m.to_string()).collect();
        let bad = if s.left_out > 0 { " class=\"bad\"" } else { "" };
        let _ = writeln!(
            body,
            "<tr><td class=\"p\">{}</td><td class=\"p\">{}</td><td>{}</td><td{bad}>{}</td></tr>",
            escape(&s.name),
            escape(&machines.join("; ")),
            s.pooled,
            s.left_out
        );
    }
    body.push_str("</tbody>\n</table>\n</div>\n</section>\n");

    body.push_str("<section id=\"left-out\">\n<h2>Left out</h2>\n");
    if merged.left_out.is_empty() {
        body.push_str("<p>Every file passed its checks.</p>\n");
    } else {
        body.push_str(
            "<div class=\"table-wrap\">\n<table>\n<thead><tr><th class=\"p\">student</th><th class=\"p\">file</th>\
             <th class=\"p\">why it is left out</th></tr></thead>\n<tbody>\n",
        );
        for l in &merged.left_out {
            let _ = writeln!(
                body,
                "<tr><td class=\"p\">{}</td><td class=\"p\"><code>{}</code></td><td class=\"p text\">{}</td></tr>",
                escape(&l.student),
                escape(&l.file),
                escape(&l.reason)
            );
        }
        body.push_str("</tbody>\n</table>\n</div>\n");
    }
    if !merged.warnings.is_empty() {
        body.push_str("<h3>Warnings (pooled, worth a look)</h3>\n<ul class=\"problems\">\n");
        for w in &merged.warnings {
            let _ = writeln!(
                body,
                "<li>{} <code>{}</code>: {}</li>",
                escape(&w.student),
                escape(&w.file),
                escape(&w.text)
            );
        }
        body.push_str("</ul>\n");
    }
    body.push_str("</section>\n");

    for lesson in &lessons {
        let _ = writeln!(
            body,
            "<section class=\"lesson\" id=\"{}\">\n<h2>{}</h2>",
            html::anchor(&[lesson]),
            escape(lesson)
        );
        for (p, svg) in merged
            .experiments
            .iter()
            .zip(plots)
            .filter(|(p, _)| p.lesson == *lesson)
        {
            experiment(&mut body, p, svg.as_deref());
        }
        body.push_str("</section>\n");
    }
    html::page("parlab · class results", &body)
}

fn experiment(out: &mut String, p: &Pool, svg: Option<&str>) {
    let _ = write!(
        out,
        "<section class=\"experiment\" id=\"{}\" data-experiment=\"{}\">\n<h3>{}{}</h3>\n",
        html::anchor(&[&p.lesson, &p.experiment]),
        escape(&p.id()),
        escape(&p.experiment),
        if p.quick {
            " <span class=\"badge quick\">quick</span>"
        } else {
            ""
        }
    );
    let reference = match &p.reference {
        Some(path) => format!(
            "<span class=\"badge ok\">checked against the reference run</span> <code>{}</code>",
            escape(&path.display().to_string())
        ),
        None => {
            "<span class=\"badge none\">no reference run</span> deterministic values not checked"
                .into()
        }
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">kind <code>{}</code> · <code>{}</code> · {} student{} · {reference} · \
         every student's rows: <code>{}/{}.csv</code>, <code>.json</code></p>",
        escape(&p.kind),
        escape(&p.config_file),
        p.students.len(),
        if p.students.len() == 1 { "" } else { "s" },
        escape(&p.lesson),
        escape(&p.experiment)
    );

    // Rows grouped by kind of machine and params, with the median and range of
    // each measured quantity over the students.
    type Group<'a> = (String, &'a Fields, Vec<&'a PooledRow>);
    let mut groups: Vec<Group> = Vec::new();
    for r in &p.rows {
        let machine = machine_group(&r.machine);
        match groups
            .iter_mut()
            .find(|(m, params, _)| *m == machine && **params == r.params)
        {
            Some(g) => g.2.push(r),
            None => groups.push((machine, &r.params, vec![r])),
        }
    }
    let params: Vec<&str> = {
        let mut keys: Vec<&str> = Vec::new();
        for r in &p.rows {
            for k in r.params.keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys
    };
    type Quantity = (String, fn(&PooledRow, &str) -> Option<f64>);
    let mut quantities: Vec<Quantity> = Vec::new();
    if p.rows.iter().any(|r| r.timing.is_some()) {
        quantities.push(("time_ms".into(), |r, _| r.timing.map(|t| t.median_s * 1e3)));
    }
    if p.rows.iter().any(|r| r.speedup.is_some()) {
        quantities.push(("speedup".into(), |r, _| r.speedup));
        quantities.push(("efficiency".into(), |r, _| r.efficiency));
    }
    for m in &p.measured {
        if p.rows
            .iter()
            .any(|r| r.metrics.get(m).is_some_and(|v| v.is_number()))
        {
            quantities.push((m.clone(), |r, k| r.metrics.get(k).and_then(|v| v.as_f64())));
        }
    }
    if quantities.is_empty() {
        let _ = writeln!(
            out,
            "<p>Nothing measured to pool: every value of this experiment is deterministic, and each pooled file reproduces the reference.</p>"
        );
    } else {
        out.push_str(
            "<div class=\"table-wrap\">\n<table>\n<thead><tr><th class=\"p\">machine</th>",
        );
        for k in &params {
            out.push_str(&html::header(k, "p", ""));
        }
        out.push_str("<th>students</th>");
        for (k, _) in &quantities {
            out.push_str(&html::header(k, "m", "≈"));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (machine, params_of, rows) in &groups {
            let _ = write!(out, "<tr><td class=\"p\">{}</td>", escape(machine));
            for k in &params {
                let _ = write!(
                    out,
                    "<td class=\"p\">{}</td>",
                    params_of.get(k).map_or(String::new(), html::value)
                );
            }
            let _ = write!(out, "<td>{}</td>", rows.len());
            for (k, get) in &quantities {
                let mut values: Vec<f64> = rows.iter().filter_map(|r| get(r, k)).collect();
                if values.is_empty() {
                    out.push_str("<td class=\"m\"></td>");
                    continue;
                }
                // Speedup and efficiency to two decimals, as every table shows them.
                let show = |x: f64| match k.as_str() {
                    "speedup" | "efficiency" => format!("{x:.2}"),
                    _ => html::number(x),
                };
                let (lo, hi) = values
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                        (l.min(*v), h.max(*v))
                    });
                let mid = median(&mut values);
                let range = if values.len() > 1 {
                    format!("<span class=\"ref\">{} – {}</span>", show(lo), show(hi))
                } else {
                    String::new()
                };
                let _ = write!(out, "<td class=\"m\">{}{range}</td>", show(mid));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }
    if let Some(svg) = svg.and_then(html::inline_svg) {
        let _ = writeln!(
            out,
            "<figure class=\"plot\">\n{svg}\n<figcaption>{}/{}.svg</figcaption>\n</figure>",
            escape(&p.lesson),
            escape(&p.experiment)
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    fn student(root: &Path, name: &str, edit: impl Fn(&mut serde_json::Value)) -> PathBuf {
        let dir = root.join(name).join("results");
        std::fs::create_dir_all(dir.join("lesson-05")).unwrap();
        let mut v = sample();
        edit(&mut v);
        std::fs::write(dir.join("lesson-05/strong-scaling.json"), v.to_string()).unwrap();
        dir
    }

    #[test]
    fn bad_files_are_left_out_with_their_reason_and_the_rest_is_pooled() {
        let root = std::env::temp_dir().join(format!("lab-merge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let refs = References {
            runs: vec![(
                "ref.json".into(),
                super::super::tests::parse(&sample()).unwrap(),
            )],
            problems: vec![],
        };
        let dirs = vec![
            student(&root, "ada", |_| {}),
            student(&root, "bo", |v| {
                v["rows"][1]["timing"]["median_s"] = 0.23.into()
            }),
            student(&root, "cy", |v| {
                v["rows"][1]["metrics"]["checksum"] = 7.into()
            }),
            student(&root, "di", |v| v["machine"]["profile"] = "debug".into()),
            student(&root, "ed", |v| v["kind"] = "weak-scaling".into()),
            student(&root, "fay", |v| {
                v.as_object_mut().unwrap().remove("rows").map(drop).unwrap()
            }),
            student(&root, "gus", |v| {
                v["rows"][1]["timing"]["median_s"] = 0.23.into()
            }),
        ];
        std::fs::write(dirs[0].join("lesson-05/broken.json"), "{\"lesson\": ").unwrap();
        let merged = merge(
            &dirs,
            &Options {
                references: &refs,
                root: &root,
            },
        );
        let reasons: Vec<(String, String, String)> = merged
            .left_out
            .iter()
            .map(|l| (l.student.clone(), l.file.clone(), l.reason.clone()))
            .collect();
        let expect = |student: &str, start: &str| {
            assert!(
                reasons
                    .iter()
                    .any(|(s, _, r)| s == student && r.starts_with(start)),
                "{student}: no reason starting {start:?} in {reasons:#?}"
            )
        };
        expect("ada", "not valid JSON");
        expect(
            "cy",
            "does not reproduce the reference run: checksum at workers=2 is 7, the reference run has 42",
        );
        expect("di", "timed in a debug build");
        expect(
            "ed",
            "ran kind weak-scaling, but the reference run ran strong-scaling",
        );
        expect("fay", "missing field `rows`");
        assert_eq!(merged.left_out.len(), 5);
        let pool = &merged.experiments[0];
        assert_eq!(pool.students, ["ada", "bo", "gus"]);
        assert_eq!(pool.rows.len(), 6);
        assert!(
            merged
                .warnings
                .iter()
                .any(|w| w.student == "gus" && w.text.contains("as bo's file")),
            "{:?}",
            merged.warnings
        );
        let written = write(&merged, &root.join("merged")).unwrap();
        assert!(
            written
                .iter()
                .any(|p| p.ends_with("lesson-05/strong-scaling.svg"))
        );
        let page = std::fs::read_to_string(root.join("merged/index.html")).unwrap();
        assert_eq!(
            super::super::page::tests::check_page(&page),
            ["lesson-05/strong-scaling"]
        );
        assert!(page.contains("ran kind weak-scaling, but the reference run ran strong-scaling"));
        let csv =
            std::fs::read_to_string(root.join("merged/lesson-05/strong-scaling.csv")).unwrap();
        assert_eq!(csv.lines().count(), 7);
        assert!(
            csv.starts_with(
                "student,logical_cores,os,arch,workers,amdahl,checksum,karp_flatt,median_s"
            ),
            "{csv}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
