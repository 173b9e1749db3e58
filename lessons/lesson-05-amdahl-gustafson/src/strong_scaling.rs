//! `strong-scaling`: a fixed amount of work, a known serial fraction, more and
//! more workers. The measured speedup is set beside Amdahl's prediction, and the
//! Karp–Flatt metric turns each measured speedup back into a serial fraction.
//!
//! The `impl = "python"` rows run the same units with the same serial fraction
//! in Python (`python/strong_scaling.py`: the serial part in the parent, the
//! rest on a `multiprocessing.Pool`), so the two Karp–Flatt fractions stand
//! side by side.

use crate::python::{Output, PyPoint, STRONG_SCALING};
use crate::work::{serial_then_parallel, serial_units};
use lab::python::{python_row, ratio, rust_row};
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
        /// Total units of the Python rows (the same unit in pure Python costs a few hundred Rust units).
        pub python_work_units: u64 = 100_000 => at_least(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "strong-scaling",
            "Fixed total work with a known serial fraction: measured speedup vs Amdahl, and the Karp–Flatt serial fraction.",
            run,
        ),
        &STRONG_SCALING,
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
        report.push(rust_row(
            point
                .row()
                .metric("serial_fraction", p.serial_fraction)
                .metric("checksum", checksum)
                .metric(
                    "amdahl",
                    round(amdahl(p.serial_fraction, workers as f64), 4),
                )
                .measured(
                    "ns_per_unit",
                    ratio(timing.median_s * 1e9, p.work_units as f64),
                )
                .timing(timing),
        ));
    }
    python_rows(ctx, points, &mut report)?;
    report.derive_speedups();

    let mut fit_points = Vec::new();
    let mut python_fit_points = Vec::new();
    for row in &mut report.rows {
        let (Some(p), Some(s)) = (row.workers(), row.speedup) else {
            continue;
        };
        if let Some(e) = karp_flatt(s, p as f64) {
            *row = std::mem::take(row).measured("karp_flatt", round(e, 4));
        }
        if p <= cores {
            if row.params.get("impl").and_then(|v| v.as_str()) == Some("python") {
                python_fit_points.push((p as f64, s));
            } else {
                fit_points.push((p as f64, s));
            }
        }
    }
    if let Some(s) = fit_serial_fraction(&fit_points) {
        report.summary_measured("fitted_serial_fraction", round(s, 4));
    }
    if let Some(s) = fit_serial_fraction(&python_fit_points) {
        report.summary_measured("python_fitted_serial_fraction", round(s, 4));
    }

    let configured = points.first().map_or(0.0, |p| p.params.serial_fraction);
    let by_impl = |which: &str| -> Vec<(f64, f64)> {
        report
            .rows
            .iter()
            .filter(|r| r.params.get("impl").and_then(|v| v.as_str()) == Some(which))
            .filter_map(|r| Some((r.workers()? as f64, r.speedup?)))
            .collect()
    };
    let measured = by_impl("rust");
    let python_measured = by_impl("python");
    let predicted: Vec<(f64, f64)> = measured
        .iter()
        .map(|&(p, _)| (p, amdahl(configured, p)))
        .collect();
    let mut plot = Plot::new(
        format!("Strong scaling, serial fraction {configured}"),
        "workers P (count)",
        "speedup T1/TP (×)",
    )
    .scales(Scale::Log2, Scale::Linear)
    .series(Series::new("measured", Style::LinePoints, measured));
    if !python_measured.is_empty() {
        plot = plot.series(Series::new(
            "measured, Python",
            Style::LinePoints,
            python_measured,
        ));
    }
    report.plot(
        plot.series(Series::new(
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
    if ctx.traced() {
        report.note(format!(
            "ledger_serial_frac: the serial part the trace measured, over the one-worker time; set it beside karp_flatt, which infers the same fraction from speedups alone (configured: {configured}). Where karp_flatt is higher, the lost speedup column says which other cause took it"
        ));
    }
    Ok(report)
}

/// The same work in Python, the parallel part on a process pool: rows `impl = "python"`.
fn python_rows(ctx: &Ctx, points: &[Typed<Params>], report: &mut Report) -> anyhow::Result<()> {
    let asked: Vec<PyPoint> = points
        .iter()
        .map(|p| PyPoint {
            workers: p.params.workers.get(),
            work_units: p.params.python_work_units,
            serial_fraction: p.params.serial_fraction,
        })
        .collect();
    let input = lab::python::Input::new(ctx, &asked);
    let Some((out, interpreter)) =
        lab::python::run_for::<Output>(ctx, report, &STRONG_SCALING, &input)?
    else {
        return Ok(());
    };
    lab::python::ensure_points(&STRONG_SCALING, out.points.len(), asked.len())?;
    let mut rows = Vec::new();
    for ((a, got), point) in asked.iter().zip(&out.points).zip(points) {
        let timing = lab::python::timing(&got.times_s)?;
        let per_unit = ratio(timing.median_s * 1e9, a.work_units as f64);
        let rust =
            lab::python::rust_twin(report, &point.row()).and_then(|r| r.number("ns_per_unit"));
        let mut row = point
            .row()
            .metric("serial_fraction", a.serial_fraction)
            .metric("checksum", got.checksum)
            .metric(
                "amdahl",
                round(amdahl(a.serial_fraction, a.workers as f64), 4),
            )
            .measured("ns_per_unit", per_unit);
        if let Some(rust) = rust {
            row = row.measured("vs_rust", ratio(per_unit, rust));
        }
        rows.push(python_row(row, &interpreter).timing(timing));
    }
    report.rows.extend(rows);
    for (workers, ms) in &out.startup_ms {
        report.summary_measured(
            &format!("python_pool_startup_ms_{workers}_workers"),
            lab::significant(*ms, 3),
        );
    }
    report.note("one unit in both: four SplitMix64 rounds on the unit's index (pure Python in the Python rows, python_work_units of them; same work_units gives the same checksum); Python's parallel part runs on a multiprocessing.Pool, its start-up apart from the timed runs; vs_rust = Python's ns_per_unit / Rust's");
    Ok(())
}
