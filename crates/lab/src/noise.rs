//! Noise: when a run's timings say less than they seem to, and what to do then.
//!
//! A timing is the median of a few repeats on a machine other programs use too.
//! Three things make it worth less, and each has a limit here:
//!
//! * **Spread**: the repeats of a row were far apart — `(max − min) / median`
//!   above [`SPREAD_LIMIT`] (25 %). Two rows whose medians differ by less than
//!   their spread may differ only by chance. Needs at least two repeats (a
//!   `--quick` run has one, so it never warns about spread).
//! * **A busy machine before the run**: the 1-minute load average (Linux's
//!   `/proc/loadavg`) above [`LOAD_LIMIT`] per logical core — on average at least
//!   one runnable thread per core already, so the run's threads share cores.
//!   A build just before the run counts too; it fades within a minute or two.
//! * **A busy machine during the experiment**: other processes took more than
//!   [`OTHERS_LIMIT`] (25 %) of the machine's CPU time while it ran. That is the
//!   machine's busy CPU time (`/proc/stat`) minus this process's own CPU time
//!   and that of its finished children (`/proc/self/stat`), against the wall
//!   time times the cores. The own CPU time against the wall time is kept too:
//!   `cpu_s / wall_s` near the worker count says the workers really ran.
//!
//! The limits are round numbers chosen so that a quiet laptop stays silent and a
//! machine shared with a build or a second experiment warns: on a quiet
//! machine repeats of a 10 ms+ task spread by a few percent, and a speedup the
//! lessons look for (1.5× on two cores) stands out of a 25 % spread but not of
//! a 50 % one. Every warning says what to do: more repeats (`[run] repeats`),
//! or a quieter moment.
//!
//! The machine counters are read on Linux only; elsewhere the load fields are
//! `null` and only the spread is judged. Reading them costs two small file
//! reads per experiment, outside every timing.

use crate::measure::Timing;
use serde::Serialize;

/// Above this spread of a row's repeats (`(max − min) / median`), the row is noisy.
pub const SPREAD_LIMIT: f64 = 0.25;
/// Above this 1-minute load average per logical core, the machine was busy
/// before the run.
pub const LOAD_LIMIT: f64 = 1.0;
/// Above this share of the machine's CPU time taken by other processes during an
/// experiment, the machine was busy while it ran.
pub const OTHERS_LIMIT: f64 = 0.25;

/// How busy the machine was around one experiment: the `load` object of a
/// results file. A field is `null` where the system does not say (not Linux).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Load {
    /// The 1-minute load average when the run started.
    pub load_avg_1min: Option<f64>,
    /// Logical cores, to read the load average against.
    pub cores: usize,
    /// The share (0 to 1) of the machine's CPU time other processes used while
    /// the experiment ran.
    pub others_cpu_share: Option<f64>,
    /// CPU seconds this process and its finished children used in the experiment.
    pub cpu_s: Option<f64>,
    /// Wall seconds the experiment took.
    pub wall_s: f64,
}

/// One warning of a run: what it saw and what to do. The `warnings` list of a
/// results file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// `spread`, `busy_before` or `busy_during`.
    pub kind: &'static str,
    /// The rows it is about (indices into `rows`), for `spread`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<usize>,
    /// What was seen and what to do, in a sentence or two.
    pub message: String,
}

/// The noise mark of one timed row: `Some` text when its repeats spread more
/// than [`SPREAD_LIMIT`] (never for a single repeat).
pub fn row_noise(t: &Timing) -> Option<String> {
    let spread = t.spread();
    (t.repeats >= 2 && spread > SPREAD_LIMIT).then(|| {
        format!(
            "repeats spread {:.0} % (above {:.0} %)",
            spread * 100.0,
            SPREAD_LIMIT * 100.0
        )
    })
}

