//! `same-seed-mistake`: three ways to give parallel workers their randomness,
//! side by side.
//!
//! - `same-seed`: every worker builds its generator from the same seed, the
//!   bug of copying one `default_rng(42)` into every task. The workers draw the
//!   very same points, so `P` workers compute one worker's estimate on
//!   `samples / P` points, `P` times over.
//! - `seed-plus-i`: worker `i` is seeded `seed + i`, the chapter's `42 + i`.
//!   Statistically fine with this generator, but the estimate changes with the
//!   number of workers, and a run seeded `seed + 1` re-draws all but one of its
//!   workers' streams.
//! - `independent-streams`: our way, fixed chunks with stream `i` of one
//!   [`Streams`] family each ([`estimate_pi`]).
//!
//! Each variant is repeated over `trials` seeds; the root mean square error
//! over those trials, turned into `effective_samples` (how many independent
//! points the estimate is worth), shows what the mistake costs.

use crate::sample::{
    Sampler, Tally, count_hits, effective_samples, estimate_pi, rms_error, std_error, trial_streams,
};
use lab::{Ctx, Report, Row, Typed, Workers, at_least, between, round, significant};
use rand_xoshiro::rand_core::SeedableRng;
use runtime::parallel::{chunk, scoped_workers};
use runtime::rng::{Streams, Xoshiro256PlusPlus};

lab::params! {
    /// Seeding every worker alike, against `seed + i`, against independent streams.
    pub struct Params {
        /// Points per estimate, all workers together.
        pub samples: u64 = 1_000_000 => at_least(1),
        /// Repetitions of each estimate with fresh seeds, for the RMS error.
        pub trials: u64 = 256 => between(1, 100_000),
        /// Fixed chunks of the independent-streams variant.
        pub chunks: usize = 64 => between(1, 1 << 20),
        /// The seed (the chapter uses 42). Trial t of the per-worker variants starts from seed + t·2^32, of the streams variant from the child family t − 1.
        pub seed: u64 = 42,
        /// Workers, each with its own generator in the per-worker variants; sweep it.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "same-seed-mistake",
            "Every worker seeded alike vs the chapter's seed + i vs independent streams: estimate, RMS error, effective samples.",
            run,
        ),
        &["seeding"],
    )
}

/// How the workers get their generators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeding {
    /// Every worker: `seed_from_u64(seed)`.
    SameSeed,
    /// Worker `i`: `seed_from_u64(seed + i)`.
    SeedPlusI,
    /// Chunk `i`: stream `i` of `Streams::new(seed)`, whichever worker runs it.
    IndependentStreams,
}

impl Seeding {
    pub const ALL: [Seeding; 3] = [
        Seeding::SameSeed,
        Seeding::SeedPlusI,
        Seeding::IndependentStreams,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Seeding::SameSeed => "same-seed",
            Seeding::SeedPlusI => "seed-plus-i",
            Seeding::IndependentStreams => "independent-streams",
        }
    }
}

/// The generators a run starts from, one per unit of work (a worker, or a
/// chunk for [`Seeding::IndependentStreams`]), with how many points each draws.
pub fn generators(
    seeding: Seeding,
    seed: u64,
    samples: u64,
    workers: usize,
    chunks: usize,
) -> Vec<(Xoshiro256PlusPlus, u64)> {
    let per_worker = |i: usize| chunk(samples, workers, i).count() as u64;
    match seeding {
        Seeding::SameSeed => (0..workers)
            .map(|i| (Xoshiro256PlusPlus::seed_from_u64(seed), per_worker(i)))
            .collect(),
        Seeding::SeedPlusI => (0..workers)
            .map(|i| {
                (
                    Xoshiro256PlusPlus::seed_from_u64(seed.wrapping_add(i as u64)),
                    per_worker(i),
                )
            })
            .collect(),
        Seeding::IndependentStreams => Streams::new(seed)
            .chunks(samples, chunks)
            .iter()
            .map(|c| (c.rng, c.len))
            .collect(),
    }
}

