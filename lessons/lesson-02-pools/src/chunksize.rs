//! `chunksize`: many trivial tasks through `map`, with `chunksize` swept, on a
//! thread pool and on a process pool.
//!
//! The task does next to nothing (`x + 1`), so the time per task is what the
//! pool charges for handing out a task and bringing its result back:
//! `overhead_us_per_task`. A chunk is the unit a worker takes at a time: one
//! queue entry for the thread pool, one message each way for the process pool.
//! Bigger chunks spread that cost over more tasks, until it vanishes; the price
//! is balance, which trivial tasks do not need but uneven ones do (see
//! `map-styles`).
//!
//! For scale, the summary also times one task at a time (`apply`, each waiting
//! for its result): the full round trip that a chunk of many tasks avoids.
//!
//! The `impl = "python"` rows run `Pool.map` and `ThreadPool.map` over the same
//! task (`x + 1`) with the same chunksizes (`python/chunksize.py`); their pool
//! start-up and round trip are in the summary, apart from the per-task figures.

use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, round};
use runtime::pool::{Chunksize, ThreadPool};
use runtime::process::ProcessPool;

use crate::python::{CHUNKSIZE, ChunkOutput, ChunkPoint, StartMethod};
use crate::work::{BUMP, Pool, bump, checksum, settled_stats, wire_bytes};
use lab::python::{python_row, ratio, rust_row};

lab::params! {
    /// Trivial tasks through map, chunk by chunk.
    pub struct Params {
        /// Tasks in one map call; each is `x + 1`, so their time is the pool's.
        pub tasks: u64 = 200_000 => at_least(1),
        /// Tasks per chunk (0: Python's default, about 4 chunks per worker); sweep it.
        pub chunksize: usize = 1,
        /// "threads" or "processes"; sweep both.
        pub pool: Pool = Pool::Threads,
        /// Worker threads or processes.
        pub workers: Workers = Workers::Count(2),
        /// Single tasks sent one at a time (`apply`) to time a round trip, for the summary.
        pub round_trips: u64 = 2_000 => at_least(1),
        /// Tasks in one map call of the Python rows (Pool.map costs tens of µs per task at chunksize 1).
        pub python_tasks: u64 = 10_000 => at_least(1),
        /// How Python's Pool starts its workers: "default" (the platform's), "fork", "spawn" or "forkserver".
        pub python_start_method: StartMethod = StartMethod::Default,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::python::with_script(
        lab::kind::<Params>(
            "chunksize",
            "Many trivial tasks through map with chunksize swept: the per-task overhead of a thread pool and of a process pool.",
            run,
        ),
        &CHUNKSIZE,
    )
}

enum Started {
    Threads(ThreadPool),
    Processes(ProcessPool),
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    // Pools are started once per (kind, workers) and reused by every chunksize;
    // each keeps the count of task frames written to it (see `settled_stats`).
    let mut pools: Vec<((Pool, usize), Started, u64)> = Vec::new();
    let runs = u64::from(ctx.runs());
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let key = (p.pool, workers);
        if !pools.iter().any(|(k, ..)| *k == key) {
            let started = match p.pool {
                Pool::Threads => Started::Threads(ThreadPool::new(workers)?),
                Pool::Processes => Started::Processes(ProcessPool::new(workers)?),
            };
            let trips = p.round_trips;
            let us = round_trip_us(ctx, &started, trips)?;
            report.summary_measured(&format!("round_trip_us_{}", p.pool.name()), round(us, 2));
            pools.push((key, started, trips * runs));
        }
        let (_, started, frames) = pools
            .iter_mut()
            .find(|(k, ..)| *k == key)
            .expect("started above");

        let n = p.tasks;
        let chunks = n.div_ceil(Chunksize::from(p.chunksize).resolve(n as usize, workers) as u64);
        let expected = checksum((0..n).map(bump));
        let label = format!("{}, chunksize {}", p.pool.name(), p.chunksize);
        let (sum, bytes, timing) = match &*started {
            Started::Threads(pool) => {
                let (sum, timing) = ctx.measure(&label, || pool.map(bump, 0..n, p.chunksize));
                (sum.map(checksum)?, 0, timing)
            }
            Started::Processes(pool) => {
                let before = settled_stats(pool, *frames);
                let (sum, timing) = ctx.measure(&label, || pool.map(&BUMP, 0..n, p.chunksize));
                *frames += chunks * runs;
                let moved = wire_bytes(before, settled_stats(pool, *frames));
                (sum.map(checksum)?, moved / runs, timing)
            }
        };
        anyhow::ensure!(sum == expected, "{label}: wrong results");
        let per_task = timing.median_s * 1e6 / n as f64;
        report.push(rust_row(
            point
                .row()
                .param("pool", p.pool.name())
                .param("workers", workers)
                .metric("tasks", n)
                .metric("chunks", chunks)
                .metric("checksum", sum)
                .metric("bytes_per_task", round(bytes as f64 / n as f64, 1))
                .measured("overhead_us_per_task", round(per_task, 4))
                .timing(timing),
        ));
    }
    python_rows(ctx, points, &mut report)?;
    report.plot(overhead_plot(&report));
    report.note("chunksize 1 pays one hand-off per task; each tenfold chunk cuts the overhead until the task itself dominates");
    report.note("a process pool moves every argument and result through a pipe (bytes_per_task); a thread pool moves nothing");
    report.note("round_trip_us_*: one task at a time, each waiting for its result; map keeps many tasks in flight instead");
    Ok(report)
}

