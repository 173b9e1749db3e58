//! `switch-interval`: the convoy effect. One I/O-bound thread waits `io_ms` with
//! the lock released, over and over, while `workers` CPU-bound threads run steps
//! under the same lock. Each time its I/O finishes, the I/O thread needs the lock
//! back, and a CPU-bound holder never lets go of its own accord: the I/O thread
//! waits one switch interval, asks for the lock, and gets it at the holder's next
//! step. Its wake-up latency (I/O done → lock held again) therefore grows with the
//! switch interval: a long interval means few switches and slow I/O, a short one
//! quick I/O and many switches.
//!
//! Each row's `latency_us` is the median wake-up latency over `wakeups` wake-ups
//! (the first one, while the threads start, is not counted).

use crate::work::{DEFAULT_ROUNDS_PER_STEP, interpreted_steps, locked_interpreter};
use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, between, round};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

lab::params! {
    /// An I/O-bound thread beside CPU-bound threads, on one interpreter.
    pub struct Params {
        /// The interpreter's switch interval, in µs (`sys.setswitchinterval`; CPython's default is 5000); sweep it.
        pub switch_interval_us: u64 = 5_000 => between(1, 10_000_000),
        /// CPU-bound threads that keep the lock busy (the I/O thread comes on top).
        pub workers: Workers = Workers::Count(1),
        /// The I/O thread's simulated I/O wait before each wake-up, in milliseconds.
        pub io_ms: f64 = 1.0 => between(0.0, 60_000.0),
        /// Wake-ups measured per point; the median is reported.
        pub wakeups: u64 = 40 => between(1, 1_000_000),
    }
}

/// Steps the CPU-bound threads run between looks at the stop flag (about 15 µs).
const STEPS_BETWEEN_STOP_CHECKS: u64 = 1_000;

/// Interpreted steps the I/O thread runs after each wake-up (handling the data).
const STEPS_PER_WAKEUP: u64 = 100;

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "switch-interval",
        "An I/O-bound thread's wake-up latency while CPU-bound threads hold the lock, over the switch interval (the convoy effect).",
        run,
    )
}

/// What one point measured.
struct Wakeups {
    /// Wake-up latencies, sorted.
    latencies: Vec<Duration>,
    forced_switches: u64,
}

/// Sets the flag when dropped, so the CPU-bound threads stop even if the I/O
/// thread panics (otherwise the scope would wait for them forever).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn measure_wakeups(p: &Params) -> Wakeups {
    let interp = locked_interpreter(p.switch_interval_us);
    let stop = AtomicBool::new(false);
    let io = Duration::from_secs_f64(p.io_ms / 1e3);
    let latencies = std::thread::scope(|s| {
        for w in 0..p.workers.get() {
            let (interp, stop) = (&interp, &stop);
            s.spawn(move || {
                interp.with_gil(|py| {
                    let mut x = w as u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = interpreted_steps(
                            py,
                            x,
                            STEPS_BETWEEN_STOP_CHECKS,
                            DEFAULT_ROUNDS_PER_STEP,
                        );
                    }
                    x
                })
            });
        }
        let _stop = StopOnDrop(&stop);
        interp.with_gil(|py| {
            let mut latencies = Vec::with_capacity(p.wakeups as usize);
            for i in 0..=p.wakeups {
                // The I/O finishes at `done`; `allow_threads` returns once this
                // thread holds the lock again.
                let done = py.allow_threads(|| {
                    std::thread::sleep(io);
                    Instant::now()
                });
                let latency = done.elapsed();
                if i > 0 {
                    latencies.push(latency);
                }
                interpreted_steps(py, i, STEPS_PER_WAKEUP, DEFAULT_ROUNDS_PER_STEP);
            }
            latencies
        })
    });
    let mut latencies = latencies;
    latencies.sort();
    Wakeups {
        latencies,
        forced_switches: interp.stats().forced_switches,
    }
}

/// The `q`-quantile of sorted durations, in µs (nearest rank).
fn quantile_us(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e6
}

/// The median of sorted durations, in µs.
fn median_us(sorted: &[Duration]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    if n % 2 == 1 {
        us(sorted[n / 2])
    } else {
        (us(sorted[n / 2 - 1]) + us(sorted[n / 2])) / 2.0
    }
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut median = Vec::new();
    let mut p90 = Vec::new();
    for point in points {
        let p = &point.params;
        ctx.status(&format!("switch interval {} µs", p.switch_interval_us));
        let w = measure_wakeups(p);
        let latency = median_us(&w.latencies);
        let tail = quantile_us(&w.latencies, 0.9);
        let interval = p.switch_interval_us as f64;
        median.push((interval, latency));
        p90.push((interval, tail));
        let mut row = point.row();
        if row.params.get("workers").is_none() {
            row = row.param("workers", p.workers.get() as u64);
        }
        report.push(
            row.metric("wakeups", p.wakeups)
                .measured("latency_us", round(latency, 3))
                .measured("p90_latency_us", round(tail, 3))
                .measured("latency_per_interval", round(latency / interval, 3))
                .measured("forced_switches", w.forced_switches),
        );
    }
    let reference: Vec<(f64, f64)> = median.iter().map(|&(x, _)| (x, x)).collect();
    report.plot(
        Plot::new(
            "I/O wake-up latency vs switch interval",
            "switch interval (µs)",
            "wake-up latency (µs)",
        )
        .scales(Scale::Log10, Scale::Log10)
        .series(Series::new("median latency", Style::LinePoints, median))
        .series(Series::new("90th percentile", Style::LinePoints, p90))
        .series(Series::new(
            "latency = one interval",
            Style::Dashed,
            reference,
        )),
    );
    report.note("latency_us follows the switch interval: back from I/O, the thread waits one interval before it may ask for the lock");
    report.note("a shorter interval answers I/O sooner but forces more switches on the CPU-bound threads (the convoy effect)");
    Ok(report)
}
