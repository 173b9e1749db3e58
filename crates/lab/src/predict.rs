//! Predict, then measure: the values a student expects before a run
//! (`[experiment.predict]`), set beside what the run measured.
//!
//! ```toml
//! [experiment.predict]
//! # quantity = { the params of the rows it is about..., value = what you expect }
//! speedup = [{ workers = 2, value = 1.8 }, { workers = 4, value = 2.6 }]
//! efficiency = { workers = 2, value = 0.9 }
//! seconds = { workers = 1, value = 0.25 }
//! ```
//!
//! A quantity is `speedup`, `efficiency`, `seconds` (the median wall time of the
//! row) or the name of any metric of the experiment's rows (the table's column).
//! A prediction is about every row whose params hold all the values it names
//! (`workers = 2` matches the Rust and the Python row at 2 workers); one that
//! names no params is about every row.
//!
//! Each prediction is scored by how far off it was as a *ratio*, the way
//! speedups are read: the error of one is `|ln(measured / predicted)|`, and the
//! score of an experiment is `100 · exp(−mean error)`, so predictions off by a
//! factor of 1.25 on average score 80, off by a factor of 2 score 50, exact
//! ones 100.

use crate::report::{Fields, Report, Row};
use serde_json::Value;

/// The quantities every timed row has, besides its metrics.
pub const BUILT_IN: [&str; 3] = ["speedup", "efficiency", "seconds"];

/// One predicted value: a quantity, at the rows with the given params.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// `speedup`, `efficiency`, `seconds` or a metric's name.
    pub quantity: String,
    /// The params a row must have to be about this prediction.
    pub at: Vec<(String, toml::Value)>,
    /// What the student expects (positive: the score compares ratios).
    pub value: f64,
}

impl Prediction {
    /// `speedup at workers=2`: what and where, for messages.
    pub fn label(&self) -> String {
        if self.at.is_empty() {
            return self.quantity.clone();
        }
        let at: Vec<String> = self
            .at
            .iter()
            .map(|(k, v)| match v {
                toml::Value::String(s) => format!("{k}={s}"),
                other => format!("{k}={other}"),
            })
            .collect();
        format!("{} at {}", self.quantity, at.join(", "))
    }

    /// Whether `row` is one this prediction is about.
    pub fn matches(&self, row: &Row) -> bool {
        self.at
            .iter()
            .all(|(k, want)| row.params.get(k).is_some_and(|got| same(want, got)))
    }
}

/// A TOML value from a config against a JSON value of a row.
fn same(want: &toml::Value, got: &Value) -> bool {
    match want {
        toml::Value::Integer(i) => got.as_f64() == Some(*i as f64),
        toml::Value::Float(f) => got.as_f64() == Some(*f),
        toml::Value::String(s) => got.as_str() == Some(s.as_str()),
        toml::Value::Boolean(b) => got.as_bool() == Some(*b),
        _ => false,
    }
}

/// The value of `quantity` a row measured.
pub fn measured(row: &Row, quantity: &str) -> Option<f64> {
    match quantity {
        "speedup" => row.speedup,
        "efficiency" => row.efficiency,
        "seconds" => row.timing.as_ref().map(|t| t.median_s),
        metric => row.metrics.get(metric).and_then(Value::as_f64),
    }
}

/// The score of a set of (predicted, measured) pairs: `100 · exp(−mean
/// |ln(measured / predicted)|)`, with that mean; `None` without a pair to score
/// (both values must be positive).
pub fn score(pairs: &[(f64, f64)]) -> Option<(f64, f64)> {
    let errors: Vec<f64> = pairs
        .iter()
        .filter(|(p, m)| *p > 0.0 && *m > 0.0)
        .map(|(p, m)| (m / p).ln().abs())
        .collect();
    if errors.is_empty() {
        return None;
    }
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    Some((100.0 * (-mean).exp(), mean))
}

