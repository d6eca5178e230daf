//! Keeps libhdf5 from loading filter plugins from disk.
//!
//! hdfscope's filters are compiled in; a plugin directory is a way for a file to run code
//! (reliability notes §3.9). Must never turn loading back on.
#![allow(unsafe_code)]

use std::ffi::c_uint;

use hdf5_sys::h5::herr_t;

use super::error::ReadError;
use super::ffi::call;

// Declared here because hdf5-metno-sys binds these with a pointer argument, while libhdf5
// takes and returns the mask as an `unsigned int`.
unsafe extern "C" {
    fn H5PLset_loading_state(plugin_control_mask: c_uint) -> herr_t;
    #[cfg(test)]
    fn H5PLget_loading_state(plugin_control_mask: *mut c_uint) -> herr_t;
}

/// Disables every plugin type (mask 0).
pub(crate) fn disable() -> Result<(), ReadError> {
    // SAFETY: a plain call with a mask value; no pointers.
    call(|| unsafe { H5PLset_loading_state(0) })
        .map(drop)
        .map_err(|e| ReadError::hdf5("disabling plugin loading", "/", &e))
}

/// The current plugin mask (0 when loading is off).
#[cfg(test)]
pub(crate) fn loading_state() -> Result<c_uint, ReadError> {
    let mut mask: c_uint = 0;
    // SAFETY: `mask` is a valid place for libhdf5 to store the mask.
    call(|| unsafe { H5PLget_loading_state(&mut mask) })
        .map_err(|e| ReadError::hdf5("querying plugin loading", "/", &e))?;
    Ok(mask)
}

#[cfg(test)]
mod tests {
    #[test]
    fn loading_is_off_after_disable() {
        super::disable().unwrap();
        assert_eq!(super::loading_state().unwrap(), 0);
    }
}
