//! `timeline = { ... }` in an `[[experiment]]`: which rows a traced run's
//! timeline draws.
//!
//! ```toml
//! [[experiment]]
//! name = "chunksize"
//! kind = "chunksize"
//! timeline = { pool = "processes", chunksize = [1, 64] }  # a key: before [experiment.sweep]
//! ```
//!
//! Each key names a param of the kind's rows: a key of the kind, a param its
//! rows add (`lock`, `build`, `impl`...; an unknown one gets the list), one
//! value or a list of values. The timeline of a traced run (`--trace`,
//! `[run] trace = true`) draws the rows whose params match every key, in place
//! of the default, the rows with the most workers; a key that is set rather
//! than swept matches the rows when its value is the one set. `cargo xtask
//! run ... --timeline workers=1,4` does the same for the experiments of a run
//! whose rows have those params.
//!
//! Checked here, before anything runs: the names, the values' shapes, each
//! value of a kind's key against its range (as a sweep value is), and that
//! some point of the full sweep has the values named for the kind's keys.
//! Which rows were traced is known only after the run: when none matches (a
//! `--quick` sweep without those points, a variant that is not traced), the
//! timeline draws the default and a note under the table says why.

use super::error::ConfigError;
use super::source::{Source, type_name};
use crate::kind::{Kind, Point, row_param_names};
use crate::suggest::did_you_mean;
use std::ops::Range;
use toml::Spanned;
use toml::de::DeValue;

/// The selection: param name → the values a drawn row may have.
pub type Selection = Vec<(String, Vec<toml::Value>)>;

/// Where each entry of a selection was written: its key, and each value.
pub(super) type Spans = Vec<(Range<usize>, Vec<Range<usize>>)>;

const SHAPE: &str =
    "write `timeline = { workers = [1, 4] }`: params of the rows to draw, each one value or a list";

/// Reads the `timeline` table of experiment `name` (kind `kind`): the names
/// and the shapes; [`check`] checks the values once the experiment is read.
pub(super) fn read(
    c: &Source<'_>,
    value: &Spanned<DeValue<'_>>,
    kind: &dyn Kind,
    name: &str,
) -> Result<(Selection, Spans), ConfigError> {
    let DeValue::Table(table) = value.get_ref() else {
        return Err(c.error(
            value.span(),
            format!(
                "`timeline` must be a table of params, found {}",
                type_name(value.get_ref())
            ),
            vec![SHAPE.into()],
        ));
    };
    if table.is_empty() {
        return Err(c.error(
            value.span(),
            format!("the timeline of \"{name}\" names no param"),
            vec![
                SHAPE.into(),
                "without `timeline`, the timeline draws the rows with the most workers".into(),
            ],
        ));
    }
    let valid = row_param_names(kind);
    let (mut selection, mut spans) = (Selection::new(), Spans::new());
    for (key, values) in table.iter() {
        let k = c.known(key, &valid, || {
            format!(
                "in the timeline of \"{name}\" (the params of kind {}'s rows)",
                kind.name()
            )
        })?;
        let list: Vec<&Spanned<DeValue<'_>>> = match values.get_ref() {
            DeValue::Array(items) if items.is_empty() => {
                return Err(c.error(
                    values.span(),
                    format!("the timeline's list of `{k}` values is empty"),
                    vec![SHAPE.into()],
                ));
            }
            DeValue::Array(items) => items.iter().collect(),
            _ => vec![values],
        };
        for v in &list {
            if matches!(v.get_ref(), DeValue::Array(_) | DeValue::Table(_)) {
                return Err(c.error(
                    v.span(),
                    format!(
                        "a timeline value of `{k}` must be one value, found {}",
                        type_name(v.get_ref())
                    ),
                    vec![SHAPE.into()],
                ));
            }
        }
        let plain = list
            .iter()
            .map(|v| c.value(v))
            .collect::<Result<Vec<_>, _>>()?;
        selection.push((k.to_string(), plain));
        spans.push((key.span(), list.iter().map(|v| v.span()).collect()));
    }
    Ok((selection, spans))
}

