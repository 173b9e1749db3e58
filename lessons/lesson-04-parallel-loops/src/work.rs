//! The workloads this lesson's experiments run, and the process-pool tasks that
//! carry them to worker processes.
//!
//! Everything here is deterministic: a result depends only on its input, never
//! on the worker, the batch or the backend that computed it, so a checksum
//! proves that every variant did the same work.

use runtime::process::{Registry, Task};
use serde::{Deserialize, Serialize};

/// One round of the SplitMix64 mixer: a few nanoseconds of integer arithmetic
/// that touches no memory.
#[inline]
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A CPU-bound task of a chosen size: `rounds` rounds of [`mix`] seeded by `item`.
pub fn spin((item, rounds): (u64, u32)) -> u64 {
    let mut x = item;
    for _ in 0..rounds {
        x = mix(x);
    }
    x
}

/// [`spin`] as a process-pool task, so the same loop runs on every backend.
pub static SPIN: Task<(u64, u32), u64> = Task::new("lesson04::spin", spin);

/// The wrapping sum of results: identical for every backend and batch size.
pub fn checksum(results: &[u64]) -> u64 {
    results.iter().fold(0, |acc, &r| acc.wrapping_add(r))
}

/// A value in [-1, 1) for position `i`, reproducible anywhere.
#[inline]
pub fn value(i: u64) -> f64 {
    (mix(i) >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// A row-major matrix of `rows × cols` values from [`value`].
pub fn matrix(rows: usize, cols: usize) -> Vec<f64> {
    (0..(rows * cols) as u64).map(value).collect()
}

/// `log(Σ exp(x))` over a row, computed stably (subtract the row's maximum
/// first): the normalizer of a softmax. Two passes, one `exp` per element, so
/// the loop is bound by arithmetic rather than by memory.
pub fn log_sum_exp(row: &[f64]) -> f64 {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = row.iter().map(|&x| (x - max).exp()).sum();
    max + sum.ln()
}

/// The sum of part `part` of `parts` contiguous parts of `data`: the task of
/// `shared-vs-copied`, which needs the whole array at hand but reads a part.
pub fn part_sum(data: &[f64], part: usize, parts: usize) -> f64 {
    let len = data.len();
    let start = part * len / parts;
    let end = (part + 1) * len / parts;
    data[start..end].iter().sum()
}

/// What a worker process reports for one `shared-vs-copied` task: its result,
/// and what the task cost the worker in memory.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct PartReport {
    pub sum: f64,
    /// The worker's process id (tasks of one worker share its memory).
    pub pid: u32,
    /// The worker's peak private memory, in KiB: its peak resident set
    /// (`VmHWM`) less the file-backed and shared pages it has mapped, which
    /// the parent holds too (the program's code, the memory-mapped array).
    pub private_peak_kib: u64,
}

fn report(sum: f64) -> PartReport {
    let status = crate::memory::Status::read();
    PartReport {
        sum,
        pid: std::process::id(),
        private_peak_kib: status.private_peak_kib(),
    }
}

/// `shared-vs-copied`, mode `serialized`: the whole array travels in the
/// argument, serialized, as joblib sends an array it does not memory-map.
pub fn part_sum_sent((data, part, parts): (Vec<f64>, u32, u32)) -> PartReport {
    let sum = part_sum(&data, part as usize, parts as usize);
    report(sum)
}

/// `shared-vs-copied`, mode `memmap`: only the file's path travels; the worker
/// maps the file and reads its part from the page cache.
pub fn part_sum_mapped((path, part, parts): (String, u32, u32)) -> PartReport {
    // Report while the file is still mapped, so its pages can be told apart
    // from the worker's own.
    crate::memory::with_mapped_f64(&path, |data| {
        report(part_sum_bytes(data, part as usize, parts as usize))
    })
    .unwrap_or_else(|e| panic!("mapping {path}: {e}"))
}

/// [`part_sum`] over little-endian `f64` bytes (a mapped file), without any
/// unsafe cast: the compiler turns the conversions into plain loads.
pub fn part_sum_bytes(bytes: &[u8], part: usize, parts: usize) -> f64 {
    let len = bytes.len() / 8;
    let start = part * len / parts;
    let end = (part + 1) * len / parts;
    bytes[start * 8..end * 8]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("chunks of eight bytes")))
        .sum()
}

pub static PART_SUM_SENT: Task<(Vec<f64>, u32, u32), PartReport> =
    Task::new("lesson04::part_sum_sent", part_sum_sent);
pub static PART_SUM_MAPPED: Task<(String, u32, u32), PartReport> =
    Task::new("lesson04::part_sum_mapped", part_sum_mapped);

/// Registers this lesson's process tasks (called from the driver's
/// `worker_guard`, in the parent and in every worker).
pub fn register_tasks(tasks: &mut Registry) {
    tasks
        .register(&SPIN)
        .register(&PART_SUM_SENT)
        .register(&PART_SUM_MAPPED);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_sums_add_up_to_the_whole_and_bytes_agree_with_values() {
        let data = matrix(7, 13);
        let whole: f64 = data.iter().sum();
        let parts: f64 = (0..5).map(|p| part_sum(&data, p, 5)).sum();
        assert!((whole - parts).abs() < 1e-9);
        let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
        for p in 0..5 {
            assert_eq!(part_sum_bytes(&bytes, p, 5), part_sum(&data, p, 5));
        }
    }

    #[test]
    fn log_sum_exp_matches_the_direct_formula() {
        let row = [0.5, -1.0, 0.25, 0.0];
        let direct = row.iter().map(|x: &f64| x.exp()).sum::<f64>().ln();
        assert!((log_sum_exp(&row) - direct).abs() < 1e-12);
    }

    #[test]
    fn values_lie_in_minus_one_to_one() {
        assert!((0..10_000).map(value).all(|v| (-1.0..1.0).contains(&v)));
    }
}
