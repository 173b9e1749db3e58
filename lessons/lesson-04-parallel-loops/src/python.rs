//! The real Python beside the Rust backends: `python/backends.py` runs the
//! same loop with `joblib.Parallel` on its `loky` (processes) and `threading`
//! backends, in the same run as the Rust rows (see [`lab::python`]).

use lab::python::Script;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `python/backends.py`: needs joblib.
pub static BACKENDS: Script = lab::python_script!("backends.py", needs = ["joblib"]);

/// One point, as the script reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PyPoint {
    /// "loky" or "threading".
    pub backend: &'static str,
    pub workers: usize,
    pub tasks: u64,
    pub rounds_per_task: u32,
    /// "auto" or a number, as joblib takes it.
    pub batch_size: lab::Value,
}

#[derive(Debug, Deserialize)]
pub struct Output {
    pub points: Vec<PointOut>,
    /// Per backend: the first call that starts its workers, apart from the timed runs.
    pub startup_ms: BTreeMap<String, f64>,
    /// A lambda went through loky's worker processes and came back right.
    pub lambda_through_loky: bool,
    /// What `multiprocessing.Pool` said to the same lambda.
    pub lambda_through_pool: String,
}

#[derive(Debug, Deserialize)]
pub struct PointOut {
    pub times_s: Vec<f64>,
    pub checksum: u64,
}

/// The joblib backend that stands beside a Rust backend, if any.
pub fn joblib_backend(rust: &str) -> Option<&'static str> {
    match rust {
        "processes" => Some("loky"),
        "threads" => Some("threading"),
        _ => None,
    }
}
