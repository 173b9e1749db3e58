//! `models`: Amdahl's and Gustafson's speedups over P workers and the serial
//! fraction s, with Amdahl's limit 1/s, as a table and the speedup visualizer.

use lab::scaling::{amdahl, amdahl_limit, gustafson};
use lab::{Ctx, Plot, Report, Scale, Series, Style, Typed, between, round};

lab::params! {
    /// The two laws as formulas: nothing is timed.
    pub struct Params {
        /// Serial fractions to tabulate and plot, each from 0 to 1.
        pub serial_fractions: Vec<f64> = vec![0.01, 0.05, 0.10, 0.25, 0.50],
        /// Largest worker count P; P runs over the powers of two 1, 2, 4, ... up to it.
        pub max_workers: u64 = 1024 => between(1, 1 << 20),
        /// Efficiency below which a row is marked as wasteful in the notes (0 to 1).
        pub efficiency_floor: f64 = 0.5 => between(0.0, 1.0),
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::with_row_params(
        lab::kind::<Params>(
            "models",
            "Amdahl's and Gustafson's speedup over P and the serial fraction s, with the limit 1/s.",
            run,
        ),
        &["serial_fraction", "workers"],
    )
}

fn run(_ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut plot = Plot::new(
        "Speedup: Amdahl (fixed problem) vs Gustafson (scaled problem)",
        "workers P (count)",
        "speedup S(P) (×)",
    )
    .scales(Scale::Log2, Scale::Log2);
    for point in points {
        let p = &point.params;
        for &s in &p.serial_fractions {
            anyhow::ensure!(
                (0.0..=1.0).contains(&s),
                "serial fraction {s} is outside 0 to 1"
            );
        }
        let workers: Vec<u64> =
            std::iter::successors(Some(1u64), |&w| (w * 2 <= p.max_workers).then_some(w * 2))
                .collect();
        for (i, &s) in p.serial_fractions.iter().enumerate() {
            for &w in &workers {
                let a = amdahl(s, w as f64);
                report.push(
                    point
                        .row()
                        .param("serial_fraction", s)
                        .param("workers", w)
                        .metric("amdahl", round(a, 4))
                        .metric("amdahl_efficiency", round(a / w as f64, 4))
                        .metric("gustafson", round(gustafson(s, w as f64), 4))
                        .metric("amdahl_limit", limit(s)),
                );
            }
            let curve = |f: fn(f64, f64) -> f64| {
                workers
                    .iter()
                    .map(|&w| (w as f64, f(s, w as f64)))
                    .collect()
            };
            plot = plot
                .series(
                    Series::new(format!("Amdahl s={s}"), Style::LinePoints, curve(amdahl)).color(i),
                )
                .series(
                    Series::new(format!("Gustafson s={s}"), Style::Dashed, curve(gustafson))
                        .color(i),
                );
            let floor = workers
                .iter()
                .find(|&&w| amdahl(s, w as f64) / (w as f64) < p.efficiency_floor);
            if let Some(w) = floor {
                report.note(format!(
                    "s = {s}: Amdahl's efficiency falls below {} at P = {w}; the speedup can never pass {}",
                    p.efficiency_floor,
                    lab::format_number(amdahl_limit(s))
                ));
            }
        }
    }
    report.note("Gustafson's curves keep climbing: when the problem grows with P, the serial part shrinks in relative terms");
    report.plot(plot);
    Ok(report)
}

/// Amdahl's limit 1/s as a JSON value: `"inf"` when nothing is serial.
fn limit(s: f64) -> lab::Value {
    let l = amdahl_limit(s);
    if l.is_finite() {
        round(l, 4).into()
    } else {
        "inf".into()
    }
}
