//! `serialization`: what it costs to get data to a worker, from a few bytes to
//! tens of megabytes.
//!
//! Three ways to hand a block of `f64` to a worker, side by side for each size:
//!
//! - `process pool`: `ProcessPool::apply`. The payload is encoded with postcard
//!   in the parent, written into a pipe, read out by the worker and decoded
//!   into a fresh `Vec` there: every byte is copied several times, and
//!   `bytes` counts what crossed the pipe (framing included).
//! - `postcard, no pipe`: the same encoding and decoding in this process, into
//!   buffers reused from run to run, with no pipe and no second process: how
//!   much of the process pool's time is the format itself.
//! - `in-process hand-off`: `ThreadPool::apply` with the payload moved into the
//!   task. Threads share memory, so only a pointer changes hands: no byte is
//!   copied, whatever the size.
//!
//! With `echo = true` the worker sends the payload back, so it crosses twice.
//! `mb_per_s` is the payload's size (twice with `echo`) over the median time of
//! one call; small payloads show the fixed cost of a round trip, large ones
//! the cost per byte.
//!
//! The `impl = "python"` rows send the same values as a NumPy array, the same
//! three ways (`python/serialization.py`): `Pool.apply` (pickled through a
//! pipe), pickle with no pipe, and `ThreadPool.apply` (a reference).

use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};

use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, significant};
use runtime::pool::ThreadPool;
use runtime::process::ProcessPool;

use crate::python::{PayloadOutput, PayloadPoint, SERIALIZATION};
use crate::work::{ECHO, Payload, RECEIVE, settled_stats, wire_bytes};
use lab::python::{python_row, ratio, rust_row};

lab::params! {
    /// One payload of f64 to a worker, three ways.
    pub struct Params {
        /// The payload's size in bytes (8 per f64, rounded down to a whole f64); sweep it.
        pub payload_bytes: u64 = 8_000_000 => at_least(8),
        /// Send the payload back from the worker too, so it crosses twice.
        pub echo: bool = false,
        /// Worker processes (and threads) in each pool; one call uses one of them.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::python::with_script(
            lab::kind::<Params>(
                "serialization",
                "A payload of f64, from bytes to tens of MB, to a worker process against an in-process hand-off: bytes on the wire, time, MB/s.",
                run,
            ),
            &SERIALIZATION,
        ),
        &["path"],
    )
}

const PATHS: [&str; 3] = ["process pool", "postcard, no pipe", "in-process hand-off"];

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    // Pools by worker count, with the task frames written to each (see `settled_stats`).
    let mut started: Vec<(usize, ProcessPool, ThreadPool, u64)> = Vec::new();
    let mut series: Vec<Vec<(f64, f64)>> = vec![Vec::new(); PATHS.len()];
    let runs = u64::from(ctx.runs());
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        if !started.iter().any(|(w, ..)| *w == workers) {
            started.push((
                workers,
                ProcessPool::new(workers)?,
                ThreadPool::new(workers)?,
                0,
            ));
        }
        let (_, procs, threads, frames) = started
            .iter_mut()
            .find(|(w, ..)| *w == workers)
            .expect("started above");
        let payload = Payload::new((p.payload_bytes / 8) as usize);
        let size = payload.bytes();
        let moved = size * if p.echo { 2 } else { 1 };
        let receipt = payload.receipt();

        for (k, path) in PATHS.into_iter().enumerate() {
            let label = format!("{path}, {size} bytes");
            let (bytes, timing) = match path {
                "process pool" => {
                    let before = settled_stats(procs, *frames);
                    let (got, timing) = ctx.measure(&label, || -> anyhow::Result<(u64, f64)> {
                        Ok(if p.echo {
                            procs.apply(&ECHO, payload.clone())?.receipt()
                        } else {
                            procs.apply(&RECEIVE, payload.clone())?
                        })
                    });
                    anyhow::ensure!(got? == receipt, "{label}: the payload arrived damaged");
                    *frames += runs;
                    (
                        wire_bytes(before, settled_stats(procs, *frames)) / runs,
                        timing,
                    )
                }
                "postcard, no pipe" => {
                    let (mut buffer, mut decoded) = (Vec::new(), Vec::new());
                    let (got, timing) = ctx.measure(&label, || -> anyhow::Result<(u64, usize)> {
                        let mut encoded = 0;
                        for trip in 0..if p.echo { 2 } else { 1 } {
                            buffer.clear();
                            let from: &[f64] = if trip == 0 { &payload.0 } else { &decoded };
                            postcard::serialize_with_flavor(from, AppendTo(&mut buffer))?;
                            encoded += buffer.len();
                            decode_into(&buffer, &mut decoded)?;
                        }
                        Ok((decoded.len() as u64, encoded))
                    });
                    let (len, encoded) = got?;
                    anyhow::ensure!(len == receipt.0, "{label}: the payload came out damaged");
                    (encoded as u64, timing)
                }
                _ => {
                    let (got, timing) = ctx.measure(&label, || -> anyhow::Result<(u64, f64)> {
                        let handed = payload.clone();
                        Ok(if p.echo {
                            threads.apply(move || handed)?.receipt()
                        } else {
                            threads.apply(move || handed.receipt())?
                        })
                    });
                    anyhow::ensure!(got? == receipt, "{label}: the payload arrived damaged");
                    (0, timing)
                }
            };
            let mb_per_s = moved as f64 / 1e6 / timing.median_s;
            series[k].push((size as f64, mb_per_s));
            report.push(rust_row(
                point
                    .row()
                    .param("path", path)
                    .param("payload_bytes", size)
                    .metric("bytes", bytes)
                    .measured("mb_per_s", significant(mb_per_s, 3))
                    .timing(timing),
            ));
        }
    }
    python_rows(ctx, points, &mut report)?;
    report.summary("wire_format", "postcard");
    let mut plot = Plot::new(
        "Getting a payload of f64 to a worker",
        "payload (bytes)",
        "throughput (MB/s)",
    )
    .scales(Scale::Log10, Scale::Log10);
    for (path, pts) in PATHS.into_iter().zip(series) {
        plot = plot.series(Series::new(path, Style::LinePoints, pts));
    }
    let python: Vec<(f64, f64)> = report
        .rows
        .iter()
        .filter(|r| r.params.get("impl").and_then(|v| v.as_str()) == Some("python"))
        .filter(|r| r.params.get("path").and_then(|v| v.as_str()) == Some(PATHS[0]))
        .filter_map(|r| {
            Some((
                r.params.get("payload_bytes")?.as_f64()?,
                r.number("mb_per_s")?,
            ))
        })
        .collect();
    if !python.is_empty() {
        plot = plot.series(Series::new(
            "Python Pool.apply (pickle)",
            Style::LinePoints,
            python,
        ));
    }
    report.plot(plot);
    report.note("small payloads pay a round trip whatever their size; large ones pay for every byte, copied several times on its way");
    report.note("bytes is what crossed the pipe (framing included): 8 per f64 plus a few dozen; a thread hand-off moves a pointer, so 0");
    Ok(report)
}

