//! Where a lesson's coursework lives: its crate folder, `exercises/exercises.toml`
//! (the exercises in order, with hints) and `quiz.toml`.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One exercise: `exercises/<name>.rs` (the student's file), `solutions/<name>.rs`,
/// and the test target `<name>` (`exercises/checks/<name>.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub name: String,
    /// One line: what the student writes.
    pub task: String,
    pub hint: String,
    /// What the exercise needs beyond Rust: `"mpi"` (lesson 08's MPI programs).
    #[serde(default)]
    pub needs: Option<String>,
    #[serde(skip)]
    pub lesson: String,
    #[serde(skip)]
    pub crate_dir: PathBuf,
    #[serde(skip)]
    pub crate_name: String,
}

impl Exercise {
    pub fn file(&self) -> PathBuf {
        self.crate_dir
            .join("exercises")
            .join(format!("{}.rs", self.name))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseList {
    exercise: Vec<Exercise>,
}

/// The crate folder of every lesson (`lessons/lesson-05-amdahl-gustafson`), by id.
pub fn lesson_dirs() -> anyhow::Result<Vec<(String, PathBuf)>> {
    let lessons = crate::workspace_root().join("lessons");
    let mut dirs = Vec::new();
    for entry in
        std::fs::read_dir(&lessons).with_context(|| format!("reading {}", lessons.display()))?
    {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if path.is_dir() && name.starts_with("lesson-") && name.len() > 9 {
            dirs.push((name[..9].to_string(), path.clone()));
        }
    }
    dirs.sort();
    Ok(dirs)
}

pub fn lesson_dir(lesson: &str) -> anyhow::Result<PathBuf> {
    let dirs = lesson_dirs()?;
    match dirs.iter().find(|(id, _)| id == lesson) {
        Some((_, dir)) => Ok(dir.clone()),
        None => bail!(
            "unknown lesson \"{lesson}\"\n  = lessons: {}",
            dirs.iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The exercises of one lesson, in order (none when it has no exercises yet).
pub fn exercises(lesson: &str, dir: &Path) -> anyhow::Result<Vec<Exercise>> {
    let file = dir.join("exercises").join("exercises.toml");
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
    let crate_name = dir.file_name().unwrap().to_string_lossy().into_owned();
    Ok(list
        .exercise
        .into_iter()
        .map(|mut e| {
            e.lesson = lesson.to_string();
            e.crate_dir = dir.to_path_buf();
            e.crate_name = crate_name.clone();
            e
        })
        .collect())
}

/// Every exercise of the course, lesson by lesson.
pub fn all_exercises() -> anyhow::Result<Vec<Exercise>> {
    let mut all = Vec::new();
    for (id, dir) in lesson_dirs()? {
        all.extend(exercises(&id, &dir)?);
    }
    Ok(all)
}
