//! The real Python beside the Rust rows: `python/ber_curve.py` simulates the
//! same BPSK/AWGN points with NumPy, one `ProcessPoolExecutor` task per SNR
//! point, collected with `as_completed` — the chapter's closing example — in
//! the same run as the Rust rows (see [`lab::python`]).

use lab::python::Script;
use serde::{Deserialize, Serialize};

/// `python/ber_curve.py`: needs NumPy.
pub static BER_CURVE: Script = lab::python_script!("ber_curve.py", needs = ["numpy"]);

/// One curve, as the script reads it.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    pub ebn0_db: Vec<f64>,
    pub bits_per_point: u64,
    pub chunk_bits: u64,
    pub stop_after_errors: u64,
    pub seed: u64,
    pub workers: usize,
    pub order: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct Output {
    /// In the order of `ebn0_db`.
    pub points: Vec<PointOut>,
    /// From the first submit to the last completion.
    pub curve_s: f64,
    /// Starting the executor and its workers, before the clock.
    pub startup_ms: f64,
}

#[derive(Debug, Deserialize)]
pub struct PointOut {
    pub ebn0_db: f64,
    pub bits: u64,
    pub errors: u64,
    pub chunks: u64,
    /// "errors" or "bits".
    pub ended_by: String,
    /// The point's own compute time, in its worker.
    pub point_s: f64,
    /// Its position (1 = first) out of as_completed.
    pub done_order: u64,
}
