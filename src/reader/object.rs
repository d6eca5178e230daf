//! Opening objects by path and describing them: kind, identity, shape and attributes.
//!
//! Attributes are read eagerly only when small; larger ones are summarised so a huge
//! attribute cannot stall the listing. Never reads dataset values.
#![allow(unsafe_code)]

use hdf5_sys::h5::H5_index_t;
use hdf5_sys::h5::H5_iter_order_t;
use hdf5_sys::h5a::{H5Aget_name, H5Aget_space, H5Aget_storage_size, H5Aget_type, H5Aopen_by_idx};
use hdf5_sys::h5f::H5Fget_fileno;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5o::{
    H5O_INFO_BASIC, H5O_INFO_NUM_ATTRS, H5O_info2_t, H5O_type_t, H5Oget_info_by_name3,
    H5Oget_info3, H5Oopen,
};
use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::h5s::{
    H5S_UNLIMITED, H5S_class_t, H5Sget_simple_extent_dims, H5Sget_simple_extent_type,
};

use super::dtype::map_type;
use super::error::ReadError;
use super::ffi::{Hid, call, cstring, locked, read_string};
use super::read::read_attribute;
use crate::model::{AttrValue, Attribute, ObjectId, ObjectKind, Shape};

/// Attributes with more elements than this are summarised instead of loaded.
pub const MAX_ATTR_ELEMENTS: u64 = 65_536;
/// Attributes stored in more bytes than this are summarised instead of loaded.
pub const MAX_ATTR_BYTES: u64 = 1 << 20;

/// The file number of the file holding `loc` (0 if unknown).
#[allow(clippy::useless_conversion, reason = "c_ulong is 32-bit on Windows")]
pub(crate) fn fileno(loc: hid_t) -> u64 {
    let mut n: std::ffi::c_ulong = 0;
    // SAFETY: `loc` is an open identifier and `n` a valid out-pointer.
    locked(|| unsafe { H5Fget_fileno(loc, &mut n) });
    u64::from(n)
}

/// Opens the object at `path` (following soft links inside the file).
pub(crate) fn open_object(file: hid_t, path: &str) -> Result<Hid, ReadError> {
    let c = cstring(path).map_err(ReadError::at("opening", path))?;
    // SAFETY: `c` is NUL-terminated and `file` open.
    Hid::from_call(|| unsafe { H5Oopen(file, c.as_ptr(), H5P_DEFAULT) })
        .map_err(ReadError::at("opening", path))
}

/// Basic facts about an open object: its kind, identity and attribute count.
pub(crate) struct Basic {
    pub kind: ObjectKind,
    pub id: ObjectId,
    pub num_attrs: u64,
}

pub(crate) fn basic(obj: hid_t, path: &str) -> Result<Basic, ReadError> {
    let mut info = std::mem::MaybeUninit::<H5O_info2_t>::zeroed();
    // SAFETY: `obj` is open and `info` a valid out-pointer.
    call(|| unsafe { H5Oget_info3(obj, info.as_mut_ptr(), H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS) })
        .map_err(ReadError::at("reading the object header of", path))?;
    // SAFETY: initialised by the successful call above.
    basic_of(unsafe { info.assume_init() }, path)
}

/// Kind and identity of the object that `name` links to in the open group `group`, without
/// opening it (what a walk of every path needs, and all it needs). `path` names it in errors.
pub(crate) fn basic_by_name(group: hid_t, name: &str, path: &str) -> Result<Basic, ReadError> {
    let c = cstring(name).map_err(ReadError::at("reading the object header of", path))?;
    let mut info = std::mem::MaybeUninit::<H5O_info2_t>::zeroed();
    // SAFETY: `group` is open, `c` NUL-terminated and `info` a valid out-pointer.
    call(|| unsafe {
        H5Oget_info_by_name3(
            group,
            c.as_ptr(),
            info.as_mut_ptr(),
            H5O_INFO_BASIC,
            H5P_DEFAULT,
        )
    })
    .map_err(ReadError::at("reading the object header of", path))?;
    // SAFETY: initialised by the successful call above (num_attrs unused: not asked for).
    basic_of(unsafe { info.assume_init() }, path)
}

