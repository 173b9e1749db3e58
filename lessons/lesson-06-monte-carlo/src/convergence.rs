//! `convergence`: how the error of the estimate shrinks with the number of
//! points. Each size is estimated `trials` times from independent stream
//! families; the root mean square of their errors follows the standard error
//! `√(π(4 − π)/N)`, a line of slope −½ on a log-log plot: a hundred times the
//! points for one more correct digit.

use crate::sample::{Sampler, Tally, estimate_pi, rms_error, std_error, trial_streams};
use lab::{
    Ctx, Plot, Report, Scale, Series, Style, Typed, Workers, at_least, between, round, significant,
};

lab::params! {
    /// Error of the Monte Carlo estimate against the number of points.
    pub struct Params {
        /// Points per estimate; sweep it (from 10^3 to 10^8 by default).
        pub samples: u64 = 1_000_000 => at_least(1),
        /// Independent estimates per size (trial 0 uses the seed's root family, as `pi` does; trial t its child family t − 1).
        pub trials: u64 = 16 => between(1, 10_000),
        /// Fixed chunks per estimate, each with its own stream.
        pub chunks: usize = 64 => between(1, 1 << 20),
        /// Seed of the stream families.
        pub seed: u64 = 2024,
        /// Worker threads; they change the speed, never the numbers.
        pub workers: Workers = Workers::All,
    }
}

pub fn kind() -> Box<dyn lab::Kind> {
    lab::kind::<Params>(
        "convergence",
        "Error |estimate − π| against the number of points, with the standard error √(π(4−π)/N) ∝ 1/√N (log-log SVG).",
        run,
    )
}

fn run(ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    let mut one_run = Vec::new();
    let mut rms = Vec::new();
    let mut theory = Vec::new();
    let bar = ctx.bar(points.iter().map(|p| p.params.trials).sum(), "convergence");
    for point in points {
        let p = &point.params;
        let tallies: Vec<Tally> = (0..p.trials)
            .map(|trial| {
                let tally = estimate_pi(
                    &trial_streams(p.seed, trial),
                    p.samples,
                    p.chunks,
                    p.workers.get(),
                    Sampler::U32Pair,
                );
                bar.inc(1);
                tally
            })
            .collect();
        let first = tallies[0];
        let n = p.samples as f64;
        let rms_error = rms_error(&tallies);
        one_run.push((n, first.error()));
        rms.push((n, rms_error));
        theory.push((n, std_error(p.samples)));
        report.push(
            point
                .row()
                .metric("trials", p.trials)
                .metric("estimate", first.estimate())
                .metric("error", significant(first.error(), 4))
                .metric("rms_error", significant(rms_error, 4))
                .metric("std_error", significant(std_error(p.samples), 4))
                .metric(
                    "rms_over_std_error",
                    round(rms_error / std_error(p.samples), 3),
                ),
        );
    }
    bar.finish_and_clear();

    if let Some(slope) = log_log_slope(&rms) {
        report.summary("rms_error_slope", round(slope, 3));
    }
    let trials = points.first().map_or(0, |p| p.params.trials);
    let inverse_sqrt: Vec<(f64, f64)> = theory.iter().map(|&(n, _)| (n, 1.0 / n.sqrt())).collect();
    report.plot(
        Plot::new(
            "Monte Carlo π: error against the number of points",
            "points N (count)",
            "error |estimate − π| (absolute)",
        )
        .scales(Scale::Log10, Scale::Log10)
        .series(Series::new(
            "one estimate (trial 0)",
            Style::Points,
            one_run,
        ))
        .series(Series::new(
            format!("RMS error over {trials} trials"),
            Style::LinePoints,
            rms,
        ))
        .series(Series::new(
            "standard error √(π(4−π)/N)",
            Style::Dashed,
            theory,
        ))
        .series(Series::new("1/√N", Style::Dashed, inverse_sqrt)),
    );
    report.note("rms_error tracks std_error: 100 times the points buy one more correct digit (slope −0.5 on the log-log plot)");
    report.note("a single estimate scatters around the line; sometimes it lands close to π by luck, which says nothing about the method");
    Ok(report)
}

/// Least-squares slope of `log10 y` against `log10 x`; `None` with fewer than
/// two distinct `x` or a non-positive value.
fn log_log_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.iter().any(|&(x, y)| x <= 0.0 || y <= 0.0) {
        return None;
    }
    let logs: Vec<(f64, f64)> = points
        .iter()
        .map(|&(x, y)| (x.log10(), y.log10()))
        .collect();
    let n = logs.len() as f64;
    let (mx, my) = logs
        .iter()
        .fold((0.0, 0.0), |(a, b), &(x, y)| (a + x / n, b + y / n));
    let sxx: f64 = logs.iter().map(|&(x, _)| (x - mx) * (x - mx)).sum();
    let sxy: f64 = logs.iter().map(|&(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_an_inverse_square_root_is_minus_one_half() {
        let points: Vec<(f64, f64)> = [1e3, 1e4, 1e5, 1e6]
            .iter()
            .map(|&n: &f64| (n, 3.0 / n.sqrt()))
            .collect();
        assert!((log_log_slope(&points).unwrap() + 0.5).abs() < 1e-12);
        assert_eq!(log_log_slope(&points[..1]), None);
    }

    #[test]
    fn rms_error_follows_the_standard_error() {
        // 200 independent estimates of 10^4 points each: their RMS error is the
        // standard error, to within the spread of an RMS over 200 values.
        let tallies: Vec<Tally> = (0..200)
            .map(|t| estimate_pi(&trial_streams(3, t), 10_000, 4, 1, Sampler::U32Pair))
            .collect();
        let ratio = rms_error(&tallies) / std_error(10_000);
        assert!((0.8..1.2).contains(&ratio), "rms / std_error = {ratio}");
    }
}
