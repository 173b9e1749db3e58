//! Which MPI is installed, and the command line that starts `n` ranks with it.
//!
//! Two families of launcher exist in the wild, and they disagree on flags:
//!
//! - **OpenMPI**'s `mpirun`/`mpiexec` refuses to run as root unless told
//!   (`--allow-run-as-root`: CI and containers run as root), and refuses to start
//!   more ranks than the machine has cores ("not enough slots") unless told
//!   (`--oversubscribe` up to version 4, `--map-by :OVERSUBSCRIBE` from 5). Its
//!   transports are MCA parameters, which every rank also reads from the
//!   environment: `OMPI_MCA_pml=ob1` with `OMPI_MCA_btl=self,vader` (shared
//!   memory; `sm` from version 5) or `self,tcp`.
//! - **MPICH** (and Intel MPI)'s Hydra `mpiexec` runs as root and oversubscribes
//!   without complaint; shared memory is its default between ranks of one node,
//!   and `MPIR_CVAR_NOLOCAL=1` (`MPIR_CVAR_CH3_NOLOCAL` for the older ch3 device)
//!   sends even those through the network module.
//!
//! On a cluster, Slurm's `srun` starts the ranks inside an allocation; MCA
//! environment variables work there too.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How the ranks are started: the `launcher` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Launcher {
    /// `mpirun -n <ranks>` (OpenMPI, MPICH).
    Mpirun,
    /// `mpiexec -n <ranks>`: the MPI standard's name for the same thing.
    Mpiexec,
    /// `srun -n <ranks>`, inside a Slurm allocation (see `cargo xtask slurm`).
    Srun,
}

impl Launcher {
    /// The program's name.
    pub fn program(self) -> &'static str {
        match self {
            Launcher::Mpirun => "mpirun",
            Launcher::Mpiexec => "mpiexec",
            Launcher::Srun => "srun",
        }
    }

    /// `PARLAB_LAUNCHER` (set by the Slurm batch script) overrides the config's key.
    pub fn overridden(self) -> anyhow::Result<Launcher> {
        match std::env::var("PARLAB_LAUNCHER") {
            Err(_) => Ok(self),
            Ok(v) if v.is_empty() => Ok(self),
            Ok(v) => match v.as_str() {
                "mpirun" => Ok(Launcher::Mpirun),
                "mpiexec" => Ok(Launcher::Mpiexec),
                "srun" => Ok(Launcher::Srun),
                other => anyhow::bail!(
                    "PARLAB_LAUNCHER is \"{other}\"; expected mpirun, mpiexec or srun"
                ),
            },
        }
    }
}

/// Which MPI transport the ranks use: the `transport` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// Whatever the MPI library picks (on one machine: shared memory, or UCX).
    Default,
    /// Shared memory between ranks of one machine (OpenMPI's `vader`/`sm` BTL).
    SharedMemory,
    /// TCP sockets, even between ranks of one machine (OpenMPI's `tcp` BTL).
    Tcp,
}

impl Transport {
    /// The name used in configs and tables.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Default => "default",
            Transport::SharedMemory => "shared-memory",
            Transport::Tcp => "tcp",
        }
    }
}

/// The MPI library behind a launcher, from its `--version` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// OpenMPI, with its major and minor version.
    OpenMpi(u32, u32),
    /// MPICH or a derivative (Intel MPI, MVAPICH): the Hydra process manager.
    Hydra,
    /// Slurm's `srun`: the MPI library is whatever the rank program was built with.
    Slurm,
    /// A launcher that says nothing we recognise: no special flags.
    Unknown,
}

