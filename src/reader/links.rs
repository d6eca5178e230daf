//! Lists a group's links page by page, and reads one link's type, target and resolution.
//!
//! Listing uses `H5Literate2` with a start index and stops after a page, so a group with
//! 100,000 members costs one page, and it never opens the children. External links are never
//! followed here: whether they resolve is answered by looking for the target file on disk.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_void};
use std::path::Path;

use hdf5_sys::h5::{H5_index_t, H5_iter_order_t, herr_t};
use hdf5_sys::h5g::{H5G_info_t, H5Gget_create_plist, H5Gget_info};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5l::{
    H5L_info2_t, H5L_type_t, H5Lexists, H5Lget_info2, H5Lget_val, H5Literate2, H5Lunpack_elink_val,
};
use hdf5_sys::h5o::{H5O_token_t, H5Oexists_by_name};
use hdf5_sys::h5p::{H5P_CRT_ORDER_INDEXED, H5P_DEFAULT, H5Pget_link_creation_order};

use super::error::ReadError;
use super::ffi::{Hid, c_str_to_string, call, cstring, locked};
use crate::model::{Link, LinkStatus, LinkType, ObjectId};

/// One page of a group's links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkPage {
    pub links: Vec<Link>,
    /// How many links the group holds in all.
    pub total: u64,
    /// Whether the links are in creation order (else name order).
    pub creation_order: bool,
}

pub(crate) fn token_bytes(token: H5O_token_t) -> [u8; 16] {
    // SAFETY: `H5O_token_t` is a `repr(C)` wrapper around exactly 16 bytes.
    unsafe { std::mem::transmute::<H5O_token_t, [u8; 16]>(token) }
}

fn link_type(t: H5L_type_t) -> LinkType {
    match t {
        H5L_type_t::H5L_TYPE_HARD => LinkType::Hard,
        H5L_type_t::H5L_TYPE_SOFT => LinkType::Soft,
        H5L_type_t::H5L_TYPE_EXTERNAL => LinkType::External,
        _ => LinkType::User,
    }
}

struct Collector {
    links: Vec<(String, H5L_info2_t)>,
    limit: usize,
}

extern "C" fn collect(
    _group: hid_t,
    name: *const c_char,
    info: *const H5L_info2_t,
    data: *mut c_void,
) -> herr_t {
    // A panic must not unwind into C.
    std::panic::catch_unwind(|| {
        // SAFETY: `data` is the `Collector` passed to `H5Literate2`, alive for the call, and
        // `name`/`info` are valid for the duration of this callback.
        let collector = unsafe { &mut *data.cast::<Collector>() };
        // SAFETY: as above.
        let Some(name) = (unsafe { c_str_to_string(name) }) else {
            return -1;
        };
        // SAFETY: as above.
        let info = unsafe { std::ptr::read(info) };
        collector.links.push((name, info));
        herr_t::from(collector.links.len() >= collector.limit)
    })
    .unwrap_or(-1)
}

fn tracks_creation_order(group: hid_t) -> bool {
    // SAFETY: `group` is an open group.
    let Ok(gcpl) = Hid::from_call(|| unsafe { H5Gget_create_plist(group) }) else {
        return false;
    };
    let mut flags = 0u32;
    // SAFETY: `gcpl` is a group-creation list and `flags` a valid out-pointer.
    let ok = locked(|| unsafe { H5Pget_link_creation_order(gcpl.id(), &mut flags) }) >= 0;
    ok && flags & H5P_CRT_ORDER_INDEXED != 0
}

/// Lists links `start..start+limit` of an open group.
pub(crate) fn list(
    group: hid_t,
    group_path: &str,
    start: u64,
    limit: usize,
) -> Result<LinkPage, ReadError> {
    let mut ginfo = std::mem::MaybeUninit::<H5G_info_t>::zeroed();
    // SAFETY: `group` is open and `ginfo` a valid out-pointer.
    call(|| unsafe { H5Gget_info(group, ginfo.as_mut_ptr()) })
        .map_err(ReadError::at("counting links of", group_path))?;
    // SAFETY: initialised by the successful call above.
    let total = unsafe { ginfo.assume_init() }.nlinks;

    let creation_order = tracks_creation_order(group);
    let index = if creation_order {
        H5_index_t::H5_INDEX_CRT_ORDER
    } else {
        H5_index_t::H5_INDEX_NAME
    };
    let mut collector = Collector {
        links: Vec::with_capacity(limit.min(4096)),
        limit: limit.max(1),
    };
    let mut idx = start;
    if start < total && limit > 0 {
        // SAFETY: `collector` outlives the call; the callback only touches it and its args.
        call(|| unsafe {
            H5Literate2(
                group,
                index,
                H5_iter_order_t::H5_ITER_INC,
                &mut idx,
                Some(collect),
                (&raw mut collector).cast(),
            )
        })
        .map_err(ReadError::at("listing", group_path))?;
    }
    let fileno = super::object::fileno(group);
    let links = collector
        .links
        .into_iter()
        .map(|(name, info)| describe(group, name, info, fileno))
        .collect();
    Ok(LinkPage {
        links,
        total,
        creation_order,
    })
}

