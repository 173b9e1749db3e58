//! `cargo xtask`: the parlab driver (see the crate docs in `lib.rs`).

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    xtask::main()
}
