//! Reference runs: the results a lesson's README reports, kept as results files so
//! that a student's run can be checked against them and shown beside them.
//!
//! A lesson keeps them in `lessons/<lesson>/reference/`: the JSON files of the
//! README's run (`cargo xtask run lesson-05`), copied unchanged, one per
//! experiment (`reference/strong-scaling.json`); a `--quick` run's files may sit in
//! `reference/quick/`. Each file says what it is (lesson, experiment, quick), so
//! names are only a convention. To record one:
//!
//! ```text
//! cargo xtask run lesson-05
//! mkdir -p lessons/lesson-05-amdahl-gustafson/reference
//! cp results/lesson-05/*.json lessons/lesson-05-amdahl-gustafson/reference/
//! ```
//!
//! A reference applies to a run of the same lesson, experiment, config file, kind
//! and mode (full or `--quick`). Its deterministic metrics are what every such run
//! must reproduce; its timings are one machine's, shown beside the student's.

use super::{Determinism, ExperimentResults, Problem, compare_deterministic, pair_rows};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The reference runs known to a report, a comparison or a merge.
#[derive(Debug, Default)]
pub struct References {
    /// Each reference run with the file it came from.
    pub runs: Vec<(PathBuf, ExperimentResults)>,
    /// Reference files that could not be read, with why.
    pub problems: Vec<(PathBuf, Problem)>,
}

impl References {
    /// The reference runs of every lesson: `<root>/lessons/*/reference/`.
    pub fn of_lessons(root: &Path) -> References {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("lessons"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("reference"))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        References::from_dirs(&dirs)
    }

    /// The reference runs in these folders and their subfolders (`quick/`, or a
    /// whole results folder's `<lesson>/`): every JSON file is read as one.
    pub fn from_dirs(dirs: &[PathBuf]) -> References {
        let mut refs = References::default();
        let json_in = |d: &Path| -> Vec<PathBuf> {
            std::fs::read_dir(d)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect()
        };
        for dir in dirs {
            let mut files: Vec<PathBuf> = json_in(dir)
                .into_iter()
                .flat_map(|p| if p.is_dir() { json_in(&p) } else { vec![p] })
                .filter(|p| {
                    p.is_file()
                        && p.extension().is_some_and(|e| e == "json")
                        && !p.to_string_lossy().ends_with(".trace.json")
                })
                .collect();
            files.sort();
            for path in files {
                match ExperimentResults::load(&path) {
                    Ok(r) => refs.runs.push((path, r)),
                    Err(e) => refs.problems.push((path, e)),
                }
            }
        }
        refs
    }

    /// The reference that applies to `run`, or why none does.
    pub fn for_run(&self, run: &ExperimentResults) -> Result<(&Path, &ExperimentResults), String> {
        let same: Vec<_> = self
            .runs
            .iter()
            .filter(|(_, r)| r.lesson == run.lesson && r.experiment == run.experiment)
            .collect();
        if same.is_empty() {
            return Err(format!("no reference run of {}", run.id()));
        }
        let Some((path, r)) = same.iter().find(|(_, r)| r.quick == run.quick) else {
            return Err(if run.quick {
                "the reference run is a full run, and this one is --quick".into()
            } else {
                "the reference run is a --quick run, and this one is a full run".into()
            });
        };
        if r.config_file != run.config_file {
            return Err(format!(
                "the reference ran {}, and this run {}",
                r.config_file, run.config_file
            ));
        }
        if r.kind != run.kind {
            return Err(format!(
                "the reference ran kind {}, and this run kind {}",
                r.kind, run.kind
            ));
        }
        Ok((path.as_path(), r))
    }
}

/// A run checked against its reference run.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The deterministic values of matched rows: equal, or not. What is
    /// deterministic is the reference's word, not the run's.
    pub determinism: Determinism,
    /// Rows the reference has and the run does not (optional rows, such as
    /// Python's, excepted: see [`super::RowKey::optional`]).
    pub missing_rows: Vec<String>,
    /// Rows the run has and the reference does not (a changed sweep, or
    /// `workers = "all"` on a machine with other core counts).
    pub extra_rows: Vec<String>,
    /// Values the run lists as measured that the reference holds deterministic:
    /// a file edited to hide a changed value from this check.
    pub claimed_measured: Vec<String>,
}

impl Checked {
    /// Whether the run reproduces the reference: every deterministic value equal,
    /// the same rows, and no value moved to the measured list.
    pub fn holds(&self) -> bool {
        self.determinism.mismatches.is_empty()
            && self.missing_rows.is_empty()
            && self.extra_rows.is_empty()
            && self.claimed_measured.is_empty()
    }

    /// What does not hold, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.determinism.mismatches {
            let show =
                |v: &Option<serde_json::Value>| v.as_ref().map_or("missing".into(), super::plain);
            out.push(format!(
                "{} at {} is {}, the reference run has {}",
                m.metric,
                m.row,
                show(&m.first),
                show(&m.second)
            ));
        }
        for name in &self.claimed_measured {
            out.push(format!(
                "lists {name} as measured, but the reference run holds it deterministic"
            ));
        }
        if !self.missing_rows.is_empty() {
            out.push(format!(
                "rows missing that the reference run has: {}",
                self.missing_rows.join("; ")
            ));
        }
        if !self.extra_rows.is_empty() {
            out.push(format!(
                "rows the reference run does not have: {}",
                self.extra_rows.join("; ")
            ));
        }
        out
    }
}

