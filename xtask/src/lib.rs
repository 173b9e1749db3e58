//! The parlab driver, run as `cargo xtask <command>` (the cargo-xtask convention:
//! an alias in `.cargo/config.toml` builds and runs this workspace member).
//!
//! Commands: `list` (lessons, kinds and keys), `run` (a lesson's experiments or any
//! config file), `new` (a commented config to design an experiment), and the
//! coursework commands `check`, `watch`, `reset`, `hint` and `quiz`, `bench` (the runtime's
//! overheads against rayon and std), `python-setup` (a .venv with numpy and
//! joblib for the lessons' Python rows), `slurm` (a batch script that runs a
//! lesson-08 config on a cluster), and for seeing results `report` (every run
//! on one HTML page), `compare` (two runs: noise or a difference) and `merge` (a
//! class's results pooled). Each command is one module; the
//! work lives in the `lab` crate and the lesson crates, so tests call the same code.
//!
//! Exit codes: 0 success, 1 an experiment failed, 2 bad input (a config, a lesson
//! id, a flag).

#![forbid(unsafe_code)]

/// `println!` that ignores a closed stdout (`cargo xtask list | head -n 3`), so
/// output into a closed pipe ends quietly instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod bench;
mod check;
mod cli;
mod compare;
pub mod coursework;
mod hint;
pub mod lessons;
mod list;
mod merge;
mod new;
mod python_setup;
pub mod quiz;
mod report;
mod reset;
mod run;
mod slurm;
pub mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code of a run in which an experiment failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code of bad input: a config, a lesson id, a flag.
pub const EXIT_BAD_INPUT: u8 = 2;

/// The driver's entry point, shared by the `xtask` binary and the test binary.
pub fn main() -> ExitCode {
    // Our `if __name__ == "__main__":`. A process-pool worker is this same binary
    // started again; in a worker this call never returns. It must come first.
    runtime::process::worker_guard(lessons::register_tasks);
    use clap::Parser;
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    let result = match cli.command {
        cli::Command::List { lesson } => list::list(lesson.as_deref()),
        cli::Command::Run(args) => Ok(run::run(args)),
        cli::Command::Bench { quick, out, only } => bench::bench(quick, out, only),
        cli::Command::Check { target, solutions } => check::check(target.as_deref(), solutions),
        cli::Command::Hint { exercise } => hint::hint(&exercise),
        cli::Command::Watch { lesson } => watch::watch(lesson.as_deref()),
        cli::Command::Reset { exercise, force } => reset::reset(&exercise, force),
        cli::Command::Quiz { lesson, answers } => quiz::quiz(&lesson, answers.as_deref()),
        cli::Command::New { lesson, name, dir } => new::new(&lesson, &name, dir),
        cli::Command::Slurm(args) => slurm::slurm(args),
        cli::Command::PythonSetup { python } => python_setup::python_setup(python.as_deref()),
        cli::Command::Report { results, reference } => report::report(results, &reference),
        cli::Command::Compare { a, b } => compare::compare(&a, &b),
        cli::Command::Merge {
            dirs,
            out,
            reference,
        } => merge::merge(&dirs, out, &reference),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

/// The workspace root: where `configs/` and `results/` live.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

/// Where a student's own configs go (`cargo xtask new` writes there): git
/// ignores them and the tests never read them. `configs/` holds the lessons'
/// defaults.
pub fn studies_dir() -> PathBuf {
    workspace_root().join("studies")
}

/// `path` relative to the workspace root when it lies under it, for messages and
/// results files (`configs/lesson-05.toml`). Written with `/` on every system,
/// Windows included (where `configs\lesson-05.toml` names the same file), so a
/// results file says the same wherever it was made. The two paths are compared
/// as written first, then resolved (a symlinked folder, macOS's `/tmp`, a
/// Windows drive letter written differently).
pub fn shown(path: &Path) -> String {
    let root = workspace_root();
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let relative = absolute
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .or_else(|_| {
            let resolved = absolute.canonicalize()?;
            let root = root.canonicalize()?;
            resolved
                .strip_prefix(&root)
                .map(Path::to_path_buf)
                .map_err(std::io::Error::other)
        });
    match relative {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.display().to_string(),
    }
}
