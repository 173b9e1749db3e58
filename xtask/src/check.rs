//! `cargo xtask check [lesson] [--solutions]`: build and test the exercises, and say
//! which pass, which fail (with the first failing assertion), which are not started,
//! and what to do next.
//!
//! Each exercise is its own test target (`exercises/checks/<name>.rs`), enabled by
//! the lesson crate's `exercises` feature, so one exercise that does not compile
//! stops nothing else, and `cargo test --workspace` never sees unfinished work.
//! The `solutions` feature points the same tests at `solutions/<name>.rs`.

use crate::coursework::{self, Exercise};
use std::process::{Command, ExitCode};

#[derive(Debug, PartialEq, Eq)]
enum Status {
    Pass,
    NotStarted,
    /// Needs something this machine lacks (MPI): the reason.
    Skipped(String),
    Fail(String),
    DoesNotCompile(String),
}

pub fn check(lesson: Option<&str>, solutions: bool) -> anyhow::Result<ExitCode> {
    let exercises: Vec<Exercise> = match lesson {
        Some(id) => coursework::exercises(id, &coursework::lesson_dir(id)?)?,
        None => coursework::all_exercises()?,
    };
    if exercises.is_empty() {
        say!(
            "no exercises{}",
            lesson.map(|l| format!(" in {l}")).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let what = if solutions {
        "reference solutions"
    } else {
        "your exercises"
    };
    say!("checking {} {what}…\n", exercises.len());
    let mut next: Option<&Exercise> = None;
    let mut passed = 0;
    let mut skipped: Option<String> = None;
    for e in &exercises {
        let status = run_one(e, solutions)?;
        let label = match &status {
            Status::Pass => "pass",
            Status::NotStarted => "not started",
            Status::Skipped(_) => "skipped (needs MPI)",
            Status::Fail(_) => "FAIL",
            Status::DoesNotCompile(_) => "DOES NOT COMPILE",
        };
        say!("  {:<11} {:<28} {label}", e.lesson, e.name);
        match &status {
            Status::Fail(why) | Status::DoesNotCompile(why) => {
                for line in why.lines().take(24) {
                    say!("      {line}");
                }
            }
            _ => {}
        }
        if let Status::Skipped(why) = &status {
            skipped.get_or_insert_with(|| why.clone());
        } else if status == Status::Pass {
            passed += 1;
        } else if next.is_none() {
            next = Some(e);
        }
    }
    say!("\n{passed} of {} pass.", exercises.len());
    if let Some(why) = &skipped {
        say!("Skipped: {why}");
    }
    match next {
        None => {
            if skipped.is_some() {
                say!("Done, except the exercises that need MPI.");
            } else {
                say!("All done.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(e) => {
            if !solutions {
                say!("Next: {} — {}", e.name, e.task);
                say!("  edit  {}", crate::shown(&e.file()));
                say!(
                    "  then  cargo xtask check {}   (stuck? cargo xtask hint {})",
                    e.lesson,
                    e.name
                );
            }
            Ok(ExitCode::from(crate::EXIT_FAILED))
        }
    }
}

fn run_one(e: &Exercise, solutions: bool) -> anyhow::Result<Status> {
    if let Some(why) = missing(e)? {
        return Ok(Status::Skipped(why));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let feature = if solutions { "solutions" } else { "exercises" };
    let output = Command::new(cargo)
        .current_dir(crate::workspace_root())
        .args([
            "test",
            "--quiet",
            "--package",
            &e.crate_name,
            "--features",
            feature,
            "--test",
            &e.name,
        ])
        .args(["--", "--test-threads=1"])
        .env("RUST_BACKTRACE", "0")
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        return Ok(Status::Pass);
    }
    if !stdout.contains("running ") {
        return Ok(Status::DoesNotCompile(first_compiler_error(&stderr)));
    }
    let panics = panic_messages(&stdout);
    if !panics.is_empty() && panics.iter().all(|p| p.contains("not yet implemented")) {
        return Ok(Status::NotStarted);
    }
    Ok(Status::Fail(
        panics
            .into_iter()
            .find(|p| !p.contains("not yet implemented"))
            .unwrap_or_else(|| stdout.trim().to_string()),
    ))
}

/// Why an exercise cannot run here (its `needs` is absent), unless the
/// environment requires it (`PARLAB_REQUIRE_MPI=1`, as CI sets once it has
/// installed MPI), in which case the check runs and fails on its own.
fn missing(e: &Exercise) -> anyhow::Result<Option<String>> {
    match e.needs.as_deref() {
        None => Ok(None),
        Some("mpi") if std::env::var("PARLAB_REQUIRE_MPI").as_deref() == Ok("1") => Ok(None),
        Some("mpi") => Ok(lesson_08_mpi::launch::missing_mpi(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
        Some(other) => anyhow::bail!(
            "{}: exercise {} needs \"{other}\", which the driver does not know (it knows \"mpi\")",
            e.lesson,
            e.name
        ),
    }
}

/// The first `error` block of rustc's output.
fn first_compiler_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("error")) else {
        return stderr.trim().to_string();
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.is_empty() || l.starts_with("error"))
        .map_or(lines.len(), |i| start + 1 + i);
    lines[start..end].join("\n")
}

/// The message of each failed test: "test name: panic message".
fn panic_messages(stdout: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = stdout.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(test) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        else {
            continue;
        };
        let mut message = Vec::new();
        while let Some(next) = lines.peek() {
            if next.starts_with("---- ") || next.starts_with("failures:") {
                break;
            }
            let next = lines.next().unwrap();
            if next.starts_with("thread '") || next.starts_with("note: ") || next.trim().is_empty()
            {
                continue;
            }
            message.push(next);
        }
        out.push(format!("{test}: {}", message.join("\n")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages_are_read_from_libtest_output() {
        let out = "running 2 tests\n\nfailures:\n\n---- a stdout ----\n\nthread 'a' panicked at x.rs:3:5:\nnot yet implemented\nnote: run with `RUST_BACKTRACE=1`\n\n---- b stdout ----\nthread 'b' panicked at x.rs:9:5:\nassertion `left == right` failed: speedup of 2 workers\n  left: 1\n right: 2\n\nfailures:\n    a\n    b\n";
        let m = panic_messages(out);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0], "a: not yet implemented");
        assert!(
            m[1].starts_with("b: assertion `left == right` failed: speedup of 2 workers"),
            "{}",
            m[1]
        );
    }
}
