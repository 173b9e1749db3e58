//! `collectives`: operations every rank joins, timed against the number of ranks
//! and the message size, beside the tree model `⌈log₂P⌉·(α + n/β)`.
//!
//! - `bcast`: rank 0's `n` bytes end up on every rank.
//! - `reduce`: every rank's `n/8` numbers are summed, element by element, into rank 0.
//! - `allreduce`: the same sum, ending on every rank (a reduce, then a broadcast).
//! - `gather`: every rank's `n` bytes end up side by side on rank 0 (`P·n` bytes).
//!
//! A good implementation passes messages along a tree: in round `k`, every rank
//! that has the data sends it to one that has not, so `P` ranks are served in
//! `⌈log₂P⌉` rounds of one message each, `⌈log₂P⌉·(α + n/β)` with Hockney's `α`
//! and `β` (fitted in the same launch from a ping-pong between ranks 0 and 1).
//! Where the measurement departs from the model is the lesson: allreduce costs
//! about two trees, gather's root must take in `(P − 1)·n` bytes whatever the
//! tree, and more ranks than cores wait for each other's time slices.

use crate::hockney::{self, Hockney};
use crate::job::{self, Job, Repeats};
use crate::launch::{self, Launcher, LauncherArgs, Transport};
use lab::{Ctx, Plot, Report, Row, Scale, Series, Style, Typed, Workers, at_least};
use serde::{Deserialize, Serialize};

/// A collective operation: the `operations` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Collective {
    /// `MPI_Bcast`, mpi4py's `comm.Bcast`.
    Bcast,
    /// `MPI_Reduce` with `MPI_SUM`, mpi4py's `comm.Reduce`.
    Reduce,
    /// `MPI_Allreduce` with `MPI_SUM`, mpi4py's `comm.Allreduce`.
    Allreduce,
    /// `MPI_Gather`, mpi4py's `comm.Gather`.
    Gather,
}

impl Collective {
    pub fn name(self) -> &'static str {
        match self {
            Collective::Bcast => "bcast",
            Collective::Reduce => "reduce",
            Collective::Allreduce => "allreduce",
            Collective::Gather => "gather",
        }
    }
}

mpi_params! {
    /// Collective operations timed across ranks and message sizes.
    pub struct Params {
        /// The operations to time: any of "bcast", "reduce", "allreduce", "gather".
        pub operations: Vec<Collective> = vec![Collective::Bcast, Collective::Reduce, Collective::Allreduce, Collective::Gather],
        /// Message sizes in bytes, each rank's part (rounded up to whole 8-byte numbers).
        pub sizes_bytes: Vec<u64> = vec![8, 1_024, 65_536, 1_048_576],
        /// Operations per timed run for small messages.
        pub iterations: u64 = 200 => at_least(1),
        /// Bytes one size may send per timed run: large messages do fewer iterations (at least 2).
        pub bytes_per_size: u64 = 16 << 20 => at_least(1),
        /// "default" (whatever MPI picks), "shared-memory" or "tcp".
        pub transport: Transport = Transport::Default,
        /// MPI ranks; sweep it.
        pub workers: Workers = Workers::Count(2),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "collectives",
        "bcast, reduce, allreduce and gather against ranks and message size, beside the tree model ⌈log₂P⌉·(α + n/β).",
        run,
    )
}

/// What every rank is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankJob {
    pub operations: Vec<Collective>,
    pub sizes: Vec<u64>,
    pub iterations: u64,
    pub bytes_per_size: u64,
    pub repeats: Repeats,
}

/// Rank 0's timings of one operation at one size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpResult {
    pub operation: Collective,
    pub bytes: u64,
    pub iterations: u64,
    /// Seconds per operation in each timed run: the slowest rank's average.
    pub times_s: Vec<f64>,
}

/// What rank 0 reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankResult {
    /// One-way `(bytes, seconds)` between ranks 0 and 1 (none on one rank).
    pub ping_pong: Vec<(u64, f64)>,
    pub operations: Vec<OpResult>,
}

