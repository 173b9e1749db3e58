//! The program every MPI rank of lesson 08 runs; the driver builds it and starts
//! it through `mpirun`/`srun` (see `lesson_08_mpi::launch`).

fn main() -> std::process::ExitCode {
    lesson_08_mpi::rank::main()
}
