//! The parlab experiment harness: configs, sweeps, timing, scaling laws, reports.
//!
//! A lesson crate declares experiment kinds (a [`params!`] struct and a run
//! function, see [`kind()`]); the `xtask` driver loads a TOML config with
//! [`config::load`] and runs it with [`run::run`]. Everything a student sees
//! — the checked config, the table, the results JSON/CSV and the SVG plots — is
//! made here, so the driver stays thin and the tests call the same code.
//!
//! This crate knows nothing of the runtime or the lessons: dependencies go
//! `xtask → lessons → lab, runtime`.

pub mod config;
pub mod kind;
pub mod measure;
pub mod params;
pub mod plot;
pub mod progress;
pub mod report;
pub mod results;
pub mod run;
pub mod scaling;
pub mod sweep;

pub use kind::{Ctx, KeyError, Kind, Lesson, Typed, kind};
pub use measure::{Machine, Repeats, Timing};
pub use params::{Check, Invalid, KeyDoc, Params, Workers, at_least, between};
pub use plot::{Legend, Plot, Scale, Series, Style};
pub use report::{Report, Row};
pub use serde_json::Value;
