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
        .filter(|l| l.trim_start().starts_with("lesson-"))
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
