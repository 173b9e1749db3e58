//! The lesson registry: the one list of the course's lessons, read by every
//! command (`list`, `run`, `new`, `check`, `hint`, `quiz`) and by every test.
//!
//! Adding a lesson touches:
//! 1. its crate, `lessons/<id>-<topic>/` (experiment kinds behind a `lesson()`,
//!    `README.md`, `quiz.toml`, and `exercises/` if it has coursework);
//! 2. its default config, `configs/<id>.toml`;
//! 3. one dependency line in `xtask/Cargo.toml`;
//! 4. one [`Entry`] in [`LESSONS`] below.
//!
//! The snapshots of its default config are written by the first
//! `cargo test --workspace` (accept them after reading them). The course-layout
//! test (`tests/tests/tidy.rs`) names whatever of the above is missing or
//! disagrees, as rustlings' `dev check` does for its exercises.

use crate::coursework::{self, Exercise};
use anyhow::bail;
use std::path::PathBuf;

/// Every lesson, in course order.
pub static LESSONS: &[Entry] = &[
    Entry {
        id: "lesson-01",
        package: "lesson-01-gil",
        experiments: lesson_01_gil::lesson,
        tasks: None,
        needs: &[],
    },
    Entry {
        id: "lesson-02",
        package: "lesson-02-pools",
        experiments: lesson_02_pools::lesson,
        tasks: Some(lesson_02_pools::register_tasks),
        needs: &[],
    },
    Entry {
        id: "lesson-03",
        package: "lesson-03-futures",
        experiments: lesson_03_futures::lesson,
        tasks: Some(lesson_03_futures::register_tasks),
        needs: &[],
    },
    Entry {
        id: "lesson-04",
        package: "lesson-04-parallel-loops",
        experiments: lesson_04_parallel_loops::lesson,
        tasks: Some(lesson_04_parallel_loops::register_tasks),
        needs: &[],
    },
    Entry {
        id: "lesson-05",
        package: "lesson-05-amdahl-gustafson",
        experiments: lesson_05_amdahl_gustafson::lesson,
        tasks: None,
        needs: &[],
    },
    Entry {
        id: "lesson-06",
        package: "lesson-06-monte-carlo",
        experiments: lesson_06_monte_carlo::lesson,
        tasks: None,
        needs: &[],
    },
    Entry {
        id: "lesson-07",
        package: "lesson-07-ber",
        experiments: lesson_07_ber::lesson,
        tasks: None,
        needs: &[],
    },
    Entry {
        id: "lesson-08",
        package: "lesson-08-mpi",
        experiments: lesson_08_mpi::lesson,
        tasks: None,
        needs: &[MPI],
    },
];

/// An MPI installation: lesson 08's ranks are started by its launcher, and its
/// rank program and exercises link its library (through the `mpi` crate, whose
/// build also needs libclang). Its `mpi` cargo feature is turned on only where
/// this is present, so the default build needs nothing but Rust.
pub const MPI: Requirement = Requirement {
    what: "MPI (mpirun or mpiexec on the PATH)",
    install: lesson_08_mpi::launch::INSTALL,
    require_var: "PARLAB_REQUIRE_MPI",
    present: || on_path("mpirun") || on_path("mpiexec"),
    feature: Some("mpi"),
};

/// One lesson of the course.
pub struct Entry {
    /// What students type: `lesson-05`.
    pub id: &'static str,
    /// The lesson's crate, which is also its folder under `lessons/`.
    pub package: &'static str,
    /// The lesson's experiment kinds: its crate's `lesson()`.
    pub experiments: fn() -> lab::Lesson,
    /// Registers the tasks the lesson runs in worker processes, if it has any
    /// (see [`register_tasks`]).
    pub tasks: Option<fn(&mut runtime::process::Registry)>,
    /// What the lesson needs beyond a Rust toolchain; checked before it runs
    /// (see [`Requirement`]).
    pub needs: &'static [Requirement],
}

/// Something a lesson needs beyond a Rust toolchain (MPI, say). Without it,
/// `run` and `check` stop with a message saying how to install it, and the tests
/// of that lesson are skipped with a printed note, unless `require_var` is set to
/// `1` (CI installs it and sets the variable, so absence fails there).
pub struct Requirement {
    /// What is needed, as messages name it: "MPI (mpirun on the PATH)".
    pub what: &'static str,
    /// How to get it: "sudo apt-get install openmpi-bin libopenmpi-dev", or one
    /// line per platform when they differ.
    pub install: &'static str,
    /// The variable that makes its absence fail the tests: `PARLAB_REQUIRE_MPI`.
    pub require_var: &'static str,
    /// Whether this machine has it.
    pub present: fn() -> bool,
    /// The cargo feature of the lesson's crate that uses it (`mpi`), if any: off
    /// in the default build; `check` turns it on to build the lesson's exercises.
    pub feature: Option<&'static str>,
}

impl Requirement {
    /// Whether the tests must fail, rather than skip, when it is missing.
    pub fn required(&self) -> bool {
        std::env::var(self.require_var).is_ok_and(|v| v == "1")
    }

    /// "install it with `<command>`", or the install lines one below the other.
    pub fn how_to_install(&self) -> String {
        if self.install.contains('\n') {
            let lines: Vec<&str> = self.install.lines().collect();
            format!(
                "install it, then run again:\n      {}",
                lines.join("\n      ")
            )
        } else {
            format!("install it with `{}`", self.install)
        }
    }
}

