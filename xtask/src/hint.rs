//! `cargo xtask hint <exercise>`: the hint of one exercise.

use std::process::ExitCode;

pub fn hint(name: &str) -> anyhow::Result<ExitCode> {
    let e = crate::coursework::find(name)?;
    say!("{} ({}): {}\n", e.name, e.lesson, e.task);
    say!("Hint: {}", e.hint.trim());
    say!("\nYour file: {}", crate::shown(&e.file()));
    Ok(ExitCode::SUCCESS)
}
