//! Loading an experiment config: TOML text to checked, typed experiments.
//!
//! Everything is checked before anything runs: the lesson, every experiment's
//! name and kind, every key against the kind's params, every sweep point and every
//! `[experiment.quick]` override, typed and range-checked. The first problem is a
//! [`ConfigError`] that names `file:line:col`, quotes the line, and says what was
//! expected.

use crate::kind::{KeyError, Lesson, Point};
use crate::measure::Repeats;
use crate::params::did_you_mean;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A config that cannot run: where, what is wrong, and what was expected.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The file, as the user named it.
    pub file: String,
    /// Line and column (1-based) with the quoted line and the width to underline.
    pub at: Option<Location>,
    pub message: String,
    /// What was expected: valid keys or kinds, a "did you mean", the allowed range.
    pub help: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Location {
    pub line: usize,
    pub col: usize,
    pub text: String,
    pub width: usize,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => {
                writeln!(f, "{}:{}:{}: {}", self.file, at.line, at.col, self.message)?;
                let num = at.line.to_string();
                let gutter = " ".repeat(num.len());
                writeln!(f, "{gutter} |")?;
                writeln!(f, "{num} | {}", at.text)?;
                let lead: String = at
                    .text
                    .chars()
                    .take(at.col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "{gutter} | {lead}{}", "^".repeat(at.width.max(1)))?;
            }
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        for h in &self.help {
            write!(f, "\n  = {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A checked config, ready to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file, as the user named it (for messages).
    pub file: String,
    pub lesson: String,
    pub plan: Repeats,
    /// `[run] python`: the interpreter of the Python rows (see [`crate::python`]).
    pub python: Option<String>,
    /// `[run] python_timeout_s`: a Python script running longer is killed.
    pub python_timeout_s: Option<u32>,
    pub experiments: Vec<Experiment>,
}

/// One `[[experiment]]` of a config.
#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: String,
    pub kind: String,
    /// The keys set directly (not swept).
    pub params: toml::Table,
    /// The sweep axes, in the order written.
    pub sweep: Vec<(String, Vec<toml::Value>)>,
    /// `[experiment.quick]`: overrides for `--quick` and the tests.
    pub quick: toml::Table,
    /// `python = "..."`: this experiment's interpreter, over `[run]`'s.
    pub python: Option<String>,
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

const TOP_KEYS: [&str; 3] = ["lesson", "run", "experiment"];
const RUN_KEYS: [&str; 4] = ["repeats", "warmup", "python", "python_timeout_s"];
const EXPERIMENT_KEYS: [&str; 5] = ["name", "kind", "sweep", "quick", "python"];

/// Reads and checks a config file against the lessons it may name.
pub fn load(path: &Path, shown_as: &str, lessons: &[Lesson]) -> Result<Config, ConfigError> {
    let bare = |message: String, help: Vec<String>| ConfigError {
        file: shown_as.to_string(),
        at: None,
        message,
        help,
    };
    if path.is_dir() {
        return Err(bare(
            "is a directory, not a config file".into(),
            vec!["name a .toml file, e.g. configs/lesson-05.toml".into()],
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        bare(
            format!("cannot read the config: {e}"),
            vec!["run `cargo xtask list` for the lessons; their configs are in configs/".into()],
        )
    })?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let src = String::from_utf8_lossy(&e.into_bytes()[..good]).into_owned();
            let checker = Checker {
                file: shown_as,
                src: &src,
            };
            return Err(checker.error(
                good..good + 1,
                "the file is not UTF-8 text".into(),
                vec!["a config is a TOML text file; save it as UTF-8".into()],
            ));
        }
    };
    parse(&text, shown_as, lessons)
}

/// Checks config text (see [`load`]).
pub fn parse(src: &str, file: &str, lessons: &[Lesson]) -> Result<Config, ConfigError> {
    let c = Checker { file, src };
    if src.trim().is_empty() {
        return Err(ConfigError {
            file: file.into(),
            at: None,
            message: "the config is empty".into(),
            help: vec!["a config needs `lesson = \"lesson-05\"` and at least one [[experiment]] (see configs/)".into()],
        });
    }
    let doc = DeTable::parse(src).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        c.error(
            span,
            format!("TOML syntax: {}", e.message().trim_end()),
            vec![],
        )
    })?;
    let root = doc.get_ref();

    for (key, _) in root.iter() {
        if !TOP_KEYS.contains(&key.get_ref().as_ref()) {
            return Err(c.unknown_key(key, &TOP_KEYS, "at the top level"));
        }
    }
    let (lesson_span, lesson_id) = match get(root, "lesson") {
        Some(v) => match v.get_ref() {
            DeValue::String(s) => (v.span(), s.to_string()),
            _ => {
                return Err(c.error(
                    v.span(),
                    "`lesson` must be a string".into(),
                    vec![lesson_list(lessons)],
                ));
            }
        },
        None => {
            return Err(c.error(
                0..0,
                "the config has no `lesson` key".into(),
                vec![
                    "add a first line such as `lesson = \"lesson-05\"`".into(),
                    lesson_list(lessons),
                ],
            ));
        }
    };
    let Some(lesson) = lessons.iter().find(|l| l.id == lesson_id) else {
        let mut help = Vec::new();
        if let Some(m) = did_you_mean(&lesson_id, lessons.iter().map(|l| l.id)) {
            help.push(format!("did you mean \"{m}\"?"));
        }
        help.push(lesson_list(lessons));
        return Err(c.error(lesson_span, format!("unknown lesson \"{lesson_id}\""), help));
    };

    let mut python = None;
    let mut python_timeout_s = None;
    let plan = match get(root, "run") {
        None => Repeats {
            warmup: 1,
            repeats: 5,
        },
        Some(run) => {
            let table = c.table(run, "`[run]`")?;
            for (key, _) in table.iter() {
                if !RUN_KEYS.contains(&key.get_ref().as_ref()) {
                    return Err(c.unknown_key(key, &RUN_KEYS, "in [run]"));
                }
            }
            python = c.python_key(get(table, "python"))?;
            python_timeout_s = c.int_in(
                get(table, "python_timeout_s"),
                "python_timeout_s",
                1,
                86_400,
            )?;
            Repeats {
                repeats: c
                    .int_in(get(table, "repeats"), "repeats", 1, 1000)?
                    .unwrap_or(5),
                warmup: c
                    .int_in(get(table, "warmup"), "warmup", 0, 100)?
                    .unwrap_or(1),
            }
        }
    };

    let Some(list) = get(root, "experiment") else {
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
        let table = c.table(item, "each [[experiment]]")?;
        let (name_span, name) = c.string(table, "name", item.span())?;
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
        if let Some(i) = experiments.iter().position(|e| e.name == name) {
            let (line, _) = c.line_col(name_spans[i].start);
            return Err(c.error(name_span, format!("duplicate experiment name \"{name}\""), vec![
                format!("the first \"{name}\" is on line {line}; names must be unique (they name the results files)"),
            ]));
        }
        let (kind_span, kind_name) = c.string(table, "kind", item.span())?;
        let Some(kind) = lesson.kind(&kind_name) else {
            let mut help = Vec::new();
            if let Some(m) = did_you_mean(&kind_name, lesson.kinds.iter().map(|k| k.name())) {
                help.push(format!("did you mean \"{m}\"?"));
            }
            help.push(format!(
                "kinds of {}: {}",
                lesson.id,
                lesson
                    .kinds
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return Err(c.error(
                kind_span,
                format!("unknown kind \"{kind_name}\" for {}", lesson.id),
                help,
            ));
        };
        let keys: Vec<&'static str> = kind.keys().iter().map(|k| k.name).collect();
        let where_ = format!("in experiment \"{name}\" (kind {kind_name})");

        let mut params = toml::Table::new();
        let mut sweep = Vec::new();
        let mut quick = toml::Table::new();
        let mut spans = Spans::default();
        let mut python = None;
        for (key, value) in table.iter() {
            let k = key.get_ref().as_ref();
            match k {
                "name" | "kind" => {}
                "python" if kind.python().is_none() => {
                    return Err(c.error(
                        key.span(),
                        format!(
                            "kind {kind_name} has no Python rows, so `python` does nothing here"
                        ),
                        vec!["`cargo xtask list` marks the kinds with Python rows".into()],
                    ));
                }
                "python" => python = c.python_key(Some(value))?,
                "sweep" => {
                    let axes = c.table(value, "`[experiment.sweep]`")?;
                    for (axis, values) in axes.iter() {
                        let a = axis.get_ref().as_ref();
                        if !keys.contains(&a) {
                            return Err(c.unknown_key(
                                axis,
                                &keys,
                                &format!("in the sweep of \"{name}\" (kind {kind_name})"),
                            ));
                        }
                        if table.iter().any(|(other, _)| other.get_ref().as_ref() == a) {
                            return Err(c.error(
                                axis.span(),
                                format!("`{a}` is both set and swept in \"{name}\""),
                                vec![
                                    "keep one: a fixed value, or a list under [experiment.sweep]"
                                        .into(),
                                ],
                            ));
                        }
                        let DeValue::Array(list) = values.get_ref() else {
                            return Err(c.error(
                                values.span(),
                                format!("a sweep axis is a list of values, e.g. `{a} = [1, 2, 4]`"),
                                vec![],
                            ));
                        };
                        if list.is_empty() {
                            return Err(c.error(
                                values.span(),
                                format!("the sweep over `{a}` is empty"),
                                vec!["give at least one value, e.g. `workers = [1, 2]`".into()],
                            ));
                        }
                        spans
                            .sweep
                            .push((a.to_string(), list.iter().map(|v| v.span()).collect()));
                        sweep.push((a.to_string(), c.values(list)?));
                    }
                }
                "quick" => {
                    let overrides = c.table(value, "`[experiment.quick]`")?;
                    for (qk, qv) in overrides.iter() {
                        let q = qk.get_ref().as_ref();
                        if !keys.contains(&q) {
                            return Err(c.unknown_key(
                                qk,
                                &keys,
                                &format!("in the quick overrides of \"{name}\" (kind {kind_name})"),
                            ));
                        }
                        spans.quick.push((q.to_string(), qv.span()));
                        quick.insert(q.to_string(), c.value(qv)?);
                    }
                }
                _ if keys.contains(&k) => {
                    spans.params.push((k.to_string(), value.span()));
                    params.insert(k.to_string(), c.value(value)?);
                }
                _ => {
                    let valid: Vec<&str> = keys.iter().copied().chain(EXPERIMENT_KEYS).collect();
                    return Err(c.unknown_key(key, &valid, &where_));
                }
            }
        }
        let experiment = Experiment {
            name: name.clone(),
            kind: kind_name.clone(),
            params,
            sweep,
            quick,
            python,
        };
        for quick_mode in [false, true] {
            for point in experiment.points(quick_mode) {
                if let Err(e) = kind.check(&point.table) {
                    return Err(c.key_error(
                        e,
                        &spans,
                        &point,
                        quick_mode,
                        item.span(),
                        kind.keys(),
                    ));
                }
            }
        }
        experiments.push(experiment);
        name_spans.push(name_span);
    }
    Ok(Config {
        file: file.to_string(),
        lesson: lesson.id.to_string(),
        plan,
        python,
        python_timeout_s,
        experiments,
    })
}

fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn lesson_list(lessons: &[Lesson]) -> String {
    format!(
        "lessons: {}",
        lessons.iter().map(|l| l.id).collect::<Vec<_>>().join(", ")
    )
}

/// Where each key of one experiment was written, to point errors at it.
#[derive(Default)]
struct Spans {
    params: Vec<(String, Range<usize>)>,
    sweep: Vec<(String, Vec<Range<usize>>)>,
    quick: Vec<(String, Range<usize>)>,
}

struct Checker<'a> {
    file: &'a str,
    src: &'a str,
}

