//! The real Python beside the analogue: `python/threads.py` runs the same
//! tasks on `threading.Thread` under CPython's own GIL, in the same run as the
//! Rust rows (see [`lab::python`]).
//!
//! One *step* is the unit of work in both: in Rust, `rounds_per_step` rounds of
//! SplitMix64 (about 14 ns) followed by the lock check; in Python, one update of
//! a 64-bit linear congruential generator in pure Python (about ten bytecodes,
//! 100–300 ns). Python runs `python_steps_per_task` steps per task so its rows
//! take about as long as the Rust ones; the tables compare time per step
//! (`ns_per_step`) and speedups, each language against its own one-worker row.

use lab::python::{Interpreter, Script};
use lab::{Ctx, Report, Row, Timing};
use serde::{Deserialize, Serialize};

/// `python/threads.py`: standard library only.
pub static THREADS: Script = lab::python_script!("threads.py");

/// One sweep point, as the script reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PyPoint {
    pub workers: usize,
    pub tasks: u64,
    pub steps_per_task: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub io_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_lock: Option<bool>,
}

#[derive(Deserialize)]
struct Output {
    points: Vec<PointOut>,
    gil_enabled: bool,
}

#[derive(Deserialize)]
struct PointOut {
    times_s: Vec<f64>,
    /// CPU time of the whole process during each timed run.
    cpu_s: Vec<f64>,
    checksum: u64,
    steps: u64,
}

/// What the script measured for one point.
#[derive(Debug, Clone)]
pub struct Measured {
    pub point: PyPoint,
    pub timing: Timing,
    /// CPU seconds per wall second in the median run: at most about 1 under
    /// the GIL however many threads, up to the cores without it.
    pub cpu_per_wall: f64,
    pub checksum: u64,
    pub steps: u64,
}

/// What the script measured, on which interpreter.
pub struct Rows {
    pub points: Vec<Measured>,
    /// `sys._is_gil_enabled()` after the work (True before 3.13).
    pub gil_enabled: bool,
    pub interpreter: Interpreter,
}

/// Runs `points` through `threads.py` in `mode` ("cpu" or "io"); `None`
/// (with the skip line under the table) when there is no Python to run.
pub fn run(
    ctx: &Ctx,
    report: &mut Report,
    mode: &str,
    points: Vec<PyPoint>,
    switch_interval_us: Option<u64>,
) -> anyhow::Result<Option<Rows>> {
    let mut input = lab::python::Input::new(ctx, &points).with("mode", mode);
    if let Some(us) = switch_interval_us {
        input = input.with("switch_interval_us", us);
    }
    let Some((output, interpreter)) =
        lab::python::run_for::<Output>(ctx, report, &THREADS, &input)?
    else {
        return Ok(None);
    };
    lab::python::ensure_points(&THREADS, output.points.len(), points.len())?;
    let measured = points
        .into_iter()
        .zip(output.points)
        .map(|(point, out)| {
            let timing = lab::python::timing(&out.times_s)?;
            Ok(Measured {
                point,
                cpu_per_wall: cpu_per_wall(&out.times_s, &out.cpu_s),
                timing,
                checksum: out.checksum,
                steps: out.steps,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(Rows {
        points: measured,
        gil_enabled: output.gil_enabled,
        interpreter,
    }))
}

/// Finishes a Python row: `impl = "python"` first, then (last) the
/// interpreter's version and whether its GIL was on.
pub fn finish(row: Row, m: &Measured, gil_enabled: bool, interpreter: &Interpreter) -> Row {
    lab::python::python_row(row.measured("cpu_per_wall", m.cpu_per_wall), interpreter)
        .measured("gil", gil_enabled)
}

/// CPU time over wall time of the run with the median wall time.
fn cpu_per_wall(times_s: &[f64], cpu_s: &[f64]) -> f64 {
    let mut runs: Vec<(f64, f64)> = times_s.iter().copied().zip(cpu_s.iter().copied()).collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    match runs.get(runs.len() / 2) {
        Some(&(wall, cpu)) if wall > 0.0 => lab::round(cpu / wall, 2),
        _ => f64::NAN,
    }
}

/// Nanoseconds per step, to three significant digits.
pub fn ns_per_step(timing: &Timing, steps: u64) -> f64 {
    lab::python::ratio(timing.median_s * 1e9, steps as f64)
}

/// `T1 / Tw` between the rows at one worker and at `workers`, by `(workers, median_s)`.
pub fn speedup(times: &[(usize, f64)], workers: usize) -> Option<f64> {
    let one = times.iter().find(|(w, _)| *w == 1)?.1;
    let at = times.iter().find(|(w, _)| *w == workers)?.1;
    Some(lab::round(one / at, 2))
}

/// Sets the analogue's and Python's speedups side by side in the summary, at
/// the largest worker count both swept that this machine has cores for.
pub fn compare_speedups(
    report: &mut Report,
    ctx: &Ctx,
    rust: &[(usize, f64)],
    python: &[(usize, f64)],
) {
    let common = rust
        .iter()
        .map(|(w, _)| *w)
        .filter(|&w| w > 1 && w <= ctx.machine.logical_cores.max(2))
        .filter(|w| python.iter().any(|(p, _)| p == w))
        .max();
    let Some(w) = common else { return };
    if let (Some(r), Some(p)) = (speedup(rust, w), speedup(python, w)) {
        report.summary_measured("speedups_compared_at_workers", w as u64);
        report.summary_measured("analogue_speedup", r);
        report.summary_measured("python_speedup", p);
    }
}
