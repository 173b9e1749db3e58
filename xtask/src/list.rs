//! `cargo xtask list [lesson]`: what can be run, and every key a config may set.

use crate::lessons;
use std::process::ExitCode;

pub fn list(lesson: Option<&str>) -> anyhow::Result<ExitCode> {
    let Some(id) = lesson else {
        for entry in lessons::LESSONS {
            let l = (entry.experiments)();
            say!("{:11}{}\n{:11}kinds: {}", l.id, l.title, "", kinds(&l));
            for r in entry.needs {
                say!("{:11}needs: {}", "", r.what);
            }
            if let Some(python) = python_kinds(&l) {
                say!("{:11}python rows: {python}", "");
            }
        }
        say!(
            "\n`cargo xtask list <lesson>` shows a lesson's kinds and keys; `cargo xtask run <lesson>` runs it."
        );
        say!(
            "Python rows run with `python` from a config's [run] (python3 by default, the project's .venv first); `cargo xtask python-setup` makes that .venv with numpy and joblib."
        );
        return Ok(ExitCode::SUCCESS);
    };
    let entry = lessons::find(id)?;
    let lesson = (entry.experiments)();
    say!("{} — {}", lesson.id, lesson.title);
    for r in entry.needs {
        say!("needs: {} (install it with `{}`)", r.what, r.install);
    }
    say!("default config: {}\n", crate::shown(&entry.config()));
    for kind in &lesson.kinds {
        say!("{} — {}", kind.name(), kind.about());
        if let Some(script) = kind.python() {
            say!(
                "  python rows: {}, {} (interpreter: `python` in [run] or in the experiment)",
                script.shown(),
                needs(script)
            );
        }
        let defaults = kind.defaults();
        for key in kind.keys() {
            let default = defaults
                .get(key.name)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into());
            let range = key.range.map(|r| format!(", {r}")).unwrap_or_default();
            say!("  {} ({}, default {default}{range})", key.name, key.ty);
            say!("      {}", key.doc);
        }
        say!("");
    }
    say!(
        "Any key can be swept: [experiment.sweep] {} = [..]; [experiment.quick] overrides keys for --quick.",
        "workers"
    );
    say!(
        "Predict, then measure: [experiment.predict] speedup = [{{ workers = 2, value = 1.8 }}, ..] — quantities: speedup, efficiency, seconds, or any metric column; the run prints predicted vs measured and a score (0-100)."
    );
    Ok(ExitCode::SUCCESS)
}

/// "cpu-bound, io-bound (standard library); pi (needs numpy)", or None.
fn python_kinds(lesson: &lab::Lesson) -> Option<String> {
    let with: Vec<String> = lesson
        .kinds
        .iter()
        .filter_map(|k| Some(format!("{} ({})", k.name(), needs(k.python()?))))
        .collect();
    (!with.is_empty()).then(|| with.join(", "))
}

fn needs(script: &lab::python::Script) -> String {
    if script.modules.is_empty() {
        "standard library".into()
    } else {
        format!("needs {}", script.modules.join(", "))
    }
}

fn kinds(lesson: &lab::Lesson) -> String {
    lesson
        .kinds
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}