/// Whether an executable named `program` is on the `PATH`: the usual `present`
/// check of a [`Requirement`] (`|| on_path("mpirun")`). On Windows the name is
/// also tried with the extensions of `PATHEXT` (`mpiexec.exe`), as the shell does.
pub fn on_path(program: &str) -> bool {
    lab::programs::find(program).is_some()
}

impl Entry {
    /// The crate folder: `lessons/lesson-05-amdahl-gustafson`.
    pub fn dir(&self) -> PathBuf {
        crate::workspace_root().join("lessons").join(self.package)
    }

    /// The lesson's default config: `configs/lesson-05.toml`.
    pub fn config(&self) -> PathBuf {
        lab::config::lesson_config_path(&crate::workspace_root(), self.id)
    }

    /// The lesson's quick checks: `lessons/<package>/quiz.toml`.
    pub fn quiz(&self) -> PathBuf {
        self.dir().join("quiz.toml")
    }

    /// The cargo features of its crate its exercises are built with: those of
    /// its requirements (lesson 08's `mpi`).
    pub fn features(&self) -> impl Iterator<Item = &'static str> {
        self.needs.iter().filter_map(|r| r.feature)
    }

    /// The lesson's exercises, in order (none when it has no coursework).
    pub fn exercises(&self) -> anyhow::Result<Vec<Exercise>> {
        coursework::load(self)
    }

    /// What the lesson needs and this machine lacks.
    pub fn missing(&self) -> Vec<&'static Requirement> {
        self.needs.iter().filter(|r| !(r.present)()).collect()
    }

    /// Ok when this machine has everything the lesson needs; otherwise an error
    /// that says what to install.
    pub fn preflight(&self) -> anyhow::Result<()> {
        let missing = self.missing();
        if missing.is_empty() {
            return Ok(());
        }
        let mut message = format!("{} needs what this machine lacks", self.id);
        for r in missing {
            message.push_str(&format!("\n  = {}: {}", r.what, r.how_to_install()));
        }
        message.push_str(&format!(
            "\n  = the other lessons need none of this, and `cargo xtask list {}` works without it",
            self.id
        ));
        bail!(message)
    }
}

/// The experiment kinds of every lesson, as the config loader takes them.
pub fn all() -> Vec<lab::Lesson> {
    LESSONS.iter().map(|e| (e.experiments)()).collect()
}

/// The scripts of every kind with Python rows, lesson by lesson in course
/// order: `(lesson id, kind, script)`.
pub fn python_scripts() -> Vec<(&'static str, &'static str, &'static lab::python::Script)> {
    let mut out = Vec::new();
    for entry in LESSONS {
        for kind in (entry.experiments)().kinds {
            if let Some(script) = kind.python() {
                out.push((entry.id, kind.name(), script));
            }
        }
    }
    out
}

/// Every module beyond the standard library that some lesson's Python rows
/// import (numpy, joblib): what `cargo xtask python-setup` must provide.
pub fn python_modules() -> Vec<&'static str> {
    let mut modules: Vec<&'static str> = python_scripts()
        .iter()
        .flat_map(|(_, _, script)| script.modules.iter().copied())
        .collect();
    modules.sort_unstable();
    modules.dedup();
    modules
}

/// Every lesson id, in course order.
pub fn ids() -> Vec<&'static str> {
    LESSONS.iter().map(|e| e.id).collect()
}

/// The lesson with this id, or an error with a "did you mean" and the list.
pub fn find(id: &str) -> anyhow::Result<&'static Entry> {
    match LESSONS.iter().find(|e| e.id == id) {
        Some(entry) => Ok(entry),
        None => bail!(unknown_lesson(id)),
    }
}

/// `unknown lesson "lesson-5"`, a "did you mean" when one is close, and the
/// lessons there are.
pub fn unknown_lesson(id: &str) -> String {
    let mut message = format!("unknown lesson \"{id}\"");
    if let Some(m) = lab::did_you_mean(id, ids()) {
        message.push_str(&format!("\n  = did you mean \"{m}\"?"));
    }
    message.push_str(&format!("\n  = lessons: {}", ids().join(", ")));
    message
}

/// Registers every task that a lesson (or the benchmarks) runs on a process
/// pool, in the parent and in each worker process (see
/// `runtime::process::worker_guard`).
pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    bench::register_tasks(tasks);
    for register in LESSONS.iter().filter_map(|e| e.tasks) {
        register(tasks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_path_finds_programs_on_the_path_only() {
        assert!(on_path("sh"));
        assert!(!on_path("parlab-surely-not-a-program"));
    }

    #[test]
    fn a_missing_requirement_stops_a_lesson_with_how_to_install_it() {
        static NEEDS: &[Requirement] = &[Requirement {
            what: "a program that is not there",
            install: "apt-get install nothing",
            require_var: "PARLAB_REQUIRE_NOTHING",
            present: || on_path("parlab-surely-not-a-program"),
            feature: None,
        }];
        let entry = Entry {
            needs: NEEDS,
            ..LESSONS[0]
        };
        assert_eq!(entry.missing().len(), 1);
        let message = format!("{:#}", entry.preflight().unwrap_err());
        assert!(
            message.contains("a program that is not there")
                && message.contains("apt-get install nothing"),
            "{message}"
        );
        assert!(LESSONS[0].preflight().is_ok());
    }
}
