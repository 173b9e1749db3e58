//! The real Python beside the Rust rows: running a lesson's own Python script
//! with a chosen interpreter, in the same run, and reading back what it measured.
//!
//! A kind with Python rows declares its script with [`python_script!`](crate::python_script)
//! (a file under the lesson's `python/` folder, and the modules it needs beyond
//! the standard library) and calls [`run`] once, after its Rust rows, with every
//! point at once. The protocol is small on purpose, so a student can run a
//! script by hand:
//!
//! ```text
//! python3 lessons/lesson-06-monte-carlo/python/pi.py '{"points": [...], "warmup": 1, "repeats": 5}'
//! ```
//!
//! - **In**: one JSON object as the script's only argument (`argv[1]`); stdin is
//!   empty. No shell is involved: the interpreter is started directly.
//! - **Out**: one JSON object on stdout, nothing else there (diagnostics go to
//!   stderr). Each kind reads it into its own typed struct; anything missing or
//!   of the wrong type is an error that names the script.
//! - **Timing**: the script times its own work (`time.perf_counter()`), so the
//!   interpreter's start-up and imports are not in any row; pool start-up is
//!   reported separately by the scripts that start pools.
//! - **Failure**: a non-zero exit fails the experiment with the last lines of
//!   the traceback. A script that runs past the timeout is killed with every
//!   process it started (it runs in a process group of its own), so a hung
//!   `multiprocessing` worker cannot outlive the run; Ctrl-C stops it the same way.
//!
//! Which interpreter: `python = "python3"` in `[run]`, or in one
//! `[[experiment]]` to override it there; `python3` by default. A bare name is
//! looked up first in the project's `.venv` (made by `cargo xtask python-setup`,
//! as if it were activated) and then on `PATH`; a path is used as given. The
//! environment variable `PARLAB_PYTHON` overrides every experiment's choice,
//! and `PARLAB_PYTHON=none` turns the Python rows off (the snapshot tests do).
//!
//! No interpreter, or a module missing: the kind's Python rows are skipped with
//! one line saying what to install, and its Rust rows still run. With
//! `PARLAB_REQUIRE_PYTHON=1` (CI) a skip is an error instead.
//!
//! What it costs: one interpreter start per experiment (about 20 ms for Python
//! itself, 100–300 ms more when NumPy or joblib are imported), plus one
//! short-lived probe per interpreter and module set per run, which checks the
//! version and imports the modules.

