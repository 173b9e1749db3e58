//! The command line, parsed with clap.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "parlab: run, list and design parallelism experiments",
    version
)]
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
    /// Measure the runtime's overheads against rayon and std (results/bench/).
    Bench {
        /// Small sizes: finishes in under 30 s.
        #[arg(long)]
        quick: bool,
        /// Where results go (default: results/ in the workspace root).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only the benchmark with this name (e.g. trace-cost).
        #[arg(long, value_name = "NAME")]
        only: Option<String>,
    },
    /// Build and test your exercises: which pass, which fail, what to do next.
    Check {
        /// Check one lesson (lesson-05) or one exercise (karp_flatt) only.
        target: Option<String>,
        /// Run the same tests against the reference solutions instead.
        #[arg(long)]
        solutions: bool,
    },
    /// Check the current exercise again on every save; move on when it passes (q + Enter quits).
    Watch {
        /// Watch one lesson (lesson-05) only; default: the whole course.
        lesson: Option<String>,
    },
    /// Put an exercise's starting text back (asks before overwriting your work).
    Reset {
        /// The exercise's name, as `cargo xtask check` prints it.
        exercise: String,
        /// Overwrite without asking.
        #[arg(long)]
        force: bool,
    },
    /// Print the hint of an exercise.
    Hint {
        /// The exercise's name, as `cargo xtask check` prints it.
        exercise: String,
    },
    /// Ask a lesson's quick checks in the terminal.
    Quiz {
        /// A lesson id such as lesson-05.
        lesson: String,
        /// Grade these answers (1-based, comma-separated, e.g. 2,1,3) without asking.
        #[arg(long, value_name = "LIST")]
        answers: Option<String>,
    },
    /// Write a Slurm batch script that runs a lesson-08 config on a cluster.
    Slurm(SlurmArgs),
    /// Make .venv with numpy and joblib for the lessons' Python rows (pip, from requirements.txt).
    PythonSetup {
        /// Remake the venv with this Python (default: keep a working .venv, or make one with python3 from PATH).
        #[arg(long, value_name = "INTERPRETER")]
        python: Option<String>,
    },
    /// Write results/index.html: every run on one page (tables, plots, config, machine).
    Report {
        /// The results folder to show (default: results/ in the workspace root).
        #[arg(long, value_name = "DIR")]
        results: Option<PathBuf>,
        /// Folders of reference runs to set beside yours (default: every lessons/*/reference/).
        #[arg(long, value_name = "DIR")]
        reference: Vec<PathBuf>,
    },
    /// Compare two runs (results folders or files): noise or a real difference, row by row.
    Compare {
        /// The first run: a results folder or one results file.
        a: PathBuf,
        /// The second run, compared against the first (ratios are B/A).
        b: PathBuf,
    },
    /// Pool a class's results folders: check each file, leave out bad ones, write tables and plots.
    Merge {
        /// One student's results/ folder each.
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Where the merged tables, plots and page go (default: results/merged/).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Folders of reference runs (default: every lessons/*/reference/).
        #[arg(long, value_name = "DIR")]
        reference: Vec<PathBuf>,
    },
    /// Write studies/<name>.toml from a lesson's defaults, every key commented.
    New {
        /// A lesson id such as lesson-05.
        lesson: String,
        /// The new config's name (studies/<name>.toml).
        name: String,
        /// Write into this folder instead of studies/.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

#[derive(Args)]
pub struct RunArgs {
    /// A lesson id (lesson-05) or the path of a config file (studies/my-study.toml).
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
    /// Trace one extra, untimed run of each row: a ledger of where the time went per row,
    /// and <experiment>.trace.json (open in ui.perfetto.dev) and
    /// <experiment>.timeline.svg beside the results. `[run] trace = true` does the same.
    #[arg(long)]
    pub trace: bool,
    /// With --trace: the rows each timeline draws, by their params (repeat for more):
    /// `--timeline workers=1,4 --timeline pool=processes`. For the experiments whose rows
    /// have those params, over their own `timeline = { ... }`; the default is the rows
    /// with the most workers.
    #[arg(long, value_name = "PARAM=VALUES")]
    pub timeline: Vec<String>,
    /// Print `~` for values that vary between runs (used by the snapshot tests).
    #[arg(long, hide = true)]
    pub redact: bool,
}

#[derive(Args)]
pub struct SlurmArgs {
    /// A config file (configs/lesson-08.toml) or lesson-08.
    pub config: String,
    /// Nodes to ask for.
    #[arg(long)]
    pub nodes: u32,
    /// MPI ranks (Slurm tasks) per node.
    #[arg(long, value_name = "N")]
    pub ranks_per_node: u32,
    /// Wall-clock limit, e.g. 00:10:00.
    #[arg(long)]
    pub time: String,
    /// The partition (queue) to submit to.
    #[arg(long)]
    pub partition: Option<String>,
    /// The account to charge.
    #[arg(long)]
    pub account: Option<String>,
    /// A shell line to run first, e.g. "module load openmpi" (repeat for more).
    #[arg(long, value_name = "LINE")]
    pub setup: Vec<String>,
    /// Run the experiments with --quick.
    #[arg(long)]
    pub quick: bool,
    /// Where to write the script (default: results/slurm/<config>.sbatch).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