/// The same map on Python's `Pool` and `ThreadPool`: the rows `impl = "python"`.
fn python_rows(ctx: &Ctx, points: &[Typed<Params>], report: &mut Report) -> anyhow::Result<()> {
    let asked: Vec<ChunkPoint> = points
        .iter()
        .map(|p| ChunkPoint {
            pool: p.params.pool.name(),
            workers: p.params.workers.get(),
            tasks: p.params.python_tasks,
            chunksize: p.params.chunksize,
            round_trips: p.params.round_trips,
        })
        .collect();
    let start_method = points
        .first()
        .map_or(StartMethod::Default, |p| p.params.python_start_method);
    let input =
        lab::python::Input::new(ctx, &asked).with("start_method", start_method.context_name());
    let Some((out, interpreter)) =
        lab::python::run_for::<ChunkOutput>(ctx, report, &CHUNKSIZE, &input)?
    else {
        return Ok(());
    };
    lab::python::ensure_points(&CHUNKSIZE, out.points.len(), asked.len())?;
    let mut python_rows = Vec::new();
    for (a, got) in asked.iter().zip(&out.points) {
        let timing = lab::python::timing(&got.times_s)?;
        let per_task = timing.median_s * 1e6 / a.tasks as f64;
        // The Rust row of the same pool and chunksize.
        let rust = report.rows.iter().find(|r| {
            r.params.get("pool").and_then(|v| v.as_str()) == Some(a.pool)
                && r.params.get("chunksize").and_then(|v| v.as_u64()) == Some(a.chunksize as u64)
        });
        let mut row = lab::Row::new()
            .param("pool", a.pool)
            .param("chunksize", a.chunksize)
            .param("workers", a.workers)
            .metric("tasks", a.tasks)
            .metric("chunks", got.chunks)
            .metric("checksum", got.checksum)
            .measured("overhead_us_per_task", round(per_task, 4));
        if let Some(rust_us) = rust.and_then(|r| r.number("overhead_us_per_task")) {
            row = row.measured("vs_rust", ratio(per_task, rust_us));
        }
        python_rows.push(python_row(row, &interpreter).timing(timing));
    }
    report.rows.extend(python_rows);
    for (pool, ms) in &out.startup_ms {
        report.summary_measured(
            &format!("python_pool_startup_ms_{pool}"),
            lab::significant(*ms, 3),
        );
    }
    for (pool, us) in &out.round_trip_us {
        report.summary_measured(
            &format!("python_round_trip_us_{pool}"),
            lab::significant(*us, 3),
        );
    }
    report.summary_measured("python_start_method", out.start_method);
    report.note("one task in both: x + 1, handed to a worker and its result brought back; Python's rows map python_tasks of them; vs_rust = Python's overhead_us_per_task / Rust's at the same pool and chunksize");
    report.note("python_pool_startup_ms_*: Pool(workers) and a first task back from every worker, apart from the timed maps (fork is fast; spawn and forkserver start fresh interpreters)");
    Ok(())
}

