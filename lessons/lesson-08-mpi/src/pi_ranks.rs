//! `pi-ranks`: lesson 06's π, with ranks instead of threads.
//!
//! Lesson 06 splits the points into fixed chunks, chunk `i` drawing from stream
//! `i` of the seed, and lets threads take the chunks. Here each rank takes a
//! contiguous block of chunks (rank `r` of `P` gets chunks `r·C/P` up to
//! `(r+1)·C/P`), counts its hits with lesson 06's own sampler, and one
//! `reduce` adds the counts at rank 0. Nothing else crosses between ranks: one
//! 8-byte message per rank per run. Integer addition does not care about order,
//! so the hits, and therefore the estimate, are bit for bit lesson 06's, for 1,
//! 2 or 1000 ranks, on one machine or a hundred.

use crate::job::{self, Job, Repeats, block};
use crate::launch::{Launcher, LauncherArgs};
use lab::{Ctx, Report, Typed, Workers, at_least, between};
use lesson_06_monte_carlo::sample::{Sampler, Tally, estimate_pi, std_error};
use runtime::rng::Streams;
use serde::{Deserialize, Serialize};

mpi_params! {
    /// Monte Carlo π across MPI ranks, on lesson 06's streams.
    pub struct Params {
        /// Points thrown into the unit square, all ranks together.
        pub samples: u64 = 100_000_000 => at_least(1),
        /// Fixed chunks the points are split into; chunk i draws from stream i of the seed, as in lesson 06 (same chunks, same seed: same estimate).
        pub chunks: usize = 64 => between(1, 1 << 20),
        /// Seed of the stream family (numpy's SeedSequence(seed)).
        pub seed: u64 = 2024,
        /// How a point is drawn: "u32-pair" or "f64-pair", as in lesson 06.
        pub sampler: Sampler = Sampler::U32Pair,
        /// MPI ranks (processes) sharing the chunks; sweep it. "all" is one per logical core.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "pi-ranks",
        "Lesson 06's π across MPI ranks, one reduce at the end: the same hits and estimate as lesson 06 for any number of ranks.",
        run,
    )
}

/// What every rank is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankJob {
    pub samples: u64,
    pub chunks: usize,
    pub seed: u64,
    pub sampler: Sampler,
    pub repeats: Repeats,
}

/// What rank 0 reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankResult {
    pub hits: u64,
    /// Wall time of each timed run, measured on rank 0 from a barrier to the
    /// end of the reduce.
    pub times_s: Vec<f64>,
}

/// The hits of the chunks `rank` owns out of `ranks`: what each rank computes
/// before the reduce. The sum over all ranks is lesson 06's tally.
pub fn hits_of_rank(job: &RankJob, rank: u64, ranks: u64) -> u64 {
    let chunks = Streams::new(job.seed).chunks(job.samples, job.chunks);
    block(job.chunks as u64, ranks, rank)
        .map(|i| {
            let mut chunk = chunks.get(i as usize);
            job.sampler.count(&mut chunk.rng, chunk.len)
        })
        .sum()
}

