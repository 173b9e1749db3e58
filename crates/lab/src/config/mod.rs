//! Loading an experiment config: TOML text to checked, typed experiments.
//!
//! Everything is checked before anything runs: the lesson, every experiment's
//! name and kind, every key against the kind's params, every sweep point and every
//! `[experiment.quick]` override, typed and range-checked. The first problem is a
//! [`ConfigError`] that names `file:line:col`, quotes the line, and says what was
//! expected; the driver exits with code 2 and writes nothing.
//!
//! One module per part of the file, each holding its keys and its messages:
//!
//! | module | reads |
//! |---|---|
//! | `top` | the top-level keys and `lesson` |
//! | `run` | `[run]`: `repeats`, `warmup`, `python`, `python_timeout_s`, `trace` |
//! | `experiment` | each `[[experiment]]`: `name`, `kind`, `python`, the kind's keys |
//! | `timeline` | an experiment's `timeline`: the rows a traced run's timeline draws |
//! | `sweep` | `[experiment.sweep]` |
//! | `quick` | `[experiment.quick]` |
//! | `points` | every point of an experiment, against its kind's params |
//!
//! Under them: `source` (the text, spans to locations, typed reads) and
//! `error` (the message's layout). Checking costs one parse of the TOML and one
//! deserialization per sweep point: microseconds for any config a person writes.

mod error;
mod experiment;
mod points;
mod predict;
mod quick;
mod run;
mod source;
mod sweep;
mod timeline;
mod top;

pub use error::{ConfigError, Location};
pub use experiment::Experiment;
pub use timeline::Selection;

use crate::kind::Lesson;
use crate::measure::Repeats;
use source::{Source, get};
use std::path::{Path, PathBuf};
use toml::de::DeTable;

/// A checked config, ready to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file, as the user named it (for messages).
    pub file: String,
    /// The lesson id it names.
    pub lesson: String,
    /// Warm-up and timed runs per point, from `[run]`.
    pub plan: Repeats,
    /// `[run] python`: the interpreter of the Python rows (see [`crate::python`]).
    pub python: Option<String>,
    /// `[run] python_timeout_s`: a Python script running longer is killed.
    pub python_timeout_s: Option<u32>,
    /// `[run] trace`: trace every run, as `--trace` does (see [`crate::trace`]).
    pub trace: bool,
    /// The experiments, in the order written.
    pub experiments: Vec<Experiment>,
}

/// Reads and checks a config file against the lessons it may name.
pub fn load(path: &Path, shown_as: &str, lessons: &[Lesson]) -> Result<Config, ConfigError> {
    let bare = |message: String, help: Vec<String>| ConfigError {
        file: shown_as.to_string(),
        at: None,
        message,
        help,
    };
    if path.is_dir() {
        return Err(bare(
            "is a directory, not a config file".into(),
            vec!["name a .toml file, e.g. configs/lesson-05.toml".into()],
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        bare(
            format!("cannot read the config: {e}"),
            vec!["run `cargo xtask list` for the lessons; their configs are in configs/".into()],
        )
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let src = String::from_utf8_lossy(&e.into_bytes()[..good]).into_owned();
            let c = Source {
                file: shown_as,
                src: &src,
            };
            return Err(c.error(
                good..good + 1,
                "the file is not UTF-8 text".into(),
                vec!["a config is a TOML text file; save it as UTF-8".into()],
            ));
        }
    };
    parse(&text, shown_as, lessons)
}

/// Checks config text (see [`load`]).
pub fn parse(src: &str, file: &str, lessons: &[Lesson]) -> Result<Config, ConfigError> {
    let c = Source { file, src };
    if src.trim().is_empty() {
        return Err(ConfigError {
            file: file.into(),
            at: None,
            message: "the config is empty".into(),
            help: vec!["a config needs `lesson = \"lesson-05\"` and at least one [[experiment]] (see configs/)".into()],
        });
    }
    let doc = DeTable::parse(src).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        c.error(
            span,
            format!("TOML syntax: {}", e.message().trim_end()),
            vec![],
        )
    })?;
    let root = doc.get_ref();
    let lesson = top::read(&c, root, lessons)?;
    let run = run::read(&c, get(root, "run"))?;
    let experiments = experiment::read_all(&c, get(root, "experiment"), lesson)?;
    Ok(Config {
        file: file.to_string(),
        lesson: lesson.id.to_string(),
        plan: run.plan,
        python: run.python,
        python_timeout_s: run.python_timeout_s,
        trace: run.trace,
        experiments,
    })
}

