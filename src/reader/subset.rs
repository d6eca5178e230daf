//! Copies objects of an open file into a new HDF5 file: the "subset" export.
//!
//! libhdf5 copies each object (H5Ocopy: values, chunking, filters and attributes as stored);
//! the groups above it are recreated with their own attributes, so a NeXus entry keeps its
//! `NX_class` and a netCDF file its global attributes; the dimension scales of every copied
//! dataset (and the axes of a NeXus signal) come along and are attached again, because the
//! references that tie them together do not survive a copy between files. External links
//! are copied as links, never followed.
//!
//! Writes only the new file at the path it is given (the caller renames it into place);
//! must never write to, or open for writing, the file it copies from.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_uint, c_void};
use std::path::Path;

use hdf5_sys::h5::{H5_index_t, H5_iter_order_t, herr_t};
use hdf5_sys::h5a::{
    H5Acreate2, H5Adelete, H5Aexists, H5Aget_name, H5Aget_space, H5Aget_type, H5Aopen_by_idx,
    H5Aread, H5Awrite,
};
use hdf5_sys::h5f::{H5F_ACC_TRUNC, H5F_close_degree_t, H5Fclose, H5Fcreate};
use hdf5_sys::h5g::H5Gcreate2;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5l::{H5Lcreate_external, H5Lexists};
use hdf5_sys::h5o::{H5O_INFO_BASIC, H5O_info2_t, H5O_type_t, H5Ocopy, H5Ovisit3};
use hdf5_sys::h5p::{
    H5P_CLS_FILE_ACCESS, H5P_CLS_OBJECT_COPY, H5P_DEFAULT, H5Pcreate, H5Pset_fclose_degree,
    H5Pset_file_locking,
};
use hdf5_sys::h5s::H5Sget_simple_extent_npoints;
use hdf5_sys::h5t::{
    H5T_class_t, H5T_direction_t, H5Tdetect_class, H5Tget_native_type, H5Tget_size, H5Treclaim,
};

use super::error::ReadError;
use super::ffi::{Hid, c_str_to_string, call, cstring, locked, read_string};
use super::{H5File, object};
use crate::model::{LinkType, ObjectKind, SubsetReport, join_path, normalize_path, parent_path};

// The dimension-scale API is in libhdf5's high-level library, which hdf5-metno-sys links
// (feature "hl") but does not bind.
unsafe extern "C" {
    fn H5DSattach_scale(did: hid_t, dsid: hid_t, idx: c_uint) -> herr_t;
}

/// An attribute larger than this is left out of a recreated group (and named in the notes).
const MAX_COPIED_ATTR_BYTES: usize = 64 << 20;

impl H5File {
    /// Copies the objects at `paths` (a group with everything below it) into a new file
    /// created at `dest`, each at its own path, with the dimension scales its datasets use.
    pub fn copy_subset(&self, paths: &[String], dest: &Path) -> Result<SubsetReport, ReadError> {
        let wanted = self.subset_paths(paths)?;
        let out = create(dest)?;
        let mut report = SubsetReport::default();
        copy_attributes(self.hid.id(), out.id(), "/", &mut report.notes)?;
        for p in &wanted {
            self.copy_object(&out, p, &mut report)?;
        }

        // Which scale each copied dataset's axes use, read from the source (the copies'
        // references point into the source file and mean nothing in the new one).
        let mut pairs = Vec::new();
        for d in datasets(&out)? {
            if !has_attribute(&out, &d, "DIMENSION_LIST") {
                continue;
            }
            for (axis, dim) in self.info(&d)?.dims.iter().enumerate() {
                for s in &dim.scales {
                    pairs.push((d.clone(), s.path.clone(), axis));
                }
            }
        }
        for (_, scale, _) in &pairs {
            if !exists(&out, scale) {
                self.copy_object(&out, scale, &mut report)?;
            }
        }
        for d in datasets(&out)? {
            for stale in ["DIMENSION_LIST", "REFERENCE_LIST"] {
                delete_attribute(&out, &d, stale)?;
            }
        }
        for (d, scale, axis) in &pairs {
            match attach(&out, d, scale, *axis) {
                Ok(()) => report.attached += 1,
                Err(e) => report
                    .notes
                    .push(format!("{d}: axis {axis} keeps no scale: {e}")),
            }
        }
        close(out, dest)?;
        Ok(report)
    }