#[allow(clippy::useless_conversion, reason = "c_ulong is 32-bit on Windows")]
fn basic_of(info: H5O_info2_t, path: &str) -> Result<Basic, ReadError> {
    let kind = match info.type_ {
        H5O_type_t::H5O_TYPE_GROUP => ObjectKind::Group,
        H5O_type_t::H5O_TYPE_DATASET => ObjectKind::Dataset,
        H5O_type_t::H5O_TYPE_NAMED_DATATYPE => ObjectKind::Datatype,
        _ => {
            return Err(ReadError::Unsupported {
                path: path.to_owned(),
                what: "object of unknown type".to_owned(),
            });
        }
    };
    Ok(Basic {
        kind,
        id: ObjectId {
            fileno: u64::from(info.fileno),
            token: super::links::token_bytes(info.token),
        },
        num_attrs: info.num_attrs,
    })
}

/// The extent of a dataspace.
pub(crate) fn shape_of(space: hid_t) -> Result<Shape, hdf5::Error> {
    // SAFETY: `space` is an open dataspace.
    let class = locked(|| unsafe { H5Sget_simple_extent_type(space) });
    match class {
        H5S_class_t::H5S_NULL => Ok(Shape::Null),
        H5S_class_t::H5S_SCALAR => Ok(Shape::Scalar),
        _ => {
            // SAFETY: querying the rank only.
            let rank = call(|| unsafe {
                H5Sget_simple_extent_dims(space, std::ptr::null_mut(), std::ptr::null_mut())
            })?;
            let rank = usize::try_from(rank).unwrap_or(0);
            let mut dims = vec![0u64; rank];
            let mut max = vec![0u64; rank];
            // SAFETY: both buffers have `rank` entries.
            call(|| unsafe {
                H5Sget_simple_extent_dims(space, dims.as_mut_ptr(), max.as_mut_ptr())
            })?;
            let max = max
                .into_iter()
                .map(|m| (m != H5S_UNLIMITED).then_some(m))
                .collect();
            Ok(Shape::Simple { dims, max })
        }
    }
}

