//! The columns of a report, named once for every renderer.
//!
//! A row's params and metrics become one column per key, in the order the keys
//! first appear. After them come the row's optional [`Part`]s — its timing, its
//! speedup — each with the columns it shows in the terminal table and the ones it
//! writes to CSV. The table and the CSV walk the same lists, so neither changes
//! when a row gains something:
//!
//! * a part with fixed columns (a noise warning, a time ledger) is one field on
//!   [`Row`] and one entry in [`PARTS`];
//! * a value beside each metric (a student's prediction) is one more source of
//!   keys in [`named`] and of values in [`Row::value`];
//! * a row of another origin (Python beside Rust) is a param, and needs nothing.

use super::model::{Report, Row};
use crate::numbers::format_number;

/// The named columns: the params keys of all rows, then their metrics keys, each
/// once, in the order they first appear. A row's cell in one is [`Row::value`].
pub fn named(report: &Report) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let rows = &report.rows;
    let all = rows.iter().flat_map(|r| r.params.keys());
    for k in all.chain(rows.iter().flat_map(|r| r.metrics.keys())) {
        if !keys.iter().any(|x| x == k) {
            keys.push(k.to_string());
        }
    }
    keys
}

/// A column: its header and what it shows for a row (`None`: the row has no
/// value there, and the cell stays empty).
pub type Column = (&'static str, fn(&Row) -> Option<String>);

/// An optional part of a row, shown after its params and metrics.
pub struct Part {
    /// Whether the row has this part. The terminal table shows a part's columns
    /// only when some row has it; the CSV always has them, so a script can rely
    /// on its header.
    pub present: fn(&Row) -> bool,
    /// Whether the part's values vary from run to run. A redacted table (the one
    /// the snapshot tests hold) prints `~` for them.
    pub varies: bool,
    /// Its columns in the terminal table: values as a student reads them, with
    /// the unit in the header.
    pub table: &'static [Column],
    /// Its columns in CSV: raw values, in SI units, for scripts.
    pub csv: &'static [Column],
}

/// Every optional part of a row, in the order of their columns.
pub const PARTS: &[Part] = &[TIMING, SCALING, LEDGER, CORE_WAIT];

/// The measured wall time: the median (what speedups use) and the spread of
/// the repeats around it.
const TIMING: Part = Part {
    present: |r| r.timing.is_some(),
    varies: true,
    table: &[
        ("time_ms", |r| {
            r.timing.map(|t| format_number(t.median_s * 1e3))
        }),
        ("spread_%", |r| {
            r.timing.map(|t| format!("{:.0}", t.spread() * 100.0))
        }),
    ],
    csv: &[
        ("median_s", |r| r.timing.map(|t| t.median_s.to_string())),
        ("min_s", |r| r.timing.map(|t| t.min_s.to_string())),
        ("max_s", |r| r.timing.map(|t| t.max_s.to_string())),
        ("repeats", |r| r.timing.map(|t| t.repeats.to_string())),
        ("spread", |r| r.timing.map(|t| t.spread().to_string())),
    ],
};

/// The ledger of a traced row: the shares of `workers × wall` (compute,
/// serial, overhead, lock wait, idle, in %), the lost speedup `workers −
/// speedup` split into its causes, and the serial part as a fraction of the
/// one-worker time (beside Karp–Flatt, which infers it). Only in the table and
/// the JSON: the CSV keeps its columns whether or not a run was traced.
const LEDGER: Part = Part {
    present: |r| r.ledger.is_some(),
    varies: true,
    table: &[
        ("task/ser/ovh/lock/idle_%", |r| {
            r.ledger.map(|l| {
                l.shares()
                    .iter()
                    .map(|s| format!("{:.0}", s * 100.0))
                    .collect::<Vec<_>>()
                    .join("/")
            })
        }),
        ("lost=ser+ovh+lock+idle", |r| {
            let (l, s, w) = (r.ledger?, r.speedup?, r.workers()?);
            let lost = w as f64 - s;
            Some(match l.split(lost) {
                Some(x) => format!(
                    "{lost:.2}={:.2}+{:.2}+{:.2}+{:.2}",
                    x.serial, x.overhead, x.lock_wait, x.idle
                ),
                // A speedup at or above the workers lost nothing (not "-0.00").
                None => format!("{:.2}", lost.max(0.0)),
            })
        }),
        ("ledger_serial_frac", |r| {
            let (l, s, t) = (r.ledger?, r.speedup?, r.timing?);
            let t1 = s * t.median_s;
            (l.serial_s > 0.0 && t1 > 0.0).then(|| format!("{:.3}", l.serial_s / t1))
        }),
    ],
    csv: &[],
};

/// Of a traced row's task time, the share its workers were runnable but
/// waiting for a core (the ledger's `core_wait_s` over `compute_s`, in %).
/// Shown only when some row waited [`Ledger::CORE_WAIT_SHOWN`] of its task
/// time or more: more runnable threads than cores.
///
/// [`Ledger::CORE_WAIT_SHOWN`]: crate::trace::Ledger::CORE_WAIT_SHOWN
const CORE_WAIT: Part = Part {
    present: |r| {
        r.ledger
            .is_some_and(|l| l.core_wait_share() >= crate::trace::Ledger::CORE_WAIT_SHOWN)
    },
    varies: true,
    table: &[("core_wait_%", |r| {
        let l = r.ledger?;
        l.core_wait_s?;
        Some(format!("{:.0}", l.core_wait_share() * 100.0))
    })],
    csv: &[],
};

/// Speedup and efficiency against the one-worker row.
const SCALING: Part = Part {
    present: |r| r.speedup.is_some(),
    varies: true,
    table: &[
        ("speedup", |r| r.speedup.map(|x| format!("{x:.2}"))),
        ("efficiency", |r| r.efficiency.map(|x| format!("{x:.2}"))),
    ],
    csv: &[
        ("speedup", |r| r.speedup.map(|x| x.to_string())),
        ("efficiency", |r| r.efficiency.map(|x| x.to_string())),
    ],
};
