//! A lesson's exercises: `exercises/exercises.toml` lists them in order, with
//! what to do and a hint; everything else about an exercise follows from its name.
//!
//! Adding an exercise `<name>` to a lesson touches five places, all in the
//! lesson's crate, and the course-layout test (`tests/tests/tidy.rs`) says which
//! one is missing or disagrees:
//! 1. `exercises/<name>.rs`: the student's file, functions with `todo!()`;
//! 2. `solutions/<name>.rs`: the reference solution, the same items;
//! 3. `exercises/checks/<name>.rs`: the tests, which include (1), or (2) with the
//!    `solutions` feature (copy the two `#[cfg_attr(..., path = ...)]` lines of
//!    any check);
//! 4. an `[[exercise]]` in `exercises/exercises.toml`;
//! 5. a `[[test]]` in the lesson's `Cargo.toml` with `name = "<name>"`,
//!    `path = "exercises/checks/<name>.rs"` and `test = false` (so
//!    `cargo test --workspace` never runs unfinished work; `cargo xtask check`
//!    names it explicitly).

use crate::lessons::{Entry, LESSONS};
use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::PathBuf;

/// One exercise of a lesson.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Names the student's file, the solution, the check and its test target.
    pub name: String,
    /// One line: what the student writes.
    pub task: String,
    /// Printed by `cargo xtask hint <name>`.
    pub hint: String,
    /// The lesson id: `lesson-05`.
    #[serde(skip)]
    pub lesson: &'static str,
    /// The lesson's crate (the package `cargo` builds the check in).
    #[serde(skip)]
    pub package: &'static str,
    #[serde(skip)]
    crate_dir: PathBuf,
}

impl Exercise {
    /// The student's file: `exercises/<name>.rs`.
    pub fn file(&self) -> PathBuf {
        self.crate_dir
            .join("exercises")
            .join(format!("{}.rs", self.name))
    }

    /// The reference solution: `solutions/<name>.rs`.
    pub fn solution(&self) -> PathBuf {
        self.crate_dir
            .join("solutions")
            .join(format!("{}.rs", self.name))
    }

    /// The tests, a test target of the lesson's crate: `exercises/checks/<name>.rs`.
    pub fn check(&self) -> PathBuf {
        self.crate_dir
            .join("exercises")
            .join("checks")
            .join(format!("{}.rs", self.name))
    }

    /// The lesson crate's folder.
    pub fn crate_dir(&self) -> &std::path::Path {
        &self.crate_dir
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseList {
    exercise: Vec<Exercise>,
}

/// The exercises of one lesson, in order (none when it has no
/// `exercises/exercises.toml`).
pub fn load(lesson: &Entry) -> anyhow::Result<Vec<Exercise>> {
    let file = lesson.dir().join("exercises").join("exercises.toml");
    if !file.exists() {
        return Ok(Vec::new());
    }
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let list: ExerciseList = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(1);
        anyhow::anyhow!("{}:{line}: {}", crate::shown(&file), e.message())
    })?;
    Ok(list
        .exercise
        .into_iter()
        .map(|mut e| {
            e.lesson = lesson.id;
            e.package = lesson.package;
            e.crate_dir = lesson.dir();
            e
        })
        .collect())
}

/// Every exercise of the course, lesson by lesson.
pub fn all() -> anyhow::Result<Vec<Exercise>> {
    let mut all = Vec::new();
    for lesson in LESSONS {
        all.extend(load(lesson)?);
    }
    Ok(all)
}

/// The exercise with this name, or an error with a "did you mean" and the list.
pub fn find(name: &str) -> anyhow::Result<Exercise> {
    let all = all()?;
    if let Some(e) = all.iter().find(|e| e.name == name) {
        return Ok(e.clone());
    }
    bail!(unknown_exercise(name, &all))
}

/// `no exercise named "karp_flat"`, a "did you mean" when one is close, and the
/// exercises there are.
pub fn unknown_exercise(name: &str, all: &[Exercise]) -> String {
    let mut message = format!("no exercise named \"{name}\"");
    if let Some(m) = lab::did_you_mean(name, all.iter().map(|e| e.name.as_str())) {
        message.push_str(&format!("\n  = did you mean \"{m}\"?"));
    }
    message.push_str(&format!(
        "\n  = exercises: {}",
        all.iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    message
}
