//! The reads an export is made of: whole rows of the selection's first kept axis, a few
//! megabytes of decoded values at a time, in order. Pure over the resolved selection.

use crate::model::{AxisSlice, Hyperslab};

/// The reads of an export of `sel` (elements of about `element_bytes` each), about `bytes`
/// at a time: whole rows of its first kept axis; one read for a selection without kept
/// axes; none for an empty one.
pub fn plan(sel: &Hyperslab, element_bytes: u64, bytes: u64) -> Vec<Vec<AxisSlice>> {
    let Some(first) = sel.keep.iter().position(|k| *k) else {
        return vec![slice_of(sel)];
    };
    let rows = sel.count[first];
    let per_row = (sel.element_count() / rows.max(1)).max(1);
    let step = (bytes / (per_row * element_bytes.max(1))).max(1);
    (0..rows)
        .step_by(usize::try_from(step).unwrap_or(usize::MAX))
        .map(|from| block_slice(sel, first, from, step.min(rows - from)))
        .collect()
}

/// The selection `sel` as slices, with rows `from..from+n` of axis `a` only.
fn block_slice(sel: &Hyperslab, a: usize, from: u64, n: u64) -> Vec<AxisSlice> {
    let mut piece = sel.clone();
    piece.start[a] += from * sel.stride[a];
    piece.count[a] = n;
    slice_of(&piece)
}

/// A resolved hyperslab back as numpy-like slices (integer axes stay integers).
pub fn slice_of(sel: &Hyperslab) -> Vec<AxisSlice> {
    (0..sel.start.len())
        .map(|a| {
            let (start, stride, count) = (
                sel.start[a] as i64,
                sel.stride[a] as i64,
                sel.count[a] as i64,
            );
            if sel.keep[a] {
                AxisSlice::Range {
                    start: Some(start),
                    stop: Some(start + (count - 1).max(0) * stride + 1),
                    step: Some(stride),
                }
            } else {
                AxisSlice::Index(start)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_slice, resolve};

    #[test]
    fn exports_read_whole_rows_in_order() {
        let sel = resolve(&parse_slice("3,::2,-10:").unwrap(), &[16, 96, 96]).unwrap();
        // 48 rows of 10 two-byte elements, 100 bytes a read: 5 rows each.
        let reads = plan(&sel, 2, 100);
        assert_eq!(reads.len(), 10);
        let again = resolve(&reads[1], &[16, 96, 96]).unwrap();
        assert_eq!(again.start, [3, 10, 86]);
        assert_eq!(again.count, [1, 5, 10]);
        assert_eq!(again.stride, [1, 2, 1]);
        assert_eq!(again.keep, [false, true, true]);
        let last = resolve(&reads[9], &[16, 96, 96]).unwrap();
        assert_eq!((last.start[1], last.count[1]), (90, 3));
        let empty = resolve(&parse_slice("0:0").unwrap(), &[5]).unwrap();
        assert!(plan(&empty, 8, 100).is_empty());
        let point = resolve(&parse_slice("2,3").unwrap(), &[5, 5]).unwrap();
        assert_eq!(plan(&point, 8, 100).len(), 1);
    }
}
