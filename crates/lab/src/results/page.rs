//! The report page: `results/index.html`, every run in a results folder on one
//! self-contained page.
//!
//! One section per lesson, one per experiment inside it (in the order its config
//! runs them), each with: the table (params, then every metric, deterministic
//! ones plain and measured ones tinted, then time, spread, speedup and
//! efficiency), the lesson's reference run beside it where there is one, the
//! summary values, the plots inline, the machine, whether the run was `--quick`,
//! and the config as its file reads. A contents list opens the page; files that
//! could not be read close it, with why.

use super::html::{self, escape};
use super::reference::{self, References};
use super::source::{RunConfig, run_config};
use super::{ExperimentResults, Found, Problem, Row, pair_rows, scan};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What the page needs besides the results.
pub struct Options<'a> {
    /// The workspace root: config files named by the results are read from here.
    pub root: &'a Path,
    /// `(lesson id, title)` for the lesson headings.
    pub titles: &'a [(String, String)],
    /// Reference runs to set beside the student's.
    pub references: &'a References,
}

/// What went onto a page.
#[derive(Debug, Default)]
pub struct Summary {
    /// Experiments shown.
    pub experiments: usize,
    /// Lessons shown.
    pub lessons: usize,
    /// Plots inlined.
    pub plots: usize,
    /// Files in the folder that are not usable results files, with why.
    pub unreadable: Vec<(PathBuf, Problem)>,
    /// Experiments whose deterministic values differ from their reference run.
    pub differ_from_reference: Vec<String>,
}

/// One experiment's results with what the page shows beside them.
struct Entry {
    path: PathBuf,
    results: ExperimentResults,
    config: Option<RunConfig>,
    plots: Vec<(String, String)>,
    stale_plots: Vec<String>,
    written: Option<String>,
}

/// Builds the page of every results file in `dir` (see [`scan`]).
pub fn build(dir: &Path, opts: &Options) -> std::io::Result<(String, Summary)> {
    let mut summary = Summary::default();
    let mut entries = Vec::new();
    for Found { path, results } in scan(dir)? {
        match results {
            Ok(results) => {
                let config = run_config(opts.root, &results, &path);
                let written = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(html::utc);
                entries.push(Entry {
                    path,
                    results,
                    config,
                    plots: Vec::new(),
                    stale_plots: Vec::new(),
                    written,
                });
            }
            Err(problem) => summary.unreadable.push((path, problem)),
        }
    }
    attach_plots(&mut entries);
    entries.sort_by(|a, b| {
        let key = |e: &Entry| {
            (
                !e.results.lesson.starts_with("lesson-"),
                e.results.lesson.clone(),
                e.results.config_file.clone(),
                e.config.as_ref().map_or(usize::MAX, |c| c.index),
                e.results.experiment.clone(),
            )
        };
        key(a).cmp(&key(b))
    });

    let mut lessons: Vec<&str> = Vec::new();
    for e in &entries {
        if !lessons.contains(&e.results.lesson.as_str()) {
            lessons.push(&e.results.lesson);
        }
    }
    summary.experiments = entries.len();
    summary.lessons = lessons.len();
    summary.plots = entries.iter().map(|e| e.plots.len()).sum();

    let title_of = |id: &str| {
        opts.titles
            .iter()
            .find(|(l, _)| l == id)
            .map(|(_, t)| t.as_str())
    };
    let mut body = String::new();
    body.push_str(&intro(dir, &entries, &summary));
    body.push_str(&contents(&lessons, &entries, &summary, &title_of));
    if entries.is_empty() {
        body.push_str(
            "<p>No results yet. Run a lesson, e.g. <code>cargo xtask run lesson-01</code>; \
             every run refreshes this page.</p>\n",
        );
    }
    for lesson in &lessons {
        let id = html::anchor(&[lesson]);
        let _ = write!(
            body,
            "<section class=\"lesson\" id=\"{id}\">\n<h2>{}{}</h2>\n",
            escape(lesson),
            title_of(lesson).map_or(String::new(), |t| format!(" · {}", escape(t)))
        );
        for e in entries.iter().filter(|e| e.results.lesson == *lesson) {
            let differs = experiment(&mut body, e, dir, opts);
            if differs {
                summary.differ_from_reference.push(e.results.id());
            }
        }
        body.push_str("</section>\n");
    }
    if !summary.unreadable.is_empty() {
        body.push_str(
            "<section id=\"not-shown\">\n<h2>Files not shown</h2>\n\
             <p class=\"meta\">These files in the results folder are not results files this page can read.</p>\n<ul class=\"problems\">\n",
        );
        for (path, problem) in &summary.unreadable {
            let _ = writeln!(
                body,
                "<li><code>{}</code>: {}</li>",
                escape(&relative(dir, path)),
                escape(&problem.0)
            );
        }
        body.push_str("</ul>\n</section>\n");
    }
    Ok((html::page("parlab · results", &body), summary))
}

