//! Running a checked config: each experiment in turn, timed, reported, written.
//!
//! An experiment that fails (returns an error or panics) is reported as failed and
//! the others still run. Results are written atomically after each experiment
//! succeeds, before its table is printed: a table on screen always has its files.
//! Output to a closed pipe (`| head`) ends the run quietly.

use crate::config::Config;
use crate::kind::{Ctx, Lesson};
use crate::measure::Machine;
use crate::report::{self, Report, ResultsFile};
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// How to run a config.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Use `[experiment.quick]` overrides, one timed repeat and no warm-up.
    pub quick: bool,
    /// Run only the experiment of this name.
    pub only: Option<String>,
    /// Results go to `<out>/<lesson>/<experiment>.{json,csv,svg}`.
    pub out: PathBuf,
    /// Print `~` for every value that varies between runs (for snapshot tests).
    pub redact: bool,
    /// Trace the runs (`--trace`; `[run] trace = true` does the same): every
    /// timed row gets a ledger, and each experiment a `.trace.json` and a
    /// `.timeline.svg` (see [`crate::trace`]).
    pub trace: bool,
    /// What records the spans when tracing is on (the driver's, over the
    /// runtime). Tracing without one is an error.
    pub tracer: Option<std::sync::Arc<dyn crate::trace::Tracer>>,
    /// The rows the timelines draw (`--timeline workers=2`), for the
    /// experiments whose rows have those params, over their own `timeline`;
    /// checked against them before anything runs.
    pub timeline: Option<crate::config::Selection>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// The experiments that failed (returned an error or panicked).
    pub failed: Vec<String>,
    /// Every results file written.
    pub written: Vec<PathBuf>,
    /// Stopped early: stdout was closed, or the run was interrupted.
    pub stopped: bool,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Asks a run in progress to stop after the experiment it is running (Ctrl-C),
/// and runs the hooks registered with [`on_interrupt`].
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // A Python script runs in a process group of its own, out of the
    // terminal's reach: stop it (and its pool workers) here.
    crate::interpreter::stop_running();
    let hooks = ON_INTERRUPT.lock().map(|h| h.clone()).unwrap_or_default();
    for hook in hooks {
        hook();
    }
}

static ON_INTERRUPT: std::sync::Mutex<Vec<fn()>> = std::sync::Mutex::new(Vec::new());

/// Registers `hook` to run when the run is interrupted, before the process exits:
/// a kind that starts programs of its own (an MPI launcher and its ranks) stops
/// them there. Registering the same hook again does nothing.
pub fn on_interrupt(hook: fn()) {
    if let Ok(mut hooks) = ON_INTERRUPT.lock()
        && !hooks.contains(&hook)
    {
        hooks.push(hook);
    }
}

/// Whether [`interrupt`] was called; long-running kinds may check it.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Stdout that notices a closed pipe instead of panicking.
struct Out {
    closed: bool,
}

impl Out {
    fn print(&mut self, text: &str) {
        if self.closed {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush())
            .is_err()
        {
            self.closed = true;
        }
    }
}

