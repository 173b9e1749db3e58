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
//! with the student and machine — which [`super::pooled`] writes as JSON, CSV,
//! plots and a page.

use super::reference::{self, References};
use super::source::run_config;
use super::{ExperimentResults, Fields, Found, Machine, Timing, scan};
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
        let written = super::super::pooled::write(&merged, &root.join("merged")).unwrap();
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