/// Estimates π the way `seeding` says, on `workers` threads. Trial `trial`
/// starts from the seed `seed + trial · 2^32` for the per-worker variants, and
/// from [`trial_streams(seed, trial)`](trial_streams) for independent streams.
pub fn estimate(
    seeding: Seeding,
    seed: u64,
    trial: u64,
    samples: u64,
    workers: usize,
    chunks: usize,
) -> Tally {
    match seeding {
        Seeding::IndependentStreams => estimate_pi(
            &trial_streams(seed, trial),
            samples,
            chunks,
            workers,
            Sampler::U32Pair,
        ),
        Seeding::SameSeed | Seeding::SeedPlusI => {
            let base = seed.wrapping_add(trial << 32);
            let units = generators(seeding, base, samples, workers, chunks);
            let hits = scoped_workers(workers, |i| {
                let (mut rng, len) = units[i].clone();
                count_hits(&mut rng, len)
            });
            Tally {
                hits: hits.iter().sum(),
                samples,
            }
        }
    }
}

/// Fraction of the points of `run` drawn from a generator that starts where a
/// generator of `other` starts (so they draw the same sequence); with `other`
/// the run itself, where an *earlier* generator of the run starts.
fn shared_fraction(
    run: &[(Xoshiro256PlusPlus, u64)],
    other: Option<&[(Xoshiro256PlusPlus, u64)]>,
) -> f64 {
    let total: u64 = run.iter().map(|(_, len)| len).sum();
    let shared: u64 = run
        .iter()
        .enumerate()
        .map(|(i, (rng, len))| {
            let candidates = other.unwrap_or(&run[..i]);
            candidates
                .iter()
                .filter(|(r, _)| r == rng)
                .map(|(_, l)| *l.min(len))
                .max()
                .unwrap_or(0)
        })
        .sum();
    if total == 0 {
        0.0
    } else {
        shared as f64 / total as f64
    }
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let steps = points.iter().map(|p| p.params.trials).sum::<u64>() * Seeding::ALL.len() as u64;
    let bar = ctx.bar(steps, "same-seed-mistake");
    for seeding in Seeding::ALL {
        for point in points {
            let p = &point.params;
            let workers = p.workers.get();
            let tallies: Vec<Tally> = (0..p.trials)
                .map(|trial| {
                    let t = estimate(seeding, p.seed, trial, p.samples, workers, p.chunks);
                    bar.inc(1);
                    t
                })
                .collect();
            let first = tallies[0];
            let rms = rms_error(&tallies);
            let this_run = generators(seeding, p.seed, p.samples, workers, p.chunks);
            let next_seed = generators(
                seeding,
                p.seed.wrapping_add(1),
                p.samples,
                workers,
                p.chunks,
            );
            let mut row = Row::new().param("seeding", seeding.name());
            for (k, v) in &point.row().params.0 {
                row = row.param(k, v.clone());
            }
            report.push(
                row.metric("hits", first.hits)
                    .metric("estimate", first.estimate())
                    .metric("rms_error", significant(rms, 4))
                    .metric("std_error", significant(std_error(p.samples), 4))
                    .metric(
                        "std_error_per_worker",
                        std_error(p.samples / workers as u64),
                    )
                    .metric("effective_samples", significant(effective_samples(rms), 3))
                    .metric(
                        "repeated_in_run",
                        round(shared_fraction(&this_run, None), 4),
                    )
                    .metric(
                        "shared_with_seed_plus_1",
                        round(shared_fraction(&this_run, Some(&next_seed)), 4),
                    ),
            );
        }
    }
    bar.finish_and_clear();
    if let Some(first) = points.first() {
        report.summary("samples", first.params.samples);
        report.summary("trials", first.params.trials);
    }
    report.note("same-seed: P workers repeat one worker's points, so rms_error sits on std_error_per_worker and effective_samples falls to about samples / P");
    report.note("seed-plus-i: as accurate, but the estimate changes with the worker count, and the run seeded seed + 1 re-draws (P−1)/P of its points");
    report.note("independent-streams: the same estimate for every worker count, and nothing shared within a run or with the next seed");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::rand_core::Rng;

    #[test]
    fn same_seed_workers_draw_the_same_hit_pattern() {
        let units = generators(Seeding::SameSeed, 42, 40_000, 4, 64);
        let patterns: Vec<Vec<bool>> = units
            .into_iter()
            .map(|(mut rng, len)| {
                (0..len)
                    .map(|_| crate::sample::is_hit(rng.next_u64()))
                    .collect()
            })
            .collect();
        assert!(
            patterns.iter().all(|p| *p == patterns[0]),
            "every worker hits and misses in the same places"
        );
        // And so the total is exactly four times one worker's count.
        let total = estimate(Seeding::SameSeed, 42, 0, 40_000, 4, 64);
        let one: u64 = patterns[0].iter().map(|&h| u64::from(h)).sum();
        assert_eq!(total.hits, 4 * one);
    }

    #[test]
    fn same_seed_estimate_is_one_workers_estimate_on_samples_over_workers() {
        for workers in [2, 4, 8] {
            let many = estimate(Seeding::SameSeed, 42, 0, 80_000, workers, 64);
            let one = estimate(Seeding::SameSeed, 42, 0, 80_000 / workers as u64, 1, 64);
            assert_eq!(many.estimate(), one.estimate(), "workers = {workers}");
        }
    }

    #[test]
    fn same_seed_is_reproducibly_worse_than_independent_streams() {
        let (samples, workers, trials) = (20_000, 8, 64);
        let rms = |seeding| {
            let tallies: Vec<Tally> = (0..trials)
                .map(|t| estimate(seeding, 42, t, samples, workers, 16))
                .collect();
            rms_error(&tallies)
        };
        let (bad, good) = (rms(Seeding::SameSeed), rms(Seeding::IndependentStreams));
        // Expected ratio √8 ≈ 2.8; the seeds are fixed, so this is the same on every run.
        assert!(
            bad > 2.0 * good,
            "same-seed RMS error {bad} vs independent streams {good}"
        );
        let worth = effective_samples(bad);
        assert!(
            worth < 2.0 * (samples / workers as u64) as f64,
            "same-seed is worth {worth} points"
        );
    }

    #[test]
    fn seed_plus_i_depends_on_the_worker_count_and_overlaps_the_next_seed() {
        let two = estimate(Seeding::SeedPlusI, 42, 0, 100_000, 2, 64);
        let four = estimate(Seeding::SeedPlusI, 42, 0, 100_000, 4, 64);
        assert_ne!(two, four);
        let run = generators(Seeding::SeedPlusI, 42, 100_000, 4, 64);
        let next = generators(Seeding::SeedPlusI, 43, 100_000, 4, 64);
        assert_eq!(shared_fraction(&run, Some(&next)), 0.75);
        assert_eq!(shared_fraction(&run, None), 0.0);
    }

    #[test]
    fn independent_streams_share_nothing_and_ignore_the_worker_count() {
        let run = generators(Seeding::IndependentStreams, 42, 100_000, 4, 64);
        let next = generators(Seeding::IndependentStreams, 43, 100_000, 4, 64);
        assert_eq!(shared_fraction(&run, None), 0.0);
        assert_eq!(shared_fraction(&run, Some(&next)), 0.0);
        let one = estimate(Seeding::IndependentStreams, 42, 0, 100_000, 1, 64);
        assert_eq!(
            estimate(Seeding::IndependentStreams, 42, 0, 100_000, 3, 64),
            one
        );
    }

    #[test]
    fn same_seed_repeats_all_but_one_workers_points() {
        let run = generators(Seeding::SameSeed, 42, 100_000, 4, 64);
        assert_eq!(shared_fraction(&run, None), 0.75);
    }
}
