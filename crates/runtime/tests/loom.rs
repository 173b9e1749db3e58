//! Loom models of the runtime's protocols, one test binary: the interpreter
//! lock's handoff (`loom/gil.rs`), the thread pool's queue and shutdown
//! (`loom/pool.rs`) and the futures' state machine (`loom/futures.rs`).
//!
//! They build only with `--cfg loom`, which swaps the runtime's `Mutex`,
//! `Condvar`, atomics and threads for loom's (`src/sync.rs`):
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p runtime --release --test loom`
//! (add a module name, `gil`, `pool` or `futures`, to run one). `.ci/run`
//! runs every `tests/*loom*.rs` this way.
#![cfg(loom)]

#[path = "loom/futures.rs"]
mod futures;
#[path = "loom/gil.rs"]
mod gil;
#[path = "loom/pool.rs"]
mod pool;
