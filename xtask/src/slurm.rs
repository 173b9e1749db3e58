//! `cargo xtask slurm <config> --nodes N --ranks-per-node R --time HH:MM:SS`:
//! write a Slurm batch script that runs a lesson-08 config on a cluster (see
//! `lesson_08_mpi::slurm`).

use crate::cli::SlurmArgs;
use crate::{lessons, shown, workspace_root};
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn slurm(args: SlurmArgs) -> anyhow::Result<ExitCode> {
    let all = lessons::all();
    let path = PathBuf::from(&args.config);
    let path = match lessons::find(&args.config) {
        Ok(entry) if !path.exists() => entry.config(),
        _ => path,
    };
    let config =
        lab::config::load(&path, &shown(&path), &all).map_err(|e| anyhow::anyhow!("{e}"))?;
    if config.lesson != "lesson-08" {
        bail!(
            "{} is a {} config; only lesson-08's experiments start ranks across nodes (run the others with `cargo xtask run`)",
            config.file,
            config.lesson
        );
    }
    lesson_08_mpi::slurm::check_time(&args.time).map_err(anyhow::Error::msg)?;
    if args.nodes == 0 || args.ranks_per_node == 0 {
        bail!("--nodes and --ranks-per-node must be at least 1");
    }
    let opts = lesson_08_mpi::slurm::Options {
        nodes: args.nodes,
        ranks_per_node: args.ranks_per_node,
        time: args.time.clone(),
        partition: args.partition.clone(),
        account: args.account.clone(),
        setup: args.setup.clone(),
        quick: args.quick,
    };
    let lesson = all
        .iter()
        .find(|l| l.id == config.lesson)
        .expect("the config names a known lesson");
    let needed =
        lesson_08_mpi::slurm::ranks_needed(&config, lesson, args.quick, args.ranks_per_node);
    let too_big: Vec<String> = needed
        .iter()
        .filter(|(_, n)| *n > opts.ranks())
        .map(|(name, n)| format!("{name} ({n})"))
        .collect();
    if !too_big.is_empty() {
        bail!(
            "{} node(s) × {} ranks per node hold {} ranks, and these experiments need more: {}\n  = ask for more nodes, or lower their `workers`",
            args.nodes,
            args.ranks_per_node,
            opts.ranks(),
            too_big.join(", ")
        );
    }
    let mut command = format!(
        "cargo xtask slurm {} --nodes {} --ranks-per-node {} --time {}",
        config.file, args.nodes, args.ranks_per_node, args.time
    );
    if args.quick {
        command.push_str(" --quick");
    }
    let script = lesson_08_mpi::slurm::script(&config.file, &workspace_root(), &command, &opts);
    let stem = path
        .file_stem()
        .map_or_else(|| "parlab".into(), |s| s.to_string_lossy().into_owned());
    let out = args.output.unwrap_or_else(|| {
        workspace_root()
            .join("results")
            .join("slurm")
            .join(format!("{stem}.sbatch"))
    });
    // sbatch does not create the folder of the job's log (#SBATCH --output).
    let logs = workspace_root().join("results").join("slurm");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    lab::report::write_atomic(&out, script.as_bytes())
        .with_context(|| format!("writing {}", out.display()))?;
    say!("wrote {}", shown(&out));
    say!(
        "{} node(s) × {} ranks per node, {}; the experiments need at most {} ranks",
        args.nodes,
        args.ranks_per_node,
        args.time,
        needed.iter().map(|(_, n)| *n).max().unwrap_or(1)
    );
    say!("submit it with: sbatch {}", shown(&out));
    Ok(ExitCode::SUCCESS)
}
