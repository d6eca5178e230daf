//! Reads values: hyperslabs of datasets and whole attributes, decoded into [`Values`].
//!
//! The one place that allocates a read buffer, lets libhdf5 fill it, decodes it and
//! reclaims what libhdf5 allocated inside it. Checks the byte size against a cap *before*
//! reading; never reads more than the selection.
#![allow(unsafe_code)]

use std::ffi::c_void;

use hdf5_sys::h5a::H5Aread;
use hdf5_sys::h5d::H5Dread;
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::h5s::{H5S_seloper_t, H5Screate_simple, H5Sselect_hyperslab};
use hdf5_sys::h5t::{H5T_NATIVE_DOUBLE, H5T_class_t, H5Tcreate, H5Tinsert, H5Treclaim};
use ndarray::{ArrayD, IxDyn};

use super::dtype::Mapped;
use super::error::ReadError;
use super::ffi::{Hid, call, locked};
use crate::model::{Hyperslab, Value, Values};

/// The default limit on one read's decoded buffer, in bytes.
pub const DEFAULT_READ_CAP_BYTES: u64 = 256 << 20;

/// An 8-byte aligned buffer of at least `bytes` bytes, so libhdf5's fast conversion paths
/// (which store aligned doubles and pointers) are safe.
struct Buffer(Vec<u64>);

impl Buffer {
    fn new(bytes: usize) -> Self {
        Self(vec![0u64; bytes.div_ceil(8).max(1)])
    }

    fn as_mut_ptr(&mut self) -> *mut c_void {
        self.0.as_mut_ptr().cast()
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: a `u64` slice viewed as its bytes, same lifetime and length in bytes.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast(), self.0.len() * 8) }
    }
}

/// Fills a buffer of `n` elements with `fill`, decodes it, and reclaims libhdf5's allocations.
pub(crate) fn read_elements<F>(
    mapped: &Mapped,
    n: usize,
    file_name: &str,
    fill: F,
) -> Result<Vec<Value>, hdf5::Error>
where
    F: FnOnce(hid_t, *mut c_void) -> Result<(), hdf5::Error>,
{
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut buf = Buffer::new(n * mapped.mem_size);
    fill(mapped.mem_type.id(), buf.as_mut_ptr())?;
    let bytes = buf.bytes();
    let values = (0..n)
        .map(|i| {
            bytes.get(i * mapped.mem_size..).map_or_else(
                || Value::Invalid("buffer too short".to_owned()),
                |b| super::decode::decode(&mapped.mem, b, file_name),
            )
        })
        .collect();
    if mapped.mem.needs_reclaim() {
        let dims = [n as u64];
        // SAFETY: a one-dimensional space of `n` elements describing the buffer.
        let space =
            Hid::from_call(|| unsafe { H5Screate_simple(1, dims.as_ptr(), std::ptr::null()) })?;
        let p = buf.as_mut_ptr();
        // SAFETY: the buffer holds `n` elements of `mem_type`, filled by libhdf5; reclaiming
        // frees the strings, sequences and references it allocated, exactly once.
        locked(|| unsafe { H5Treclaim(mapped.mem_type.id(), space.id(), H5P_DEFAULT, p) });
    }
    Ok(values)
}

/// Refuses reads whose decoded buffer would exceed `cap` bytes.
pub(crate) fn check_cap(
    path: &str,
    elements: u64,
    mem_size: usize,
    cap: u64,
    dims: &[u64],
) -> Result<(), ReadError> {
    let bytes = elements.saturating_mul(mem_size as u64);
    if bytes <= cap {
        return Ok(());
    }
    // Suggest a slice that keeps the leading axes small.
    let hint = match dims.len() {
        0 | 1 => "0:1000".to_owned(),
        n => {
            let mut parts = vec!["0".to_owned(); n - 1];
            parts.push("0:1000".to_owned());
            parts.join(",")
        }
    };
    Err(ReadError::TooLarge {
        path: path.to_owned(),
        elements,
        bytes,
        cap,
        hint,
    })
}

/// Reads `sel` of an open dataset whose file space is `space` (simple or scalar).
pub(crate) fn read_hyperslab(
    dset: hid_t,
    space: &Hid,
    mapped: &Mapped,
    sel: &Hyperslab,
    path: &str,
    file_name: &str,
) -> Result<Values, ReadError> {
    let n = sel.element_count();
    let shape = sel.result_shape();
    let values = if sel.start.is_empty() {
        // Scalar: the whole (single-element) space.
        read_elements(mapped, n as usize, file_name, |mem_type, buf| {
            // SAFETY: `buf` holds one element of `mem_type`.
            call(|| unsafe { H5Dread(dset, mem_type, space.id(), space.id(), H5P_DEFAULT, buf) })
                .map(drop)
        })
    } else {
        read_elements(mapped, n as usize, file_name, |mem_type, buf| {
            let mem_space = select(space, sel, &sel.count)?;
            // SAFETY: `buf` holds `n` elements of `mem_type`, the size of `mem_space`.
            call(|| unsafe {
                H5Dread(dset, mem_type, mem_space.id(), space.id(), H5P_DEFAULT, buf)
            })
            .map(drop)
        })
    }
    .map_err(ReadError::at("reading", path))?;
    ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| ReadError::Unsupported {
        path: path.to_owned(),
        what: format!("result shape mismatch: {e}"),
    })
}

