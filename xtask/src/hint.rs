//! `cargo xtask hint <exercise>`: the hint of one exercise.

use std::process::ExitCode;

pub fn hint(name: &str) -> anyhow::Result<ExitCode> {
    let all = crate::coursework::all_exercises()?;
    let Some(e) = all.iter().find(|e| e.name == name) else {
        eprintln!(
            "error: no exercise named \"{name}\"\n  = exercises: {}",
            all.iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(crate::EXIT_BAD_INPUT));
    };
    say!("{} ({}): {}\n", e.name, e.lesson, e.task);
    say!("Hint: {}", e.hint.trim());
    say!("\nYour file: {}", crate::shown(&e.file()));
    Ok(ExitCode::SUCCESS)
}
