//! Config values of this lesson: a backend name and a batch size.

use runtime::parallel::{Backend, BatchSize};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A backend, written `"rayon"`, `"threads"` or `"processes"` in a config.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackendKey(pub Backend);

impl fmt::Display for BackendKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for BackendKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for BackendKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse()
            .map(BackendKey)
            .map_err(serde::de::Error::custom)
    }
}

/// A batch size, written `"auto"` or a whole number ≥ 1 in a config.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchKey(pub BatchSize);

impl fmt::Display for BatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for BatchKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            BatchSize::Auto => s.serialize_str("auto"),
            BatchSize::Fixed(n) => s.serialize_u64(n as u64),
        }
    }
}

const BATCH_EXPECTED: &str = "\"auto\" or a whole number ≥ 1";

impl<'de> Deserialize<'de> for BatchKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = BatchKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(BATCH_EXPECTED)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<BatchKey, E> {
                match usize::try_from(v) {
                    Ok(n) if n >= 1 => Ok(BatchKey(BatchSize::Fixed(n))),
                    _ => Err(E::custom(format!(
                        "batch_size must be {BATCH_EXPECTED}; found {v}"
                    ))),
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<BatchKey, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<BatchKey, E> {
                if v == "auto" {
                    Ok(BatchKey(BatchSize::Auto))
                } else {
                    Err(E::custom(format!(
                        "batch_size must be {BATCH_EXPECTED}; found \"{v}\""
                    )))
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Keys {
        backend: Option<BackendKey>,
        batch_size: Option<BatchKey>,
    }

    fn parse(s: &str) -> Result<Keys, String> {
        toml::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn backends_and_batch_sizes_parse_and_bad_ones_say_what_is_expected() {
        let k = parse("backend = \"processes\"\nbatch_size = 64").unwrap();
        assert_eq!(k.backend, Some(BackendKey(Backend::ProcessPool)));
        assert_eq!(k.batch_size, Some(BatchKey(BatchSize::Fixed(64))));
        let k = parse("batch_size = \"auto\"").unwrap();
        assert_eq!(k.batch_size, Some(BatchKey(BatchSize::Auto)));
        assert!(
            parse("backend = \"gpu\"")
                .unwrap_err()
                .contains("\"rayon\", \"threads\" or \"processes\"")
        );
        assert!(
            parse("batch_size = 0")
                .unwrap_err()
                .contains("\"auto\" or a whole number")
        );
        assert!(
            parse("batch_size = \"big\"")
                .unwrap_err()
                .contains("\"auto\" or a whole number")
        );
    }
}
