//! The real Python beside the Rust pools: `python/chunksize.py` runs
//! `Pool.map` and `ThreadPool.map` over the same trivial task, and
//! `python/serialization.py` sends the same payload of f64 (a NumPy array) to a
//! worker process, in the same run as the Rust rows (see [`lab::python`]).

use lab::python::Script;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `python/chunksize.py`: standard library only.
pub static CHUNKSIZE: Script = lab::python_script!("chunksize.py");
/// `python/serialization.py`: needs NumPy (the payload is an ndarray).
pub static SERIALIZATION: Script = lab::python_script!("serialization.py", needs = ["numpy"]);

/// How `multiprocessing` starts a worker process (`python_start_method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartMethod {
    /// The platform's default: fork on Linux up to Python 3.13, forkserver
    /// from 3.14; spawn on macOS (since 3.8) and Windows.
    #[default]
    Default,
    /// A copy of the parent process (POSIX only): fast, inherits everything.
    Fork,
    /// A fresh interpreter that imports the main module: slow, clean.
    Spawn,
    /// Forks from a small server process started once (POSIX only).
    Forkserver,
}

impl StartMethod {
    /// The name `multiprocessing.get_context` takes ("" for the default).
    pub fn context_name(self) -> &'static str {
        match self {
            StartMethod::Default => "",
            StartMethod::Fork => "fork",
            StartMethod::Spawn => "spawn",
            StartMethod::Forkserver => "forkserver",
        }
    }
}

/// One chunksize point, as `chunksize.py` reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ChunkPoint {
    pub pool: &'static str,
    pub workers: usize,
    pub tasks: u64,
    pub chunksize: usize,
    pub round_trips: u64,
}

#[derive(Debug, Deserialize)]
pub struct ChunkOutput {
    pub points: Vec<ChunkPointOut>,
    /// Per pool kind: creating the pool and a first task back from every worker.
    pub startup_ms: BTreeMap<String, f64>,
    /// Per pool kind: one `apply` at a time, each waiting for its result.
    pub round_trip_us: BTreeMap<String, f64>,
    pub start_method: String,
}

#[derive(Debug, Deserialize)]
pub struct ChunkPointOut {
    pub times_s: Vec<f64>,
    pub checksum: u64,
    pub chunks: u64,
}

/// One serialization point, as `serialization.py` reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PayloadPoint {
    pub payload_bytes: u64,
    pub echo: bool,
    pub workers: usize,
}

#[derive(Debug, Deserialize)]
pub struct PayloadOutput {
    /// Per point, one entry per path, in the order of `serialization.py`'s PATHS.
    pub points: Vec<Vec<PathOut>>,
    pub start_method: String,
}

#[derive(Debug, Deserialize)]
pub struct PathOut {
    pub path: String,
    pub times_s: Vec<f64>,
    pub bytes: u64,
}
