//! Finding an interpreter and asking it what it is: the project's `.venv`
//! first for a bare name, then `PATH`; one short-lived probe that reports the
//! version, whether the build is free-threaded and whether its GIL is on, and
//! imports the modules a script needs.

use super::MIN_VERSION;
use super::process::{last_lines, run_process};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// What the probe found out about an interpreter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Interpreter {
    /// The command as configured (`python3`).
    #[serde(default)]
    pub command: String,
    /// The file that ran (`sys.executable`).
    pub executable: String,
    /// `major.minor.micro`.
    pub version: String,
    /// Built with `--disable-gil` (python3.13t and later: `Py_GIL_DISABLED`).
    pub free_threaded: bool,
    /// `sys._is_gil_enabled()` at start-up (3.13+); `true` where it does not exist.
    pub gil_enabled: bool,
    /// Versions of the modules the probe imported.
    #[serde(default)]
    pub modules: std::collections::BTreeMap<String, String>,
}

impl Interpreter {
    /// The version as a row shows it: `3.11.7`, or `3.13.1t` for a
    /// free-threaded build.
    pub fn label(&self) -> String {
        if self.free_threaded {
            format!("{}t", self.version)
        } else {
            self.version.clone()
        }
    }
}

/// The project's virtual environment (`<workspace>/.venv`), made by
/// `cargo xtask python-setup`.
pub fn venv_dir() -> PathBuf {
    workspace_root().join(".venv")
}

/// The interpreter of the project's venv, whether or not it exists yet.
pub fn venv_python() -> PathBuf {
    venv_bin("python")
}

fn venv_bin(name: &str) -> PathBuf {
    if cfg!(windows) {
        venv_dir().join("Scripts").join(format!("{name}.exe"))
    } else {
        venv_dir().join("bin").join(name)
    }
}

fn workspace_root() -> PathBuf {
    // crates/lab → the workspace root, fixed when the harness is built (as the
    // driver finds configs/).
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

pub(super) fn shown(path: &Path) -> String {
    let root = workspace_root();
    match path.strip_prefix(&root) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// What `command` runs: a bare name is looked up in the project's `.venv`
/// first (as if it were activated), then on `PATH`; a path is used as given.
pub fn resolve_command(command: &str) -> PathBuf {
    let bare = !command.contains(['/', '\\']);
    if bare {
        let in_venv = venv_bin(command);
        if in_venv.is_file() {
            return in_venv;
        }
    }
    PathBuf::from(command)
}

/// Asks the interpreter what it is and imports `modules`: the version,
/// whether it is free-threaded, and what is missing. Written to run on any
/// Python, so an old one can say how old it is.
const PROBE: &str = r#"
import sys, json
info = {"executable": sys.executable or "", "version": "%d.%d.%d" % tuple(sys.version_info[:3])}
try:
    import sysconfig
    info["free_threaded"] = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
except Exception:
    info["free_threaded"] = False
gil = getattr(sys, "_is_gil_enabled", None)
info["gil_enabled"] = bool(gil()) if gil else True
modules, missing = {}, {}
if sys.version_info >= (3, 8):
    import importlib
    for name in sys.argv[1:]:
        try:
            module = importlib.import_module(name)
            modules[name] = str(getattr(module, "__version__", ""))
        except Exception as e:
            missing[name] = "%s: %s" % (type(e).__name__, e)
info["modules"] = modules
info["missing"] = missing
sys.stdout.write(json.dumps(info))
"#;

#[derive(serde::Deserialize)]
struct Probed {
    #[serde(flatten)]
    interpreter: Interpreter,
    #[serde(default)]
    missing: std::collections::BTreeMap<String, String>,
}

type ProbeCache = HashMap<(String, Vec<&'static str>), Result<Interpreter, String>>;

/// [`probe_uncached`], once per interpreter and module set per run.
pub(crate) fn probe(
    command: &str,
    modules: &'static [&'static str],
) -> Result<Interpreter, String> {
    static CACHE: OnceLock<Mutex<ProbeCache>> = OnceLock::new();
    let key = (command.to_string(), modules.to_vec());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return found.clone();
    }
    let found = probe_uncached(command, modules);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, found.clone());
    found
}

/// Checks an interpreter; `Err` is the reason to skip, said as one line with
/// what to install.
pub fn probe_uncached(command: &str, modules: &[&str]) -> Result<Interpreter, String> {
    let program = resolve_command(command);
    let shown_program = program.display().to_string();
    let mut args = vec!["-c", PROBE];
    args.extend(modules.iter().copied());
    let output = match run_process(&shown_program, &args, Duration::from_secs(120), command) {
        Ok(output) => output,
        Err(e) => {
            return Err(match e.downcast_ref::<std::io::Error>() {
                Some(io) if io.kind() == std::io::ErrorKind::NotFound => format!(
                    "`{command}` not found; install Python 3.8 or later (Debian/Ubuntu: apt install python3 python3-venv), then `cargo xtask python-setup` for numpy and joblib"
                ),
                _ => format!("`{command}` could not run: {e:#}"),
            });
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let probed: Probed = match serde_json::from_str(text.trim()) {
        Ok(p) if output.success => p,
        _ => {
            return Err(format!(
                "`{command}` is not a Python 3 that can run the scripts ({}): {}",
                output.status,
                last_lines(&output.stderr, 1).trim()
            ));
        }
    };
    let mut interpreter = probed.interpreter;
    interpreter.command = command.to_string();
    if interpreter.executable.is_empty() {
        interpreter.executable = shown_program;
    }
    if version_tuple(&interpreter.version) < MIN_VERSION {
        return Err(format!(
            "`{command}` is Python {}, and the scripts need {}.{} or later; name a newer one with `python = \"...\"` in [run]",
            interpreter.version, MIN_VERSION.0, MIN_VERSION.1
        ));
    }
    if !probed.missing.is_empty() {
        let names: Vec<&str> = probed.missing.keys().map(String::as_str).collect();
        let not_found = probed
            .missing
            .values()
            .all(|e| e.starts_with("ModuleNotFoundError"));
        let what = names.join(" and ");
        return Err(if not_found {
            format!(
                "{what} not installed for `{command}` (Python {}); run `cargo xtask python-setup` (a .venv with numpy and joblib) or `{command} -m pip install {}`",
                interpreter.label(),
                names.join(" ")
            )
        } else {
            let first = probed.missing.values().next().cloned().unwrap_or_default();
            format!(
                "{what} does not import under `{command}` (Python {}): {first}; reinstall it with `cargo xtask python-setup`",
                interpreter.label()
            )
        });
    }
    Ok(interpreter)
}

pub(super) fn version_tuple(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_major_and_minor() {
        assert!(version_tuple("3.7.16") < MIN_VERSION);
        assert!(version_tuple("3.8.0") >= MIN_VERSION);
        assert!(version_tuple("3.13.1") >= MIN_VERSION);
    }
}
