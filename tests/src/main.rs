//! The parlab driver as a binary of the `tests` package, so its integration tests
//! can run it (`CARGO_BIN_EXE_parlab`) exactly as `cargo xtask` does.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    xtask::main()
}