/// Checks `run` against `reference`: row by row (matched by params), every value
/// the reference holds deterministic must be the same.
pub fn check(run: &ExperimentResults, reference: &ExperimentResults) -> Checked {
    let measured: BTreeSet<String> = reference.measured.iter().cloned().collect();
    let paired = pair_rows(run, reference);
    let mut claimed: Vec<String> = run
        .measured
        .iter()
        .filter(|name| !measured.contains(*name))
        .filter(|name| {
            reference.summary.get(name).is_some()
                || reference.rows.iter().any(|r| r.metrics.get(name).is_some())
        })
        .cloned()
        .collect();
    claimed.dedup();
    Checked {
        determinism: compare_deterministic(run, reference, &measured),
        missing_rows: paired
            .only_second
            .into_iter()
            .filter(|k| !k.optional())
            .map(|k| k.label)
            .collect(),
        extra_rows: paired
            .only_first
            .into_iter()
            .filter(|k| !k.optional())
            .map(|k| k.label)
            .collect(),
        claimed_measured: claimed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{parse, sample};
    use super::*;

    fn refs_with(reference: serde_json::Value) -> References {
        References {
            runs: vec![("ref.json".into(), parse(&reference).unwrap())],
            problems: vec![],
        }
    }

    #[test]
    fn a_reference_applies_only_to_the_same_experiment_config_and_mode() {
        let refs = refs_with(sample());
        let run = parse(&sample()).unwrap();
        assert!(refs.for_run(&run).is_ok());

        let mut full = sample();
        full["quick"] = false.into();
        let e = refs.for_run(&parse(&full).unwrap()).unwrap_err();
        assert_eq!(
            e,
            "the reference run is a --quick run, and this one is a full run"
        );

        let mut other = sample();
        other["config_file"] = "configs/my-study.toml".into();
        let e = refs.for_run(&parse(&other).unwrap()).unwrap_err();
        assert!(e.contains("configs/my-study.toml"), "{e}");

        let mut other = sample();
        other["experiment"] = "weak-scaling".into();
        let e = refs.for_run(&parse(&other).unwrap()).unwrap_err();
        assert_eq!(e, "no reference run of lesson-05/weak-scaling");
    }

    #[test]
    fn a_run_that_reproduces_the_reference_holds_whatever_its_timings() {
        let mut run = sample();
        run["rows"][1]["timing"]["median_s"] = 0.24.into();
        run["rows"][1]["metrics"]["karp_flatt"] = 0.3.into(); // measured
        let checked = check(&parse(&run).unwrap(), &parse(&sample()).unwrap());
        assert!(checked.holds(), "{:?}", checked.problems());
        assert_eq!(checked.determinism.equal, 4);
    }

    #[test]
    fn python_rows_may_be_absent_on_either_side_but_are_checked_when_both_have_them() {
        let with_python = |checksum: u64| {
            let mut run = sample();
            for row in run["rows"].as_array_mut().unwrap() {
                row["params"]["impl"] = "rust".into();
            }
            run["rows"].as_array_mut().unwrap().push(serde_json::json!(
                {"params": {"impl": "python", "workers": 2}, "metrics": {"checksum": checksum},
                 "timing": {"median_s": 9.0, "min_s": 8.9, "max_s": 9.1, "repeats": 3}}
            ));
            run
        };
        let mut without = with_python(42);
        without["rows"].as_array_mut().unwrap().pop();
        let (with, without) = (parse(&with_python(42)).unwrap(), parse(&without).unwrap());
        // A student without Python against a reference with it, and the reverse.
        assert!(check(&without, &with).holds());
        assert!(check(&with, &without).holds());
        // Both have the row: its checksum must agree.
        let problems = check(&parse(&with_python(7)).unwrap(), &with).problems();
        assert_eq!(
            problems,
            ["checksum at impl=python, workers=2 is 7, the reference run has 42"]
        );
    }

    #[test]
    fn an_edited_checksum_a_dropped_row_and_a_value_moved_to_measured_are_caught() {
        let reference = parse(&sample()).unwrap();

        let mut run = sample();
        run["rows"][1]["metrics"]["checksum"] = 41.into();
        let problems = check(&parse(&run).unwrap(), &reference).problems();
        assert_eq!(
            problems,
            ["checksum at workers=2 is 41, the reference run has 42"]
        );

        let mut run = sample();
        run["rows"].as_array_mut().unwrap().pop();
        let problems = check(&parse(&run).unwrap(), &reference).problems();
        assert_eq!(
            problems,
            ["rows missing that the reference run has: workers=2"]
        );

        let mut run = sample();
        run["rows"][1]["metrics"]["checksum"] = 41.into();
        run["measured"] = serde_json::json!(["checksum", "fitted_serial_fraction", "karp_flatt"]);
        let problems = check(&parse(&run).unwrap(), &reference).problems();
        assert!(
            problems.contains(
                &"lists checksum as measured, but the reference run holds it deterministic"
                    .to_string()
            ) && problems
                .iter()
                .any(|p| p.starts_with("checksum at workers=2")),
            "{problems:?}"
        );
    }

    #[test]
    fn reference_files_are_found_under_each_lessons_reference_folder() {
        let root = std::env::temp_dir().join(format!("lab-refs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("lessons/lesson-05-amdahl-gustafson/reference");
        std::fs::create_dir_all(dir.join("quick")).unwrap();
        let mut full = sample();
        full["quick"] = false.into();
        std::fs::write(dir.join("strong-scaling.json"), full.to_string()).unwrap();
        std::fs::write(dir.join("quick/strong-scaling.json"), sample().to_string()).unwrap();
        std::fs::write(dir.join("broken.json"), "{").unwrap();
        let refs = References::of_lessons(&root);
        assert_eq!(refs.runs.len(), 2);
        assert_eq!(refs.problems.len(), 1);
        let run = parse(&sample()).unwrap();
        let (path, r) = refs.for_run(&run).unwrap();
        assert!(r.quick && path.ends_with("quick/strong-scaling.json"));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