/// Reads every attribute of `obj`, in creation order when tracked, else name order.
/// The attributes of `obj` whose names `keep` accepts (the others are not read at all).
pub(crate) fn attributes(
    obj: hid_t,
    count: u64,
    path: &str,
    file_name: &str,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<Attribute> {
    let dot = c".";
    let open = |index: H5_index_t, i: u64| {
        // SAFETY: `dot` is NUL-terminated; `i` is below the attribute count.
        Hid::from_call(|| unsafe {
            H5Aopen_by_idx(
                obj,
                dot.as_ptr(),
                index,
                H5_iter_order_t::H5_ITER_INC,
                i,
                H5P_DEFAULT,
                H5P_DEFAULT,
            )
        })
    };
    let index = if attr_creation_order_tracked(obj) {
        H5_index_t::H5_INDEX_CRT_ORDER
    } else {
        H5_index_t::H5_INDEX_NAME
    };
    (0..count)
        .filter_map(|i| match open(index, i) {
            Ok(attr) => {
                let a = attr.id();
                // SAFETY: `a` is an open attribute; the closure writes at most `size` bytes.
                let name = read_string(|buf, size| unsafe { H5Aget_name(a, size, buf) })
                    .unwrap_or_default();
                keep(&name).then(|| attribute(&attr, name, path, file_name))
            }
            Err(e) => Some(Attribute::failed(
                format!("#{i}"),
                format!("cannot open attribute #{i} of {path}: {e}"),
            )),
        })
        .collect()
}

/// Whether the object's creation properties track attribute creation order.
fn attr_creation_order_tracked(obj: hid_t) -> bool {
    use hdf5_sys::h5d::H5Dget_create_plist;
    use hdf5_sys::h5g::H5Gget_create_plist;
    use hdf5_sys::h5p::{H5P_CRT_ORDER_TRACKED, H5Pget_attr_creation_order};
    use hdf5_sys::h5t::H5Tget_create_plist;
    let Ok(b) = basic(obj, "") else {
        return false;
    };
    // SAFETY: `obj` is an open object of the kind matched.
    let plist = Hid::from_call(|| unsafe {
        match b.kind {
            ObjectKind::Group => H5Gget_create_plist(obj),
            ObjectKind::Dataset => H5Dget_create_plist(obj),
            ObjectKind::Datatype | ObjectKind::Link => H5Tget_create_plist(obj),
        }
    });
    let Ok(plist) = plist else {
        return false;
    };
    let mut flags = 0u32;
    // SAFETY: `plist` is an object-creation list and `flags` a valid out-pointer.
    let ok = locked(|| unsafe { H5Pget_attr_creation_order(plist.id(), &mut flags) }) >= 0;
    ok && flags & H5P_CRT_ORDER_TRACKED != 0
}

/// Opens the attribute `name` of `obj`, if it exists.
pub(crate) fn attribute_by_name(
    obj: hid_t,
    name: &str,
    path: &str,
    file_name: &str,
) -> Option<Attribute> {
    let c = cstring(name).ok()?;
    // SAFETY: `c` is NUL-terminated and `obj` open.
    let exists = locked(|| unsafe { hdf5_sys::h5a::H5Aexists(obj, c.as_ptr()) }) > 0;
    if !exists {
        return None;
    }
    // SAFETY: as above; the attribute exists.
    let attr =
        Hid::from_call(|| unsafe { hdf5_sys::h5a::H5Aopen(obj, c.as_ptr(), H5P_DEFAULT) }).ok()?;
    Some(attribute(&attr, name.to_owned(), path, file_name))
}

fn attribute(attr: &Hid, name: String, path: &str, file_name: &str) -> Attribute {
    let a = attr.id();
    let failed = |name: String, what: &str, e: &hdf5::Error| {
        let reason = format!("{what} of attribute {name:?} of {path}: {e}");
        Attribute::failed(name, reason)
    };
    // SAFETY: `a` is an open attribute.
    let ftype = match Hid::from_call(|| unsafe { H5Aget_type(a) }) {
        Ok(t) => t,
        Err(e) => return failed(name, "cannot read the type", &e),
    };
    let mapped = match map_type(ftype.id()) {
        Ok(m) => m,
        Err(e) => return failed(name, "cannot decode the type", &e),
    };
    // SAFETY: `a` is an open attribute.
    let shape = match Hid::from_call(|| unsafe { H5Aget_space(a) }).and_then(|s| shape_of(s.id())) {
        Ok(s) => s,
        Err(e) => return failed(name, "cannot read the shape", &e),
    };
    let n = shape.element_count();
    // SAFETY: `a` is an open attribute.
    let stored = locked(|| unsafe { H5Aget_storage_size(a) });
    let value = if n > MAX_ATTR_ELEMENTS || stored > MAX_ATTR_BYTES {
        AttrValue::Skipped(format!("{n} elements ({stored} bytes), not loaded"))
    } else {
        match read_attribute(a, &mapped, n as usize, file_name) {
            Ok(values) => {
                let dims: Vec<usize> = match shape {
                    Shape::Null => vec![0],
                    _ => shape.dims().iter().map(|&d| d as usize).collect(),
                };
                match ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&dims), values) {
                    Ok(arr) => AttrValue::Loaded(arr),
                    Err(e) => AttrValue::Failed(format!("shape mismatch: {e}")),
                }
            }
            Err(e) => AttrValue::Failed(format!("cannot read attribute {name:?} of {path}: {e}")),
        }
    };
    Attribute {
        name,
        dtype: mapped.dtype,
        shape,
        value,
    }
}
