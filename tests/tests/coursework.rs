//! Coursework as students and instructors meet it: every exercise of the course
//! starts "not started" (no false pass), `check` says what to do next, hints
//! exist, quizzes grade, and `new` writes a study that runs. (`cargo xtask check
//! --solutions`, which proves every exercise solvable, runs in CI.)

use crate::common::*;
use xtask::lessons::LESSONS;

#[test]
fn every_exercise_starts_not_started_and_check_says_what_to_do_next() {
    let exercises = xtask::coursework::all().unwrap();
    assert!(!exercises.is_empty());
    let _files = exercise_files();
    // One `check` of the whole course: one cargo build of every exercise's tests
    // against its starting file, then each run.
    let o = parlab(&["check"]);
    let text = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "an unsolved course must not pass:\n{text}\n{}",
        stderr(&o)
    );
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("lesson-") && !l.contains(" done  ["))
        .collect();
    let available: Vec<_> = exercises
        .iter()
        .filter(|e| {
            LESSONS
                .iter()
                .any(|l| l.id == e.lesson && l.missing().is_empty())
        })
        .collect();
    assert_eq!(
        rows.len(),
        available.len(),
        "one row per exercise, in order:\n{text}"
    );
    for (row, e) in rows.iter().zip(&available) {
        let fields: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            fields[..2],
            [e.lesson, e.name.as_str()],
            "rows follow exercises.toml:\n{text}"
        );
        assert!(
            row.ends_with("not started"),
            "every exercise starts as not started (its tests must call its todo!()s), got: {row}"
        );
    }
    // Progress per lesson: none done yet, out of each lesson's count.
    for lesson in LESSONS.iter().filter(|l| l.missing().is_empty()) {
        let total = available.iter().filter(|e| e.lesson == lesson.id).count();
        if total == 0 {
            continue;
        }
        let line = format!("{:<11} 0/{total} done  [{}]", lesson.id, ".".repeat(total));
        assert!(
            text.contains("Progress:\n") && text.contains(&line),
            "check ends with the progress of each lesson ({line:?}):\n{text}"
        );
    }
    let first = available[0];
    assert!(
        text.contains(&format!("Next: {} — ", first.name))
            && text.contains(&format!("cargo xtask hint {}", first.name)),
        "check names the first unfinished exercise and how to get a hint:\n{text}"
    );

    // One exercise by name (already built: this only runs its tests).
    let o = parlab(&["check", &first.name]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains("0 of 1 pass.")
            && text
                .lines()
                .any(|l| l.contains(&first.name) && l.ends_with("not started")),
        "check <exercise> checks that one exercise:\n{text}"
    );
    assert!(
        !text.contains("Progress:"),
        "one exercise says nothing of its lesson's progress:\n{text}"
    );
}

