//! `prange`: a tight numerical loop — the log-sum-exp of every row of a matrix —
//! as a plain loop, as rayon's `par_iter` (Numba's `prange` in Rust), and as
//! `Parallel`/`delayed`. Speedup and efficiency are against the plain loop.

use std::sync::Arc;

use crate::work::{log_sum_exp, matrix};
use lab::{Ctx, Report, Typed, Workers, at_least};
use rayon::prelude::*;
use runtime::parallel::{Parallel, delayed};

lab::params! {
    /// A row-wise reduction, three ways.
    pub struct Params {
        /// Rows of the matrix: one task each.
        pub rows: u64 = 4_096 => at_least(1),
        /// Columns: the length of each row's reduction (one `exp` per element).
        pub cols: u64 = 4_096 => at_least(1),
        /// Worker threads for the two parallel versions; sweep it.
        pub workers: Workers = Workers::Count(1),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "prange",
            "Row-wise log-sum-exp of a matrix: a plain loop, rayon par_iter (prange) and Parallel; speedup over the plain loop.",
            run,
        ),
        &["variant"],
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut made: Option<Baseline> = None;
    for point in points {
        let p = &point.params;
        let (rows, cols) = (p.rows as usize, p.cols as usize);
        // The matrix and the plain loop, once per shape.
        if made.as_ref().is_none_or(|b| b.shape != (p.rows, p.cols)) {
            ctx.status("building the matrix");
            let data = Arc::new(matrix(rows, cols));
            let (results, t) = ctx.measure("sequential", || {
                data.chunks_exact(cols).map(log_sum_exp).collect::<Vec<_>>()
            });
            report.push(
                lab::Row::new()
                    .param("variant", "sequential")
                    .param("workers", 1)
                    .metric("sum", rounded_sum(&results))
                    .metric("same_bits", "yes")
                    .timing(t)
                    .speedup(1.0, 1.0),
            );
            made = Some(Baseline {
                shape: (p.rows, p.cols),
                data,
                seconds: t.median_s,
                results,
            });
        }
        let Some(Baseline {
            data,
            seconds: t_seq,
            results: expected,
            ..
        }) = &made
        else {
            unreachable!("made just above")
        };
        let workers = p.workers.get();

        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .build()?;
        let (results, t) = ctx.measure(&format!("par_iter · workers = {workers}"), || {
            pool.install(|| {
                data.par_chunks_exact(cols)
                    .map(log_sum_exp)
                    .collect::<Vec<_>>()
            })
        });
        push(
            &mut report,
            point,
            "par_iter",
            (&results, expected),
            t,
            *t_seq,
            workers,
        );

        let parallel = Parallel::new().n_jobs(workers as i64);
        let shared = Arc::clone(data);
        let row_lse = move |r: usize| log_sum_exp(&shared[r * cols..(r + 1) * cols]);
        let (results, t) = ctx.measure(&format!("Parallel · workers = {workers}"), || {
            parallel.run((0..rows).map(delayed(row_lse.clone())))
        });
        push(
            &mut report,
            point,
            "Parallel",
            (&results?, expected),
            t,
            *t_seq,
            workers,
        );
    }
    report.note(
        "the three variants agree to the last bit (each row is reduced the same way); \
         par_iter borrows the matrix, Parallel shares it through an Arc",
    );
    Ok(report)
}

/// A matrix and the time of the plain loop over it.
struct Baseline {
    shape: (u64, u64),
    data: Arc<Vec<f64>>,
    seconds: f64,
    results: Vec<f64>,
}

fn push(
    report: &mut Report,
    point: &Typed<Params>,
    variant: &str,
    (results, expected): (&[f64], &[f64]),
    t: lab::Timing,
    t_seq: f64,
    workers: usize,
) {
    let speedup = t_seq / t.median_s;
    report.push(
        point
            .row()
            .param("variant", variant)
            .metric("sum", rounded_sum(results))
            .metric(
                "same_bits",
                if same_bits(results, expected) {
                    "yes"
                } else {
                    "NO"
                },
            )
            .timing(t)
            .speedup(speedup, speedup / workers as f64),
    );
}

/// The sum of the row results, to 6 decimals: the same on every run (the
/// last bits of `exp` may differ between C libraries, so no more than that).
fn rounded_sum(results: &[f64]) -> f64 {
    lab::round(results.iter().sum::<f64>(), 6)
}

/// Whether every result has exactly the bits of the plain loop's.
fn same_bits(results: &[f64], expected: &[f64]) -> bool {
    results.len() == expected.len()
        && results
            .iter()
            .zip(expected)
            .all(|(a, b)| a.to_bits() == b.to_bits())
}