impl Checker<'_> {
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let before = &self.src[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    fn error(&self, span: Range<usize>, message: String, help: Vec<String>) -> ConfigError {
        let (line, col) = self.line_col(span.start);
        let text = self.src.lines().nth(line - 1).unwrap_or("").to_string();
        let end = span.end.min(self.src.len()).max(span.start);
        let width = self
            .src
            .get(span.start.min(self.src.len())..end)
            .map_or(1, |s| s.lines().next().unwrap_or("").chars().count());
        ConfigError {
            file: self.file.to_string(),
            at: Some(Location {
                line,
                col,
                text,
                width,
            }),
            message,
            help,
        }
    }

    fn unknown_key(
        &self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        valid: &[&str],
        where_: &str,
    ) -> ConfigError {
        let k = key.get_ref().as_ref();
        let mut help = Vec::new();
        if let Some(m) = did_you_mean(k, valid.iter().copied()) {
            help.push(format!("did you mean `{m}`?"));
        }
        help.push(format!("valid keys: {}", valid.join(", ")));
        self.error(key.span(), format!("unknown key `{k}` {where_}"), help)
    }

    fn table<'t, 'i>(
        &self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
    ) -> Result<&'t DeTable<'i>, ConfigError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.error(
                value.span(),
                format!("{what} must be a table, found {}", type_name(other)),
                vec![],
            )),
        }
    }

    fn string(
        &self,
        table: &DeTable<'_>,
        key: &str,
        owner: Range<usize>,
    ) -> Result<(Range<usize>, String), ConfigError> {
        match get(table, key) {
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Ok((v.span(), s.to_string())),
                other => Err(self.error(
                    v.span(),
                    format!("`{key}` must be a string, found {}", type_name(other)),
                    vec![],
                )),
            },
            None => Err(self.error(
                owner,
                format!("this experiment has no `{key}`"),
                vec![match key {
                    "name" => "add `name = \"...\"`: it names the results files".into(),
                    _ => {
                        "add `kind = \"...\"` (`cargo xtask list <lesson>` lists the kinds)".into()
                    }
                }],
            )),
        }
    }

    fn int_in(
        &self,
        value: Option<&Spanned<DeValue<'_>>>,
        key: &str,
        lo: i64,
        hi: i64,
    ) -> Result<Option<u32>, ConfigError> {
        let Some(v) = value else { return Ok(None) };
        let n = match v.get_ref() {
            DeValue::Integer(_) => self.value(v)?.as_integer(),
            _ => None,
        };
        match n {
            Some(n) if (lo..=hi).contains(&n) => Ok(Some(n as u32)),
            Some(n) => Err(self.error(
                v.span(),
                format!("`{key}` must be from {lo} to {hi}, found {n}"),
                vec![],
            )),
            None => Err(self.error(
                v.span(),
                format!("`{key}` must be a whole number from {lo} to {hi}"),
                vec![],
            )),
        }
    }

    /// A `python` key: the interpreter's name or path, a non-empty string.
    fn python_key(
        &self,
        value: Option<&Spanned<DeValue<'_>>>,
    ) -> Result<Option<String>, ConfigError> {
        let Some(v) = value else { return Ok(None) };
        match v.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            _ => Err(self.error(
                v.span(),
                "`python` must name an interpreter, e.g. \"python3\" or \"python3.13t\"".into(),
                vec![
                    "a bare name is looked up in .venv, then on PATH; a path is used as given"
                        .into(),
                ],
            )),
        }
    }

    /// The plain value of a spanned one, re-read from its own text (the spanned
    /// tree keeps numbers as text: this is where an integer too large is caught).
    fn value(&self, v: &Spanned<DeValue<'_>>) -> Result<toml::Value, ConfigError> {
        match v.get_ref() {
            DeValue::Table(t) => {
                let mut table = toml::Table::new();
                for (k, v) in t.iter() {
                    table.insert(k.get_ref().to_string(), self.value(v)?);
                }
                Ok(toml::Value::Table(table))
            }
            DeValue::Array(a) => Ok(toml::Value::Array(self.values(a)?)),
            _ => {
                let text = &self.src[v.span()];
                match toml::from_str::<toml::Table>(&format!("v = {text}")) {
                    Ok(mut doc) => Ok(doc.remove("v").expect("the key we wrote")),
                    Err(e) => Err(self.error(
                        v.span(),
                        format!("bad value: {}", e.message().trim_end()),
                        vec![
                            "whole numbers must fit in 64 bits (at most 9223372036854775807)"
                                .into(),
                        ],
                    )),
                }
            }
        }
    }

    fn values(&self, list: &[Spanned<DeValue<'_>>]) -> Result<Vec<toml::Value>, ConfigError> {
        list.iter().map(|v| self.value(v)).collect()
    }

    fn key_error(
        &self,
        e: KeyError,
        spans: &Spans,
        point: &Point,
        quick: bool,
        owner: Range<usize>,
        keys: Vec<crate::KeyDoc>,
    ) -> ConfigError {
        let key = e.key.clone().unwrap_or_default();
        let from_quick = quick
            .then(|| spans.quick.iter().find(|(k, _)| *k == key))
            .flatten()
            .map(|(_, s)| s.clone());
        let from_sweep = || {
            let (_, value) = point.sweep.iter().find(|(k, _)| *k == key)?;
            let (_, elems) = spans.sweep.iter().find(|(k, _)| *k == key)?;
            let experiment_values = elems.iter().map(|s| &self.src[s.clone()]);
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
        if let Some(doc) = keys.iter().find(|k| k.name == key) {
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
        self.error(span, message, help)
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The config file of a lesson id, under `configs/` of the workspace root.
pub fn lesson_config_path(root: &Path, lesson: &str) -> PathBuf {
    root.join("configs").join(format!("{lesson}.toml"))
}
