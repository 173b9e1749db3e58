//! `pi`: π from a fixed number of points, split into fixed chunks, run by more
//! and more workers. Every row holds the same `hits`, `samples` and
//! `estimate`: the chunks own the random streams, not the workers. What changes
//! is the time, so the speedup and the samples per second per worker.

use crate::sample::{Sampler, estimate_pi, std_error};
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
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "pi",
        "π from fixed chunks with one stream each: the same estimate for any number of workers, and the speedup.",
        run,
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
        report.push(
            point
                .row()
                .metric("hits", tally.hits)
                .metric("samples", tally.samples)
                .metric("estimate", tally.estimate())
                .metric("error", significant(tally.error(), 4))
                .metric("std_error", significant(std_error(tally.samples), 4))
                .measured("msamples_per_s_per_worker", round(rate, 1))
                .timing(timing),
        );
    }
    report.derive_speedups();
    if let Some(first) = points.first() {
        report.summary("sampler", first.params.sampler.name());
    }
    report.note("hits and estimate are identical on every row: chunk i always draws from stream i, whichever worker runs it");
    report.note("speedup follows the cores and then stops: more workers than cores only share the same cores");
    Ok(report)
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
