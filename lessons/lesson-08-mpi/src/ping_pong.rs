//! `ping-pong`: two ranks bounce a message back and forth; the time of a round
//! trip, from 8 bytes to 64 MB, is what a message costs.
//!
//! Rank 0 sends `n` bytes to rank 1, which sends them back, `round_trips` times
//! in a row. Half a round trip is the one-way time `t(n)`; `n / t(n)` is the
//! bandwidth. Run over shared memory and over TCP (the `transport` key), the
//! two give Hockney's `α` and `β` (see [`crate::hockney`]) for each path. Beside
//! them, in the same run, lesson 02's process pool sends the same sizes to a
//! worker process and back (`ECHO`): the same trip, through a pipe, with every
//! byte serialized.

use crate::hockney::{self, Hockney};
use crate::job::{self, Job, Repeats};
use crate::launch::{self, Launcher, LauncherArgs, Transport};
use lab::{Ctx, Plot, Report, Row, Scale, Series, Style, Typed, at_least, between};
use lesson_02_pools::work::{ECHO, Payload};
use serde::{Deserialize, Serialize};

mpi_params! {
    /// Round trips between two MPI ranks over a range of message sizes.
    pub struct Params {
        /// "shared-memory", "tcp", or "default" (whatever MPI picks); sweep it.
        pub transport: Transport = Transport::SharedMemory,
        /// Smallest message, in bytes.
        pub min_bytes: u64 = 8 => between(1, 1 << 30),
        /// Largest message, in bytes; the sizes double from min_bytes up to it.
        pub max_bytes: u64 = 64 << 20 => between(1, 1 << 30),
        /// Round trips per timed run for small messages.
        pub round_trips: u64 = 1_000 => at_least(1),
        /// Bytes one size may send each way per timed run: large messages do fewer round trips (at least 2).
        pub bytes_per_size: u64 = 64 << 20 => at_least(1),
        /// Also time lesson 02's process pool (one worker process, its ECHO task) at the same sizes, in the same run.
        pub process_pool: bool = true,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "ping-pong",
        "Round trips between two ranks from small to large messages: latency α and bandwidth β (Hockney) per transport, beside lesson 02's process pool.",
        run,
    )
}

/// What both ranks are asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankJob {
    pub sizes: Vec<u64>,
    pub round_trips: u64,
    pub bytes_per_size: u64,
    pub repeats: Repeats,
}

/// Rank 0's timings of one size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeResult {
    pub bytes: u64,
    pub round_trips: u64,
    /// Wall time of each timed run of `round_trips` round trips.
    pub times_s: Vec<f64>,
}

/// What rank 0 reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RankResult {
    pub sizes: Vec<SizeResult>,
}

/// `trips` round trips of `message` with `other`: the rank that goes `first`
/// sends and waits for the echo, the other receives and sends it back. Blocking
/// `send` and `receive_into`, one buffer reused. Also the ping-pong of
/// `collectives`.
#[cfg(feature = "mpi")]
pub fn bounce<T: mpi::datatype::Equivalence>(
    other: &mpi::topology::Process<'_>,
    first: bool,
    message: &mut [T],
    trips: u64,
) {
    use mpi::traits::*;
    for _ in 0..trips {
        if first {
            other.send(&message[..]);
            other.receive_into(message);
        } else {
            other.receive_into(message);
            other.send(&message[..]);
        }
    }
}

/// The code both ranks run: for each size, rank 0 sends and waits for the echo,
/// rank 1 echoes.
#[cfg(feature = "mpi")]
pub fn on_rank(world: &mpi::topology::SimpleCommunicator, job: &RankJob) -> Option<RankResult> {
    use mpi::traits::*;
    assert_eq!(world.size(), 2, "ping-pong runs on exactly 2 ranks");
    let rank = world.rank();
    let other = world.process_at_rank(1 - rank);
    let largest = job.sizes.iter().copied().max().unwrap_or(0) as usize;
    // Touched before timing, so no page fault lands in a measurement.
    let mut buffer = vec![1u8; largest];
    let mut sizes = Vec::new();
    for &bytes in &job.sizes {
        let message = &mut buffer[..bytes as usize];
        let trips = hockney::repetitions(bytes, job.round_trips, job.bytes_per_size);
        // MPI libraries set up a connection, and pick a protocol, on the first
        // message of a size class: a few untimed round trips take that out of
        // the measurement, even when the run has no warm-up.
        bounce(&other, rank == 0, message, trips.min(5));
        let mut times_s = Vec::new();
        for run in 0..job.repeats.warmup + job.repeats.repeats {
            world.barrier();
            let start = mpi::time();
            bounce(&other, rank == 0, message, trips);
            if run >= job.repeats.warmup {
                times_s.push(mpi::time() - start);
            }
        }
        sizes.push(SizeResult {
            bytes,
            round_trips: trips,
            times_s,
        });
    }
    (rank == 0).then_some(RankResult { sizes })
}

/// One measured size of one path: the row, and `(bytes, one-way seconds)` for
/// the fit.
struct Measured {
    row: Row,
    bytes: u64,
    one_way_s: f64,
}

