//! The real Python beside the Rust rows: `python/strong_scaling.py` runs the
//! same units of work (four SplitMix64 rounds each, in pure Python) with the
//! same serial fraction, the parallel part on a `multiprocessing.Pool`, in the
//! same run as the Rust rows (see [`lab::python`]).

use lab::python::Script;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `python/strong_scaling.py`: standard library only.
pub static STRONG_SCALING: Script = lab::python_script!("strong_scaling.py");

/// One point, as the script reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PyPoint {
    pub workers: usize,
    pub work_units: u64,
    pub serial_fraction: f64,
}

#[derive(Debug, Deserialize)]
pub struct Output {
    pub points: Vec<PointOut>,
    /// Per worker count: starting the pool, apart from the timed runs.
    pub startup_ms: BTreeMap<String, f64>,
    pub start_method: String,
}

#[derive(Debug, Deserialize)]
pub struct PointOut {
    pub times_s: Vec<f64>,
    pub checksum: u64,
}
