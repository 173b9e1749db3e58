//! Behaviour tests of the runtime that run in this process's threads, one
//! test binary (one link) with a module per area, as ripgrep gathers its
//! integration tests. The tests that start worker processes are in
//! `tests/processes/`, the loom models in `tests/loom.rs`.
//!
//! `cargo test -p runtime --test threads [-- filter]`, e.g. `-- pool::`.

mod futures;
mod gil;
mod parallel;
mod pool;
mod rng;
