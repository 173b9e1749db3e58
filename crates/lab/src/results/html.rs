//! The small pieces every page is made of: escaping, the page shell and its CSS,
//! column headers with units, numbers, inline SVG.
//!
//! Pages are written by hand with `format!`: a few kinds of element, no template
//! engine. Everything is inline (CSS and SVG), and a Content-Security-Policy
//! forbids loading anything, so a page opens from `file://` without a network and
//! a browser would report any stray load. The markup is also well-formed XML
//! (every element closed, `&` escaped), which the tests check with an XML parser.

use serde_json::Value;
use std::fmt::Write as _;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An `id` made of `parts`: lowercase letters, digits and dashes, parts joined by
/// `--` (`lesson-05--strong-scaling`).
pub fn anchor(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| {
            p.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("--")
}

/// Loading nothing from anywhere: styles are inline, SVG is inline, no scripts.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// The pages' look: quiet, readable tables; measured values tinted blue.
pub const CSS: &str = r#"
:root { --fg: #1d2330; --muted: #5b6474; --line: #dfe3ea; --meas: #0b5cad; --meas-bg: #eef5fd;
  --ok: #1a7f37; --ok-bg: #e6f4ea; --bad: #b42318; --bad-bg: #fdecea; --warn: #7a5200; --warn-bg: #fff2cc; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 20px 64px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 21px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 17px; margin: 0 0 4px; }
h3 code, h2 code { font-size: 0.9em; }
a { color: #0b5cad; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.muted, .meta { color: var(--muted); }
.meta { font-size: 13.5px; margin: 2px 0 10px; }
.intro { max-width: 780px; }
nav.contents { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 18px; margin: 16px 0; }
nav.contents h2 { border: 0; margin: 4px 0; font-size: 16px; }
nav.contents ol { margin: 0; padding-left: 20px; }
nav.contents > ol { columns: 2 300px; }
nav.contents li { break-inside: avoid; }
nav.contents ol ol { padding-left: 16px; font-size: 14px; }
section.experiment { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px 10px; margin: 14px 0; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; vertical-align: 2px; white-space: nowrap; }
.badge.quick { background: var(--warn-bg); color: var(--warn); }
.badge.debug, .badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.none { background: #eceff3; color: var(--muted); font-weight: normal; }
.key { font-size: 13px; color: var(--muted); margin: 6px 0 12px; }
.key span.d, .key span.m { padding: 0 5px; border-radius: 3px; }
.table-wrap { overflow-x: auto; margin: 6px 0; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; white-space: normal; min-width: 4.5em; vertical-align: bottom; }
th .unit { display: block; font-weight: normal; font-size: 12px; color: var(--muted); }
th .sort { font-weight: normal; color: var(--muted); }
td.p, th.p, td.t, th.t { text-align: left; }
td.p { background: #fafbfc; }
td.text { text-align: left; white-space: normal; min-width: 12em; }
.m { color: var(--meas); font-style: italic; }
td.m, th.m, span.m { background: var(--meas-bg); }
span.d { background: #f0f2f5; }
td.bad { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
td .ref { display: block; font-size: 11.5px; color: var(--muted); font-style: normal; }
td .tick { color: var(--ok); font-size: 11px; margin-left: 3px; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; font-size: 13.5px; margin: 8px 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; }
ul.problems { color: var(--bad); font-size: 13.5px; margin: 4px 0 8px; }
ul.noise { color: var(--warn); background: var(--warn-bg); font-size: 13.5px; margin: 4px 0 8px; padding: 6px 10px; border-radius: 6px; list-style: none; }
td.noisy { color: var(--warn); font-weight: 600; }
figure.plot { margin: 10px 0; }
figure.plot svg { display: block; width: 100%; max-width: 860px; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figure.plot figcaption { font-size: 12.5px; color: var(--muted); }
details { margin: 6px 0; font-size: 13.5px; }
details summary { cursor: pointer; color: var(--muted); }
details pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 4px; padding: 8px 10px; overflow-x: auto; font-size: 12.5px; }
"#;

/// A column's name split into words and unit: `latency_us` → (`latency`, `µs`),
/// `saved_%` → (`saved`, `%`); a name that is all unit reads as one:
/// `us_per_task` → (`µs/task`, none). Names without a unit come back whole, with
/// underscores as spaces.
pub fn label_and_unit(key: &str) -> (String, Option<String>) {
    let unit_of = |t: &str| -> Option<&'static str> {
        Some(match t {
            "s" => "s",
            "ms" => "ms",
            "us" => "µs",
            "ns" => "ns",
            "mb" => "MB",
            "bytes" => "bytes",
            "%" => "%",
            "db" => "dB",
            "msamples" => "Msamples",
            "mbits" => "Mbit",
            _ => return None,
        })
    };
    let tokens: Vec<&str> = key.split('_').collect();
    let Some(at) = tokens.iter().position(|t| unit_of(t).is_some()) else {
        return (key.replace('_', " "), None);
    };
    // A unit starts the tail; the tail may go on with `per <thing>`.
    let tail = &tokens[at..];
    let mut unit = String::new();
    let mut i = 0;
    while i < tail.len() {
        match (tail[i], tail.get(i + 1)) {
            ("per", Some(next)) => {
                unit.push('/');
                unit.push_str(unit_of(next).unwrap_or(next));
                i += 2;
            }
            (t, _) if i == 0 => {
                unit.push_str(unit_of(t).unwrap_or(t));
                i += 1;
            }
            // Anything else after the unit is part of the name, not the unit.
            _ => return (key.replace('_', " "), None),
        }
    }
    if at == 0 {
        // The name is its unit (`mb_per_s`): say it once.
        return (unit, None);
    }
    (tokens[..at].join(" "), Some(unit))
}

/// A column header: the name in words, its unit under it, the JSON key in the
/// tooltip, and a mark for the sort of value (`≡` deterministic, `≈` measured).
pub fn header(key: &str, class: &str, mark: &str) -> String {
    let (words, unit) = label_and_unit(key);
    let unit = unit.map_or(String::new(), |u| {
        format!("<span class=\"unit\">{}</span>", escape(&u))
    });
    let title = match mark {
        "≈" => format!("{key}: measured, varies from run to run"),
        "≡" => format!("{key}: deterministic, the same on every run"),
        _ => key.to_string(),
    };
    let mark = if mark.is_empty() {
        String::new()
    } else {
        format!("<span class=\"sort\">{mark}</span> ")
    };
    format!(
        "<th class=\"{class}\" title=\"{}\">{mark}{}{unit}</th>",
        escape(&title),
        escape(&words)
    )
}

/// A number as the terminal tables print it (five significant digits).
pub fn number(x: f64) -> String {
    crate::numbers::format_number(x)
}

/// A value as a table cell's text (escaped): numbers compact, strings bare,
/// lists and objects as compact JSON.
pub fn value(v: &Value) -> String {
    escape(&match v {
        Value::Number(n) if n.is_f64() => number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Null => "–".into(),
        other => other.to_string(),
    })
}

/// Whether a value is text (a left-aligned cell).
pub fn is_text(v: &Value) -> bool {
    v.is_string()
}

/// An SVG document made ready to sit inside a page: the XML prologue and doctype
/// dropped. `None` when it is not a whole `<svg>…</svg>` document.
pub fn inline_svg(svg: &str) -> Option<&str> {
    let mut s = svg.trim();
    while s.starts_with("<?") || s.starts_with("<!") {
        s = s[s.find('>')? + 1..].trim_start();
    }
    (s.starts_with("<svg") && s.ends_with("</svg>")).then_some(s)
}

/// A file's modification time as `2025-06-01 14:03 UTC`.
pub fn utc(time: std::time::SystemTime) -> Option<String> {
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = String::new();
    let _ = write!(
        out,
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }

    #[test]
    fn column_names_become_words_and_units() {
        let cases = [
            ("latency_us", "latency", Some("µs")),
            ("time_ms", "time", Some("ms")),
            ("us_per_task", "µs/task", None),
            ("overhead_ns_per_task", "overhead", Some("ns/task")),
            ("mb_per_s", "MB/s", None),
            ("msamples_per_s_per_worker", "Msamples/s/worker", None),
            ("saved_%", "saved", Some("%")),
            ("payload_bytes", "payload", Some("bytes")),
            ("ebn0_db", "ebn0", Some("dB")),
            ("checksum", "checksum", None),
            ("bytes_per_task", "bytes/task", None),
            ("switch_interval_us", "switch interval", Some("µs")),
            ("ms_then_more", "ms then more", None),
        ];
        for (key, words, unit) in cases {
            assert_eq!(
                label_and_unit(key),
                (words.to_string(), unit.map(str::to_string)),
                "{key}"
            );
        }
    }

    #[test]
    fn an_svg_file_is_inlined_without_its_prologue_and_a_torn_one_is_refused() {
        let svg = "<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 1 1\"><rect/></svg>\n";
        assert_eq!(
            inline_svg(svg),
            Some("<svg viewBox=\"0 0 1 1\"><rect/></svg>")
        );
        assert_eq!(inline_svg("<svg><rect/>"), None);
        assert_eq!(inline_svg("not a plot"), None);
    }

    #[test]
    fn file_times_read_as_utc_dates() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_748_786_580);
        assert_eq!(utc(t).unwrap(), "2025-06-01 14:03 UTC");
        assert_eq!(utc(std::time::UNIX_EPOCH).unwrap(), "1970-01-01 00:00 UTC");
    }

    #[test]
    fn anchors_are_safe_ids() {
        assert_eq!(
            anchor(&["lesson-05", "Strong scaling"]),
            "lesson-05--strong-scaling"
        );
    }
}
