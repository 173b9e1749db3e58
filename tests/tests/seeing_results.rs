//! Seeing results through the real driver, on real `--quick` runs of every config:
//! `report` (results/index.html), `compare` of two runs, `merge` of a class of 30
//! generated student folders, and the report page in a real browser.
//!
//! The browser test needs Chromium: without one it prints a note and passes,
//! unless `PARLAB_REQUIRE_BROWSER=1` (as in CI), which makes its absence a failure.

use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The folders of the two shared quick runs of every config (common.rs), after
/// checking each run succeeded and ended by naming the page it refreshed.
fn runs() -> (&'static PathBuf, &'static PathBuf) {
    let (a, b) = quick_runs();
    for (run, page) in [
        (a, "<out>/index.html".to_string()),
        (b, format!("{}/index.html", b.dir.display())),
    ] {
        for (lesson, o) in &run.outputs {
            assert!(o.status.success(), "{lesson}: {}", stderr(o));
            let last = stdout(o);
            assert!(
                last.trim_end().ends_with(&page),
                "a run ends by naming the page it refreshed:\n{last}"
            );
        }
    }
    (&a.dir, &b.dir)
}

/// `lesson/experiment` of every results file in a run's folder.
fn experiments(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = files_below(dir)
        .into_iter()
        .filter(|f| f.ends_with(".json") && !f.ends_with(".trace.json") && f.contains('/'))
        .map(|f| f.trim_end_matches(".json").to_string())
        .collect();
    ids.sort();
    ids
}

/// Copies the results files of a run's folder (not its page, which another test
/// may be rewriting).
fn copy_dir(from: &Path, to: &Path) {
    let results = |f: &String| [".json", ".csv", ".svg"].iter().any(|x| f.ends_with(x));
    for file in files_below(from).into_iter().filter(results) {
        let target = to.join(&file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&file), target).unwrap();
    }
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// Makes a copied run look like a student's own: every timing times `scale`
/// (another run, as far as timings can tell), and a release build (as `cargo
/// xtask run` builds; the test binary that made these runs is a debug build).
fn as_a_students_run(dir: &Path, scale: f64) {
    for file in files_below(dir)
        .into_iter()
        .filter(|f| f.ends_with(".json"))
    {
        edit_json(&dir.join(file), |v| {
            v["machine"]["profile"] = "release".into();
            for row in v["rows"].as_array_mut().unwrap() {
                if let Some(t) = row.get_mut("timing") {
                    for key in ["median_s", "min_s", "max_s"] {
                        t[key] = (t[key].as_f64().unwrap() * scale).into();
                    }
                }
            }
        });
    }
}

/// The page as XML (it must be well-formed): checks that links inside it lead
/// somewhere, ids are unique and nothing is loaded, and returns the
/// `data-experiment` of every experiment section, sorted.
fn sections(page: &str) -> Vec<String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(page, options)
        .unwrap_or_else(|e| panic!("the page is not well-formed: {e}"));
    let mut ids = std::collections::BTreeSet::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        if let Some(id) = node.attribute("id") {
            assert!(ids.insert(id), "id {id} twice");
        }
        assert!(
            node.attribute("src").is_none()
                && !node.has_tag_name("script")
                && !node.has_tag_name("link")
        );
    }
    for a in doc.descendants().filter(|n| n.has_tag_name("a")) {
        if let Some(target) = a.attribute("href").and_then(|h| h.strip_prefix('#')) {
            assert!(ids.contains(target), "a link to #{target} leads nowhere");
        }
    }
    let mut found: Vec<String> = doc
        .descendants()
        .filter_map(|n| n.attribute("data-experiment"))
        .map(str::to_string)
        .collect();
    found.sort();
    found
}