use crate::kind::{Ctx, KeyError, Kind, Point};
use crate::measure::Timing;
use crate::params::KeyDoc;
use crate::report::{Report, Row};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The interpreter used when a config names none.
pub const DEFAULT_INTERPRETER: &str = "python3";
/// How long a script may run before it is killed, when `[run]` sets no
/// `python_timeout_s`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The oldest Python the scripts are written for.
pub const MIN_VERSION: (u32, u32) = (3, 8);
/// Overrides every experiment's interpreter; `none` turns the Python rows off.
pub const ENV_PYTHON: &str = "PARLAB_PYTHON";
/// `1`: a Python row that would be skipped is an error (CI sets it).
pub const ENV_REQUIRE: &str = "PARLAB_REQUIRE_PYTHON";

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
        shown(Path::new(self.path))
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
        $crate::python::Script {
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

/// How a request for Python rows ended.
#[derive(Debug)]
pub enum Ran<T> {
    /// The script ran; its output, read into `T`, and the interpreter it ran on.
    Done { output: T, interpreter: Interpreter },
    /// No rows: the one line that says why and what to install.
    Skipped(String),
}

/// The interpreter that `settings` names for `script`, checked: found, recent
/// enough, and able to import the script's modules. `Ok(Err(line))` is a skip.
pub fn check(settings: &Settings, script: &Script) -> anyhow::Result<Result<Interpreter, String>> {
    let Some(command) = &settings.interpreter else {
        return Ok(Err(format!(
            "Python rows skipped: {}",
            settings.off_because
        )));
    };
    let found = probe(command, script.modules);
    match found {
        Ok(interpreter) => Ok(Ok(interpreter)),
        Err(line) => {
            if required() {
                anyhow::bail!("{ENV_REQUIRE}=1, but {line}");
            }
            Ok(Err(format!("Python rows skipped: {line}")))
        }
    }
}

/// Runs `script` with `input` as its argument and reads its stdout into `T`.
///
/// A skip (no interpreter, a module missing, Python turned off) is
/// `Ok(Ran::Skipped)`; a script that fails, hangs, or prints what `T` cannot
/// hold is an `Err` that names the script.
pub fn run<T: DeserializeOwned>(
    ctx: &Ctx,
    script: &Script,
    input: &impl Serialize,
) -> anyhow::Result<Ran<T>> {
    let interpreter = match check(&ctx.python, script)? {
        Ok(interpreter) => interpreter,
        Err(line) => return Ok(Ran::Skipped(line)),
    };
    let shown_script = script.shown();
    ctx.status(&format!("python: {shown_script}"));
    let input = serde_json::to_string(input)?;
    let output = run_process(
        &interpreter.executable,
        &[script.path, &input],
        ctx.python.timeout,
        &shown_script,
    )?;
    if !output.success {
        let tail = last_lines(&output.stderr, 12);
        anyhow::bail!(
            "{shown_script} failed ({}) under {} {}:\n{}",
            output.status,
            interpreter.command,
            interpreter.label(),
            indent(&tail)
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let value: serde_json::Value = serde_json::from_str(text.trim()).map_err(|e| {
        anyhow::anyhow!(
            "{shown_script} printed output the driver cannot read ({e}): it must print one JSON object on stdout and nothing else; it printed: {}",
            excerpt(&text)
        )
    })?;
    let output: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        anyhow::anyhow!(
            "{shown_script} printed JSON without what the driver expects: {} (at `{path}`)",
            e.into_inner()
        )
    })?;
    Ok(Ran::Done {
        output,
        interpreter,
    })
}

/// What most scripts read: the points, and the run's warm-up and timed
/// repeats, plus any settings of the experiment as a whole ([`Input::with`]).
#[derive(Debug, Serialize)]
pub struct Input<'a, P: Serialize> {
    pub points: &'a [P],
    pub warmup: u32,
    pub repeats: u32,
    #[serde(flatten)]
    pub settings: serde_json::Map<String, serde_json::Value>,
}

impl<'a, P: Serialize> Input<'a, P> {
    /// `points` with the warm-up and repeats of `ctx`'s run.
    pub fn new(ctx: &Ctx, points: &'a [P]) -> Self {
        Input {
            points,
            warmup: ctx.plan.warmup,
            repeats: ctx.plan.repeats.max(1),
            settings: Default::default(),
        }
    }

    /// Adds a setting the script reads beside the points (`"mode": "cpu"`).
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.settings.insert(key.to_string(), value.into());
        self
    }
}

/// [`run`], with a skip written under the report's table: `None` when there
/// are no Python rows to add.
pub fn run_for<T: DeserializeOwned>(
    ctx: &Ctx,
    report: &mut Report,
    script: &Script,
    input: &impl Serialize,
) -> anyhow::Result<Option<(T, Interpreter)>> {
    match run(ctx, script, input)? {
        Ran::Done {
            output,
            interpreter,
        } => Ok(Some((output, interpreter))),
        Ran::Skipped(line) => {
            report.note(line);
            Ok(None)
        }
    }
}

/// Fails, naming the script, unless it answered one point per point asked.
pub fn ensure_points(script: &Script, got: usize, asked: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        got == asked,
        "{} answered {got} points for the {asked} it was given",
        script.shown()
    );
    Ok(())
}

/// The Rust row whose params are `row`'s with `impl = "rust"`: the row a
/// Python row of the same sweep point stands beside.
pub fn rust_twin<'r>(report: &'r Report, row: &Row) -> Option<&'r Row> {
    let params = rust_row(row.clone()).params;
    report.rows.iter().find(|r| r.params == params)
}

/// Whether `PARLAB_REQUIRE_PYTHON=1`: a skip becomes an error.
pub fn required() -> bool {
    std::env::var(ENV_REQUIRE).is_ok_and(|v| v.trim() == "1")
}

