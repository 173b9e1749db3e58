//! The terminal table: what a student sees under each experiment.
//!
//! Columns are aligned, numbers right and text left, with units in the headers
//! (`time_ms`, `spread_%`); the experiment's summary follows as `key = value`
//! lines. With `redact`, every value that varies between runs prints as `~`, so
//! the table the snapshot tests hold is the table a student sees, minus the noise.
//! The whole table is built in memory (one `String`) and printed at once.

use super::columns::{PARTS, named};
use super::model::Report;
use crate::numbers::format_value;
use std::fmt::Write as _;

/// Renders a report as an aligned text table. With `redact`, every value that
/// varies between runs (timings, speedups, measured metrics) prints as `~`.
pub fn table(report: &Report, redact: bool) -> String {
    let rows = &report.rows;
    let keys = named(report);
    let parts: Vec<_> = PARTS
        .iter()
        .filter(|part| rows.iter().any(part.present))
        .collect();
    let mut header: Vec<&str> = keys.iter().map(String::as_str).collect();
    header.extend(parts.iter().flat_map(|p| p.table.iter().map(|(h, _)| *h)));

    let mut cells: Vec<Vec<(String, bool)>> = Vec::new(); // (text, right-aligned)
    for r in rows {
        let mut line = Vec::new();
        for key in &keys {
            let value = r.value(key);
            let hide = redact && r.is_measured(key);
            line.push(match value {
                None => (String::new(), false),
                Some(_) if hide => ("~".into(), true),
                Some(v) => (format_value(v), !v.is_string()),
            });
        }
        for part in &parts {
            for (_, cell) in part.table {
                let text = match cell(r) {
                    Some(_) if redact && part.varies => "~".to_string(),
                    Some(text) => text,
                    None => String::new(),
                };
                line.push((text, true));
            }
        }
        cells.push(line);
    }

    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|l| l[i].0.chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let pad = |out: &mut String, text: &str, width: usize, right: bool| {
        let fill = width - text.chars().count();
        if right {
            let _ = write!(out, "  {}{text}", " ".repeat(fill));
        } else {
            let _ = write!(out, "  {text}{}", " ".repeat(fill));
        }
    };
    for (i, h) in header.iter().enumerate() {
        let right = cells.iter().any(|l| l[i].1);
        pad(&mut out, h, widths[i], right);
    }
    out = out.trim_end().to_string();
    out.push('\n');
    for line in &cells {
        let mut text = String::new();
        for (i, (cell, right)) in line.iter().enumerate() {
            pad(&mut text, cell, widths[i], *right);
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    for (k, v) in &report.summary.0 {
        let shown = if redact && report.is_summary_measured(k) {
            "~".into()
        } else {
            format_value(v)
        };
        let _ = writeln!(out, "  {k} = {shown}");
    }
    out
}
