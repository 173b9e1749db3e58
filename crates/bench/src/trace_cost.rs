//! `trace-cost`: what tracing costs. Lesson 06's π at `workers` workers, run
//! traced and untraced in alternation (so drift in the machine's load hits both
//! alike), as a ratio of medians; then 10⁶ trivial tasks on a traced thread pool,
//! to show the span buffers stay within their bound however many tasks run.

use lab::{Ctx, Report, Row, Timing, Typed, at_least, between, round};
use lesson_06_monte_carlo::sample::{Sampler, estimate_pi};
use runtime::pool::ThreadPool;
use runtime::rng::Streams;
use runtime::trace;
use std::time::{Duration, Instant};

lab::params! {
    /// Tracing on and off, on the same work, in one run.
    pub struct Params {
        /// π samples per run (lesson 06's `pi` default).
        pub samples: u64 = 100_000_000 => at_least(1_000),
        /// Chunks of the π run, each its own random stream.
        pub chunks: u64 = 64 => at_least(1),
        /// Worker threads of the π run.
        pub workers: u64 = 2 => between(1, 1024),
        /// Traced/untraced pairs of π runs (the medians of each are compared).
        pub pairs: u32 = 7 => between(1, 1000),
        /// Trivial tasks on the traced thread pool (the memory check).
        pub tasks: u64 = 1_000_000 => at_least(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "trace-cost",
        "What tracing costs: lesson 06's π traced vs untraced in one run, and span memory on 10⁶ tasks.",
        run,
    )
}

fn pi(p: &Params, streams: &Streams) -> u64 {
    estimate_pi(
        streams,
        p.samples,
        p.chunks as usize,
        p.workers as usize,
        Sampler::U32Pair,
    )
    .hits
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for point in points {
        let p = &point.params;
        let streams = Streams::new(2024);
        ctx.status("π, traced and untraced");
        let expected = pi(p, &streams); // warm-up
        let mut plain = Vec::new();
        let mut traced = Vec::new();
        for pair in 0..p.pairs {
            // Alternate which goes first.
            for on in [pair % 2 == 0, pair % 2 == 1] {
                if on {
                    let _ = trace::take();
                    trace::enable();
                }
                let start = Instant::now();
                let hits = pi(p, &streams);
                let took = start.elapsed();
                if on {
                    trace::disable();
                    let _ = trace::take();
                    traced.push(took);
                } else {
                    plain.push(took);
                }
                anyhow::ensure!(hits == expected, "tracing changed the result");
            }
        }
        let (plain, traced) = (
            Timing::from_durations(&plain),
            Timing::from_durations(&traced),
        );
        for (mode, t) in [("untraced", plain), ("traced", traced)] {
            report.push(
                Row::new()
                    .param("run", "pi")
                    .param("tracing", mode)
                    .param("workers", p.workers)
                    .metric("hits", expected)
                    .timing(t),
            );
        }
        report.summary_measured(
            "pi_traced_over_untraced",
            round(traced.median_s / plain.median_s, 4),
        );

        ctx.status("10⁶ tasks on a traced pool");
        let pool = ThreadPool::new(p.workers as usize)?;
        let _ = trace::take();
        trace::enable();
        let start = Instant::now();
        for i in 0..p.tasks {
            pool.execute(move || {
                std::hint::black_box(i.wrapping_mul(3));
            })?;
        }
        pool.close();
        pool.join()?;
        let took = start.elapsed();
        trace::disable();
        let tracks = trace::take();
        let kept: usize = tracks.iter().map(|t| t.spans.len()).sum();
        let dropped: u64 = tracks.iter().map(|t| t.dropped).sum();
        let span_bytes = std::mem::size_of::<trace::Span>();
        report.push(
            Row::new()
                .param("run", "tasks")
                .param("tracing", "traced")
                .param("workers", p.workers)
                .metric("tasks", p.tasks)
                .measured("spans_kept", kept as u64)
                .measured("spans_dropped", dropped)
                .measured("buffer_mb", round((kept * span_bytes) as f64 / 1e6, 2))
                .metric(
                    "bound_mb_per_thread",
                    round((trace::capacity() * span_bytes) as f64 / 1e6, 2),
                )
                .timing(Timing::from_durations(&[took.max(Duration::from_nanos(1))])),
        );
    }
    report.note("pi_traced_over_untraced: the median traced π run over the median untraced one, in alternation (1.05 = tracing costs 5%)");
    report.note("the task row: each thread keeps at most its buffer's capacity of spans and counts the rest as dropped, so memory stays bounded");
    Ok(report)
}
