//! The error a config gets: where, what is wrong, what was expected — laid out
//! the way rustc lays out its own, so a student who has read one can read the
//! other.
//!
//! ```text
//! configs/my-study.toml:5:8: unknown kind "strong-scalling" for lesson-05
//!   |
//! 5 | kind = "strong-scalling"
//!   |        ^^^^^^^^^^^^^^^^^
//!   = did you mean "strong-scaling"?
//! ```

use std::fmt;

/// A config that cannot run: where, what is wrong, and what was expected.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The file, as the user named it.
    pub file: String,
    /// Line and column (1-based) with the quoted line and the width to underline.
    pub at: Option<Location>,
    /// What is wrong, in one line.
    pub message: String,
    /// What was expected: valid keys or kinds, a "did you mean", the allowed range.
    pub help: Vec<String>,
}

/// Where in the file a [`ConfigError`] points.
#[derive(Debug, Clone)]
pub struct Location {
    /// The line, from 1.
    pub line: usize,
    /// The column in characters, from 1.
    pub col: usize,
    /// The whole line, quoted under the message.
    pub text: String,
    /// How many characters the caret line underlines.
    pub width: usize,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => {
                writeln!(f, "{}:{}:{}: {}", self.file, at.line, at.col, self.message)?;
                let num = at.line.to_string();
                let gutter = " ".repeat(num.len());
                writeln!(f, "{gutter} |")?;
                writeln!(f, "{num} | {}", at.text)?;
                let lead: String = at
                    .text
                    .chars()
                    .take(at.col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "{gutter} | {lead}{}", "^".repeat(at.width.max(1)))?;
            }
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        for h in &self.help {
            write!(f, "\n  = {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
