//! A Python interpreter as the harness uses it: which one an experiment names
//! ([`Settings`]), what a lesson's script is ([`Script`]), what the probe found
//! ([`Interpreter`]), and running it ([`run_process`]). This module knows nothing
//! of kinds or reports: [`crate::python`] builds the Python rows of a kind on it.
//!
//! | module | holds |
//! |---|---|
//! | `probe` | finding an interpreter (`.venv`, `PATH`) and probing it |
//! | `process` | running it with a timeout, in a process group of its own |

mod probe;
mod process;

pub(crate) use probe::probe;
pub use probe::{Interpreter, probe_uncached, resolve_command, venv_dir, venv_python};
pub use process::{Output, last_lines, run_process, stop_running};

use std::path::Path;
use std::time::Duration;

/// The interpreter used when a config names none.
pub const DEFAULT_INTERPRETER: &str = "python3";
/// How long a script may run before it is killed, when `[run]` sets no
/// `python_timeout_s`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The oldest Python the scripts are written for.
pub const MIN_VERSION: (u32, u32) = (3, 8);
/// Overrides every experiment's interpreter; `none` turns the Python rows off.
pub const ENV_PYTHON: &str = "PARLAB_PYTHON";
/// A lesson's Python script: where it is, and what it imports beyond the
/// standard library. Declare one with [`python_script!`](crate::python_script).
#[derive(Debug)]
pub struct Script {
    /// Absolute path of the script (`<lesson crate>/python/<file>`).
    pub path: &'static str,
    /// Modules to install first (`numpy`, `joblib`); the probe imports each.
    pub modules: &'static [&'static str],
}

impl Script {
    /// The script's path as a student sees it: relative to the workspace root.
    pub fn shown(&self) -> String {
        probe::shown(Path::new(self.path))
    }
}

/// Declares the [`Script`] `python/<file>` of the calling lesson crate, with
/// the modules it needs beyond the standard library.
///
/// ```
/// static PI: lab::python::Script = lab::python_script!("pi.py", needs = ["numpy"]);
/// assert!(PI.path.ends_with("/python/pi.py"));
/// assert_eq!(PI.modules, ["numpy"]);
/// ```
#[macro_export]
macro_rules! python_script {
    ($file:literal $(, needs = [$($module:literal),* $(,)?])? $(,)?) => {
        $crate::interpreter::Script {
            path: ::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), "/python/", $file),
            modules: &[$($($module),*)?],
        }
    };
}

/// Which interpreter runs an experiment's Python rows, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The interpreter as configured (`python3`, `python3.13t`, a path), or
    /// `None` when the Python rows are turned off.
    pub interpreter: Option<String>,
    /// Why the rows are off, when they are.
    pub off_because: String,
    /// A script running longer is killed.
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            interpreter: Some(DEFAULT_INTERPRETER.into()),
            off_because: String::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl Settings {
    /// Python rows turned off, with the reason shown in the skip line.
    pub fn off(because: &str) -> Settings {
        Settings {
            interpreter: None,
            off_because: because.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The settings of one experiment: `PARLAB_PYTHON` if set, else the
    /// experiment's `python` key, else `[run]`'s, else `python3`.
    pub fn resolve(
        experiment: Option<&str>,
        run: Option<&str>,
        timeout: Option<Duration>,
    ) -> Settings {
        let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
        if let Ok(env) = std::env::var(ENV_PYTHON) {
            let env = env.trim();
            if env.is_empty() || env.eq_ignore_ascii_case("none") {
                return Settings {
                    timeout,
                    ..Settings::off(&format!("turned off by {ENV_PYTHON}=none"))
                };
            }
            return Settings {
                interpreter: Some(env.to_string()),
                off_because: String::new(),
                timeout,
            };
        }
        Settings {
            interpreter: Some(
                experiment
                    .or(run)
                    .unwrap_or(DEFAULT_INTERPRETER)
                    .to_string(),
            ),
            off_because: String::new(),
            timeout,
        }
    }
}