/// Builds the page of `dir` and writes it to `dir/index.html` atomically.
pub fn write(dir: &Path, opts: &Options) -> anyhow::Result<(PathBuf, Summary)> {
    use anyhow::Context as _;
    let (page, summary) = build(dir, opts).with_context(|| format!("reading {}", dir.display()))?;
    let path = dir.join("index.html");
    crate::report::write_atomic(&path, page.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok((path, summary))
}

/// Gives each experiment its plots: `<experiment>.svg`, `<experiment>-<name>.svg`
/// and `<experiment>.<name>.svg` in its folder; a file whose name would fit two
/// experiments (`speedup-model.svg` for `speedup` and `speedup-model`) goes to the
/// longer name. A plot older than its results file is from an earlier run.
fn attach_plots(entries: &mut [Entry]) {
    let mut folders: Vec<PathBuf> = entries
        .iter()
        .filter_map(|e| e.path.parent().map(Path::to_path_buf))
        .collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        let mut svgs: Vec<PathBuf> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "svg"))
            .collect();
        svgs.sort();
        for svg in svgs {
            let Some(stem) = svg.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let owner = entries
                .iter_mut()
                .filter(|e| e.path.parent() == Some(folder.as_path()))
                .filter(|e| {
                    let name = e.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
                    stem == name
                        || stem
                            .strip_prefix(name)
                            .is_some_and(|rest| rest.starts_with('-') || rest.starts_with('.'))
                })
                .max_by_key(|e| e.path.as_os_str().len());
            let Some(owner) = owner else { continue };
            let name = svg
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
            let stale = match (modified(&svg), modified(&owner.path)) {
                (Some(plot), Some(results)) => plot + std::time::Duration::from_secs(1) < results,
                _ => false,
            };
            if stale {
                owner.stale_plots.push(name);
                continue;
            }
            if let Some(text) = std::fs::read_to_string(&svg)
                .ok()
                .as_deref()
                .and_then(html::inline_svg)
            {
                owner.plots.push((name, text.to_string()));
            } else {
                owner.stale_plots.push(name);
            }
        }
    }
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

