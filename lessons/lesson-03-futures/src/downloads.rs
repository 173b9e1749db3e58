//! `downloads`: the chapter's `ThreadPoolExecutor` example. Many "downloads"
//! that mostly wait on the network are submitted to a thread executor and
//! collected with `as_completed`; the same downloads one after another are the
//! baseline. Waiting needs no core, so the waits overlap and the speedup
//! follows the worker count, far past the number of cores.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use lab::{Ctx, Report, Row, Typed, Workers, at_least, between, round};
use runtime::futures::{ThreadExecutor, as_completed};

use crate::work::{download, download_latency, page_bytes};

lab::params! {
    /// Simulated I/O-bound downloads on a thread executor.
    pub struct Params {
        /// Pages to download.
        pub downloads: u64 = 48 => at_least(1),
        /// Time one download waits on the "network", in milliseconds (a sleep).
        pub latency_ms: f64 = 15.0 => between(0.0, 60_000.0),
        /// How much the latency varies between downloads: 0.25 means ±25% (fixed per page).
        pub jitter: f64 = 0.25 => between(0.0, 1.0),
        /// Threads of the executor; sweep it. A sequential row (no executor) is added as the baseline.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "downloads",
            "I/O-bound downloads submitted to a thread executor and collected as they complete, against one after another.",
            run,
        ),
        &["executor"],
    )
}

/// The total bytes of all pages: what every row must find.
fn expected_bytes(n: u64) -> u64 {
    (0..n).map(page_bytes).sum()
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    // One sequential baseline per distinct (downloads, latency, jitter).
    let mut sequential: BTreeMap<(u64, u64, u64), f64> = BTreeMap::new();
    let passes = u64::from(ctx.runs());
    for point in points {
        let p = &point.params;
        let workers = p.workers.get();
        let latencies: Vec<_> = (0..p.downloads)
            .map(|i| download_latency(i, p.latency_ms, p.jitter))
            .collect();
        let waiting_ms: f64 = latencies.iter().map(|d| d.as_secs_f64() * 1e3).sum();
        let key = (p.downloads, p.latency_ms.to_bits(), p.jitter.to_bits());

        if let Entry::Vacant(slot) = sequential.entry(key) {
            let bar = ctx.bar(p.downloads * passes, "sequential");
            let (bytes, timing) = ctx.measure("sequential", || {
                latencies
                    .iter()
                    .enumerate()
                    .map(|(i, &latency)| {
                        let page = download(i as u64, latency);
                        bar.inc(1);
                        page
                    })
                    .sum::<u64>()
            });
            bar.finish_and_clear();
            anyhow::ensure!(
                bytes == expected_bytes(p.downloads),
                "the sequential downloads lost bytes"
            );
            slot.insert(timing.median_s);
            report.push(
                with_sweep(Row::new().param("executor", "sequential"), point, 1)
                    .metric("downloads", p.downloads)
                    .metric("bytes", bytes)
                    .metric("waiting_ms", round(waiting_ms, 1))
                    .timing(timing)
                    .speedup(1.0, 1.0),
            );
        }

        let bar = ctx.bar(p.downloads * passes, &format!("{workers} threads"));
        let (bytes, timing) = ctx.measure(&format!("workers = {workers}"), || {
            let executor = ThreadExecutor::new(workers)?;
            let futures: Vec<_> = latencies
                .iter()
                .enumerate()
                .map(|(i, &latency)| {
                    let future = executor.submit(move || download(i as u64, latency));
                    // The bar moves as each download completes, on the worker that finished it.
                    let bar = bar.clone();
                    future.add_done_callback(move |_| bar.inc(1));
                    future
                })
                .collect();
            let mut bytes = 0;
            for future in as_completed(futures, None) {
                bytes += future?.into_result()?;
            }
            anyhow::Ok(bytes)
        });
        bar.finish_and_clear();
        let bytes = bytes?;
        anyhow::ensure!(
            bytes == expected_bytes(p.downloads),
            "the threaded downloads lost bytes"
        );
        let t_seq = sequential[&key];
        let speedup = t_seq / timing.median_s;
        report.push(
            with_sweep(Row::new().param("executor", "threads"), point, workers)
                .metric("downloads", p.downloads)
                .metric("bytes", bytes)
                .metric("waiting_ms", round(waiting_ms, 1))
                .timing(timing)
                .speedup(speedup, speedup / workers as f64),
        );
    }
    report.note("the speedup follows the threads, not the cores: a thread waiting on the network needs no core");
    report.note("speedup is against the sequential row; it stops growing once the longest single download dominates");
    Ok(report)
}

/// The row's sweep values (with `workers` as given), after `executor`.
fn with_sweep(mut row: Row, point: &Typed<Params>, workers: usize) -> Row {
    for (k, v) in &point.sweep.0 {
        row = if k == "workers" {
            row.param(k, workers)
        } else {
            row.param(k, v.clone())
        };
    }
    if point.sweep.get("workers").is_none() {
        row = row.param("workers", workers);
    }
    row
}
