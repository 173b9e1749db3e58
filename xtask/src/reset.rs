//! `cargo xtask reset <exercise> [--force]`: puts an exercise's starting text
//! back, byte for byte.
//!
//! The starting text is the file as git holds it in the commit you are on
//! (`HEAD`), with git's checkout filters applied (`git cat-file --filters`), so
//! the restored file is exactly what `git checkout` would write, line endings
//! included. Your work is overwritten only after you say yes, or with `--force`;
//! without a terminal to ask on, and without `--force`, nothing is written.

use anyhow::{Context, bail};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

pub fn reset(name: &str, force: bool) -> anyhow::Result<ExitCode> {
    let e = crate::coursework::find(name)?;
    let file = e.file();
    let shown = crate::shown(&file);
    let start = starting_text(&file)?;
    let now = std::fs::read(&file).ok();
    if now.as_deref() == Some(start.as_slice()) {
        say!("{shown} already holds its starting text: nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    if now.is_some() && !force {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "error: {shown} holds your work and there is no terminal to ask whether to overwrite it\n  = run `cargo xtask reset {name} --force` to overwrite it"
            );
            return Ok(ExitCode::from(crate::EXIT_BAD_INPUT));
        }
        print!("Overwrite your work in {shown} with its starting text? [y/N] ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            say!("Left {shown} as it was.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    lab::report::write_atomic(&file, &start).with_context(|| format!("writing {shown}"))?;
    say!("{shown} is back to its starting text.");
    say!("  then  cargo xtask check {}", e.name);
    Ok(ExitCode::SUCCESS)
}

/// The file's text in the commit checked out (`HEAD`), as `git checkout`
/// writes it.
pub fn starting_text(file: &Path) -> anyhow::Result<Vec<u8>> {
    let root = crate::workspace_root();
    let relative = crate::shown(file);
    let output = Command::new("git")
        .current_dir(&root)
        .args(["cat-file", "--filters", &format!("HEAD:{relative}")])
        .stdin(Stdio::null())
        .output()
        .context("running git (reset reads the starting text from git: is git installed?)")?;
    if !output.status.success() {
        bail!(
            "git has no starting text for {relative}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}
