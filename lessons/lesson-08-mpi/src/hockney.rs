//! Hockney's model of a message: `t(n) = α + n / β`.
//!
//! Sending `n` bytes costs a fixed start-up time `α` (the latency: software on
//! both sides, the trip through memory or the network) plus `n / β`, where `β`
//! is the bandwidth in bytes per second. Small messages cost `α` whatever their
//! size; large ones cost `n / β`; the size where both parts are equal, `n½ =
//! α·β`, is where a message becomes "large". Roger Hockney proposed it in 1994
//! for the message-passing machines of the day, and it is still the first model
//! any MPI performance analysis reaches for.
//!
//! [`fit`] finds `α` and `β` from measured one-way times by least squares on
//! *relative* errors (each point weighted by `1/t²`). Plain least squares would
//! let the 64 MB message, whose time is a hundred thousand times the 8-byte
//! one's, decide everything, and `α` would come out as noise (even negative);
//! weighting by `1/t²` gives every size the same say, so `α` is set by the small
//! messages and `β` by the large ones, as they should be.

/// The fitted model: latency `alpha_s` (seconds) and bandwidth `beta_bytes_per_s`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hockney {
    pub alpha_s: f64,
    pub beta_bytes_per_s: f64,
}

impl Hockney {
    /// The model's time for a message of `bytes`.
    pub fn time_s(&self, bytes: f64) -> f64 {
        self.alpha_s + bytes / self.beta_bytes_per_s
    }

    /// `n½ = α·β`: the size at which half the time is latency and half bandwidth.
    pub fn half_performance_bytes(&self) -> f64 {
        self.alpha_s * self.beta_bytes_per_s
    }
}

/// Fits `t = α + n/β` to `(bytes, seconds)` points by least squares on relative
/// errors. `None` with fewer than two distinct sizes, or when the times do not
/// grow with the size (no bandwidth to speak of).
pub fn fit(points: &[(f64, f64)]) -> Option<Hockney> {
    // Work in MB and µs, so every sum stays in a comfortable range.
    let scaled: Vec<(f64, f64)> = points
        .iter()
        .filter(|(n, t)| n.is_finite() && t.is_finite() && *t > 0.0)
        .map(|&(n, t)| (n / 1e6, t * 1e6))
        .collect();
    let (mut s, mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(x, y) in &scaled {
        let w = 1.0 / (y * y);
        s += w;
        sx += w * x;
        sy += w * y;
        sxx += w * x * x;
        sxy += w * x * y;
    }
    let det = s * sxx - sx * sx;
    let distinct = scaled.iter().any(|&(x, _)| x != scaled[0].0);
    if !distinct || det <= 0.0 {
        return None;
    }
    let slope = (s * sxy - sx * sy) / det; // µs per MB
    let intercept = (sy - slope * sx) / s; // µs
    (slope > 0.0).then(|| Hockney {
        alpha_s: intercept * 1e-6,
        // 1 µs per MB is 10^12 bytes per second.
        beta_bytes_per_s: 1e12 / slope,
    })
}

/// Message sizes from `min` to `max`, doubling: the sizes of a ping-pong sweep
/// (`max` itself is included when it is not a doubling of `min`).
pub fn sizes(min: u64, max: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut n = min.max(1);
    while n <= max {
        out.push(n);
        match n.checked_mul(2) {
            Some(next) => n = next,
            None => break,
        }
    }
    if out.last().is_some_and(|&last| last < max) {
        out.push(max);
    }
    out
}

/// Repetitions of one operation on `bytes`: `most` for small messages, fewer for
/// large ones so that no size moves more than `budget_bytes` per timed run, and
/// never fewer than 2.
pub fn repetitions(bytes: u64, most: u64, budget_bytes: u64) -> u64 {
    (budget_bytes / bytes.max(1)).clamp(2, most.max(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(alpha_s: f64, beta: f64) -> Vec<(f64, f64)> {
        sizes(8, 64 << 20)
            .into_iter()
            .map(|n| (n as f64, alpha_s + n as f64 / beta))
            .collect()
    }

    #[test]
    fn the_fit_recovers_alpha_and_beta_of_exact_times() {
        for (alpha, beta) in [(0.3e-6, 4.5e9), (16e-6, 1.2e9), (25e-6, 0.3e9)] {
            let h = fit(&exact(alpha, beta)).unwrap();
            assert!((h.alpha_s / alpha - 1.0).abs() < 1e-9, "{h:?}");
            assert!((h.beta_bytes_per_s / beta - 1.0).abs() < 1e-9, "{h:?}");
        }
    }

    #[test]
    fn alpha_stays_near_the_small_messages_when_large_ones_are_noisy() {
        // ±10 % on every large message: plain least squares would swing α by
        // hundreds of microseconds; relative weights keep it near 1 µs.
        let noisy: Vec<(f64, f64)> = exact(1e-6, 5e9)
            .into_iter()
            .enumerate()
            .map(|(i, (n, t))| {
                let wobble = if n > 1e5 { [1.1, 0.9][i % 2] } else { 1.0 };
                (n, t * wobble)
            })
            .collect();
        let h = fit(&noisy).unwrap();
        assert!((0.8e-6..1.25e-6).contains(&h.alpha_s), "{h:?}");
        assert!((4e9..6e9).contains(&h.beta_bytes_per_s), "{h:?}");
        assert!((h.half_performance_bytes() - h.alpha_s * h.beta_bytes_per_s).abs() < 1e-9);
    }

    #[test]
    fn no_fit_without_two_sizes_or_without_a_bandwidth() {
        assert_eq!(fit(&[(8.0, 1e-6)]), None);
        assert_eq!(fit(&[(8.0, 1e-6), (8.0, 2e-6)]), None);
        assert_eq!(fit(&[(8.0, 2e-6), (1e6, 1e-6)]), None);
    }

    #[test]
    fn sizes_double_from_8_bytes_to_64_mb() {
        let s = sizes(8, 64 << 20);
        assert_eq!(
            (s.len(), s[0], s[1], *s.last().unwrap()),
            (24, 8, 16, 64 << 20)
        );
        assert_eq!(sizes(8, 100), [8, 16, 32, 64, 100]);
        assert_eq!(sizes(5, 5), [5]);
        assert!(sizes(9, 8).is_empty());
    }

    #[test]
    fn large_messages_take_fewer_repetitions() {
        assert_eq!(repetitions(8, 1000, 64 << 20), 1000);
        assert_eq!(repetitions(1 << 20, 1000, 64 << 20), 64);
        assert_eq!(repetitions(64 << 20, 1000, 64 << 20), 2);
        assert_eq!(repetitions(8, 1, 64), 2);
    }
}
