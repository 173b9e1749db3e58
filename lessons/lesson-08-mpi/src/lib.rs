//! Lesson 08 — beyond one machine: the course's experiments on MPI, where
//! processes share nothing and every byte between them is a message.
//!
//! Run it with `cargo xtask run lesson-08` (it needs an MPI installation; the
//! driver builds the rank program and starts `mpirun` for every sweep point,
//! with `workers` ranks); the experiments are in `configs/lesson-08.toml` and
//! the lesson itself is this crate's README.md. `cargo xtask slurm` writes a
//! batch script that runs the same experiments on a cluster.
//!
//! | kind | what it shows |
//! |---|---|
//! | [`pi_ranks`] | lesson 06's π across ranks with one `reduce`: the same hits and estimate as lesson 06, for any number of ranks |
//! | [`ping_pong`] | round-trip latency and bandwidth from 8 B to 64 MB over shared memory and TCP, Hockney's `t(n) = α + n/β` fitted, beside lesson 02's process pool |
//! | [`collectives`] | `bcast`, `reduce`, `allreduce`, `gather` against ranks and size, beside `log₂P·(α + n/β)` |
//! | [`weak_scaling`] | Gustafson across ranks (work per rank fixed) and the strong-scaling run of the same total work, on one plot |
//!
//! Each kind's file holds its keys, the driver's side (launch the ranks, make
//! the table) and, behind the `mpi` feature, the code every rank runs
//! (`on_rank`). [`launch`] starts the ranks, [`hockney`] fits the model,
//! [`slurm`] writes batch scripts.

/// A params struct of this lesson: the kind's own keys, then the launch keys
/// every kind shares (`launcher`, `hostfile`, `launcher_args`, `timeout_s`).
/// The calling module imports `Launcher` and `LauncherArgs` from [`launch`], so
/// `cargo xtask list` shows the types by those names.
macro_rules! mpi_params {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident { $($body:tt)* }
    ) => {
        lab::params! {
            $(#[doc = $sdoc])*
            pub struct $name {
                $($body)*
                /// How the ranks are started: "mpirun", "mpiexec", or "srun" (inside a Slurm allocation; `cargo xtask slurm` writes one). The environment variable PARLAB_LAUNCHER overrides it.
                pub launcher: Launcher = Launcher::Mpirun,
                /// A host file for mpirun/mpiexec (one host per line, `slots=N` for its ranks); "" runs every rank on this machine.
                pub hostfile: String = String::new(),
                /// More arguments for the launcher, before the program, e.g. ["--bind-to", "none"] or ["--map-by", "node"].
                pub launcher_args: LauncherArgs = Vec::new(),
                /// Seconds one launch may take; past it the ranks are stopped and the experiment fails.
                pub timeout_s: u64 = 600 => lab::at_least(1),
            }
        }

        impl $name {
            /// The launch keys of this point.
            pub fn settings(&self) -> $crate::launch::Settings {
                $crate::launch::Settings {
                    launcher: self.launcher,
                    hostfile: self.hostfile.clone(),
                    launcher_args: self.launcher_args.clone(),
                    timeout_s: self.timeout_s,
                }
            }
        }
    };
}

/// The runner of the exercises' checks (MPI programs tested on several ranks).
#[cfg(feature = "mpi")]
pub mod coursework;

pub mod collectives;
pub mod hockney;
pub mod job;
pub mod launch;
pub mod pi_ranks;
pub mod ping_pong;
pub mod slurm;
pub mod weak_scaling;

/// The rank program's main (`src/bin/lesson-08-rank.rs`).
#[cfg(feature = "mpi")]
pub mod rank;

/// The lesson, with its experiment kinds, for the driver. Every kind builds the
/// rank program before a run starts; that MPI is installed at all, the driver
/// checks before that (the lesson registry's MPI requirement).
pub fn lesson() -> lab::Lesson {
    let needs_mpi = |kind| lab::with_preflight(kind, launch::preflight);
    lab::Lesson {
        id: "lesson-08",
        title: "beyond one machine: message passing with MPI",
        kinds: vec![
            needs_mpi(pi_ranks::kind()),
            needs_mpi(ping_pong::kind()),
            needs_mpi(collectives::kind()),
            needs_mpi(weak_scaling::kind()),
        ],
    }
}
