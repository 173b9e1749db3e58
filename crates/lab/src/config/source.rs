//! The config text being checked, and the reads every section shares.
//!
//! The TOML is parsed once into a spanned tree ([`DeTable`]): every key and value
//! keeps the byte range it was written at. [`Source`] turns a range into a
//! located [`ConfigError`] (line, column, the quoted line, the width to
//! underline) and reads spanned values as plain typed ones, so a section's code
//! says only what it expects and where to point when it does not get it.

use super::error::{ConfigError, Location};
use crate::suggest::did_you_mean;
use std::borrow::Cow;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The text of one config file and the name to show for it.
pub(super) struct Source<'a> {
    pub(super) file: &'a str,
    pub(super) src: &'a str,
}

impl Source<'_> {
    /// The 1-based line and column of a byte offset.
    pub(super) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let before = &self.src[..offset];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// An error pointing at `span`.
    pub(super) fn error(
        &self,
        span: Range<usize>,
        message: String,
        help: Vec<String>,
    ) -> ConfigError {
        let (line, col) = self.line_col(span.start);
        let text = self.src.lines().nth(line - 1).unwrap_or("").to_string();
        let end = span.end.min(self.src.len()).max(span.start);
        let width = self
            .src
            .get(span.start.min(self.src.len())..end)
            .map_or(1, |s| s.lines().next().unwrap_or("").chars().count());
        ConfigError {
            file: self.file.to_string(),
            at: Some(Location {
                line,
                col,
                text,
                width,
            }),
            message,
            help,
        }
    }

    /// An error for a key that is not one of `valid`, with a "did you mean".
    pub(super) fn unknown_key(
        &self,
        key: &Spanned<Cow<'_, str>>,
        valid: &[&str],
        where_: &str,
    ) -> ConfigError {
        let k = key.get_ref().as_ref();
        let mut help = Vec::new();
        if let Some(m) = did_you_mean(k, valid.iter().copied()) {
            help.push(format!("did you mean `{m}`?"));
        }
        help.push(format!("valid keys: {}", valid.join(", ")));
        self.error(key.span(), format!("unknown key `{k}` {where_}"), help)
    }

    /// The key's name when it is one of `valid`; otherwise the unknown-key error
    /// (`where_` says where, e.g. "in [run]").
    pub(super) fn known<'k>(
        &self,
        key: &'k Spanned<Cow<'_, str>>,
        valid: &[&str],
        where_: impl FnOnce() -> String,
    ) -> Result<&'k str, ConfigError> {
        let k = key.get_ref().as_ref();
        if valid.contains(&k) {
            Ok(k)
        } else {
            Err(self.unknown_key(key, valid, &where_()))
        }
    }

    /// `value` as a table (`what` names it in the error).
    pub(super) fn table<'t, 'i>(
        &self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
    ) -> Result<&'t DeTable<'i>, ConfigError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.error(
                value.span(),
                format!("{what} must be a table, found {}", type_name(other)),
                vec![],
            )),
        }
    }

    /// A whole number from `lo` to `hi`, if the key is set.
    pub(super) fn int_in(
        &self,
        value: Option<&Spanned<DeValue<'_>>>,
        key: &str,
        lo: i64,
        hi: i64,
    ) -> Result<Option<u32>, ConfigError> {
        let Some(v) = value else { return Ok(None) };
        let n = match v.get_ref() {
            DeValue::Integer(_) => self.value(v)?.as_integer(),
            _ => None,
        };
        match n {
            Some(n) if (lo..=hi).contains(&n) => Ok(Some(n as u32)),
            Some(n) => Err(self.error(
                v.span(),
                format!("`{key}` must be from {lo} to {hi}, found {n}"),
                vec![],
            )),
            None => Err(self.error(
                v.span(),
                format!("`{key}` must be a whole number from {lo} to {hi}"),
                vec![],
            )),
        }
    }

    /// The plain value of a spanned one, re-read from its own text (the spanned
    /// tree keeps numbers as text: this is where an integer too large is caught).
    pub(super) fn value(&self, v: &Spanned<DeValue<'_>>) -> Result<toml::Value, ConfigError> {
        match v.get_ref() {
            DeValue::Table(t) => {
                let mut table = toml::Table::new();
                for (k, v) in t.iter() {
                    table.insert(k.get_ref().to_string(), self.value(v)?);
                }
                Ok(toml::Value::Table(table))
            }
            DeValue::Array(a) => Ok(toml::Value::Array(self.values(a)?)),
            _ => {
                let text = &self.src[v.span()];
                match toml::from_str::<toml::Table>(&format!("v = {text}")) {
                    Ok(mut doc) => Ok(doc.remove("v").expect("the key we wrote")),
                    Err(e) => Err(self.error(
                        v.span(),
                        format!("bad value: {}", e.message().trim_end()),
                        vec![
                            "whole numbers must fit in 64 bits (at most 9223372036854775807)"
                                .into(),
                        ],
                    )),
                }
            }
        }
    }

    /// The plain values of a spanned list.
    pub(super) fn values(
        &self,
        list: &[Spanned<DeValue<'_>>],
    ) -> Result<Vec<toml::Value>, ConfigError> {
        list.iter().map(|v| self.value(v)).collect()
    }
}

/// The value at `key` of a spanned table.
pub(super) fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

/// What a TOML value is, for "found …" in messages.
pub(super) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
