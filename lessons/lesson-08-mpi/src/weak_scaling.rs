//! `weak-scaling`: Gustafson across ranks, and the strong-scaling run of the
//! same total work, on one plot.
//!
//! The program is lesson 05's, written for ranks: rank 0 does a serial part
//! (its `serial_fraction` of one rank's units) while the others wait, broadcasts
//! it, then every rank does its share of the parallel units, and a `reduce`
//! adds the checksums. Two ways to grow:
//!
//! - **weak**: every rank gets the same `units_per_rank`, so the problem grows
//!   with `P` and the time should stay flat. The scaled speedup (work per second
//!   against one rank's) follows Gustafson, `s + (1 − s)·P`.
//! - **strong**: the total is fixed at the weak problem of the largest `P` of
//!   the sweep and split `P` ways, so the time should fall. The speedup
//!   follows Amdahl, bounded by `1/s` of *that* problem.
//!
//! At the largest `P` both runs are the same problem, and meet on the plot.
//! The unit of work is lesson 05's ([`lesson_05_amdahl_gustafson::work::unit`]),
//! so the checksum of the weak run on `P` ranks is lesson 05's for the same units.

use crate::job::{self, Job, Repeats, block};
use crate::launch::{Launcher, LauncherArgs};
use lab::scaling::{amdahl, gustafson};
use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, between};
use lesson_05_amdahl_gustafson::work::serial_units;
use serde::{Deserialize, Serialize};

mpi_params! {
    /// A program with a serial part and a final reduction, grown with the ranks (weak) and split among them (strong).
    pub struct Params {
        /// Units of work per rank in the weak run (lesson 05's unit, a few ns each), the serial part included.
        pub units_per_rank: u64 = 20_000_000 => at_least(1),
        /// Fraction of one rank's units that is serial: rank 0 does it while the others wait (0 to 1).
        pub serial_fraction: f64 = 0.10 => between(0.0, 1.0),
        /// MPI ranks; sweep it. The strong run's total is the weak problem of the largest workers swept.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "weak-scaling",
        "Work per rank fixed (Gustafson) and the same total work split across ranks (Amdahl), on one plot.",
        run,
    )
}

/// Weak or strong: how the problem relates to the ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Weak,
    Strong,
}

/// What every rank is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankJob {
    /// Serial units, done by rank 0 first: units `0..serial`.
    pub serial: u64,
    /// Parallel units per rank in the weak run.
    pub parallel_per_rank: u64,
    /// The largest rank count of the sweep: the strong run's problem.
    pub largest: u64,
    pub repeats: Repeats,
}

/// Rank 0's results for one mode.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeResult {
    pub mode: Mode,
    pub work_units: u64,
    pub checksum: u64,
    pub times_s: Vec<f64>,
}

/// What rank 0 reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankResult {
    pub modes: Vec<ModeResult>,
}

/// The units `0..total` of a run on `ranks` ranks: the serial ones, then the
/// parallel ones, `parallel` of them, split in blocks. Rank `rank`'s block.
pub fn parallel_block(serial: u64, parallel: u64, ranks: u64, rank: u64) -> std::ops::Range<u64> {
    let b = block(parallel, ranks, rank);
    serial + b.start..serial + b.end
}

impl RankJob {
    /// Total parallel units of `mode` on `ranks` ranks.
    pub fn parallel(&self, mode: Mode, ranks: u64) -> u64 {
        match mode {
            Mode::Weak => self.parallel_per_rank * ranks,
            Mode::Strong => self.parallel_per_rank * self.largest,
        }
    }
}