/// Microseconds per task when each waits for the one before (`apply`).
fn round_trip_us(ctx: &Ctx, pool: &Started, trips: u64) -> anyhow::Result<f64> {
    let (ok, timing) = ctx.measure("round trips", || -> anyhow::Result<()> {
        for i in 0..trips {
            let got = match pool {
                Started::Threads(p) => p.apply(move || bump(i))?,
                Started::Processes(p) => p.apply(&BUMP, i)?,
            };
            anyhow::ensure!(got == bump(i), "a round trip returned {got}");
        }
        Ok(())
    });
    ok?;
    Ok(timing.median_s * 1e6 / trips as f64)
}

/// (x, y) of the Python rows of `pool` with x > 0, for the plot.
/// The overhead per task against chunksize, a curve per implementation and
/// pool. A log axis has no place for chunksize 0 (auto), so an auto row is a
/// dashed level line in its curve's colour, labelled with the chunksize it
/// chose, across the swept range.
fn overhead_plot(report: &Report) -> Plot {
    let mut plot = Plot::new(
        "Per-task overhead of map against chunksize",
        "chunksize (tasks per chunk)",
        "overhead per task (µs)",
    )
    .scales(Scale::Log10, Scale::Log10);
    let curves = ["rust", "python"]
        .into_iter()
        .flat_map(|i| [Pool::Threads, Pool::Processes].map(|p| (i, p.name())));
    let mut levels = Vec::new();
    let mut range = (f64::INFINITY, 0f64);
    for (color, (implementation, pool)) in curves.enumerate() {
        let rows = report.rows.iter().filter(|r| {
            let param = |k: &str| r.params.get(k).and_then(|v| v.as_str());
            param("impl") == Some(implementation) && param("pool") == Some(pool)
        });
        let mut swept = Vec::new();
        for r in rows {
            let (Some(size), Some(y)) = (
                r.params.get("chunksize").and_then(|v| v.as_f64()),
                r.number("overhead_us_per_task"),
            ) else {
                continue;
            };
            if size > 0.0 {
                swept.push((size, y));
                range = (range.0.min(size), range.1.max(size));
            } else {
                let chunks = r.number("chunks").unwrap_or(0.0);
                let tasks = r.number("tasks").unwrap_or(0.0);
                levels.push((color, implementation, pool, chunks, tasks, y));
            }
        }
        let name = match implementation {
            "python" => format!("Python {pool}"),
            _ => pool.to_string(),
        };
        if !swept.is_empty() {
            plot = plot.series(Series::new(name, Style::LinePoints, swept).color(color));
        }
    }
    if range.1 == 0.0 {
        range = (1.0, 1000.0);
    }
    for (color, implementation, pool, chunks, tasks, y) in levels {
        let python = if implementation == "python" {
            "Python "
        } else {
            ""
        };
        let auto = if chunks > 0.0 {
            format!(" ≈ {}", lab::format_number((tasks / chunks).round()))
        } else {
            String::new()
        };
        plot = plot.series(
            Series::new(
                format!("{python}{pool}, chunksize auto{auto}"),
                Style::Dashed,
                vec![(range.0, y), (range.1, y)],
            )
            .color(color),
        );
    }
    plot
}
