//! Every point of an experiment, typed and range-checked before anything runs.
//!
//! The kind's params struct is the judge (see [`crate::params!`]): each point of
//! the sweep, with and without the quick overrides, is deserialized and
//! validated. A value it refuses is pointed at where the student wrote it — the
//! quick override, the element of the sweep list, or the fixed key — and the
//! message says what the key is and what range it allows.

use super::error::ConfigError;
use super::source::Source;
use crate::kind::{KeyError, Kind, Point};
use std::ops::Range;

/// Where each key of one experiment was written, to point errors at it.
#[derive(Default)]
pub(super) struct Spans {
    /// Keys set directly.
    pub(super) params: Vec<(String, Range<usize>)>,
    /// Each sweep axis, one span per value.
    pub(super) sweep: Vec<(String, Vec<Range<usize>>)>,
    /// The quick overrides.
    pub(super) quick: Vec<(String, Range<usize>)>,
}

/// Checks `point` against `kind`; `owner` (the experiment's table) is pointed
/// at when the bad value cannot be found.
pub(super) fn check(
    c: &Source<'_>,
    kind: &dyn Kind,
    spans: &Spans,
    point: &Point,
    quick: bool,
    owner: Range<usize>,
) -> Result<(), ConfigError> {
    let Err(e) = kind.check(&point.table) else {
        return Ok(());
    };
    Err(key_error(c, e, spans, point, quick, owner, kind))
}

fn key_error(
    c: &Source<'_>,
    e: KeyError,
    spans: &Spans,
    point: &Point,
    quick: bool,
    owner: Range<usize>,
    kind: &dyn Kind,
) -> ConfigError {
    let key = e.key.clone().unwrap_or_default();
    let from_quick = quick
        .then(|| spans.quick.iter().find(|(k, _)| *k == key))
        .flatten()
        .map(|(_, s)| s.clone());
    let from_sweep = || {
        let (_, value) = point.sweep.iter().find(|(k, _)| *k == key)?;
        let (_, elems) = spans.sweep.iter().find(|(k, _)| *k == key)?;
        let experiment_values = elems.iter().map(|s| &c.src[s.clone()]);
        let i = experiment_values.clone().position(|t| {
            toml::from_str::<toml::Table>(&format!("v = {t}"))
                .ok()
                .and_then(|d| d.get("v").cloned())
                .as_ref()
                == Some(value)
        })?;
        elems.get(i).cloned()
    };
    let from_params = || {
        spans
            .params
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s.clone())
    };
    let span = from_quick
        .or_else(from_sweep)
        .or_else(from_params)
        .unwrap_or(owner);
    let mut help = Vec::new();
    if let Some(doc) = kind.keys().iter().find(|k| k.name == key) {
        let range = doc
            .range
            .as_ref()
            .map(|r| format!(", {r}"))
            .unwrap_or_default();
        help.push(format!("`{key}` is {}{range}: {}", doc.ty, doc.doc));
    }
    let message = if key.is_empty() {
        e.message
    } else {
        format!("bad value for `{key}`: {}", e.message)
    };
    c.error(span, message, help)
}
