//! An experiment that panics or fails is reported as that experiment's failure;
//! the others still run and write their results.

use lab::{Ctx, Report, Row, Typed, Workers};

lab::params! {
    /// A test kind.
    pub struct Params {
        /// What to do: "ok", "error" or "panic".
        pub behave: String = "ok".to_string(),
        /// Workers.
        pub workers: Workers = Workers::Count(1),
    }
}

fn run(_ctx: &Ctx, points: &[Typed<Params>]) -> anyhow::Result<Report> {
    let mut report = Report::new();
    for p in points {
        match p.params.behave.as_str() {
            "panic" => panic!("a task blew up"),
            "error" => anyhow::bail!("the experiment could not go on"),
            _ => report.push(
                Row::new()
                    .param("workers", p.params.workers.get())
                    .metric("answer", 42),
            ),
        }
    }
    Ok(report)
}

fn lesson() -> lab::Lesson {
    lab::Lesson {
        id: "lesson-test",
        title: "test",
        kinds: vec![lab::kind::<Params>("behave", "behaves as told", run)],
    }
}

#[test]
fn a_panicking_or_failing_experiment_does_not_stop_the_others() {
    let src = r#"
lesson = "lesson-test"
[[experiment]]
name = "first"
kind = "behave"
[[experiment]]
name = "panics"
kind = "behave"
behave = "panic"
[[experiment]]
name = "fails"
kind = "behave"
behave = "error"
[[experiment]]
name = "last"
kind = "behave"
"#;
    let lessons = vec![lesson()];
    let config = lab::config::parse(src, "test.toml", &lessons).unwrap();
    let out = std::env::temp_dir().join(format!("lab-failures-{}", std::process::id()));
    let opts = lab::run::RunOptions {
        quick: true,
        only: None,
        out: out.clone(),
        redact: true,
        trace: false,
        tracer: None,
        timeline: None,
    };
    let outcome = lab::run::run(&config, &lessons[0], &opts).unwrap();
    assert_eq!(
        outcome.failed,
        vec!["panics".to_string(), "fails".to_string()]
    );
    let mut written: Vec<String> = std::fs::read_dir(out.join("lesson-test"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        ["first.csv", "first.json", "last.csv", "last.json"]
    );
    std::fs::remove_dir_all(&out).unwrap();
}
