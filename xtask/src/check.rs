//! `cargo xtask check [lesson | exercise] [--solutions]`: build and test the
//! exercises, and say which pass, which fail (with the first failing assertion),
//! which are not started, and what to do next.
//!
//! Each exercise is its own test target (`exercises/checks/<name>.rs`, marked
//! `test = false` so `cargo test --workspace` never sees unfinished work). One
//! `cargo build --keep-going` builds every selected check at once, so cargo
//! compiles them side by side and one exercise that does not compile stops
//! nothing else; then each check runs on its own, under a deadline. The
//! `solutions` feature points the same checks at `solutions/<name>.rs`. A lesson
//! that needs something beyond Rust (MPI) is checked only where it is installed,
//! with its crate's feature for it (`mpi`) turned on.

use crate::coursework::{self, Exercise};
use crate::lessons::{self, LESSONS};
use anyhow::{Context, bail};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// How long one exercise's tests may run: far beyond what any check needs, so
/// only a deadlock or an endless loop reaches it.
const DEADLINE: Duration = Duration::from_secs(120);

/// What one exercise's check found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Pass,
    NotStarted,
    Fail(String),
    DoesNotCompile(String),
}

pub fn check(target: Option<&str>, solutions: bool) -> anyhow::Result<ExitCode> {
    let exercises = select(target)?;
    if exercises.is_empty() {
        say!(
            "no exercises{}",
            target.map(|t| format!(" in {t}")).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let n = exercises.len();
    let what = match (solutions, n) {
        (true, 1) => "reference solution",
        (true, _) => "reference solutions",
        (false, 1) => "exercise",
        (false, _) => "exercises",
    };
    say!("checking {n} {what}…\n");
    let built = build(&exercises, solutions)?;
    let mut next: Option<&Exercise> = None;
    let mut passed = 0;
    let mut done: Vec<&Exercise> = Vec::new();
    for e in &exercises {
        let (status, speed) = match built.get(&e.name) {
            Some(Ok(executable)) => run_with_speed(e, executable)?,
            Some(Err(error)) => (Status::DoesNotCompile(error.clone()), Vec::new()),
            None => (
                Status::DoesNotCompile("cargo built nothing for it".into()),
                Vec::new(),
            ),
        };
        print_status(e, &status);
        for line in &speed {
            say!("      {line}");
        }
        if status == Status::Pass {
            passed += 1;
            done.push(e);
        } else if next.is_none() {
            next = Some(e);
        }
    }
    say!("\n{passed} of {} pass.", exercises.len());
    // Progress per lesson, when whole lessons were checked (one exercise by
    // name says nothing about the rest of its lesson).
    if target.is_none_or(|t| lessons::find(t).is_ok()) {
        say!("Progress:");
        for line in progress(&exercises, &done) {
            say!("  {line}");
        }
    }
    match next {
        None => {
            say!("All done.");
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
                say!(
                    "  or    cargo xtask watch {}   (checks again on every save)",
                    e.lesson
                );
            }
            Ok(ExitCode::from(crate::EXIT_FAILED))
        }
    }
}

/// One line per exercise: lesson, name, outcome, and why it failed.
pub(crate) fn print_status(e: &Exercise, status: &Status) {
    let label = match status {
        Status::Pass => "pass",
        Status::NotStarted => "not started",
        Status::Fail(_) => "FAIL",
        Status::DoesNotCompile(_) => "DOES NOT COMPILE",
    };
    say!("  {:<11} {:<28} {label}", e.lesson, e.name);
    if let Status::Fail(why) | Status::DoesNotCompile(why) = status {
        for line in why.lines().take(24) {
            say!("      {line}");
        }
    }
}

/// Builds and runs the check of one exercise (against the student's file).
pub(crate) fn check_one(e: &Exercise) -> anyhow::Result<Status> {
    let built = build(std::slice::from_ref(e), false)?;
    Ok(match built.get(&e.name) {
        Some(Ok(executable)) => {
            let (status, speed) = run_with_speed(e, executable)?;
            for line in &speed {
                say!("      {line}");
            }
            status
        }
        Some(Err(error)) => Status::DoesNotCompile(error.clone()),
        None => Status::DoesNotCompile("cargo built nothing for it".into()),
    })
}

/// Runs an exercise's tests and, when they pass, its speed checks: the tests
/// its check marks `#[ignore]` (so `cargo test` never times anything), which
/// time the parallel version against a sequential one (`lab::speedcheck`) and
/// print one `speed:` line each. Returns the outcome and those lines.
pub(crate) fn run_with_speed(
    e: &Exercise,
    executable: &Path,
) -> anyhow::Result<(Status, Vec<String>)> {
    let status = run(e, executable)?;
    if status != Status::Pass {
        return Ok((status, Vec::new()));
    }
    let (status, stdout) = run_args(e, executable, &["--ignored", "--show-output"])?;
    let lines: Vec<String> = stdout
        .lines()
        .filter(|l| l.starts_with("speed: "))
        .map(str::to_string)
        .collect();
    Ok((status, lines))
}

/// One line per lesson of `checked`, in order: `lesson-05   2/3 done`.
pub(crate) fn progress(checked: &[Exercise], done: &[&Exercise]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut lessons: Vec<&str> = checked.iter().map(|e| e.lesson).collect();
    lessons.dedup();
    for lesson in lessons {
        let total = checked.iter().filter(|e| e.lesson == lesson).count();
        let passed = done.iter().filter(|e| e.lesson == lesson).count();
        let bar: String = (0..total)
            .map(|i| if i < passed { '#' } else { '.' })
            .collect();
        lines.push(format!("{lesson:<11} {passed}/{total} done  [{bar}]"));
    }
    lines
}

/// The exercises `check` was asked for: every one, one lesson's, or one by name.
/// A lesson that lacks what it needs (MPI, say) is an error when named, and is
/// left out with a note when checking everything.
pub(crate) fn select(target: Option<&str>) -> anyhow::Result<Vec<Exercise>> {
    let Some(target) = target else {
        let mut all = Vec::new();
        for lesson in LESSONS {
            if let Err(e) = lesson.preflight() {
                say!("skipping {}'s exercises: {e:#}", lesson.id);
                continue;
            }
            all.extend(lesson.exercises()?);
        }
        return Ok(all);
    };
    if let Ok(lesson) = lessons::find(target) {
        lesson.preflight()?;
        return lesson.exercises();
    }
    let all = coursework::all()?;
    if let Some(e) = all.iter().find(|e| e.name == target) {
        lessons::find(e.lesson)?.preflight()?;
        return Ok(vec![e.clone()]);
    }
    // Neither: suggest the closer of a lesson id and an exercise name.
    let ids = lessons::ids();
    let names = all.iter().map(|e| e.name.as_str());
    let mut message = format!("\"{target}\" is neither a lesson nor an exercise");
    if let Some(m) = lab::did_you_mean(target, ids.iter().copied().chain(names)) {
        message.push_str(&format!("\n  = did you mean \"{m}\"?"));
    }
    message.push_str(&format!("\n  = lessons: {}", ids.join(", ")));
    message.push_str("\n  = exercises: `cargo xtask check` lists them all");
    bail!(message)
}

/// Builds the checks of `exercises` in one cargo run; by exercise name, its test
/// executable or the compiler's first error.
pub(crate) fn build(
    exercises: &[Exercise],
    solutions: bool,
) -> anyhow::Result<HashMap<String, Result<PathBuf, String>>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    // `--workspace` (the `--test`s pick what is built): features resolve as in
    // `cargo test --workspace`, so the dependencies that command built are
    // reused, not built again with another feature set.
    cmd.current_dir(crate::workspace_root()).args([
        "build",
        "--workspace",
        "--keep-going",
        "--message-format=json",
    ]);
    let mut ids: Vec<&str> = exercises.iter().map(|e| e.lesson).collect();
    ids.dedup();
    for e in exercises {
        cmd.args(["--test", &e.name]);
    }
    // The features a lesson's exercises need (lesson 08's `mpi`: its checks are
    // MPI programs), and `solutions` when the solutions are checked.
    let mut features: Vec<String> = Vec::new();
    for id in ids {
        let lesson = lessons::find(id)?;
        features.extend(lesson.features().map(|f| format!("{}/{f}", lesson.package)));
        if solutions {
            features.push(format!("{}/solutions", lesson.package));
        }
    }
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .context("running cargo build")?;

    let mut built: HashMap<String, Result<PathBuf, String>> = HashMap::new();
    let mut first_error: Option<String> = None;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let target = message["target"]["name"].as_str().unwrap_or_default();
        match message["reason"].as_str() {
            Some("compiler-artifact") => {
                if let Some(exe) = message["executable"].as_str() {
                    built.insert(target.to_string(), Ok(PathBuf::from(exe)));
                }
            }
            Some("compiler-message") if message["message"]["level"] == "error" => {
                let rendered = message["message"]["rendered"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_end()
                    .to_string();
                first_error.get_or_insert_with(|| rendered.clone());
                built.entry(target.to_string()).or_insert(Err(rendered));
            }
            _ => {}
        }
    }
    // An exercise with neither an executable nor an error of its own was stopped
    // by something it depends on (its lesson's crate, say): show that error.
    let fallback = first_error.unwrap_or_else(|| {
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    for e in exercises {
        built
            .entry(e.name.clone())
            .or_insert_with(|| Err(fallback.clone()));
    }
    Ok(built)
}

/// Runs one exercise's tests, as `cargo test` would, and reads their outcome.
pub(crate) fn run(e: &Exercise, executable: &Path) -> anyhow::Result<Status> {
    Ok(run_args(e, executable, &[])?.0)
}

/// Runs an exercise's test executable with `args`; its outcome and its stdout.
fn run_args(e: &Exercise, executable: &Path, args: &[&str]) -> anyhow::Result<(Status, String)> {
    let mut child = Command::new(executable)
        .arg("--test-threads=1")
        .args(args)
        .current_dir(e.crate_dir())
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running the tests of {}", e.name))?;
    // Read both pipes while waiting, so a chatty test cannot fill one and stall.
    let mut stdout_pipe = child.stdout.take().expect("piped");
    let mut stderr_pipe = child.stderr.take().expect("piped");
    let stdout_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout_reader.join().unwrap_or_default();
    let stderr = stderr_reader.join().unwrap_or_default();
    let Some(status) = status else {
        return Ok((
            Status::Fail(format!(
                "the tests did not finish within {} s: is something waiting forever (a lock never released, a channel never closed)?",
                DEADLINE.as_secs()
            )),
            stdout,
        ));
    };
    if status.success() {
        return Ok((Status::Pass, stdout));
    }
    if !stdout.contains("running ") {
        let why = format!("{}\n{}", stdout.trim(), stderr.trim());
        return Ok((Status::Fail(why), stdout));
    }
    let panics = panic_messages(&stdout);
    if !panics.is_empty() && panics.iter().all(|p| p.contains("not yet implemented")) {
        return Ok((Status::NotStarted, stdout));
    }
    let why = panics
        .into_iter()
        .find(|p| !p.contains("not yet implemented"))
        .unwrap_or_else(|| stdout.trim().to_string());
    Ok((Status::Fail(why), stdout))
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