fn intro(dir: &Path, entries: &[Entry], summary: &Summary) -> String {
    let mut machines: Vec<String> = entries
        .iter()
        .map(|e| e.results.machine.to_string())
        .collect();
    machines.sort();
    machines.dedup();
    let machines = match machines.len() {
        0 => String::new(),
        1 => format!(" Measured on one machine: {}.", escape(&machines[0])),
        n => format!(
            " Measured on {n} machines: {}.",
            escape(&machines.join("; "))
        ),
    };
    let quick = entries.iter().filter(|e| e.results.quick).count();
    let quick = match quick {
        0 => String::new(),
        n if n == entries.len() => {
            " Every run here was <span class=\"badge quick\">quick</span>.".into()
        }
        n => format!(" {n} of them <span class=\"badge quick\">quick</span>."),
    };
    let written = html::utc(std::time::SystemTime::now()).unwrap_or_default();
    format!(
        "<header>\n<h1>parlab · results</h1>\n\
         <p class=\"intro\">{} experiment{} of {} lesson{} from <code>{}</code>.{machines}{quick} \
         Page written {written}; every <code>cargo xtask run</code> rewrites it.</p>\n\
         <p class=\"key\"><span class=\"d\">≡ deterministic</span> the same on every run and every machine; \
         the lesson's reference run checks them (✓) · \
         <span class=\"m\">≈ measured</span> varies from run to run: times, rates, scheduling counters · \
         <span class=\"ref-key\">ref</span>: the value in the lesson README's reference run · \
         <span class=\"badge quick\">quick</span> a <code>--quick</code> run: small sizes and one timed run, so its times say little.</p>\n\
         </header>\n",
        summary.experiments,
        plural(summary.experiments),
        summary.lessons,
        plural(summary.lessons),
        escape(&dir.display().to_string()),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn contents<'a>(
    lessons: &[&str],
    entries: &[Entry],
    summary: &Summary,
    title_of: &dyn Fn(&str) -> Option<&'a str>,
) -> String {
    if lessons.is_empty() && summary.unreadable.is_empty() {
        return String::new();
    }
    let mut out = String::from("<nav class=\"contents\">\n<h2>Contents</h2>\n<ol>\n");
    for lesson in lessons {
        let _ = write!(
            out,
            "<li><a href=\"#{}\">{}</a>{}\n<ol>\n",
            html::anchor(&[lesson]),
            escape(lesson),
            title_of(lesson).map_or(String::new(), |t| format!(" · {}", escape(t)))
        );
        for e in entries.iter().filter(|e| e.results.lesson == *lesson) {
            let quick = if e.results.quick {
                " <span class=\"badge quick\">quick</span>"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\">{}</a>{quick}</li>",
                html::anchor(&[lesson, &e.results.experiment]),
                escape(&e.results.experiment)
            );
        }
        out.push_str("</ol>\n</li>\n");
    }
    if !summary.unreadable.is_empty() {
        let _ = writeln!(
            out,
            "<li><a href=\"#not-shown\">Files not shown ({})</a></li>",
            summary.unreadable.len()
        );
    }
    out.push_str("</ol>\n</nav>\n");
    out
}

/// Writes one experiment's section; returns whether it differs from its
/// reference run.
fn experiment(out: &mut String, e: &Entry, dir: &Path, opts: &Options) -> bool {
    let r = &e.results;
    let _ = write!(
        out,
        "<section class=\"experiment\" id=\"{}\" data-experiment=\"{}\">\n<h3>{}",
        html::anchor(&[&r.lesson, &r.experiment]),
        escape(&r.id()),
        escape(&r.experiment)
    );
    if r.quick {
        out.push_str(
            " <span class=\"badge quick\" title=\"--quick: small sizes and one timed run\">quick</span>",
        );
    }
    if r.machine.profile != "release" {
        out.push_str(
            " <span class=\"badge debug\" title=\"timings from an unoptimized build say little\">debug build</span>",
        );
    }
    if !r.warnings.is_empty() {
        out.push_str(
            " <span class=\"badge quick\" title=\"its timings say less than they seem: see below\">noisy</span>",
        );
    }
    out.push_str("</h3>\n");
    if !r.warnings.is_empty() {
        out.push_str("<ul class=\"noise\">\n");
        for w in &r.warnings {
            let _ = writeln!(out, "<li>⚠ {}</li>", escape(&w.message));
        }
        out.push_str("</ul>\n");
    }

    let repeats: Vec<u32> = r
        .rows
        .iter()
        .filter_map(|row| row.timing.map(|t| t.repeats))
        .collect();
    let repeats = match (repeats.iter().min(), repeats.iter().max()) {
        (Some(a), Some(b)) if a == b => {
            format!(" · {a} timed run{} per row", if *a == 1 { "" } else { "s" })
        }
        (Some(a), Some(b)) => format!(" · {a}–{b} timed runs per row"),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">kind <code>{}</code> · {}{repeats}{} · <code>{}</code></p>",
        escape(&r.kind),
        escape(&r.machine.to_string()),
        e.written
            .as_ref()
            .map_or(String::new(), |w| format!(" · written {w}")),
        escape(&relative(dir, &e.path))
    );

    // The reference run, when one applies.
    let mut differs = false;
    let reference = match opts.references.for_run(r) {
        Ok((path, reference)) => {
            let checked = reference::check(r, reference);
            let shown_path = path
                .strip_prefix(opts.root)
                .unwrap_or(path)
                .display()
                .to_string();
            if checked.holds() {
                let _ = writeln!(
                    out,
                    "<p class=\"meta\"><span class=\"badge ok\">✓ reproduces the reference run</span> \
                     all {} deterministic values equal · reference measured on {} · <code>{}</code></p>",
                    checked.determinism.equal,
                    escape(&reference.machine.to_string()),
                    escape(&shown_path)
                );
            } else {
                differs = true;
                let _ = writeln!(
                    out,
                    "<p class=\"meta\"><span class=\"badge bad\">✗ differs from the reference run</span> \
                     reference measured on {} · <code>{}</code></p>\n<ul class=\"problems\">",
                    escape(&reference.machine.to_string()),
                    escape(&shown_path)
                );
                let problems = checked.problems();
                for p in problems.iter().take(8) {
                    let _ = writeln!(out, "<li>{}</li>", escape(p));
                }
                if problems.len() > 8 {
                    let _ = writeln!(out, "<li>… and {} more</li>", problems.len() - 8);
                }
                out.push_str("</ul>\n");
            }
            Some(reference)
        }
        Err(why) => {
            let _ = writeln!(
                out,
                "<p class=\"meta\"><span class=\"badge none\">no reference</span> {}</p>",
                escape(&why)
            );
            None
        }
    };

    table(out, r, reference);
    summary_values(out, r, reference);

    for (name, svg) in &e.plots {
        let _ = writeln!(
            out,
            "<figure class=\"plot\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>",
            escape(name)
        );
    }
    if !e.stale_plots.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"meta\">Not shown: {} (older than these results, or not a whole SVG file).</p>",
            escape(&e.stale_plots.join(", "))
        );
    }
    match &e.config {
        Some(c) => {
            let edited = if c.edited_since {
                " <span class=\"badge quick\">edited since this run</span>"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<details>\n<summary>config: <code>{}</code>{edited}</summary>\n<pre>{}</pre>\n</details>",
                escape(&r.config_file),
                escape(&c.text)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<p class=\"meta\">config: <code>{}</code> (not found now)</p>",
                escape(&r.config_file)
            );
        }
    }
    out.push_str("</section>\n");
    differs
}

