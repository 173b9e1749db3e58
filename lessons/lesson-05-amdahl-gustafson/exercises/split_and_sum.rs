//! Exercise `split_and_sum` (lesson-05).
//!
//! The parallel part of the `strong-scaling` workload: units `0..n` are split into
//! `workers` contiguous pieces, each summed on its own scoped thread.
//!
//! Check your work: `cargo xtask check lesson-05`. Stuck? `cargo xtask hint split_and_sum`.

/// One unit of work (given): a few nanoseconds of integer arithmetic.
pub fn unit(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The range of units that worker `w` of `workers` does, out of `0..n`. The ranges
/// of all workers must cover `0..n` exactly once, in order, with lengths that differ
/// by at most one.
pub fn share(n: u64, workers: u64, w: u64) -> std::ops::Range<u64> {
    let _ = (n, workers, w);
    todo!("worker w's contiguous share of 0..n")
}

/// The wrapping sum of `unit(i)` for `i` in `0..n`, computed by `workers` scoped
/// threads (`std::thread::scope`), each summing its [`share`].
pub fn parallel_sum(n: u64, workers: u64) -> u64 {
    let _ = (n, workers);
    todo!("spawn one scoped thread per worker and add up their sums")
}
