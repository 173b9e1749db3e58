//! `ber-curve`: the bit error rate of BPSK over AWGN at every Eb/N0 of a sweep,
//! each SNR point a task on a thread executor, collected with `as_completed`
//! behind a progress bar, and set against the theory `½·erfc(√(Eb/N0))`.
//!
//! This is the chapter's closing example made real: `executor.submit` once per
//! SNR point, then `for f in tqdm(as_completed(futures))`. Rows come out in the
//! sweep's order with the same numbers for any number of workers (see
//! [`crate::simulate`]); only `point_ms` and `done_order` say how the run went.
//!
//! The `impl = "python"` rows simulate the same points with NumPy, one
//! `ProcessPoolExecutor` task per point collected with `as_completed`
//! (`python/ber_curve.py`), each point from its own `SeedSequence` family, on
//! a budget of `python_bits_per_point`; they are checked against the same theory.

use crate::erfc::bpsk_ber;
use crate::python::{BER_CURVE, Input, Output};
use crate::simulate::{
    Ended, MAX_EBN0_DB, MIN_EBN0_DB, Point, PointPlan, family_index, simulate_point,
};
use anyhow::{Context, bail};
use lab::python::{python_row, ratio, rust_row};
use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, between, round};
use runtime::futures::{ThreadExecutor, as_completed};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

lab::params! {
    /// BPSK over AWGN: BER against Eb/N0, one executor task per SNR point.
    pub struct Params {
        /// Eb/N0 of the point, in dB; sweep it. Points must be at least 0.01 dB apart (each gets its own stream family).
        pub ebn0_db: f64 = 0.0 => between(MIN_EBN0_DB, MAX_EBN0_DB),
        /// The most bits one point simulates (its budget). A point with no early stop simulates exactly this many.
        pub bits_per_point: u64 = 10_000_000_000 => at_least(1),
        /// Stop a point after the chunk that brings its errors to this many, as BER simulators do; 0 never stops early. The BER's relative standard error is about 1/√errors: ±1% at 10 000 errors, ±3% at 1000, ±10% at 100.
        pub stop_after_errors: u64 = 10_000,
        /// Bits per chunk: chunk j of a point draws from stream j of the point's family, and the early stop is checked between chunks. Part of the experiment, like the seed.
        pub chunk_bits: u64 = 1_000_000 => at_least(1_000),
        /// Seed of the stream families (numpy's SeedSequence(seed)); the point at ebn0_db uses child family round(100 · (ebn0_db + 10)).
        pub seed: u64 = 2024,
        /// Threads of the executor: how many SNR points run at once.
        pub workers: Workers = Workers::All,
        /// Threads that share one point's chunks, a wave at a time: 1 (one thread per point, as in the chapter) or more, so a costly point can use several cores. The rows do not change.
        pub threads_per_point: Workers = Workers::Count(1),
        /// Order of submission: "costliest-first" (the points expected to need the most bits first, so none starts last and runs alone) or "as-listed" (the sweep's order, as the chapter does).
        pub order: Order = Order::CostliestFirst,
        /// The budget of bits per point of the Python rows (NumPy costs tens of ns per bit); the early stop and chunks are the same.
        pub python_bits_per_point: u64 = 20_000_000 => at_least(1),
    }
}

/// In which order the points are submitted to the executor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// The points expected to need the most bits first (longest processing
    /// time first): the expensive high-SNR points start at once, and the cheap
    /// ones fill in around them.
    #[default]
    CostliestFirst,
    /// The sweep's order.
    AsListed,
}

impl Order {
    pub fn name(self) -> &'static str {
        match self {
            Order::CostliestFirst => "costliest-first",
            Order::AsListed => "as-listed",
        }
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "ber-curve",
            "BPSK over AWGN: BER vs Eb/N0, one executor task per SNR point, collected as completed, against ½·erfc(√(Eb/N0)).",
            run,
        ),
        &BER_CURVE,
    )
}

/// The bits a point is expected to simulate: enough chunks for
/// `stop_after_errors` errors at the theory's BER, within its budget. Used only
/// to order the submissions.
pub fn expected_bits(plan: &PointPlan, ebn0_db: f64) -> u64 {
    if plan.stop_after_errors == 0 {
        return plan.max_bits;
    }
    let needed = plan.stop_after_errors as f64 / bpsk_ber(ebn0_db).max(1e-300);
    let chunks = (needed / plan.chunk_bits as f64).ceil().max(1.0);
    (chunks * plan.chunk_bits as f64).min(plan.max_bits as f64) as u64
}