/// Runs the experiments of `config` (checked by [`crate::config::load`]).
pub fn run(config: &Config, lesson: &Lesson, opts: &RunOptions) -> anyhow::Result<RunOutcome> {
    let machine = Machine::this();
    // Read before any experiment runs: our own work would raise it.
    let load_avg = crate::noise::load_average();
    let plan = if opts.quick {
        crate::Repeats {
            warmup: 0,
            repeats: 1,
        }
    } else {
        config.plan
    };
    let traced = opts.trace || config.trace;
    if traced && opts.tracer.is_none() {
        anyhow::bail!(
            "tracing is on, but this driver gives no tracer: run through `cargo xtask run`"
        );
    }
    let mut out = Out { closed: false };
    let mut outcome = RunOutcome {
        failed: Vec::new(),
        written: Vec::new(),
        stopped: false,
    };

    let selected: Vec<_> = match &opts.only {
        None => config.experiments.iter().collect(),
        Some(name) => {
            let found: Vec<_> = config
                .experiments
                .iter()
                .filter(|e| &e.name == name)
                .collect();
            if found.is_empty() {
                anyhow::bail!(
                    "no experiment named \"{name}\" in {}; its experiments: {}",
                    config.file,
                    config
                        .experiments
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            found
        }
    };

    // `--timeline` applies to the experiments whose rows have its params,
    // checked as their own `timeline` is; naming a param none has is an error.
    if let Some(selection) = &opts.timeline {
        let applies =
            |e: &&&crate::config::Experiment| crate::config::timeline_applies(e, lesson, selection);
        let mut any = false;
        for experiment in selected.iter().filter(applies) {
            any = true;
            crate::config::check_timeline(experiment, lesson, selection)
                .map_err(anyhow::Error::msg)?;
        }
        if !any {
            let first = selected.first().expect("a config has an experiment");
            crate::config::check_timeline(first, lesson, selection).map_err(anyhow::Error::msg)?;
        }
    }

    // What the selected kinds need beyond Rust, before anything runs or prints.
    let mut checked: Vec<&str> = Vec::new();
    for experiment in &selected {
        if let Some(kind) = lesson.kind(&experiment.kind)
            && !checked.contains(&kind.name())
        {
            checked.push(kind.name());
            kind.preflight().map_err(anyhow::Error::msg)?;
        }
    }

    let mode = if opts.quick { " · quick" } else { "" };
    out.print(&format!("parlab · {} · {}{mode}\n", lesson.id, config.file));
    if opts.redact {
        out.print("machine: ~\n");
    } else {
        out.print(&format!(
            "machine: {} logical cores · {} {} · {} build · {} timed runs per point (median shown), {} warm-up\n",
            machine.logical_cores, machine.os, machine.arch, machine.profile, plan.repeats, plan.warmup
        ));
        // Said once here; each results file carries it too.
        let before = crate::noise::Load {
            load_avg_1min: load_avg,
            cores: machine.logical_cores,
            ..Default::default()
        };
        for w in crate::noise::warnings(&[], &before, plan.repeats) {
            out.print(&format!("  ! noise: {}\n", w.message));
        }
        if machine.profile == "debug" {
            eprintln!(
                "warning: this is a debug build, so its timings say little; run through `cargo xtask run`, which builds with --release"
            );
        }
    }

    for experiment in selected {
        if out.closed || interrupted() {
            outcome.stopped = true;
            break;
        }
        let kind = lesson
            .kind(&experiment.kind)
            .expect("config was checked against the lesson");
        out.print(&format!(
            "\n── {} ({}) ──\n{}\n",
            experiment.name,
            kind.name(),
            kind.about()
        ));
        let points = experiment.points(opts.quick);
        let status = crate::progress::spinner(&experiment.name);
        let mut ctx = Ctx::new(opts.quick, plan, status.clone());
        if traced {
            ctx.tracer = opts.tracer.clone();
        }
        ctx.python = crate::interpreter::Settings::resolve(
            experiment.python.as_deref(),
            config.python.as_deref(),
            config
                .python_timeout_s
                .map(|s| std::time::Duration::from_secs(s.into())),
        );
        let started = crate::noise::Sample::now();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| kind.run(&ctx, &points)));
        let load = started.load_until(
            &crate::noise::Sample::now(),
            load_avg,
            machine.logical_cores,
        );
        status.finish_and_clear();
        let mut report = match result {
            Ok(Ok(report)) => report,
            Ok(Err(e)) => {
                out.print(&format!("FAILED: {e:#}\n"));
                eprintln!("error: experiment \"{}\" failed: {e:#}", experiment.name);
                outcome.failed.push(experiment.name.clone());
                continue;
            }
            Err(panic) => {
                let msg = panic_message(panic.as_ref());
                out.print(&format!("FAILED: the experiment panicked: {msg}\n"));
                eprintln!("error: experiment \"{}\" panicked: {msg}", experiment.name);
                outcome.failed.push(experiment.name.clone());
                continue;
            }
        };
        if interrupted() {
            outcome.stopped = true;
            break;
        }
        report.derive_speedups();
        let warnings = mark_noise(&mut report, &load, plan.repeats);
        let predicted = crate::predict::apply(&mut report, &experiment.predict, opts.redact);
        let dir = opts.out.join(&config.lesson);
        let captures = std::mem::take(&mut *ctx.captures.lock().unwrap_or_else(|e| e.into_inner()));
        let traced_rows = crate::traced::attach(&mut report, &captures);
        let file = ResultsFile {
            lesson: &config.lesson,
            experiment: &experiment.name,
            kind: &experiment.kind,
            config_file: &config.file,
            quick: opts.quick,
            machine: &machine,
            rows: &report.rows,
            summary: &report.summary,
            measured: report.measured_names(),
            load: &load,
            warnings: &warnings,
        };
        let mut written = report::write_results(&dir, &experiment.name, &file, &report)?;
        if traced {
            let choice = timeline_rows(experiment, lesson, opts);
            let (files, note) =
                crate::traced::write_files(&dir, &experiment.name, &report, &traced_rows, &choice)?;
            written.extend(files);
            if let Some(note) = note {
                report.note(note);
            }
        }
        out.print(&report::table(&report, opts.redact));
        for note in &report.notes {
            out.print(&format!("  → {note}\n"));
        }
        for line in &predicted {
            out.print(&format!("{line}\n"));
        }
        // Warnings depend on timings and on the machine: a redacted run (the
        // snapshot tests) leaves them out, as it leaves out the timings.
        if !opts.redact {
            for w in warnings.iter().filter(|w| w.kind != "busy_before") {
                out.print(&format!("  ! noise: {}\n", w.message));
            }
        }
        outcome.written.extend(written);
    }

    if !outcome.written.is_empty() {
        let shown = if opts.redact {
            "<out>".to_string()
        } else {
            opts.out.display().to_string()
        };
        // Paths as the system writes them (`lesson-02\x.json` on Windows), so the
        // line can be pasted into cmd too; with `--redact`, as on Linux, so the
        // snapshot tests see the same line on every system.
        let sep = if opts.redact {
            '/'
        } else {
            std::path::MAIN_SEPARATOR
        };
        let names: Vec<String> = outcome
            .written
            .iter()
            .map(|p| {
                let name = p.strip_prefix(&opts.out).unwrap_or(p).display().to_string();
                if opts.redact {
                    name.replace(std::path::MAIN_SEPARATOR, "/")
                } else {
                    name
                }
            })
            .collect();
        out.print(&format!("\nwrote in {shown}{sep}: {}\n", names.join(", ")));
    }
    if !outcome.failed.is_empty() {
        out.print(&format!(
            "\n{} experiment(s) failed: {}\n",
            outcome.failed.len(),
            outcome.failed.join(", ")
        ));
    }
    outcome.stopped |= out.closed;
    Ok(outcome)
}

