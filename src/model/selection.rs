//! numpy-like slice expressions (`"10:20, 3, ::2"`) and the hyperslabs they select.
//!
//! Parsing and resolving against a shape are pure and checked here; the reader turns a
//! [`Hyperslab`] into an HDF5 selection. Never touches libhdf5.

use thiserror::Error;

/// What one axis of a slice expression asks for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AxisSlice {
    /// A single index; drops the axis, as in numpy.
    Index(i64),
    /// `start:stop:step`, each part optional.
    Range {
        start: Option<i64>,
        stop: Option<i64>,
        step: Option<i64>,
    },
}

impl AxisSlice {
    /// `:`: the whole axis.
    pub const FULL: Self = Self::Range {
        start: None,
        stop: None,
        step: None,
    };
}

/// One line of samples through a dataset: every index along `axis`, the other axes held at
/// `at` (whose entry for `axis` is ignored). A 1-D dataset has the line `{ axis: 0, at: [0] }`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Line {
    pub axis: usize,
    pub at: Vec<u64>,
    /// Which number of each element: the value itself, a compound field, or a part of a
    /// complex number.
    pub component: Component,
}

/// Which number is taken from each element of a line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Component {
    /// An integer or float element itself.
    #[default]
    Value,
    /// A numeric field of a compound element, by name.
    Field(String),
    /// Parts of a complex element.
    Real,
    Imag,
    Amplitude,
    /// In radians, from -π to π.
    Phase,
}

impl Component {
    /// The parts a complex number offers, for pickers.
    pub const COMPLEX: [Self; 4] = [Self::Amplitude, Self::Phase, Self::Real, Self::Imag];

    /// A short name for menus and titles.
    pub fn name(&self) -> &str {
        match self {
            Self::Value => "value",
            Self::Field(f) => f,
            Self::Real => "real",
            Self::Imag => "imaginary",
            Self::Amplitude => "amplitude",
            Self::Phase => "phase",
        }
    }

    /// The number taken from a complex `(re, im)`.
    pub fn of_complex(&self, re: f64, im: f64) -> f64 {
        match self {
            Self::Imag => im,
            Self::Amplitude => re.hypot(im),
            Self::Phase => im.atan2(re),
            Self::Real | Self::Value | Self::Field(_) => re,
        }
    }
}

impl Line {
    /// The whole of a 1-D dataset.
    pub fn whole_1d() -> Self {
        Self {
            axis: 0,
            at: vec![0],
            component: Component::Value,
        }
    }

    /// The hyperslab of samples `start..start+count` along the line, checked against `dims`.
    pub fn hyperslab(&self, dims: &[u64], start: u64, count: u64) -> Result<Hyperslab, SliceError> {
        if self.at.len() != dims.len() || self.axis >= dims.len() {
            return Err(SliceError::TooManyAxes {
                given: self.at.len().max(self.axis + 1),
                rank: dims.len(),
            });
        }
        let mut slab = Hyperslab::all(dims);
        for (axis, (&i, &size)) in self.at.iter().zip(dims).enumerate() {
            let (first, n) = if axis == self.axis {
                (start, count)
            } else {
                (i, 1)
            };
            if first.checked_add(n).is_none_or(|end| end > size) {
                return Err(SliceError::OutOfRange {
                    axis,
                    index: i64::try_from(first.saturating_add(n)).unwrap_or(i64::MAX),
                    size,
                });
            }
            slab.start[axis] = first;
            slab.count[axis] = n;
            slab.keep[axis] = axis == self.axis;
        }
        Ok(slab)
    }
}

/// Why a slice expression cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SliceError {
    #[error("cannot parse {part:?} in slice {expr:?}: expected an index or start:stop:step")]
    Syntax { expr: String, part: String },
    #[error("slice has {given} axes but the data has {rank}")]
    TooManyAxes { given: usize, rank: usize },
    #[error("index {index} is out of range for axis {axis} of size {size}")]
    OutOfRange { axis: usize, index: i64, size: u64 },
    #[error("step must be positive (axis {axis} has step {step})")]
    BadStep { axis: usize, step: i64 },
}

