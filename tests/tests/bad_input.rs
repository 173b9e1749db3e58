//! Bad input never panics and never writes results: each broken config in
//! `tests/bad-configs/` gets exit code 2 and the whole message a student sees —
//! `file:line:col`, the quoted line with its caret, and what was expected — is
//! snapshot-tested, one snapshot per file (`snapshots/*message@<file>.snap`). A
//! new case is a new file there; the first `cargo test` writes its snapshot to
//! review (`cargo insta review`, or `INSTA_UPDATE=always` and `git diff`).

use crate::common::*;
use std::path::Path;

/// Runs the driver, asserts that it refused (exit 2, no panic, no table, no
/// results) and returns what it printed on stderr.
fn refused(args: &[&str], out: &Path) -> String {
    let o = parlab(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?} exits 2\nstderr: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    assert!(
        stdout(&o).is_empty(),
        "{args:?} printed a run: {}",
        stdout(&o)
    );
    assert!(
        files_below(out).is_empty(),
        "{args:?} wrote results: {:?}",
        files_below(out)
    );
    err
}

/// Every file in `tests/bad-configs/`, sorted.
fn broken_configs() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/bad-configs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_broken_config_is_refused_with_its_message_and_writes_nothing() {
    let out = scratch("bad-configs");
    let files = broken_configs();
    assert!(!files.is_empty());
    // One snapshot per file, named as insta's `glob!` names them
    // (`message@<file>.snap`); every file is tried, and the failures are listed
    // at the end, so one broken case does not hide another.
    let mut failed = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let config = format!("tests/bad-configs/{name}");
        let outcome = std::panic::catch_unwind(|| {
            let message = refused(&["run", &config, "--out", out.to_str().unwrap()], &out);
            insta::with_settings!({ snapshot_suffix => name.clone(), input_file => path }, {
                insta::assert_snapshot!("message", message);
            });
        });
        if outcome.is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "these broken configs were not refused as their snapshots say (see above): {failed:?}"
    );
}

#[test]
fn a_missing_file_or_a_directory_is_refused_with_a_near_name() {
    let out = scratch("bad-files");
    let o = out.to_str().unwrap();
    insta::assert_snapshot!(
        "missing-file",
        refused(&["run", "configs/no-such-file.toml", "--out", o], &out)
    );
    insta::assert_snapshot!(
        "near-name",
        refused(&["run", "configs/lesson-5.toml", "--out", o], &out)
    );
    insta::assert_snapshot!("directory", refused(&["run", "configs/", "--out", o], &out));
}

#[test]
fn an_unknown_lesson_id_suggests_the_nearest_and_lists_them() {
    let out = scratch("unknown-lesson");
    let o = out.to_str().unwrap();
    insta::assert_snapshot!(
        "run-unknown-lesson",
        refused(&["run", "lesson-5", "--out", o], &out)
    );
    // Every command that takes a lesson answers the same way.
    for args in [
        &["list", "lesson-5"][..],
        &["new", "lesson-5", "my-study", "--dir", o],
        &["quiz", "lesson-5", "--answers", "1"],
        &["check", "lesson-5"],
    ] {
        let err = refused(args, &out);
        assert!(
            err.contains("did you mean \"lesson-05\"?") && err.contains("lesson-07"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_unknown_experiment_name_in_only_is_refused() {
    let out = scratch("unknown-only");
    let err = refused(
        &[
            "run",
            "lesson-05",
            "--quick",
            "--only",
            "strong",
            "--out",
            out.to_str().unwrap(),
        ],
        &out,
    );
    assert!(
        err.contains("no experiment named \"strong\"") && err.contains("strong-scaling"),
        "{err}"
    );
}