/// A finished curve: the points in the order given, and how the run went.
#[derive(Debug, Clone)]
pub struct Curve {
    /// One per SNR point, in the order they were given.
    pub points: Vec<Point>,
    /// `done_order[i]`: the position (0 = first) in which point `i` came out
    /// of `as_completed`. Varies from run to run.
    pub done_order: Vec<usize>,
    /// Wall time of each point's task.
    pub point_time: Vec<Duration>,
    /// From the first submit to the last completion.
    pub wall: Duration,
}

/// Runs every point of `ebn0s` as one task on a [`ThreadExecutor`] of
/// `workers` threads, submitted in `order`, and collects them with
/// [`as_completed`], calling `on_done(point, done_so_far)` as each arrives.
///
/// The points are the same for any `workers` and `order`: each is simulated
/// from its own stream family on one thread ([`simulate_point`]).
pub fn simulate_curve(
    plan: &PointPlan,
    ebn0s: &[f64],
    workers: usize,
    order: Order,
    mut on_done: impl FnMut(&Point, usize),
) -> anyhow::Result<Curve> {
    for (i, &a) in ebn0s.iter().enumerate() {
        if let Some(b) = ebn0s[..i]
            .iter()
            .find(|&&b| family_index(b) == family_index(a))
        {
            bail!(
                "ebn0_db values {b} and {a} share a stream family (points are keyed by hundredths of a dB): space the points at least 0.01 dB apart"
            );
        }
    }
    let mut submit_order: Vec<usize> = (0..ebn0s.len()).collect();
    if order == Order::CostliestFirst {
        // Stable: equal costs keep the sweep's order.
        submit_order.sort_by_key(|&i| std::cmp::Reverse(expected_bits(plan, ebn0s[i])));
    }

    let executor = ThreadExecutor::new(workers)
        .with_context(|| format!("starting an executor of {workers} threads"))?;
    let start = Instant::now();
    // Python: futures = {executor.submit(simulate, snr): snr for snr in snrs}
    let futures: Vec<_> = submit_order
        .iter()
        .map(|&i| {
            let (plan, ebn0_db) = (*plan, ebn0s[i]);
            executor.submit(move || {
                let began = Instant::now();
                let point = simulate_point(&plan, ebn0_db);
                (i, point, began.elapsed())
            })
        })
        .collect();

    let mut points: Vec<Option<Point>> = vec![None; ebn0s.len()];
    let mut done_order = vec![0; ebn0s.len()];
    let mut point_time = vec![Duration::ZERO; ebn0s.len()];
    // Python: for f in tqdm(as_completed(futures), total=len(futures)):
    for (done, future) in as_completed(futures, None).enumerate() {
        let outcome = future
            .map_err(anyhow::Error::from)
            .and_then(|f| f.into_result().map_err(anyhow::Error::from));
        let (i, point, took) = match outcome {
            Ok(value) => value,
            Err(e) => {
                executor.shutdown(true, true);
                return Err(e.context("an SNR point's task failed"));
            }
        };
        let point = match point {
            Ok(point) => point,
            Err(e) => {
                executor.shutdown(true, true);
                bail!("stopped at {} dB: {e}", ebn0s[i]);
            }
        };
        on_done(&point, done + 1);
        points[i] = Some(point);
        done_order[i] = done;
        point_time[i] = took;
    }
    let wall = start.elapsed();
    Ok(Curve {
        points: points
            .into_iter()
            .map(|p| p.expect("as_completed yields every future once"))
            .collect(),
        done_order,
        point_time,
        wall,
    })
}

/// The settings of a curve: every key but `ebn0_db`.
fn curve_key(p: &Params) -> (PointPlan, usize, Order) {
    (
        PointPlan {
            seed: p.seed,
            max_bits: p.bits_per_point,
            chunk_bits: p.chunk_bits,
            stop_after_errors: p.stop_after_errors,
            threads: p.threads_per_point.get(),
        },
        p.workers.get(),
        p.order,
    )
}