/// The rows as a table: params, metrics, then timing and speedup columns, with
/// the reference run's values under the student's.
fn table(out: &mut String, r: &ExperimentResults, reference: Option<&ExperimentResults>) {
    if r.rows.is_empty() {
        out.push_str("<p class=\"meta\">No rows.</p>\n");
        return;
    }
    let params = r.param_keys();
    let metrics: Vec<&str> = r
        .metric_keys()
        .into_iter()
        .filter(|k| !params.contains(k))
        .collect();
    let timed = r.rows.iter().any(|row| row.timing.is_some());
    let scaled = r.rows.iter().any(|row| row.speedup.is_some());
    // The sort of each metric: the reference's word where there is one.
    let measured =
        |k: &str| reference.map_or(r.is_measured(k), |x| x.is_measured(k) || r.is_measured(k));

    out.push_str("<div class=\"table-wrap\">\n<table>\n<thead><tr>");
    for k in &params {
        out.push_str(&html::header(k, "p", ""));
    }
    // A column of words reads left-aligned, numbers right-aligned.
    let words = |k: &str| {
        r.rows
            .iter()
            .filter_map(|row| row.metrics.get(k))
            .all(html::is_text)
    };
    for k in &metrics {
        let t = if words(k) { " t" } else { "" };
        if measured(k) {
            out.push_str(&html::header(k, &format!("m{t}"), "≈"));
        } else {
            out.push_str(&html::header(k, &format!("d{t}"), "≡"));
        }
    }
    if timed {
        out.push_str(&html::header("time_ms", "m", "≈"));
        out.push_str(&html::header("spread_%", "m", "≈"));
    }
    if scaled {
        out.push_str(&html::header("speedup", "m", "≈"));
        out.push_str(&html::header("efficiency", "m", "≈"));
    }
    out.push_str("</tr></thead>\n<tbody>\n");

    let refs: Vec<Option<&Row>> = match reference {
        Some(reference) => {
            let paired = pair_rows(r, reference);
            r.rows
                .iter()
                .map(|row| {
                    paired
                        .both
                        .iter()
                        .find(|(_, mine, _)| std::ptr::eq(*mine, row))
                        .map(|(_, _, theirs)| *theirs)
                })
                .collect()
        }
        None => vec![None; r.rows.len()],
    };
    let under = |text: String| format!("<span class=\"ref\">ref {text}</span>");
    for (row, reference_row) in r.rows.iter().zip(refs) {
        out.push_str("<tr>");
        for k in &params {
            let _ = write!(
                out,
                "<td class=\"p\">{}</td>",
                row.params.get(k).map_or(String::new(), html::value)
            );
        }
        for k in &metrics {
            let Some(v) = row.metrics.get(k) else {
                out.push_str(if measured(k) {
                    "<td class=\"m\"></td>"
                } else {
                    "<td></td>"
                });
                continue;
            };
            let text_class = match (words(k), html::value(v).len() > 24) {
                (true, true) => " t text",
                (true, false) => " t",
                _ => "",
            };
            let theirs = reference_row.and_then(|x| x.metrics.get(k));
            if measured(k) {
                let beside = theirs.map_or(String::new(), |t| under(html::value(t)));
                let _ = write!(
                    out,
                    "<td class=\"m{text_class}\">{}{beside}</td>",
                    html::value(v)
                );
            } else {
                match theirs {
                    Some(t) if super::same_value(v, t) => {
                        let _ = write!(
                            out,
                            "<td class=\"d{text_class}\">{}<span class=\"tick\" title=\"the reference run has the same\">✓</span></td>",
                            html::value(v)
                        );
                    }
                    Some(t) => {
                        let _ = write!(
                            out,
                            "<td class=\"bad{text_class}\" title=\"differs from the reference run\">{}{}</td>",
                            html::value(v),
                            under(html::value(t))
                        );
                    }
                    None if reference_row.is_some() => {
                        let _ = write!(
                            out,
                            "<td class=\"bad{text_class}\" title=\"the reference run has no such value\">{}{}</td>",
                            html::value(v),
                            under("–".into())
                        );
                    }
                    None => {
                        let _ = write!(out, "<td class=\"d{text_class}\">{}</td>", html::value(v));
                    }
                }
            }
        }
        let beside = |x: Option<f64>, show: &dyn Fn(f64) -> String| {
            x.map_or(String::new(), |x| under(show(x)))
        };
        if timed {
            match row.timing {
                Some(t) => {
                    let theirs = reference_row.and_then(|x| x.timing);
                    let noisy = t.repeats >= 2 && t.spread() > crate::noise::SPREAD_LIMIT;
                    let spread_cell = if noisy {
                        "m noisy\" title=\"the repeats spread widely: see the noise warning above"
                    } else {
                        "m"
                    };
                    let _ = write!(
                        out,
                        "<td class=\"m\">{}{}</td><td class=\"{spread_cell}\">{}{}</td>",
                        html::number(t.median_s * 1e3),
                        beside(theirs.map(|t| t.median_s * 1e3), &html::number),
                        format_args!("{:.0}", t.spread() * 100.0),
                        beside(theirs.map(|t| t.spread() * 100.0), &|s| format!("{s:.0}")),
                    );
                }
                None => out.push_str("<td class=\"m\"></td><td class=\"m\"></td>"),
            }
        }
        if scaled {
            let two = |x: f64| format!("{x:.2}");
            for (mine, theirs) in [
                (row.speedup, reference_row.and_then(|x| x.speedup)),
                (row.efficiency, reference_row.and_then(|x| x.efficiency)),
            ] {
                let _ = write!(
                    out,
                    "<td class=\"m\">{}{}</td>",
                    mine.map_or(String::new(), two),
                    beside(theirs, &two)
                );
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// Experiment-wide values, each marked deterministic or measured.
fn summary_values(out: &mut String, r: &ExperimentResults, reference: Option<&ExperimentResults>) {
    if r.summary.0.is_empty() {
        return;
    }
    out.push_str("<dl class=\"summary\">\n");
    for (k, v) in &r.summary.0 {
        let measured = r.is_measured(k) || reference.is_some_and(|x| x.is_measured(k));
        let theirs = reference.and_then(|x| x.summary.get(k));
        let (class, mark) = if measured { ("m", "≈") } else { ("d", "≡") };
        let beside = match theirs {
            Some(t) if !measured && super::same_value(v, t) => {
                " <span class=\"tick\" title=\"the reference run has the same\">✓</span>"
                    .to_string()
            }
            Some(t) if !measured => format!(
                " <span class=\"badge bad\" title=\"differs from the reference run\">ref {}</span>",
                html::value(t)
            ),
            Some(t) => format!(" <span class=\"muted\">(ref {})</span>", html::value(t)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "<dt><span class=\"{class}\">{mark} {}</span></dt><dd class=\"{class}\">{}{beside}</dd>",
            escape(k),
            html::value(v)
        );
    }
    out.push_str("</dl>\n");
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::sample;
    use super::*;

    /// Parses a page as XML (it must be well-formed) and checks what every page
    /// promises: links inside the page lead somewhere, ids are unique, nothing is
    /// loaded from anywhere, and every table row has as many cells as its header.
    /// Returns the `data-experiment` of every experiment section.
    pub(crate) fn check_page(page: &str) -> Vec<String> {
        // `<!DOCTYPE html>` is a DTD to an XML parser: allowed, nothing in it.
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let doc = roxmltree::Document::parse_with_options(page, options)
            .unwrap_or_else(|e| panic!("not well-formed: {e}"));
        let mut ids = std::collections::BTreeSet::new();
        for node in doc.descendants().filter(|n| n.is_element()) {
            if let Some(id) = node.attribute("id") {
                assert!(ids.insert(id.to_string()), "id {id} twice");
            }
            let name = node.tag_name().name();
            assert!(
                !["script", "link", "img", "iframe", "object", "embed"].contains(&name),
                "a page loads nothing, but has <{name}>"
            );
            assert!(
                node.attribute("src").is_none(),
                "<{name} src=…> loads something"
            );
        }
        for a in doc.descendants().filter(|n| n.has_tag_name("a")) {
            let href = a.attribute("href").unwrap_or_default();
            if let Some(target) = href.strip_prefix('#') {
                assert!(ids.contains(target), "link to #{target} leads nowhere");
            }
        }
        for table in doc.descendants().filter(|n| n.has_tag_name("table")) {
            let rows: Vec<usize> = table
                .descendants()
                .filter(|n| n.has_tag_name("tr"))
                .map(|tr| {
                    tr.children()
                        .filter(|c| c.has_tag_name("td") || c.has_tag_name("th"))
                        .count()
                })
                .collect();
            assert!(
                rows.iter().all(|n| *n == rows[0]),
                "a table with ragged rows: {rows:?}"
            );
        }
        assert!(!page.contains("url("), "CSS loads nothing");
        doc.descendants()
            .filter(|n| n.has_tag_name("section") && n.attribute("class") == Some("experiment"))
            .map(|n| {
                n.attribute("data-experiment")
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lab-page-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("lesson-05")).unwrap();
        std::fs::write(
            dir.join("lesson-05/strong-scaling.json"),
            sample().to_string(),
        )
        .unwrap();
        let mut models = sample();
        models["experiment"] = "models".into();
        models["kind"] = "models".into();
        models["note"] = "<b>not markup</b> & co".into();
        models["rows"][0]["params"]["workers"] = "<1>".into();
        std::fs::write(dir.join("lesson-05/models.json"), models.to_string()).unwrap();
        std::fs::write(dir.join("lesson-05/broken.json"), "{\"lesson\": 5}").unwrap();
        let plot = crate::Plot::new("speedup", "workers", "speedup").series(crate::Series::new(
            "measured",
            crate::Style::LinePoints,
            vec![(1.0, 1.0), (2.0, 1.8)],
        ));
        std::fs::write(
            dir.join("lesson-05/strong-scaling.svg"),
            plot.to_svg().unwrap(),
        )
        .unwrap();
        dir
    }

    #[test]
    fn every_experiment_has_its_section_table_plot_and_marks() {
        let dir = folder("sections");
        let titles = [("lesson-05".to_string(), "the limits of speedup".to_string())];
        let refs = References::default();
        let opts = Options {
            root: &dir,
            titles: &titles,
            references: &refs,
        };
        let (page, summary) = build(&dir, &opts).unwrap();
        let sections = check_page(&page);
        assert_eq!(sections, ["lesson-05/models", "lesson-05/strong-scaling"]);
        assert_eq!(
            (summary.experiments, summary.lessons, summary.plots),
            (2, 1, 1)
        );
        assert_eq!(summary.unreadable.len(), 1);
        assert!(page.contains("lesson-05 · the limits of speedup"));
        assert!(
            page.contains("<code>lesson-05/broken.json</code>: lesson: invalid type: integer `5`"),
            "the unreadable file is listed with why"
        );
        assert!(page.contains("title=\"checksum: deterministic, the same on every run\">"));
        assert!(page.contains("title=\"karp_flatt: measured, varies from run to run\">"));
        assert!(
            page.contains("<span class=\"badge quick\""),
            "a quick run says so"
        );
        assert!(page.contains("2 logical cores · linux x86_64 · release build"));
        assert!(
            page.contains("&lt;1&gt;") && !page.contains("<1>"),
            "values are escaped"
        );
        assert!(
            page.contains("<figure class=\"plot\">\n<svg"),
            "the plot is inline"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_reference_run_sits_beside_the_students_values_and_a_difference_shows() {
        let dir = folder("reference");
        let mut reference = sample();
        reference["rows"][1]["timing"]["median_s"] = 0.23.into();
        let refs = References {
            runs: vec![(
                dir.join("ref.json"),
                super::super::tests::parse(&reference).unwrap(),
            )],
            problems: vec![],
        };
        let opts = Options {
            root: &dir,
            titles: &[],
            references: &refs,
        };
        let (page, summary) = build(&dir, &opts).unwrap();
        check_page(&page);
        assert!(page.contains("✓ reproduces the reference run"), "{page}");
        assert!(
            page.contains("<span class=\"ref\">ref 230</span>"),
            "the reference's time beside the student's"
        );
        assert!(summary.differ_from_reference.is_empty());

        reference["rows"][1]["metrics"]["checksum"] = 41.into();
        let refs = References {
            runs: vec![(
                dir.join("ref.json"),
                super::super::tests::parse(&reference).unwrap(),
            )],
            problems: vec![],
        };
        let opts = Options {
            root: &dir,
            titles: &[],
            references: &refs,
        };
        let (page, summary) = build(&dir, &opts).unwrap();
        check_page(&page);
        assert!(page.contains("✗ differs from the reference run"));
        assert!(page.contains("<li>checksum at workers=2 is 42, the reference run has 41</li>"));
        assert!(page.contains("<td class=\"bad\" title=\"differs from the reference run\">42<span class=\"ref\">ref 41</span></td>"));
        assert_eq!(summary.differ_from_reference, ["lesson-05/strong-scaling"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn noise_warnings_show_with_a_badge_and_the_noisy_spread_is_marked() {
        let dir = folder("noise");
        let mut noisy = sample();
        noisy["rows"][1]["timing"]["max_s"] = 0.4.into();
        noisy["warnings"] = serde_json::json!([
            {"kind": "spread", "rows": [1], "message": "1 of 2 timed rows spread <more>; run again"},
            {"kind": "busy_during", "message": "other processes used 60 % of the CPU"}
        ]);
        std::fs::write(dir.join("lesson-05/strong-scaling.json"), noisy.to_string()).unwrap();
        let refs = References::default();
        let opts = Options {
            root: &dir,
            titles: &[],
            references: &refs,
        };
        let (page, _) = build(&dir, &opts).unwrap();
        check_page(&page);
        let section = page
            .split("data-experiment=\"lesson-05/strong-scaling\"")
            .nth(1)
            .unwrap();
        assert!(section.contains(">noisy</span>"), "{section}");
        assert!(section.contains("<li>⚠ 1 of 2 timed rows spread &lt;more&gt;; run again</li>"));
        assert!(section.contains("<li>⚠ other processes used 60 % of the CPU</li>"));
        // Row 2's repeats spread (0.4 − 0.21) / 0.22 = 86 %; row 1's 18 % is not marked.
        assert_eq!(section.matches("class=\"m noisy\"").count(), 1);
        assert!(section.contains(
            "noisy\" title=\"the repeats spread widely: see the noise warning above\">86<"
        ));
        let quiet = folder("quiet");
        let (page, _) = build(&quiet, &opts).unwrap();
        assert!(!page.contains(">noisy</span>") && !page.contains("class=\"noise\""));
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&quiet).unwrap();
    }

    #[test]
    fn an_empty_folder_gives_a_page_that_says_what_to_run() {
        let dir = std::env::temp_dir().join(format!("lab-page-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let refs = References::default();
        let (page, _) = build(
            &dir,
            &Options {
                root: &dir,
                titles: &[],
                references: &refs,
            },
        )
        .unwrap();
        assert!(check_page(&page).is_empty());
        assert!(page.contains("cargo xtask run lesson-01"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
