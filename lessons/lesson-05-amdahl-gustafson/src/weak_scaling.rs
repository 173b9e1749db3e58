//! `weak-scaling`: each worker gets the same amount of parallel work, so the
//! problem grows with the workers. The scaled speedup is set beside Gustafson's.

use crate::work::{serial_then_parallel, serial_units};
use lab::scaling::gustafson;
use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, between, round};

lab::params! {
    /// A CPU-bound program whose parallel part grows with the worker count.
    pub struct Params {
        /// Units of work per worker: one worker's share (serial part included) on one worker.
        pub units_per_worker: u64 = 80_000_000 => at_least(1),
        /// Fraction of one worker's units that is serial and does not grow with the workers (0 to 1).
        pub serial_fraction: f64 = 0.10 => between(0.0, 1.0),
        /// Worker threads; sweep it. The total work is s·U + (1 − s)·U·workers.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "weak-scaling",
        "Work per worker fixed, so the problem grows with P: scaled speedup vs Gustafson's law.",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let serial = serial_units(p.units_per_worker, p.serial_fraction);
        let total = serial + (p.units_per_worker - serial) * workers as u64;
        let (checksum, timing) = ctx.measure(&format!("workers = {workers}"), || {
            serial_then_parallel(serial, total, workers)
        });
        report.push(
            point
                .row()
                .metric("work_units", total)
                .metric("checksum", checksum)
                .metric(
                    "gustafson",
                    round(gustafson(p.serial_fraction, workers as f64), 4),
                )
                .timing(timing),
        );
    }
    // Scaled speedup: how much more work per second than one worker did.
    let work = |r: &lab::Row| r.number("work_units").unwrap_or(f64::NAN);
    let baseline = report
        .rows
        .iter()
        .find(|r| r.workers() == Some(1))
        .map(|r| (work(r), r.timing));
    if let Some((w1, Some(t1))) = baseline {
        for row in &mut report.rows {
            let (Some(p), Some(t)) = (row.workers(), row.timing) else {
                continue;
            };
            let s = (work(row) / w1) * (t1.median_s / t.median_s);
            *row = std::mem::take(row).speedup(s, s / p as f64);
        }
    }
    let configured = points.first().map_or(0.0, |p| p.params.serial_fraction);
    let measured: Vec<(f64, f64)> = report
        .rows
        .iter()
        .filter_map(|r| Some((r.workers()? as f64, r.speedup?)))
        .collect();
    report.plot(
        Plot::new(
            format!("Weak scaling, serial fraction {configured}"),
            "workers P (count)",
            "scaled speedup (×)",
        )
        .scales(Scale::Log2, Scale::Linear)
        .series(Series::new("measured", Style::LinePoints, measured.clone()))
        .series(Series::new(
            format!("Gustafson, s = {configured}"),
            Style::Dashed,
            measured
                .iter()
                .map(|&(p, _)| (p, gustafson(configured, p)))
                .collect(),
        )),
    );
    report.note("speedup here is scaled: (work done / work of one worker) × (T1 / Tp); it follows Gustafson up to the core count");
    Ok(report)
}
