//! Batch scripts for Slurm: the same experiments, on a cluster.
//!
//! On a cluster you do not start programs on the compute nodes yourself: you ask
//! the scheduler for nodes (`#SBATCH --nodes`, `--ntasks-per-node`, `--time`)
//! in a batch script and `sbatch` it. The script this module writes runs
//! `cargo xtask run <config>` inside the allocation with `PARLAB_LAUNCHER=srun`,
//! so every sweep point starts its ranks with `srun -n <workers>` on the
//! allocated nodes, and the results land in `results/<lesson>/` exactly as on a
//! laptop. `cargo xtask slurm configs/lesson-08.toml --nodes 2 --ranks-per-node 4
//! --time 00:10:00` writes one.

use std::path::Path;

/// What the batch script asks of the scheduler.
#[derive(Debug, Clone)]
pub struct Options {
    pub nodes: u32,
    pub ranks_per_node: u32,
    /// Wall-clock limit in Slurm's format: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`,
    /// `D-HH:MM` or `D-HH:MM:SS`.
    pub time: String,
    pub partition: Option<String>,
    pub account: Option<String>,
    /// Shell lines run before the experiments, e.g. `module load openmpi`.
    pub setup: Vec<String>,
    /// Run with `--quick`.
    pub quick: bool,
}

impl Options {
    /// Every rank the allocation holds.
    pub fn ranks(&self) -> u64 {
        u64::from(self.nodes) * u64::from(self.ranks_per_node)
    }
}

/// Checks a Slurm time limit (`--time`).
pub fn check_time(time: &str) -> Result<(), String> {
    let (days, rest) = match time.split_once('-') {
        Some((d, rest)) => (Some(d), rest),
        None => (None, time),
    };
    let numbers = |s: &str| -> Option<Vec<u32>> { s.split(':').map(|p| p.parse().ok()).collect() };
    let ok = match (days, numbers(rest)) {
        (Some(d), Some(parts)) => d.parse::<u32>().is_ok() && (1..=3).contains(&parts.len()),
        (None, Some(parts)) => (1..=3).contains(&parts.len()),
        _ => false,
    };
    if ok && !rest.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "--time \"{time}\" is not a Slurm time limit; write MM, MM:SS, HH:MM:SS or D-HH:MM:SS (e.g. 00:10:00)"
        ))
    }
}

/// The ranks each experiment of `config` needs at most (ping-pong: 2; the others:
/// their largest `workers`, with "all" counted as `ranks_per_node`).
pub fn ranks_needed(
    config: &lab::config::Config,
    lesson: &lab::Lesson,
    quick: bool,
    ranks_per_node: u32,
) -> Vec<(String, u64)> {
    config
        .experiments
        .iter()
        .map(|e| {
            let default = lesson
                .kind(&e.kind)
                .and_then(|k| k.defaults().get("workers").cloned());
            let most = e
                .points(quick)
                .iter()
                .map(|p| match p.table.get("workers").or(default.as_ref()) {
                    Some(toml::Value::Integer(n)) => *n as u64,
                    Some(toml::Value::String(s)) if s == "all" => u64::from(ranks_per_node),
                    _ => 2, // ping-pong: two ranks, always
                })
                .max()
                .unwrap_or(1);
            (e.name.clone(), most)
        })
        .collect()
}

