//! The rank program's main: what `mpirun -n <P> lesson-08-rank '<job>'` runs in
//! each of the `P` processes.
//!
//! Every rank reads the same job from its command line, initializes MPI (which
//! connects it to the others), runs the kind's `on_rank`, and rank 0 prints the
//! result for the driver. A rank that panics exits with an error, and the
//! launcher then stops the others and reports it.

use crate::job::{Job, RESULT_MARK};
use std::io::Write;
use std::process::ExitCode;

/// Runs one rank. Exit code 0, or 2 when the job cannot be read.
pub fn main() -> ExitCode {
    die_with_parent();
    let Some(text) = std::env::args().nth(1) else {
        eprintln!(
            "lesson-08-rank is started by `cargo xtask run lesson-08` through mpirun, with a job as its argument"
        );
        return ExitCode::from(2);
    };
    let job: Job = match serde_json::from_str(&text) {
        Ok(job) => job,
        Err(e) => {
            eprintln!("lesson-08-rank: cannot read the job: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(universe) = mpi::initialize() else {
        eprintln!("lesson-08-rank: MPI was already initialized");
        return ExitCode::from(2);
    };
    let world = universe.world();
    let result = match &job {
        Job::PiRanks(j) => crate::pi_ranks::on_rank(&world, j).map(to_json),
        Job::PingPong(j) => crate::ping_pong::on_rank(&world, j).map(to_json),
        Job::Collectives(j) => crate::collectives::on_rank(&world, j).map(to_json),
        Job::WeakScaling(j) => crate::weak_scaling::on_rank(&world, j).map(to_json),
    };
    if let Some(json) = result {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{RESULT_MARK}{json}");
        let _ = out.flush();
    }
    ExitCode::SUCCESS
}

fn to_json(result: impl serde::Serialize) -> String {
    serde_json::to_string(&result).expect("results are plain data")
}

/// Asks the kernel to SIGKILL this rank when its parent (the launcher, or
/// OpenMPI's daemon) dies, so a launcher killed without warning cannot leave
/// ranks spinning in MPI calls. If the parent is already gone (adopted by
/// init), exit now.
fn die_with_parent() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_PDEATHSIG takes a signal number and touches no memory;
        // getppid has no preconditions.
        let parent = unsafe {
            libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            );
            libc::getppid()
        };
        if parent == 1 {
            std::process::exit(1);
        }
    }
}