    /// The objects to copy: `/` stands for each of its members, a NeXus signal brings its
    /// axes, and an object inside another one asked for is already copied with it.
    fn subset_paths(&self, paths: &[String]) -> Result<Vec<String>, ReadError> {
        let mut all = Vec::new();
        for p in paths.iter().map(|p| normalize_path(p)) {
            if p == "/" {
                let page = self.list("/", 0, usize::MAX)?;
                all.extend(page.links.iter().map(|l| join_path("/", &l.name)));
                continue;
            }
            self.link(&p)?
                .ok_or_else(|| ReadError::NotFound { path: p.clone() })?;
            all.extend(self.nexus_axes(&p));
            all.push(p);
        }
        all.sort();
        all.dedup();
        let inside = |p: &String| {
            all.iter()
                .any(|q| q != "/" && p.starts_with(q.as_str()) && p[q.len()..].starts_with('/'))
        };
        Ok(all.iter().filter(|p| !inside(p)).cloned().collect())
    }

    /// The axes named by the NXdata group holding the signal `path`, and the signal's
    /// uncertainties (none for anything else).
    fn nexus_axes(&self, path: &str) -> Vec<String> {
        let parent = parent_path(path);
        let keep = |n: &str| n == "NX_class" || n == "axes" || n == "signal";
        let Ok(info) = self.info_with(parent, &keep) else {
            return Vec::new();
        };
        let name = &path[path.rfind('/').map_or(0, |i| i + 1)..];
        if info.attr_text("NX_class") != Some("NXdata") || info.attr_text("signal") != Some(name) {
            return Vec::new();
        }
        let errors = format!("{name}_errors");
        info.attr_texts("axes")
            .into_iter()
            .filter(|a| *a != "." && !a.is_empty())
            .chain([errors.as_str()])
            .map(|a| join_path(parent, a))
            .filter(|a| self.link(a).is_ok_and(|l| l.is_some()))
            .collect()
    }

    /// Copies one object to the same path in `out`, creating the groups above it first.
    fn copy_object(
        &self,
        out: &Hid,
        path: &str,
        report: &mut SubsetReport,
    ) -> Result<(), ReadError> {
        self.create_parents(out, path, &mut report.notes)?;
        let dst = cstring(path).map_err(ReadError::at("copying", path))?;
        if let Some(l) = self.link(path)?
            && l.link.link_type == LinkType::External
        {
            let (Some(file), Some(target)) = (&l.link.file, &l.link.target) else {
                return Ok(());
            };
            let file = cstring(file).map_err(ReadError::at("copying the link", path))?;
            let target = cstring(target).map_err(ReadError::at("copying the link", path))?;
            // SAFETY: every string is NUL-terminated and `out` is our new file.
            call(|| unsafe {
                H5Lcreate_external(
                    file.as_ptr(),
                    target.as_ptr(),
                    out.id(),
                    dst.as_ptr(),
                    H5P_DEFAULT,
                    H5P_DEFAULT,
                )
            })
            .map_err(ReadError::at("copying the link", path))?;
            report.copied.push(path.to_owned());
            return Ok(());
        }
        // SAFETY: creating a fresh object-copy property list (default flags: links inside
        // the copy stay links, references are not expanded).
        let ocpypl = Hid::from_call(|| unsafe { H5Pcreate(*H5P_CLS_OBJECT_COPY) })
            .map_err(ReadError::at("copying", path))?;
        // SAFETY: both names are NUL-terminated; the source is open read-only, the
        // destination is the new file.
        call(|| unsafe {
            H5Ocopy(
                self.hid.id(),
                dst.as_ptr(),
                out.id(),
                dst.as_ptr(),
                ocpypl.id(),
                H5P_DEFAULT,
            )
        })
        .map_err(ReadError::at("copying", path))?;
        report.copied.push(path.to_owned());
        Ok(())
    }

    /// Creates the groups above `path` that `out` lacks, each with its source's attributes.
    fn create_parents(
        &self,
        out: &Hid,
        path: &str,
        notes: &mut Vec<String>,
    ) -> Result<(), ReadError> {
        let mut at = String::new();
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        for part in parts.iter().take(parts.len().saturating_sub(1)) {
            at.push('/');
            at.push_str(part);
            if exists(out, &at) {
                continue;
            }
            let src = object::open_object(self.hid.id(), &at)?;
            if object::basic(src.id(), &at)?.kind != ObjectKind::Group {
                return Err(ReadError::Unsupported {
                    path: at,
                    what: "is not a group, so nothing can be copied below it".to_owned(),
                });
            }
            let name = cstring(&at).map_err(ReadError::at("creating the group", &at))?;
            // SAFETY: `name` is NUL-terminated and `out` is our new file.
            let group = Hid::from_call(|| unsafe {
                H5Gcreate2(
                    out.id(),
                    name.as_ptr(),
                    H5P_DEFAULT,
                    H5P_DEFAULT,
                    H5P_DEFAULT,
                )
            })
            .map_err(ReadError::at("creating the group", &at))?;
            copy_attributes(src.id(), group.id(), &at, notes)?;
        }
        Ok(())
    }
}