/// Selects `sel` in the file space `space` and returns a memory space of shape `mem_dims`
/// (which must hold as many elements as the selection).
fn select(space: &Hid, sel: &Hyperslab, mem_dims: &[u64]) -> Result<Hid, hdf5::Error> {
    // SAFETY: start/stride/count have the dataset's rank and lie inside its extent (resolved
    // or checked against its dims).
    call(|| unsafe {
        H5Sselect_hyperslab(
            space.id(),
            H5S_seloper_t::H5S_SELECT_SET,
            sel.start.as_ptr(),
            sel.stride.as_ptr(),
            sel.count.as_ptr(),
            std::ptr::null(),
        )
    })?;
    let rank = mem_dims.len() as i32;
    // SAFETY: `mem_dims` has `rank` entries.
    Hid::from_call(|| unsafe { H5Screate_simple(rank, mem_dims.as_ptr(), std::ptr::null()) })
}

/// A memory compound holding only the field `name`, as a native `f64`: libhdf5 matches
/// compound members by name, so reading into it converts just that field.
pub(crate) fn one_field_type(name: &str) -> Result<Hid, hdf5::Error> {
    let cname = super::ffi::cstring(name)?;
    // SAFETY: a new compound type of 8 bytes.
    let t = Hid::from_call(|| unsafe { H5Tcreate(H5T_class_t::H5T_COMPOUND, 8) })?;
    // SAFETY: `t` is our compound; the name is NUL-terminated; the double fits at offset 0.
    call(|| unsafe { H5Tinsert(t.id(), cname.as_ptr(), 0, *H5T_NATIVE_DOUBLE) })?;
    Ok(t)
}

/// Reads a one-axis selection as `f64`s converted by libhdf5: into native doubles, or into
/// `mem_type`, whose elements are `per_element` doubles (a one-field compound, a complex).
///
/// The plotting path: no per-element decoding, one buffer of exactly the selection.
pub(crate) fn read_f64(
    dset: hid_t,
    space: &Hid,
    sel: &Hyperslab,
    mem_type: Option<hid_t>,
    per_element: usize,
    path: &str,
) -> Result<Vec<f64>, ReadError> {
    let n = sel.element_count();
    let len = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(per_element))
        .ok_or_else(|| ReadError::Unsupported {
            path: path.to_owned(),
            what: format!("{n} samples do not fit in memory"),
        })?;
    let mut out = vec![0f64; len];
    if len == 0 {
        return Ok(out);
    }
    let mem_space = select(space, sel, &sel.count).map_err(ReadError::at("selecting", path))?;
    // SAFETY: `out` holds `n` elements of `per_element` doubles, the size of `mem_space` in
    // the memory type (native double, or a type of exactly `per_element` doubles).
    call(|| unsafe {
        H5Dread(
            dset,
            mem_type.unwrap_or(*H5T_NATIVE_DOUBLE),
            mem_space.id(),
            space.id(),
            H5P_DEFAULT,
            out.as_mut_ptr().cast(),
        )
    })
    .map_err(ReadError::at("reading", path))?;
    Ok(out)
}

/// A plain number type read as itself and widened to `f64` here: libhdf5's own
/// conversion to double runs an order of magnitude slower than a copy (60 ms against 3 ms
/// for a 1024 x 1024 uint16 frame).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Native {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl Native {
    /// The native type for a file's integer or IEEE float type, if it is one.
    pub(crate) fn of(dtype: &crate::model::DType) -> Option<Self> {
        use crate::model::DType;
        Some(match dtype {
            DType::Integer { size, signed, .. } => match (size, signed) {
                (1, true) => Self::I8,
                (1, false) => Self::U8,
                (2, true) => Self::I16,
                (2, false) => Self::U16,
                (4, true) => Self::I32,
                (4, false) => Self::U32,
                (8, true) => Self::I64,
                (8, false) => Self::U64,
                _ => return None,
            },
            DType::Float { size: 4, bits, .. } if bits.mantissa_bits == 23 => Self::F32,
            DType::Float { size: 8, bits, .. } if bits.mantissa_bits == 52 => Self::F64,
            _ => return None,
        })
    }
}

