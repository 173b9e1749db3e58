//! Lesson-level behaviour of `ber-curve`, on the quick settings of the lesson's
//! own config: the rows are the same for any number of workers, threads per
//! point and order of submission, and at the quick run's low SNRs the measured
//! BER lies within statistical bounds of theory.

use lab::{Ctx, Report};
use lesson_07_ber::lesson;
use std::path::Path;

/// The quick points of `ber-curve` in `configs/lesson-07.toml`.
fn quick_points() -> Vec<lab::kind::Point> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/lesson-07.toml");
    let config = lab::config::load(&path, "configs/lesson-07.toml", &[lesson()])
        .unwrap_or_else(|e| panic!("configs/lesson-07.toml does not load: {e:?}"));
    config
        .experiments
        .iter()
        .find(|e| e.name == "ber-curve")
        .expect("the config has a ber-curve experiment")
        .points(true)
}

/// Runs `ber-curve` on `points` with `key = value` set on every point.
fn run_with(points: &[lab::kind::Point], settings: &[(&str, toml::Value)]) -> Report {
    let points: Vec<_> = points
        .iter()
        .cloned()
        .map(|mut p| {
            for (key, value) in settings {
                p.table.insert(key.to_string(), value.clone());
            }
            p
        })
        .collect();
    lesson()
        .kind("ber-curve")
        .expect("lesson-07 has the ber-curve kind")
        .run(&Ctx::for_tests(), &points)
        .expect("the quick curve runs")
}

/// The deterministic part of every row: params and metrics, less the two
/// measured columns.
fn deterministic(report: &Report) -> Vec<String> {
    let measured = report.measured_names();
    report
        .rows
        .iter()
        .map(|row| {
            let metrics: Vec<_> = row
                .metrics
                .0
                .iter()
                .filter(|(k, _)| !measured.contains(k))
                .collect();
            format!("{:?} {:?}", row.params, metrics)
        })
        .collect()
}

#[test]
fn rows_are_identical_for_any_workers_threads_per_point_and_order() {
    let points = quick_points();
    let one = run_with(
        &points,
        &[
            ("workers", 1.into()),
            ("threads_per_point", 1.into()),
            ("order", "as-listed".into()),
        ],
    );
    assert_eq!(one.rows.len(), points.len());
    for workers in [2, 3, 8] {
        for threads in [1, 2] {
            for order in ["as-listed", "costliest-first"] {
                let other = run_with(
                    &points,
                    &[
                        ("workers", workers.into()),
                        ("threads_per_point", threads.into()),
                        ("order", order.into()),
                    ],
                );
                assert_eq!(
                    deterministic(&other),
                    deterministic(&one),
                    "{workers} workers, {threads} threads per point, {order}"
                );
            }
        }
    }
}

#[test]
fn quick_ber_lies_within_four_standard_errors_of_theory() {
    let report = run_with(&quick_points(), &[]);
    for row in &report.rows {
        let get = |k: &str| row.number(k).unwrap_or_else(|| panic!("row has no {k}"));
        let (bits, errors, ber, theory) = (get("bits"), get("errors"), get("ber"), get("theory"));
        assert!(
            errors >= 100.0,
            "quick points are low-SNR: {errors} errors in {row:?}"
        );
        assert_eq!(ber, errors / bits);
        let std_error = (theory * (1.0 - theory) / bits).sqrt();
        assert!(
            (ber - theory).abs() <= 4.0 * std_error,
            "BER {ber} at {:?} is more than 4 standard errors ({std_error}) from theory {theory}",
            row.params
        );
    }
    assert_eq!(
        report.summary.get("points_with_100_errors"),
        report.summary.get("of_them_within_4_sigma")
    );
}
