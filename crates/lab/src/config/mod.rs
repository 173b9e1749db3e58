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
//! | `run` | `[run]`: `repeats`, `warmup` |
//! | `experiment` | each `[[experiment]]`: `name`, `kind`, the kind's keys |
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
mod quick;
mod run;
mod source;
mod sweep;
mod top;

pub use error::{ConfigError, Location};
pub use experiment::Experiment;

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
    let plan = run::read(&c, get(root, "run"))?;
    let experiments = experiment::read_all(&c, get(root, "experiment"), lesson)?;
    Ok(Config {
        file: file.to_string(),
        lesson: lesson.id.to_string(),
        plan,
        experiments,
    })
}

/// The config file of a lesson id, under `configs/` of the workspace root.
pub fn lesson_config_path(root: &Path, lesson: &str) -> PathBuf {
    root.join("configs").join(format!("{lesson}.toml"))
}
