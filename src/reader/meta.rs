//! Dataset metadata: layout, chunking, filters, storage, fill value, external and virtual
//! sources, and dimension scales.
//!
//! Metadata only: nothing here reads dataset values, opens a virtual source or an external
//! raw file (their existence is checked on disk).
#![allow(unsafe_code)]

use std::path::Path;

use hdf5_sys::h5d::{H5D_fill_value_t, H5D_layout_t, H5Dget_create_plist, H5Dget_storage_size};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::{
    H5Pfill_value_defined, H5Pget_chunk, H5Pget_external, H5Pget_external_count, H5Pget_fill_value,
    H5Pget_filter2, H5Pget_layout, H5Pget_nfilters, H5Pget_virtual_count, H5Pget_virtual_dsetname,
    H5Pget_virtual_filename,
};
use hdf5_sys::h5z::H5Zfilter_avail;

use super::error::ReadError;
use super::ffi::{Hid, c_buf_to_string, call, locked, read_string};
use super::object::attribute_by_name;
use crate::model::{
    AttrValue, DatasetInfo, Dim, ExternalFile, Filter, Layout, ScaleRef, Value, VirtualSource,
};

pub(crate) fn filters(dcpl: hid_t) -> Vec<Filter> {
    // SAFETY: `dcpl` is a dataset-creation list.
    let n = locked(|| unsafe { H5Pget_nfilters(dcpl) }).max(0);
    (0..n as u32)
        .filter_map(|i| {
            let mut flags = 0u32;
            let mut nparams: usize = 16;
            let mut params = vec![0u32; 16];
            let mut name = vec![0u8; 256];
            let mut config = 0u32;
            // SAFETY: `params` has room for `nparams` values and `name` for 256 bytes.
            let id = locked(|| unsafe {
                H5Pget_filter2(
                    dcpl,
                    i,
                    &mut flags,
                    &mut nparams,
                    params.as_mut_ptr(),
                    name.len(),
                    name.as_mut_ptr().cast(),
                    &mut config,
                )
            });
            if id < 0 {
                return None;
            }
            params.truncate(nparams.min(16));
            let stored = c_buf_to_string(&name);
            let name = match super::filters::name(id) {
                Some(known) => known.to_owned(),
                None if stored.is_empty() => "unknown".to_owned(),
                None => stored,
            };
            // SAFETY: querying a filter id.
            let available = locked(|| unsafe { H5Zfilter_avail(id) }) > 0;
            Some(Filter {
                id,
                name,
                summary: super::filters::describe(id, &params),
                params,
                available,
                optional: flags & hdf5_sys::h5z::H5Z_FLAG_OPTIONAL != 0,
            })
        })
        .collect()
}

fn external_files(dcpl: hid_t) -> Vec<ExternalFile> {
    // SAFETY: `dcpl` is a dataset-creation list.
    let n = locked(|| unsafe { H5Pget_external_count(dcpl) }).max(0);
    (0..n as u32)
        .filter_map(|i| {
            let mut name = vec![0u8; 4096];
            let mut offset = 0;
            let mut size = 0u64;
            // SAFETY: `name` has room for 4096 bytes.
            let ok = locked(|| unsafe {
                H5Pget_external(
                    dcpl,
                    i,
                    name.len(),
                    name.as_mut_ptr().cast(),
                    &mut offset,
                    &mut size,
                )
            }) >= 0;
            ok.then(|| ExternalFile {
                name: c_buf_to_string(&name),
                offset: u64::try_from(offset).unwrap_or(0),
                size,
            })
        })
        .collect()
}

fn virtual_sources(dcpl: hid_t, holder: &Path) -> Vec<VirtualSource> {
    let mut n = 0usize;
    // SAFETY: `dcpl` is a virtual dataset's creation list.
    if locked(|| unsafe { H5Pget_virtual_count(dcpl, &mut n) }) < 0 {
        return Vec::new();
    }
    (0..n)
        .map(|i| {
            // SAFETY: `i` is below the mapping count; each getter writes at most `size` bytes.
            let file =
                read_string(|buf, size| unsafe { H5Pget_virtual_filename(dcpl, i, buf, size) })
                    .unwrap_or_default();
            // SAFETY: as above.
            let dataset =
                read_string(|buf, size| unsafe { H5Pget_virtual_dsetname(dcpl, i, buf, size) })
                    .unwrap_or_default();
            let found = file == "." || super::links::external_target_exists(holder, &file);
            VirtualSource {
                file,
                dataset,
                found,
            }
        })
        .collect()
}

/// Metadata of an open dataset.
/// The filters of an open dataset that this build cannot apply, as "filter N (name)".
///
/// Called after a read fails, to replace libhdf5's plugin-path message with the real cause.
/// Optional filters count too: "optional" only lets a *writer* skip them, and a chunk that
/// was filtered still needs the filter to be read.
pub(crate) fn missing_filters(dset: hid_t) -> Option<String> {
    // SAFETY: `dset` is an open dataset.
    let dcpl = Hid::from_call(|| unsafe { H5Dget_create_plist(dset) }).ok()?;
    let missing: Vec<String> = filters(dcpl.id())
        .into_iter()
        .filter(|f| !f.available)
        .map(|f| format!("filter {} ({})", f.id, f.name))
        .collect();
    (!missing.is_empty()).then(|| missing.join(" and "))
}

