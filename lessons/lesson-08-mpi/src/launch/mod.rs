//! Starting ranks: what the driver does for every sweep point of this lesson.
//!
//! An MPI program is not started like other programs. A *launcher* (`mpirun`,
//! `mpiexec`, or Slurm's `srun` on a cluster) starts `n` copies of it, the
//! *ranks*, wires them together, and waits for all of them. This module builds
//! the rank program before a run ([`preflight`], [`build`]),
//! composes the launcher's command line ([`mpi`]) and runs it ([`process`]):
//!
//! ```text
//! cargo xtask run lesson-08
//!   └─ for each sweep point:  mpirun -n <workers> lesson-08-rank '<job as JSON>'
//!        ├─ rank 0 ─┐
//!        ├─ rank 1 ─┼─ MPI messages between them
//!        └─ rank …  ┘  rank 0 prints "parlab-result: <JSON>"; the driver reads it
//! ```
//!
//! What it costs: starting a launch takes a few tenths of a second (the launcher
//! starts its daemons, the ranks connect); every timing is taken *inside* the
//! ranks with `MPI_Wtime`, so it does not include that.

pub mod build;
pub mod mpi;
pub mod process;

use crate::job::{Job, RESULT_MARK};
pub use mpi::{Flavour, Launcher, Transport};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The `launcher_args` key: words passed to the launcher as they are.
pub type LauncherArgs = Vec<String>;

/// How to install MPI (with the MPI headers and libclang that the rank program's
/// build needs), one line per platform. The lesson registry
/// (`xtask/src/lessons.rs`) shows it when MPI is missing, and [`build`] when the
/// rank program does not build.
pub const INSTALL: &str = "\
Debian/Ubuntu:  sudo apt-get install openmpi-bin libopenmpi-dev libclang-dev
Fedora:         sudo dnf install openmpi openmpi-devel clang-devel, then module load mpi/openmpi-x86_64
macOS:          brew install open-mpi llvm
a cluster:      module load openmpi   (`module avail mpi` lists what yours calls it)";

/// Builds the rank program before any experiment of this lesson starts (see
/// `lab::with_preflight`), so a build that fails stops the run once, as bad
/// input, with what to install. Whether MPI is installed at all is checked
/// before that by the driver, from the lesson registry's requirement.
pub fn preflight() -> Result<(), String> {
    build::rank_program().map(drop)
}

/// The launch keys every kind of this lesson shares (see `mpi_params!`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub launcher: Launcher,
    pub hostfile: String,
    pub launcher_args: Vec<String>,
    pub timeout_s: u64,
}

/// What a launch brought back.
#[derive(Debug)]
pub struct Ran<R> {
    /// Rank 0's result.
    pub result: R,
    /// The command that ran, as a shell would show it.
    pub command: String,
    /// Why each special flag is on the command line (run as root, oversubscribed).
    pub why: Vec<String>,
}

/// Starts `ranks` ranks running `job`, and returns rank 0's result.
///
/// Errors when the launcher is missing, a rank fails or dies (with the end of
/// what the launcher printed), rank 0 prints no result, the deadline
/// (`timeout_s`) passes, or the run is interrupted; in every case no launcher
/// or rank process is left running.
pub fn run<R: DeserializeOwned>(
    settings: &Settings,
    ranks: usize,
    transport: Transport,
    job: &Job,
) -> anyhow::Result<Ran<R>> {
    use anyhow::Context as _;
    let rank_program = build::rank_program().map_err(anyhow::Error::msg)?;
    let rank_args = [serde_json::to_string(job)?];
    let launched = start(settings, ranks, transport, &rank_program, &rank_args, &[])?;
    let finished = &launched.finished;
    if !finished.status.success() {
        anyhow::bail!(
            "the ranks failed: {} ended with {} ({ranks} ranks, transport {})\n{}",
            launched.launcher.program(),
            finished.status,
            transport.name(),
            tail(&finished.stderr, 16)
        );
    }
    let line_of_result = finished
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT_MARK))
        .with_context(|| {
            format!(
                "rank 0 printed no result ({})\n{}",
                launched.command,
                tail(&finished.stderr, 12)
            )
        })?;
    let result = serde_json::from_str(line_of_result)
        .with_context(|| format!("reading rank 0's result: {line_of_result}"))?;
    Ok(Ran {
        result,
        command: launched.command,
        why: launched.why,
    })
}

