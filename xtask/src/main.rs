//! `cargo xtask`: the parlab driver (see the crate docs in `lib.rs`).

fn main() -> std::process::ExitCode {
    xtask::main()
}
