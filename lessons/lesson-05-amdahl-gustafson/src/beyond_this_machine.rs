//! `beyond-this-machine`: what would 1024 cores do? Measure the serial part and
//! every task's cost here, check the simulation against real runs on this
//! machine's cores, then simulate P workers up to `max_workers`, beside Amdahl.

use crate::simulate::makespan;
use crate::work::{unit, units};
use lab::scaling::amdahl;
use lab::{Ctx, Plot, Report, Row, Scale, Series, Style, Typed, Workers, at_least, between, round};
use runtime::parallel::scoped_workers;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

lab::params! {
    /// A serial part followed by many tasks of uneven size.
    pub struct Params {
        /// Parallel tasks; fewer tasks than workers leaves workers idle.
        pub tasks: u64 = 1024 => between(1, 1 << 20),
        /// Mean units of work per task (each unit a few ns).
        pub units_per_task: u64 = 20_000 => at_least(1),
        /// How uneven tasks are: each task's size is drawn from mean × (1 ± spread), 0 to 1.
        pub task_spread: f64 = 0.5 => between(0.0, 1.0),
        /// Fraction of all units that is serial (0 to 1).
        pub serial_fraction: f64 = 0.005 => between(0.0, 1.0),
        /// Largest simulated worker count; P runs over powers of two up to it.
        pub max_workers: u64 = 1024 => between(1, 1 << 16),
        /// Largest worker count really run here, to check the simulation against ("all" = every core).
        pub measured_workers: Workers = Workers::All,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "beyond-this-machine",
            "Speedup up to 1024 workers, simulated from measured task costs and the measured serial part, beside Amdahl.",
            run,
        ),
        &["source", "workers"],
    )
}

/// Units of each task: a deterministic, uneven spread around the mean.
fn task_sizes(p: &Params) -> Vec<u64> {
    (0..p.tasks)
        .map(|i| {
            let u = (unit(i ^ 0x5EED) >> 11) as f64 / (1u64 << 53) as f64; // uniform in [0, 1)
            let factor = 1.0 + p.task_spread * (2.0 * u - 1.0);
            ((p.units_per_task as f64 * factor).round() as u64).max(1)
        })
        .collect()
}

/// Runs the serial part, then the tasks on `workers` threads that each take the
/// next task from a shared counter (dynamic scheduling, as the simulation does).
fn run_program(serial: u64, starts: &[u64], sizes: &[u64], workers: usize) -> u64 {
    let head = units(0..serial);
    let next = AtomicUsize::new(0);
    let sums = scoped_workers(workers, |_| {
        let mut sum = 0u64;
        loop {
            let t = next.fetch_add(1, Ordering::Relaxed);
            if t >= sizes.len() {
                return sum;
            }
            sum = sum.wrapping_add(units(starts[t]..starts[t] + sizes[t]));
        }
    });
    sums.into_iter().fold(head, u64::wrapping_add)
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let sizes = task_sizes(p);
        let parallel: u64 = sizes.iter().sum();
        let serial = ((parallel as f64) * p.serial_fraction / (1.0 - p.serial_fraction).max(1e-9))
            .round() as u64;
        let starts: Vec<u64> = sizes
            .iter()
            .scan(serial, |at, &n| Some(std::mem::replace(at, *at + n)))
            .collect();

        // 1. Measure the serial part and each task alone, on one thread.
        ctx.status("measuring the serial part and each task");
        let (_, serial_t) = ctx.measure("serial part", || units(0..serial));
        let task_s: Vec<f64> = starts
            .iter()
            .zip(&sizes)
            .map(|(&start, &n)| {
                // The fastest of three runs: a task that was interrupted once (another
                // process, a page fault) would otherwise pose as a slow task.
                (0..3)
                    .map(|_| {
                        let t0 = Instant::now();
                        std::hint::black_box(units(start..start + n));
                        t0.elapsed().as_secs_f64()
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        let measured_s = serial_t.median_s / (serial_t.median_s + task_s.iter().sum::<f64>());

        // 2. Real runs on this machine's cores, to check the simulation against.
        let mut checksum = None;
        let mut real = Vec::new();
        for w in powers_of_two(p.measured_workers.get() as u64) {
            let (sum, timing) = ctx.measure(&format!("measured, workers = {w}"), || {
                run_program(serial, &starts, &sizes, w as usize)
            });
            anyhow::ensure!(
                *checksum.get_or_insert(sum) == sum,
                "checksum changed with the worker count"
            );
            real.push((w, timing));
        }
        let t1_real = real[0].1.median_s;
        for &(w, timing) in &real {
            report.push(
                point
                    .row()
                    .param("workers", w)
                    .param("source", "measured")
                    .metric("amdahl", round(amdahl(p.serial_fraction, w as f64), 4))
                    .timing(timing),
            );
        }

        // 3. Simulate every power of two up to max_workers.
        let t1_sim = makespan(serial_t.median_s, &task_s, 1, 0.0);
        let mut simulated = Vec::new();
        for w in powers_of_two(p.max_workers) {
            let s = t1_sim / makespan(serial_t.median_s, &task_s, w as usize, 0.0);
            simulated.push((w as f64, s));
            report.push(
                Row::new()
                    .param("workers", w)
                    .param("source", "simulated")
                    .metric("amdahl", round(amdahl(p.serial_fraction, w as f64), 4))
                    .speedup(s, s / w as f64),
            );
        }
        report.summary("checksum", checksum.unwrap_or(0));
        report.summary_measured("measured_serial_fraction", round(measured_s, 4));
        report.summary_measured("one_worker_s", round(t1_real, 4));
        let amdahl_curve = simulated
            .iter()
            .map(|&(w, _)| (w, amdahl(p.serial_fraction, w)))
            .collect();
        report.plot(
            Plot::new(
                "Beyond this machine: simulated speedup vs Amdahl",
                "workers P (count)",
                "speedup T1/TP (×)",
            )
            .scales(Scale::Log2, Scale::Log2)
            .series(Series::new(
                "simulated from measured task costs",
                Style::LinePoints,
                simulated,
            ))
            .series(Series::new(
                "Amdahl with the configured serial fraction",
                Style::Dashed,
                amdahl_curve,
            ))
            .series(Series::new(
                "measured on this machine",
                Style::Points,
                real.iter()
                    .map(|(w, t)| (*w as f64, t1_real / t.median_s))
                    .collect(),
            )),
        );
        report.note("rows marked measured ran on this machine; simulated rows replay the measured task costs on P workers");
        report.note("with few tasks per worker, the largest task and uneven sizes hold the simulation below Amdahl's curve");
    }
    Ok(report)
}

fn powers_of_two(max: u64) -> Vec<u64> {
    std::iter::successors(Some(1u64), |&w| (w * 2 <= max).then_some(w * 2)).collect()
}
