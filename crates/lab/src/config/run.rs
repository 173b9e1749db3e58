//! `[run]`: how many times each point runs, and which Python runs the Python rows.
//!
//! ```toml
//! [run]
//! repeats = 5              # timed runs per point, 1 to 1000; the median is reported
//! warmup = 1               # untimed runs first, 0 to 100
//! python = "python3"       # interpreter of the Python rows (see `crate::python`)
//! python_timeout_s = 300   # a Python script running longer is killed, 1 to 86400
//! trace = true             # trace every run, as `cargo xtask run --trace` does
//! ```
//!
//! All are optional; without `[run]` a point is warmed up once and timed five
//! times. `--quick` replaces both counts with one timed run and no warm-up. The
//! environment variable `PARLAB_PYTHON` overrides `python` (`none` turns the
//! Python rows off); an experiment's own `python` key overrides `[run]`'s.

use super::error::ConfigError;
use super::source::{Source, get};
use crate::measure::Repeats;
use toml::Spanned;
use toml::de::DeValue;

/// The keys of `[run]`.
const RUN_KEYS: [&str; 5] = ["repeats", "warmup", "python", "python_timeout_s", "trace"];

/// What `[run]` sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunSection {
    /// Warm-up and timed runs per point.
    pub(super) plan: Repeats,
    /// `python`: the interpreter of the Python rows.
    pub(super) python: Option<String>,
    /// `python_timeout_s`: a Python script running longer is killed.
    pub(super) python_timeout_s: Option<u32>,
    /// `trace`: trace every run.
    pub(super) trace: bool,
}

/// What a config without `[run]` gets.
const DEFAULT: Repeats = Repeats {
    warmup: 1,
    repeats: 5,
};

/// Reads `[run]`, if the config has one.
pub(super) fn read(
    c: &Source<'_>,
    run: Option<&Spanned<DeValue<'_>>>,
) -> Result<RunSection, ConfigError> {
    let Some(run) = run else {
        return Ok(RunSection {
            plan: DEFAULT,
            python: None,
            python_timeout_s: None,
            trace: false,
        });
    };
    let table = c.table(run, "`[run]`")?;
    for (key, _) in table.iter() {
        c.known(key, &RUN_KEYS, || "in [run]".into())?;
    }
    Ok(RunSection {
        plan: Repeats {
            repeats: c
                .int_in(get(table, "repeats"), "repeats", 1, 1000)?
                .unwrap_or(DEFAULT.repeats),
            warmup: c
                .int_in(get(table, "warmup"), "warmup", 0, 100)?
                .unwrap_or(DEFAULT.warmup),
        },
        python: python_key(c, get(table, "python"))?,
        python_timeout_s: c.int_in(
            get(table, "python_timeout_s"),
            "python_timeout_s",
            1,
            86_400,
        )?,
        trace: trace_key(c, get(table, "trace"))?,
    })
}

/// `trace`: a boolean.
fn trace_key(c: &Source<'_>, value: Option<&Spanned<DeValue<'_>>>) -> Result<bool, ConfigError> {
    let Some(v) = value else { return Ok(false) };
    match v.get_ref() {
        DeValue::Boolean(b) => Ok(*b),
        _ => Err(c.error(
            v.span(),
            "`trace` must be true or false".into(),
            vec![
                "`trace = true` writes a .trace.json, a .timeline.svg and a ledger per experiment"
                    .into(),
            ],
        )),
    }
}

/// A `python` key (of `[run]` or of an experiment): the interpreter's name or
/// path, a non-empty string.
pub(super) fn python_key(
    c: &Source<'_>,
    value: Option<&Spanned<DeValue<'_>>>,
) -> Result<Option<String>, ConfigError> {
    let Some(v) = value else { return Ok(None) };
    match v.get_ref() {
        DeValue::String(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        _ => Err(c.error(
            v.span(),
            "`python` must name an interpreter, e.g. \"python3\" or \"python3.13t\"".into(),
            vec!["a bare name is looked up in .venv, then on PATH; a path is used as given".into()],
        )),
    }
}