/// One curve simulated by `python/ber_curve.py`: rows `impl = "python"`, and
/// its points for the plot.
fn python_curve(
    ctx: &Ctx,
    points: &[Typed<Params>],
    members: &[usize],
    plan: &PointPlan,
    workers: usize,
    order: Order,
    report: &mut Report,
) -> anyhow::Result<Option<Series>> {
    let first = &points[members[0]].params;
    let input = Input {
        ebn0_db: members.iter().map(|&i| points[i].params.ebn0_db).collect(),
        bits_per_point: first.python_bits_per_point,
        chunk_bits: plan.chunk_bits,
        stop_after_errors: plan.stop_after_errors,
        seed: plan.seed,
        workers,
        order: order.name(),
    };
    let Some((out, interpreter)) = lab::python::run_for::<Output>(ctx, report, &BER_CURVE, &input)?
    else {
        return Ok(None);
    };
    lab::python::ensure_points(&BER_CURVE, out.points.len(), members.len())?;
    let (mut checked, mut within, mut bits) = (0u64, 0u64, 0u64);
    let mut simulated = Vec::new();
    for (got, &i) in out.points.iter().zip(members) {
        let ebn0_db = points[i].params.ebn0_db;
        anyhow::ensure!(
            got.ebn0_db == ebn0_db && got.errors <= got.bits && got.bits > 0,
            "{} returned a point it was not asked for ({} dB, {} errors in {} bits)",
            BER_CURVE.shown(),
            got.ebn0_db,
            got.errors,
            got.bits
        );
        let p = Point {
            ebn0_db,
            bits: got.bits,
            errors: got.errors,
            chunks: got.chunks,
            ended: if got.ended_by == "errors" {
                Ended::Errors
            } else {
                Ended::Bits
            },
        };
        bits += p.bits;
        if p.errors >= 100 {
            checked += 1;
            within += u64::from(p.sigmas().abs() <= 4.0);
        }
        if p.errors > 0 {
            simulated.push((p.ebn0_db, p.ber()));
        }
        let ns_per_bit = got.point_s * 1e9 / p.bits as f64;
        // The Rust row of the same point: its compute time per bit.
        let rust = lab::python::rust_twin(report, &points[i].row())
            .and_then(|r| Some(r.number("point_ms")? * 1e6 / r.number("bits")?));
        let mut row = points[i]
            .row()
            .metric("bits", p.bits)
            .metric("errors", p.errors)
            .metric("ber", p.ber())
            .metric("theory", p.theory())
            .metric("sigmas", round(p.sigmas(), 2))
            .metric("chunks", p.chunks)
            .metric("ended_by", p.ended.name())
            .measured("point_ms", round(got.point_s * 1e3, 1))
            .measured("done_order", got.done_order);
        if let Some(rust) = rust {
            row = row.measured("vs_rust", ratio(ns_per_bit, rust));
        }
        report.push(python_row(row, &interpreter));
    }
    report.summary("python_points_with_100_errors", checked);
    report.summary("python_of_them_within_4_sigma", within);
    report.summary_measured("python_curve_seconds", round(out.curve_s, 3));
    report.summary_measured(
        "python_mbits_per_s",
        round(bits as f64 / out.curve_s / 1e6, 0),
    );
    report.summary_measured(
        "python_executor_startup_ms",
        lab::significant(out.startup_ms, 3),
    );
    report.note("one bit in both: a random bit, BPSK, Gaussian noise, a decision (NumPy arrays in the Python rows, python_bits_per_point at most per point, one ProcessPoolExecutor task per point); vs_rust = Python's time per bit / Rust's at the same point");
    Ok(Some(Series::new(
        "simulated, Python (NumPy)",
        Style::Points,
        simulated,
    )))
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    // Points that differ only in ebn0_db form one curve (one executor run);
    // sweeping another key (workers, seed, ...) gives one curve per value.
    let mut curves: Vec<((PointPlan, usize, Order), Vec<usize>)> = Vec::new();
    for (i, point) in points.iter().enumerate() {
        let key = curve_key(&point.params);
        match curves.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(i),
            None => curves.push((key, vec![i])),
        }
    }

    let mut report = Report::new();
    let mut rows: Vec<Option<lab::Row>> = vec![None; points.len()];
    let (mut total_bits, mut checked, mut within) = (0u64, 0u64, 0u64);
    let mut simulated_series = Vec::new();
    let several = curves.len() > 1;
    for (c, ((plan, workers, order), members)) in curves.iter().enumerate() {
        let ebn0s: Vec<f64> = members.iter().map(|&i| points[i].params.ebn0_db).collect();
        // A curve is named by its swept keys other than ebn0_db ("workers=2").
        let name: Vec<String> = points[members[0]]
            .sweep
            .0
            .iter()
            .filter(|(k, _)| k != "ebn0_db")
            .map(|(k, v)| format!("{k}={}", lab::format_value(v)))
            .collect();
        let name = if name.is_empty() {
            format!("curve {}", c + 1)
        } else {
            name.join(",")
        };
        let label = if several {
            name.clone()
        } else {
            "SNR points".to_string()
        };
        let bar = ctx.bar(ebn0s.len() as u64, &label);
        let curve = simulate_curve(plan, &ebn0s, *workers, *order, |point, _| {
            bar.set_message(format!(
                "{} dB done: BER {:.2e}",
                point.ebn0_db,
                point.ber()
            ));
            bar.inc(1);
        })?;
        bar.finish_and_clear();

        // Traced (--trace): the curve once more, untimed; every Rust row of
        // the curve (its swept keys but ebn0_db) shares that run's ledger.
        let mut rows_of_curve = rust_row(points[members[0]].row());
        rows_of_curve.params.0.retain(|(k, _)| k != "ebn0_db");
        let traced = ctx.trace_rows(&label, &rows_of_curve, *workers, || {
            let bar = ctx.bar(ebn0s.len() as u64, &format!("{label}, traced"));
            let curve = simulate_curve(plan, &ebn0s, *workers, *order, |_, _| bar.inc(1));
            bar.finish_and_clear();
            curve
        });
        if let Some(traced) = traced {
            anyhow::ensure!(
                traced?.points == curve.points,
                "the traced run of {label} simulated other points"
            );
        }

        for (k, &i) in members.iter().enumerate() {
            let p = &curve.points[k];
            total_bits += p.bits;
            if p.errors >= 100 {
                checked += 1;
                within += u64::from(p.sigmas().abs() <= 4.0);
            }
            let ms = curve.point_time[k].as_secs_f64() * 1e3;
            rows[i] = Some(rust_row(
                points[i]
                    .row()
                    .metric("bits", p.bits)
                    .metric("errors", p.errors)
                    .metric("ber", p.ber())
                    .metric("theory", p.theory())
                    .metric("sigmas", round(p.sigmas(), 2))
                    .metric("chunks", p.chunks)
                    .metric("ended_by", p.ended.name())
                    .measured("point_ms", round(ms, 1))
                    .measured("done_order", curve.done_order[k] + 1),
            ));
        }

        let key = |key: &str| {
            if several {
                format!("{key}[{name}]")
            } else {
                key.to_string()
            }
        };
        let secs = curve.wall.as_secs_f64();
        let bits: u64 = curve.points.iter().map(|p| p.bits).sum();
        report.summary_measured(&key("curve_seconds"), round(secs, 3));
        report.summary_measured(&key("mbits_per_s"), (bits as f64 / secs / 1e6).round());

        let simulated: Vec<(f64, f64)> = curve
            .points
            .iter()
            .filter(|p| p.errors > 0)
            .map(|p| (p.ebn0_db, p.ber()))
            .collect();
        let series = if several {
            format!("simulated, {name}")
        } else {
            "simulated".to_string()
        };
        simulated_series.push(Series::new(series, Style::Points, simulated));
    }
    report.rows = rows
        .into_iter()
        .map(|r| r.expect("every point belongs to one curve"))
        .collect();
    for ((plan, workers, order), members) in &curves {
        if let Some(series) =
            python_curve(ctx, points, members, plan, *workers, *order, &mut report)?
        {
            simulated_series.push(series);
        }
    }

    let lo = points
        .iter()
        .map(|p| p.params.ebn0_db)
        .fold(f64::INFINITY, f64::min);
    let hi = points
        .iter()
        .map(|p| p.params.ebn0_db)
        .fold(f64::NEG_INFINITY, f64::max);
    let steps = 100;
    let theory: Vec<(f64, f64)> = (0..=steps)
        .map(|s| {
            let db = lo + (hi - lo) * f64::from(s) / f64::from(steps);
            (db, bpsk_ber(db))
        })
        .collect();
    // The theory line first, so the simulated points are drawn on top of it.
    let mut plot = Plot::new(
        "BPSK over AWGN: bit error rate",
        "Eb/N0 (dB)",
        "BER (errors per bit)",
    )
    .scales(Scale::Linear, Scale::Log10)
    .series(Series::new("theory ½·erfc(√(Eb/N0))", Style::Line, theory));
    for series in simulated_series {
        plot = plot.series(series);
    }
    report.plot(plot);

    report.summary("total_bits", total_bits);
    report.summary("points_with_100_errors", checked);
    report.summary("of_them_within_4_sigma", within);
    if let Some(first) = points.first() {
        report.summary("order", first.params.order.name());
    }
    report.note("ber follows theory down the curve: sigmas is (ber − theory) / standard error, and stays within ±4 where there are 100 errors or more");
    report.note("the rows are the same for any workers, threads_per_point and order: each point draws from its own stream family, chunk by chunk; only point_ms and done_order change");
    report.note("as_completed hands points back as they finish: the cheap low-SNR points first, the costly high-SNR ones last");
    if ctx.traced() {
        report.note("ledger: the SNR points of a curve ran together, on one executor, so each row shows the ledger of its curve's run");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> PointPlan {
        PointPlan {
            seed: 11,
            max_bits: 400_000,
            chunk_bits: 20_000,
            stop_after_errors: 300,
            threads: 1,
        }
    }

    #[test]
    fn points_do_not_depend_on_workers_order_or_threads_per_point() {
        let ebn0s = [0.0, 2.0, 4.0, 5.0, 6.0];
        let one = simulate_curve(&plan(), &ebn0s, 1, Order::AsListed, |_, _| {}).unwrap();
        for workers in [2, 3, 8] {
            for order in [Order::AsListed, Order::CostliestFirst] {
                for threads in [1, 2] {
                    let plan = PointPlan { threads, ..plan() };
                    let other = simulate_curve(&plan, &ebn0s, workers, order, |_, _| {}).unwrap();
                    assert_eq!(
                        other.points, one.points,
                        "{workers} workers, {order:?}, {threads} threads per point"
                    );
                }
            }
        }
    }

    #[test]
    fn a_point_does_not_depend_on_the_rest_of_the_sweep() {
        let all = simulate_curve(&plan(), &[1.0, 3.0, 5.0], 2, Order::AsListed, |_, _| {}).unwrap();
        let alone = simulate_curve(&plan(), &[3.0], 1, Order::AsListed, |_, _| {}).unwrap();
        assert_eq!(all.points[1], alone.points[0]);
    }

    #[test]
    fn progress_is_reported_once_per_point_in_completion_order() {
        let mut seen = Vec::new();
        let curve = simulate_curve(
            &plan(),
            &[0.0, 3.0, 6.0],
            2,
            Order::CostliestFirst,
            |p, n| {
                seen.push((p.ebn0_db, n));
            },
        )
        .unwrap();
        assert_eq!(seen.iter().map(|s| s.1).collect::<Vec<_>>(), vec![1, 2, 3]);
        let mut order = curve.done_order.clone();
        order.sort();
        assert_eq!(order, vec![0, 1, 2]);
        for (db, n) in seen {
            let i = [0.0, 3.0, 6.0].iter().position(|&x| x == db).unwrap();
            assert_eq!(curve.done_order[i] + 1, n);
        }
    }

    #[test]
    fn points_closer_than_a_hundredth_of_a_db_are_refused() {
        let err = simulate_curve(&plan(), &[1.0, 1.001], 1, Order::AsListed, |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(err.contains("0.01 dB apart"), "{err}");
    }

    #[test]
    fn costliest_first_submits_high_snr_first() {
        let p = plan();
        assert!(expected_bits(&p, 6.0) > expected_bits(&p, 0.0));
        assert_eq!(expected_bits(&p, 0.0), p.chunk_bits);
        assert_eq!(expected_bits(&p, 15.0), p.max_bits);
        let no_stop = PointPlan {
            stop_after_errors: 0,
            ..p
        };
        assert_eq!(expected_bits(&no_stop, 0.0), p.max_bits);
    }
}
