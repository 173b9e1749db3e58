//! Coursework as students and instructors meet it: every exercise starts "not
//! started" (no false pass), hints exist, quizzes grade, and `new` writes a config
//! that runs. (`cargo xtask check --solutions`, which proves every exercise is
//! solvable, runs in CI.)

mod common;

use common::*;

/// Every lesson folder with an `exercises/exercises.toml` or a `quiz.toml`.
fn lessons_with(file: &str) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root().join("lessons"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join(file).exists())
        .map(|e| e.file_name().to_string_lossy()[..9].to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn every_exercise_starts_not_started_and_check_says_what_to_do_next() {
    for lesson in lessons_with("exercises/exercises.toml") {
        let o = parlab(&["check", &lesson]);
        let text = stdout(&o);
        // Lesson 08's exercises are MPI programs: without MPI they are skipped.
        if lesson == "lesson-08" && !mpi_here("checking lesson-08's exercises") {
            assert!(o.status.success(), "{text}");
            assert!(text.contains("skipped (needs MPI)"), "{text}");
            continue;
        }
        assert_eq!(
            o.status.code(),
            Some(1),
            "an unsolved lesson must not pass:\n{text}\n{}",
            stderr(&o)
        );
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with(&lesson))
            .collect();
        assert!(!rows.is_empty(), "{lesson}: no exercise rows in\n{text}");
        for row in rows {
            assert!(
                row.ends_with("not started"),
                "{lesson}: every exercise starts as not started, got: {row}"
            );
        }
        assert!(
            text.contains("Next: ") && text.contains("cargo xtask hint"),
            "{text}"
        );
    }
}

#[test]
fn hints_exist_for_every_exercise_and_unknown_names_are_refused() {
    let o = parlab(&["hint", "karp_flatt"]);
    assert!(o.status.success());
    assert!(
        stdout(&o).contains("Hint: ") && stdout(&o).contains("exercises/karp_flatt.rs"),
        "{}",
        stdout(&o)
    );
    let o = parlab(&["hint", "no_such_exercise"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("karp_flatt"),
        "the error lists the exercises: {}",
        stderr(&o)
    );
}

#[test]
fn quizzes_grade_answers_and_refuse_malformed_files() {
    for lesson in lessons_with("quiz.toml") {
        let dir = std::fs::read_dir(root().join("lessons"))
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with(&lesson))
            .unwrap()
            .path();
        let text = std::fs::read_to_string(dir.join("quiz.toml")).unwrap();
        let answers: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("answer = "))
            .map(|a| a.split_whitespace().next().unwrap().to_string())
            .collect();
        let right = answers.join(",");
        let o = parlab(&["quiz", &lesson, "--answers", &right]);
        assert!(
            o.status.success(),
            "{lesson} with its own answers: {}",
            stdout(&o)
        );
        assert!(stdout(&o).contains(&format!("score: {n} / {n}", n = answers.len())));

        let wrong: Vec<String> = answers
            .iter()
            .map(|a| if a == "1" { "2".into() } else { "1".into() })
            .collect();
        let o = parlab(&["quiz", &lesson, "--answers", &wrong.join(",")]);
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