/// The batch script: `#SBATCH` lines, the setup lines, and the run.
pub fn script(config_shown: &str, root: &Path, command_line: &str, opts: &Options) -> String {
    let stem = Path::new(config_shown)
        .file_stem()
        .map_or_else(|| "parlab".into(), |s| s.to_string_lossy().into_owned());
    let mut s = String::new();
    s.push_str("#!/bin/bash\n");
    s.push_str(&format!("# Written by `{command_line}`.\n"));
    s.push_str(&format!(
        "# Submit it with `sbatch <this file>`. It runs the experiments of {config_shown}\n\
         # as `cargo xtask run` does on one machine, except that each sweep point starts\n\
         # its ranks with `srun -n <workers>` on the nodes of this allocation; results go\n\
         # to results/ in the workspace, the log to results/slurm/.\n"
    ));
    s.push_str(&format!("#SBATCH --job-name=parlab-{stem}\n"));
    s.push_str(&format!("#SBATCH --nodes={}\n", opts.nodes));
    s.push_str(&format!(
        "#SBATCH --ntasks-per-node={}\n",
        opts.ranks_per_node
    ));
    s.push_str("#SBATCH --cpus-per-task=1\n");
    s.push_str(&format!("#SBATCH --time={}\n", opts.time));
    if let Some(p) = &opts.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(a) = &opts.account {
        s.push_str(&format!("#SBATCH --account={a}\n"));
    }
    s.push_str(&format!(
        "#SBATCH --output={}/results/slurm/{stem}-%j.out\n",
        root.display()
    ));
    s.push_str("\nset -euo pipefail\n");
    s.push_str(&format!(
        "cd {}\n",
        shell_quote(&root.display().to_string())
    ));
    s.push_str("\n# What this cluster needs to find MPI and a Rust toolchain.\n");
    if opts.setup.is_empty() {
        s.push_str("# module load openmpi        # `module avail mpi` lists what yours calls it\n");
    } else {
        for line in &opts.setup {
            s.push_str(line);
            s.push('\n');
        }
    }
    s.push_str(
        "\n# Every sweep point: srun -n <workers> lesson-08-rank, inside this allocation.\n",
    );
    s.push_str("export PARLAB_LAUNCHER=srun\n");
    s.push_str(&format!(
        "cargo xtask run {}{}\n",
        shell_quote(config_shown),
        if opts.quick { " --quick" } else { "" }
    ));
    s
}

/// `word`, quoted for a POSIX shell when it needs to be.
fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Options {
        Options {
            nodes: 2,
            ranks_per_node: 4,
            time: "00:10:00".into(),
            partition: Some("short".into()),
            account: None,
            setup: vec!["module load openmpi/4.1".into()],
            quick: false,
        }
    }

    #[test]
    fn the_script_asks_for_the_allocation_and_runs_the_config_with_srun() {
        let text = script(
            "configs/lesson-08.toml",
            Path::new("/home/me/parlab"),
            "cargo xtask slurm configs/lesson-08.toml --nodes 2 --ranks-per-node 4 --time 00:10:00",
            &opts(),
        );
        assert!(text.starts_with("#!/bin/bash\n"));
        for line in [
            "#SBATCH --nodes=2\n",
            "#SBATCH --ntasks-per-node=4\n",
            "#SBATCH --time=00:10:00\n",
            "#SBATCH --partition=short\n",
            "#SBATCH --output=/home/me/parlab/results/slurm/lesson-08-%j.out\n",
            "cd /home/me/parlab\n",
            "module load openmpi/4.1\n",
            "export PARLAB_LAUNCHER=srun\n",
            "cargo xtask run configs/lesson-08.toml\n",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(!text.contains("--account"));
        // Every #SBATCH line comes before the first command, or sbatch ignores it.
        let first_command = text.find("set -euo").unwrap();
        assert!(text.rfind("#SBATCH").unwrap() < first_command);
    }

    #[test]
    fn quick_runs_and_odd_paths_are_quoted() {
        let mut o = opts();
        o.quick = true;
        o.setup.clear();
        let text = script("my study.toml", Path::new("/a b"), "x", &o);
        assert!(
            text.contains("cargo xtask run 'my study.toml' --quick\n"),
            "{text}"
        );
        assert!(text.contains("cd '/a b'\n"));
        assert!(text.contains("# module load openmpi"));
    }

    #[test]
    fn time_limits_in_slurm_s_formats_only() {
        for ok in ["10", "10:00", "00:10:00", "1-00", "1-00:30", "2-12:00:00"] {
            assert!(check_time(ok).is_ok(), "{ok}");
        }
        for bad in ["", "ten", "1:2:3:4", "x-10", "10 min"] {
            assert!(check_time(bad).is_err(), "{bad}");
        }
    }
}