/// A launch that ran to its end (successfully or not).
#[derive(Debug)]
pub struct Launched {
    pub launcher: Launcher,
    pub finished: process::Finished,
    /// The command, as a person would write it.
    pub command: String,
    /// Why each special flag is on the command line.
    pub why: Vec<String>,
}

/// Starts `ranks` copies of `program args` through the configured launcher,
/// with `env` set for them, and waits for the end. A rank that fails is not an
/// error here (see [`Launched::finished`]); a missing launcher, the deadline
/// and an interrupt are, and leave nothing running.
pub fn start(
    settings: &Settings,
    ranks: usize,
    transport: Transport,
    program: &Path,
    args: &[String],
    env: &[(String, String)],
) -> anyhow::Result<Launched> {
    use anyhow::Context as _;
    let launcher = settings.launcher.overridden()?;
    let found = mpi::find(launcher.program()).with_context(|| {
        format!(
            "the launcher `{}` is not on PATH (the `launcher` key picks mpirun, mpiexec or srun)",
            launcher.program()
        )
    })?;
    let hostfile = (!settings.hostfile.is_empty()).then(|| Path::new(&settings.hostfile));
    if let Some(file) = hostfile {
        anyhow::ensure!(
            launcher != Launcher::Srun,
            "hostfile = \"{}\" is for mpirun and mpiexec; srun takes its nodes from the Slurm allocation",
            file.display()
        );
        anyhow::ensure!(
            file.is_file(),
            "hostfile = \"{}\": no such file",
            file.display()
        );
    }
    let mut line = mpi::command_line(&mpi::Plan {
        launcher,
        flavour: flavour(&found),
        program: &found,
        ranks,
        cores: mpi::physical_cores(),
        running_as_root: running_as_root(),
        hostfile,
        transport,
        extra_args: &settings.launcher_args,
        rank_program: program,
        rank_args: args,
    });
    line.env.extend(env.iter().cloned());
    let timeout = Duration::from_secs(settings.timeout_s);
    let finished = match process::run(&line, timeout)
        .with_context(|| format!("starting {}", found.display()))?
    {
        Ok(finished) => finished,
        Err(process::Stopped::Interrupted) => anyhow::bail!("interrupted: the ranks were stopped"),
        Err(process::Stopped::Deadline { stderr }) => anyhow::bail!(
            "no result after {} s, so the ranks were stopped\n{}",
            settings.timeout_s,
            tail(&stderr, 12)
        ),
    };
    Ok(Launched {
        launcher,
        finished,
        command: line.shown,
        why: line.why,
    })
}

/// Keeps how the ranks were started in the report: the command of the last
/// launch and why it carries special flags (both vary with the machine, so
/// they are measured values, left out of snapshots).
pub fn record<R>(report: &mut lab::Report, ran: &Ran<R>) {
    report.summary_measured("launched_as", ran.command.as_str());
    let why = if ran.why.is_empty() {
        "none needed".to_string()
    } else {
        ran.why.join("; ")
    };
    report.summary_measured("launch_flags", why);
}

/// The last `n` non-empty lines of `text`, indented, for an error message.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    let shown: Vec<String> = lines[start..]
        .iter()
        .map(|l| format!("    | {l}"))
        .collect();
    if shown.is_empty() {
        "    (it printed nothing on stderr)".into()
    } else {
        shown.join("\n")
    }
}

/// The MPI behind a launcher, asked once per program.
fn flavour(program: &Path) -> Flavour {
    static KNOWN: Mutex<Option<HashMap<PathBuf, Flavour>>> = Mutex::new(None);
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    *known
        .get_or_insert_with(HashMap::new)
        .entry(program.to_path_buf())
        .or_insert_with(|| Flavour::of(program))
}

/// Whether this process runs as root (its effective user id is 0).
#[cfg(unix)]
pub fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Windows has no root, and MS-MPI's `mpiexec` no refusal to run as one.
#[cfg(not(unix))]
pub fn running_as_root() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_install_lines_cover_each_platform() {
        for needle in [
            "apt-get install openmpi-bin libopenmpi-dev libclang-dev",
            "dnf install openmpi",
            "brew install open-mpi",
            "module load openmpi",
        ] {
            assert!(
                INSTALL.contains(needle),
                "missing {needle:?} in:\n{INSTALL}"
            );
        }
    }

    #[test]
    fn tails_keep_the_last_lines() {
        assert_eq!(tail("a\n\nb\nc\n", 2), "    | b\n    | c");
        assert!(tail("", 3).contains("nothing"));
    }
}