/// The warnings of one experiment: its rows' timings (with a label each, e.g.
/// `workers=4`), how busy the machine was, and the repeats per point it used.
pub fn warnings(rows: &[(String, Option<Timing>)], load: &Load, repeats: u32) -> Vec<Warning> {
    let mut out = Vec::new();
    let noisy: Vec<(usize, &str, f64)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, (label, t))| {
            let t = t.as_ref()?;
            row_noise(t).map(|_| (i, label.as_str(), t.spread()))
        })
        .collect();
    if let Some(&(_, label, worst)) = noisy.iter().max_by(|a, b| a.2.total_cmp(&b.2)) {
        let timed = rows.iter().filter(|(_, t)| t.is_some()).count();
        let more = (repeats * 2).clamp(5, 1000);
        out.push(Warning {
            kind: "spread",
            rows: noisy.iter().map(|r| r.0).collect(),
            message: format!(
                "{} of {timed} timed rows spread more than {:.0} % between repeats \
                 (most: {label}, {:.0} %); their medians may differ by chance. \
                 Run again with more repeats ([run] repeats = {more}, now {repeats}) \
                 or at a quieter moment.",
                noisy.len(),
                SPREAD_LIMIT * 100.0,
                worst * 100.0
            ),
        });
    }
    let cores = load.cores.max(1);
    if let Some(avg) = load.load_avg_1min
        && avg / cores as f64 > LOAD_LIMIT
    {
        out.push(Warning {
            kind: "busy_before",
            rows: Vec::new(),
            message: format!(
                "the machine was busy before the run: load average {avg:.2} over the last \
                 minute on {cores} logical cores (above {LOAD_LIMIT} per core), so its \
                 threads shared cores with others. Run again at a quieter moment \
                 (close other programs; a build just before counts too)."
            ),
        });
    }
    if let Some(share) = load.others_cpu_share
        && share > OTHERS_LIMIT
    {
        out.push(Warning {
            kind: "busy_during",
            rows: Vec::new(),
            message: format!(
                "other processes used {:.0} % of the machine's CPU time while this \
                 experiment ran (above {:.0} %): its timings and speedups are lower \
                 than this machine gives. Run again at a quieter moment.",
                share * 100.0,
                OTHERS_LIMIT * 100.0
            ),
        });
    }
    out
}

/// CPU counters at one moment: the machine's busy and total CPU time and this
/// process's own, in clock ticks, with the wall clock.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    at: std::time::Instant,
    /// `(busy, total)` ticks of all CPUs, and own ticks (self and waited-for
    /// children), where the system says.
    ticks: Option<(u64, u64, u64)>,
}

impl Sample {
    /// The counters now.
    pub fn now() -> Sample {
        Sample {
            at: std::time::Instant::now(),
            ticks: read_ticks(),
        }
    }

    /// How busy the machine was between `self` and `later`, with the load
    /// average `load_avg_1min` read when the run started.
    pub fn load_until(&self, later: &Sample, load_avg_1min: Option<f64>, cores: usize) -> Load {
        let wall_s = later.at.duration_since(self.at).as_secs_f64();
        let (mut others, mut cpu_s) = (None, None);
        if let (Some(a), Some(b)) = (self.ticks, later.ticks) {
            let (busy, total, own) = (
                b.0.saturating_sub(a.0),
                b.1.saturating_sub(a.1),
                b.2.saturating_sub(a.2),
            );
            others = others_share(busy, total, own);
            // Linux reports both in USER_HZ, 100 per second on every
            // architecture Rust supports there.
            cpu_s = Some(own as f64 / 100.0);
        }
        Load {
            load_avg_1min,
            cores,
            others_cpu_share: others,
            cpu_s,
            wall_s,
        }
    }
}

/// The share of the machine's CPU time taken by others: `(busy − own) / total`,
/// 0 to 1; `None` over too short a window to say (under 20 ticks of all CPUs).
pub fn others_share(busy: u64, total: u64, own: u64) -> Option<f64> {
    (total >= 20).then(|| (busy.saturating_sub(own) as f64 / total as f64).clamp(0.0, 1.0))
}

