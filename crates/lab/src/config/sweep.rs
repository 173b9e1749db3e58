//! `[experiment.sweep]`: the keys an experiment varies, and their values.
//!
//! ```toml
//! [experiment.sweep]
//! workers = [1, 2, 4]          # every value is one point ("all": every core)
//! serial_fraction = [0.0, 0.1] # two axes: 3 × 2 = 6 points
//! ```
//!
//! Each axis is a key of the experiment's kind with a non-empty list of values;
//! a key is set or swept, not both. The axes expand to their Cartesian product
//! (see [`crate::sweep`]), and every point is checked before anything runs.

use super::error::ConfigError;
use super::source::Source;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The axes in the order written, and where each value was written.
pub(super) type Axes = (
    Vec<(String, Vec<toml::Value>)>,
    Vec<(String, Vec<Range<usize>>)>,
);

/// Reads the sweep of experiment `name` (kind `kind`, whose keys are `keys`;
/// `experiment` is its whole table, to catch a key both set and swept).
pub(super) fn read(
    c: &Source<'_>,
    value: &Spanned<DeValue<'_>>,
    experiment: &DeTable<'_>,
    keys: &[&str],
    name: &str,
    kind: &str,
) -> Result<Axes, ConfigError> {
    let (mut axes, mut spans) = (Vec::new(), Vec::new());
    for (axis, values) in c.table(value, "`[experiment.sweep]`")?.iter() {
        let a = c.known(axis, keys, || {
            format!("in the sweep of \"{name}\" (kind {kind})")
        })?;
        if experiment
            .iter()
            .any(|(other, _)| other.get_ref().as_ref() == a)
        {
            return Err(c.error(
                axis.span(),
                format!("`{a}` is both set and swept in \"{name}\""),
                vec!["keep one: a fixed value, or a list under [experiment.sweep]".into()],
            ));
        }
        let DeValue::Array(list) = values.get_ref() else {
            return Err(c.error(
                values.span(),
                format!("a sweep axis is a list of values, e.g. `{a} = [1, 2, 4]`"),
                vec![],
            ));
        };
        if list.is_empty() {
            return Err(c.error(
                values.span(),
                format!("the sweep over `{a}` is empty"),
                vec!["give at least one value, e.g. `workers = [1, 2]`".into()],
            ));
        }
        spans.push((a.to_string(), list.iter().map(|v| v.span()).collect()));
        axes.push((a.to_string(), c.values(list)?));
    }
    Ok((axes, spans))
}