/// Whether the rows of `experiment` carry every param `selection` names:
/// `--timeline` applies to those experiments of a run, and the others keep
/// their own timeline.
pub fn timeline_applies(experiment: &Experiment, lesson: &Lesson, selection: &Selection) -> bool {
    let kind = lesson
        .kind(&experiment.kind)
        .expect("a checked experiment names a kind of its lesson");
    let names = crate::kind::row_param_names(kind);
    selection.iter().all(|(k, _)| names.contains(&k.as_str()))
}

/// Checks a timeline selection given on the command line (`--timeline`)
/// against `experiment`, as its own `timeline = { ... }` is checked; `Err`
/// says what is wrong and what would do, one line each.
pub fn check_timeline(
    experiment: &Experiment,
    lesson: &Lesson,
    selection: &Selection,
) -> Result<(), String> {
    let kind = lesson
        .kind(&experiment.kind)
        .expect("a checked experiment names a kind of its lesson");
    let points = experiment.points(false);
    match timeline::problems(kind, &experiment.name, &points, selection) {
        None => Ok(()),
        Some(p) => {
            let mut text = p.message.replace("the timeline of", "--timeline for");
            for line in p.help {
                text.push_str("\n  = ");
                text.push_str(&line);
            }
            Err(text)
        }
    }
}

