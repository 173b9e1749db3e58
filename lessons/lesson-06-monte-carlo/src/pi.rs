//! `pi`: π from a fixed number of points, split into fixed chunks, run by more
//! and more workers. Every row holds the same `hits`, `samples` and
//! `estimate`: the chunks own the random streams, not the workers. What changes
//! is the time, so the speedup and the samples per second per worker.
//!
//! The `impl = "python"` rows do it with NumPy (`python/pi.py`): fixed chunks,
//! chunk j drawing from child j of `SeedSequence(seed).spawn(chunks)`, shared
//! by the processes of a `multiprocessing.Pool`. Their estimate, too, is the
//! same for any number of workers (the run fails if it is not).

use crate::python::{Output, PI, PyPoint};
use crate::sample::{Sampler, estimate_pi, std_error};
use lab::python::{python_row, ratio, rust_row};
use lab::{Ctx, Report, Typed, Workers, at_least, between, round, significant};
use runtime::rng::Streams;

lab::params! {
    /// Monte Carlo π with independent streams, timed over a worker sweep.
    pub struct Params {
        /// Points thrown into the unit square, all workers together.
        pub samples: u64 = 100_000_000 => at_least(1),
        /// Fixed chunks the points are split into; chunk i draws from stream i of the seed. Part of the experiment, like the seed: change it and the estimate changes.
        pub chunks: usize = 64 => between(1, 1 << 20),
        /// Seed of the stream family (numpy's SeedSequence(seed)).
        pub seed: u64 = 2024,
        /// How a point is drawn: "u32-pair" (one u64 draw split into two 32-bit coordinates, integer test) or "f64-pair" (two f64 draws, as in the chapter).
        pub sampler: Sampler = Sampler::U32Pair,
        /// Worker threads that share the chunks; sweep it.
        pub workers: Workers = Workers::Count(1),
        /// Points of the Python rows (NumPy draws two f64 per point, several ns each), in the same chunks and seed.
        pub python_samples: u64 = 25_000_000 => at_least(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "pi",
            "π from fixed chunks with one stream each: the same estimate for any number of workers, and the speedup.",
            run,
        ),
        &PI,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let streams = Streams::new(p.seed);
        let (tally, timing) = ctx.measure(&format!("workers = {workers}"), || {
            estimate_pi(&streams, p.samples, p.chunks, workers, p.sampler)
        });
        let rate = p.samples as f64 / timing.median_s / workers as f64 / 1e6;
        report.push(rust_row(
            point
                .row()
                .metric("hits", tally.hits)
                .metric("samples", tally.samples)
                .metric("estimate", tally.estimate())
                .metric("error", significant(tally.error(), 4))
                .metric("std_error", significant(std_error(tally.samples), 4))
                .measured("msamples_per_s_per_worker", round(rate, 1))
                .timing(timing),
        ));
    }
    python_rows(ctx, points, &mut report)?;
    report.derive_speedups();
    if let Some(first) = points.first() {
        report.summary("sampler", first.params.sampler.name());
    }
    report.note("hits and estimate are identical on every row: chunk i always draws from stream i, whichever worker runs it");
    report.note("speedup follows the cores and then stops: more workers than cores only share the same cores");
    Ok(report)
}

