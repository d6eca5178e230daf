//! The SZIP filter (4, libhdf5's own H5Zszip), decoded by libaec's szip-compatible API
//! (built from source by `libaec-sys`, which also builds libaec's `libsz`). Decode only.
//!
//! libhdf5 leaves SZIP out when built without a szip library (as hdf5-metno builds it), and
//! refuses `H5Zregister` for ids below 256, so this codec is registered through libhdf5's
//! internal `H5Z_register` (see `registry.rs`). A chunk is the decoded size as a 32-bit
//! little-endian number followed by the szip stream; the parameters are libhdf5's: options
//! mask, pixels per block, bits per pixel, pixels per scanline.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};

// libaec-sys builds libaec with cmake, which installs libsz beside libaec; only the szip
// entry point is used.
use libaec_sys as _;

use super::{Codec, CodecError, checked_len};

#[repr(C)]
struct SzParams {
    options_mask: c_int,
    bits_per_pixel: c_int,
    pixels_per_block: c_int,
    pixels_per_scanline: c_int,
}

#[link(name = "sz", kind = "static")]
unsafe extern "C" {
    fn SZ_BufftoBuffDecompress(
        dest: *mut c_void,
        dest_len: *mut usize,
        source: *const c_void,
        source_len: usize,
        param: *mut SzParams,
    ) -> c_int;
}

/// libaec's `SZ_OK`.
const SZ_OK: c_int = 0;

pub(crate) struct Szip;

impl Codec for Szip {
    const ID: i32 = 4;
    const NAME: &'static std::ffi::CStr = c"szip";
    const ENCODES: bool = false;

    fn decode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let &[mask, per_block, bits, per_line, ..] = params else {
            return Err(CodecError::Params(params.to_vec()));
        };
        let as_int = |v: u32| c_int::try_from(v).map_err(|_| CodecError::Params(params.to_vec()));
        let mut sz = SzParams {
            options_mask: as_int(mask)?,
            bits_per_pixel: as_int(bits)?,
            pixels_per_block: as_int(per_block)?,
            pixels_per_scanline: as_int(per_line)?,
        };
        let (size, stream) = input
            .split_first_chunk::<4>()
            .ok_or_else(|| CodecError::Corrupt("szip: truncated header".into()))?;
        let mut out = vec![0u8; checked_len(u64::from(u32::from_le_bytes(*size)))?];
        let mut written = out.len();
        // SAFETY: every pointer covers the length passed with it; libaec checks the stream
        // against both lengths.
        let status = unsafe {
            SZ_BufftoBuffDecompress(
                out.as_mut_ptr().cast(),
                &raw mut written,
                stream.as_ptr().cast(),
                stream.len(),
                &raw mut sz,
            )
        };
        if status != SZ_OK {
            return Err(CodecError::Corrupt(format!("szip: libaec error {status}")));
        }
        out.truncate(written);
        Ok(out)
    }

    fn encode(_params: &[u32], _input: &[u8]) -> Result<Vec<u8>, CodecError> {
        Err(CodecError::DecodeOnly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_chunks_and_bad_parameters_are_refused() {
        let params = [141, 32, 16, 32];
        assert!(Szip::decode(&params, b"\x10").is_err());
        assert!(matches!(
            Szip::decode(&[141, 32], b"\x10\0\0\0"),
            Err(CodecError::Params(_))
        ));
        // Noise decodes to something or fails, but never past the size the chunk declares.
        let noise = [64u8, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef];
        if let Ok(out) = Szip::decode(&params, &noise) {
            assert!(out.len() <= 64);
        }
    }
}
