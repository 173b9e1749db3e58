//! Exercise `karp_flatt` (lesson-05).
//!
//! You ran a program on 1 worker and on p workers and kept the median times.
//! Turn them into the three numbers the `strong-scaling` table shows.
//!
//! Check your work: `cargo xtask check lesson-05`. Stuck? `cargo xtask hint karp_flatt`.

/// Speedup of `p` workers: how many times faster than one worker.
pub fn speedup(t1_s: f64, tp_s: f64) -> f64 {
    let _ = (t1_s, tp_s);
    todo!("speedup from the two times")
}

/// Parallel efficiency: the share of `p` workers' capacity that did useful work.
pub fn efficiency(speedup: f64, p: u32) -> f64 {
    let _ = (speedup, p);
    todo!("efficiency from the speedup")
}

/// The Karp–Flatt metric: the serial fraction that would explain `speedup` on `p`
/// workers under Amdahl's law. `None` for one worker, where it is undefined.
pub fn karp_flatt(speedup: f64, p: u32) -> Option<f64> {
    let _ = (speedup, p);
    todo!("the experimentally determined serial fraction")
}