impl Flavour {
    /// Reads the output of `<launcher> --version`.
    pub fn from_version(text: &str) -> Flavour {
        if let Some(at) = text.find("Open MPI") {
            let version = text[at..]
                .split(|c: char| c.is_whitespace() || c == ')')
                .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()));
            let mut parts = version
                .unwrap_or("0.0")
                .split('.')
                .map(|p| p.parse::<u32>().unwrap_or(0));
            return Flavour::OpenMpi(parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        }
        if text.contains("HYDRA") || text.contains("MPICH") || text.contains("Intel(R) MPI") {
            return Flavour::Hydra;
        }
        if text.starts_with("slurm") {
            return Flavour::Slurm;
        }
        Flavour::Unknown
    }

    /// Asks `program --version` (empty output if it cannot run).
    pub fn of(program: &Path) -> Flavour {
        let out = std::process::Command::new(program)
            .arg("--version")
            .stdin(std::process::Stdio::null())
            .output();
        let text = out
            .map(|o| {
                let mut t = String::from_utf8_lossy(&o.stdout).into_owned();
                t.push_str(&String::from_utf8_lossy(&o.stderr));
                t
            })
            .unwrap_or_default();
        Flavour::from_version(&text)
    }

    /// How this MPI is named in notes and errors.
    pub fn describe(self) -> String {
        match self {
            Flavour::OpenMpi(major, minor) => format!("Open MPI {major}.{minor}"),
            Flavour::Hydra => "MPICH (Hydra)".into(),
            Flavour::Slurm => "Slurm".into(),
            Flavour::Unknown => "an unrecognised MPI".into(),
        }
    }
}

pub use lab::programs::{find, find_in};

/// Everything that decides a launch's command line.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub launcher: Launcher,
    pub flavour: Flavour,
    /// The launcher's full path.
    pub program: &'a Path,
    pub ranks: usize,
    /// The cores this machine has for ranks (OpenMPI's default slots).
    pub cores: usize,
    pub running_as_root: bool,
    pub hostfile: Option<&'a Path>,
    pub transport: Transport,
    pub extra_args: &'a [String],
    /// The rank program and its arguments.
    pub rank_program: &'a Path,
    pub rank_args: &'a [String],
}

/// A command line, and the environment variables set for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// One line per special flag or variable: why it is there.
    pub why: Vec<String>,
    /// The command as a person would write it: environment first, programs by
    /// name, the job as `<job>`.
    pub shown: String,
}

