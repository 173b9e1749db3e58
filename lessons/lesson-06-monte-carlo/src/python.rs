//! The real Python beside the Rust rows: `python/pi.py` estimates π with
//! NumPy, one `SeedSequence.spawn` stream per fixed chunk, the chunks shared by
//! the worker processes of a `multiprocessing.Pool`, in the same run as the
//! Rust rows (see [`lab::python`]).

use lab::python::Script;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `python/pi.py`: needs NumPy.
pub static PI: Script = lab::python_script!("pi.py", needs = ["numpy"]);

/// One point, as the script reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PyPoint {
    pub workers: usize,
    pub samples: u64,
    pub chunks: usize,
    pub seed: u64,
}

#[derive(Debug, Deserialize)]
pub struct Output {
    pub points: Vec<PointOut>,
    /// Per worker count: starting the pool, apart from the timed runs.
    pub startup_ms: BTreeMap<String, f64>,
    pub numpy: String,
    pub bit_generator: String,
}

#[derive(Debug, Deserialize)]
pub struct PointOut {
    pub times_s: Vec<f64>,
    pub hits: u64,
    pub samples: u64,
}
