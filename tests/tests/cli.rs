//! The driver as a student meets it: listing, running one experiment, and output
//! into a closed pipe.

use crate::common::*;
use std::process::{Command, Stdio};

#[test]
fn list_shows_lessons_and_each_kinds_keys_with_their_docs() {
    let o = parlab(&["list"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.contains("lesson-05") && text.contains("strong-scaling"),
        "{text}"
    );

    let o = parlab(&["list", "lesson-05"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for needle in [
        "strong-scaling",
        "serial_fraction (f64, default 0.1, from 0 to 1)",
        "Fraction of the units that run on one thread",
        "workers (Workers",
    ] {
        assert!(
            text.contains(needle),
            "list lesson-05 should show {needle:?}:\n{text}"
        );
    }
}

#[test]
fn only_runs_the_named_experiment_and_writes_its_files() {
    let out = scratch("only");
    let o = parlab(&[
        "run",
        "lesson-05",
        "--quick",
        "--only",
        "models",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        files_below(&out),
        [
            "index.html",
            "lesson-05/models.csv",
            "lesson-05/models.json",
            "lesson-05/models.svg"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("lesson-05/models.json")).unwrap())
            .unwrap();
    let row = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["params"]["serial_fraction"] == 0.1 && r["params"]["workers"] == 8)
        .unwrap();
    assert_eq!(row["metrics"]["amdahl"], 4.7059);
    assert_eq!(row["metrics"]["gustafson"], 7.3);
    let limit = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["params"]["serial_fraction"] == 0.05)
        .unwrap();
    assert_eq!(limit["metrics"]["amdahl_limit"], 20.0);
    let csv = std::fs::read_to_string(out.join("lesson-05/models.csv")).unwrap();
    assert!(csv.starts_with("serial_fraction,workers,amdahl,"), "{csv}");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let out = scratch("closed-pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args([
            "run",
            "lesson-05",
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -n 0`: the reader is gone before the first line is written.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "stderr: {err}"
    );
    assert!(o.status.success(), "status {:?}, stderr: {err}", o.status);
    for file in files_below(&out) {
        assert!(!file.contains(".tmp"), "a temporary file was left: {file}");
    }
}

/// How fast the run stops is not asserted (machines are shared): the deadline
/// only turns a hang into a failure.
#[test]
#[cfg_attr(
    not(unix),
    ignore = "sends SIGINT with kill(1); on Windows the console's Ctrl-C reaches the driver \
              through the ctrlc crate, which a test cannot press"
)]
fn ctrl_c_stops_a_run_with_exit_130_and_leaves_only_whole_files() {
    let out = scratch("ctrl-c");
    let mut child = Command::new(env!("CARGO_BIN_EXE_parlab"))
        .args(["run", "lesson-05", "--out", out.to_str().unwrap()])
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let the run get into its experiments (models is written within milliseconds).
    let started = std::time::Instant::now();
    while !out.join("lesson-05/models.json").exists() && started.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let sent = std::time::Instant::now();
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed().as_secs() >= 30 {
            let _ = child.kill();
            panic!("the run did not stop within 30 s of Ctrl-C: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(130), "Ctrl-C exits with 130");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("interrupted") && !err.contains("panicked"),
        "{err}"
    );
    for file in files_below(&out) {
        assert!(!file.contains(".tmp"), "a temporary file was left: {file}");
        if file.ends_with(".json") {
            let text = std::fs::read_to_string(out.join(&file)).unwrap();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{file} is not whole JSON: {e}"));
        }
    }
}

/// `--trace` adds a ledger to the timed rows and a Chrome trace and a timeline
/// beside the results, and changes nothing a run reports otherwise: the traced
/// run is an extra one, and the spans it brings back through the process pool's
/// pipes are not counted as bytes moved. `compare` of a traced and an untraced
/// run finds every deterministic value equal (lesson 02's `bytes_per_task`
/// among them).
#[test]
fn a_traced_run_adds_ledgers_and_trace_files_and_reproduces_an_untraced_one() {
    let out = scratch("traced");
    let (traced, plain) = (out.join("traced"), out.join("plain"));
    for (dir, extra) in [(&traced, Some("--trace")), (&plain, None)] {
        let mut args = vec![
            "run",
            "lesson-02",
            "--quick",
            "--only",
            "chunksize",
            "--out",
            dir.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = parlab(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    }

    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(traced.join("lesson-02/chunksize.json")).unwrap(),
    )
    .unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["params"]["pool"] == "processes"));
    for row in rows.iter().filter(|r| r["params"]["impl"] == "rust") {
        let ledger = &row["ledger"];
        let parts = [
            "compute_s",
            "serial_s",
            "overhead_s",
            "lock_wait_s",
            "idle_s",
        ];
        assert!(
            parts
                .iter()
                .all(|p| ledger[p].as_f64().is_some_and(|v| v >= 0.0)),
            "every timed row has a ledger of five parts: {row}"
        );
    }
    let trace: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(traced.join("lesson-02/chunksize.trace.json")).unwrap(),
    )
    .unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    assert!(
        events
            .iter()
            .all(|e| e["ph"].is_string() && e["pid"].is_number() && e["tid"].is_number()),
        "Chrome trace events"
    );
    let svg = std::fs::read_to_string(traced.join("lesson-02/chunksize.timeline.svg")).unwrap();
    assert!(
        svg.contains("<svg") && svg.contains("ms"),
        "a timeline with a time axis"
    );

    let o = parlab(&["compare", plain.to_str().unwrap(), traced.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "tracing changed a deterministic value:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// The two kinds that do not time their rows through `Ctx::measure` are
/// traced too: lesson 03's `cpu-executors` (its rows are timed in rounds
/// across the rows) and lesson 07's `ber-curve` (every SNR point of a curve
/// comes out of one untimed executor run, so its rows share that run's
/// ledger). Each gets its ledgers, trace and timeline from one extra run, and
/// reproduces an untraced run's deterministic values.
#[test]
fn cpu_executors_and_ber_curve_are_traced_and_reproduce_an_untraced_run() {
    let out = scratch("traced-kinds");
    for (lesson, experiment) in [("lesson-03", "cpu-executors"), ("lesson-07", "ber-curve")] {
        let (traced, plain) = (out.join("traced"), out.join("plain"));
        for (dir, extra) in [(&traced, Some("--trace")), (&plain, None)] {
            let mut args = vec![
                "run",
                lesson,
                "--quick",
                "--only",
                experiment,
                "--out",
                dir.to_str().unwrap(),
            ];
            args.extend(extra);
            let o = parlab(&args);
            assert!(o.status.success(), "{}", stderr(&o));
        }
        let file = |suffix: &str| traced.join(format!("{lesson}/{experiment}{suffix}"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file(".json")).unwrap()).unwrap();
        let rows: Vec<_> = json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["params"]["impl"] == "rust")
            .collect();
        assert!(!rows.is_empty());
        for row in rows {
            let ledger = &row["ledger"];
            assert!(
                ledger["compute_s"].as_f64().is_some_and(|v| v > 0.0)
                    && ledger["idle_s"].as_f64().is_some_and(|v| v >= 0.0),
                "{experiment}: every Rust row has a ledger with its tasks in it: {row}"
            );
        }
        let trace: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file(".trace.json")).unwrap()).unwrap();
        assert!(
            trace["traceEvents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["ph"] == "X" && e["name"] == "task"),
            "{experiment}: the trace holds task spans"
        );
        let svg = std::fs::read_to_string(file(".timeline.svg")).unwrap();
        assert!(svg.contains("<svg"), "{experiment}: a timeline");

        let o = parlab(&["compare", plain.to_str().unwrap(), traced.to_str().unwrap()]);
        assert!(
            o.status.success(),
            "{experiment}: tracing changed a deterministic value:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
    }
}

/// `timeline = { ... }` in an experiment (here written into a copy of lesson
/// 02's config) draws the rows it names instead of those with the most
/// workers; `--timeline` does the same from the command line, and one that
/// names no traced row draws the default with a note that says so.
#[test]
fn a_traced_run_draws_the_timeline_rows_it_is_told_to() {
    let out = scratch("timeline-rows");
    let config = std::fs::read_to_string(root().join("configs/lesson-02.toml")).unwrap();
    let marker = "name = \"chunksize\"\nkind = \"chunksize\"\n";
    assert!(
        config.contains(marker),
        "lesson-02 has a chunksize experiment"
    );
    // The config's own choice of rows (if any) gives way to the test's.
    let config: String = config
        .lines()
        .filter(|l| !l.starts_with("timeline = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let config = config.replace(
        marker,
        &format!("{marker}timeline = {{ pool = \"processes\", chunksize = 1 }}\n"),
    );
    let path = out.join("chosen.toml");
    std::fs::write(&path, config).unwrap();
    let run = |name: &str, extra: &[&str]| {
        let dir = out.join(name);
        let mut args = vec![
            "run",
            path.to_str().unwrap(),
            "--quick",
            "--only",
            "chunksize",
            "--trace",
            "--out",
            dir.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = parlab(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let svg = std::fs::read_to_string(dir.join("lesson-02/chunksize.timeline.svg")).unwrap();
        (svg, stdout(&o))
    };

    let (svg, _) = run("from-config", &[]);
    assert!(
        svg.contains("pool=processes chunksize=1"),
        "the chosen row is drawn"
    );
    assert!(
        !svg.contains("pool=threads"),
        "only the chosen row is drawn"
    );

    let (svg, _) = run("from-the-command-line", &["--timeline", "pool=threads"]);
    assert!(svg.contains("pool=threads") && !svg.contains("pool=processes"));

    // The Python rows are not traced: no traced row has impl=python.
    let (svg, text) = run("none-traced", &["--timeline", "impl=python"]);
    assert!(
        text.contains("timeline: no traced row has impl=python"),
        "{text}"
    );
    assert!(svg.contains("<svg"), "the default is drawn instead");

    let o = parlab(&[
        "run",
        "lesson-02",
        "--quick",
        "--only",
        "chunksize",
        "--trace",
        "--timeline",
        "wrokers=2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown param `wrokers`")
            && stderr(&o).contains("did you mean `workers`?"),
        "{}",
        stderr(&o)
    );
}
