//! The parlab experiment harness: configs, sweeps, timing, scaling laws, reports.
//!
//! A lesson crate declares experiment kinds (a [`params!`] struct and a run
//! function, see [`kind()`]); the `xtask` driver loads a TOML config with
//! [`config::load`] and runs it with [`run::run`]. Everything a student sees
//! — the checked config, the table, the results JSON/CSV and the SVG plots — is
//! made here, so the driver stays thin and the tests call the same code.
//!
//! This crate knows nothing of the runtime or the lessons: dependencies go
//! `xtask → lessons → lab, runtime`. Inside it they go one way too: each module
//! imports only modules below it in this list, so there is no cycle.
//!
//! ```text
//! python   → kind, report, params, measure, numbers, interpreter   (a kind's Python rows)
//! run      → config, kind, report, progress, measure, interpreter, predict, traced
//!                                                      (runs a checked config)
//! traced   → report, trace, timeline, measure          (a traced run's ledgers and files)
//! config   → kind, sweep, suggest, measure, predict    (TOML to checked experiments)
//! predict  → report, numbers                           (predicted against measured, the score)
//! kind     → report, params, progress, measure, interpreter, trace  (what a lesson implements)
//! report   → plot, numbers, measure, trace             (rows; table, CSV, files)
//! timeline → trace                                     (the SVG of a traced run)
//! trace    → measure                                   (spans, the ledger, Chrome traces)
//! plot     → numbers                                   (SVG charts)
//! params   → measure                                   (typed keys and ranges)
//! numbers, measure, progress, scaling, suggest, sweep, interpreter, speedcheck, programs
//!                                                      (import nothing from lab)
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod config;
pub mod interpreter;
pub mod kind;
pub mod measure;
pub mod noise;
pub mod numbers;
pub mod params;
pub mod plot;
pub mod predict;
pub mod programs;
pub mod progress;
pub mod python;
pub mod report;
pub mod results;
pub mod run;
pub mod scaling;
pub mod speedcheck;
pub mod suggest;
pub mod sweep;
pub mod timeline;
pub mod trace;
pub mod traced;

pub use kind::{Ctx, KeyError, Kind, Lesson, Typed, kind, with_preflight, with_row_params};
pub use measure::{Machine, Repeats, Timing};
pub use numbers::{format_number, format_value, round, significant};
pub use params::{Check, Invalid, KeyDoc, Params, Workers, at_least, between};
pub use plot::{Legend, Plot, Scale, Series, Style};
pub use report::{Report, Row};
pub use serde_json::Value;
pub use suggest::did_you_mean;

/// The module graph drawn above, kept by a test rather than by memory.
#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Which sibling modules each module's code names (`crate::x` at the top
    /// level, `super::x` inside a folder module), leaving out comments, docs and
    /// tests.
    fn imports(dir: &Path, prefix: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph = BTreeMap::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let files: Vec<_> = if path.is_dir() {
                let mut inner: Vec<_> = std::fs::read_dir(&path).unwrap().flatten().collect();
                inner.sort_by_key(|e| e.path());
                inner.into_iter().map(|e| e.path()).collect()
            } else {
                vec![path.clone()]
            };
            let mut names = BTreeSet::new();
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap();
                for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                    for (i, _) in line.match_indices(prefix) {
                        let rest = &line[i + prefix.len()..];
                        let to: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect();
                        let braced = rest.strip_prefix('{').map(|r| r.split('}').next().unwrap());
                        let targets = match braced {
                            Some(list) => list.split(',').map(|s| s.trim().to_string()).collect(),
                            None => vec![to],
                        };
                        names.extend(targets.into_iter().filter(|t| !t.is_empty() && *t != name));
                    }
                }
            }
            graph.insert(name, names);
        }
        graph
    }

    /// The first cycle found, as a path of module names.
    fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
        fn visit(
            node: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(i) = path.iter().position(|n| n == node) {
                let mut found = path[i..].to_vec();
                found.push(node.to_string());
                return Some(found);
            }
            if !done.insert(node.to_string()) {
                return None;
            }
            path.push(node.to_string());
            for next in graph.get(node).into_iter().flatten() {
                if graph.contains_key(next) {
                    if let Some(c) = visit(next, graph, path, done) {
                        return Some(c);
                    }
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        graph
            .keys()
            .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
    }

    #[test]
    fn modules_import_each_other_without_cycles() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let top = imports(&src, "crate::");
        assert_eq!(cycle(&top), None, "modules of lab: {top:?}");
        assert!(top["plot"].contains("numbers") && !top["plot"].contains("report"));
        for folder in ["config", "report"] {
            let inner = imports(&src.join(folder), "super::");
            assert_eq!(cycle(&inner), None, "modules of lab::{folder}: {inner:?}");
        }
    }
}
