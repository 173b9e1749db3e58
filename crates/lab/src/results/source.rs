//! The config a run came from: its `[[experiment]]` text, shown on the report page
//! with its comments, and whether it leaves something to the machine
//! (`workers = "all"`, whose rows and values then depend on the core count).
//!
//! A results file names its config file but does not (yet) carry the config, so
//! it is read from the file as it is now; when the file changed after the run,
//! [`RunConfig::edited_since`] says so.

use super::ExperimentResults;
use std::path::{Path, PathBuf};

/// An experiment's config as its file reads now.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The config file.
    pub path: PathBuf,
    /// The experiment's `[[experiment]]` block (with the comments above it and in
    /// it) and the file's `[run]` block, as written.
    pub text: String,
    /// Its place among the file's experiments (the order a run runs them in).
    pub index: usize,
    /// Whether any of its values is `"all"` (every logical core).
    pub uses_all_cores: bool,
    /// Whether the file was modified after the results file was written.
    pub edited_since: bool,
}

/// The config of `results`, read from its config file (relative paths are taken
/// from `root`, the workspace). `results_path` is the results file, to tell
/// whether the config was edited since. `None` when the file or the experiment
/// is not there any more.
pub fn run_config(
    root: &Path,
    results: &ExperimentResults,
    results_path: &Path,
) -> Option<RunConfig> {
    let path = {
        let p = Path::new(&results.config_file);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        }
    };
    let source = std::fs::read_to_string(&path).ok()?;
    let table: toml::Table = source.parse().ok()?;
    let experiments = table.get("experiment")?.as_array()?;
    let index = experiments.iter().position(|e| {
        e.get("name").and_then(|n| n.as_str()) == Some(results.experiment.as_str())
    })?;
    let uses_all_cores = contains_all(&experiments[index]);
    let mut text = String::new();
    if let Some(run) = block(&source, |l| l == "[run]", 0) {
        text.push_str(&run);
        text.push_str("\n\n");
    }
    match block(&source, |l| l == "[[experiment]]", index) {
        Some(experiment) => text.push_str(&experiment),
        // Written another way (an inline array of tables): show its values.
        None => text.push_str(&experiments[index].to_string()),
    }
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let edited_since = match (modified(&path), modified(results_path)) {
        (Some(config), Some(results)) => config > results,
        _ => false,
    };
    Some(RunConfig {
        path,
        text,
        index,
        uses_all_cores,
        edited_since,
    })
}

fn contains_all(value: &toml::Value) -> bool {
    match value {
        toml::Value::String(s) => s == "all",
        toml::Value::Array(a) => a.iter().any(contains_all),
        toml::Value::Table(t) => t.values().any(contains_all),
        _ => false,
    }
}

/// The `nth` block of `source` that opens with a header line `is_header` accepts:
/// the comment lines right above the header, the header, and every line up to the
/// next `[[experiment]]` or `[run]` header, less the comments and blank lines that
/// belong to what follows.
fn block(source: &str, is_header: impl Fn(&str) -> bool, nth: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let top_level = |l: &str| {
        let l = l.trim();
        l == "[run]"
            || l == "[[experiment]]"
            || (l.starts_with('[') && !l.starts_with("[experiment.") && !l.starts_with("[run."))
    };
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| is_header(l.trim()))
        .map(|(i, _)| i)
        .nth(nth)?;
    let mut first = start;
    while first > 0 && lines[first - 1].trim_start().starts_with('#') {
        first -= 1;
    }
    let mut end = lines[start + 1..]
        .iter()
        .position(|l| top_level(l))
        .map_or(lines.len(), |i| start + 1 + i);
    while end > start + 1 {
        let l = lines[end - 1].trim();
        if l.is_empty() || l.starts_with('#') {
            end -= 1;
        } else {
            break;
        }
    }
    Some(lines[first..end].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"# Lesson 5.
lesson = "lesson-05"

[run]
repeats = 5     # timed runs per point

# Amdahl and Gustafson.
[[experiment]]
name = "models"
kind = "models"

# Fixed total work.
[[experiment]]
name = "strong-scaling"
kind = "strong-scaling"
[experiment.sweep]
workers = [1, "all"]
[experiment.quick]
work_units = 400

# Work per worker fixed.
[[experiment]]
name = "weak-scaling"
kind = "weak-scaling"
"#;

    #[test]
    fn the_experiment_block_comes_with_its_comments_and_the_run_settings() {
        let root = std::env::temp_dir().join(format!("lab-source-{}", std::process::id()));
        std::fs::create_dir_all(root.join("configs")).unwrap();
        std::fs::write(root.join("configs/lesson-05.toml"), CONFIG).unwrap();
        let mut v = super::super::tests::sample();
        v["config_file"] = "configs/lesson-05.toml".into();
        let results = super::super::tests::parse(&v).unwrap();
        let c = run_config(&root, &results, &root.join("nothing.json")).unwrap();
        assert_eq!(
            c.text,
            "[run]\nrepeats = 5     # timed runs per point\n\n# Fixed total work.\n[[experiment]]\nname = \"strong-scaling\"\nkind = \"strong-scaling\"\n[experiment.sweep]\nworkers = [1, \"all\"]\n[experiment.quick]\nwork_units = 400"
        );
        assert!(c.uses_all_cores);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
