//! `cargo xtask report`: every run in `results/` on one page, `results/index.html`
//! (see `lab::results::page`). `cargo xtask run` refreshes it after each run.

use crate::{EXIT_BAD_INPUT, shown, workspace_root};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn report(results: Option<PathBuf>, reference: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let dir = results.unwrap_or_else(|| workspace_root().join("results"));
    if !dir.is_dir() {
        eprintln!(
            "error: no results in {} yet\n  = run a lesson first, e.g. `cargo xtask run lesson-01`",
            shown(&dir)
        );
        return Ok(ExitCode::from(EXIT_BAD_INPUT));
    }
    let (path, summary) = write(&dir, reference)?;
    say!(
        "wrote {}: {} experiment{} of {} lesson{}, {} plot{}",
        shown(&path),
        summary.experiments,
        plural(summary.experiments),
        summary.lessons,
        plural(summary.lessons),
        summary.plots,
        plural(summary.plots),
    );
    for (file, problem) in &summary.unreadable {
        eprintln!("warning: not shown: {}: {problem}", shown(file));
    }
    for id in &summary.differ_from_reference {
        eprintln!("warning: {id} differs from the lesson's reference run (see its section)");
    }
    say!("open {}", file_url(&path));
    Ok(ExitCode::SUCCESS)
}

/// Rewrites `<dir>/index.html` after a run and prints where it is (`<out>` in
/// place of the folder when the run's output is redacted). A page that cannot be
/// written is a warning: the run's own results are written already.
pub fn refresh(dir: &Path, redact: bool) {
    match write(dir, &[]) {
        Ok(_) if redact => say!("report: <out>/index.html"),
        Ok((path, _)) => say!("report: {}", file_url(&path)),
        Err(e) => eprintln!("warning: the report page was not refreshed: {e:#}"),
    }
}

fn write(
    dir: &Path,
    reference: &[PathBuf],
) -> anyhow::Result<(PathBuf, lab::results::page::Summary)> {
    use lab::results::reference::References;
    let root = workspace_root();
    let references = if reference.is_empty() {
        References::of_lessons(&root)
    } else {
        References::from_dirs(reference)
    };
    for (path, problem) in &references.problems {
        eprintln!(
            "warning: reference run {} unreadable: {problem}",
            shown(path)
        );
    }
    let titles: Vec<(String, String)> = crate::lessons::all()
        .iter()
        .chain([&bench::lesson()])
        .map(|l| (l.id.to_string(), l.title.to_string()))
        .collect();
    let opts = lab::results::page::Options {
        root: &root,
        titles: &titles,
        references: &references,
    };
    lab::results::page::write(dir, &opts)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `file:///…/results/index.html`: a link most terminals open with a click.
fn file_url(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    format!("file://{}", absolute.display())
}