/// Parses a comma-separated slice expression; `...` stands for all remaining axes.
pub fn parse_slice(expr: &str) -> Result<Vec<AxisSlice>, SliceError> {
    let syntax = |part: &str| SliceError::Syntax {
        expr: expr.to_owned(),
        part: part.to_owned(),
    };
    let int = |s: &str| -> Result<Option<i64>, SliceError> {
        let s = s.trim();
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse::<i64>().map(Some).map_err(|_| syntax(s))
        }
    };
    if expr.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in expr.split(',') {
        let p = part.trim();
        if p == "..." {
            // Expanded by `resolve`, which knows the rank.
            out.push(AxisSlice::Range {
                start: None,
                stop: None,
                step: Some(0),
            });
            continue;
        }
        let pieces: Vec<&str> = p.split(':').collect();
        let axis = match pieces.as_slice() {
            [i] => AxisSlice::Index(int(i)?.ok_or_else(|| syntax(p))?),
            [a, b] => AxisSlice::Range {
                start: int(a)?,
                stop: int(b)?,
                step: None,
            },
            [a, b, c] => AxisSlice::Range {
                start: int(a)?,
                stop: int(b)?,
                step: int(c)?,
            },
            _ => return Err(syntax(p)),
        };
        out.push(axis);
    }
    Ok(out)
}

/// A resolved rectangular, strided selection over a dataset of known shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hyperslab {
    pub start: Vec<u64>,
    pub stride: Vec<u64>,
    pub count: Vec<u64>,
    /// Which axes stay in the result (integer indices drop their axis).
    pub keep: Vec<bool>,
}

impl Hyperslab {
    /// The whole of a dataset of this shape.
    pub fn all(dims: &[u64]) -> Self {
        Self {
            start: vec![0; dims.len()],
            stride: vec![1; dims.len()],
            count: dims.to_vec(),
            keep: vec![true; dims.len()],
        }
    }

    /// Number of selected elements (saturating: counts from a hostile file may multiply
    /// past 2^64, and a cap compared with a wrapped count would let anything through).
    pub fn element_count(&self) -> u64 {
        self.count.iter().fold(1, |n, &c| n.saturating_mul(c))
    }

    /// The shape of the result once dropped axes are removed.
    pub fn result_shape(&self) -> Vec<usize> {
        self.count
            .iter()
            .zip(&self.keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| *c as usize)
            .collect()
    }
}

/// The marker `parse_slice` uses for `...`.
fn is_ellipsis(a: &AxisSlice) -> bool {
    matches!(
        a,
        AxisSlice::Range {
            step: Some(0),
            start: None,
            stop: None
        }
    )
}

