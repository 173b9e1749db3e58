//! The lessons this driver knows, and the process-pool tasks they register.

/// Every lesson with experiments, in course order.
pub fn all() -> Vec<lab::Lesson> {
    vec![
        lesson_01_gil::lesson(),
        lesson_02_pools::lesson(),
        lesson_03_futures::lesson(),
        lesson_04_parallel_loops::lesson(),
        lesson_05_amdahl_gustafson::lesson(),
        lesson_06_monte_carlo::lesson(),
        lesson_07_ber::lesson(),
        lesson_08_mpi::lesson(),
    ]
}

/// Registers every task that a lesson runs on a process pool, in the parent and in
/// each worker process (see `runtime::process::worker_guard`). A lesson with
/// process tasks adds one line here.
pub fn register_tasks(tasks: &mut runtime::process::Registry) {
    bench::register_tasks(tasks);
    lesson_02_pools::register_tasks(tasks);
    lesson_03_futures::register_tasks(tasks);
    lesson_04_parallel_loops::register_tasks(tasks);
}
