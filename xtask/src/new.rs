//! `cargo xtask new <lesson> <name>`: write `studies/<name>.toml`, a config with
//! one experiment of every kind of the lesson and every key commented, ready to
//! edit. `studies/` holds a student's own configs: git ignores them (as it does
//! `results/`) and the tests never read them, so a study neither shows up as a
//! change to the course nor breaks `cargo test`. `configs/` holds the lessons'
//! defaults, one per lesson, which the tests cover.

use anyhow::{Context, bail};
use std::fmt::Write as _;
use std::process::ExitCode;

pub fn new(
    lesson_id: &str,
    name: &str,
    dir: Option<std::path::PathBuf>,
) -> anyhow::Result<ExitCode> {
    let entry = crate::lessons::find(lesson_id)?;
    let all = crate::lessons::all();
    let lesson = (entry.experiments)();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("\"{name}\" cannot name a config file: use letters, digits, `-` and `_`");
    }
    let dir = dir.unwrap_or_else(crate::studies_dir);
    let path = dir.join(format!("{name}.toml"));
    if path.exists() {
        bail!(
            "{} exists already; pick another name or edit that file",
            crate::shown(&path)
        );
    }
    // The lesson's own config supplies sensible sweeps and quick sizes.
    let default_path = entry.config();
    let defaults = lab::config::load(&default_path, &crate::shown(&default_path), &all)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("reading the defaults of {lesson_id}"))?;

    let mut text = String::new();
    let _ = writeln!(
        text,
        "# {name}: an experiment design for {} — {}",
        lesson.id, lesson.title
    );
    let _ = writeln!(
        text,
        "# Run it:   cargo xtask run {}      (--quick for small sizes)",
        crate::shown(&path)
    );
    let _ = writeln!(text, "# Keys:     cargo xtask list {}", lesson.id);
    let _ = writeln!(
        text,
        "# Delete the experiments you don't need; sweep any key under [experiment.sweep]."
    );
    let _ = writeln!(
        text,
        "# Predict, then measure: before a run, uncomment an experiment's [experiment.predict]\n\
         # and write what you expect. The run prints predicted against measured with the\n\
         # error, and a score (100 exact, 50 off by a factor of 2). Quantities: speedup and\n\
         # efficiency (rows timed against one worker), seconds (a row's median time), or\n\
         # any metric column of the table; params pick the rows, as the table names them.\n"
    );
    let _ = writeln!(text, "lesson = \"{}\"\n", lesson.id);
    let _ = writeln!(
        text,
        "[run]\nrepeats = {}    # timed runs per point, 1 to 1000; tables show the median",
        defaults.plan.repeats
    );
    let _ = writeln!(
        text,
        "warmup = {}     # untimed runs before timing, 0 to 100",
        defaults.plan.warmup
    );
    for kind in &lesson.kinds {
        let base = defaults.experiments.iter().find(|e| e.kind == kind.name());
        let kind_defaults = kind.defaults();
        let _ = writeln!(text, "\n# {} — {}", kind.name(), kind.about());
        let _ = writeln!(
            text,
            "[[experiment]]\nname = \"{}\"\nkind = \"{}\"",
            kind.name(),
            kind.name()
        );
        let swept: Vec<&str> = base
            .map(|b| b.sweep.iter().map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default();
        for key in kind.keys() {
            if swept.contains(&key.name) {
                continue;
            }
            let value = base
                .and_then(|b| b.params.get(key.name))
                .or_else(|| kind_defaults.get(key.name));
            comment(&mut text, &key);
            match value {
                Some(v) => {
                    let _ = writeln!(text, "{} = {v}", key.name);
                }
                None => {
                    let _ = writeln!(text, "# {} = ...", key.name);
                }
            }
        }
        timeline_line(&mut text, base);
        if let Some(b) = base {
            if !b.sweep.is_empty() {
                let _ = writeln!(text, "[experiment.sweep]");
                for (k, values) in &b.sweep {
                    if let Some(key) = kind.keys().into_iter().find(|d| d.name == k) {
                        comment(&mut text, &key);
                    }
                    let list: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                    let _ = writeln!(text, "{k} = [{}]", list.join(", "));
                }
            }
            if !b.quick.is_empty() {
                let _ = writeln!(text, "[experiment.quick]   # used by --quick");
                for (k, v) in &b.quick {
                    let _ = writeln!(text, "{k} = {v}");
                }
            }
        }
        predict_section(&mut text, base);
    }
    // The file we write must load: check it before writing.
    lab::config::parse(&text, &crate::shown(&path), &all)
        .map_err(|e| anyhow::anyhow!("internal error, the generated config does not load:\n{e}"))?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    lab::report::write_atomic(&path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    say!("wrote {}", crate::shown(&path));
    say!("run it: cargo xtask run {}", crate::shown(&path));
    Ok(ExitCode::SUCCESS)
}

/// `timeline = { ... }`, commented: which rows a traced run's timeline draws.
/// A key of the experiment, so it comes before its tables.
fn timeline_line(text: &mut String, base: Option<&lab::config::Experiment>) {
    let axis = base.and_then(|b| {
        b.sweep
            .iter()
            .find(|(k, _)| k == "workers")
            .or(b.sweep.first())
    });
    if let Some((key, values)) = axis {
        let _ = writeln!(
            text,
            "# timeline = {{ {key} = {} }}   # with --trace: the rows the timeline draws (default: the most workers)",
            values[0]
        );
    }
}

/// `[experiment.predict]`, commented: what can be predicted, at which params.
fn predict_section(text: &mut String, base: Option<&lab::config::Experiment>) {
    let _ = writeln!(
        text,
        "# [experiment.predict]   # predict first (see the top of this file), then run"
    );
    let axis = base.and_then(|b| b.sweep.first());
    match axis {
        Some((key, values)) => {
            let points: Vec<String> = values
                .iter()
                .skip(1)
                .take(2)
                .map(|v| format!("{{ {key} = {v}, value = ... }}"))
                .collect();
            let points = if points.is_empty() {
                format!("{{ {key} = {}, value = ... }}", values[0])
            } else {
                points.join(", ")
            };
            let _ = writeln!(text, "# speedup = [{points}]");
        }
        None => {
            let _ = writeln!(text, "# <a metric column> = {{ value = ... }}");
        }
    }
}

fn comment(text: &mut String, key: &lab::KeyDoc) {
    let range = key
        .range
        .as_ref()
        .map(|r| format!("; {r}"))
        .unwrap_or_default();
    let _ = writeln!(text, "# {} ({}{range})", key.doc, key.ty);
}
