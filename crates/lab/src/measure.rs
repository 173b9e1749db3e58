//! Timing: warm-up runs, timed repeats, and the median/min/max of the wall times.
//!
//! The median is what tables and speedups use: one slow repeat (another process
//! took the core for a moment) moves the mean but not the median.

use serde::Serialize;
use std::time::{Duration, Instant};

/// The wall time of one measured point over its timed repeats. In a results
/// file it also carries its `spread` (see [`Timing::spread`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// The median wall time in seconds: what tables and speedups use.
    pub median_s: f64,
    /// The fastest repeat, in seconds.
    pub min_s: f64,
    /// The slowest repeat, in seconds.
    pub max_s: f64,
    /// How many timed runs the figures come from.
    pub repeats: u32,
}

impl Timing {
    /// The timing of a set of durations (at least one).
    pub fn from_durations(durations: &[Duration]) -> Timing {
        assert!(!durations.is_empty(), "a timing needs at least one run");
        let mut s: Vec<f64> = durations.iter().map(Duration::as_secs_f64).collect();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let median = if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2.0
        };
        Timing {
            median_s: median,
            min_s: s[0],
            max_s: s[n - 1],
            repeats: n as u32,
        }
    }

    /// How far apart the repeats were, relative to the median: `(max - min) /
    /// median` (`0.4` is 40 %). A large spread says the machine was busy or the
    /// work is noisy, and one run's ratio to another means less.
    pub fn spread(&self) -> f64 {
        if self.median_s > 0.0 {
            (self.max_s - self.min_s) / self.median_s
        } else {
            0.0
        }
    }
}

impl Serialize for Timing {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut t = s.serialize_struct("Timing", 5)?;
        t.serialize_field("median_s", &self.median_s)?;
        t.serialize_field("min_s", &self.min_s)?;
        t.serialize_field("max_s", &self.max_s)?;
        t.serialize_field("repeats", &self.repeats)?;
        t.serialize_field("spread", &self.spread())?;
        t.end()
    }
}

/// How many times to run a point: `warmup` untimed runs, then `repeats` timed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Repeats {
    /// Untimed runs first (caches, page faults, lazy initialisation).
    pub warmup: u32,
    /// Timed runs; their median is reported.
    pub repeats: u32,
}

/// Runs `f` `warmup` times untimed, then `repeats` times timed; returns the value of
/// the last run with the timing.
pub fn measure<T>(plan: Repeats, mut f: impl FnMut() -> T) -> (T, Timing) {
    for _ in 0..plan.warmup {
        std::hint::black_box(f());
    }
    let mut times = Vec::with_capacity(plan.repeats as usize);
    let mut last = None;
    for _ in 0..plan.repeats.max(1) {
        let start = Instant::now();
        let value = std::hint::black_box(f());
        times.push(start.elapsed());
        last = Some(value);
    }
    (
        last.expect("at least one timed run"),
        Timing::from_durations(&times),
    )
}

/// What the results were measured on: the `machine` object of every results file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Machine {
    /// Logical cores the OS offers this process (what `workers = "all"` means).
    pub logical_cores: usize,
    /// The OS, as Rust names it (`linux`, `macos`, `windows`).
    pub os: &'static str,
    /// The CPU architecture (`x86_64`, `aarch64`).
    pub arch: &'static str,
    /// `release` for optimized builds; timings from a `debug` build are flagged.
    pub profile: &'static str,
}

impl Machine {
    /// The machine this process runs on.
    pub fn this() -> Machine {
        Machine {
            logical_cores: logical_cores(),
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            profile: profile(),
        }
    }
}

/// The machine's logical cores (what `"all"` workers means).
pub fn logical_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The build profile this harness was compiled with.
pub fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_takes_the_median_of_odd_and_even_counts() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        let t = Timing::from_durations(&ms(&[30, 10, 20]));
        assert_eq!(
            (t.median_s, t.min_s, t.max_s, t.repeats),
            (0.02, 0.01, 0.03, 3)
        );
        let t = Timing::from_durations(&ms(&[40, 10, 20, 30]));
        assert!((t.median_s - 0.025).abs() < 1e-12);
    }

    #[test]
    fn measure_runs_warmup_and_repeats() {
        let mut calls = 0;
        let (last, t) = measure(
            Repeats {
                warmup: 2,
                repeats: 3,
            },
            || {
                calls += 1;
                calls
            },
        );
        assert_eq!((calls, last, t.repeats), (5, 5, 3));
    }
}
