//! `cargo xtask run <lesson | config.toml>`: check a config, run its experiments,
//! print their tables and write results.

use crate::cli::RunArgs;
use crate::{EXIT_BAD_INPUT, EXIT_FAILED, lessons, shown, workspace_root};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(args: RunArgs) -> ExitCode {
    let all = lessons::all();
    let path = match resolve(&args.target, &all) {
        Ok(path) => path,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let config = match lab::config::load(&path, &shown(&path), &all) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let lesson = all
        .iter()
        .find(|l| l.id == config.lesson)
        .expect("the config names a known lesson");
    stop_on_ctrl_c();
    let opts = lab::run::RunOptions {
        quick: args.quick,
        only: args.only,
        out: args.out.unwrap_or_else(|| workspace_root().join("results")),
        redact: args.redact,
    };
    let result = lab::run::run(&config, lesson, &opts);
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

/// A lesson id names `configs/<id>.toml`; anything else is a path.
fn resolve(target: &str, all: &[lab::Lesson]) -> Result<PathBuf, String> {
    let looks_like_path = target.ends_with(".toml")
        || target.contains(['/', '\\'])
        || PathBuf::from(target).is_file();
    if looks_like_path {
        return Ok(PathBuf::from(target));
    }
    if all.iter().any(|l| l.id == target) {
        return Ok(lab::config::lesson_config_path(&workspace_root(), target));
    }
    let ids: Vec<&str> = all.iter().map(|l| l.id).collect();
    let mut message = format!("unknown lesson \"{target}\"");
    message.push_str(&format!("\n  = lessons you can run: {}", ids.join(", ")));
    message.push_str("\n  = or give the path of a config file, e.g. configs/my-study.toml");
    Err(message)
}

/// Ctrl-C stops the run at once: wait for a results file being written to land,
/// then exit with 130 (128 + SIGINT), as shells expect. Worker threads end with the
/// process; worker processes of a process pool are killed by the kernel when their
/// parent dies (`PR_SET_PDEATHSIG`, see `runtime::process`).
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