/// `n` bytes as whole 8-byte numbers (at least one).
pub fn elements(bytes: u64) -> usize {
    bytes.div_ceil(8).max(1) as usize
}

/// `⌈log₂P⌉`: the rounds of a binary tree over `ranks` ranks.
pub fn tree_rounds(ranks: u64) -> u32 {
    ranks.max(1).next_power_of_two().trailing_zeros()
}

/// The tree model's time for one operation of `bytes` on `ranks` ranks.
pub fn model_s(h: &Hockney, ranks: u64, bytes: u64) -> f64 {
    f64::from(tree_rounds(ranks)) * h.time_s(bytes as f64)
}

/// The code every rank runs: a short ping-pong between ranks 0 and 1 for `α`
/// and `β`, then each operation at each size, checking every result.
#[cfg(feature = "mpi")]
pub fn on_rank(world: &mpi::topology::SimpleCommunicator, job: &RankJob) -> Option<RankResult> {
    use mpi::collective::SystemOperation;
    use mpi::traits::*;
    let (rank, size) = (world.rank(), world.size());
    let p = size as u64;
    let root = world.process_at_rank(0);
    let is_root = rank == 0;

    // α and β of the path between ranks 0 and 1: a ping-pong over sizes doubling
    // from 8 bytes to the largest message, the median of the timed runs.
    let mut ping_pong = Vec::new();
    if size >= 2 {
        let largest = job.sizes.iter().map(|&b| elements(b)).max().unwrap_or(1);
        let mut buffer = vec![1u64; largest];
        for bytes in hockney::sizes(8, 8 * largest as u64) {
            let message = &mut buffer[..elements(bytes)];
            let trips = hockney::repetitions(bytes, job.iterations, job.bytes_per_size);
            let mut one_way = Vec::new();
            for _ in 0..job.repeats.warmup + job.repeats.repeats {
                world.barrier();
                let start = mpi::time();
                if rank < 2 {
                    let other = world.process_at_rank(1 - rank);
                    crate::ping_pong::bounce(&other, rank == 0, message, trips);
                }
                one_way.push((mpi::time() - start) / trips as f64 / 2.0);
            }
            let timed = &one_way[job.repeats.warmup as usize..];
            ping_pong.push((8 * elements(bytes) as u64, crate::job::median(timed)));
        }
    }

    let mut operations = Vec::new();
    for &operation in &job.operations {
        for &bytes in &job.sizes {
            let n = elements(bytes);
            let mine = vec![rank as u64 + 1; n];
            let mut into = vec![0u64; n];
            let mut gathered = vec![0u64; if is_root { n * size as usize } else { 0 }];
            let iterations = hockney::repetitions(8 * n as u64, job.iterations, job.bytes_per_size);
            let mut times_s = Vec::new();
            for run in 0..job.repeats.warmup + job.repeats.repeats {
                world.barrier();
                let start = mpi::time();
                for _ in 0..iterations {
                    match operation {
                        Collective::Bcast => {
                            if is_root {
                                into.copy_from_slice(&mine);
                            }
                            root.broadcast_into(&mut into[..]);
                        }
                        Collective::Reduce if is_root => {
                            root.reduce_into_root(&mine[..], &mut into[..], SystemOperation::sum())
                        }
                        Collective::Reduce => root.reduce_into(&mine[..], SystemOperation::sum()),
                        Collective::Allreduce => {
                            world.all_reduce_into(&mine[..], &mut into[..], SystemOperation::sum())
                        }
                        Collective::Gather if is_root => {
                            root.gather_into_root(&mine[..], &mut gathered[..])
                        }
                        Collective::Gather => root.gather_into(&mine[..]),
                    }
                }
                let mut slowest = 0.0f64;
                let per_op = (mpi::time() - start) / iterations as f64;
                if is_root {
                    root.reduce_into_root(&per_op, &mut slowest, SystemOperation::max());
                } else {
                    root.reduce_into(&per_op, SystemOperation::max());
                }
                if run >= job.repeats.warmup {
                    times_s.push(slowest);
                }
            }
            check(operation, rank as u64, p, &into, &gathered, n);
            operations.push(OpResult {
                operation,
                bytes: 8 * n as u64,
                iterations,
                times_s,
            });
        }
    }
    is_root.then_some(RankResult {
        ping_pong,
        operations,
    })
}

