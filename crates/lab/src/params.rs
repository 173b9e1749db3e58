//! Typed parameters of an experiment kind, and the value types with ranges.
//!
//! A kind declares its keys once, with [`params!`](crate::params!): a struct whose
//! fields are the TOML keys, each with a doc comment (shown by `cargo xtask list`),
//! a default, and optionally a range check. Unknown keys are refused
//! (`deny_unknown_fields`), missing keys take their default.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One key of an experiment kind, as `cargo xtask list` and `cargo xtask new` show it.
#[derive(Debug, Clone)]
pub struct KeyDoc {
    /// The key, as written in a config.
    pub name: &'static str,
    /// The Rust type, as written in the params struct.
    pub ty: &'static str,
    /// What the key does (the field's doc comment).
    pub doc: String,
    /// The allowed range, when the key has one ("≥ 1", "0 to 1").
    pub range: Option<String>,
}

/// A key whose value is out of its range: reported at the key's line and column.
#[derive(Debug, Clone)]
pub struct Invalid {
    /// The key out of range.
    pub key: &'static str,
    /// What the range is and what was found.
    pub message: String,
}

/// The parameters of an experiment kind: what [`params!`](crate::params!) implements.
pub trait Params:
    Serialize + serde::de::DeserializeOwned + Default + Clone + Send + Sync + 'static
{
    /// Every key, in declaration order.
    fn keys() -> Vec<KeyDoc>;
    /// Checks every range; the first key out of range is the error.
    fn validate(&self) -> Result<(), Invalid>;
}

/// A range a key's value must lie in.
pub trait Check<T> {
    /// `Ok` when `value` is in range; otherwise what is wrong.
    fn check(&self, value: &T) -> Result<(), String>;
    /// The range in words ("≥ 1", "from 0 to 1"), for `cargo xtask list`.
    fn describe(&self) -> String;
}

/// `value >= min`.
pub struct AtLeast<T>(pub T);
/// `lo <= value <= hi`.
pub struct Between<T>(pub T, pub T);

impl<T: PartialOrd + fmt::Display> Check<T> for AtLeast<T> {
    fn check(&self, value: &T) -> Result<(), String> {
        if *value >= self.0 {
            Ok(())
        } else {
            Err(format!("must be {}, found {value}", self.describe()))
        }
    }
    fn describe(&self) -> String {
        format!("≥ {}", self.0)
    }
}

impl<T: PartialOrd + fmt::Display> Check<T> for Between<T> {
    fn check(&self, value: &T) -> Result<(), String> {
        if *value >= self.0 && *value <= self.1 {
            Ok(())
        } else {
            Err(format!("must be {}, found {value}", self.describe()))
        }
    }
    fn describe(&self) -> String {
        format!("from {} to {}", self.0, self.1)
    }
}

/// `value >= min`, e.g. `work_units: u64 = 1_000 => at_least(1)`.
pub fn at_least<T>(min: T) -> AtLeast<T> {
    AtLeast(min)
}

/// `lo <= value <= hi`, e.g. `serial_fraction: f64 = 0.1 => between(0.0, 1.0)`.
pub fn between<T>(lo: T, hi: T) -> Between<T> {
    Between(lo, hi)
}

/// Declares the params struct of an experiment kind.
///
/// ```
/// lab::params! {
///     /// Parameters of a made-up kind.
///     pub struct Demo {
///         /// How many items to process.
///         pub items: u64 = 1_000 => lab::at_least(1),
///         /// Worker threads.
///         pub workers: lab::Workers = lab::Workers::Count(1),
///     }
/// }
/// use lab::Params;
/// let p: Demo = toml::from_str("items = 5").unwrap();
/// assert_eq!(p.items, 5);
/// assert_eq!(Demo::keys()[0].range.as_deref(), Some("≥ 1"));
/// assert!(toml::from_str::<Demo>("itemz = 5").is_err());
/// ```
#[macro_export]
macro_rules! params {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                pub $field:ident : $ty:ty = $default:expr $(=> $check:expr)?
            ),* $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl ::core::default::Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $crate::Params for $name {
            fn keys() -> ::std::vec::Vec<$crate::KeyDoc> {
                #[allow(unused_imports)]
                use $crate::Check as _;
                ::std::vec![$(
                    $crate::KeyDoc {
                        name: ::core::stringify!($field),
                        ty: ::core::stringify!($ty),
                        doc: [$($doc),*].iter().map(|l: &&str| l.trim()).collect::<::std::vec::Vec<_>>().join(" "),
                        range: ::core::option::Option::<::std::string::String>::None
                            $( .or(::core::option::Option::Some($crate::params::describe_check::<$ty>(&$check))) )?,
                    }
                ),*]
            }

            fn validate(&self) -> ::core::result::Result<(), $crate::Invalid> {
                $( $(
                    $crate::Check::<$ty>::check(&$check, &self.$field).map_err(|message| $crate::Invalid {
                        key: ::core::stringify!($field),
                        message,
                    })?;
                )? )*
                Ok(())
            }
        }
    };
}

#[doc(hidden)]
pub fn describe_check<T>(check: &impl Check<T>) -> String {
    check.describe()
}

/// A worker count: a whole number ≥ 1, or `"all"` for every logical core.
///
/// Every lesson names its worker count `workers`, so graders can rely on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    /// This many.
    Count(usize),
    /// One per logical core of the machine running the experiment.
    All,
}

impl Workers {
    /// The number of threads or processes this stands for on this machine.
    pub fn get(self) -> usize {
        match self {
            Workers::Count(n) => n,
            Workers::All => crate::measure::logical_cores(),
        }
    }
}

impl Default for Workers {
    fn default() -> Self {
        Workers::Count(1)
    }
}

impl fmt::Display for Workers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workers::Count(n) => write!(f, "{n}"),
            Workers::All => f.write_str("all"),
        }
    }
}

impl Serialize for Workers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Workers::Count(n) => s.serialize_u64(*n as u64),
            Workers::All => s.serialize_str("all"),
        }
    }
}

const WORKERS_EXPECTED: &str = "a whole number ≥ 1, or \"all\" (every logical core)";

impl<'de> Deserialize<'de> for Workers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Workers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(WORKERS_EXPECTED)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Workers, E> {
                if (1..=1 << 16).contains(&v) {
                    Ok(Workers::Count(v as usize))
                } else {
                    Err(E::custom(format!(
                        "workers must be from 1 to 65536, or \"all\"; found {v}"
                    )))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Workers, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Workers, E> {
                if v == "all" {
                    Ok(Workers::All)
                } else {
                    Err(E::custom(format!(
                        "expected {WORKERS_EXPECTED}, found \"{v}\""
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

    #[test]
    fn workers_accepts_counts_and_all_only() {
        #[derive(Deserialize)]
        struct W {
            workers: Workers,
        }
        let ok = |s: &str| toml::from_str::<W>(s).map(|w| w.workers);
        assert_eq!(ok("workers = 3").unwrap(), Workers::Count(3));
        assert_eq!(ok("workers = \"all\"").unwrap(), Workers::All);
        assert!(ok("workers = 0").is_err());
        assert!(ok("workers = -2").is_err());
        assert!(ok("workers = \"many\"").is_err());
        assert!(ok("workers = 1.5").is_err());
    }
}
