//! `monte-carlo`: lesson 06's π estimator at every core count: samples per second
//! per core, and parallel efficiency against one worker (the baseline).

use lab::{Ctx, Report, Typed, Workers, at_least};
use lesson_06_monte_carlo::sample::{Sampler, estimate_pi};
use runtime::rng::Streams;

lab::params! {
    /// π from a fixed number of samples, on 1, 2, ... up to every core.
    pub struct Params {
        /// Points per run.
        pub samples: u64 = 200_000_000 => at_least(1_000),
        /// Fixed chunks, each with its own random stream.
        pub chunks: u64 = 64 => at_least(1),
        /// Largest worker count; runs 1, 2, 4, ... up to it ("all" = every core).
        pub max_workers: Workers = Workers::All,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "monte-carlo",
        "Monte Carlo π: samples per second per core and efficiency at each core count (baseline: one worker).",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let streams = Streams::new(2026);
        let mut workers = 1;
        let mut hits = None;
        while workers <= p.max_workers.get() {
            let (tally, t) = ctx.measure(&format!("{workers} workers"), || {
                estimate_pi(
                    &streams,
                    p.samples,
                    p.chunks as usize,
                    workers,
                    Sampler::U32Pair,
                )
            });
            anyhow::ensure!(
                *hits.get_or_insert(tally.hits) == tally.hits,
                "hits changed with the worker count"
            );
            let per_core = p.samples as f64 / t.median_s / workers as f64 / 1e6;
            report.push(
                point
                    .row()
                    .param("workers", workers)
                    .metric("hits", tally.hits)
                    .measured("msamples_per_s_per_core", crate::round(per_core, 1))
                    .timing(t),
            );
            workers *= 2;
        }
    }
    report.note("efficiency is the speedup over one worker divided by the workers; hits are identical on every row");
    Ok(report)
}
