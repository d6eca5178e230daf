//! Image planes through datasets: which two axes an image shows, where the other axes are
//! held, and the strided patches of such a plane that the image view reads.
//!
//! Pure and checked against the dataset's shape; the reader turns a patch into an HDF5
//! hyperslab. Never touches libhdf5.

use super::selection::{Component, Hyperslab, SliceError};

/// A 2-D plane through a dataset: `rows` and `cols` are the axes shown down and across,
/// every other axis is held at its entry in `at` (entries of `rows`, `cols` and `channels`
/// are ignored). `channels` is an axis read whole whose indices are the colour channels of
/// an RGB(A) image.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Plane {
    pub rows: usize,
    pub cols: usize,
    pub at: Vec<u64>,
    pub channels: Option<usize>,
    pub component: Component,
}

/// A rectangle of a plane read every `step` elements along both axes: result rows
/// `0..rows` are plane rows `row, row + step, ...` (likewise for columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Patch {
    pub row: u64,
    pub col: u64,
    pub rows: u64,
    pub cols: u64,
    pub step: u64,
}

impl Plane {
    /// The plane of the last two axes (rows, then columns) at index 0 of every other axis.
    pub fn last_two(rank: usize) -> Self {
        Self {
            rows: rank.saturating_sub(2),
            cols: rank.saturating_sub(1),
            at: vec![0; rank],
            channels: None,
            component: Component::Value,
        }
    }

    /// The hyperslab of `patch`, checked against `dims`. The result keeps the dataset's
    /// axis order; [`Plane::result_order`] says how to bring it to rows, columns, channels.
    pub fn hyperslab(&self, dims: &[u64], patch: &Patch) -> Result<Hyperslab, SliceError> {
        let rank = dims.len();
        let axes_ok = self.rows < rank
            && self.cols < rank
            && self.rows != self.cols
            && self.at.len() == rank
            && self
                .channels
                .is_none_or(|c| c < rank && c != self.rows && c != self.cols);
        if !axes_ok {
            return Err(SliceError::TooManyAxes {
                given: self.at.len().max(self.rows.max(self.cols) + 1),
                rank,
            });
        }
        let step = patch.step.max(1);
        let mut slab = Hyperslab::all(dims);
        for (axis, &size) in dims.iter().enumerate() {
            let (first, count, stride) = if axis == self.rows {
                (patch.row, patch.rows, step)
            } else if axis == self.cols {
                (patch.col, patch.cols, step)
            } else if Some(axis) == self.channels {
                (0, size, 1)
            } else {
                (self.at[axis], 1, 1)
            };
            // The last element read is first + (count - 1) * stride.
            let last = count
                .checked_sub(1)
                .map_or(Some(first), |c| c.checked_mul(stride)?.checked_add(first));
            if last.is_none_or(|l| l >= size && count > 0) || (count == 0 && first > size) {
                return Err(SliceError::OutOfRange {
                    axis,
                    index: i64::try_from(last.unwrap_or(u64::MAX)).unwrap_or(i64::MAX),
                    size,
                });
            }
            slab.start[axis] = first;
            slab.stride[axis] = stride;
            slab.count[axis] = count;
            slab.keep[axis] = axis == self.rows || axis == self.cols || Some(axis) == self.channels;
        }
        Ok(slab)
    }

    /// Where rows, columns and channels (when there are channels) sit among the kept axes
    /// of [`Plane::hyperslab`]'s result, which are in the dataset's order.
    pub fn result_order(&self) -> Vec<usize> {
        let mut kept = vec![self.rows, self.cols];
        kept.extend(self.channels);
        let mut sorted = kept.clone();
        sorted.sort_unstable();
        kept.iter()
            .filter_map(|a| sorted.iter().position(|s| s == a))
            .collect()
    }
}

impl Patch {
    /// The whole of a `height` x `width` plane, every `step` elements.
    pub fn whole(height: u64, width: u64, step: u64) -> Self {
        let step = step.max(1);
        Self {
            row: 0,
            col: 0,
            rows: height.div_ceil(step),
            cols: width.div_ceil(step),
            step,
        }
    }

    pub fn elements(&self) -> u64 {
        self.rows.saturating_mul(self.cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_of_a_stack_is_a_strided_slab() {
        let plane = Plane {
            at: vec![5, 0, 0],
            ..Plane::last_two(3)
        };
        let patch = Patch {
            row: 2,
            col: 0,
            rows: 3,
            cols: 4,
            step: 2,
        };
        let slab = plane.hyperslab(&[10, 8, 8], &patch).unwrap();
        assert_eq!(slab.start, [5, 2, 0]);
        assert_eq!(slab.stride, [1, 2, 2]);
        assert_eq!(slab.count, [1, 3, 4]);
        assert_eq!(slab.keep, [false, true, true]);
        assert_eq!(slab.result_shape(), [3, 4]);
    }

    #[test]
    fn patches_past_the_edge_are_refused() {
        let plane = Plane::last_two(2);
        let ok = Patch::whole(7, 5, 2);
        assert_eq!((ok.rows, ok.cols), (4, 3));
        assert!(plane.hyperslab(&[7, 5], &ok).is_ok());
        let over = Patch { rows: 5, ..ok };
        assert!(matches!(
            plane.hyperslab(&[7, 5], &over),
            Err(SliceError::OutOfRange { axis: 0, .. })
        ));
        let same = Plane {
            cols: 0,
            ..Plane::last_two(2)
        };
        assert!(same.hyperslab(&[7, 5], &ok).is_err());
    }

    #[test]
    fn swapped_axes_and_planar_channels_are_reordered() {
        // (channel, y, x) stored, shown with x down and y across.
        let plane = Plane {
            rows: 2,
            cols: 1,
            at: vec![0; 3],
            channels: Some(0),
            component: Component::Value,
        };
        assert_eq!(plane.result_order(), [2, 1, 0]);
        assert_eq!(Plane::last_two(4).result_order(), [0, 1]);
    }
}