/// A failed numeric read: when some chunks of the selection fail on their own, names them
/// with the codec's reason; otherwise libhdf5's error (which `with_missing_filters` turns into
/// the missing filter's name when that is the cause).
fn explain_failure(e: hdf5::Error, dset: hid_t, sel: &Hyperslab, path: &str) -> ReadError {
    // A missing filter fails every chunk alike: the caller names the filter instead.
    if super::meta::missing_filters(dset).is_some() {
        return ReadError::at("reading", path)(e);
    }
    let cause = super::filters::take_last_failure();
    match super::chunks::failing_chunks(dset, sel) {
        Some((failing, probed)) => {
            super::filters::take_last_failure();
            let cause = cause.unwrap_or_else(|| e.to_string());
            super::chunks::failure(path, &failing, probed, cause)
        }
        None => ReadError::at("reading", path)(e),
    }
}

/// Reads a selection in its native number type and widens it to `f64`.
pub(crate) fn read_native(
    dset: hid_t,
    space: &Hid,
    sel: &Hyperslab,
    native: Native,
    path: &str,
) -> Result<Vec<f64>, ReadError> {
    use hdf5_sys::h5t::{
        H5T_NATIVE_FLOAT, H5T_NATIVE_INT8, H5T_NATIVE_INT16, H5T_NATIVE_INT32, H5T_NATIVE_INT64,
        H5T_NATIVE_UINT8, H5T_NATIVE_UINT16, H5T_NATIVE_UINT32, H5T_NATIVE_UINT64,
    };
    fn read<T: Copy + Default>(
        dset: hid_t,
        space: &Hid,
        sel: &Hyperslab,
        mem_type: hid_t,
        path: &str,
        // A closure, not a `fn` pointer: inlined, the widening loop vectorises (through a
        // pointer it was a call per sample, a third of a plot read's time).
        widen: impl Fn(T) -> f64,
    ) -> Result<Vec<f64>, ReadError> {
        let n = sel.element_count();
        let len = usize::try_from(n).map_err(|_| ReadError::Unsupported {
            path: path.to_owned(),
            what: format!("{n} samples do not fit in memory"),
        })?;
        if len == 0 {
            return Ok(Vec::new());
        }
        let mut buf = vec![T::default(); len];
        // SAFETY: `T` is a plain number type; its buffer viewed as `len * size_of::<T>()` bytes.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<u8>(), len * size_of::<T>())
        };
        if super::chunks::read(dset, sel, mem_type, size_of::<T>(), bytes, path)? {
            return Ok(buf.into_iter().map(&widen).collect());
        }
        let mem_space = select(space, sel, &sel.count).map_err(ReadError::at("selecting", path))?;
        // SAFETY: `buf` holds `n` elements of `T`, the native type `mem_type` names.
        call(|| unsafe {
            H5Dread(
                dset,
                mem_type,
                mem_space.id(),
                space.id(),
                H5P_DEFAULT,
                buf.as_mut_ptr().cast(),
            )
        })
        .map_err(|e| explain_failure(e, dset, sel, path))?;
        Ok(buf.into_iter().map(widen).collect())
    }
    match native {
        Native::I8 => read(dset, space, sel, *H5T_NATIVE_INT8, path, |v: i8| {
            f64::from(v)
        }),
        Native::U8 => read(dset, space, sel, *H5T_NATIVE_UINT8, path, |v: u8| {
            f64::from(v)
        }),
        Native::I16 => read(dset, space, sel, *H5T_NATIVE_INT16, path, |v: i16| {
            f64::from(v)
        }),
        Native::U16 => read(dset, space, sel, *H5T_NATIVE_UINT16, path, |v: u16| {
            f64::from(v)
        }),
        Native::I32 => read(dset, space, sel, *H5T_NATIVE_INT32, path, |v: i32| {
            f64::from(v)
        }),
        Native::U32 => read(dset, space, sel, *H5T_NATIVE_UINT32, path, |v: u32| {
            f64::from(v)
        }),
        Native::I64 => read(dset, space, sel, *H5T_NATIVE_INT64, path, |v: i64| v as f64),
        Native::U64 => read(dset, space, sel, *H5T_NATIVE_UINT64, path, |v: u64| {
            v as f64
        }),
        Native::F32 => read(dset, space, sel, *H5T_NATIVE_FLOAT, path, |v: f32| {
            f64::from(v)
        }),
        Native::F64 => read(dset, space, sel, *H5T_NATIVE_DOUBLE, path, |v: f64| v),
    }
}

/// Reads a whole attribute of `n` elements.
pub(crate) fn read_attribute(
    attr: hid_t,
    mapped: &Mapped,
    n: usize,
    file_name: &str,
) -> Result<Vec<Value>, hdf5::Error> {
    read_elements(mapped, n, file_name, |mem_type, buf| {
        // SAFETY: `buf` holds the attribute's `n` elements of `mem_type`.
        call(|| unsafe { H5Aread(attr, mem_type, buf) }).map(drop)
    })
}
