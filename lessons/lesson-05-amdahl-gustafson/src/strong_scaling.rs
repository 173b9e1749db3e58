//! `strong-scaling`: a fixed amount of work, a known serial fraction, more and
//! more workers. The measured speedup is set beside Amdahl's prediction, and the
//! Karp–Flatt metric turns each measured speedup back into a serial fraction.

use crate::work::{serial_then_parallel, serial_units};
use lab::scaling::{amdahl, fit_serial_fraction, karp_flatt};
use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, between, round};

lab::params! {
    /// A CPU-bound program of fixed size with a serial part.
    pub struct Params {
        /// Total units of work (each a few ns of integer arithmetic), serial and parallel together.
        pub work_units: u64 = 200_000_000 => at_least(1),
        /// Fraction of the units that run on one thread before the parallel part (0 to 1).
        pub serial_fraction: f64 = 0.10 => between(0.0, 1.0),
        /// Worker threads for the parallel part; sweep it.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "strong-scaling",
        "Fixed total work with a known serial fraction: measured speedup vs Amdahl, and the Karp–Flatt serial fraction.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let cores = ctx.machine.logical_cores as u64;
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let serial = serial_units(p.work_units, p.serial_fraction);
        let (checksum, timing) = ctx.measure(&format!("workers = {workers}"), || {
            serial_then_parallel(serial, p.work_units, workers)
        });
        report.push(
            point
                .row()
                .metric("serial_fraction", p.serial_fraction)
                .metric("checksum", checksum)
                .metric(
                    "amdahl",
                    round(amdahl(p.serial_fraction, workers as f64), 4),
                )
                .timing(timing),
        );
    }
    report.derive_speedups();

    let mut fit_points = Vec::new();
    for row in &mut report.rows {
        let (Some(p), Some(s)) = (row.workers(), row.speedup) else {
            continue;
        };
        if let Some(e) = karp_flatt(s, p as f64) {
            *row = std::mem::take(row).measured("karp_flatt", round(e, 4));
        }
        if p <= cores {
            fit_points.push((p as f64, s));
        }
    }
    if let Some(s) = fit_serial_fraction(&fit_points) {
        report.summary_measured("fitted_serial_fraction", round(s, 4));
    }

    let configured = points.first().map_or(0.0, |p| p.params.serial_fraction);
    let measured: Vec<(f64, f64)> = report
        .rows
        .iter()
        .filter_map(|r| Some((r.workers()? as f64, r.speedup?)))
        .collect();
    let predicted: Vec<(f64, f64)> = measured
        .iter()
        .map(|&(p, _)| (p, amdahl(configured, p)))
        .collect();
    report.plot(
        Plot::new(
            format!("Strong scaling, serial fraction {configured}"),
            "workers",
            "speedup",
        )
        .scales(Scale::Log2, Scale::Linear)
        .series(Series::new("measured", Style::LinePoints, measured))
        .series(Series::new(
            format!("Amdahl, s = {configured}"),
            Style::Dashed,
            predicted.clone(),
        ))
        .series(Series::new(
            "ideal (S = P)",
            Style::Dashed,
            predicted.iter().map(|&(p, _)| (p, p)).collect(),
        )),
    );
    report.note(format!(
        "karp_flatt near {configured} means the serial part is the limit; rising karp_flatt means overhead, or more workers than cores"
    ));
    Ok(report)
}
