//! Building the rank program, `lesson-08-rank`, once per run.
//!
//! The program needs the `mpi` crate, and the `mpi` crate needs an installed MPI
//! (its headers, found through `mpicc`) and libclang (to generate the bindings),
//! so it is not part of the workspace's default build. The driver builds it
//! when a run needs it, with the same cargo that runs the driver and in the
//! driver's own profile: `cargo xtask run` (a release build) runs
//! [`BUILD_COMMAND`], and the tests (a dev build) the same without `--release`.
//! `--workspace` with the feature named as `lesson-08-mpi/mpi` resolves every
//! other crate's features as the driver's own build did, so the rank program
//! reuses what that build compiled instead of compiling it again with another
//! feature set (measured on a fresh clone: 59 s of a release build, to the
//! bindings and lesson 08 alone). The first build takes a minute or so (it
//! compiles the bindings); later runs find it up to date in about a second.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The rank program's name.
pub const RANK_PROGRAM: &str = "lesson-08-rank";

/// The rank program, built (or found up to date) once per process.
pub fn rank_program() -> Result<PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(build).clone()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the lesson crate lives in <root>/lessons/")
        .to_path_buf()
}

/// The build command of `cargo xtask run`, as shown to the student.
pub const BUILD_COMMAND: &str =
    "cargo build --release --workspace --features lesson-08-mpi/mpi --bin lesson-08-rank";

/// Whether the rank program is built in the release profile: when this crate
/// was (`cargo xtask run`), and not from a dev build (the tests), whose runs
/// are quick and whose build of the bindings `cargo xtask check` shares.
const RELEASE: bool = !cfg!(debug_assertions);

/// The command run, as shown when it fails.
fn build_command() -> String {
    if RELEASE {
        BUILD_COMMAND.to_string()
    } else {
        BUILD_COMMAND.replace(" --release", "")
    }
}

fn build() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let command = build_command();
    eprintln!("lesson-08: building the MPI rank program ({command})");
    // Cargo's progress and errors go to the terminal (the first build is slow and
    // should say so); its JSON messages on stdout name the executable.
    let output = Command::new(&cargo)
        .current_dir(workspace_root())
        .args(["build", "--workspace", "--features", "lesson-08-mpi/mpi"])
        .args([
            "--bin",
            RANK_PROGRAM,
            "--message-format=json-render-diagnostics",
        ])
        .args(RELEASE.then_some("--release"))
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| {
            format!(
                "lesson-08 could not start cargo ({}) to build its MPI rank program: {e}",
                Path::new(&cargo).display()
            )
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "lesson-08 could not build its MPI rank program ({}; cargo's output is above).\n  \
             = when the failing crate is mpi-sys, MPI's development files or libclang are missing: \
             install them, then run again:\n      {}\n  \
             = to retry by hand: {command}",
            output.status,
            super::INSTALL.lines().collect::<Vec<_>>().join("\n      ")
        ));
    }
    executable(&stdout).ok_or_else(|| {
        format!("cargo built {RANK_PROGRAM} but did not say where it put it (ran: {command})")
    })
}

/// The path of the rank program in cargo's JSON messages.
fn executable(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == RANK_PROGRAM)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_executable_is_read_from_cargo_s_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"lab"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"lesson-08-rank"},"executable":"/t/release/lesson-08-rank"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
            "\n"
        );
        assert_eq!(
            executable(messages),
            Some(PathBuf::from("/t/release/lesson-08-rank"))
        );
        assert_eq!(executable("not json\n"), None);
    }

    #[test]
    fn the_workspace_root_holds_the_configs() {
        assert!(workspace_root().join("configs").is_dir());
    }
}