/// The layout of an open dataset, with its external files and virtual sources.
pub(crate) fn layout(dset: hid_t, path: &str, file_path: &Path) -> Result<Layout, ReadError> {
    // SAFETY: `dset` is an open dataset.
    let dcpl = Hid::from_call(|| unsafe { H5Dget_create_plist(dset) })
        .map_err(ReadError::at("reading the creation properties of", path))?;
    Ok(layout_of(dcpl.id(), file_path))
}

fn layout_of(p: hid_t, file_path: &Path) -> Layout {
    // SAFETY: `p` is a dataset-creation list.
    match locked(|| unsafe { H5Pget_layout(p) }) {
        H5D_layout_t::H5D_COMPACT => Layout::Compact,
        H5D_layout_t::H5D_CONTIGUOUS => Layout::Contiguous {
            external: external_files(p),
        },
        H5D_layout_t::H5D_CHUNKED => {
            let mut dims = vec![0u64; 32];
            // SAFETY: `dims` has room for the maximum rank.
            let rank = locked(|| unsafe { H5Pget_chunk(p, 32, dims.as_mut_ptr()) });
            dims.truncate(usize::try_from(rank).unwrap_or(0));
            Layout::Chunked { chunks: dims }
        }
        H5D_layout_t::H5D_VIRTUAL => Layout::Virtual {
            sources: virtual_sources(p, file_path),
        },
        _ => Layout::Unknown,
    }
}

pub(crate) fn dataset_info(
    dset: hid_t,
    path: &str,
    file_path: &Path,
    file_name: &str,
) -> Result<DatasetInfo, ReadError> {
    let at = |op| ReadError::at(op, path);
    let (mapped, _space, shape) = super::dataset_type_and_space(dset, path)?;
    // SAFETY: `dset` is an open dataset.
    let dcpl = Hid::from_call(|| unsafe { H5Dget_create_plist(dset) })
        .map_err(at("reading the creation properties of"))?;
    let p = dcpl.id();

    let layout = layout_of(p, file_path);

    let mut status = H5D_fill_value_t::H5D_FILL_VALUE_UNDEFINED;
    // SAFETY: `status` is a valid out-pointer.
    let defined = locked(|| unsafe { H5Pfill_value_defined(p, &mut status) }) >= 0
        && status != H5D_fill_value_t::H5D_FILL_VALUE_UNDEFINED;
    // Fill values of variable-length types are pointers libhdf5 would allocate; skip them.
    let fill_value = (defined && !mapped.mem.needs_reclaim())
        .then(|| {
            super::read::read_elements(&mapped, 1, file_name, |mem_type, buf| {
                // SAFETY: `buf` holds one element of `mem_type`.
                call(|| unsafe { H5Pget_fill_value(p, mem_type, buf) }).map(drop)
            })
            .ok()
            .and_then(|mut v| v.pop())
        })
        .flatten();

    Ok(DatasetInfo {
        dtype: mapped.dtype,
        shape,
        layout,
        filters: filters(p),
        // SAFETY: `dset` is an open dataset.
        storage_bytes: locked(|| unsafe { H5Dget_storage_size(dset) }),
        fill_value,
    })
}

/// The first string in an attribute value (scalar or one-element), trimmed.
fn attr_string(obj: hid_t, name: &str, path: &str, file_name: &str) -> Option<String> {
    match attribute_by_name(obj, name, path, file_name)?.value {
        AttrValue::Loaded(v) => v.iter().find_map(|x| x.as_str().map(str::to_owned)),
        AttrValue::Skipped(_) | AttrValue::Failed(_) => None,
    }
}

/// Whether the dataset is a dimension scale (`CLASS = "DIMENSION_SCALE"`).
pub(crate) fn is_scale(obj: hid_t, path: &str, file_name: &str) -> bool {
    attr_string(obj, "CLASS", path, file_name).as_deref() == Some("DIMENSION_SCALE")
}

/// Labels and attached scales per axis, read from `DIMENSION_LABELS` and `DIMENSION_LIST`.
/// Returns an empty list when the dataset has neither.
pub(crate) fn dims(file: hid_t, obj: hid_t, rank: usize, path: &str, file_name: &str) -> Vec<Dim> {
    let labels: Vec<Option<String>> =
        match attribute_by_name(obj, "DIMENSION_LABELS", path, file_name).map(|a| a.value) {
            Some(AttrValue::Loaded(v)) => v
                .iter()
                .map(|x| x.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
    let lists: Vec<Vec<String>> =
        match attribute_by_name(obj, "DIMENSION_LIST", path, file_name).map(|a| a.value) {
            Some(AttrValue::Loaded(v)) => v
                .iter()
                .map(|axis| match axis {
                    Value::List(refs) => refs
                        .iter()
                        .filter_map(|r| match r {
                            Value::Ref(Some(t)) => t.path.clone(),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                })
                .collect(),
            _ => Vec::new(),
        };
    if labels.iter().all(Option::is_none) && lists.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    (0..rank)
        .map(|axis| Dim {
            label: labels.get(axis).cloned().flatten(),
            scales: lists
                .get(axis)
                .map(|paths| {
                    paths
                        .iter()
                        .map(|p| ScaleRef {
                            name: super::object::open_object(file, p)
                                .ok()
                                .and_then(|s| attr_string(s.id(), "NAME", p, file_name)),
                            path: p.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}
