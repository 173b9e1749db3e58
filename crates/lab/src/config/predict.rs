//! `[experiment.predict]`: what the student expects before the run.
//!
//! ```toml
//! [experiment.predict]
//! speedup = [{ workers = 2, value = 1.8 }, { workers = 4, value = 2.6 }]
//! efficiency = { workers = 2, value = 0.9 }
//! ```
//!
//! Each key is a quantity (`speedup`, `efficiency`, `seconds` or a metric's
//! name, see [`crate::predict`]); its value is one prediction, a table of the
//! params of the rows it is about plus `value`, or a list of them. Which rows
//! exist is known only after the run: a prediction that matches none is
//! reported then, not refused here.

use super::error::ConfigError;
use super::source::{Source, type_name};
use crate::predict::Prediction;
use toml::Spanned;
use toml::de::DeValue;

const SHAPE: &str =
    "write `speedup = { workers = 2, value = 1.8 }`, or a list of such tables for several rows";

/// Reads the predictions of experiment `name`, in the order written.
pub(super) fn read(
    c: &Source<'_>,
    value: &Spanned<DeValue<'_>>,
    name: &str,
) -> Result<Vec<Prediction>, ConfigError> {
    let table = c.table(value, "`[experiment.predict]`").map_err(|mut e| {
        e.help.push(format!("under [experiment.predict], {SHAPE}"));
        e
    })?;
    let mut out = Vec::new();
    for (quantity, entries) in table.iter() {
        let quantity = quantity.get_ref().to_string();
        let list: Vec<&Spanned<DeValue<'_>>> = match entries.get_ref() {
            DeValue::Table(_) => vec![entries],
            DeValue::Array(items) if items.is_empty() => {
                return Err(c.error(
                    entries.span(),
                    format!("the list of predictions of `{quantity}` in \"{name}\" is empty"),
                    vec![SHAPE.into()],
                ));
            }
            DeValue::Array(items) => items.iter().collect(),
            other => {
                return Err(c.error(
                    entries.span(),
                    format!(
                        "a prediction of `{quantity}` must be a table of params and `value`, found {}",
                        type_name(other)
                    ),
                    vec![SHAPE.into()],
                ));
            }
        };
        for entry in list {
            out.push(read_one(c, entry, &quantity)?);
        }
    }
    Ok(out)
}

/// One `{ params..., value = x }`.
fn read_one(
    c: &Source<'_>,
    entry: &Spanned<DeValue<'_>>,
    quantity: &str,
) -> Result<Prediction, ConfigError> {
    let DeValue::Table(table) = entry.get_ref() else {
        return Err(c.error(
            entry.span(),
            format!(
                "each prediction of `{quantity}` must be a table of params and `value`, found {}",
                type_name(entry.get_ref())
            ),
            vec![SHAPE.into()],
        ));
    };
    let mut value = None;
    let mut at = Vec::new();
    for (key, v) in table.iter() {
        let k = key.get_ref().as_ref();
        if k == "value" {
            let number = match v.get_ref() {
                DeValue::Integer(_) | DeValue::Float(_) => {
                    let x = c.value(v)?;
                    x.as_float().or(x.as_integer().map(|i| i as f64))
                }
                _ => None,
            };
            match number {
                Some(x) if x.is_finite() && x > 0.0 => value = Some(x),
                _ => {
                    return Err(c.error(
                        v.span(),
                        format!(
                            "the predicted `{quantity}` must be a positive number, found {}",
                            &c.src[v.span()]
                        ),
                        vec![
                            "predictions are scored by the ratio measured / predicted, so a value must be above 0"
                                .into(),
                        ],
                    ));
                }
            }
            continue;
        }
        match v.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) | DeValue::String(_) | DeValue::Boolean(_) => {
                at.push((k.to_string(), c.value(v)?));
            }
            other => {
                return Err(c.error(
                    v.span(),
                    format!(
                        "`{k}` in a prediction names one row's param, so it must be one value, found {}",
                        type_name(other)
                    ),
                    vec![format!(
                        "to predict several points, write one table per point: `{quantity} = [{{ {k} = 2, value = ... }}, {{ {k} = 4, value = ... }}]`"
                    )],
                ));
            }
        }
    }
    let Some(value) = value else {
        return Err(c.error(
            entry.span(),
            format!("this prediction of `{quantity}` has no `value`"),
            vec![
                "add `value = <what you expect>` beside the params of the row, e.g. { workers = 2, value = 1.8 }"
                    .into(),
            ],
        ));
    };
    Ok(Prediction {
        quantity: quantity.to_string(),
        at,
        value,
    })
}
