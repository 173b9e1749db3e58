//! `[run]`: how many times each point runs.
//!
//! ```toml
//! [run]
//! repeats = 5   # timed runs per point, 1 to 1000; the median is reported
//! warmup = 1    # untimed runs first, 0 to 100
//! ```
//!
//! Both are optional; without `[run]` a point is warmed up once and timed five
//! times. `--quick` replaces both with one timed run and no warm-up.

use super::error::ConfigError;
use super::source::{Source, get};
use crate::measure::Repeats;
use toml::Spanned;
use toml::de::DeValue;

/// The keys of `[run]`.
const RUN_KEYS: [&str; 2] = ["repeats", "warmup"];

/// What a config without `[run]` gets.
const DEFAULT: Repeats = Repeats {
    warmup: 1,
    repeats: 5,
};

/// Reads `[run]`, if the config has one.
pub(super) fn read(
    c: &Source<'_>,
    run: Option<&Spanned<DeValue<'_>>>,
) -> Result<Repeats, ConfigError> {
    let Some(run) = run else {
        return Ok(DEFAULT);
    };
    let table = c.table(run, "`[run]`")?;
    for (key, _) in table.iter() {
        c.known(key, &RUN_KEYS, || "in [run]".into())?;
    }
    Ok(Repeats {
        repeats: c
            .int_in(get(table, "repeats"), "repeats", 1, 1000)?
            .unwrap_or(DEFAULT.repeats),
        warmup: c
            .int_in(get(table, "warmup"), "warmup", 0, 100)?
            .unwrap_or(DEFAULT.warmup),
    })
}