/// The command that starts `plan.ranks` ranks of the rank program.
pub fn command_line(plan: &Plan) -> CommandLine {
    let mut args: Vec<String> = Vec::new();
    let mut env: Vec<(String, String)> = Vec::new();
    let mut why: Vec<String> = Vec::new();
    let n = plan.ranks.to_string();
    match (plan.launcher, plan.flavour) {
        (Launcher::Srun, _) => {
            args.extend(["-n".into(), n]);
        }
        (_, Flavour::OpenMpi(major, _)) => {
            args.extend(["-n".into(), n]);
            if plan.running_as_root {
                args.push("--allow-run-as-root".into());
                why.push("--allow-run-as-root: OpenMPI refuses to start as root without it".into());
            }
            if plan.hostfile.is_none() && plan.ranks > plan.cores {
                if major >= 5 {
                    args.extend(["--map-by".into(), ":OVERSUBSCRIBE".into()]);
                } else {
                    args.push("--oversubscribe".into());
                }
                why.push(format!(
                    "{} ranks on {} cores: oversubscribed, so ranks share cores and are not bound to one",
                    plan.ranks, plan.cores
                ));
            }
            if let Some(hostfile) = plan.hostfile {
                args.extend(["--hostfile".into(), hostfile.display().to_string()]);
            }
        }
        (_, Flavour::Hydra) => {
            args.extend(["-n".into(), n]);
            if let Some(hostfile) = plan.hostfile {
                args.extend(["-f".into(), hostfile.display().to_string()]);
            }
        }
        (_, Flavour::Slurm | Flavour::Unknown) => {
            args.extend(["-n".into(), n]);
            if let Some(hostfile) = plan.hostfile {
                args.extend(["--hostfile".into(), hostfile.display().to_string()]);
            }
        }
    }
    let open_mpi_major = match plan.flavour {
        Flavour::OpenMpi(major, _) => Some(major),
        // srun starts whatever MPI the rank program was built with; OpenMPI reads
        // these variables and MPICH ignores them, and the other way round.
        _ => None,
    };
    match plan.transport {
        Transport::Default => {}
        Transport::SharedMemory => {
            let sm = if open_mpi_major.is_some_and(|m| m >= 5) {
                "sm"
            } else {
                "vader"
            };
            if plan.flavour != Flavour::Hydra {
                env.push(("OMPI_MCA_pml".into(), "ob1".into()));
                env.push(("OMPI_MCA_btl".into(), format!("self,{sm}")));
            }
        }
        Transport::Tcp => {
            if plan.flavour != Flavour::Hydra {
                env.push(("OMPI_MCA_pml".into(), "ob1".into()));
                env.push(("OMPI_MCA_btl".into(), "self,tcp".into()));
            }
            if !matches!(plan.flavour, Flavour::OpenMpi(..)) {
                env.push(("MPIR_CVAR_NOLOCAL".into(), "1".into()));
                env.push(("MPIR_CVAR_CH3_NOLOCAL".into(), "1".into()));
            }
        }
    }
    args.extend(plan.extra_args.iter().cloned());
    let name = |p: &Path| {
        p.file_name().map_or_else(
            || p.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let mut shown: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    shown.push(name(plan.program));
    shown.extend(args.iter().cloned());
    shown.push(name(plan.rank_program));
    if !plan.rank_args.is_empty() {
        shown.push("<job>".into());
    }
    args.push(plan.rank_program.display().to_string());
    args.extend(plan.rank_args.iter().cloned());
    CommandLine {
        program: plan.program.to_path_buf(),
        args,
        env,
        why,
        shown: shown.join(" "),
    }
}

/// Physical cores: what OpenMPI counts as slots on a machine without a host file
/// (a hyper-threaded laptop with 8 logical cores has 4 slots). Falls back to the
/// logical cores where `/proc/cpuinfo` says nothing about cores.
pub fn physical_cores() -> usize {
    let logical = lab::measure::logical_cores();
    let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else {
        return logical;
    };
    let mut cores = std::collections::BTreeSet::new();
    let mut package = "";
    for line in info.lines() {
        let mut kv = line.splitn(2, ':').map(str::trim);
        match (kv.next(), kv.next()) {
            (Some("physical id"), Some(v)) => package = v,
            (Some("core id"), Some(v)) => {
                cores.insert((package.to_string(), v.to_string()));
            }
            _ => {}
        }
    }
    if cores.is_empty() {
        logical
    } else {
        cores.len().min(logical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan<'a>(
        launcher: Launcher,
        flavour: Flavour,
        ranks: usize,
        root: bool,
        transport: Transport,
    ) -> Plan<'a> {
        Plan {
            launcher,
            flavour,
            program: Path::new("/usr/bin/mpirun"),
            ranks,
            cores: 2,
            running_as_root: root,
            hostfile: None,
            transport,
            extra_args: &[],
            rank_program: Path::new("/x/lesson-08-rank"),
            rank_args: &[],
        }
    }

    #[test]
    fn versions_are_recognised() {
        assert_eq!(
            Flavour::from_version(
                "mpirun (Open MPI) 4.1.4\n\nReport bugs to http://www.open-mpi.org/community/help/\n"
            ),
            Flavour::OpenMpi(4, 1)
        );
        assert_eq!(
            Flavour::from_version("mpirun (Open MPI) 5.0.3\n"),
            Flavour::OpenMpi(5, 0)
        );
        assert_eq!(
            Flavour::from_version("HYDRA build details:\n    Version:  4.0.2\n"),
            Flavour::Hydra
        );
        assert_eq!(Flavour::from_version("slurm 23.02.7\n"), Flavour::Slurm);
        assert_eq!(Flavour::from_version(""), Flavour::Unknown);
    }

    #[test]
    fn openmpi_as_root_and_oversubscribed_gets_both_flags_explicitly() {
        let c = command_line(&plan(
            Launcher::Mpirun,
            Flavour::OpenMpi(4, 1),
            4,
            true,
            Transport::SharedMemory,
        ));
        assert_eq!(
            c.args,
            [
                "-n",
                "4",
                "--allow-run-as-root",
                "--oversubscribe",
                "/x/lesson-08-rank"
            ]
        );
        assert_eq!(c.why.len(), 2, "{:?}", c.why);
        assert!(
            c.env
                .contains(&("OMPI_MCA_btl".into(), "self,vader".into()))
        );
        assert!(c.env.contains(&("OMPI_MCA_pml".into(), "ob1".into())));

        let five = command_line(&plan(
            Launcher::Mpirun,
            Flavour::OpenMpi(5, 0),
            4,
            false,
            Transport::SharedMemory,
        ));
        assert_eq!(
            five.args,
            ["-n", "4", "--map-by", ":OVERSUBSCRIBE", "/x/lesson-08-rank"]
        );
        assert!(
            five.env
                .contains(&("OMPI_MCA_btl".into(), "self,sm".into()))
        );
    }

    #[test]
    fn no_special_flags_when_not_needed() {
        let c = command_line(&plan(
            Launcher::Mpirun,
            Flavour::OpenMpi(4, 1),
            2,
            false,
            Transport::Default,
        ));
        assert_eq!(c.args, ["-n", "2", "/x/lesson-08-rank"]);
        assert!(c.env.is_empty() && c.why.is_empty());
        assert_eq!(c.shown, "mpirun -n 2 lesson-08-rank");
    }

    #[test]
    fn tcp_is_selected_for_openmpi_and_mpich() {
        let open = command_line(&plan(
            Launcher::Mpirun,
            Flavour::OpenMpi(4, 1),
            2,
            false,
            Transport::Tcp,
        ));
        assert!(
            open.env
                .contains(&("OMPI_MCA_btl".into(), "self,tcp".into()))
        );
        let hydra = command_line(&plan(
            Launcher::Mpiexec,
            Flavour::Hydra,
            8,
            true,
            Transport::Tcp,
        ));
        assert_eq!(hydra.args, ["-n", "8", "/x/lesson-08-rank"]);
        assert_eq!(
            hydra.env,
            [
                ("MPIR_CVAR_NOLOCAL".into(), "1".into()),
                ("MPIR_CVAR_CH3_NOLOCAL".into(), "1".into())
            ]
        );
    }

    #[test]
    fn a_hostfile_replaces_oversubscription_and_srun_takes_the_allocation() {
        let mut p = plan(
            Launcher::Mpirun,
            Flavour::OpenMpi(4, 1),
            16,
            false,
            Transport::Default,
        );
        p.hostfile = Some(Path::new("hosts.txt"));
        let extra = ["--bind-to".to_string(), "core".to_string()];
        p.extra_args = &extra;
        assert_eq!(
            command_line(&p).args,
            [
                "-n",
                "16",
                "--hostfile",
                "hosts.txt",
                "--bind-to",
                "core",
                "/x/lesson-08-rank"
            ]
        );
        let srun = command_line(&plan(
            Launcher::Srun,
            Flavour::Slurm,
            8,
            true,
            Transport::SharedMemory,
        ));
        assert_eq!(srun.args, ["-n", "8", "/x/lesson-08-rank"]);
        assert!(
            srun.env
                .contains(&("OMPI_MCA_btl".into(), "self,vader".into()))
        );
    }

    #[test]
    #[cfg(unix)]
    fn programs_are_found_on_a_given_path_only() {
        use std::ffi::OsStr;
        let dir = std::env::temp_dir().join(format!("lesson-08-path-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("mpirun");
        std::fs::write(&fake, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::join_paths([Path::new("/nonexistent"), &dir]).unwrap();
        assert_eq!(find_in(&path, "mpirun"), Some(fake));
        assert_eq!(find_in(&path, "srun"), None);
        assert_eq!(find_in(OsStr::new(""), "mpirun"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn physical_cores_are_at_least_one_and_at_most_the_logical_ones() {
        let p = physical_cores();
        assert!(p >= 1 && p <= lab::measure::logical_cores());
    }
}