/// A Rust row of a kind with Python rows: `impl = "rust"` as its first param.
pub fn rust_row(row: Row) -> Row {
    with_impl(row, "rust")
}

/// A Python row: `impl = "python"` as its first param, and the interpreter's
/// version as a measured metric (it depends on the machine, not the work).
pub fn python_row(row: Row, interpreter: &Interpreter) -> Row {
    with_impl(row, "python").measured("python", interpreter.label())
}

fn with_impl(mut row: Row, value: &str) -> Row {
    row.params.0.retain(|(k, _)| k != "impl");
    row.params.0.insert(0, ("impl".into(), value.into()));
    row
}

/// The timing of a point from the durations a script measured, in seconds.
pub fn timing(times_s: &[f64]) -> anyhow::Result<Timing> {
    anyhow::ensure!(
        !times_s.is_empty() && times_s.iter().all(|t| t.is_finite() && *t >= 0.0),
        "a Python point came back with no usable times: {times_s:?}"
    );
    let durations: Vec<Duration> = times_s
        .iter()
        .map(|&s| Duration::from_secs_f64(s))
        .collect();
    Ok(Timing::from_durations(&durations))
}

/// `python ÷ rust` to three significant digits: how many times as long Python
/// takes for one unit of the same work.
pub fn ratio(python: f64, rust: f64) -> f64 {
    let x = python / rust;
    if !x.is_finite() || x <= 0.0 {
        return x;
    }
    let k = 10f64.powi(2 - x.log10().floor() as i32);
    (x * k).round() / k
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

fn shown(path: &Path) -> String {
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
fn probe(command: &str, modules: &'static [&'static str]) -> Result<Interpreter, String> {
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

fn version_tuple(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// How a process ended, and what it printed.
#[derive(Debug)]
pub struct Output {
    pub success: bool,
    /// `exit status 1`, `killed by signal 9`, ...
    pub status: String,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Process groups of scripts now running, so [`stop_running`] can end them.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Kills every script now running, with the processes it started. Called when
/// the run is interrupted (Ctrl-C): the scripts run in process groups of their
/// own, so the terminal's Ctrl-C does not reach them by itself.
pub fn stop_running() {
    let groups: Vec<u32> = RUNNING.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for group in groups {
        kill_group(group);
    }
}

/// Runs `program args...` with no stdin, collecting stdout and stderr, killing
/// it and everything it started after `timeout`. `what` names it in errors. An
/// interpreter that cannot start is an error holding the `std::io::Error`.
pub fn run_process(
    program: &str,
    args: &[&str],
    timeout: Duration,
    what: &str,
) -> anyhow::Result<Output> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Keep lessons/*/python/ free of __pycache__ folders.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        // Tracebacks and messages in UTF-8, whatever the locale.
        .env("PYTHONIOENCODING", "utf-8");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // A process group of its own: on a timeout the whole group is killed,
        // pool workers included.
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(anyhow::Error::from)?;
    let pid = child.id();
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = reader(Box::new(child.stdout.take().expect("piped")));
    let stderr = reader(Box::new(child.stderr.take().expect("piped")));

    let started = Instant::now();
    let mut stopped: Option<String> = None;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(e) => {
                stopped = Some(format!("waiting for it failed: {e}"));
                break None;
            }
        }
        if started.elapsed() >= timeout {
            stopped = Some(format!(
                "it did not finish within {} s, so it was stopped with every process it started (raise `python_timeout_s` in [run] if it needs longer)",
                timeout.as_secs_f64()
            ));
            break None;
        }
        if crate::run::interrupted() {
            stopped = Some("the run was interrupted".into());
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Whatever it left behind (pool workers, a resource tracker) goes with it.
    kill_group(pid);
    let status = match status {
        Some(status) => status,
        None => {
            let _ = child.kill();
            child.wait()?
        }
    };
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&g| g != pid);
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if let Some(why) = stopped {
        anyhow::bail!("{what}: {why}");
    }
    Ok(Output {
        success: status.success(),
        status: describe(status),
        stdout,
        stderr,
    })
}

fn describe(status: std::process::ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    status.to_string()
}

/// Sends SIGKILL to process group `group`. `kill` is a program here because
/// this crate has no unsafe code (libc's `kill` is an unsafe call); when it is
/// missing, the caller's `Child::kill` still ends the script itself.
fn kill_group(group: u32) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    #[cfg(not(unix))]
    let _ = group;
}

/// The last `n` non-empty lines of `bytes`, as text.
fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = &lines[lines.len().saturating_sub(n)..];
    if tail.is_empty() {
        "(it printed nothing on stderr)".into()
    } else {
        tail.join("\n")
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn excerpt(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return "nothing".into();
    }
    let short: String = t.chars().take(200).collect();
    if short.len() < t.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

/// A kind with Python rows: `inner`, and the script `cargo xtask list` names.
struct WithScript {
    inner: Box<dyn Kind>,
    script: &'static Script,
}

/// Marks `kind` as one with Python rows run by `script`, so `cargo xtask list`
/// names the script and its modules, and configs may set `python` on it.
pub fn with_script(kind: Box<dyn Kind>, script: &'static Script) -> Box<dyn Kind> {
    Box::new(WithScript {
        inner: kind,
        script,
    })
}

impl Kind for WithScript {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn about(&self) -> &'static str {
        self.inner.about()
    }
    fn keys(&self) -> Vec<KeyDoc> {
        self.inner.keys()
    }
    fn defaults(&self) -> toml::Table {
        self.inner.defaults()
    }
    fn check(&self, table: &toml::Table) -> Result<(), KeyError> {
        self.inner.check(table)
    }
    fn run(&self, ctx: &Ctx, points: &[Point]) -> anyhow::Result<Report> {
        self.inner.run(ctx, points)
    }
    fn python(&self) -> Option<&'static Script> {
        Some(self.script)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interpreter_that_does_not_exist_is_a_skip_that_says_what_to_install() {
        let line = probe_uncached("/nonexistent/python3", &["numpy"]).unwrap_err();
        assert!(
            line.contains("`/nonexistent/python3` not found")
                && line.contains("apt install python3"),
            "{line}"
        );
    }

    #[test]
    fn python_turned_off_is_a_skip_even_when_python_is_required() {
        let settings = Settings::off("turned off by PARLAB_PYTHON=none");
        static NONE: Script = Script {
            path: "/nowhere/x.py",
            modules: &[],
        };
        let line = check(&settings, &NONE).unwrap().unwrap_err();
        assert_eq!(
            line,
            "Python rows skipped: turned off by PARLAB_PYTHON=none"
        );
    }

    #[test]
    fn impl_is_the_first_param_of_both_kinds_of_row() {
        let row = rust_row(Row::new().param("workers", 2));
        assert_eq!(row.params.keys().collect::<Vec<_>>(), ["impl", "workers"]);
        let interpreter = Interpreter {
            command: "python3".into(),
            executable: "/usr/bin/python3".into(),
            version: "3.13.1".into(),
            free_threaded: true,
            gil_enabled: false,
            modules: Default::default(),
        };
        let row = python_row(Row::new().param("workers", 2), &interpreter);
        assert_eq!(row.params.get("impl"), Some(&"python".into()));
        assert_eq!(row.metrics.get("python"), Some(&"3.13.1t".into()));
    }

    #[test]
    fn ratios_keep_three_significant_digits() {
        assert_eq!(ratio(12.345, 1.0), 12.3);
        assert_eq!(ratio(1.0, 3.0), 0.333);
        assert_eq!(ratio(250.0, 2.0), 125.0);
    }

    #[test]
    fn script_times_become_a_median_timing_and_bad_ones_are_refused() {
        let t = timing(&[0.3, 0.1, 0.2]).unwrap();
        assert_eq!(
            (t.median_s, t.min_s, t.max_s, t.repeats),
            (0.2, 0.1, 0.3, 3)
        );
        assert!(timing(&[]).is_err());
        assert!(timing(&[-1.0]).is_err());
    }

    #[test]
    fn versions_compare_by_major_and_minor() {
        assert!(version_tuple("3.7.16") < MIN_VERSION);
        assert!(version_tuple("3.8.0") >= MIN_VERSION);
        assert!(version_tuple("3.13.1") >= MIN_VERSION);
    }
}
