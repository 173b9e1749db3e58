//! The real Python beside the Rust executors: `python/executors.py` runs the
//! same tasks on `concurrent.futures.ThreadPoolExecutor` and
//! `ProcessPoolExecutor`, collected with `as_completed`, in the same run as the
//! Rust rows (see [`lab::python`]).

use lab::python::Script;
use serde::{Deserialize, Serialize};

/// `python/executors.py`: standard library only.
pub static EXECUTORS: Script = lab::python_script!("executors.py");

/// One point, as the script reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PyPoint {
    pub executor: &'static str,
    pub workers: usize,
    pub tasks: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps_per_task: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct Output {
    pub points: Vec<PointOut>,
}

#[derive(Debug, Deserialize)]
pub struct PointOut {
    pub times_s: Vec<f64>,
    pub checksum: u64,
    /// submit mode: creating the executor and a first result from every worker.
    #[serde(default)]
    pub startup_ms: Option<f64>,
}
