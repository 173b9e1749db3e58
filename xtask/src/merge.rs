//! `cargo xtask merge DIR…`: a class's results folders checked and pooled, for an
//! instructor (see `lab::results::merge`). Bad files are listed with the reason
//! and left out; they do not stop the merge.

use crate::{shown, workspace_root};
use lab::results::merge;
use lab::results::reference::References;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn merge(
    dirs: &[PathBuf],
    out: Option<PathBuf>,
    reference: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    let references = if reference.is_empty() {
        References::of_lessons(&root)
    } else {
        References::from_dirs(reference)
    };
    for (path, problem) in &references.problems {
        eprintln!(
            "warning: reference run {} unreadable: {problem}",
            shown(path)
        );
    }
    let opts = merge::Options {
        references: &references,
        root: &root,
    };
    let merged = merge::merge(dirs, &opts);
    let out = out.unwrap_or_else(|| root.join("results").join("merged"));
    let written = lab::results::pooled::write(&merged, &out)?;

    say!(
        "merge · {} student folder{} · {} reference run{}",
        merged.students.len(),
        if merged.students.len() == 1 { "" } else { "s" },
        references.runs.len(),
        if references.runs.len() == 1 { "" } else { "s" }
    );
    let width = merged
        .students
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    for s in &merged.students {
        let machines: Vec<String> = s.machines.iter().map(|m| m.to_string()).collect();
        say!(
            "  {:width$}  {:>3} experiment{} pooled, {} left out  {}",
            s.name,
            s.pooled,
            if s.pooled == 1 { " " } else { "s" },
            s.left_out,
            machines.join("; ")
        );
    }
    if !merged.left_out.is_empty() {
        say!("\nleft out ({} files):", merged.left_out.len());
        let items: Vec<(&str, &str, &str)> = merged
            .left_out
            .iter()
            .map(|l| (l.student.as_str(), l.file.as_str(), l.reason.as_str()))
            .collect();
        print_grouped(&items);
    }
    if !merged.warnings.is_empty() {
        say!(
            "\nwarnings ({}), pooled all the same:",
            merged.warnings.len()
        );
        let items: Vec<(&str, &str, &str)> = merged
            .warnings
            .iter()
            .map(|w| (w.student.as_str(), w.file.as_str(), w.text.as_str()))
            .collect();
        print_grouped(&items);
    }
    let no_reference: Vec<String> = merged
        .experiments
        .iter()
        .filter(|p| p.reference.is_none())
        .map(|p| p.id())
        .collect();
    if !no_reference.is_empty() {
        say!(
            "\nno reference run, so deterministic values were not checked: {}",
            no_reference.join(", ")
        );
    }
    say!(
        "\npooled {} experiment{}; wrote {} files in {}/ (index.html, merge.json, <lesson>/<experiment>.json, .csv, .svg)",
        merged.experiments.len(),
        if merged.experiments.len() == 1 {
            ""
        } else {
            "s"
        },
        written.len(),
        shown(&out)
    );
    Ok(ExitCode::SUCCESS)
}

/// One line per student and reason, naming the files: a folder of debug-build
/// runs is one line, not thirty.
fn print_grouped(items: &[(&str, &str, &str)]) {
    let mut shown: Vec<(&str, &str)> = Vec::new();
    for (student, _, why) in items {
        if shown.contains(&(student, why)) {
            continue;
        }
        shown.push((student, why));
        let files: Vec<&str> = items
            .iter()
            .filter(|(s, _, w)| s == student && w == why)
            .map(|(_, f, _)| display_file(f))
            .collect();
        let files = match files.as_slice() {
            [first, second, _, ..] => format!("{} files ({first}, {second}, …)", files.len()),
            _ => files.join(", "),
        };
        say!("  {student}: {files}: {why}");
    }
}

fn display_file(file: &str) -> &str {
    if file.is_empty() {
        "(the folder)"
    } else {
        file
    }
}
