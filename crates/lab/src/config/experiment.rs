//! `[[experiment]]`: one run of one experiment kind, and what a checked one is.
//!
//! ```toml
//! [[experiment]]
//! name = "strong-scaling"     # unique in the file; names the results files
//! kind = "strong-scaling"     # a kind of the lesson (`cargo xtask list lesson-05`)
//! python = "python3.13t"      # only on kinds with Python rows: over `[run] python`
//! work_units = 40_000_000     # any key of the kind; the rest take their defaults
//! timeline = { workers = 4 }  # traced runs: the rows the timeline draws (see `timeline`)
//! [experiment.sweep]          # see the `sweep` section
//! [experiment.quick]          # see the `quick` section
//! [experiment.predict]        # see the `predict` section
//! ```
//!
//! Each experiment is read key by key in the order written, so the first problem
//! in the file is the one reported; then every point it expands to is checked
//! (see the `points` section).

use super::error::ConfigError;
use super::points::{self, Spans};
use super::source::{Source, type_name};
use super::{predict, quick, run, sweep, timeline};
use crate::kind::{Lesson, Point};
use crate::suggest::did_you_mean;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One `[[experiment]]` of a config.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// Its name, unique in the config: it names the results files.
    pub name: String,
    /// The experiment kind it runs.
    pub kind: String,
    /// The keys set directly (not swept).
    pub params: toml::Table,
    /// The sweep axes, in the order written.
    pub sweep: Vec<(String, Vec<toml::Value>)>,
    /// `[experiment.quick]`: overrides for `--quick` and the tests.
    pub quick: toml::Table,
    /// `python = "..."`: this experiment's interpreter, over `[run]`'s.
    pub python: Option<String>,
    /// `[experiment.predict]`: the values the student expects, in the order written.
    pub predict: Vec<crate::predict::Prediction>,
    /// `timeline = { ... }`: the params of the rows a traced run's timeline
    /// draws (empty: the rows with the most workers).
    pub timeline: timeline::Selection,
}

impl Experiment {
    /// Every point of the sweep (the Cartesian product of the axes, first axis
    /// slowest), with `quick` overrides applied when asked. An override of a swept
    /// key replaces that axis (an array) or pins it (a single value).
    pub fn points(&self, quick: bool) -> Vec<Point> {
        let (params, axes) = self.resolved(quick);
        crate::sweep::expand(&axes)
            .into_iter()
            .map(|sweep| {
                let mut table = params.clone();
                for (k, v) in &sweep {
                    table.insert(k.clone(), v.clone());
                }
                Point { table, sweep }
            })
            .collect()
    }

    /// The keys set rather than swept, with `--quick`'s overrides when asked:
    /// every row of the run has these values, whether or not it carries them.
    pub fn fixed(&self, quick: bool) -> toml::Table {
        self.resolved(quick).0
    }

    fn resolved(&self, quick: bool) -> (toml::Table, Vec<(String, Vec<toml::Value>)>) {
        let mut params = self.params.clone();
        let mut axes = self.sweep.clone();
        if quick {
            for (k, v) in &self.quick {
                if let Some(axis) = axes.iter_mut().find(|(a, _)| a == k) {
                    axis.1 = match v {
                        toml::Value::Array(values) => values.clone(),
                        one => vec![one.clone()],
                    };
                } else {
                    params.insert(k.clone(), v.clone());
                }
            }
        }
        (params, axes)
    }
}

/// The keys of an experiment besides its kind's (`python` only on a kind with
/// Python rows).
const EXPERIMENT_KEYS: [&str; 6] = ["name", "kind", "sweep", "quick", "predict", "timeline"];

/// Reads the `experiment` list: at least one, each checked, names unique.
pub(super) fn read_all(
    c: &Source<'_>,
    list: Option<&Spanned<DeValue<'_>>>,
    lesson: &Lesson,
) -> Result<Vec<Experiment>, ConfigError> {
    let Some(list) = list else {
        return Err(c.error(
            0..0,
            "the config has no [[experiment]]".into(),
            vec![
                "add one: [[experiment]] with `name` and `kind` (kinds: `cargo xtask list "
                    .to_string()
                    + lesson.id
                    + "`)",
            ],
        ));
    };
    let DeValue::Array(items) = list.get_ref() else {
        return Err(c.error(
            list.span(),
            "`experiment` must be a list of tables, written [[experiment]]".into(),
            vec![],
        ));
    };
    if items.is_empty() {
        return Err(c.error(
            list.span(),
            "the experiment list is empty".into(),
            vec!["add at least one [[experiment]]".into()],
        ));
    }
    let mut experiments: Vec<Experiment> = Vec::new();
    let mut name_spans: Vec<Range<usize>> = Vec::new();
    for item in items.iter() {
        let (experiment, name_span) = read_one(c, item, lesson, &experiments, &name_spans)?;
        experiments.push(experiment);
        name_spans.push(name_span);
    }
    Ok(experiments)
}

