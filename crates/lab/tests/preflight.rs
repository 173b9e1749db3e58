//! A kind that must prepare something before a run (lesson 08 builds its MPI
//! rank program) and cannot says so before anything runs:
//! the run stops with its message and writes nothing; experiments that do not
//! need it run when selected on their own.

use lab::{Ctx, Report, Row, Typed};

lab::params! {
    /// A test kind.
    pub struct Params {
        /// Unused.
        pub n: u64 = 1,
    }
}

fn run(_ctx: &Ctx, _points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    report.push(Row::new().metric("answer", 42));
    Ok(report)
}

fn missing() -> Result<(), String> {
    Err("the widget is missing: install it with `apt-get install widget`".into())
}

fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-test",
        title: "test",
        kinds: vec![
            lab::kind::<Params>("plain", "needs nothing", run),
            lab::with_preflight(
                lab::kind::<Params>("widget", "needs a widget", run),
                missing,
            ),
        ],
    }
}

const CONFIG: &str = r#"
lesson = "lesson-test"
[[experiment]]
name = "plain"
kind = "plain"
[[experiment]]
name = "widgety"
kind = "widget"
"#;

fn options(out: &std::path::Path, only: Option<&str>) -> lab::run::RunOptions {
    lab::run::RunOptions {
        quick: true,
        only: only.map(str::to_string),
        out: out.to_path_buf(),
        redact: true,
        trace: false,
        tracer: None,
        timeline: None,
    }
}

#[test]
fn a_failed_preflight_stops_the_run_before_anything_runs_or_is_written() {
    let lessons = vec![lesson()];
    let config = lab::config::parse(CONFIG, "test.toml", &lessons).unwrap();
    let out = std::env::temp_dir().join(format!("lab-preflight-{}", std::process::id()));
    let err = lab::run::run(&config, &lessons[0], &options(&out, None)).unwrap_err();
    assert!(
        err.to_string().contains("apt-get install widget"),
        "the error is the preflight's message: {err}"
    );
    assert!(!out.exists(), "nothing is written when a preflight fails");

    let outcome = lab::run::run(&config, &lessons[0], &options(&out, Some("plain"))).unwrap();
    assert!(outcome.failed.is_empty() && !outcome.written.is_empty());
    std::fs::remove_dir_all(&out).unwrap();
}
