//! `[experiment.quick]`: the overrides `--quick` and the tests use.
//!
//! ```toml
//! [experiment.quick]
//! work_units = 400_000   # a smaller problem, so the lesson runs in seconds
//! workers = [1, 2]       # overriding a swept key replaces its axis
//! ```
//!
//! Any key of the experiment's kind may be overridden; an override of a swept
//! key replaces that axis (a list) or pins it (one value). The quick points are
//! checked along with the full ones, so `--quick` never finds a bad value late.

use super::error::ConfigError;
use super::source::Source;
use std::ops::Range;
use toml::Spanned;
use toml::de::DeValue;

/// The overrides, and where each was written.
pub(super) type Overrides = (toml::Table, Vec<(String, Range<usize>)>);

/// Reads the quick overrides of experiment `name` (kind `kind`, whose keys are
/// `keys`), with where each was written.
pub(super) fn read(
    c: &Source<'_>,
    value: &Spanned<DeValue<'_>>,
    keys: &[&str],
    name: &str,
    kind: &str,
) -> Result<Overrides, ConfigError> {
    let (mut quick, mut spans) = (toml::Table::new(), Vec::new());
    for (qk, qv) in c.table(value, "`[experiment.quick]`")?.iter() {
        let q = c.known(qk, keys, || {
            format!("in the quick overrides of \"{name}\" (kind {kind})")
        })?;
        spans.push((q.to_string(), qv.span()));
        quick.insert(q.to_string(), c.value(qv)?);
    }
    Ok((quick, spans))
}
