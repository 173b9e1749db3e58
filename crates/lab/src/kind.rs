//! Experiment kinds: what a lesson implements, and what the harness calls.
//!
//! A lesson declares each kind with [`kind`]: a name, a one-line description, a
//! params struct (see [`params!`](crate::params!)) and a run function that gets every
//! sweep point, typed, and returns a [`Report`]. The harness does the rest: checks
//! configs against the params struct, expands sweeps, times, derives speedups,
//! prints and writes results.

use crate::measure::{Machine, Repeats, Timing};
use crate::params::{KeyDoc, Params};
use crate::report::{Fields, Report, Row};
use indicatif::ProgressBar;

/// A lesson: its id (`lesson-05`), title, and experiment kinds.
pub struct Lesson {
    /// The id configs name (`lesson = "lesson-05"`) and results folders use.
    pub id: &'static str,
    /// One line: what the lesson teaches.
    pub title: &'static str,
    /// Its experiment kinds, in the order `cargo xtask list` shows them.
    pub kinds: Vec<Box<dyn Kind>>,
}

impl Lesson {
    /// The names of its kinds, in order.
    pub fn kind_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.iter().map(|k| k.name())
    }

    /// The kind called `name`, if the lesson has one.
    pub fn kind(&self, name: &str) -> Option<&dyn Kind> {
        self.kinds
            .iter()
            .find(|k| k.name() == name)
            .map(|k| k.as_ref())
    }
}

/// A value that failed its check, by key.
#[derive(Debug, Clone)]
pub struct KeyError {
    /// The key at fault, when the error names one.
    pub key: Option<String>,
    /// What is wrong with it.
    pub message: String,
}

/// One point of a sweep, before typing: the full params table of the point, and
/// the sweep values that make it this point (in axis order).
#[derive(Debug, Clone)]
pub struct Point {
    /// Every key of the point: the fixed ones, the overrides and the sweep values.
    pub table: toml::Table,
    /// The swept keys and their values at this point, in axis order.
    pub sweep: Vec<(String, toml::Value)>,
}

/// An experiment kind, as the harness sees it (object-safe; see [`kind`]).
pub trait Kind: Send + Sync {
    /// The name configs use (`kind = "strong-scaling"`).
    fn name(&self) -> &'static str;
    /// One line: what the experiment shows.
    fn about(&self) -> &'static str;
    /// Its keys, with their types, ranges and doc comments.
    fn keys(&self) -> Vec<KeyDoc>;
    /// The default value of every key, as TOML.
    fn defaults(&self) -> toml::Table;
    /// Types and range-checks one point's params.
    fn check(&self, table: &toml::Table) -> Result<(), KeyError>;
    /// Runs every point (checked with [`Kind::check`]) and reports the results.
    fn run(&self, ctx: &Ctx, points: &[Point]) -> anyhow::Result<Report>;
    /// What the kind must prepare before any experiment of a run starts (lesson
    /// 08 builds its MPI rank program): `Err(message)` stops the run as bad input
    /// (exit code 2) with that message, before anything runs or is written. Most
    /// kinds need nothing; see [`with_preflight`]. (Whether the machine has what a
    /// lesson needs, such as MPI, the driver checks before that, from its lesson
    /// registry.)
    fn preflight(&self) -> Result<(), String> {
        Ok(())
    }
    /// The Python script of this kind's Python rows, if it has any (see
    /// [`crate::python::with_script`]).
    fn python(&self) -> Option<&'static crate::interpreter::Script> {
        None
    }
    /// The params its rows carry besides its keys: the names of its variants
    /// (`lock = "none"` beside `lock = "gil"`), set with [`with_row_params`].
    /// `impl`, which Python rows add, is not listed here.
    fn row_params(&self) -> &'static [&'static str] {
        &[]
    }
}

/// The names a row of `kind` may carry as params: its keys, the params its
/// rows add ([`Kind::row_params`]), and `impl` when it has Python rows. What
/// an experiment's `timeline = { ... }` may name.
pub fn row_param_names(kind: &dyn Kind) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = kind.keys().iter().map(|k| k.name).collect();
    names.extend(kind.row_params());
    if kind.python().is_some() {
        names.push("impl");
    }
    names
}

/// A sweep point with its params typed.
#[derive(Debug, Clone)]
pub struct Typed<P> {
    /// The point's params, typed and range-checked.
    pub params: P,
    /// The swept keys and their values at this point (`workers = "all"` resolved
    /// to this machine's core count).
    pub sweep: Fields,
}

impl<P> Typed<P> {
    /// A row whose params are this point's sweep values.
    pub fn row(&self) -> Row {
        let mut row = Row::new();
        row.params = self.sweep.clone();
        row
    }
}

/// The run function of a kind.
pub type RunFn<P> = fn(&Ctx, &[Typed<P>]) -> anyhow::Result<Report>;