/// π with NumPy on a process pool: rows `impl = "python"`.
fn python_rows(ctx: &Ctx, points: &[Typed<Params>], report: &mut Report) -> anyhow::Result<()> {
    let asked: Vec<PyPoint> = points
        .iter()
        .map(|p| PyPoint {
            workers: p.params.workers.get(),
            samples: p.params.python_samples,
            chunks: p.params.chunks,
            seed: p.params.seed,
        })
        .collect();
    let input = lab::python::Input::new(ctx, &asked);
    let Some((out, interpreter)) = lab::python::run_for::<Output>(ctx, report, &PI, &input)? else {
        return Ok(());
    };
    lab::python::ensure_points(&PI, out.points.len(), asked.len())?;
    let mut rows = Vec::new();
    for ((a, got), point) in asked.iter().zip(&out.points).zip(points) {
        anyhow::ensure!(
            got.samples == a.samples && got.hits <= got.samples,
            "{} counted {} hits in {} samples for {} asked",
            PI.shown(),
            got.hits,
            got.samples,
            a.samples
        );
        // The promise of the lesson, kept by the real Python too.
        if let Some(other) = asked.iter().zip(&out.points).find(|(b, o)| {
            (b.samples, b.chunks, b.seed) == (a.samples, a.chunks, a.seed) && o.hits != got.hits
        }) {
            anyhow::bail!(
                "{}: the estimate changed with the worker count ({} hits on {} workers, {} on {})",
                PI.shown(),
                got.hits,
                a.workers,
                other.1.hits,
                other.0.workers
            );
        }
        let timing = lab::python::timing(&got.times_s)?;
        let estimate = 4.0 * got.hits as f64 / got.samples as f64;
        let rate = got.samples as f64 / timing.median_s / a.workers as f64 / 1e6;
        let rust = lab::python::rust_twin(report, &point.row())
            .and_then(|r| r.number("msamples_per_s_per_worker"));
        let mut row = point
            .row()
            .metric("hits", got.hits)
            .metric("samples", got.samples)
            .metric("estimate", estimate)
            .metric(
                "error",
                significant((estimate - std::f64::consts::PI).abs(), 4),
            )
            .metric("std_error", significant(std_error(got.samples), 4))
            .measured("msamples_per_s_per_worker", round(rate, 1));
        if let Some(rust) = rust {
            // Time per sample, Python over Rust: Rust's rate over Python's.
            row = row.measured("vs_rust", ratio(rust, rate));
        }
        rows.push(python_row(row, &interpreter).timing(timing));
    }
    report.rows.extend(rows);
    report.summary_measured(
        "python_sampler",
        format!("f64-pair, numpy {} {}", out.numpy, out.bit_generator),
    );
    for (workers, ms) in &out.startup_ms {
        report.summary_measured(
            &format!("python_pool_startup_ms_{workers}_workers"),
            lab::significant(*ms, 3),
        );
    }
    report.note("one sample in both: a point drawn in the unit square and tested against the quarter circle (Rust: the sampler above on Xoshiro256++; NumPy: two float64 from PCG64); the Python rows draw python_samples in the same chunks from SeedSequence(seed).spawn(chunks); vs_rust = Python's time per sample / Rust's");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab::report::Fields;

    fn point(workers: usize, samples: u64) -> Typed<Params> {
        let params = Params {
            samples,
            workers: Workers::Count(workers),
            ..Params::default()
        };
        let mut sweep = Fields::default();
        sweep.set("workers", workers);
        Typed { params, sweep }
    }

    #[test]
    fn hits_and_estimate_do_not_depend_on_the_worker_count() {
        let points: Vec<_> = [1, 2, 3, 8]
            .into_iter()
            .map(|w| point(w, 3_000_000))
            .collect();
        let report = run(&Ctx::for_tests(), &points).unwrap();
        assert_eq!(report.rows.len(), 4);
        let first = &report.rows[0];
        for row in &report.rows {
            for key in ["hits", "samples", "estimate"] {
                assert_eq!(
                    row.metrics.get(key),
                    first.metrics.get(key),
                    "{key} at workers = {:?}",
                    row.workers()
                );
            }
            assert!(row.speedup.is_some() && row.number("msamples_per_s_per_worker").is_some());
        }
        assert_eq!(first.metrics.get("samples"), Some(&3_000_000.into()));
    }

    #[test]
    fn estimate_for_a_fixed_seed_lies_within_four_standard_errors_of_pi() {
        let samples = 10_000_000;
        let report = run(&Ctx::for_tests(), &[point(2, samples)]).unwrap();
        let estimate = report.rows[0].number("estimate").unwrap();
        let bound = 4.0 * std_error(samples);
        assert!(
            (estimate - std::f64::consts::PI).abs() < bound,
            "estimate {estimate} is more than 4 standard errors ({bound}) from π"
        );
    }

    #[test]
    fn the_default_config_values_are_the_lesson_s() {
        let p = Params::default();
        assert_eq!(
            (p.samples, p.chunks, p.sampler),
            (100_000_000, 64, Sampler::U32Pair)
        );
    }
}
