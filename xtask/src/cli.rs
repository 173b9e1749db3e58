//! The command line, parsed with clap.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "parlab: run, list and design parallelism experiments", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// List the lessons, or one lesson's experiment kinds and their keys.
    List {
        /// A lesson id such as lesson-05.
        lesson: Option<String>,
    },
    /// Run a lesson's experiments (configs/<lesson>.toml) or any config file.
    Run(RunArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// A lesson id (lesson-05) or the path of a config file (configs/my-study.toml).
    pub target: String,
    /// Use each experiment's [experiment.quick] overrides, one timed run, no warm-up.
    #[arg(long)]
    pub quick: bool,
    /// Run only the experiment with this name.
    #[arg(long, value_name = "NAME")]
    pub only: Option<String>,
    /// Where results go (default: results/ in the workspace root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print `~` for values that vary between runs (used by the snapshot tests).
    #[arg(long, hide = true)]
    pub redact: bool,
}