/// The 1-minute load average of `/proc/loadavg` text (`0.52 0.61 0.70 1/123 4567`).
pub fn parse_loadavg(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// `(busy, total)` ticks from the first line of `/proc/stat` (`cpu  user nice
/// system idle iowait irq softirq steal …`): idle and iowait are not busy; guest
/// time is already inside user.
pub fn parse_stat(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().next()?;
    let mut fields = line.split_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let v: Vec<u64> = fields
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    if v.len() < 5 {
        return None;
    }
    let total: u64 = v.iter().sum();
    Some((total - v[3] - v[4], total))
}

/// This process's CPU ticks from `/proc/self/stat`: utime + stime + cutime +
/// cstime (fields 14 to 17, counted after the `)` that ends the command name).
pub fn parse_self_stat(text: &str) -> Option<u64> {
    let rest = &text[text.rfind(')')? + 1..];
    // After ")": state is field 3, so utime (14) is the 12th field here.
    let v: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(4)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    (v.len() == 4).then(|| v.iter().sum())
}

/// The load average now, on Linux.
pub fn load_average() -> Option<f64> {
    if cfg!(target_os = "linux") {
        parse_loadavg(&std::fs::read_to_string("/proc/loadavg").ok()?)
    } else {
        None
    }
}

fn read_ticks() -> Option<(u64, u64, u64)> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let (busy, total) = parse_stat(&std::fs::read_to_string("/proc/stat").ok()?)?;
    let own = parse_self_stat(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    Some((busy, total, own))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(median: f64, min: f64, max: f64, repeats: u32) -> Option<Timing> {
        Some(Timing {
            median_s: median,
            min_s: min,
            max_s: max,
            repeats,
        })
    }

    fn quiet(cores: usize) -> Load {
        Load {
            load_avg_1min: Some(0.1),
            cores,
            others_cpu_share: Some(0.02),
            cpu_s: Some(1.0),
            wall_s: 1.0,
        }
    }

    #[test]
    fn a_quiet_run_with_close_repeats_has_no_warning() {
        let rows = vec![
            ("workers=1".to_string(), t(1.0, 0.95, 1.1, 5)),
            ("workers=2".to_string(), t(0.5, 0.45, 0.55, 5)),
            ("model".to_string(), None),
        ];
        assert_eq!(warnings(&rows, &quiet(2), 5), vec![]);
    }

    #[test]
    fn a_spread_above_the_limit_names_the_rows_and_asks_for_more_repeats() {
        let rows = vec![
            ("workers=1".to_string(), t(1.0, 0.9, 1.1, 5)),
            ("workers=2".to_string(), t(0.5, 0.4, 0.8, 5)),
            ("workers=4".to_string(), t(0.5, 0.45, 0.55, 5)),
        ];
        let w = warnings(&rows, &quiet(2), 5);
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].kind, w[0].rows.clone()), ("spread", vec![1]));
        let m = &w[0].message;
        assert!(
            m.contains("1 of 3 timed rows") && m.contains("workers=2, 80 %"),
            "{m}"
        );
        assert!(
            m.contains("repeats = 10, now 5") && m.contains("quieter"),
            "{m}"
        );
    }

    #[test]
    fn the_spread_limit_itself_is_not_noise_and_one_repeat_never_is() {
        assert_eq!(row_noise(&t(1.0, 0.9, 1.15, 5).unwrap()), None);
        assert!(row_noise(&t(1.0, 0.9, 1.16, 5).unwrap()).is_some());
        // One repeat has no spread to judge, however odd its numbers.
        assert_eq!(row_noise(&t(1.0, 0.1, 9.0, 1).unwrap()), None);
    }

    #[test]
    fn a_busy_machine_warns_before_and_during() {
        let rows = vec![("workers=1".to_string(), t(1.0, 1.0, 1.0, 3))];
        let busy = Load {
            load_avg_1min: Some(4.5),
            cores: 2,
            others_cpu_share: Some(0.6),
            cpu_s: Some(0.8),
            wall_s: 1.0,
        };
        let w = warnings(&rows, &busy, 3);
        let kinds: Vec<_> = w.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, ["busy_before", "busy_during"]);
        assert!(w[0].message.contains("4.50") && w[0].message.contains("2 logical cores"));
        assert!(w[1].message.contains("60 %"), "{}", w[1].message);
        // The same load on 8 cores is not busy.
        let wide = Load { cores: 8, ..busy };
        assert_eq!(warnings(&rows, &wide, 3).len(), 1);
    }

    #[test]
    fn unknown_load_is_not_a_warning() {
        let rows = vec![("x".to_string(), t(1.0, 1.0, 1.0, 3))];
        assert_eq!(warnings(&rows, &Load::default(), 3), vec![]);
    }

    #[test]
    fn proc_files_parse() {
        assert_eq!(parse_loadavg("0.52 0.61 0.70 1/123 4567\n"), Some(0.52));
        assert_eq!(parse_loadavg(""), None);
        let stat = "cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n";
        assert_eq!(parse_stat(stat), Some((160, 1000)));
        assert_eq!(parse_stat("intr 1 2 3"), None);
        // A command name with spaces and a `)` inside.
        let me = "42 (my (odd) prog) S 1 42 42 0 -1 4194560 100 0 0 0 70 30 5 2 20 0 1 0";
        assert_eq!(parse_self_stat(me), Some(107));
        assert_eq!(parse_self_stat("42 (x) S 1"), None);
    }

    #[test]
    fn others_share_leaves_out_the_own_process_and_short_windows() {
        assert_eq!(others_share(150, 400, 50), Some(0.25));
        assert_eq!(others_share(10, 400, 50), Some(0.0));
        assert_eq!(others_share(5, 10, 0), None);
    }
}
