//! How numbers are written for people: plain with sensible precision, or with an SI prefix
//! and a unit. Pure text formatting; never touches egui state.

/// A number with up to six decimals (trailing zeros dropped), or in scientific notation
/// when very large or very small.
pub fn num(v: f64) -> String {
    if v == 0.0 {
        // Also for -0.0, which a tick at zero often is.
        return "0".to_owned();
    }
    if (1e-4..1e6).contains(&v.abs()) {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_owned()
    } else {
        format!("{v:.5e}")
    }
}

/// A number to four significant digits (`1008`, `753.3`, `0.01235`), for labels that
/// must stay short.
pub fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return num(v);
    }
    let magnitude = v.abs().log10().floor() as i32;
    if (-3..6).contains(&magnitude) {
        let decimals = (3 - magnitude).max(0) as usize;
        let s = format!("{v:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    } else {
        format!("{v:.3e}")
    }
}

/// The smallest of 1, 2, 5 times a power of ten that is at least `x`.
pub fn nice_at_least(x: f64) -> f64 {
    let e = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * e)
        .find(|v| *v >= x * (1.0 - 1e-9))
        .unwrap_or(10.0 * e)
}

/// A whole number written out in full (`123456789`, not `1.23457e8`), marked `≈` beyond
/// 2^53, where the f64 it came as may have rounded it; other numbers as [`num`].
pub fn whole(v: f64) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.fract() != 0.0 || !v.is_finite() {
        return num(v);
    }
    if v.abs() <= EXACT {
        format!("{v:.0}")
    } else {
        format!("≈{v:.0}")
    }
}

/// A value with a unit, scaled by an SI prefix to four significant digits (`1.235 kV`,
/// `12.5 ms`). Without a unit, or for units that do not take prefixes (degrees, percent,
/// dates), the plain number.
pub fn si(v: f64, unit: Option<&str>) -> String {
    const PREFIXES: [(i32, &str); 10] = [
        (-15, "f"),
        (-12, "p"),
        (-9, "n"),
        (-6, "µ"),
        (-3, "m"),
        (0, ""),
        (3, "k"),
        (6, "M"),
        (9, "G"),
        (12, "T"),
    ];
    let Some(unit) = unit.filter(|u| takes_prefix(u)) else {
        return match unit {
            Some(u) => format!("{} {u}", num(v)),
            None => num(v),
        };
    };
    if v == 0.0 || !v.is_finite() {
        return format!("{v} {unit}");
    }
    let exp = (v.abs().log10().floor() as i32).div_euclid(3) * 3;
    let Some(&(e, prefix)) = PREFIXES.iter().find(|(e, _)| *e == exp.clamp(-15, 12)) else {
        return format!("{} {unit}", num(v));
    };
    let scaled = v / 10f64.powi(e);
    let decimals = 3usize.saturating_sub(scaled.abs().log10().floor().max(0.0) as usize);
    let text = format!("{scaled:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text} {prefix}{unit}")
}

/// Whether a unit is a plain SI-style symbol that a prefix can go in front of.
fn takes_prefix(unit: &str) -> bool {
    !unit.is_empty()
        && unit.len() <= 4
        && unit.chars().all(|c| c.is_ascii_alphabetic() || c == 'Ω')
        && !matches!(
            unit,
            "deg" | "degree" | "rad" | "K" | "C" | "F" | "kg" | "min" | "h" | "d"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_written_out() {
        assert_eq!(whole(123_456_789.0), "123456789");
        assert_eq!(whole(-40.0), "-40");
        assert_eq!(whole(2f64.powi(60)), "≈1152921504606846976");
        assert_eq!(whole(0.5), "0.5");
    }

    #[test]
    fn prefixes_and_plain_numbers() {
        assert_eq!(si(1234.6, Some("V")), "1.235 kV");
        assert_eq!(si(0.0125, Some("s")), "12.5 ms");
        assert_eq!(si(-3.2e-7, Some("A")), "-320 nA");
        assert_eq!(si(42.0, Some("Hz")), "42 Hz");
        assert_eq!(si(0.0, Some("V")), "0 V");
        assert_eq!(si(273.15, Some("K")), "273.15 K", "kelvin stays plain");
        assert_eq!(si(17.92, Some("degrees")), "17.92 degrees");
        assert_eq!(si(0.25, None), "0.25");
        assert_eq!(num(1e7), "1.00000e7");
        assert_eq!(num(-0.5), "-0.5");
        assert_eq!(num(-0.0), "0");
    }
}
