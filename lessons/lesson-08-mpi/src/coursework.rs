//! The test runner of this lesson's exercises: MPI programs, tested on 1, 2 and
//! 4 ranks.
//!
//! An exercise's check file is a `harness = false` test target whose `main`
//! calls [`main`](crate::coursework::main) with its checks. Started by cargo, it is the *controller*: it
//! prints what libtest prints (`running N tests`, `---- name stdout ----` and the
//! failure, so `cargo xtask check` reads it the same way), and for each check
//! and rank count starts itself again through `mpirun -n <ranks>` (with the
//! root and oversubscription flags this machine needs) under a deadline, so a
//! send that never finds its receive fails the check instead of hanging it.
//! Started by mpirun, with `PARLAB_CHECK` naming a check, it is a *rank*: it
//! runs that check, and a failed assertion ends it with the message on stderr,
//! where the controller finds it.

use crate::launch::{self, Launcher, Settings, Transport};
use mpi::topology::SimpleCommunicator;
use std::panic;
use std::time::Duration;

/// One check of an exercise.
pub enum Check {
    /// Plain code, run once in the controller.
    Local(&'static str, fn()),
    /// MPI code, run by every rank, once for each rank count.
    Ranks(&'static str, &'static [usize], fn(&SimpleCommunicator)),
}

impl Check {
    fn name(&self) -> &'static str {
        match self {
            Check::Local(name, _) | Check::Ranks(name, ..) => name,
        }
    }
}

/// The variable that makes the program a rank running one check.
const RANK_VAR: &str = "PARLAB_CHECK";
/// The mark before a rank's failure on stderr (the message follows as JSON).
const FAILED_MARK: &str = "parlab-check-failed: ";
/// Longest one launch may take; a solution needs well under a second.
const DEADLINE: Duration = Duration::from_secs(30);

/// Runs the checks (the controller), or one check on one rank (under mpirun).
pub fn main(checks: &[Check]) -> ! {
    if let Ok(name) = std::env::var(RANK_VAR) {
        rank(checks, &name)
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let selected: Vec<&Check> = checks
        .iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name().contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let mut failures: Vec<(&str, String)> = Vec::new();
    for check in &selected {
        let outcome = match check {
            Check::Local(_, test) => {
                let hook = panic::take_hook();
                panic::set_hook(Box::new(|_| {}));
                let result = panic::catch_unwind(test).map_err(|p| message(&*p));
                panic::set_hook(hook);
                result
            }
            Check::Ranks(name, counts, _) => {
                counts.iter().try_for_each(|&ranks| on_ranks(name, ranks))
            }
        };
        match outcome {
            Ok(()) => println!("test {} ... ok", check.name()),
            Err(why) => {
                println!("test {} ... FAILED", check.name());
                failures.push((check.name(), why));
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:\n");
        for (name, why) in &failures {
            println!("---- {name} stdout ----\n{why}\n");
        }
        println!("\nfailures:");
        for (name, _) in &failures {
            println!("    {name}");
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed\n",
        if failures.is_empty() { "ok" } else { "FAILED" },
        selected.len() - failures.len(),
        failures.len()
    );
    std::process::exit(if failures.is_empty() { 0 } else { 101 });
}

/// Starts `ranks` copies of this program running check `name`.
fn on_ranks(name: &str, ranks: usize) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this test program: {e}"))?;
    let settings = Settings {
        launcher: Launcher::Mpirun,
        hostfile: String::new(),
        launcher_args: Vec::new(),
        timeout_s: DEADLINE.as_secs(),
    };
    // A failing check is a rank that exits early. Open MPI then stops the
    // others with SIGTERM and waits a second (`odls_base_sigkill_timeout`)
    // before SIGKILL, twice over: 2.3 s per failing launch, 0.3 s with no wait.
    // A check's ranks hold nothing to clean up. (Other MPIs ignore the variable.)
    let env = [
        (RANK_VAR.to_string(), name.to_string()),
        (
            "OMPI_MCA_odls_base_sigkill_timeout".to_string(),
            "0".to_string(),
        ),
    ];
    let launched = launch::start(&settings, ranks, Transport::Default, &me, &[], &env)
        .map_err(|e| format!("with {ranks} ranks: {e:#}\n(something waits forever: a receive without its send, or a send to the wrong rank?)"))?;
    if launched.finished.status.success() {
        return Ok(());
    }
    // The first rank that failed said why.
    let why = launched
        .finished
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix(FAILED_MARK))
        .and_then(|json| serde_json::from_str::<String>(json).ok())
        .unwrap_or_else(|| {
            format!(
                "the ranks failed ({}):\n{}",
                launched.finished.status,
                launch::tail(&launched.finished.stderr, 12)
            )
        });
    Err(format!("with {ranks} ranks: {why}"))
}

/// In a rank: runs check `name`; a failed assertion prints its message (as one
/// JSON line) and exits non-zero, which makes the launcher stop the others.
fn rank(checks: &[Check], name: &str) -> ! {
    panic::set_hook(Box::new(|info| {
        let text = match info.payload().downcast_ref::<&str>() {
            Some(s) => s.to_string(),
            None => info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "(a panic without a message)".into()),
        };
        let json = serde_json::to_string(&text).unwrap_or_default();
        eprintln!("{FAILED_MARK}{json}");
    }));
    let Some(Check::Ranks(_, _, test)) = checks.iter().find(|c| c.name() == name) else {
        eprintln!("no MPI check named {name}");
        std::process::exit(2);
    };
    let Some(universe) = mpi::initialize() else {
        std::process::exit(2);
    };
    let world = universe.world();
    let passed = panic::catch_unwind(panic::AssertUnwindSafe(|| test(&world))).is_ok();
    if !passed {
        // Exit without finalizing: the other ranks may be waiting for this one,
        // and the launcher ends them when it sees a rank die.
        std::process::exit(101);
    }
    drop(universe);
    std::process::exit(0);
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}