/// The same payloads as NumPy arrays through Python's pools: rows `impl = "python"`.
fn python_rows(ctx: &Ctx, points: &[Typed<Params>], report: &mut Report) -> anyhow::Result<()> {
    let asked: Vec<PayloadPoint> = points
        .iter()
        .map(|p| PayloadPoint {
            payload_bytes: p.params.payload_bytes / 8 * 8,
            echo: p.params.echo,
            workers: p.params.workers.get(),
        })
        .collect();
    let input = lab::python::Input::new(ctx, &asked);
    let Some((out, interpreter)) =
        lab::python::run_for::<PayloadOutput>(ctx, report, &SERIALIZATION, &input)?
    else {
        return Ok(());
    };
    anyhow::ensure!(
        out.points.len() == asked.len() && out.points.iter().all(|p| p.len() == PATHS.len()),
        "{} returned {} points (of {} paths each) for {}",
        SERIALIZATION.shown(),
        out.points.len(),
        PATHS.len(),
        asked.len()
    );
    let mut rows = Vec::new();
    for (a, paths) in asked.iter().zip(&out.points) {
        let moved = a.payload_bytes * if a.echo { 2 } else { 1 };
        for (k, got) in paths.iter().enumerate() {
            let timing = lab::python::timing(&got.times_s)?;
            let mb_per_s = moved as f64 / 1e6 / timing.median_s;
            // The Rust row of the same size along the matching path.
            let rust = report.rows.iter().find(|r| {
                r.params.get("path").and_then(|v| v.as_str()) == Some(PATHS[k])
                    && r.params.get("payload_bytes").and_then(|v| v.as_u64())
                        == Some(a.payload_bytes)
            });
            let mut row = lab::Row::new()
                .param("path", got.path.as_str())
                .param("payload_bytes", a.payload_bytes)
                // What pickle writes depends on the interpreter's version (its
                // default protocol), not only on the work: measured.
                .measured("bytes", got.bytes)
                .measured("mb_per_s", significant(mb_per_s, 3));
            if let Some(t) = rust.and_then(|r| r.timing) {
                row = row.measured("vs_rust", ratio(timing.median_s, t.median_s));
            }
            rows.push(python_row(row, &interpreter).timing(timing));
        }
    }
    report.rows.extend(rows);
    report.summary_measured("python_start_method", out.start_method);
    report.note("one payload in both: payload_bytes / 8 f64 values 0, 0.5, 1, ... (a NumPy float64 array in Python), answered with its length and last value; Python pickles where Rust uses postcard; vs_rust = Python's time / Rust's along the matching path");
    Ok(())
}

/// Decodes postcard bytes of a sequence of `f64` into `into`, reusing its
/// memory: the format's own work, without the page faults of fresh memory.
fn decode_into(bytes: &[u8], into: &mut Vec<f64>) -> postcard::Result<()> {
    let mut decoder = postcard::Deserializer::from_bytes(bytes);
    DeserializeSeed::deserialize(Refill(into), &mut decoder)
}

struct Refill<'a>(&'a mut Vec<f64>);

impl<'de> DeserializeSeed<'de> for Refill<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Refill<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sequence of f64")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        self.0.clear();
        self.0.reserve(seq.size_hint().unwrap_or(0));
        while let Some(x) = seq.next_element::<f64>()? {
            self.0.push(x);
        }
        Ok(())
    }
}

/// postcard writing into a reused `Vec`, as the process pool's encoder does.
struct AppendTo<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for AppendTo<'_> {
    type Output = ();
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }
    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}
