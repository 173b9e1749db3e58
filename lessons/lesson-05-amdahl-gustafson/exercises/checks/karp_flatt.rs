//! Tests of the `karp_flatt` exercise, run by `cargo xtask check lesson-05`.

#[cfg_attr(not(feature = "solutions"), path = "../karp_flatt.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/karp_flatt.rs")]
mod exercise;

use exercise::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn speedup_is_one_worker_time_over_p_worker_time() {
    assert!(
        close(speedup(10.0, 4.0), 2.5),
        "10 s on one worker, 4 s on p workers: speedup 2.5, got {}",
        speedup(10.0, 4.0)
    );
    assert!(close(speedup(3.0, 3.0), 1.0), "equal times mean no speedup");
}

#[test]
fn efficiency_is_speedup_per_worker() {
    assert!(
        close(efficiency(3.0, 4), 0.75),
        "speedup 3 on 4 workers is 75% efficient, got {}",
        efficiency(3.0, 4)
    );
    assert!(close(efficiency(1.0, 1), 1.0));
}

#[test]
fn karp_flatt_is_undefined_for_one_worker() {
    assert_eq!(
        karp_flatt(1.0, 1),
        None,
        "with one worker there is nothing to compare"
    );
}

#[test]
fn karp_flatt_recovers_amdahls_serial_fraction() {
    // Amdahl with s = 0.1 on 8 workers gives S = 1 / (0.1 + 0.9 / 8).
    let s = 1.0 / (0.1 + 0.9 / 8.0);
    let e = karp_flatt(s, 8).expect("defined for 8 workers");
    assert!(
        close(e, 0.1),
        "an exact Amdahl speedup for s = 0.1 must give back 0.1, got {e}"
    );
    // A perfect speedup means nothing serial.
    assert!(
        close(karp_flatt(4.0, 4).unwrap(), 0.0),
        "speedup 4 on 4 workers: serial fraction 0"
    );
    // No speedup at all means everything serial.
    assert!(
        close(karp_flatt(1.0, 2).unwrap(), 1.0),
        "speedup 1 on 2 workers: serial fraction 1"
    );
}
