//! The CSV file of an experiment: one line per row, for spreadsheets and scripts.
//!
//! Raw values, not the table's rounded text: seconds as measured, floats with
//! every digit. The header is the row's params and metrics, then every optional
//! part's columns whether or not a row has them, so a script can rely on
//! `median_s` being there. Fields with a comma, a quote or a newline are quoted
//! (RFC 4180).

use super::columns::{PARTS, named};
use super::model::Report;
use serde_json::Value;

/// The rows as CSV: params, metrics, then the timing and speedup columns.
pub fn csv(report: &Report) -> String {
    let keys = named(report);
    let fixed = PARTS.iter().flat_map(|p| p.csv);
    let mut out = keys
        .iter()
        .map(|k| field(k))
        .chain(fixed.clone().map(|(h, _)| h.to_string()))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &report.rows {
        let line: Vec<String> = keys
            .iter()
            .map(|k| match r.value(k) {
                Some(Value::String(s)) => field(s),
                Some(v) => v.to_string(),
                None => String::new(),
            })
            .chain(fixed.clone().map(|(_, cell)| cell(r).unwrap_or_default()))
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