/// Panics (failing the launch) when an operation delivered the wrong numbers.
#[cfg(feature = "mpi")]
fn check(operation: Collective, rank: u64, ranks: u64, into: &[u64], gathered: &[u64], n: usize) {
    let sum = ranks * (ranks + 1) / 2;
    match operation {
        Collective::Bcast => assert!(
            into.iter().all(|&x| x == 1),
            "bcast delivered {:?}",
            &into[..1]
        ),
        Collective::Reduce if rank == 0 => assert!(
            into.iter().all(|&x| x == sum),
            "reduce gave {:?}",
            &into[..1]
        ),
        Collective::Allreduce => assert!(
            into.iter().all(|&x| x == sum),
            "allreduce gave {:?}",
            &into[..1]
        ),
        Collective::Gather if rank == 0 => {
            for (r, part) in gathered.chunks(n).enumerate() {
                assert!(
                    part.iter().all(|&x| x == r as u64 + 1),
                    "gather: rank {r}'s part is wrong"
                );
            }
        }
        _ => {}
    }
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    // (ranks, result) of every launch, in sweep order.
    let mut launches: Vec<(u64, RankResult)> = Vec::new();
    for point in points {
        let p = &point.params;
        anyhow::ensure!(
            !p.operations.is_empty(),
            "operations is empty: name at least one"
        );
        anyhow::ensure!(
            !p.sizes_bytes.is_empty(),
            "sizes_bytes is empty: give at least one size"
        );
        let ranks = p.workers.get();
        let rank_job = RankJob {
            operations: p.operations.clone(),
            sizes: p.sizes_bytes.clone(),
            iterations: p.iterations,
            bytes_per_size: p.bytes_per_size,
            repeats: ctx.plan.into(),
        };
        ctx.status(&format!("{ranks} ranks"));
        let ran = launch::run::<RankResult>(
            &p.settings(),
            ranks,
            p.transport,
            &Job::Collectives(rank_job),
        )?;
        launch::record(&mut report, &ran);
        launches.push((ranks as u64, ran.result));
    }

    // α and β from the launch with the fewest ranks that has two: the least
    // crowded measurement of the path between two ranks.
    let fit = launches
        .iter()
        .filter(|(ranks, _)| *ranks >= 2)
        .min_by_key(|(ranks, _)| *ranks)
        .and_then(|(_, r)| {
            hockney::fit(
                &r.ping_pong
                    .iter()
                    .map(|&(n, t)| (n as f64, t))
                    .collect::<Vec<_>>(),
            )
        });
    // Always both keys, null on one rank or when the times do not fit the model.
    report.summary_measured(
        "alpha_us",
        fit.map(|h| lab::significant(h.alpha_s * 1e6, 4)),
    );
    report.summary_measured(
        "beta_gb_s",
        fit.map(|h| lab::significant(h.beta_bytes_per_s / 1e9, 4)),
    );

    let mut all: Vec<(u64, OpResult)> = Vec::new();
    for (ranks, result) in launches {
        for op in result.operations {
            all.push((ranks, op));
        }
    }
    for (ranks, op) in &all {
        let median = job::median(&op.times_s);
        let model = fit.map(|h| model_s(&h, *ranks, op.bytes));
        report.push(
            Row::new()
                .param("workers", *ranks)
                .param("operation", op.operation.name())
                .param("bytes", op.bytes)
                .metric("iterations", op.iterations)
                .metric("tree_rounds", tree_rounds(*ranks))
                .measured("time_us", lab::significant(median * 1e6, 4))
                .measured("model_us", model.map(|m| lab::significant(m * 1e6, 4)))
                .measured(
                    "time_over_model",
                    model
                        .filter(|&m| m > 0.0)
                        .map(|m| lab::significant(median / m, 4)),
                ),
        );
    }

    plots(&mut report, &all, fit);
    report.note("a tree serves P ranks in ⌈log₂P⌉ rounds (tree_rounds), so the model grows with log P, not P");
    report.note("allreduce is about a reduce plus a bcast; gather's root takes in (P − 1)·n bytes whatever the tree; past the cores, ranks wait for each other's time slices");
    Ok(report)
}

