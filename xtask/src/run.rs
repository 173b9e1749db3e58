//! `cargo xtask run <lesson | config.toml>`: check a config, run its experiments,
//! print their tables and write results.

use crate::cli::RunArgs;
use crate::{EXIT_BAD_INPUT, EXIT_FAILED, lessons, shown, workspace_root};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: RunArgs) -> ExitCode {
    let all = lessons::all();
    let path = match resolve(&args.target) {
        Ok(path) => path,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let config = match lab::config::load(&path, &shown(&path), &all) {
        Ok(config) => config,
        Err(mut e) => {
            if !path.exists() {
                if let Some(near) = near_miss(&path) {
                    e.help.insert(0, format!("did you mean {}?", shown(&near)));
                }
            }
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let entry = lessons::find(&config.lesson).expect("the config names a known lesson");
    if let Err(e) = entry.preflight() {
        eprintln!("error: {e:#}");
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    let lesson = all
        .iter()
        .find(|l| l.id == config.lesson)
        .expect("the config names a known lesson");
    let timeline = match timeline_selection(&args.timeline) {
        Ok(selection) => selection,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if timeline.is_some() && !args.trace && !config.trace {
        eprintln!(
            "warning: --timeline chooses the rows of a traced run's timeline; add --trace (or `trace = true` under [run]) to draw one"
        );
    }
    stop_on_ctrl_c();
    let opts = lab::run::RunOptions {
        quick: args.quick,
        only: args.only,
        out: args.out.unwrap_or_else(|| workspace_root().join("results")),
        redact: args.redact,
        trace: args.trace,
        timeline,
        tracer: Some(tracer()),
    };
    let result = lab::run::run(&config, lesson, &opts);
    if lab::run::interrupted() {
        // Ctrl-C: the handler (`stop_on_ctrl_c`) says so and exits with 130. An
        // experiment that Ctrl-C stopped (lesson 08's ranks are killed at once)
        // can end the run before the handler is done: let the handler finish,
        // rather than exit first with the code of a failed experiment.
        std::thread::sleep(std::time::Duration::from_secs(5));
        std::process::exit(130);
    }
    if result.as_ref().is_ok_and(|o| !o.written.is_empty()) {
        crate::report::refresh(&opts.out, opts.redact);
    }
    match result {
        Ok(outcome) if outcome.failed.is_empty() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(EXIT_FAILED),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// `--timeline workers=1,4 --timeline pool=processes`: each a param and its
/// values, numbers and booleans as TOML reads them, anything else a string.
fn timeline_selection(args: &[String]) -> Result<Option<lab::config::Selection>, String> {
    if args.is_empty() {
        return Ok(None);
    }
    let mut selection = lab::config::Selection::new();
    for arg in args {
        let Some((key, values)) = arg.split_once('=') else {
            return Err(format!(
                "--timeline {arg}: write a param and its values, e.g. --timeline workers=1,4"
            ));
        };
        let key = key.trim();
        let values: Vec<toml::Value> = values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| {
                toml::from_str::<toml::Table>(&format!("v = {v}"))
                    .ok()
                    .and_then(|mut t| t.remove("v"))
                    .unwrap_or_else(|| toml::Value::String(v.to_string()))
            })
            .collect();
        if key.is_empty() || values.is_empty() {
            return Err(format!(
                "--timeline {arg}: write a param and its values, e.g. --timeline workers=1,4"
            ));
        }
        match selection.iter_mut().find(|(k, _)| k == key) {
            Some((_, known)) => known.extend(values),
            None => selection.push((key.to_string(), values)),
        }
    }
    Ok(Some(selection))
}

/// The runtime's tracing, as the harness asks for it (see `runtime::trace`).
#[derive(Debug)]
pub struct RuntimeTracer;

/// The tracer `run` and `bench` hand the harness.
pub fn tracer() -> std::sync::Arc<dyn lab::trace::Tracer> {
    std::sync::Arc::new(RuntimeTracer)
}

impl lab::trace::Tracer for RuntimeTracer {
    fn start(&self) -> u64 {
        let _ = runtime::trace::take(); // leftovers of untraced work
        runtime::trace::enable();
        runtime::trace::now_ns()
    }

    fn stop(&self) -> (u64, Vec<lab::trace::Track>) {
        let end = runtime::trace::now_ns();
        runtime::trace::disable();
        let tracks = runtime::trace::take()
            .into_iter()
            .map(|t| lab::trace::Track {
                name: t.name,
                pid: t.pid,
                tid: t.tid,
                spans: t
                    .spans
                    .into_iter()
                    .map(|s| lab::trace::Span {
                        state: match s.state {
                            runtime::trace::State::Task => lab::trace::State::Task,
                            runtime::trace::State::LockWait => lab::trace::State::LockWait,
                            runtime::trace::State::Overhead => lab::trace::State::Overhead,
                            runtime::trace::State::Idle => lab::trace::State::Idle,
                            runtime::trace::State::Serial => lab::trace::State::Serial,
                        },
                        start_ns: s.start_ns,
                        end_ns: s.end_ns,
                    })
                    .collect(),
                dropped: t.dropped,
                core_wait: runtime::trace::measures_core_wait()
                    .then(|| t.core_wait.iter().map(|r| (r.at_ns, r.waited_ns)).collect()),
            })
            .collect();
        (end, tracks)
    }
}

/// A lesson id names its default config, `configs/<id>.toml`; anything else is
/// a path.
fn resolve(target: &str) -> Result<PathBuf, String> {
    let looks_like_path = target.ends_with(".toml")
        || target.contains(['/', '\\'])
        || PathBuf::from(target).is_file();
    if looks_like_path {
        return Ok(PathBuf::from(target));
    }
    if let Ok(entry) = lessons::find(target) {
        return Ok(entry.config());
    }
    let mut message = lessons::unknown_lesson(target);
    // `cargo xtask run my-study` for studies/my-study.toml.
    for dir in [crate::studies_dir(), workspace_root().join("configs")] {
        let file = dir.join(format!("{target}.toml"));
        if file.is_file() {
            message.push_str(&format!(
                "\n  = to run your config: cargo xtask run {}",
                shown(&file)
            ));
        }
    }
    message.push_str("\n  = or give the path of a config file, e.g. studies/my-study.toml");
    Err(message)
}

/// A `.toml` file beside a missing `path` whose name is a likely typo of it
/// (`configs/lesson-5.toml` for `configs/lesson-05.toml`).
fn near_miss(path: &Path) -> Option<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let wanted = path.file_name()?.to_str()?;
    let names: Vec<String> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    let found = lab::did_you_mean(wanted, names.iter().map(String::as_str))?;
    Some(dir.join(found))
}

/// Ctrl-C stops the run at once: wait for a results file being written to land,
/// then exit with 130 (128 + SIGINT), as shells expect. Worker threads end with the
/// process; worker processes of a process pool end with their parent on every
/// system (Linux: the kernel's parent-death signal; macOS: a watcher thread in
/// each worker; Windows: the job object the workers are in; see `runtime::process`),
/// and ignore Ctrl-C themselves. `ctrlc` catches the terminal's SIGINT on Unix
/// and the console's Ctrl-C (and Ctrl-Break) in cmd and PowerShell.
fn stop_on_ctrl_c() {
    let installed = ctrlc::set_handler(|| {
        lab::run::interrupt();
        let _no_more_writes = lab::report::stop_writes();
        eprintln!("\ninterrupted: stopped; the results files already written are complete");
        std::process::exit(130);
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will stop the run without cleaning up: {e}");
    }
}
