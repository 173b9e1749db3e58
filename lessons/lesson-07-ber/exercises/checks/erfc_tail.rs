//! Tests of the `erfc_tail` exercise, run by `cargo xtask check lesson-07`.

#[cfg_attr(not(feature = "solutions"), path = "../erfc_tail.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/erfc_tail.rs")]
mod exercise;

use exercise::*;
use lesson_07_ber::erfc;

fn relative_error(got: f64, want: f64) -> f64 {
    ((got - want) / want).abs()
}

#[test]
fn the_continued_fraction_matches_erfc_from_2_to_26() {
    let mut x = 2.0;
    while x <= 26.0 {
        let (got, want) = (erfc_cf(x, 50), erfc::erfc(x));
        assert!(
            relative_error(got, want) < 1e-12,
            "erfc_cf({x}, 50) = {got:e}, want {want:e}"
        );
        x += 0.37;
    }
}

#[test]
fn the_continued_fraction_keeps_the_digits_the_naive_way_loses() {
    let want = erfc::erfc(5.0); // 1.5375e-12
    assert!(
        relative_error(erfc_naive(5.0), want) > 1e-3,
        "(the given naive erfc is expected to be poor at x = 5)"
    );
    assert!(
        relative_error(erfc_cf(5.0, 50), want) < 1e-13,
        "erfc_cf(5, 50) = {:e}: at x = 5 the continued fraction is good to 13 digits, want {want:e}",
        erfc_cf(5.0, 50)
    );
}

#[test]
fn more_terms_converge() {
    let want = erfc::erfc(2.0);
    let few = relative_error(erfc_cf(2.0, 5), want);
    let many = relative_error(erfc_cf(2.0, 50), want);
    assert!(
        many < few && many < 1e-12,
        "at x = 2: 5 terms give {few:e}, 50 terms must do better and reach 1e-12 (got {many:e})"
    );
}

#[test]
fn bpsk_ber_is_half_erfc_of_root_eb_over_n0_down_to_1e_12() {
    for tenth in 0..=140 {
        let db = f64::from(tenth) / 10.0;
        let (got, want) = (bpsk_ber(db), erfc::bpsk_ber(db));
        assert!(
            relative_error(got, want) < 1e-12,
            "BER at {db} dB = {got:e}, want ½·erfc(√(10^({db}/10))) = {want:e}"
        );
    }
}