struct TypedKind<P> {
    name: &'static str,
    about: &'static str,
    run: RunFn<P>,
}

/// Declares an experiment kind from its params type and run function.
pub fn kind<P: Params>(name: &'static str, about: &'static str, run: RunFn<P>) -> Box<dyn Kind> {
    Box::new(TypedKind { name, about, run })
}

/// A kind that must prepare something before a run: `check` runs before any
/// experiment of the run starts (see [`Kind::preflight`]), and its `Err(message)`
/// says what failed and what to do about it. `cargo xtask list` does not call it.
pub fn with_preflight(kind: Box<dyn Kind>, check: fn() -> Result<(), String>) -> Box<dyn Kind> {
    Box::new(Decorated {
        kind,
        preflight: Some(check),
        row_params: None,
    })
}

/// A kind whose rows carry params besides its keys, named in `params` (see
/// [`Kind::row_params`]): a variant's name, such as `lock` for the rows with
/// and without the interpreter lock.
pub fn with_row_params(kind: Box<dyn Kind>, params: &'static [&'static str]) -> Box<dyn Kind> {
    Box::new(Decorated {
        kind,
        preflight: None,
        row_params: Some(params),
    })
}

/// A kind with a preflight check or row params of its own; everything else is
/// the inner kind's.
struct Decorated {
    kind: Box<dyn Kind>,
    preflight: Option<fn() -> Result<(), String>>,
    row_params: Option<&'static [&'static str]>,
}

impl Kind for Decorated {
    fn name(&self) -> &'static str {
        self.kind.name()
    }
    fn about(&self) -> &'static str {
        self.kind.about()
    }
    fn keys(&self) -> Vec<KeyDoc> {
        self.kind.keys()
    }
    fn defaults(&self) -> toml::Table {
        self.kind.defaults()
    }
    fn check(&self, table: &toml::Table) -> Result<(), KeyError> {
        self.kind.check(table)
    }
    fn run(&self, ctx: &Ctx, points: &[Point]) -> anyhow::Result<Report> {
        self.kind.run(ctx, points)
    }
    fn preflight(&self) -> Result<(), String> {
        match self.preflight {
            Some(check) => check(),
            None => self.kind.preflight(),
        }
    }
    fn python(&self) -> Option<&'static crate::interpreter::Script> {
        self.kind.python()
    }
    fn row_params(&self) -> &'static [&'static str] {
        self.row_params.unwrap_or_else(|| self.kind.row_params())
    }
}

fn typed<P: Params>(table: &toml::Table) -> Result<P, KeyError> {
    let value = toml::Value::Table(table.clone());
    let params: P = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let key = path
            .split('.')
            .next()
            .filter(|k| !k.is_empty() && *k != "?");
        let message = e.into_inner().to_string();
        // The deserializer appends "in `key`" lines; the location already says where.
        let message = message
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        KeyError {
            key: key.map(str::to_string),
            message,
        }
    })?;
    params.validate().map_err(|e| KeyError {
        key: Some(e.key.to_string()),
        message: e.message,
    })?;
    Ok(params)
}

