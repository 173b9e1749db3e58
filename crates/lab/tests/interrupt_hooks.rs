//! Ctrl-C runs the hooks kinds registered (an MPI launcher stopping its ranks).
//! Its own test binary: an interrupt stops every run in the process.

use std::sync::atomic::{AtomicUsize, Ordering};

static HOOK_RUNS: AtomicUsize = AtomicUsize::new(0);

fn hook() {
    HOOK_RUNS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn interrupt_hooks_run_once_each_however_often_registered() {
    lab::run::on_interrupt(hook);
    lab::run::on_interrupt(hook);
    lab::run::interrupt();
    assert_eq!(HOOK_RUNS.load(Ordering::SeqCst), 1);
    assert!(lab::run::interrupted());
}
