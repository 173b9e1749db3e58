//! What `merge` writes: each pooled experiment as JSON and CSV (every student's
//! rows, with the student and the machine), its plot (speedup against workers,
//! one curve per kind of machine, each student a point), and the class page
//! (students, files left out with why, warnings, and per experiment the median
//! and range over students of every measured value).

use super::Fields;
use super::html::{self, escape};
use super::merge::{LeftOut, Merged, Pool, PooledRow, Student, Warning};
use crate::plot::{Plot, Scale, Series, Style};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A machine as a curve's name: cores, OS and CPU.
fn machine_group(m: &super::Machine) -> String {
    format!("{} cores · {} {}", m.logical_cores, m.os, m.arch)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The pooled experiment's plot: speedup against workers where the rows have
/// both, else the median time against the first numeric param. One curve (the
/// median over students) per kind of machine and setting of the other params,
/// each student's value a point.
pub fn plot(pool: &Pool) -> Option<Plot> {
    let speedups = pool
        .rows
        .iter()
        .any(|r| r.speedup.is_some() && r.params.get("workers").and_then(|w| w.as_f64()).is_some());
    type Value = fn(&PooledRow) -> Option<f64>;
    let (x_key, y_of, y_label): (String, Value, &str) = if speedups {
        (
            "workers".into(),
            |r| r.speedup,
            "speedup T1/TP (×, median over students)",
        )
    } else {
        let x = pool
            .rows
            .iter()
            .filter(|r| r.timing.is_some())
            .flat_map(|r| r.params.0.iter())
            .find(|(_, v)| v.is_number())
            .map(|(k, _)| k.clone())?;
        (
            x,
            |r| r.timing.map(|t| t.median_s * 1e3),
            "time (ms, median over students)",
        )
    };
    let x_of = |r: &PooledRow| r.params.get(&x_key).and_then(|v| v.as_f64());
    // Curves: kind of machine × the other params' values.
    let mut curves: BTreeMap<String, BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
    let mut points: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in &pool.rows {
        let (Some(x), Some(y)) = (x_of(r), y_of(r)) else {
            continue;
        };
        let others: Vec<String> = r
            .params
            .0
            .iter()
            .filter(|(k, _)| *k != x_key)
            .map(|(k, v)| format!("{k}={}", super::plain(v)))
            .collect();
        let mut label = machine_group(&r.machine);
        if !others.is_empty() {
            let _ = write!(label, " · {}", others.join(", "));
        }
        curves
            .entry(label.clone())
            .or_default()
            .entry(x.to_bits())
            .or_default()
            .push(y);
        points.entry(label).or_default().push((x, y));
    }
    if curves.is_empty() {
        return None;
    }
    let students_per_curve = |label: &str| {
        let mut s: Vec<&str> = pool
            .rows
            .iter()
            .filter(|r| label.starts_with(&machine_group(&r.machine)))
            .map(|r| r.student.as_str())
            .collect();
        s.sort();
        s.dedup();
        s.len()
    };
    let xs: Vec<f64> = points.values().flatten().map(|p| p.0).collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::INFINITY, 0f64), |(l, h), x| (l.min(*x), h.max(*x)));
    let log_x = lo > 0.0 && hi / lo >= 8.0;
    let x_scale = match (log_x, speedups) {
        (true, true) => Scale::Log2,
        (true, false) => Scale::Log10,
        _ => Scale::Linear,
    };
    let title = format!(
        "{} · {} across the class ({} student{})",
        pool.id(),
        if speedups { "speedup" } else { "time" },
        pool.students.len(),
        if pool.students.len() == 1 { "" } else { "s" }
    );
    let x_label = match super::html::label_and_unit(&x_key) {
        (words, Some(unit)) => format!("{words} ({unit})"),
        (words, None) if x_key == "workers" => format!("{words} (count)"),
        (words, None) => words,
    };
    let mut plot = Plot::new(title, x_label, y_label).scales(x_scale, Scale::Linear);
    let few = curves.len() <= 4;
    let drawn = curves.len().min(10);
    for (i, (label, by_x)) in curves.into_iter().enumerate().take(10) {
        let mut line: Vec<(f64, f64)> = by_x
            .into_iter()
            .map(|(x, mut ys)| (f64::from_bits(x), median(&mut ys)))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = students_per_curve(&label);
        plot = plot.series(
            Series::new(
                format!("{label} ({n} student{})", if n == 1 { "" } else { "s" }),
                Style::LinePoints,
                line,
            )
            .color(i),
        );
        if few {
            let each = points.remove(&label).unwrap_or_default();
            plot = plot.series(
                Series::new(format!("{label}: each student"), Style::Points, each).color(i),
            );
        }
    }
    if speedups {
        plot = plot.series(
            Series::new(
                "ideal: speedup = workers",
                Style::Dashed,
                vec![(lo, lo), (hi, hi)],
            )
            // Palette colour 2 (yellow) is faint on white: the ideal line takes
            // blue, or the first colour no curve has.
            .color(if drawn <= 3 { 3 } else { drawn }),
        );
    }
    Some(plot)
}