/// Creates (or truncates) the new file at `dest`, with locking off like every file here.
fn create(dest: &Path) -> Result<Hid, ReadError> {
    let err = |e: hdf5::Error| ReadError::Open {
        file: dest.to_owned(),
        reason: e.to_string(),
    };
    // SAFETY: creating a fresh file-access property list.
    let fapl = Hid::from_call(|| unsafe { H5Pcreate(*H5P_CLS_FILE_ACCESS) }).map_err(err)?;
    // SAFETY: `fapl` is our own list.
    call(|| unsafe { H5Pset_file_locking(fapl.id(), 0, 1) }).map_err(err)?;
    // SAFETY: as above. Strong close: closing the file closes what is still open in it.
    call(|| unsafe { H5Pset_fclose_degree(fapl.id(), H5F_close_degree_t::H5F_CLOSE_STRONG) })
        .map_err(err)?;
    let name = cstring(&dest.to_string_lossy()).map_err(err)?;
    // SAFETY: `name` is NUL-terminated; TRUNC creates the caller's (temporary) new file.
    Hid::from_call(|| unsafe { H5Fcreate(name.as_ptr(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()) })
        .map_err(err)
}

/// Closes the new file, so a failure to write it out (a full disk) is an error, not lost
/// in a drop.
fn close(out: Hid, dest: &Path) -> Result<(), ReadError> {
    let id = out.id();
    std::mem::forget(out);
    // SAFETY: we owned the only reference to `id`, given up above.
    call(|| unsafe { H5Fclose(id) })
        .map(drop)
        .map_err(|e| ReadError::Open {
            file: dest.to_owned(),
            reason: format!("cannot finish writing it: {e}"),
        })
}

/// Whether `path` names something in `out` (every step of it).
fn exists(out: &Hid, path: &str) -> bool {
    let mut at = String::new();
    for part in path.split('/').filter(|s| !s.is_empty()) {
        at.push('/');
        at.push_str(part);
        let Ok(c) = cstring(&at) else {
            return false;
        };
        // SAFETY: `c` is NUL-terminated and `out` open; every step before exists.
        if locked(|| unsafe { H5Lexists(out.id(), c.as_ptr(), H5P_DEFAULT) }) <= 0 {
            return false;
        }
    }
    true
}

fn has_attribute(out: &Hid, path: &str, name: &str) -> bool {
    let (Ok(obj), Ok(c)) = (object::open_object(out.id(), path), cstring(name)) else {
        return false;
    };
    // SAFETY: `obj` is open and `c` NUL-terminated.
    locked(|| unsafe { H5Aexists(obj.id(), c.as_ptr()) }) > 0
}

fn delete_attribute(out: &Hid, path: &str, name: &str) -> Result<(), ReadError> {
    if !has_attribute(out, path, name) {
        return Ok(());
    }
    let obj = object::open_object(out.id(), path)?;
    let c = cstring(name).map_err(ReadError::at("removing an attribute of", path))?;
    // SAFETY: `obj` is open in our new file and `c` NUL-terminated.
    call(|| unsafe { H5Adelete(obj.id(), c.as_ptr()) })
        .map(drop)
        .map_err(ReadError::at(
            "removing a stale reference attribute of",
            path,
        ))
}

fn attach(out: &Hid, dataset: &str, scale: &str, axis: usize) -> Result<(), ReadError> {
    let d = object::open_object(out.id(), dataset)?;
    let s = object::open_object(out.id(), scale)?;
    let idx = c_uint::try_from(axis).map_err(|_| ReadError::Unsupported {
        path: dataset.to_owned(),
        what: format!("axis {axis} is out of range"),
    })?;
    // SAFETY: both are open datasets of our new file.
    call(|| unsafe { H5DSattach_scale(d.id(), s.id(), idx) })
        .map(drop)
        .map_err(ReadError::at("attaching its dimension scale", dataset))
}

/// The paths of every dataset in `out`.
fn datasets(out: &Hid) -> Result<Vec<String>, ReadError> {
    extern "C" fn visit(
        _obj: hid_t,
        name: *const c_char,
        info: *const H5O_info2_t,
        data: *mut c_void,
    ) -> herr_t {
        // A panic must not unwind into C.
        std::panic::catch_unwind(|| {
            // SAFETY: `data` is the Vec passed to `H5Ovisit3`, alive for the call; `name`
            // and `info` are valid during this callback.
            let found = unsafe { &mut *data.cast::<Vec<String>>() };
            // SAFETY: as above.
            let (Some(name), info) = (unsafe { c_str_to_string(name) }, unsafe { &*info }) else {
                return -1;
            };
            if info.type_ == H5O_type_t::H5O_TYPE_DATASET {
                found.push(join_path("/", &name));
            }
            0
        })
        .unwrap_or(-1)
    }
    let mut found: Vec<String> = Vec::new();
    // SAFETY: `out` is open; `found` outlives the call and is what `visit` expects.
    call(|| unsafe {
        H5Ovisit3(
            out.id(),
            H5_index_t::H5_INDEX_NAME,
            H5_iter_order_t::H5_ITER_INC,
            Some(visit),
            (&raw mut found).cast(),
            H5O_INFO_BASIC,
        )
    })
    .map_err(ReadError::at("listing the copied datasets of", "/"))?;
    Ok(found)
}

/// Copies the attributes of `src` onto `dst` (a group this module created). Attributes
/// holding references are left out: they would point into the source file.
fn copy_attributes(
    src: hid_t,
    dst: hid_t,
    path: &str,
    notes: &mut Vec<String>,
) -> Result<(), ReadError> {
    let count = object::basic(src, path)?.num_attrs;
    for i in 0..count {
        let dot = c".";
        // SAFETY: `src` is open, `dot` NUL-terminated, `i` below the attribute count.
        let attr = Hid::from_call(|| unsafe {
            H5Aopen_by_idx(
                src,
                dot.as_ptr(),
                H5_index_t::H5_INDEX_NAME,
                H5_iter_order_t::H5_ITER_INC,
                i,
                H5P_DEFAULT,
                H5P_DEFAULT,
            )
        })
        .map_err(ReadError::at("reading an attribute of", path))?;
        // SAFETY: `attr` is open; the buffer handling is `read_string`'s.
        let name = read_string(|buf, len| unsafe { H5Aget_name(attr.id(), len, buf) })
            .map_err(ReadError::at("reading an attribute name of", path))?;
        if let Err(why) = copy_attribute(&attr, dst, &name) {
            notes.push(format!("{path}: attribute {name} not copied: {why}"));
        }
    }
    Ok(())
}

fn copy_attribute(attr: &Hid, dst: hid_t, name: &str) -> Result<(), String> {
    let e = |e: hdf5::Error| e.to_string();
    // SAFETY: `attr` is an open attribute.
    let ftype = Hid::from_call(|| unsafe { H5Aget_type(attr.id()) }).map_err(e)?;
    // SAFETY: as above.
    let space = Hid::from_call(|| unsafe { H5Aget_space(attr.id()) }).map_err(e)?;
    // SAFETY: `ftype` is an open datatype.
    if locked(|| unsafe { H5Tdetect_class(ftype.id(), H5T_class_t::H5T_REFERENCE) }) > 0 {
        return Err("it holds references into the source file".to_owned());
    }
    // SAFETY: as above.
    let mtype = Hid::from_call(|| unsafe {
        H5Tget_native_type(ftype.id(), H5T_direction_t::H5T_DIR_ASCEND)
    })
    .map_err(e)?;
    // SAFETY: `space` and `mtype` are open.
    let points = call(|| unsafe { H5Sget_simple_extent_npoints(space.id()) }).map_err(e)?;
    // SAFETY: as above.
    let size = locked(|| unsafe { H5Tget_size(mtype.id()) });
    let bytes = usize::try_from(points)
        .ok()
        .and_then(|n| n.checked_mul(size))
        .filter(|&b| b <= MAX_COPIED_ATTR_BYTES)
        .ok_or_else(|| format!("it is larger than {MAX_COPIED_ATTR_BYTES} bytes"))?;
    // u64 words: variable-length data is read as pointers, which need their alignment.
    let mut buf = vec![0u64; bytes.div_ceil(8).max(1)];
    let c = cstring(name).map_err(e)?;
    // SAFETY: `buf` holds `points` elements of `mtype`.
    call(|| unsafe { H5Aread(attr.id(), mtype.id(), buf.as_mut_ptr().cast()) }).map_err(e)?;
    // SAFETY: `dst` is an open object of the new file; `c` is NUL-terminated.
    let written = Hid::from_call(|| unsafe {
        H5Acreate2(
            dst,
            c.as_ptr(),
            ftype.id(),
            space.id(),
            H5P_DEFAULT,
            H5P_DEFAULT,
        )
    })
    .and_then(|new| {
        // SAFETY: `buf` holds what was read with `mtype` just above.
        call(|| unsafe { H5Awrite(new.id(), mtype.id(), buf.as_ptr().cast()) })
    });
    // SAFETY: frees what libhdf5 allocated for variable-length parts of `buf` (nothing
    // for fixed-size types), once.
    locked(|| unsafe { H5Treclaim(mtype.id(), space.id(), H5P_DEFAULT, buf.as_mut_ptr().cast()) });
    written.map(drop).map_err(e)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::model::{AxisSlice, Value};

    fn demo() -> H5File {
        H5File::open(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.h5")).unwrap()
    }

    fn first_values(f: &H5File, path: &str, n: i64) -> Vec<Value> {
        let cut = [AxisSlice::Range {
            start: Some(0),
            stop: Some(n),
            step: None,
        }];
        f.read(path, &cut, 1 << 20, false)
            .unwrap()
            .iter()
            .cloned()
            .collect()
    }

    #[test]
    fn a_dataset_comes_with_its_dimension_scale_attached() {
        let src = demo();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("sub.h5");
        let report = src
            .copy_subset(&["/waveforms/signal".to_owned()], &dest)
            .unwrap();
        assert_eq!(report.copied, ["/waveforms/signal", "/waveforms/time"]);
        assert_eq!(report.attached, 1);
        let sub = H5File::open(&dest).unwrap();
        let info = sub.info("/waveforms/signal").unwrap();
        assert_eq!(info.dims[0].scales[0].path, "/waveforms/time");
        assert_eq!(info.attr_text("units"), Some("V"));
        assert!(sub.info("/waveforms/time").unwrap().is_scale);
        assert_eq!(
            first_values(&sub, "/waveforms/signal", 5),
            first_values(&src, "/waveforms/signal", 5)
        );
        // Only what was asked for (and its scale) is there.
        assert!(sub.link("/images").is_err());
    }

    #[test]
    fn a_nexus_signal_keeps_its_axes_and_the_groups_above_keep_their_attributes() {
        let src = demo();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("nx.h5");
        let report = src
            .copy_subset(&["/entry/data/counts".to_owned()], &dest)
            .unwrap();
        assert_eq!(
            report.copied,
            [
                "/entry/data/counts",
                "/entry/data/counts_errors",
                "/entry/data/energy"
            ]
        );
        let sub = H5File::open(&dest).unwrap();
        assert_eq!(
            sub.info("/entry").unwrap().attr_text("NX_class"),
            Some("NXentry")
        );
        let data = sub.info("/entry/data").unwrap();
        assert_eq!(data.attr_text("signal"), Some("counts"));
        assert_eq!(data.attr_texts("axes"), ["energy"]);
        assert_eq!(
            first_values(&sub, "/entry/data/energy", 3),
            first_values(&src, "/entry/data/energy", 3)
        );
    }

    #[test]
    fn the_whole_file_copies_every_member_and_links_stay_links() {
        let src = demo();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("all.h5");
        let report = src.copy_subset(&["/".to_owned()], &dest).unwrap();
        assert!(report.copied.contains(&"/tables".to_owned()));
        let sub = H5File::open(&dest).unwrap();
        let dangling = sub.link("/links/dangling").unwrap().unwrap();
        assert_eq!(dangling.link.link_type, LinkType::Soft);
        assert!(!dangling.resolves);
        assert_eq!(
            sub.info("/waveforms/signal").unwrap().dims[0].scales[0].path,
            "/waveforms/time"
        );
        let answer = |f: &H5File| {
            f.read("/nested/level1/level2/answer", &[], 64, false)
                .unwrap()
        };
        assert_eq!(answer(&sub), answer(&src));
        // An alias of an object becomes its own copy, with the same values.
        assert_eq!(
            first_values(&sub, "/links/image_hardlink", 2),
            first_values(&src, "/images/image", 2)
        );
    }

    #[test]
    fn a_missing_object_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = demo()
            .copy_subset(&["/no/such".to_owned()], &dir.path().join("x.h5"))
            .unwrap_err();
        assert!(err.to_string().contains("/no/such"), "{err}");
    }
}