/// Resolves a parsed slice against `dims` with numpy's rules (negative indices count from
/// the end, ranges clamp, missing trailing axes are taken whole).
pub fn resolve(slice: &[AxisSlice], dims: &[u64]) -> Result<Hyperslab, SliceError> {
    let rank = dims.len();
    let explicit = slice.iter().filter(|a| !is_ellipsis(a)).count();
    if explicit > rank {
        return Err(SliceError::TooManyAxes {
            given: explicit,
            rank,
        });
    }
    let mut axes: Vec<AxisSlice> = Vec::with_capacity(rank);
    for a in slice {
        if is_ellipsis(a) {
            axes.extend(std::iter::repeat_n(AxisSlice::FULL, rank - explicit));
        } else {
            axes.push(a.clone());
        }
    }
    axes.resize(rank, AxisSlice::FULL);

    let mut h = Hyperslab::all(dims);
    for (axis, (a, &size)) in axes.iter().zip(dims).enumerate() {
        let n = size as i64;
        match *a {
            AxisSlice::Index(i) => {
                let idx = if i < 0 { i + n } else { i };
                if !(0..n).contains(&idx) {
                    return Err(SliceError::OutOfRange {
                        axis,
                        index: i,
                        size,
                    });
                }
                h.start[axis] = idx as u64;
                h.count[axis] = 1;
                h.keep[axis] = false;
            }
            AxisSlice::Range { start, stop, step } => {
                let step = step.unwrap_or(1);
                if step <= 0 {
                    return Err(SliceError::BadStep { axis, step });
                }
                let clamp = |v: i64| (if v < 0 { v + n } else { v }).clamp(0, n);
                let lo = start.map_or(0, clamp);
                let hi = stop.map_or(n, clamp);
                let count = if hi > lo {
                    (hi - lo + step - 1) / step
                } else {
                    0
                };
                h.start[axis] = lo as u64;
                h.stride[axis] = step as u64;
                h.count[axis] = count as u64;
            }
        }
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(expr: &str, dims: &[u64]) -> Result<Hyperslab, SliceError> {
        resolve(&parse_slice(expr)?, dims)
    }

    /// Found by the fuzzer (slice_expression): dims a file can declare multiply past 2^64.
    #[test]
    fn element_counts_saturate_instead_of_wrapping() {
        let huge = Hyperslab::all(&[1 << 40, 1 << 40, 3]);
        assert_eq!(huge.element_count(), u64::MAX);
        assert_eq!(
            sel(":, :", &[1 << 33, 1 << 33]).unwrap().element_count(),
            u64::MAX
        );
    }

    #[test]
    fn line_through_a_stack() {
        let line = Line {
            axis: 1,
            at: vec![3, 99, 7],
            component: Component::Value,
        };
        let slab = line.hyperslab(&[10, 500, 20], 100, 50).unwrap();
        assert_eq!(slab.start, [3, 100, 7]);
        assert_eq!(slab.count, [1, 50, 1]);
        assert_eq!(slab.result_shape(), [50]);
        assert!(
            line.hyperslab(&[10, 500, 20], 480, 21).is_err(),
            "past the end"
        );
        assert!(line.hyperslab(&[10, 500], 0, 1).is_err(), "wrong rank");
        let far = Line {
            axis: 0,
            at: vec![0, 20],
            component: Component::Value,
        };
        assert!(
            far.hyperslab(&[10, 20], 0, 10).is_err(),
            "fixed index outside"
        );
    }

    /// (expr, dims, start, stride, count, result shape)
    type Case<'a> = (
        &'a str,
        &'a [u64],
        &'a [u64],
        &'a [u64],
        &'a [u64],
        &'a [usize],
    );

    #[test]
    fn numpy_semantics_table() {
        let cases: &[Case<'_>] = &[
            ("", &[5, 4], &[0, 0], &[1, 1], &[5, 4], &[5, 4]),
            ("1:3", &[5, 4], &[1, 0], &[1, 1], &[2, 4], &[2, 4]),
            ("3,4", &[5, 6], &[3, 4], &[1, 1], &[1, 1], &[]),
            ("-1", &[5], &[4], &[1], &[1], &[]),
            ("::2", &[5], &[0], &[2], &[3], &[3]),
            ("-3:", &[10], &[7], &[1], &[3], &[3]),
            ("2:100", &[5], &[2], &[1], &[3], &[3]),
            ("4:2", &[5], &[4], &[1], &[0], &[0]),
            (
                "...,1",
                &[2, 3, 4],
                &[0, 0, 1],
                &[1, 1, 1],
                &[2, 3, 1],
                &[2, 3],
            ),
            (
                "1,...",
                &[2, 3, 4],
                &[1, 0, 0],
                &[1, 1, 1],
                &[1, 3, 4],
                &[3, 4],
            ),
            (
                "10:20,3,::2",
                &[100, 5, 7],
                &[10, 3, 0],
                &[1, 1, 2],
                &[10, 1, 4],
                &[10, 4],
            ),
        ];
        for (expr, dims, start, stride, count, shape) in cases {
            let h = sel(expr, dims).unwrap();
            assert_eq!(&h.start, start, "start of {expr:?}");
            assert_eq!(&h.stride, stride, "stride of {expr:?}");
            assert_eq!(&h.count, count, "count of {expr:?}");
            assert_eq!(&h.result_shape(), shape, "shape of {expr:?}");
        }
    }

    #[test]
    fn errors_are_specific() {
        assert_eq!(
            sel("5", &[5]),
            Err(SliceError::OutOfRange {
                axis: 0,
                index: 5,
                size: 5
            })
        );
        assert_eq!(
            sel("1,2", &[5]),
            Err(SliceError::TooManyAxes { given: 2, rank: 1 })
        );
        assert_eq!(
            sel("::-1", &[5]),
            Err(SliceError::BadStep { axis: 0, step: -1 })
        );
        assert!(matches!(sel("a:b", &[5]), Err(SliceError::Syntax { .. })));
    }
}