fn plots(report: &mut Report, all: &[(u64, OpResult)], fit: Option<Hockney>) {
    let (Some(largest), Some(most)) = (
        all.iter().map(|(_, o)| o.bytes).max(),
        all.iter().map(|(r, _)| *r).max(),
    ) else {
        return;
    };
    let mut ops: Vec<Collective> = Vec::new();
    for (_, o) in all {
        if !ops.contains(&o.operation) {
            ops.push(o.operation);
        }
    }
    let mut by_ranks = Plot::new(
        format!("Collectives of {largest} bytes against ranks"),
        "ranks P (count)",
        "time per operation (µs)",
    )
    .scales(Scale::Log2, Scale::Log10);
    let mut by_size = Plot::new(
        format!("Collectives on {most} ranks against message size"),
        "message size (bytes)",
        "time per operation (µs)",
    )
    .scales(Scale::Log10, Scale::Log10)
    .suffix("size");
    for (i, op) in ops.iter().enumerate() {
        let pick =
            |keep: &dyn Fn(u64, u64) -> bool, x: &dyn Fn(u64, u64) -> f64| -> Vec<(f64, f64)> {
                all.iter()
                    .filter(|(r, o)| o.operation == *op && keep(*r, o.bytes))
                    .map(|(r, o)| (x(*r, o.bytes), job::median(&o.times_s) * 1e6))
                    .collect()
            };
        by_ranks = by_ranks.series(
            Series::new(
                op.name(),
                Style::LinePoints,
                pick(&|_, b| b == largest, &|r, _| r as f64),
            )
            .color(i),
        );
        by_size = by_size.series(
            Series::new(
                op.name(),
                Style::LinePoints,
                pick(&|r, _| r == most, &|_, b| b as f64),
            )
            .color(i),
        );
    }
    if let Some(h) = fit {
        let mut ranks: Vec<u64> = all.iter().map(|(r, _)| *r).filter(|&r| r >= 2).collect();
        ranks.sort_unstable();
        ranks.dedup();
        let model: Vec<(f64, f64)> = ranks
            .iter()
            .map(|&r| (r as f64, model_s(&h, r, largest) * 1e6))
            .collect();
        by_ranks = by_ranks
            .series(Series::new("⌈log₂P⌉·(α + n/β)", Style::Dashed, model).color(ops.len()));
        let mut sizes: Vec<u64> = all.iter().map(|(_, o)| o.bytes).collect();
        sizes.sort_unstable();
        sizes.dedup();
        let model: Vec<(f64, f64)> = sizes
            .iter()
            .map(|&b| (b as f64, model_s(&h, most, b) * 1e6))
            .collect();
        if most >= 2 {
            by_size = by_size
                .series(Series::new("⌈log₂P⌉·(α + n/β)", Style::Dashed, model).color(ops.len()));
        }
    }
    report.plot(by_ranks);
    report.plot(by_size);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_needs_log2_rounds_rounded_up() {
        let rounds: Vec<u32> = [1, 2, 3, 4, 5, 8, 9, 1024]
            .iter()
            .map(|&p| tree_rounds(p))
            .collect();
        assert_eq!(rounds, [0, 1, 2, 2, 3, 3, 4, 10]);
    }

    #[test]
    fn the_model_is_rounds_times_one_message() {
        let h = Hockney {
            alpha_s: 1e-6,
            beta_bytes_per_s: 1e9,
        };
        assert_eq!(model_s(&h, 1, 1_000), 0.0);
        assert!((model_s(&h, 4, 1_000) - 2.0 * 2e-6).abs() < 1e-15);
        assert!((model_s(&h, 8, 0) - 3e-6).abs() < 1e-15);
    }

    #[test]
    fn sizes_become_whole_numbers() {
        assert_eq!([1, 8, 9, 1024].map(elements), [1, 1, 2, 128]);
    }
}