/// The code every rank runs, for each mode: rank 0's serial part, a `bcast` of
/// its result, each rank's block, a `reduce` of the checksums.
#[cfg(feature = "mpi")]
pub fn on_rank(world: &mpi::topology::SimpleCommunicator, job: &RankJob) -> Option<RankResult> {
    use lesson_05_amdahl_gustafson::work::units;
    use mpi::collective::SystemOperation;
    use mpi::traits::*;
    let (rank, size) = (world.rank() as u64, world.size() as u64);
    let root = world.process_at_rank(0);
    let mut modes = Vec::new();
    for mode in [Mode::Weak, Mode::Strong] {
        let parallel = job.parallel(mode, size);
        let mut checksum = 0u64;
        let mut times_s = Vec::new();
        for run in 0..job.repeats.warmup + job.repeats.repeats {
            world.barrier();
            let start = mpi::time();
            // The serial part: only rank 0 works, the others wait in the bcast.
            let mut head = if rank == 0 { units(0..job.serial) } else { 0 };
            root.broadcast_into(&mut head);
            let mine = units(parallel_block(job.serial, parallel, size, rank));
            let mut total = 0u64;
            if rank == 0 {
                root.reduce_into_root(&mine, &mut total, SystemOperation::sum());
                checksum = total.wrapping_add(head);
            } else {
                root.reduce_into(&mine, SystemOperation::sum());
            }
            if run >= job.repeats.warmup {
                times_s.push(mpi::time() - start);
            }
        }
        modes.push(ModeResult {
            mode,
            work_units: job.serial + parallel,
            checksum,
            times_s,
        });
    }
    (rank == 0).then_some(RankResult { modes })
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let largest = points
        .iter()
        .map(|p| p.params.workers.get())
        .max()
        .unwrap_or(1) as u64;
    let Some(first) = points.first() else {
        return Ok(report);
    };
    let (u, s) = (first.params.units_per_rank, first.params.serial_fraction);
    let serial = serial_units(u, s);
    // (ranks, mode, result) of every launch.
    let mut results: Vec<(u64, ModeResult)> = Vec::new();
    for point in points {
        let p = &point.params;
        anyhow::ensure!(
            (p.units_per_rank, p.serial_fraction) == (u, s),
            "units_per_rank and serial_fraction must be the same at every point of weak-scaling (sweep workers only)"
        );
        let ranks = p.workers.get();
        let rank_job = RankJob {
            serial,
            parallel_per_rank: u - serial,
            largest,
            repeats: ctx.plan.into(),
        };
        ctx.status(&format!("{ranks} ranks"));
        let ran = crate::launch::run::<RankResult>(
            &p.settings(),
            ranks,
            crate::launch::Transport::Default,
            &Job::WeakScaling(rank_job),
        )?;
        crate::launch::record(&mut report, &ran);
        for m in ran.result.modes {
            results.push((ranks as u64, m));
        }
    }

    // Weak rows first, then strong, each in sweep order.
    results.sort_by_key(|(_, m)| m.mode == Mode::Strong);
    // Serial fraction of the strong problem on one rank: what bounds its speedup.
    let strong_total = serial + (u - serial) * largest;
    let strong_s = serial as f64 / strong_total as f64;
    let one = |mode: Mode| {
        results
            .iter()
            .find(|(r, m)| *r == 1 && m.mode == mode)
            .map(|(_, m)| (m.work_units as f64, job::median(&m.times_s)))
    };
    let mut curves: Vec<(Mode, Vec<(f64, f64)>)> =
        vec![(Mode::Weak, vec![]), (Mode::Strong, vec![])];
    for (ranks, m) in &results {
        let timing = job::timing(&m.times_s)?;
        let p = *ranks as f64;
        let (mode_name, model_name, model) = match m.mode {
            Mode::Weak => ("weak", "gustafson", gustafson(s, p)),
            Mode::Strong => ("strong", "amdahl", amdahl(strong_s, p)),
        };
        let mut row = lab::Row::new()
            .param("mode", mode_name)
            .param("workers", *ranks)
            .metric("work_units", m.work_units)
            .metric("checksum", m.checksum)
            .metric(model_name, lab::round(model, 4))
            .timing(timing);
        // Speedup: work per second against one rank's, for the same mode.
        if let Some((w1, t1)) = one(m.mode) {
            let speedup = (m.work_units as f64 / w1) * (t1 / timing.median_s);
            row = row.speedup(speedup, speedup / p);
            if let Some((_, pts)) = curves.iter_mut().find(|(k, _)| *k == m.mode) {
                pts.push((p, speedup));
            }
        }
        report.push(row);
    }

    let mut ps: Vec<f64> = results.iter().map(|(r, _)| *r as f64).collect();
    ps.sort_by(f64::total_cmp);
    ps.dedup();
    let mut plot = Plot::new(
        format!("Weak and strong scaling across ranks, serial fraction {s}"),
        "ranks P (count)",
        "speedup (×, scaled for weak)",
    )
    .scales(Scale::Log2, Scale::Linear);
    for (i, (mode, pts)) in curves.into_iter().enumerate() {
        let (label, model): (&str, Vec<(f64, f64)>) = match mode {
            Mode::Weak => (
                "Gustafson s + (1 − s)P",
                ps.iter().map(|&p| (p, gustafson(s, p))).collect(),
            ),
            Mode::Strong => (
                "Amdahl 1 / (s + (1 − s)/P)",
                ps.iter().map(|&p| (p, amdahl(strong_s, p))).collect(),
            ),
        };
        let name = match mode {
            Mode::Weak => "weak (scaled speedup)",
            Mode::Strong => "strong (same total work)",
        };
        plot = plot
            .series(Series::new(name, Style::LinePoints, pts).color(i))
            .series(Series::new(label, Style::Dashed, model).color(i));
    }
    plot = plot.series(
        Series::new(
            "ideal P",
            Style::Dashed,
            ps.iter().map(|&p| (p, p)).collect(),
        )
        .color(2),
    );
    report.plot(plot);
    report.summary("serial_units", serial);
    report.summary("strong_serial_fraction", lab::round(strong_s, 6));
    report.note("weak: each rank's work is fixed, the problem grows with P, and the scaled speedup follows Gustafson; strong: the total is fixed and the speedup follows Amdahl");
    report.note("at the largest P both runs are the same problem (same work_units and checksum); past the cores, ranks share them and both curves flatten");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lesson_05_amdahl_gustafson::work::{serial_then_parallel, units};

    #[test]
    fn ranks_together_do_lesson_05_s_units_for_both_modes() {
        let job = RankJob {
            serial: 1_000,
            parallel_per_rank: 9_000,
            largest: 4,
            repeats: Repeats {
                warmup: 0,
                repeats: 1,
            },
        };
        for ranks in 1..=5u64 {
            for mode in [Mode::Weak, Mode::Strong] {
                let parallel = job.parallel(mode, ranks);
                let sum = (0..ranks)
                    .map(|r| units(parallel_block(job.serial, parallel, ranks, r)))
                    .fold(units(0..job.serial), u64::wrapping_add);
                let total = job.serial + parallel;
                assert_eq!(
                    sum,
                    serial_then_parallel(job.serial, total, 1),
                    "{mode:?} on {ranks} ranks"
                );
            }
        }
        assert_eq!(job.parallel(Mode::Weak, 4), job.parallel(Mode::Strong, 4));
    }
}