/// The code every rank runs: its chunks, then one `reduce` (sum) into rank 0.
#[cfg(feature = "mpi")]
pub fn on_rank(world: &mpi::topology::SimpleCommunicator, job: &RankJob) -> Option<RankResult> {
    use mpi::collective::SystemOperation;
    use mpi::traits::*;
    let (rank, size) = (world.rank(), world.size());
    let root = world.process_at_rank(0);
    let mut hits = 0u64;
    let mut times_s = Vec::new();
    for run in 0..job.repeats.warmup + job.repeats.repeats {
        world.barrier();
        let start = mpi::time();
        let mine = hits_of_rank(job, rank as u64, size as u64);
        if rank == 0 {
            root.reduce_into_root(&mine, &mut hits, SystemOperation::sum());
        } else {
            root.reduce_into(&mine, SystemOperation::sum());
        }
        if run >= job.repeats.warmup {
            times_s.push(mpi::time() - start);
        }
    }
    (rank == 0).then_some(RankResult { hits, times_s })
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let ranks = p.workers.get();
        let job = RankJob {
            samples: p.samples,
            chunks: p.chunks,
            seed: p.seed,
            sampler: p.sampler,
            repeats: ctx.plan.into(),
        };
        ctx.status(&format!("{ranks} ranks"));
        let ran = crate::launch::run::<RankResult>(
            &p.settings(),
            ranks,
            crate::launch::Transport::Default,
            &Job::PiRanks(job),
        )?;
        crate::launch::record(&mut report, &ran);
        let tally = Tally {
            hits: ran.result.hits,
            samples: p.samples,
        };
        let timing = job::timing(&ran.result.times_s)?;
        let rate = p.samples as f64 / timing.median_s / ranks as f64 / 1e6;
        report.push(
            point
                .row()
                .metric("hits", tally.hits)
                .metric("samples", tally.samples)
                .metric("estimate", tally.estimate())
                .metric("error", lab::significant(tally.error(), 4))
                .metric("std_error", lab::significant(std_error(tally.samples), 4))
                .measured("msamples_per_s_per_rank", lab::round(rate, 1))
                .timing(timing),
        );
    }
    // Lesson 06's own estimate of the same points, on threads, computed here
    // after the ranks are done (so it does not steal their cores).
    ctx.status("lesson 06's estimate, for comparison");
    let mut lesson_06: Vec<((u64, u64, usize, Sampler), u64)> = Vec::new();
    for (point, row) in points.iter().zip(&mut report.rows) {
        let p = &point.params;
        let key = (p.seed, p.samples, p.chunks, p.sampler);
        let hits = match lesson_06.iter().find(|(k, _)| *k == key) {
            Some((_, hits)) => *hits,
            None => {
                let workers = lab::measure::logical_cores();
                let t = estimate_pi(
                    &Streams::new(p.seed),
                    p.samples,
                    p.chunks,
                    workers,
                    p.sampler,
                );
                lesson_06.push((key, t.hits));
                t.hits
            }
        };
        let same = row.metrics.get("hits").and_then(|h| h.as_u64()) == Some(hits);
        *row = std::mem::take(row).metric("same_as_lesson_06", same);
    }
    report.derive_speedups();
    if let Some(first) = points.first() {
        report.summary("sampler", first.params.sampler.name());
    }
    anyhow::ensure!(
        report
            .rows
            .iter()
            .all(|r| r.metrics.get("same_as_lesson_06") == Some(&true.into())),
        "the ranks' hits differ from lesson 06's for the same seed, samples and chunks"
    );
    report.note("hits and estimate are lesson 06's (same_as_lesson_06): chunk i draws from stream i on whichever rank owns it, and one reduce adds the counts");
    report.note("one 8-byte message per rank per run, so the speedup follows the cores; more ranks than cores (oversubscribed) only share them");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(samples: u64, chunks: usize) -> RankJob {
        RankJob {
            samples,
            chunks,
            seed: 2024,
            sampler: Sampler::U32Pair,
            repeats: Repeats {
                warmup: 0,
                repeats: 1,
            },
        }
    }

    #[test]
    fn ranks_together_count_lesson_06_s_hits_for_any_number_of_ranks() {
        // What the reduce adds up, rank by rank, without MPI: the same sum as
        // lesson 06's `pi` for 1 to 70 ranks, more ranks than chunks included.
        for (samples, chunks) in [(1_000_003, 64), (200_000, 7)] {
            let j = job(samples, chunks);
            let lesson_06 = estimate_pi(&Streams::new(j.seed), samples, chunks, 2, j.sampler);
            for ranks in [1, 2, 3, 4, 8, 63, 64, 70] {
                let sum: u64 = (0..ranks).map(|r| hits_of_rank(&j, r, ranks)).sum();
                assert_eq!(
                    sum, lesson_06.hits,
                    "{ranks} ranks, {samples} samples in {chunks} chunks"
                );
            }
        }
    }

    #[test]
    fn the_defaults_are_lesson_06_s_pi_experiment() {
        let here = Params::default();
        let there = lesson_06_monte_carlo::pi::Params::default();
        assert_eq!(
            (here.samples, here.chunks, here.seed, here.sampler),
            (there.samples, there.chunks, there.seed, there.sampler)
        );
    }
}
