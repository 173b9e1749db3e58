//! parlab as students and instructors meet it, through the real driver binary:
//! every lesson's default config against its snapshots, bad input, the command
//! line, coursework, the fuzz corpus, the Python rows, and the course's layout. One test binary
//! with a module per area, as ripgrep gathers its integration tests: one
//! compile and one link instead of one per file. A new area is a new module here.

#![forbid(unsafe_code)]

mod common;

mod bad_input;
mod cli;
mod configs;
mod coursework;
mod fuzz_corpus;
mod lesson_08;
mod python;
mod seeing_results;
mod tidy;
