//! The course's layout, kept by a test instead of by memory (rustlings'
//! `dev check`, rust-analyzer's `tidy`): the lesson registry
//! (`xtask/src/lessons.rs`), the lesson folders and their default configs agree,
//! and for every exercise its entry in `exercises.toml`, its `[[test]]` in the
//! lesson's `Cargo.toml`, its starting file, its solution and its check agree.
//! Each problem is reported with the file to change and what to write.

use crate::common::*;
use std::collections::BTreeSet;
use std::path::Path;
use xtask::lessons::LESSONS;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The `.rs` file stems directly in `dir`.
fn rust_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".rs")?.to_string();
            e.path().is_file().then_some(stem)
        })
        .collect()
}

fn assert_no_problems(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n\n{}\n",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn every_lesson_folder_is_registered_with_its_config_readme_and_quiz() {
    let mut problems = Vec::new();
    let folders: BTreeSet<String> = std::fs::read_dir(root().join("lessons"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let registered: BTreeSet<String> = LESSONS.iter().map(|l| l.package.to_string()).collect();
    for folder in folders.difference(&registered) {
        problems.push(format!(
            "lessons/{folder} is not in the lesson registry: add an `Entry` for it to LESSONS in \
             xtask/src/lessons.rs (and its crate to xtask/Cargo.toml's [dependencies])"
        ));
    }
    let ids: Vec<&str> = LESSONS.iter().map(|l| l.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    if ids != sorted {
        problems.push(format!(
            "LESSONS in xtask/src/lessons.rs lists lesson ids out of course order or twice: {ids:?}"
        ));
    }
    let all = xtask::lessons::all();
    for lesson in LESSONS {
        let dir = lesson.dir();
        let shown = xtask::shown(&dir);
        if !dir.is_dir() {
            problems.push(format!(
                "{} is registered with the package {}, but {shown} does not exist",
                lesson.id, lesson.package
            ));
            continue;
        }
        if !lesson.package.starts_with(&format!("{}-", lesson.id)) {
            problems.push(format!(
                "the package of {} is {}: name it {}-<topic>",
                lesson.id, lesson.package, lesson.id
            ));
        }
        let experiments = (lesson.experiments)();
        if experiments.id != lesson.id {
            problems.push(format!(
                "{}'s lesson() says its id is \"{}\", the registry says \"{}\"",
                lesson.package, experiments.id, lesson.id
            ));
        }
        let manifest: toml::Table = read(&dir.join("Cargo.toml")).parse().unwrap_or_default();
        if manifest["package"]["name"].as_str() != Some(lesson.package) {
            problems.push(format!(
                "{shown}/Cargo.toml: name the package \"{}\", as its folder",
                lesson.package
            ));
        }
        for file in ["README.md", "quiz.toml"] {
            if !dir.join(file).is_file() {
                problems.push(format!("{shown}/{file} is missing"));
            }
        }
        if let Err(e) = xtask::quiz::load(&lesson.quiz()) {
            problems.push(format!("{e:#}"));
        }
        let config = lesson.config();
        match lab::config::load(&config, &xtask::shown(&config), &all) {
            Ok(c) if c.lesson == lesson.id => {}
            Ok(c) => problems.push(format!(
                "{} is {}'s default config but says lesson = \"{}\"",
                xtask::shown(&config),
                lesson.id,
                c.lesson
            )),
            Err(e) => problems.push(format!(
                "{}'s default config does not load:\n{e}",
                lesson.id
            )),
        }
    }
    assert_no_problems(
        "the lesson registry and the lesson folders disagree",
        problems,
    );
}

#[test]
fn every_exercise_has_its_entry_test_target_file_solution_and_check() {
    // Reads the starting files, which the watch and reset tests change for a while.
    let _files = exercise_files();
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for lesson in LESSONS {
        let dir = lesson.dir();
        let shown = xtask::shown(&dir);
        let exercises = match lesson.exercises() {
            Ok(list) => list,
            Err(e) => {
                problems.push(format!("{e:#}"));
                continue;
            }
        };
        let manifest: toml::Table = read(&dir.join("Cargo.toml")).parse().unwrap_or_default();
        let tests: Vec<&toml::Table> = manifest
            .get("test")
            .and_then(|t| t.as_array())
            .map(|a| a.iter().filter_map(|t| t.as_table()).collect())
            .unwrap_or_default();
        let listed: BTreeSet<String> = exercises.iter().map(|e| e.name.clone()).collect();
        if !exercises.is_empty()
            && manifest
                .get("features")
                .and_then(|f| f.get("solutions"))
                .is_none()
        {
            problems.push(format!(
                "{shown}/Cargo.toml: add `solutions = []` under [features] (`cargo xtask check \
                 --solutions` turns it on to test the solutions)"
            ));
        }

        for e in &exercises {
            let n = e.name.as_str();
            if !names.insert(n.to_string()) {
                problems.push(format!(
                    "exercise names are unique across the course (`cargo xtask hint {n}`): \
                     rename one of the two \"{n}\""
                ));
            }
            if n.is_empty()
                || !n
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                problems.push(format!(
                    "{shown}/exercises/exercises.toml: \"{n}\" must be a snake_case Rust name \
                     (it names a module and a test target)"
                ));
            }
            if e.task.trim().is_empty() || e.hint.trim().is_empty() {
                problems.push(format!(
                    "{shown}/exercises/exercises.toml: \"{n}\" needs a `task` and a `hint`"
                ));
            }
            let start = read(&e.file());
            if start.is_empty() {
                problems.push(format!(
                    "{}: the student's file is missing",
                    xtask::shown(&e.file())
                ));
            } else {
                if !start.contains("todo!(") {
                    problems.push(format!(
                        "{}: a starting file leaves its work to `todo!()`, so it is \"not started\"",
                        xtask::shown(&e.file())
                    ));
                }
                for command in [
                    format!("cargo xtask check {}", lesson.id),
                    format!("cargo xtask hint {n}"),
                ] {
                    if !start.contains(&command) {
                        problems.push(format!(
                            "{}: tell the student `{command}`",
                            xtask::shown(&e.file())
                        ));
                    }
                }
            }
            let solution = read(&e.solution());
            if solution.is_empty() {
                problems.push(format!(
                    "{}: the reference solution is missing",
                    xtask::shown(&e.solution())
                ));
            } else if solution.contains("todo!(") {
                problems.push(format!(
                    "{}: a solution has no `todo!()` left",
                    xtask::shown(&e.solution())
                ));
            }
            let check = read(&e.check());
            let exercise_path = format!("path = \"../{n}.rs\"");
            let solution_path = format!("path = \"../../solutions/{n}.rs\"");
            if check.is_empty() {
                problems.push(format!(
                    "{}: the exercise's tests are missing",
                    xtask::shown(&e.check())
                ));
            } else if !check.contains(&exercise_path)
                || !check.contains(&solution_path)
                || !check.contains("feature = \"solutions\"")
            {
                problems.push(format!(
                    "{}: the tests include the student's file, or the solution with the \
                     `solutions` feature:\n    \
                     #[cfg_attr(not(feature = \"solutions\"), {exercise_path})]\n    \
                     #[cfg_attr(feature = \"solutions\", {solution_path})]\n    mod exercise;",
                    xtask::shown(&e.check())
                ));
            }
            let wanted_path = format!("exercises/checks/{n}.rs");
            let block = format!("[[test]]\nname = \"{n}\"\npath = \"{wanted_path}\"\ntest = false");
            match tests
                .iter()
                .find(|t| t.get("name").and_then(|v| v.as_str()) == Some(n))
            {
                None => problems.push(format!(
                    "{shown}/Cargo.toml has no test target for the exercise \"{n}\": add\n{block}"
                )),
                Some(t) => {
                    let path_ok = t.get("path").and_then(|v| v.as_str()) == Some(&wanted_path);
                    // `test = false`: `cargo test --workspace` never builds unfinished
                    // work; `cargo xtask check` names the target, so it builds it.
                    let hidden = t.get("test").and_then(|v| v.as_bool()) == Some(false);
                    let ungated = t.get("required-features").is_none();
                    if !(path_ok && hidden && ungated) {
                        problems.push(format!(
                            "{shown}/Cargo.toml: the test target \"{n}\" should read (plus \
                             `harness = false` if its check has its own main)\n{block}"
                        ));
                    }
                }
            }
        }

        // The other way round: nothing of an exercise without its entry.
        let orphans = [
            ("exercises", rust_files(&dir.join("exercises"))),
            ("solutions", rust_files(&dir.join("solutions"))),
            (
                "exercises/checks",
                rust_files(&dir.join("exercises/checks")),
            ),
        ];
        for (sub, stems) in orphans {
            for stem in stems.difference(&listed) {
                problems.push(format!(
                    "{shown}/{sub}/{stem}.rs belongs to no exercise: add an [[exercise]] named \
                     \"{stem}\" to {shown}/exercises/exercises.toml, or remove the file"
                ));
            }
        }
        for t in &tests {
            let path = t.get("path").and_then(|v| v.as_str()).unwrap_or_default();
            let name = t.get("name").and_then(|v| v.as_str()).unwrap_or_default();
            if path.starts_with("exercises/") && !listed.contains(name) {
                problems.push(format!(
                    "{shown}/Cargo.toml: the test target \"{name}\" ({path}) belongs to no \
                     exercise in {shown}/exercises/exercises.toml"
                ));
            }
        }
    }
    assert_no_problems("the exercises and their files disagree", problems);
}

#[test]
fn git_ignores_a_students_studies_and_keeps_the_lessons_configs() {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root())
            .output()
    };
    match git(&["rev-parse", "--is-inside-work-tree"]) {
        Ok(o) if o.status.success() => {}
        _ => {
            eprintln!("note: not a git work tree (or no git): .gitignore not checked");
            return;
        }
    }
    let ignored = |path: &str| {
        git(&["check-ignore", "--quiet", "--no-index", path])
            .unwrap()
            .status
            .success()
    };
    assert!(
        ignored("studies/my-study.toml"),
        ".gitignore: a student's studies/ are not the course's"
    );
    assert!(
        !ignored("studies/README.md"),
        ".gitignore: studies/README.md says what the folder is for"
    );
    for lesson in LESSONS {
        let config = xtask::shown(&lesson.config());
        assert!(!ignored(&config), ".gitignore must not ignore {config}");
    }
}