/// The config file of a lesson id, under `configs/` of the workspace root.
pub fn lesson_config_path(root: &Path, lesson: &str) -> PathBuf {
    root.join("configs").join(format!("{lesson}.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Ctx, Report, Typed, Workers, at_least, kind};

    crate::params! {
        /// A kind for these tests.
        pub struct Demo {
            /// Work per point.
            pub work_units: u64 = 100 => at_least(1),
            /// Worker threads.
            pub workers: Workers = Workers::Count(1),
        }
    }

    fn run(_: &Ctx, _: &[Typed<Demo>]) -> anyhow::Result<Report> {
        Ok(Report::new())
    }

    fn lessons() -> Vec<Lesson> {
        vec![Lesson {
            id: "lesson-demo",
            title: "a lesson for tests",
            kinds: vec![kind::<Demo>("demo", "does nothing", run)],
        }]
    }

    fn parse_demo(src: &str) -> Result<Config, ConfigError> {
        parse(src, "demo.toml", &lessons())
    }

    const SWEPT: &str = r#"lesson = "lesson-demo"

[[experiment]]
name = "one"
kind = "demo"
work_units = 1000
[experiment.sweep]
workers = [1, 2, 4]
[experiment.quick]
work_units = 10
workers = [1, 2]
"#;

    #[test]
    fn quick_overrides_replace_a_swept_axis_and_set_keys() {
        let config = parse_demo(SWEPT).unwrap();
        let e = &config.experiments[0];
        let workers = |quick| -> Vec<i64> {
            e.points(quick)
                .iter()
                .map(|p| p.table["workers"].as_integer().unwrap())
                .collect()
        };
        assert_eq!(workers(false), [1, 2, 4]);
        assert_eq!(workers(true), [1, 2]);
        assert_eq!(e.points(true)[0].table["work_units"].as_integer(), Some(10));
        assert_eq!(
            e.points(false)[0].table["work_units"].as_integer(),
            Some(1000)
        );
    }

    #[test]
    fn a_quick_override_with_one_value_pins_the_axis() {
        let config = parse_demo(&SWEPT.replace("workers = [1, 2]", "workers = 2")).unwrap();
        let points = config.experiments[0].points(true);
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].sweep, [("workers".into(), 2.into())]);
    }

    #[test]
    fn run_settings_default_to_one_warmup_and_five_repeats() {
        assert_eq!(
            parse_demo(SWEPT).unwrap().plan,
            Repeats {
                warmup: 1,
                repeats: 5
            }
        );
        let with_run = SWEPT.replace("\n[[experiment]]", "[run]\nrepeats = 3\n\n[[experiment]]");
        assert_eq!(parse_demo(&with_run).unwrap().plan.repeats, 3);
    }

    /// The bad value of a sweep is pointed at in its list, not at the key.
    #[test]
    fn a_bad_sweep_value_is_pointed_at_its_element() {
        let e = parse_demo(&SWEPT.replace("[1, 2, 4]", "[1, 0, 4]")).unwrap_err();
        let at = e.at.as_ref().unwrap();
        assert_eq!((at.line, at.col, at.width), (8, 15, 1), "{e}");
        assert!(e.message.starts_with("bad value for `workers`"), "{e}");
    }

    /// A quick override is checked before `--quick` runs, at the override.
    #[test]
    fn a_bad_quick_value_is_pointed_at_its_override() {
        let e = parse_demo(&SWEPT.replace("work_units = 10\n", "work_units = 0\n")).unwrap_err();
        let at = e.at.as_ref().unwrap();
        assert_eq!((at.line, at.col), (10, 14), "{e}");
        assert_eq!(e.help, ["`work_units` is u64, ≥ 1: Work per point."], "{e}");
    }

    fn with_timeline(line: &str) -> String {
        SWEPT.replace(
            "work_units = 1000\n",
            &format!("work_units = 1000\n{line}\n"),
        )
    }

    #[test]
    fn a_timeline_names_params_of_the_rows_and_their_values() {
        let config = parse_demo(&with_timeline("timeline = { workers = [1, 4] }")).unwrap();
        assert_eq!(
            config.experiments[0].timeline,
            [("workers".to_string(), vec![1.into(), 4.into()])]
        );
        let config = parse_demo(&with_timeline("timeline = { workers = 2 }")).unwrap();
        assert_eq!(config.experiments[0].timeline[0].1, [toml::Value::from(2)]);
    }

    #[test]
    fn a_timeline_param_the_rows_lack_is_refused_with_a_near_name() {
        let e = parse_demo(&with_timeline("timeline = { wokers = 2 }")).unwrap_err();
        let at = e.at.as_ref().unwrap();
        assert_eq!((at.line, at.col, at.width), (7, 14, 6), "{e}");
        assert!(
            e.message
                .starts_with("unknown key `wokers` in the timeline of \"one\""),
            "{e}"
        );
        assert_eq!(e.help[0], "did you mean `workers`?", "{e}");
    }

    #[test]
    fn a_timeline_value_out_of_range_or_of_no_point_is_refused() {
        let e = parse_demo(&with_timeline("timeline = { workers = [2, 0] }")).unwrap_err();
        let at = e.at.as_ref().unwrap();
        assert_eq!((at.line, at.col), (7, 28), "{e}");
        assert!(
            e.message
                .starts_with("bad value for `workers` in the timeline"),
            "{e}"
        );
        let e = parse_demo(&with_timeline("timeline = { workers = 8 }")).unwrap_err();
        assert_eq!(
            e.message,
            "the timeline of \"one\" names no point of its sweep"
        );
        assert_eq!(e.help, ["its points have `workers` = 1, 2, 4"]);
    }

    #[test]
    fn errors_read_like_rustc() {
        let e = parse_demo(&SWEPT.replace("kind = \"demo\"", "kind = \"dmeo\"")).unwrap_err();
        assert_eq!(
            e.to_string(),
            concat!(
                "demo.toml:5:8: unknown kind \"dmeo\" for lesson-demo\n",
                "  |\n",
                "5 | kind = \"dmeo\"\n",
                "  |        ^^^^^^\n",
                "  = did you mean \"demo\"?\n",
                "  = kinds of lesson-demo: demo",
            )
        );
    }
}
