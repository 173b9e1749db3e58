//! `cargo xtask compare A B`: two runs (results folders or files) row by row,
//! which differences are noise, and an error for any deterministic metric that
//! differs (see `lab::results::compare`).

use crate::{EXIT_BAD_INPUT, EXIT_FAILED, shown};
use lab::results::compare;
use std::path::Path;
use std::process::ExitCode;

pub fn compare(a: &Path, b: &Path) -> anyhow::Result<ExitCode> {
    let load =
        |p: &Path| compare::load(p).map_err(|e| anyhow::anyhow!("reading {}: {e}", shown(p)));
    let comparison = compare::compare(load(a)?, load(b)?);
    say!("{}", comparison.text(&shown(a), &shown(b)).trim_end());
    let errors = comparison.errors();
    for e in &errors {
        eprintln!("error: {e}");
    }
    if comparison.deterministic_differences() > 0 {
        return Ok(ExitCode::from(EXIT_FAILED));
    }
    if comparison.pairs.is_empty() {
        eprintln!(
            "error: nothing to compare: no experiment is in both {} and {} in a comparable run",
            shown(a),
            shown(b)
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    if !comparison.unreadable.is_empty() {
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    Ok(ExitCode::SUCCESS)
}
