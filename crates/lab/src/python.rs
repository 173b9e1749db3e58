//! The real Python beside the Rust rows: running a lesson's own Python script
//! with a chosen interpreter, in the same run, and reading back what it measured
//! as rows of the kind (`impl = "python"`). Finding, probing and running the
//! interpreter itself is [`crate::interpreter`]; its names are re-exported here.
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
use std::time::Duration;

pub use crate::interpreter::{
    DEFAULT_INTERPRETER, DEFAULT_TIMEOUT, ENV_PYTHON, Interpreter, MIN_VERSION, Output, Script,
    Settings, probe_uncached, resolve_command, run_process, stop_running, venv_dir, venv_python,
};
use crate::interpreter::{last_lines, probe};

/// `1`: a Python row that would be skipped is an error (CI sets it).
pub const ENV_REQUIRE: &str = "PARLAB_REQUIRE_PYTHON";

/// How a request for Python rows ended.
#[derive(Debug)]
pub enum Ran<T> {
    /// The script ran; its output, read into `T`, and the interpreter it ran on.
    Done {
        /// What the script printed, read into `T`.
        output: T,
        /// The interpreter it ran on.
        interpreter: Interpreter,
    },
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
    /// One entry per point the script is to run.
    pub points: &'a [P],
    /// Untimed runs per point before the timed ones.
    pub warmup: u32,
    /// Timed runs per point (the script reports each one's time).
    pub repeats: u32,
    /// Settings of the experiment as a whole, as top-level keys.
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
    crate::numbers::significant(python / rust, 3)
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
    fn preflight(&self) -> Result<(), String> {
        self.inner.preflight()
    }
    fn row_params(&self) -> &'static [&'static str] {
        self.inner.row_params()
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
    fn python_script_names_the_file_under_python_and_its_modules() {
        static PI: Script = crate::python_script!("pi.py", needs = ["numpy"]);
        assert!(PI.path.ends_with("/python/pi.py"));
        assert_eq!(PI.modules, ["numpy"]);
    }
}