/// The pooled rows as CSV: student and machine, params, metrics, timing.
pub fn csv(pool: &Pool) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for r in &pool.rows {
        for k in r.params.keys().chain(r.metrics.keys()) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = ["student", "logical_cores", "os", "arch"]
        .iter()
        .map(|s| s.to_string())
        .chain(keys.iter().map(|k| field(k)))
        .chain(
            [
                "median_s",
                "min_s",
                "max_s",
                "repeats",
                "speedup",
                "efficiency",
            ]
            .map(String::from),
        )
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &pool.rows {
        let mut line = vec![
            field(&r.student),
            r.machine.logical_cores.to_string(),
            field(&r.machine.os),
            field(&r.machine.arch),
        ];
        for k in &keys {
            line.push(match r.params.get(k).or_else(|| r.metrics.get(k)) {
                Some(serde_json::Value::String(s)) => field(s),
                Some(v) => field(&v.to_string()),
                None => String::new(),
            });
        }
        let opt = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
        line.push(opt(r.timing.map(|t| t.median_s)));
        line.push(opt(r.timing.map(|t| t.min_s)));
        line.push(opt(r.timing.map(|t| t.max_s)));
        line.push(r.timing.map_or(String::new(), |t| t.repeats.to_string()));
        line.push(opt(r.speedup));
        line.push(opt(r.efficiency));
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Writes the merge into `out`: `index.html`, `merge.json` (students, files left
/// out, warnings), and per experiment `<lesson>/<experiment>.json`, `.csv` and,
/// where there is something to plot, `.svg`. Returns the files written.
pub fn write(merged: &Merged, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context as _;
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut plots: Vec<Option<String>> = Vec::new();
    for pool in &merged.experiments {
        let dir = out.join(&pool.lesson);
        let mut json = serde_json::to_string_pretty(pool)?;
        json.push('\n');
        files.push((
            dir.join(format!("{}.json", pool.experiment)),
            json.into_bytes(),
        ));
        files.push((
            dir.join(format!("{}.csv", pool.experiment)),
            csv(pool).into_bytes(),
        ));
        let svg = match plot(pool) {
            Some(p) => Some(
                p.to_svg()
                    .with_context(|| format!("drawing the plot of {}", pool.id()))?,
            ),
            None => None,
        };
        if let Some(svg) = &svg {
            files.push((
                dir.join(format!("{}.svg", pool.experiment)),
                svg.clone().into_bytes(),
            ));
        }
        plots.push(svg);
    }
    #[derive(Serialize)]
    struct Index<'a> {
        students: &'a [Student],
        left_out: &'a [LeftOut],
        warnings: &'a [Warning],
        experiments: Vec<String>,
    }
    let mut json = serde_json::to_string_pretty(&Index {
        students: &merged.students,
        left_out: &merged.left_out,
        warnings: &merged.warnings,
        experiments: merged.experiments.iter().map(Pool::id).collect(),
    })?;
    json.push('\n');
    files.push((out.join("merge.json"), json.into_bytes()));
    files.push((out.join("index.html"), page(merged, &plots).into_bytes()));
    for (path, bytes) in &files {
        crate::report::write_atomic(path, bytes)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The class page: students, files left out with why, then per experiment the
/// pooled table (median and range over students) and its plot.
pub fn page(merged: &Merged, plots: &[Option<String>]) -> String {
    let mut body = String::new();
    let pooled_files: usize = merged.experiments.iter().map(|p| p.students.len()).sum();
    let _ = write!(
        body,
        "<header>\n<h1>parlab · class results</h1>\n\
         <p class=\"intro\">{} student folder{}: {pooled_files} results files pooled into {} experiment{}, \
         {} left out{}. Each file was checked against the results contract and every deterministic value \
         against the lesson's reference run; a file that fails is left out and listed below.</p>\n\
         <p class=\"key\"><span class=\"m\">≈ measured</span> values pooled over students: median, and the range (min–max) across them.</p>\n</header>\n",
        merged.students.len(),
        if merged.students.len() == 1 { "" } else { "s" },
        merged.experiments.len(),
        if merged.experiments.len() == 1 {
            ""
        } else {
            "s"
        },
        merged.left_out.len(),
        if merged.warnings.is_empty() {
            String::new()
        } else {
            format!(
                ", {} warning{}",
                merged.warnings.len(),
                if merged.warnings.len() == 1 { "" } else { "s" }
            )
        },
    );

    body.push_str("<nav class=\"contents\">\n<h2>Contents</h2>\n<ol>\n<li><a href=\"#students\">Students</a></li>\n");
    let _ = writeln!(
        body,
        "<li><a href=\"#left-out\">Left out ({}) and warnings ({})</a></li>",
        merged.left_out.len(),
        merged.warnings.len()
    );
    let mut lessons: Vec<&str> = merged
        .experiments
        .iter()
        .map(|p| p.lesson.as_str())
        .collect();
    lessons.dedup();
    for lesson in &lessons {
        let _ = write!(
            body,
            "<li><a href=\"#{}\">{}</a>\n<ol>\n",
            html::anchor(&[lesson]),
            escape(lesson)
        );
        for p in merged.experiments.iter().filter(|p| p.lesson == *lesson) {
            let _ = writeln!(
                body,
                "<li><a href=\"#{}\">{}</a> <span class=\"muted\">({} student{})</span></li>",
                html::anchor(&[&p.lesson, &p.experiment]),
                escape(&p.experiment),
                p.students.len(),
                if p.students.len() == 1 { "" } else { "s" }
            );
        }
        body.push_str("</ol>\n</li>\n");
    }
    body.push_str("</ol>\n</nav>\n");

    body.push_str(
        "<section id=\"students\">\n<h2>Students</h2>\n<div class=\"table-wrap\">\n<table>\n<thead><tr>\
         <th class=\"p\">student</th><th class=\"p\">machine</th><th>experiments pooled</th><th>files left out</th></tr></thead>\n<tbody>\n",
    );
    for s in &merged.students {
        let machines: Vec<String> = s.machines.iter().map(|m| m.to_string()).collect();
        let bad = if s.left_out > 0 { " class=\"bad\"" } else { "" };
        let _ = writeln!(
            body,
            "<tr><td class=\"p\">{}</td><td class=\"p\">{}</td><td>{}</td><td{bad}>{}</td></tr>",
            escape(&s.name),
            escape(&machines.join("; ")),
            s.pooled,
            s.left_out
        );
    }
    body.push_str("</tbody>\n</table>\n</div>\n</section>\n");

    body.push_str("<section id=\"left-out\">\n<h2>Left out</h2>\n");
    if merged.left_out.is_empty() {
        body.push_str("<p>Every file passed its checks.</p>\n");
    } else {
        body.push_str(
            "<div class=\"table-wrap\">\n<table>\n<thead><tr><th class=\"p\">student</th><th class=\"p\">file</th>\
             <th class=\"p\">why it is left out</th></tr></thead>\n<tbody>\n",
        );
        for l in &merged.left_out {
            let _ = writeln!(
                body,
                "<tr><td class=\"p\">{}</td><td class=\"p\"><code>{}</code></td><td class=\"p text\">{}</td></tr>",
                escape(&l.student),
                escape(&l.file),
                escape(&l.reason)
            );
        }
        body.push_str("</tbody>\n</table>\n</div>\n");
    }
    if !merged.warnings.is_empty() {
        body.push_str("<h3>Warnings (pooled, worth a look)</h3>\n<ul class=\"problems\">\n");
        for w in &merged.warnings {
            let _ = writeln!(
                body,
                "<li>{} <code>{}</code>: {}</li>",
                escape(&w.student),
                escape(&w.file),
                escape(&w.text)
            );
        }
        body.push_str("</ul>\n");
    }
    body.push_str("</section>\n");

    for lesson in &lessons {
        let _ = writeln!(
            body,
            "<section class=\"lesson\" id=\"{}\">\n<h2>{}</h2>",
            html::anchor(&[lesson]),
            escape(lesson)
        );
        for (p, svg) in merged
            .experiments
            .iter()
            .zip(plots)
            .filter(|(p, _)| p.lesson == *lesson)
        {
            experiment(&mut body, p, svg.as_deref());
        }
        body.push_str("</section>\n");
    }
    html::page("parlab · class results", &body)
}

fn experiment(out: &mut String, p: &Pool, svg: Option<&str>) {
    let _ = write!(
        out,
        "<section class=\"experiment\" id=\"{}\" data-experiment=\"{}\">\n<h3>{}{}</h3>\n",
        html::anchor(&[&p.lesson, &p.experiment]),
        escape(&p.id()),
        escape(&p.experiment),
        if p.quick {
            " <span class=\"badge quick\">quick</span>"
        } else {
            ""
        }
    );
    let reference = match &p.reference {
        Some(path) => format!(
            "<span class=\"badge ok\">checked against the reference run</span> <code>{}</code>",
            escape(&path.display().to_string())
        ),
        None => {
            "<span class=\"badge none\">no reference run</span> deterministic values not checked"
                .into()
        }
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">kind <code>{}</code> · <code>{}</code> · {} student{} · {reference} · \
         every student's rows: <code>{}/{}.csv</code>, <code>.json</code></p>",
        escape(&p.kind),
        escape(&p.config_file),
        p.students.len(),
        if p.students.len() == 1 { "" } else { "s" },
        escape(&p.lesson),
        escape(&p.experiment)
    );

    // Rows grouped by kind of machine and params, with the median and range of
    // each measured quantity over the students.
    type Group<'a> = (String, &'a Fields, Vec<&'a PooledRow>);
    let mut groups: Vec<Group> = Vec::new();
    for r in &p.rows {
        let machine = machine_group(&r.machine);
        match groups
            .iter_mut()
            .find(|(m, params, _)| *m == machine && **params == r.params)
        {
            Some(g) => g.2.push(r),
            None => groups.push((machine, &r.params, vec![r])),
        }
    }
    let params: Vec<&str> = {
        let mut keys: Vec<&str> = Vec::new();
        for r in &p.rows {
            for k in r.params.keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys
    };
    type Quantity = (String, fn(&PooledRow, &str) -> Option<f64>);
    let mut quantities: Vec<Quantity> = Vec::new();
    if p.rows.iter().any(|r| r.timing.is_some()) {
        quantities.push(("time_ms".into(), |r, _| r.timing.map(|t| t.median_s * 1e3)));
    }
    if p.rows.iter().any(|r| r.speedup.is_some()) {
        quantities.push(("speedup".into(), |r, _| r.speedup));
        quantities.push(("efficiency".into(), |r, _| r.efficiency));
    }
    for m in &p.measured {
        if p.rows
            .iter()
            .any(|r| r.metrics.get(m).is_some_and(|v| v.is_number()))
        {
            quantities.push((m.clone(), |r, k| r.metrics.get(k).and_then(|v| v.as_f64())));
        }
    }
    if quantities.is_empty() {
        let _ = writeln!(
            out,
            "<p>Nothing measured to pool: every value of this experiment is deterministic, and each pooled file reproduces the reference.</p>"
        );
    } else {
        out.push_str(
            "<div class=\"table-wrap\">\n<table>\n<thead><tr><th class=\"p\">machine</th>",
        );
        for k in &params {
            out.push_str(&html::header(k, "p", ""));
        }
        out.push_str("<th>students</th>");
        for (k, _) in &quantities {
            out.push_str(&html::header(k, "m", "≈"));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (machine, params_of, rows) in &groups {
            let _ = write!(out, "<tr><td class=\"p\">{}</td>", escape(machine));
            for k in &params {
                let _ = write!(
                    out,
                    "<td class=\"p\">{}</td>",
                    params_of.get(k).map_or(String::new(), html::value)
                );
            }
            let _ = write!(out, "<td>{}</td>", rows.len());
            for (k, get) in &quantities {
                let mut values: Vec<f64> = rows.iter().filter_map(|r| get(r, k)).collect();
                if values.is_empty() {
                    out.push_str("<td class=\"m\"></td>");
                    continue;
                }
                // Speedup and efficiency to two decimals, as every table shows them.
                let show = |x: f64| match k.as_str() {
                    "speedup" | "efficiency" => format!("{x:.2}"),
                    _ => html::number(x),
                };
                let (lo, hi) = values
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                        (l.min(*v), h.max(*v))
                    });
                let mid = median(&mut values);
                let range = if values.len() > 1 {
                    format!("<span class=\"ref\">{} – {}</span>", show(lo), show(hi))
                } else {
                    String::new()
                };
                let _ = write!(out, "<td class=\"m\">{}{range}</td>", show(mid));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</div>\n");
    }
    if let Some(svg) = svg.and_then(html::inline_svg) {
        let _ = writeln!(
            out,
            "<figure class=\"plot\">\n{svg}\n<figcaption>{}/{}.svg</figcaption>\n</figure>",
            escape(&p.lesson),
            escape(&p.experiment)
        );
    }
    out.push_str("</section>\n");
}
