//! Resolves HDF5 references (`H5R_ref_t`) to the path, file, region or attribute they name.
//!
//! Every reference kind is read into the 1.12+ `H5R_ref_t` form (libhdf5 converts the old
//! object and region forms), so there is one resolver. Resolving never reads dataset values;
//! region selections are listed with a cap.
#![allow(unsafe_code)]

use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::h5r::{
    H5R_ref_t, H5R_type_t, H5Rget_attr_name, H5Rget_file_name, H5Rget_obj_name, H5Rget_type,
    H5Ropen_region,
};
use hdf5_sys::h5s::{
    H5S_sel_type, H5Sget_select_elem_npoints, H5Sget_select_elem_pointlist,
    H5Sget_select_hyper_blocklist, H5Sget_select_hyper_nblocks, H5Sget_select_type,
    H5Sget_simple_extent_ndims,
};

use super::ffi::{Hid, locked, read_string};
use crate::model::{RefTarget, Region, Value};

/// Region selections longer than this are cut (a hostile file can select millions of points).
const MAX_REGION_ITEMS: u64 = 4096;

/// Decodes one `H5R_ref_t` from `bytes` (exactly its size).
pub(crate) fn resolve_ref(bytes: &[u8], file_name: &str) -> Value {
    let mut raw = std::mem::MaybeUninit::<H5R_ref_t>::zeroed();
    // SAFETY: `bytes` has exactly `size_of::<H5R_ref_t>()` bytes (checked by the caller) and
    // `raw` is that large; the copy makes the reference aligned.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), raw.as_mut_ptr().cast::<u8>(), bytes.len());
    }
    // SAFETY: every bit pattern is a valid (possibly null) `H5R_ref_t` for libhdf5 to inspect.
    let r = unsafe { raw.assume_init() };
    if bytes.iter().all(|&b| b == 0) {
        return Value::Ref(None);
    }
    // SAFETY: `r` is a reference libhdf5 wrote during the read.
    let kind = locked(|| unsafe { H5Rget_type(&r) });
    if matches!(kind, H5R_type_t::H5R_BADTYPE | H5R_type_t::H5R_MAXTYPE) {
        return Value::Ref(None);
    }
    // SAFETY (for the three getters below): `r` is valid, and each writes at most `size` bytes.
    let path = read_string(|buf, size| unsafe { H5Rget_obj_name(&r, H5P_DEFAULT, buf, size) });
    let path = match path {
        Ok(p) if p.is_empty() => None,
        Ok(p) => Some(p),
        // An address that points nowhere: HDF5 1.8 writers leave these for unset references.
        Err(e) => return Value::Invalid(format!("reference does not resolve: {e}")),
    };
    let file = read_string(|buf, size| unsafe { H5Rget_file_name(&r, buf, size) })
        .ok()
        .filter(|f| f != file_name);
    let attribute = if kind == H5R_type_t::H5R_ATTR {
        read_string(|buf, size| unsafe { H5Rget_attr_name(&r, buf, size) }).ok()
    } else {
        None
    };
    let region = if matches!(
        kind,
        H5R_type_t::H5R_DATASET_REGION1 | H5R_type_t::H5R_DATASET_REGION2
    ) {
        Some(region_of(&r))
    } else {
        None
    };
    Value::Ref(Some(RefTarget {
        path,
        file,
        region,
        attribute,
    }))
}

fn region_of(r: &H5R_ref_t) -> Region {
    // SAFETY: `r` is a valid region reference.
    let Ok(space) = Hid::from_call(|| unsafe { H5Ropen_region(r, H5P_DEFAULT, H5P_DEFAULT) })
    else {
        return Region::None;
    };
    let s = space.id();
    // SAFETY: `s` is the dataspace we just opened.
    let (sel, rank) = locked(|| unsafe { (H5Sget_select_type(s), H5Sget_simple_extent_ndims(s)) });
    let rank = usize::try_from(rank).unwrap_or(0);
    let split = |flat: Vec<u64>, per: usize| -> Vec<Vec<u64>> {
        flat.chunks(per.max(1)).map(<[u64]>::to_vec).collect()
    };
    match sel {
        H5S_sel_type::H5S_SEL_ALL => Region::All,
        H5S_sel_type::H5S_SEL_HYPERSLABS => {
            // SAFETY: `s` holds a hyperslab selection.
            let n = locked(|| unsafe { H5Sget_select_hyper_nblocks(s) });
            let n = u64::try_from(n).unwrap_or(0).min(MAX_REGION_ITEMS);
            let mut buf = vec![0u64; n as usize * 2 * rank];
            // SAFETY: `buf` has room for `n` blocks of two corners of `rank` coordinates.
            locked(|| unsafe { H5Sget_select_hyper_blocklist(s, 0, n, buf.as_mut_ptr()) });
            let corners = split(buf, rank);
            let blocks = corners
                .chunks(2)
                .filter_map(|pair| match pair {
                    [a, b] => Some((a.clone(), b.clone())),
                    _ => None,
                })
                .collect();
            Region::Blocks { blocks }
        }
        H5S_sel_type::H5S_SEL_POINTS => {
            // SAFETY: `s` holds a point selection.
            let n = locked(|| unsafe { H5Sget_select_elem_npoints(s) });
            let n = u64::try_from(n).unwrap_or(0).min(MAX_REGION_ITEMS);
            let mut buf = vec![0u64; n as usize * rank];
            // SAFETY: `buf` has room for `n` points of `rank` coordinates.
            locked(|| unsafe { H5Sget_select_elem_pointlist(s, 0, n, buf.as_mut_ptr()) });
            Region::Points {
                points: split(buf, rank),
            }
        }
        _ => Region::None,
    }
}