fn measured(path: &str, bytes: u64, trips: u64, timing: lab::Timing) -> Measured {
    let round_trip_s = timing.median_s / trips as f64;
    let one_way_s = round_trip_s / 2.0;
    let row = Row::new()
        .param("transport", path)
        .param("bytes", bytes)
        .metric("round_trips", trips)
        .measured("round_trip_us", lab::significant(round_trip_s * 1e6, 4))
        .measured("one_way_us", lab::significant(one_way_s * 1e6, 4))
        .measured(
            "bandwidth_gb_s",
            lab::significant(bytes as f64 / one_way_s / 1e9, 4),
        )
        .timing(timing);
    Measured {
        row,
        bytes,
        one_way_s,
    }
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut paths: Vec<(String, Vec<Measured>)> = Vec::new();
    for point in points {
        let p = &point.params;
        anyhow::ensure!(
            p.min_bytes <= p.max_bytes,
            "min_bytes ({}) is larger than max_bytes ({})",
            p.min_bytes,
            p.max_bytes
        );
        let sizes = hockney::sizes(p.min_bytes, p.max_bytes);
        let rank_job = RankJob {
            sizes: sizes.clone(),
            round_trips: p.round_trips,
            bytes_per_size: p.bytes_per_size,
            repeats: ctx.plan.into(),
        };
        ctx.status(&format!("2 ranks over {}", p.transport.name()));
        let ran =
            launch::run::<RankResult>(&p.settings(), 2, p.transport, &Job::PingPong(rank_job))?;
        launch::record(&mut report, &ran);
        let mut rows = Vec::new();
        for size in &ran.result.sizes {
            let timing = job::timing(&size.times_s)?;
            rows.push(measured(
                p.transport.name(),
                size.bytes,
                size.round_trips,
                timing,
            ));
        }
        paths.push((p.transport.name().to_string(), rows));
    }

    // Lesson 02's process pool, after the ranks are done: one worker process,
    // its ECHO task sending each payload back whole.
    if let Some(first) = points.iter().find(|p| p.params.process_pool) {
        let p = &first.params;
        ctx.status("lesson 02's process pool");
        let pool = runtime::process::ProcessPool::new(1)?;
        let mut rows = Vec::new();
        for bytes in hockney::sizes(p.min_bytes, p.max_bytes) {
            let payload = Payload::new((bytes / 8).max(1) as usize);
            let trips = hockney::repetitions(payload.bytes(), p.round_trips, p.bytes_per_size);
            let label = format!("process pool, {} bytes", payload.bytes());
            let (echoed, timing) = ctx.measure(&label, || -> anyhow::Result<()> {
                for _ in 0..trips {
                    let back = pool.apply(&ECHO, payload.clone())?;
                    anyhow::ensure!(back == payload, "the echo came back different");
                }
                Ok(())
            });
            echoed?;
            rows.push(measured("process-pool", payload.bytes(), trips, timing));
        }
        paths.push(("process-pool".to_string(), rows));
    }

    let mut time_plot = Plot::new(
        "Ping-pong: one-way time against message size",
        "message size (bytes)",
        "one-way time (µs)",
    )
    .scales(Scale::Log10, Scale::Log10);
    let mut bandwidth_plot = Plot::new(
        "Ping-pong: bandwidth against message size",
        "message size (bytes)",
        "bandwidth (GB/s)",
    )
    .scales(Scale::Log10, Scale::Log10)
    .suffix("bandwidth");
    for (i, (path, rows)) in paths.into_iter().enumerate() {
        let fit = hockney::fit(
            &rows
                .iter()
                .map(|m| (m.bytes as f64, m.one_way_s))
                .collect::<Vec<_>>(),
        );
        let key = path.replace('-', "_");
        // Always both keys, null when the times do not fit the model.
        report.summary_measured(
            &format!("alpha_us_{key}"),
            fit.map(|h| lab::significant(h.alpha_s * 1e6, 4)),
        );
        report.summary_measured(
            &format!("beta_gb_s_{key}"),
            fit.map(|h| lab::significant(h.beta_bytes_per_s / 1e9, 4)),
        );
        let measured_pts: Vec<(f64, f64)> = rows
            .iter()
            .map(|m| (m.bytes as f64, m.one_way_s * 1e6))
            .collect();
        let bandwidth_pts: Vec<(f64, f64)> = rows
            .iter()
            .map(|m| (m.bytes as f64, m.bytes as f64 / m.one_way_s / 1e9))
            .collect();
        time_plot = time_plot.series(Series::new(&path, Style::Points, measured_pts).color(i));
        bandwidth_plot =
            bandwidth_plot.series(Series::new(&path, Style::LinePoints, bandwidth_pts).color(i));
        if let Some(h) = fit {
            let model: Vec<(f64, f64)> = rows
                .iter()
                .map(|m| (m.bytes as f64, h.time_s(m.bytes as f64) * 1e6))
                .collect();
            time_plot = time_plot
                .series(Series::new(format!("{path}: α + n/β"), Style::Dashed, model).color(i));
        }
        for m in rows {
            let model = fit.map(|h: Hockney| lab::significant(h.time_s(m.bytes as f64) * 1e6, 4));
            report.push(m.row.measured("hockney_us", model));
        }
    }
    report.plot(time_plot);
    report.plot(bandwidth_plot);
    report.note("small messages cost the latency α whatever their size, large ones n/β: Hockney's t(n) = α + n/β, fitted per transport (alpha_us_*, beta_gb_s_*)");
    report.note("shared memory is a copy through RAM; TCP crosses the kernel's network stack even on one machine; the process pool also serializes every byte (lesson 02)");
    Ok(report)
}
