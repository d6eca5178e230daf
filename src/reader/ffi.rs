//! The thin safe layer over raw libhdf5 calls: owned identifiers and checked calls.
//!
//! Every raw call in the reader goes through [`call`], which takes hdf5-metno's global lock
//! (libhdf5 is not thread-safe) and turns a negative return into the library's error stack.
//! Nothing outside `reader` may use this module.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char};

use hdf5::Error as H5Error;
use hdf5_sys::h5i::{H5I_INVALID_HID, H5Idec_ref, H5Iis_valid, hid_t};

/// Return types of libhdf5 calls whose negative values mean failure.
pub(crate) trait ErrCode: Copy {
    fn is_err(self) -> bool;
}

impl ErrCode for i32 {
    fn is_err(self) -> bool {
        self < 0
    }
}

impl ErrCode for i64 {
    fn is_err(self) -> bool {
        self < 0
    }
}

impl ErrCode for isize {
    fn is_err(self) -> bool {
        self < 0
    }
}

/// Runs raw libhdf5 calls under the global lock and checks the result for an error code,
/// capturing libhdf5's error stack while still holding the lock.
///
/// The closure holds the `unsafe` block; each caller states why its call is sound.
pub(crate) fn call<T, F>(f: F) -> Result<T, H5Error>
where
    T: ErrCode,
    F: FnOnce() -> T,
{
    hdf5::sync::sync(|| {
        let v = f();
        if v.is_err() {
            Err(H5Error::query().unwrap_or_else(|e| e))
        } else {
            Ok(v)
        }
    })
}

/// Runs raw libhdf5 calls under the global lock without checking (for calls whose failure is
/// an answer, such as `H5Oexists_by_name` returning a negative value for a missing file).
pub(crate) fn locked<T, F: FnOnce() -> T>(f: F) -> T {
    hdf5::sync::sync(f)
}

/// An owned libhdf5 identifier, released when dropped.
#[derive(Debug)]
pub(crate) struct Hid(hid_t);

impl Hid {
    /// Takes ownership of an identifier returned by a checked call.
    pub(crate) fn new(id: hid_t) -> Result<Self, H5Error> {
        if id < 0 {
            return Err(H5Error::Internal("invalid identifier".to_owned()));
        }
        Ok(Self(id))
    }

    /// Calls `f` and takes ownership of the identifier it returns.
    pub(crate) fn from_call<F: FnOnce() -> hid_t>(f: F) -> Result<Self, H5Error> {
        call(f).and_then(Self::new)
    }

    pub(crate) fn id(&self) -> hid_t {
        self.0
    }
}

impl Drop for Hid {
    fn drop(&mut self) {
        if self.0 == H5I_INVALID_HID {
            return;
        }
        let id = self.0;
        // SAFETY: we own one reference to `id`; releasing it once is the contract.
        locked(|| unsafe {
            if H5Iis_valid(id) > 0 {
                H5Idec_ref(id);
            }
        });
    }
}

/// A NUL-terminated copy of a Rust string for libhdf5; interior NULs are an error.
pub(crate) fn cstring(s: &str) -> Result<CString, H5Error> {
    CString::new(s).map_err(|_| H5Error::Internal(format!("name {s:?} contains a NUL byte")))
}

/// Reads a string from the usual libhdf5 two-call pattern: first with a null buffer to get
/// the length, then into a buffer of that length plus one.
pub(crate) fn read_string<F>(mut get: F) -> Result<String, H5Error>
where
    F: FnMut(*mut c_char, usize) -> isize,
{
    let len = call(|| get(std::ptr::null_mut(), 0))?;
    let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0) + 1];
    call(|| get(buf.as_mut_ptr().cast(), buf.len()))?;
    Ok(c_buf_to_string(&buf))
}

/// The text before the first NUL, lossily decoded.
pub(crate) fn c_buf_to_string(buf: &[u8]) -> String {
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// Copies a C string owned by libhdf5.
///
/// # Safety
/// `p` must be null or point at a NUL-terminated string that stays valid during the call.
pub(crate) unsafe fn c_str_to_string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// Frees memory that libhdf5 allocated for the caller.
pub(crate) fn free_h5_memory(p: *mut std::ffi::c_void) {
    if !p.is_null() {
        // SAFETY: `p` was allocated by libhdf5 and is freed exactly once here.
        locked(|| unsafe { hdf5_sys::h5::H5free_memory(p) });
    }
}
