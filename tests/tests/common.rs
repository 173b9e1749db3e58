//! Running the real driver binary from tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root (where `configs/` is).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A fresh, empty folder under the target directory for one test's results.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root()
        .join("target")
        .join("test-scratch")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the driver with `args` from the workspace root.
pub fn parlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args(args)
        .current_dir(root())
        .env_remove("CLICOLOR_FORCE")
        // Snapshots hold what every machine prints: the Python rows' one skip
        // line, whether or not Python is installed (tests/tests/python.rs runs them).
        .env("PARLAB_PYTHON", "none")
        .output()
        .expect("the parlab binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file below `dir`, relative to it and written with `/` on every
/// system (snapshot names are made from these), sorted.
pub fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let relative = p.strip_prefix(dir).unwrap();
                let parts: Vec<_> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    out
}

/// Whether this machine has what `lesson` needs beyond Rust (MPI, say). When it
/// does not, the test skips the lesson with a printed note, unless the
/// requirement's variable (`PARLAB_REQUIRE_MPI=1`) says it must be there, in
/// which case the test fails.
pub fn available(lesson: &xtask::lessons::Entry) -> bool {
    let missing = lesson.missing();
    for r in &missing {
        assert!(
            !r.required(),
            "{} needs {}, which is missing, and {}=1 requires it: {}",
            lesson.id,
            r.what,
            r.require_var,
            r.how_to_install()
        );
        eprintln!(
            "note: skipping {}: it needs {} (set {}=1 to make this a failure); {}",
            lesson.id,
            r.what,
            r.require_var,
            r.how_to_install()
        );
    }
    missing.is_empty()
}

/// Held by every test that reads or changes the exercises' starting files (the
/// `watch` and `reset` tests write into them for a while and put them back), so
/// no other test sees them changed.
pub fn exercise_files() -> std::sync::MutexGuard<'static, ()> {
    static FILES: std::sync::Mutex<()> = std::sync::Mutex::new(());
    FILES.lock().unwrap_or_else(|e| e.into_inner())
}

/// Puts a file's bytes back when dropped, also when the test panics.
pub struct Restore {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Restore {
    /// Remembers the bytes of `path` now.
    pub fn new(path: &Path) -> Restore {
        Restore {
            path: path.to_path_buf(),
            bytes: std::fs::read(path).unwrap(),
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        std::fs::write(&self.path, &self.bytes).unwrap();
    }
}

/// One `--quick` run of every lesson's default config (`configs/<id>.toml`) this
/// machine can run, all into one folder.
pub struct QuickRun {
    /// Where the results went (`<lesson>/<experiment>.json`, and the page).
    pub dir: PathBuf,
    /// Each lesson's id and what its run printed and returned.
    pub outputs: Vec<(&'static str, Output)>,
}

impl QuickRun {
    /// The output of `lesson`'s run.
    pub fn output(&self, lesson: &str) -> &Output {
        &self.outputs.iter().find(|(id, _)| *id == lesson).unwrap().1
    }
}

/// Two quick runs of every config, made once for the whole test binary: the
/// snapshot tests (configs.rs) read the first, the report, compare and merge
/// tests (seeing_results.rs) both, since a second run must reproduce the
/// first. The first is printed with `--redact`, as snapshots need; the second
/// as a student sees it. Running every config a third time for the snapshots
/// cost a fresh clone's `cargo test` about 15 s.
///
/// A lesson whose run fails is not an error here: each test asserts on the
/// outputs it reads, so one failing lesson fails the tests that show it.
pub fn quick_runs() -> &'static (QuickRun, QuickRun) {
    static RUNS: OnceLock<(QuickRun, QuickRun)> = OnceLock::new();
    RUNS.get_or_init(|| {
        // Every lesson of the registry whose requirements this machine has
        // (lesson 08 needs MPI: without it, it is left out with a note).
        let lessons: Vec<&'static str> = xtask::lessons::LESSONS
            .iter()
            .filter(|lesson| available(lesson))
            .map(|lesson| lesson.id)
            .collect();
        let base = scratch("quick-runs");
        let run = |name: &str, redact: bool| {
            let dir = base.join(name);
            let outputs = lessons
                .iter()
                .map(|id| {
                    let config = format!("configs/{id}.toml");
                    let mut args = vec!["run", &config, "--quick", "--out", dir.to_str().unwrap()];
                    if redact {
                        args.push("--redact");
                    }
                    (*id, parlab(&args))
                })
                .collect();
            QuickRun { dir, outputs }
        };
        (run("a", true), run("b", false))
    })
}
