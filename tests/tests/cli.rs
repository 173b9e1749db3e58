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
