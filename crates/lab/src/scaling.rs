//! The laws of parallel speedup, as plain functions.
//!
//! With a serial fraction `s` of the one-worker run time and `p` workers:
//!
//! * Amdahl (fixed problem): `S(p) = 1 / (s + (1 - s) / p)`, bounded by `1 / s`.
//! * Gustafson (problem grows with `p`, time fixed): `S(p) = s + (1 - s) · p`,
//!   where `s` is the serial fraction of the *parallel* run.
//! * Efficiency: `E = S / p`.
//! * Karp–Flatt: the serial fraction a measured speedup implies,
//!   `e = (1/S - 1/p) / (1 - 1/p)`. If `e` stays flat as `p` grows, the limit is
//!   serial work; if it grows, it is overhead (communication, synchronisation).

/// Amdahl's speedup for serial fraction `s` on `p` workers.
pub fn amdahl(s: f64, p: f64) -> f64 {
    1.0 / (s + (1.0 - s) / p)
}

/// Amdahl's limit `1 / s` as `p → ∞` (infinite when nothing is serial).
pub fn amdahl_limit(s: f64) -> f64 {
    if s == 0.0 { f64::INFINITY } else { 1.0 / s }
}

/// Gustafson's scaled speedup for serial fraction `s` on `p` workers.
pub fn gustafson(s: f64, p: f64) -> f64 {
    s + (1.0 - s) * p
}

/// Parallel efficiency: speedup per worker.
pub fn efficiency(speedup: f64, p: f64) -> f64 {
    speedup / p
}

/// The Karp–Flatt metric: the experimentally determined serial fraction.
/// Undefined (`None`) for one worker.
pub fn karp_flatt(speedup: f64, p: f64) -> Option<f64> {
    (p > 1.0).then(|| (1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p))
}

/// The serial fraction whose Amdahl curve best fits measured `(p, speedup)` points,
/// by least squares on `1/S = s + (1 - s)/p`, i.e. `1/S - 1/p = s (1 - 1/p)`:
/// a line through the origin in `x = 1 - 1/p`, `y = 1/S - 1/p`.
/// `None` when no point has `p > 1`.
pub fn fit_serial_fraction(points: &[(f64, f64)]) -> Option<f64> {
    let (mut xy, mut xx) = (0.0, 0.0);
    for &(p, speedup) in points {
        let x = 1.0 - 1.0 / p;
        let y = 1.0 / speedup - 1.0 / p;
        xy += x * y;
        xx += x * x;
    }
    (xx > 0.0).then(|| xy / xx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbers::round;

    #[test]
    fn model_values_match_the_textbook() {
        assert_eq!(round(amdahl(0.10, 8.0), 4), 4.7059);
        assert_eq!(round(gustafson(0.10, 8.0), 2), 7.30);
        assert_eq!(amdahl_limit(0.05), 20.0);
        assert_eq!(amdahl(0.0, 16.0), 16.0);
        assert_eq!(amdahl(1.0, 16.0), 1.0);
    }

    #[test]
    fn karp_flatt_recovers_the_serial_fraction_of_an_amdahl_speedup() {
        for s in [0.01, 0.1, 0.5] {
            for p in [2.0, 4.0, 64.0] {
                let e = karp_flatt(amdahl(s, p), p).unwrap();
                assert!((e - s).abs() < 1e-12, "s={s} p={p} e={e}");
            }
        }
        assert_eq!(karp_flatt(1.0, 1.0), None);
    }

    #[test]
    fn the_fit_recovers_the_serial_fraction_of_exact_points() {
        let pts: Vec<_> = [1.0, 2.0, 4.0, 8.0]
            .iter()
            .map(|&p| (p, amdahl(0.2, p)))
            .collect();
        assert!((fit_serial_fraction(&pts).unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(fit_serial_fraction(&[(1.0, 1.0)]), None);
    }
}