/// The rows an experiment's timeline draws: `--timeline` where it applies,
/// else its own `timeline`, as the rows carry params.
fn timeline_rows(
    experiment: &crate::config::Experiment,
    lesson: &Lesson,
    opts: &RunOptions,
) -> crate::traced::TimelineRows {
    let select = match &opts.timeline {
        Some(s) if crate::config::timeline_applies(experiment, lesson, s) => s,
        _ => &experiment.timeline,
    };
    crate::traced::TimelineRows {
        select: select
            .iter()
            .map(|(k, values)| {
                let values = values.iter().map(|v| crate::kind::to_json(k, v)).collect();
                (k.clone(), values)
            })
            .collect(),
        fixed: experiment
            .fixed(opts.quick)
            .iter()
            .map(|(k, v)| (k.clone(), crate::kind::to_json(k, v)))
            .collect(),
    }
}

/// Marks the rows whose repeats spread widely and returns the experiment's
/// noise warnings (see [`crate::noise`]).
fn mark_noise(
    report: &mut Report,
    load: &crate::noise::Load,
    repeats: u32,
) -> Vec<crate::noise::Warning> {
    let mut rows = Vec::with_capacity(report.rows.len());
    for row in &mut report.rows {
        row.noise = row.timing.as_ref().and_then(crate::noise::row_noise);
        let label = row
            .params
            .0
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::numbers::format_value(v)))
            .collect::<Vec<_>>()
            .join(" ");
        rows.push((label, row.timing));
    }
    crate::noise::warnings(&rows, load, repeats)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}
