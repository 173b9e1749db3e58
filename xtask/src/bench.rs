//! `cargo xtask bench [--quick]`: the runtime's overheads against rayon and std,
//! in one run (see the `bench` crate). Results go to `results/bench/`.

use std::process::ExitCode;

pub fn bench(
    quick: bool,
    out: Option<std::path::PathBuf>,
    only: Option<String>,
) -> anyhow::Result<ExitCode> {
    let lessons = vec![bench::lesson()];
    let config = lab::config::parse(bench::CONFIG, "crates/bench/bench.toml", &lessons)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = lab::run::RunOptions {
        quick,
        only,
        out: out.unwrap_or_else(|| crate::workspace_root().join("results")),
        redact: false,
        trace: false,
        timeline: None,
        tracer: Some(crate::run::tracer()),
    };
    let outcome = lab::run::run(&config, &lessons[0], &opts)?;
    Ok(if outcome.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_FAILED)
    })
}
