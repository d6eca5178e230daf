//! How stored numbers become the values a user means: CF-convention masking and unpacking.
//!
//! netCDF/CF files mark missing samples with `_FillValue` or `missing_value`, bound good ones
//! with `valid_range` (or `valid_min`/`valid_max`), and pack floats into integers with
//! `scale_factor` and `add_offset`. Masking applies to the stored (packed) number, scaling
//! after. Pure: applied by the reader workers to every sample before it is summarised.

use serde::{Deserialize, Serialize};

use super::ObjectInfo;

/// Masks and linear unpacking for one dataset's samples.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Calibration {
    /// Stored values that mean "missing".
    pub missing: Vec<f64>,
    /// Stored values outside `valid.0..=valid.1` are missing too.
    pub valid: (f64, f64),
    pub scale: f64,
    pub offset: f64,
}

impl Calibration {
    /// The calibration a dataset's CF attributes ask for; `None` when they ask for nothing.
    pub fn from_attrs(info: &ObjectInfo) -> Option<Self> {
        let missing: Vec<f64> = ["_FillValue", "missing_value"]
            .iter()
            .flat_map(|name| info.attr_numbers(name))
            .collect();
        let range = info.attr_numbers("valid_range");
        let valid = match range[..] {
            [lo, hi] => (lo, hi),
            _ => (
                info.attr_numbers("valid_min")
                    .first()
                    .copied()
                    .unwrap_or(f64::NEG_INFINITY),
                info.attr_numbers("valid_max")
                    .first()
                    .copied()
                    .unwrap_or(f64::INFINITY),
            ),
        };
        let scale = info
            .attr_numbers("scale_factor")
            .first()
            .copied()
            .unwrap_or(1.0);
        let offset = info
            .attr_numbers("add_offset")
            .first()
            .copied()
            .unwrap_or(0.0);
        let c = Self {
            missing,
            valid,
            scale,
            offset,
        };
        (!c.is_identity()).then_some(c)
    }

    fn is_identity(&self) -> bool {
        self.missing.is_empty()
            && self.valid == (f64::NEG_INFINITY, f64::INFINITY)
            && self.scale == 1.0
            && self.offset == 0.0
    }

    /// Whether it masks anything (so NaN in the result may mean "missing").
    pub fn masks(&self) -> bool {
        !self.missing.is_empty() || self.valid != (f64::NEG_INFINITY, f64::INFINITY)
    }

    /// Masks missing samples to NaN and unpacks the others, in place.
    pub fn apply(&self, samples: &mut [f64]) {
        let (lo, hi) = self.valid;
        for x in samples {
            *x = if self.missing.contains(x) || *x < lo || *x > hi {
                f64::NAN
            } else {
                *x * self.scale + self.offset
            };
        }
    }
}

// Compared and hashed by bits: a calibration is part of the key data is cached under.
impl PartialEq for Calibration {
    fn eq(&self, other: &Self) -> bool {
        self.bits() == other.bits()
    }
}

impl Eq for Calibration {}

impl std::hash::Hash for Calibration {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits().hash(state);
    }
}

impl Calibration {
    fn bits(&self) -> (Vec<u64>, [u64; 4]) {
        (
            self.missing.iter().map(|m| m.to_bits()).collect(),
            [self.valid.0, self.valid.1, self.scale, self.offset].map(f64::to_bits),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_then_unpacks() {
        let c = Calibration {
            missing: vec![-999.0],
            valid: (0.0, 1000.0),
            scale: 0.5,
            offset: 10.0,
        };
        let mut v = [-999.0, 4.0, 1001.0, -1.0, 1000.0];
        c.apply(&mut v);
        assert!(v[0].is_nan() && v[2].is_nan() && v[3].is_nan());
        assert_eq!((v[1], v[4]), (12.0, 510.0));
        assert!(c.masks());
    }
}