/// What is wrong with a selection: a message, what to do, and which entry
/// (and which of its values) is at fault, to point at.
#[derive(Debug)]
pub(super) struct Problem {
    pub(super) message: String,
    pub(super) help: Vec<String>,
    pub(super) entry: Option<usize>,
    pub(super) value: Option<usize>,
}

/// Checks `selection` against experiment `name` (of kind `kind`, whose full
/// sweep has `points`): known names, each value of a kind's key in its range,
/// and a point with the values it names for the kind's keys.
pub(super) fn problems(
    kind: &dyn Kind,
    name: &str,
    points: &[Point],
    selection: &[(String, Vec<toml::Value>)],
) -> Option<Problem> {
    let valid = row_param_names(kind);
    let keys: Vec<&str> = kind.keys().iter().map(|k| k.name).collect();
    for (e, (key, values)) in selection.iter().enumerate() {
        if !valid.contains(&key.as_str()) {
            let mut help = Vec::new();
            if let Some(m) = did_you_mean(key, valid.iter().copied()) {
                help.push(format!("did you mean `{m}`?"));
            }
            help.push(format!(
                "params of kind {}'s rows: {}",
                kind.name(),
                valid.join(", ")
            ));
            return Some(Problem {
                message: format!("unknown param `{key}` in the timeline of \"{name}\""),
                help,
                entry: Some(e),
                value: None,
            });
        }
        if !keys.contains(&key.as_str()) {
            continue; // a param the rows add: known after the run
        }
        for (v, value) in values.iter().enumerate() {
            let mut table = points.first().map(|p| p.table.clone()).unwrap_or_default();
            table.insert(key.clone(), value.clone());
            if let Err(err) = kind.check(&table) {
                let help = kind
                    .keys()
                    .iter()
                    .find(|d| d.name == key)
                    .map(|d| {
                        let range = d
                            .range
                            .as_ref()
                            .map(|r| format!(", {r}"))
                            .unwrap_or_default();
                        vec![format!("`{key}` is {}{range}: {}", d.ty, d.doc)]
                    })
                    .unwrap_or_default();
                return Some(Problem {
                    message: format!("bad value for `{key}` in the timeline: {}", err.message),
                    help,
                    entry: Some(e),
                    value: Some(v),
                });
            }
        }
    }
    let named: Vec<&(String, Vec<toml::Value>)> = selection
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .collect();
    let matches = |table: &toml::Table| {
        named.iter().all(|(k, values)| {
            table.get(k).is_some_and(|got| {
                let got = crate::kind::to_json(k, got);
                values
                    .iter()
                    .any(|w| same_number_or_value(&crate::kind::to_json(k, w), &got))
            })
        })
    };
    if named.is_empty() || points.iter().any(|p| matches(&p.table)) {
        return None;
    }
    let has: Vec<String> = named
        .iter()
        .map(|(k, _)| {
            let mut seen: Vec<String> = Vec::new();
            for p in points {
                if let Some(v) = p.table.get(k) {
                    let v = v.to_string();
                    if !seen.contains(&v) {
                        seen.push(v);
                    }
                }
            }
            format!("`{k}` = {}", seen.join(", "))
        })
        .collect();
    Some(Problem {
        message: format!("the timeline of \"{name}\" names no point of its sweep"),
        help: vec![format!("its points have {}", has.join("; "))],
        entry: None,
        value: None,
    })
}

fn same_number_or_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// [`problems`] as a config error, pointed at where the selection was written
/// (`spans`; `whole`, the `timeline` value).
pub(super) fn check(
    c: &Source<'_>,
    kind: &dyn Kind,
    name: &str,
    points: &[Point],
    selection: &[(String, Vec<toml::Value>)],
    spans: &Spans,
    whole: Range<usize>,
) -> Result<(), ConfigError> {
    let Some(p) = problems(kind, name, points, selection) else {
        return Ok(());
    };
    let span = match (p.entry, p.value) {
        (Some(e), Some(v)) => spans[e].1[v].clone(),
        (Some(e), None) => spans[e].0.clone(),
        _ => whole,
    };
    Err(c.error(span, p.message, p.help))
}