#[test]
fn the_report_shows_every_experiment_with_its_table_plots_config_and_machine() {
    let (a, _) = runs();
    let o = parlab(&["report", "--results", a.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = experiments(a);
    let lessons = {
        let mut l: Vec<&str> = expected
            .iter()
            .map(|e| e.split('/').next().unwrap())
            .collect();
        l.dedup();
        l.len()
    };
    assert!(
        stdout(&o).contains(&format!(
            "/index.html: {} experiments of {lessons} lessons",
            expected.len()
        )),
        "{}",
        stdout(&o)
    );
    let page = std::fs::read_to_string(a.join("index.html")).unwrap();
    assert!(page.len() < 2_000_000, "the page is {} bytes", page.len());
    assert_eq!(sections(&page), expected, "one section per results file");

    let svgs = files_below(a)
        .iter()
        .filter(|f| f.ends_with(".svg"))
        .count();
    assert!(svgs > 0);
    assert_eq!(
        page.matches("<figure class=\"plot\">").count(),
        svgs,
        "every plot inline"
    );
    assert_eq!(
        page.matches("<details>\n<summary>config: <code>configs/")
            .count(),
        expected.len()
    );
    assert!(page.contains(" logical cores · "), "the machine is named");
    // Every run here is --quick, and the page says so for each.
    assert_eq!(
        page.matches(" <span class=\"badge quick\" title=\"--quick")
            .count(),
        expected.len()
    );
    // lesson-05's strong scaling: its checksum deterministic, karp_flatt measured.
    assert!(page.contains("title=\"checksum: deterministic, the same on every run\""));
    assert!(page.contains("title=\"karp_flatt: measured, varies from run to run\""));
}

#[test]
fn a_run_reproduces_a_reference_run_of_the_same_config_and_the_page_says_where_not() {
    let (a, b) = runs();
    let o = parlab(&[
        "report",
        "--results",
        b.to_str().unwrap(),
        "--reference",
        a.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(b.join("index.html")).unwrap();
    assert_eq!(
        page.matches("✓ reproduces the reference run").count(),
        experiments(b).len(),
        "every experiment of a second run reproduces the first: {}",
        stderr(&o)
    );
    assert!(
        page.contains("<span class=\"ref\">ref "),
        "the reference's numbers beside the run's"
    );

    let tampered = scratch("seeing-reference");
    copy_dir(a, &tampered);
    edit_json(&tampered.join("lesson-06/pi.json"), |v| {
        v["rows"][0]["metrics"]["hits"] = 1.into();
    });
    let o = parlab(&[
        "report",
        "--results",
        b.to_str().unwrap(),
        "--reference",
        tampered.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(
        stderr(&o).contains("warning: lesson-06/pi differs from the lesson's reference run"),
        "{}",
        stderr(&o)
    );
    let page = std::fs::read_to_string(b.join("index.html")).unwrap();
    assert_eq!(page.matches("✗ differs from the reference run").count(), 1);
    std::fs::remove_dir_all(&tampered).unwrap();
}

#[test]
fn compare_of_two_runs_of_the_same_config_finds_every_deterministic_value_equal() {
    let (a, b) = runs();
    let o = parlab(&["compare", a.to_str().unwrap(), b.to_str().unwrap()]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}\n{}", stderr(&o));
    let n = experiments(a).len();
    assert!(
        text.contains(&format!("{n} experiments compared")),
        "{text}"
    );
    assert!(text.contains(" equal, 0 differ"), "{text}");
    assert!(text.contains("── lesson-05/strong-scaling ──"));
}

#[test]
fn compare_fails_naming_the_file_row_and_metric_of_an_edited_checksum() {
    let (a, b) = runs();
    let edited = scratch("seeing-edited");
    copy_dir(b, &edited);
    let file = edited.join("lesson-05/strong-scaling.json");
    edit_json(&file, |v| {
        let row = &mut v["rows"][1];
        assert_eq!(row["params"]["workers"], 2);
        row["metrics"]["checksum"] = 12345.into();
    });
    let o = parlab(&["compare", a.to_str().unwrap(), edited.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "error: lesson-05/strong-scaling, row impl=rust, workers=2: deterministic metric checksum differs:"
        ) && err.contains(&format!("12345 in B ({})", file.display())),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{err}"
    );
    std::fs::remove_dir_all(&edited).unwrap();
}

#[test]
fn merge_of_a_class_pools_the_good_files_and_names_each_bad_one_with_its_reason() {
    let (a, b) = runs();
    let class = scratch("seeing-class");
    let mut dirs: Vec<PathBuf> = Vec::new();
    // Nineteen honest students: each a run of its own (timings scaled apart),
    // some on other machines.
    for i in 1..=19 {
        let dir = class.join(format!("s{i:02}")).join("results");
        copy_dir(if i % 2 == 1 { a } else { b }, &dir);
        as_a_students_run(&dir, 1.0 + i as f64 / 100.0);
        if (5..=8).contains(&i) {
            for file in files_below(&dir)
                .into_iter()
                .filter(|f| f.ends_with(".json"))
            {
                edit_json(&dir.join(file), |v| {
                    v["machine"] = serde_json::json!({"logical_cores": 8, "os": "macos", "arch": "aarch64", "profile": "release"});
                });
            }
        }
        dirs.push(dir);
    }
    // One copies another's files: pooled, with a warning.
    let copy = class.join("s20/results");
    copy_dir(&dirs[17], &copy);
    dirs.push(copy);
    // Ten with one bad file each.
    type Tamper = (&'static str, fn(&Path));
    let bad: [Tamper; 10] = [
        ("lesson-05/strong-scaling.json", |p| {
            let text = std::fs::read_to_string(p).unwrap();
            std::fs::write(p, &text[..text.len() / 2]).unwrap();
        }),
        ("lesson-06/pi.json", |p| {
            edit_json(p, |v| {
                v.as_object_mut().unwrap().remove("machine");
            })
        }),
        ("lesson-02/chunksize.json", |p| {
            edit_json(p, |v| v["quick"] = "yes".into())
        }),
        ("lesson-05/strong-scaling.json", |p| {
            edit_json(p, |v| v["rows"][1]["metrics"]["checksum"] = 7.into())
        }),
        ("lesson-05/weak-scaling.json", |p| {
            edit_json(p, |v| {
                v["rows"][1]["metrics"]["checksum"] = 7.into();
                v["measured"]
                    .as_array_mut()
                    .unwrap()
                    .push("checksum".into());
            })
        }),
        ("lesson-06/pi.json", |p| {
            edit_json(p, |v| v["kind"] = "convergence".into())
        }),
        ("lesson-07/ber-curve.json", |p| {
            edit_json(p, |v| v["config_file"] = "configs/my-study.toml".into())
        }),
        ("lesson-04/backends.json", |p| {
            edit_json(p, |v| v["machine"]["profile"] = "debug".into())
        }),
        ("lesson-06/pi.json", |p| {
            edit_json(p, |v| {
                v["rows"].as_array_mut().unwrap().pop();
            })
        }),
        ("lesson-05/weak-scaling.json", |p| {
            let models = std::fs::read(p.with_file_name("models.json")).unwrap();
            std::fs::write(p, models).unwrap();
        }),
    ];
    for (i, (file, tamper)) in bad.iter().enumerate() {
        let dir = class.join(format!("s{}", 21 + i)).join("results");
        copy_dir(if i % 2 == 0 { a } else { b }, &dir);
        as_a_students_run(&dir, 1.5 + i as f64 / 100.0);
        tamper(&dir.join(file));
        dirs.push(dir);
    }
    assert_eq!(dirs.len(), 30);
    dirs.push(class.join("s31-no-such-folder"));

    let out = class.join("merged");
    let mut args: Vec<String> = vec![
        "merge".into(),
        "--reference".into(),
        a.display().to_string(),
    ];
    args.extend(["--out".into(), out.display().to_string()]);
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let o = parlab(&args);
    let took = started.elapsed();
    eprintln!("merge of 30 student folders took {took:?} (not asserted: the machine is shared)");
    let text = stdout(&o);
    assert!(o.status.success(), "{text}\n{}", stderr(&o));

    let reasons = [
        ("s21", "lesson-05/strong-scaling.json: not valid JSON"),
        ("s22", "lesson-06/pi.json: missing field `machine`"),
        (
            "s23",
            "lesson-02/chunksize.json: quick: invalid type: string \"yes\", expected a boolean",
        ),
        (
            "s24",
            "lesson-05/strong-scaling.json: does not reproduce the reference run: checksum at impl=rust, workers=2 is 7, the reference run has ",
        ),
        (
            "s25",
            "lesson-05/weak-scaling.json: does not reproduce the reference run: checksum at workers=2 is 7",
        ),
        (
            "s26",
            "lesson-06/pi.json: ran kind convergence, but the reference run ran pi",
        ),
        (
            "s27",
            "lesson-07/ber-curve.json: ran configs/my-study.toml, but the reference run ran configs/lesson-07.toml",
        ),
        ("s28", "lesson-04/backends.json: timed in a debug build"),
        (
            "s29",
            "lesson-06/pi.json: does not reproduce the reference run: rows missing that the reference run has: impl=rust, workers=",
        ),
        (
            "s30",
            "lesson-05/weak-scaling.json: says experiment \"models\" but is stored as weak-scaling.json",
        ),
        ("s31-no-such-folder", "(the folder): cannot read the folder"),
    ];
    for (student, reason) in reasons {
        assert!(
            text.contains(&format!("  {student}: {reason}")),
            "{student} is not left out for {reason:?}:\n{text}"
        );
    }
    assert!(
        text.contains("s25: lesson-05/weak-scaling.json: does not reproduce the reference run")
            && text.contains("lists checksum as measured"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("  s20: ") && l.ends_with("as s18's file: copied results?")),
        "a copy of another student's files is flagged:\n{text}"
    );

    let n = experiments(a).len();
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("merge.json")).unwrap()).unwrap();
    let mut left_out: Vec<&str> = index["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["student"].as_str().unwrap())
        .collect();
    left_out.sort();
    let mut expected: Vec<&str> = reasons.iter().map(|(s, _)| *s).collect();
    expected.sort();
    assert_eq!(
        left_out, expected,
        "each bad folder has exactly its one bad file left out"
    );
    for s in index["students"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        if name < "s21" {
            assert_eq!(
                (s["pooled"].as_u64(), s["left_out"].as_u64()),
                (Some(n as u64), Some(0)),
                "{name}"
            );
        }
    }

    // The pooled table of lesson-05's strong scaling: every row of the 20 good
    // students and of the bad ones whose bad file is another.
    let rows_per_run = {
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(a.join("lesson-05/strong-scaling.json")).unwrap(),
        )
        .unwrap();
        v["rows"].as_array().unwrap().len()
    };
    let csv = std::fs::read_to_string(out.join("lesson-05/strong-scaling.csv")).unwrap();
    assert_eq!(csv.lines().count() - 1, rows_per_run * (30 - 2), "{csv}");
    let svg = std::fs::read_to_string(out.join("lesson-05/strong-scaling.svg")).unwrap();
    assert!(
        svg.contains("8 cores · macos aarch64 · impl=rust (4 students)"),
        "one curve per kind of machine and setting of the other params"
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(sections(&page), experiments(a));
    std::fs::remove_dir_all(&class).unwrap();
}

// ---- the report in a real browser ------------------------------------------

/// The Chromium to use, or `None` (with the note printed) when there is none and
/// none is required.
fn chromium() -> Option<String> {
    let required = std::env::var("PARLAB_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        let found = Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Some(name.to_string());
        }
    }
    assert!(
        !required,
        "PARLAB_REQUIRE_BROWSER=1 but no chromium found: apt-get install chromium"
    );
    eprintln!(
        "note: skipped the browser test: no chromium found (apt-get install chromium; \
         PARLAB_REQUIRE_BROWSER=1 makes this a failure)"
    );
    None
}

/// Runs headless Chromium on `args` with a profile of its own, killed after 120 s.
/// Returns (stdout, stderr).
fn headless(browser: &str, profile: &Path, args: &[&str]) -> (String, String) {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (reader.join().unwrap(), err_reader.join().unwrap())
}

/// Measures every plot of the page in the browser: its laid-out size, and how
/// many of its pixels are drawn when Chromium rasterizes it.
const PROBE: &str = r#"<script>
window.addEventListener('load', async () => {
  const out = {sections: [], plots: []};
  for (const s of document.querySelectorAll('section.experiment')) out.sections.push(s.dataset.experiment);
  for (const svg of document.querySelectorAll('figure.plot svg')) {
    const box = svg.getBoundingClientRect();
    const w = Math.round(svg.viewBox.baseVal.width), h = Math.round(svg.viewBox.baseVal.height);
    const img = new Image();
    const loaded = new Promise((ok, bad) => { img.onload = ok; img.onerror = () => bad('image'); });
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    let inked = -1, coloured = 0;
    try {
      await loaded;
      const c = document.createElement('canvas'); c.width = w; c.height = h;
      const g = c.getContext('2d'); g.drawImage(img, 0, 0, w, h);
      const d = g.getImageData(0, 0, w, h).data;
      inked = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) inked++;
        if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 80) coloured++;
      }
    } catch (e) { inked = -2; }
    out.plots.push({name: svg.parentNode.querySelector('figcaption').textContent,
                    width: box.width, height: box.height, pixels: w * h, inked, coloured});
  }
  const pre = document.createElement('pre');
  pre.textContent = 'PROBE' + JSON.stringify(out) + 'END';
  document.body.appendChild(pre);
});
</script>"#;

#[test]
fn the_report_renders_in_headless_chromium_without_errors_and_its_plots_draw() {
    let Some(browser) = chromium() else { return };
    let (a, _) = runs();
    let work = scratch("seeing-browser");
    // The shared run, with two experiments run again traced, so the page also
    // carries timelines (`<experiment>.timeline.svg`, drawn as the plots are):
    // lesson 01's lock waits, lesson 02's sub-pixel process-pool tasks.
    let results = work.join("results");
    copy_dir(a, &results);
    for (config, only) in [("lesson-01", "cpu-bound"), ("lesson-02", "chunksize")] {
        let config = format!("configs/{config}.toml");
        let out = results.to_str().unwrap();
        let o = parlab(&[
            "run", &config, "--quick", "--only", only, "--trace", "--out", out,
        ]);
        assert!(o.status.success(), "{config} --trace: {}", stderr(&o));
    }
    let timelines = files_below(&results)
        .into_iter()
        .filter(|f| f.ends_with(".timeline.svg"))
        .count();
    assert_eq!(timelines, 2, "a timeline per traced experiment");
    let a = &results;
    let o = parlab(&["report", "--results", a.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = a.join("index.html");
    let url = |p: &Path| format!("file://{}", p.display());

    // The page as it is: every section in the DOM Chromium built, and nothing
    // logged to the console (a script error, a blocked load, a bad SVG).
    let (dom, log) = headless(
        &browser,
        &work.join("p1"),
        &["--virtual-time-budget=5000", "--dump-dom", &url(&page)],
    );
    let expected = experiments(a);
    for id in &expected {
        assert!(
            dom.contains(&format!("data-experiment=\"{id}\"")),
            "no section for {id} in the DOM"
        );
    }
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "the page logged to the console:\n{}",
        console.join("\n")
    );

    // The same page with a probe that rasterizes each plot (its policy opened
    // to the probe's script and its data: images only).
    let html = std::fs::read_to_string(&page).unwrap();
    let policy = "default-src 'none'; style-src 'unsafe-inline'";
    assert!(html.contains(policy), "the page forbids loading anything");
    let probed = html
        .replace(
            policy,
            &format!("{policy}; script-src 'unsafe-inline'; img-src data:"),
        )
        .replace("</body>", &format!("{PROBE}\n</body>"));
    let probe_page = work.join("probe.html");
    std::fs::write(&probe_page, probed).unwrap();
    let (dom, log) = headless(
        &browser,
        &work.join("p2"),
        &[
            "--virtual-time-budget=10000",
            "--dump-dom",
            &url(&probe_page),
        ],
    );
    let json = dom
        .split_once("<pre>PROBE")
        .and_then(|(_, rest)| rest.split_once("END</pre>"))
        .map(|(json, _)| {
            json.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        })
        .unwrap_or_else(|| panic!("the probe did not report:\n{log}"));
    let probe: Value = serde_json::from_str(&json).unwrap();
    let mut sections: Vec<String> = probe["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    sections.sort();
    assert_eq!(sections, expected);
    let plots = probe["plots"].as_array().unwrap();
    let svgs = files_below(a)
        .iter()
        .filter(|f| f.ends_with(".svg"))
        .count();
    assert_eq!(plots.len(), svgs, "{probe}");
    eprintln!("chromium drew {} plots:", plots.len());
    for plot in plots {
        let f = |k: &str| plot[k].as_f64().unwrap();
        eprintln!(
            "  {}: {:.0}×{:.0} px on the page, {:.1}% of its pixels inked, {} coloured",
            plot["name"].as_str().unwrap_or("?"),
            f("width"),
            f("height"),
            f("inked") / f("pixels") * 100.0,
            f("coloured")
        );
        assert!(
            f("width") > 300.0 && f("height") > 150.0,
            "a plot laid out too small: {plot}"
        );
        let inked = f("inked") / f("pixels");
        assert!(
            inked > 0.01,
            "a plot draws almost nothing ({:.2}% of its pixels): {plot}",
            inked * 100.0
        );
        assert!(
            f("coloured") > 50.0,
            "a plot with no coloured series drawn: {plot}"
        );
    }

    // A screenshot of the page, against one of an empty page of the same size: a
    // blank screenshot compresses to almost nothing.
    let shot = work.join("report.png");
    let blank_page = work.join("blank.html");
    std::fs::write(&blank_page, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let blank = work.join("blank.png");
    for (png, target) in [(&shot, &page), (&blank, &blank_page)] {
        headless(
            &browser,
            &work.join("p3"),
            &[
                "--window-size=1280,2000",
                &format!("--screenshot={}", png.display()),
                &url(target),
            ],
        );
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    assert!(
        size(&shot) > 10 * size(&blank).max(1),
        "the screenshot is blank: {} bytes against {} for an empty page",
        size(&shot),
        size(&blank)
    );
    std::fs::remove_dir_all(&work).unwrap();
}
