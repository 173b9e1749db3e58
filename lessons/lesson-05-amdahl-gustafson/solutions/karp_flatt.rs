//! Reference solution of `karp_flatt` (lesson-05).

/// Speedup of `p` workers: how many times faster than one worker.
pub fn speedup(t1_s: f64, tp_s: f64) -> f64 {
    t1_s / tp_s
}

/// Parallel efficiency: the share of `p` workers' capacity that did useful work.
pub fn efficiency(speedup: f64, p: u32) -> f64 {
    speedup / f64::from(p)
}

/// The Karp–Flatt metric: the serial fraction that would explain `speedup` on `p`
/// workers under Amdahl's law. `None` for one worker, where it is undefined.
pub fn karp_flatt(speedup: f64, p: u32) -> Option<f64> {
    if p < 2 {
        return None;
    }
    let p = f64::from(p);
    Some((1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p))
}