/// Sets each prediction beside the rows it is about (`Row::predicted`), adds the
/// score to the summary (`prediction_score`, `prediction_log_error`), and returns
/// the lines to print: predicted against measured, the relative error, the
/// score. `redact` prints `~` for what varies between runs.
pub fn apply(report: &mut Report, predictions: &[Prediction], redact: bool) -> Vec<String> {
    if predictions.is_empty() {
        return Vec::new();
    }
    let shown = |x: f64| crate::numbers::format_number(crate::numbers::significant(x, 3));
    // What `--redact` hides: values that vary between runs (timings, measured
    // metrics); a deterministic metric and every prediction are shown.
    let varying = report.measured_names();
    let varies = |q: &str| BUILT_IN.contains(&q) || varying.iter().any(|m| m == q);
    let mut lines = vec!["predicted vs measured:".to_string()];
    let mut pairs = Vec::new();
    for p in predictions {
        let mut any = false;
        for row in report.rows.iter_mut().filter(|r| p.matches(r)) {
            any = true;
            let predicted = row.predicted.get_or_insert_with(Fields::default);
            predicted.set(&p.quantity, p.value);
            let others: Vec<String> = row
                .params
                .0
                .iter()
                .filter(|(k, _)| !p.at.iter().any(|(a, _)| a == k))
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            let which = if others.is_empty() {
                String::new()
            } else {
                format!(" ({})", others.join(", "))
            };
            match measured(row, &p.quantity) {
                Some(m) => {
                    pairs.push((p.value, m));
                    let hide = redact && varies(&p.quantity);
                    let (measured, error) = if hide {
                        ("~".to_string(), "~".to_string())
                    } else {
                        (
                            shown(m),
                            format!("{:+.1}%", 100.0 * (m - p.value) / p.value),
                        )
                    };
                    lines.push(format!(
                        "  {}{which}: predicted {}, measured {measured}, error {error}",
                        p.label(),
                        shown(p.value),
                    ));
                }
                None => lines.push(format!(
                    "  {}{which}: predicted {}, but this row has no {}",
                    p.label(),
                    shown(p.value),
                    p.quantity
                )),
            }
        }
        if !any {
            lines.push(format!(
                "  {}: no row has these params (the table's params columns say which rows there are)",
                p.label()
            ));
        }
    }
    match score(&pairs) {
        Some((score, mean)) => {
            report.summary_measured("prediction_score", crate::numbers::round(score, 1));
            report.summary_measured("prediction_log_error", crate::numbers::round(mean, 4));
            if redact {
                lines.push("prediction score: ~/100".into());
            } else {
                lines.push(format!(
                    "prediction score: {:.0}/100 (off by a factor of {} on average; 100 is exact, 50 a factor of 2)",
                    score,
                    crate::numbers::format_number(crate::numbers::significant(mean.exp(), 3))
                ));
            }
        }
        None => lines.push("prediction score: none (no prediction met a measured value)".into()),
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_predictions_score_100_and_a_factor_of_two_scores_50() {
        assert_eq!(score(&[(1.8, 1.8), (3.0, 3.0)]).unwrap().0, 100.0);
        let (s, _) = score(&[(2.0, 1.0), (1.0, 2.0)]).unwrap();
        assert!((s - 50.0).abs() < 1e-9, "{s}");
        assert_eq!(score(&[]), None);
        assert_eq!(
            score(&[(1.0, 0.0)]),
            None,
            "a zero measured value is not scored"
        );
    }

    #[test]
    fn predictions_land_beside_the_rows_they_name() {
        let mut report = Report::new();
        for (impl_, workers, speedup) in [("rust", 1, 1.0), ("rust", 2, 1.6), ("python", 2, 1.2)] {
            let mut row = Row::new()
                .param("impl", impl_)
                .param("workers", workers)
                .metric("hits", 10);
            row.speedup = Some(speedup);
            report.push(row);
        }
        let predictions = vec![
            Prediction {
                quantity: "speedup".into(),
                at: vec![("workers".into(), toml::Value::Integer(2))],
                value: 1.6,
            },
            Prediction {
                quantity: "hits".into(),
                at: vec![
                    ("workers".into(), toml::Value::Integer(1)),
                    ("impl".into(), toml::Value::String("rust".into())),
                ],
                value: 10.0,
            },
            Prediction {
                quantity: "speedup".into(),
                at: vec![("workers".into(), toml::Value::Integer(16))],
                value: 9.0,
            },
        ];
        let lines = apply(&mut report, &predictions, false);
        let text = lines.join("\n");
        assert!(
            text.contains(
                "speedup at workers=2 (impl=rust): predicted 1.6, measured 1.6, error +0.0%"
            ),
            "{text}"
        );
        assert!(
            text.contains("(impl=python): predicted 1.6, measured 1.2, error -25.0%"),
            "{text}"
        );
        assert!(
            text.contains("speedup at workers=16: no row has these params"),
            "{text}"
        );
        let predicted: Vec<_> = report.rows.iter().map(|r| r.predicted.clone()).collect();
        assert_eq!(
            predicted[0].as_ref().unwrap().get("hits"),
            Some(&Value::from(10.0))
        );
        assert_eq!(
            predicted[1].as_ref().unwrap().get("speedup"),
            Some(&Value::from(1.6))
        );
        assert!(predicted[2].as_ref().unwrap().get("hits").is_none());
        assert!(report.summary.get("prediction_score").is_some());
    }
}