impl<P: Params> Kind for TypedKind<P> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn about(&self) -> &'static str {
        self.about
    }
    fn keys(&self) -> Vec<KeyDoc> {
        P::keys()
    }
    fn defaults(&self) -> toml::Table {
        toml::Table::try_from(P::default()).expect("params serialize to a TOML table")
    }
    fn check(&self, table: &toml::Table) -> Result<(), KeyError> {
        typed::<P>(table).map(drop)
    }
    fn run(&self, ctx: &Ctx, points: &[Point]) -> anyhow::Result<Report> {
        let typed_points = points
            .iter()
            .map(|p| {
                let params = typed::<P>(&p.table).map_err(|e| anyhow::anyhow!(e.message))?;
                let mut sweep = Fields::default();
                for (k, v) in &p.sweep {
                    sweep.set(k, to_json(k, v));
                }
                Ok(Typed { params, sweep })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        (self.run)(ctx, &typed_points)
    }
}

/// A param's value as a row carries it (`workers = "all"` is this machine's
/// core count).
pub(crate) fn to_json(key: &str, value: &toml::Value) -> serde_json::Value {
    if key == "workers" && value.as_str() == Some("all") {
        return crate::measure::logical_cores().into();
    }
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// What a run function can use: the run's settings, timing, and progress.
pub struct Ctx {
    /// Whether this is a `--quick` run (quick overrides, one timed run).
    pub quick: bool,
    /// Warm-up and timed runs per measurement.
    pub plan: Repeats,
    /// What the run is on.
    pub machine: Machine,
    /// Which interpreter runs this experiment's Python rows ([`crate::interpreter`]).
    pub python: crate::interpreter::Settings,
    pub(crate) status: ProgressBar,
    /// Set when the run is traced: one extra, untimed run after the repeats of
    /// each [`measure`](Ctx::measure) is recorded (see [`crate::trace`]).
    pub(crate) tracer: Option<std::sync::Arc<dyn crate::trace::Tracer>>,
    pub(crate) captures: std::sync::Mutex<Vec<crate::trace::Capture>>,
}

impl Ctx {
    pub(crate) fn new(quick: bool, plan: Repeats, status: ProgressBar) -> Ctx {
        Ctx {
            quick,
            plan,
            machine: Machine::this(),
            python: crate::interpreter::Settings::default(),
            status,
            tracer: None,
            captures: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// A context for tests and examples: one timed run, no warm-up, no progress,
    /// and no Python rows (a unit test starts no interpreter).
    pub fn for_tests() -> Ctx {
        let mut ctx = Ctx::new(
            true,
            Repeats {
                warmup: 0,
                repeats: 1,
            },
            ProgressBar::hidden(),
        );
        ctx.python = crate::interpreter::Settings::off("Python rows are off in unit tests");
        ctx
    }

    /// Times `f` with the run's warm-up and repeats (see [`crate::measure::measure`]),
    /// showing `label` in the progress line.
    ///
    /// When the run is traced, one more run follows the timed ones, traced and
    /// not timed: its spans become the row's ledger, its trace and its timeline
    /// (see [`crate::trace`]).
    pub fn measure<T>(&self, label: &str, mut f: impl FnMut() -> T) -> (T, Timing) {
        self.status.set_message(label.to_string());
        let (value, timing) = crate::measure::measure(self.plan, &mut f);
        // The row's timing is the untraced repeats' alone, so tracing changes
        // no figure of the table (a traced run of many small process-pool
        // tasks is several times slower); the ledger and the trace files come
        // from the extra run.
        let value = if self.traced() {
            drop(value); // not kept beside the traced run's
            self.trace_timed(label, timing, f)
                .expect("the run is traced")
        } else {
            value
        };
        self.status.inc(1);
        (value, timing)
    }

    /// For a kind that times its runs itself (in rounds across its rows, say):
    /// when the run is traced, runs `f` once more, traced and not timed, as
    /// the traced run of the row whose timing is `timing`, and returns its
    /// value. When it is not traced, returns `None` without calling `f`.
    /// [`measure`](Ctx::measure) calls this after its repeats.
    pub fn trace_timed<T>(&self, label: &str, timing: Timing, f: impl FnOnce() -> T) -> Option<T> {
        self.trace_once(label, crate::trace::Covers::Timed(timing), None, f)
    }

    /// For rows that come out of one untimed run together (every SNR point
    /// of one BER curve): when the run is traced, runs `f` once more, traced,
    /// as the traced run of every row whose params hold all of `rows`' params,
    /// on `workers` workers (the ledger's `workers × wall`), and returns its
    /// value. When it is not traced, returns `None` without calling `f`. Each
    /// of those rows gets the run's ledger, since each came out of that run.
    pub fn trace_rows<T>(
        &self,
        label: &str,
        rows: &Row,
        workers: usize,
        f: impl FnOnce() -> T,
    ) -> Option<T> {
        let covers = crate::trace::Covers::Rows(rows.params.0.clone());
        self.trace_once(label, covers, Some(workers), f)
    }

    fn trace_once<T>(
        &self,
        label: &str,
        covers: crate::trace::Covers,
        workers: Option<usize>,
        f: impl FnOnce() -> T,
    ) -> Option<T> {
        let tracer = self.tracer.as_ref()?;
        let start_ns = tracer.start();
        let value = std::hint::black_box(f());
        let (end_ns, tracks) = tracer.stop();
        let capture = crate::trace::Capture {
            label: label.to_string(),
            covers,
            workers,
            start_ns,
            end_ns,
            tracks,
        };
        self.captures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(capture);
        Some(value)
    }

    /// How many times [`measure`](Ctx::measure) calls its closure: the warm-up
    /// runs, the timed repeats and, when the run is traced, the extra traced
    /// run. A kind that counts what its closure does over all the calls (bytes
    /// through a pipe, lock switches) divides by this.
    pub fn runs(&self) -> u32 {
        self.plan.warmup + self.plan.repeats.max(1) + u32::from(self.traced())
    }

    /// Whether this run is traced (`--trace`, `[run] trace = true`).
    pub fn traced(&self) -> bool {
        self.tracer.is_some()
    }

    /// Says what is running now, in the progress line.
    pub fn status(&self, label: &str) {
        self.status.set_message(label.to_string());
    }

    /// A progress bar of `len` steps on stderr (hidden when stderr is not a
    /// terminal), e.g. advanced once per completed future.
    pub fn bar(&self, len: u64, label: &str) -> ProgressBar {
        self.status.set_message(label.to_string());
        crate::progress::bar(len, label)
    }
}