#[test]
fn check_suggests_the_nearest_lesson_or_exercise() {
    let o = parlab(&["check", "karp_flat"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean \"karp_flatt\"?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn hints_exist_for_every_exercise_and_unknown_names_get_a_suggestion() {
    for e in xtask::coursework::all().unwrap() {
        let o = parlab(&["hint", &e.name]);
        assert!(o.status.success(), "{}: {}", e.name, stderr(&o));
        let file = format!("exercises/{}.rs", e.name);
        assert!(
            stdout(&o).contains("Hint: ") && stdout(&o).contains(&file),
            "{}",
            stdout(&o)
        );
    }
    let o = parlab(&["hint", "karp_flat"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("no exercise named \"karp_flat\"")
            && err.contains("did you mean \"karp_flatt\"?")
            && err.contains("split_and_sum"),
        "the error suggests the nearest and lists the exercises: {err}"
    );
}

#[test]
fn quizzes_grade_answers_and_refuse_malformed_files() {
    for lesson in LESSONS {
        let quiz = xtask::quiz::load(&lesson.quiz()).unwrap();
        let answers: Vec<String> = quiz
            .question
            .iter()
            .map(|q| q.get_ref().answer.get_ref().to_string())
            .collect();
        let o = parlab(&["quiz", lesson.id, "--answers", &answers.join(",")]);
        assert!(
            o.status.success(),
            "{} with its own answers: {}",
            lesson.id,
            stdout(&o)
        );
        assert!(stdout(&o).contains(&format!("score: {n} / {n}", n = answers.len())));

        let wrong: Vec<&str> = answers
            .iter()
            .map(|a| if a == "1" { "2" } else { "1" })
            .collect();
        let o = parlab(&["quiz", lesson.id, "--answers", &wrong.join(",")]);
        assert_eq!(o.status.code(), Some(1), "wrong answers exit non-zero");
        assert!(stdout(&o).contains("✗"));
    }
    let o = parlab(&["quiz", "lesson-05", "--answers", "1,2"]);
    assert_eq!(o.status.code(), Some(2), "too few answers is bad input");
}

#[test]
fn a_malformed_quiz_is_an_error_naming_file_and_line() {
    let bad =
        "[[question]]\nprompt = \"?\"\nchoices = [\"a\", \"b\"]\nanswer = 3\nexplanation = \"x\"\n";
    let dir = scratch("bad-quiz");
    let path = dir.join("quiz.toml");
    std::fs::write(&path, bad).unwrap();
    let err = xtask::quiz::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("quiz.toml:4:") && err.contains("from 1 to 2; found 3"),
        "{err}"
    );
    std::fs::write(
        &path,
        "[[question]]\nprompt = \"?\"\nchoices = [\"a\", \"b\"]\nanswer = 1\nexplanatoin = \"x\"\n",
    )
    .unwrap();
    let err = xtask::quiz::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("quiz.toml:5:") && err.contains("explanatoin"),
        "{err}"
    );
}

#[test]
fn new_writes_a_commented_config_that_runs() {
    let dir = scratch("new-config");
    let o = parlab(&[
        "new",
        "lesson-05",
        "designed",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.join("designed.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("# Fraction of the units that run on one thread"),
        "every key is commented:\n{text}"
    );
    assert!(
        text.contains("(f64; from 0 to 1)"),
        "ranges are shown:\n{text}"
    );
    assert!(
        text.contains("# [experiment.predict]")
            && text.contains("# speedup = [{ workers = 2, value = ... }"),
        "each experiment has a commented predict section:\n{text}"
    );

    let out = dir.join("out");
    let o = parlab(&[
        "run",
        file.to_str().unwrap(),
        "--quick",
        "--only",
        "models",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "the generated config runs: {}",
        stderr(&o)
    );

    let o = parlab(&[
        "new",
        "lesson-05",
        "designed",
        "--dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "new never overwrites a config");
    assert!(stderr(&o).contains("exists already"));
}

#[test]
fn new_writes_into_studies_and_a_bare_name_there_is_suggested_by_run() {
    // A name no student picks, removed at the end.
    let name = format!("zz-test-study-{}", std::process::id());
    let file = root().join("studies").join(format!("{name}.toml"));
    let o = parlab(&["new", "lesson-05", &name]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("wrote studies/{name}.toml")),
        "{}",
        stdout(&o)
    );
    assert!(file.is_file());
    let o = parlab(&["run", &name]);
    let err = stderr(&o);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains(&format!("cargo xtask run studies/{name}.toml")),
        "{err}"
    );
}

#[test]
fn reset_restores_the_starting_text_byte_for_byte_and_asks_first() {
    let _files = exercise_files();
    let e = xtask::coursework::find("karp_flatt").unwrap();
    let file = e.file();
    let _restore = Restore::new(&file);
    let start = std::fs::read(&file).unwrap();

    let o = parlab(&["reset", "karp_flatt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("already holds its starting text"),
        "{}",
        stdout(&o)
    );

    // Work in progress: without a terminal to ask on, reset refuses.
    let mut work = start.clone();
    work.extend_from_slice(b"\n// my work in progress\n");
    std::fs::write(&file, &work).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args(["reset", "karp_flatt"])
        .current_dir(root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("no terminal to ask") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&file).unwrap(), work, "the work is untouched");

    let o = parlab(&["reset", "karp_flatt", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        start,
        "reset --force writes the starting text back byte for byte"
    );

    let o = parlab(&["reset", "karp_flat"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean \"karp_flatt\"?"));
}

#[test]
fn watch_reports_a_fixed_exercise_passing_and_quits_on_q() {
    use std::io::{BufRead, Write};
    use std::sync::mpsc;
    use std::time::Duration;

    let _files = exercise_files();
    let lesson = xtask::lessons::find("lesson-05").unwrap();
    let first = &lesson.exercises().unwrap()[0];
    let _restore = Restore::new(&first.file());

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args(["watch", "lesson-05"])
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    // Kills watch if the test fails before it quits (no orphan left behind).
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut child = Kill(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    // Generous deadlines: they only stop a hang, a build may take minutes on a
    // busy machine.
    let deadline = Duration::from_secs(600);
    let mut seen = String::new();
    let mut wait_for = |what: &str| {
        loop {
            match rx.recv_timeout(deadline) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                    if line.contains(what) {
                        return;
                    }
                }
                Err(_) => panic!("watch never printed {what:?}; it printed:\n{seen}"),
            }
        }
    };
    wait_for(&format!("Current: {} ", first.name));
    wait_for("every save checks it again");
    // The student saves a right answer.
    std::fs::write(first.file(), std::fs::read(first.solution()).unwrap()).unwrap();
    wait_for(&format!("{} passes: on to the next one", first.name));
    wait_for("Current: ");
    writeln!(stdin, "q").unwrap();
    wait_for("watch: stopped");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < deadline,
            "watch printed that it stopped but did not exit"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "q leaves watch with success");
}

#[test]
fn predictions_are_printed_beside_the_measured_values_and_recorded_in_the_rows() {
    let dir = scratch("predict");
    let config = dir.join("predict.toml");
    std::fs::write(
        &config,
        r#"lesson = "lesson-05"

[[experiment]]
name = "strong"
kind = "strong-scaling"
[experiment.sweep]
workers = [1, 2]
[experiment.quick]
work_units = 200_000
python_work_units = 1_000
[experiment.predict]
speedup = [{ workers = 2, impl = "rust", value = 1.8 }, { workers = 16, value = 9 }]
amdahl = { workers = 2, impl = "rust", value = 1.8182 }
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let o = parlab(&[
        "run",
        config.to_str().unwrap(),
        "--quick",
        "--redact",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = stdout(&o);
    assert!(o.status.success(), "{text}\n{}", stderr(&o));
    for line in [
        "predicted vs measured:",
        "  speedup at workers=2, impl=rust: predicted 1.8, measured ~, error ~",
        "  amdahl at workers=2, impl=rust: predicted 1.82, measured 1.82, error +0.0%",
        "  speedup at workers=16: no row has these params",
        "prediction score: ~/100",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lesson-05/strong.json")).unwrap())
            .unwrap();
    let rows = json["rows"].as_array().unwrap();
    let rust_2 = rows
        .iter()
        .find(|r| r["params"]["workers"] == 2 && r["params"]["impl"] == "rust")
        .unwrap();
    assert_eq!(
        rust_2["predicted"],
        serde_json::json!({"speedup": 1.8, "amdahl": 1.8182}),
        "the row records the predictions about it"
    );
    assert!(rust_2["speedup"].is_number(), "existing fields stay");
    let rust_1 = rows
        .iter()
        .find(|r| r["params"]["workers"] == 1 && r["params"]["impl"] == "rust")
        .unwrap();
    assert!(rust_1.get("predicted").is_none(), "no prediction, no field");
    let score = json["summary"]["prediction_score"].as_f64().unwrap();
    assert!((0.0..=100.0).contains(&score), "{score}");
}
