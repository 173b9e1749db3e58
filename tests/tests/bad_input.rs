//! Bad input never panics and never writes results: each broken config in
//! `tests/bad-configs/` gets exit code 2 and a message that names `file:line:col`,
//! quotes the line, and says what was expected.

mod common;

use common::*;

/// (file, line:col, what the message must say)
const CASES: &[(&str, &str, &[&str])] = &[
    ("syntax-error.toml", ":4:", &["TOML syntax"]),
    (
        "unknown-top-key.toml",
        ":2:1:",
        &[
            "unknown key `repeat` at the top level",
            "valid keys: lesson, run, experiment",
        ],
    ),
    (
        "unknown-run-key.toml",
        ":4:1:",
        &["unknown key `warm_up` in [run]", "did you mean `warmup`?"],
    ),
    (
        "unknown-param-key.toml",
        ":6:1:",
        &[
            "unknown key `wrk_units`",
            "did you mean `work_units`?",
            "valid keys: work_units, serial_fraction, workers",
        ],
    ),
    (
        "unknown-sweep-key.toml",
        ":7:1:",
        &[
            "unknown key `worker` in the sweep",
            "did you mean `workers`?",
        ],
    ),
    (
        "unknown-quick-key.toml",
        ":7:1:",
        &[
            "unknown key `work_unit` in the quick overrides",
            "did you mean `work_units`?",
        ],
    ),
    (
        "unknown-kind.toml",
        ":5:8:",
        &[
            "unknown kind \"strong-scalling\" for lesson-05",
            "did you mean \"strong-scaling\"?",
            "kinds of lesson-05: models, strong-scaling",
        ],
    ),
    (
        "unknown-lesson.toml",
        ":1:10:",
        &[
            "unknown lesson \"lesson-5\"",
            "did you mean \"lesson-05\"?",
            "lessons: lesson-01, lesson-02, lesson-03, lesson-04, lesson-05, lesson-06, lesson-07, lesson-08",
        ],
    ),
    ("missing-lesson.toml", ":1:1:", &["no `lesson` key"]),
    ("missing-kind.toml", ":3:", &["has no `kind`"]),
    (
        "wrong-type.toml",
        ":6:14:",
        &[
            "bad value for `work_units`",
            "invalid type: string \"ten million\", expected u64",
        ],
    ),
    (
        "serial-fraction-out-of-range.toml",
        ":6:19:",
        &["bad value for `serial_fraction`", "from 0 to 1, found 1.5"],
    ),
    (
        "workers-zero.toml",
        ":7:15:",
        &["bad value for `workers`", "found 0"],
    ),
    (
        "repeats-zero.toml",
        ":3:11:",
        &["`repeats` must be from 1 to 1000, found 0"],
    ),
    ("integer-overflow.toml", ":6:14:", &["bad value", "64 bits"]),
    (
        "negative-work.toml",
        ":6:14:",
        &["bad value for `work_units`", "expected u64"],
    ),
    (
        "empty-sweep.toml",
        ":7:11:",
        &["the sweep over `workers` is empty"],
    ),
    (
        "duplicate-name.toml",
        ":8:8:",
        &[
            "duplicate experiment name \"models\"",
            "the first \"models\" is on line 4",
        ],
    ),
    ("no-experiments.toml", ":1:1:", &["no [[experiment]]"]),
    (
        "set-and-swept.toml",
        ":8:1:",
        &["`workers` is both set and swept"],
    ),
    (
        "quick-out-of-range.toml",
        ":7:19:",
        &["bad value for `serial_fraction`", "found -0.1"],
    ),
    (
        "workers-word.toml",
        ":6:11:",
        &["bad value for `workers`", "\"all\""],
    ),
    ("bad-name.toml", ":4:8:", &["cannot name a results file"]),
    (
        "sweep-not-a-list.toml",
        ":7:11:",
        &["a sweep axis is a list of values"],
    ),
];

fn assert_refused(args: &[&str], must_say: &[&str], out: &std::path::Path) {
    let o = parlab(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?} exits 2\nstderr: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    for text in must_say {
        assert!(
            err.contains(text),
            "{args:?}: the message should say {text:?}, it says:\n{err}"
        );
    }
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
}

#[test]
fn every_broken_config_is_refused_with_its_message_and_writes_nothing() {
    let out = scratch("bad-configs");
    let dir = root().join("tests/bad-configs");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.0.to_string()).collect();
    listed.push("empty.toml".into());
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "every file in tests/bad-configs has a case here"
    );

    for (file, at, says) in CASES {
        let path = format!("tests/bad-configs/{file}");
        let mut must_say: Vec<&str> = says.to_vec();
        let located = format!("{path}{at}");
        must_say.push(&located);
        must_say.push(" | "); // the quoted line
        assert_refused(
            &["run", &path, "--out", out.to_str().unwrap()],
            &must_say,
            &out,
        );
    }
}

#[test]
fn empty_missing_directory_and_non_utf8_configs_are_refused() {
    let out = scratch("bad-files");
    let o = out.to_str().unwrap();
    assert_refused(
        &["run", "tests/bad-configs/empty.toml", "--out", o],
        &["the config is empty"],
        &out,
    );
    assert_refused(
        &["run", "configs/no-such-file.toml", "--out", o],
        &["cannot read the config", "No such file"],
        &out,
    );
    assert_refused(&["run", "configs/", "--out", o], &["is a directory"], &out);

    let binary = scratch("non-utf8").join("latin1.toml");
    std::fs::write(&binary, b"lesson = \"lesson-05\"\n# caf\xe9\n").unwrap();
    assert_refused(
        &["run", binary.to_str().unwrap(), "--out", o],
        &["latin1.toml:2:6: the file is not UTF-8 text"],
        &out,
    );
}

#[test]
fn an_unknown_lesson_id_lists_the_valid_ones() {
    let out = scratch("unknown-lesson");
    assert_refused(
        &["run", "lesson-99", "--out", out.to_str().unwrap()],
        &[
            "unknown lesson \"lesson-99\"",
            "lessons you can run: lesson-01, lesson-02, lesson-03, lesson-04, lesson-05, lesson-06, lesson-07, lesson-08",
        ],
        &out,
    );
    let o = parlab(&["list", "lesson-99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("lesson-05"));
}

#[test]
fn an_unknown_experiment_name_in_only_is_refused() {
    let out = scratch("unknown-only");
    assert_refused(
        &[
            "run",
            "lesson-05",
            "--quick",
            "--only",
            "strong",
            "--out",
            out.to_str().unwrap(),
        ],
        &["no experiment named \"strong\"", "strong-scaling"],
        &out,
    );
}