/// Builds the model link from libhdf5's link info, reading soft and external targets.
fn describe(loc: hid_t, name: String, mut info: H5L_info2_t, fileno: u64) -> Link {
    let kind = link_type(info.type_);
    let mut link = Link {
        name,
        link_type: kind,
        target: None,
        file: None,
        id: None,
    };
    match kind {
        LinkType::Hard => {
            // SAFETY: for hard links the union holds the object token.
            let token = unsafe { *info.u.token() };
            link.id = Some(ObjectId {
                fileno,
                token: token_bytes(token),
            });
        }
        LinkType::Soft | LinkType::External => {
            // SAFETY: for soft/external links the union holds the value size.
            let size = unsafe { *info.u.val_size() };
            if let Ok(value) = link_value(loc, &link.name, size) {
                if kind == LinkType::Soft {
                    link.target = Some(super::ffi::c_buf_to_string(&value));
                } else if let Some((file, path)) = unpack_external(&value) {
                    link.file = Some(file);
                    link.target = Some(path);
                }
            }
        }
        LinkType::User => {}
    }
    link
}

fn link_value(loc: hid_t, name: &str, size: usize) -> Result<Vec<u8>, hdf5::Error> {
    let cname = cstring(name)?;
    let mut buf = vec![0u8; size.max(1)];
    // SAFETY: `buf` holds `size` bytes, the link value's size reported by libhdf5.
    call(|| unsafe {
        H5Lget_val(
            loc,
            cname.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            H5P_DEFAULT,
        )
    })?;
    Ok(buf)
}

fn unpack_external(value: &[u8]) -> Option<(String, String)> {
    let mut flags = 0u32;
    let mut file: *const c_char = std::ptr::null();
    let mut path: *const c_char = std::ptr::null();
    // SAFETY: `value` is an external link value; the out-pointers point into it.
    call(|| unsafe {
        H5Lunpack_elink_val(
            value.as_ptr().cast(),
            value.len(),
            &mut flags,
            &mut file,
            &mut path,
        )
    })
    .ok()?;
    // SAFETY: both point at NUL-terminated strings inside `value`, which is still alive.
    let (file, path) = unsafe { (c_str_to_string(file)?, c_str_to_string(path)?) };
    Some((file, path))
}

/// Splits `/a/b/c` into (`/a/b`, `c`).
pub(crate) fn split_path(path: &str) -> (&str, &str) {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) => ("/", &trimmed[1..]),
        Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
        None => (".", trimmed),
    }
}

/// Where libhdf5 would look for an external link's file: as written, then beside the file
/// that holds the link. Checked on disk only; the file is never opened here.
pub fn external_target_exists(holder: &Path, target_file: &str) -> bool {
    let written = Path::new(target_file);
    if written.is_absolute() {
        return written.is_file();
    }
    let beside = holder.parent().map(|dir| dir.join(written));
    beside.is_some_and(|p| p.is_file()) || written.is_file()
}

/// The link named by `path` (not for `/`) and whether it resolves.
pub(crate) fn status(file: hid_t, file_path: &Path, path: &str) -> Result<LinkStatus, ReadError> {
    let (parent, name) = split_path(path);
    let cpath = cstring(path).map_err(ReadError::at("looking up", path))?;
    // Each ancestor must exist as a link first, or libhdf5 reports a confusing error.
    let mut prefix = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        prefix.push('/');
        prefix.push_str(part);
        let c = cstring(&prefix).map_err(ReadError::at("looking up", path))?;
        // SAFETY: `c` is NUL-terminated; a negative answer (broken ancestor) means not found.
        if locked(|| unsafe { H5Lexists(file, c.as_ptr(), H5P_DEFAULT) }) <= 0 {
            return Err(ReadError::NotFound {
                path: path.to_owned(),
            });
        }
    }
    let mut info = std::mem::MaybeUninit::<H5L_info2_t>::zeroed();
    // SAFETY: `cpath` is NUL-terminated and `info` a valid out-pointer.
    call(|| unsafe { H5Lget_info2(file, cpath.as_ptr(), info.as_mut_ptr(), H5P_DEFAULT) })
        .map_err(ReadError::at("reading the link", path))?;
    // SAFETY: initialised by the successful call above.
    let info = unsafe { info.assume_init() };
    let group = super::object::open_object(file, parent)?;
    let link = describe(
        group.id(),
        name.to_owned(),
        info,
        super::object::fileno(file),
    );
    let resolves = match link.link_type {
        LinkType::Hard => true,
        LinkType::External => link
            .file
            .as_deref()
            .is_some_and(|f| external_target_exists(file_path, f)),
        // SAFETY: `cpath` is NUL-terminated. Soft links stay inside this file; a loop or a
        // missing target gives <= 0.
        LinkType::Soft | LinkType::User => {
            locked(|| unsafe { H5Oexists_by_name(file, cpath.as_ptr(), H5P_DEFAULT) }) > 0
        }
    };
    Ok(LinkStatus { link, resolves })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_path_cases() {
        assert_eq!(split_path("/a"), ("/", "a"));
        assert_eq!(split_path("/a/b/c"), ("/a/b", "c"));
        assert_eq!(split_path("/a/b/"), ("/a", "b"));
    }
}