/// Reads one experiment (`earlier` ones, with where their names were written,
/// to refuse a duplicate name).
fn read_one(
    c: &Source<'_>,
    item: &Spanned<DeValue<'_>>,
    lesson: &Lesson,
    earlier: &[Experiment],
    name_spans: &[Range<usize>],
) -> Result<(Experiment, Range<usize>), ConfigError> {
    let table = c.table(item, "each [[experiment]]")?;
    let (name_span, name) = required_string(c, table, "name", item.span())?;
    if name.is_empty()
        || !name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        return Err(c.error(
            name_span,
            format!("experiment name \"{name}\" cannot name a results file"),
            vec!["use letters, digits, `-` and `_`, e.g. \"strong-scaling-big\"".into()],
        ));
    }
    if let Some(i) = earlier.iter().position(|e| e.name == name) {
        let (line, _) = c.line_col(name_spans[i].start);
        return Err(c.error(name_span, format!("duplicate experiment name \"{name}\""), vec![
            format!("the first \"{name}\" is on line {line}; names must be unique (they name the results files)"),
        ]));
    }
    let (kind_span, kind_name) = required_string(c, table, "kind", item.span())?;
    let Some(kind) = lesson.kind(&kind_name) else {
        let mut help = Vec::new();
        if let Some(m) = did_you_mean(&kind_name, lesson.kind_names()) {
            help.push(format!("did you mean \"{m}\"?"));
        }
        help.push(format!(
            "kinds of {}: {}",
            lesson.id,
            lesson.kind_names().collect::<Vec<_>>().join(", ")
        ));
        return Err(c.error(
            kind_span,
            format!("unknown kind \"{kind_name}\" for {}", lesson.id),
            help,
        ));
    };
    let keys: Vec<&'static str> = kind.keys().iter().map(|k| k.name).collect();

    let mut params = toml::Table::new();
    let mut axes = Vec::new();
    let mut overrides = toml::Table::new();
    let mut spans = Spans::default();
    let mut python = None;
    let mut predictions = Vec::new();
    let mut selection = (timeline::Selection::new(), timeline::Spans::new(), 0..0);
    for (key, value) in table.iter() {
        let k = key.get_ref().as_ref();
        match k {
            "name" | "kind" => {}
            "python" if kind.python().is_none() => {
                return Err(c.error(
                    key.span(),
                    format!("kind {kind_name} has no Python rows, so `python` does nothing here"),
                    vec!["`cargo xtask list` marks the kinds with Python rows".into()],
                ));
            }
            "python" => python = run::python_key(c, Some(value))?,
            "sweep" => {
                (axes, spans.sweep) = sweep::read(c, value, table, &keys, &name, &kind_name)?;
            }
            "predict" => predictions = predict::read(c, value, &name)?,
            "timeline" => {
                let (chosen, spans) = timeline::read(c, value, kind, &name)?;
                selection = (chosen, spans, value.span());
            }
            "quick" => {
                (overrides, spans.quick) = quick::read(c, value, &keys, &name, &kind_name)?;
            }
            _ if keys.contains(&k) => {
                spans.params.push((k.to_string(), value.span()));
                params.insert(k.to_string(), c.value(value)?);
            }
            _ => {
                let python_key = kind.python().map(|_| "python");
                let valid: Vec<&str> = keys
                    .iter()
                    .copied()
                    .chain(EXPERIMENT_KEYS)
                    .chain(python_key)
                    .collect();
                let where_ = format!("in experiment \"{name}\" (kind {kind_name})");
                return Err(c.unknown_key(key, &valid, &where_));
            }
        }
    }
    let experiment = Experiment {
        name,
        kind: kind_name,
        params,
        sweep: axes,
        quick: overrides,
        python,
        predict: predictions,
        timeline: selection.0,
    };
    for quick_mode in [false, true] {
        for point in experiment.points(quick_mode) {
            points::check(c, kind, &spans, &point, quick_mode, item.span())?;
        }
    }
    let points = experiment.points(false);
    let (chosen, spans, whole) = (&experiment.timeline, &selection.1, selection.2);
    timeline::check(c, kind, &experiment.name, &points, chosen, spans, whole)?;
    Ok((experiment, name_span))
}

/// The string at `key` of an experiment's table, which must be there (`owner`,
/// the experiment, is pointed at when it is not).
fn required_string(
    c: &Source<'_>,
    table: &DeTable<'_>,
    key: &str,
    owner: Range<usize>,
) -> Result<(Range<usize>, String), ConfigError> {
    match super::source::get(table, key) {
        Some(v) => match v.get_ref() {
            DeValue::String(s) => Ok((v.span(), s.to_string())),
            other => Err(c.error(
                v.span(),
                format!("`{key}` must be a string, found {}", type_name(other)),
                vec![],
            )),
        },
        None => Err(c.error(
            owner,
            format!("this experiment has no `{key}`"),
            vec![match key {
                "name" => "add `name = \"...\"`: it names the results files".into(),
                _ => "add `kind = \"...\"` (`cargo xtask list <lesson>` lists the kinds)".into(),
            }],
        )),
    }
}
