//! The Blosc (32001, PyTables/hdf5-blosc) and Blosc2 (32026, PyTables/hdf5-blosc2) filters,
//! decoded by c-blosc2 (built from source by `blosc2-sys`), which reads Blosc1 chunks too.
//!
//! Blosc chunks carry their own decoded size; Blosc2 chunks are a one-chunk super-chunk
//! frame, optionally a B2ND array (its padding is only understood by the B2ND reader). Every
//! call uses its own context, so chunks decode on several threads at once. Decode only.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;

use blosc2_sys as sys;

use super::{Codec, CodecError, checked_len};

/// Blosc's header: enough bytes for `blosc2_cbuffer_sizes` to read.
const MIN_HEADER: usize = 16;

unsafe extern "C" {
    // B2ND lives in libblosc2.a, but blosc2-sys binds only the `blosc*` functions.
    fn b2nd_from_schunk(schunk: *mut sys::blosc2_schunk, array: *mut *mut c_void) -> c_int;
    fn b2nd_to_cbuffer(array: *const c_void, buffer: *mut c_void, buffersize: i64) -> c_int;
    fn b2nd_free(array: *mut c_void) -> c_int;
    fn b2nd_deserialize_meta(
        smeta: *const u8,
        smeta_len: i32,
        ndim: *mut i8,
        shape: *mut i64,
        chunkshape: *mut i32,
        blockshape: *mut i32,
        dtype: *mut *mut c_char,
        dtype_format: *mut i8,
    ) -> c_int;
}

/// B2ND's `B2ND_MAX_DIM`.
const B2ND_MAX_DIM: usize = 8;

/// Initialises c-blosc2's global state once per process.
pub(super) fn init() {
    static INIT: Once = Once::new();
    // SAFETY: blosc2_init has no preconditions; `Once` runs it a single time.
    INIT.call_once(|| unsafe { sys::blosc2_init() });
}

pub(crate) struct Blosc;

impl Codec for Blosc {
    const ID: i32 = 32001;
    const NAME: &'static std::ffi::CStr = c"blosc";
    const ENCODES: bool = false;

    fn decode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        init();
        chunk(input)
    }

    fn encode(_params: &[u32], _input: &[u8]) -> Result<Vec<u8>, CodecError> {
        Err(CodecError::DecodeOnly)
    }
}

pub(crate) struct Blosc2;

impl Codec for Blosc2 {
    const ID: i32 = 32026;
    const NAME: &'static std::ffi::CStr = c"blosc2";
    const ENCODES: bool = false;

    fn decode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        init();
        let len = i64::try_from(input.len()).map_err(|_| corrupt("frame too large"))?;
        // SAFETY: with copy = false the super-chunk only reads the frame, which outlives it.
        let schunk =
            unsafe { sys::blosc2_schunk_from_buffer(input.as_ptr().cast_mut(), len, false) };
        if schunk.is_null() {
            return Err(corrupt("not a Blosc2 frame"));
        }
        let schunk = Schunk(schunk);
        if let Some(items) = b2nd_bytes(&schunk)? {
            return b2nd(schunk, items);
        }
        let mut first: *mut u8 = std::ptr::null_mut();
        let mut needs_free = false;
        // SAFETY: `schunk` is valid; the chunk pointer is released below when it was copied.
        let cbytes =
            unsafe { sys::blosc2_schunk_get_lazychunk(schunk.0, 0, &mut first, &mut needs_free) };
        if cbytes < 0 || first.is_null() {
            return Err(corrupt("the frame holds no chunk"));
        }
        // SAFETY: blosc2 returned `cbytes` readable bytes at `first`.
        let out = chunk(unsafe { std::slice::from_raw_parts(first, cbytes as usize) });
        if needs_free {
            // SAFETY: blosc2 allocated the chunk with malloc and asked the caller to free it.
            unsafe { sys::libc::free(first.cast()) };
        }
        out
    }

    fn encode(_params: &[u32], _input: &[u8]) -> Result<Vec<u8>, CodecError> {
        Err(CodecError::DecodeOnly)
    }
}

fn corrupt(why: &str) -> CodecError {
    CodecError::Corrupt(why.to_owned())
}

/// A super-chunk freed on drop (unless a B2ND array took it over).
struct Schunk(*mut sys::blosc2_schunk);

impl Drop for Schunk {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the pointer came from blosc2_schunk_from_buffer and is freed once.
            unsafe { sys::blosc2_schunk_free(self.0) };
        }
    }
}

/// Decodes one Blosc1/Blosc2 chunk with a private context.
fn chunk(input: &[u8]) -> Result<Vec<u8>, CodecError> {
    if input.len() < MIN_HEADER {
        return Err(corrupt("shorter than a Blosc header"));
    }
    let (mut nbytes, mut cbytes, mut blocksize) = (0i32, 0i32, 0i32);
    // SAFETY: the header's 16 bytes are present.
    let status = unsafe {
        sys::blosc2_cbuffer_sizes(
            input.as_ptr().cast(),
            &mut nbytes,
            &mut cbytes,
            &mut blocksize,
        )
    };
    if status < 0 || nbytes < 0 || cbytes < 0 || cbytes as usize > input.len() {
        return Err(corrupt("bad Blosc header"));
    }
    let mut out = vec![0u8; checked_len(nbytes as u64)?];
    let params = sys::blosc2_dparams {
        nthreads: 1,
        schunk: std::ptr::null_mut(),
        postfilter: None,
        postparams: std::ptr::null_mut(),
    };
    // SAFETY: the context is created and freed here; the source holds `cbytes` bytes and the
    // destination `nbytes`, as passed.
    let got = unsafe {
        let ctx = sys::blosc2_create_dctx(params);
        if ctx.is_null() {
            return Err(corrupt("cannot create a Blosc context"));
        }
        let got = sys::blosc2_decompress_ctx(
            ctx,
            input.as_ptr().cast(),
            cbytes,
            out.as_mut_ptr().cast(),
            nbytes,
        );
        sys::blosc2_free_ctx(ctx);
        got
    };
    if got != nbytes {
        return Err(CodecError::Corrupt(format!(
            "Blosc decompression returned {got}"
        )));
    }
    Ok(out)
}

/// The decoded size of a B2ND super-chunk (from its metalayer), or None for a plain one.
fn b2nd_bytes(schunk: &Schunk) -> Result<Option<usize>, CodecError> {
    for name in [c"b2nd", c"caterva"] {
        let Some(content) = metalayer(schunk, name) else {
            continue;
        };
        let len = i32::try_from(content.len()).map_err(|_| corrupt("bad B2ND metalayer"))?;
        let mut ndim = 0i8;
        let mut shape = [0i64; B2ND_MAX_DIM];
        let mut chunkshape = [0i32; B2ND_MAX_DIM];
        let mut blockshape = [0i32; B2ND_MAX_DIM];
        let mut dtype: *mut c_char = std::ptr::null_mut();
        let mut format = 0i8;
        // SAFETY: the arrays have B2ND_MAX_DIM entries; the dtype string is freed here.
        let status = unsafe {
            let status = b2nd_deserialize_meta(
                content.as_ptr(),
                len,
                &mut ndim,
                shape.as_mut_ptr(),
                chunkshape.as_mut_ptr(),
                blockshape.as_mut_ptr(),
                &mut dtype,
                &mut format,
            );
            if !dtype.is_null() {
                sys::libc::free(dtype.cast());
            }
            status
        };
        let dims = usize::try_from(ndim).ok().filter(|d| *d <= B2ND_MAX_DIM);
        let Some(dims) = dims.filter(|_| status >= 0) else {
            return Err(corrupt("bad B2ND metalayer"));
        };
        // SAFETY: `schunk` is valid; typesize is a plain field.
        let typesize = u64::try_from(unsafe { (*schunk.0).typesize }).unwrap_or(0);
        let items = shape[..dims]
            .iter()
            .try_fold(typesize, |n, &d| n.checked_mul(u64::try_from(d).ok()?))
            .ok_or_else(|| corrupt("bad B2ND shape"))?;
        return Ok(Some(checked_len(items)?));
    }
    Ok(None)
}

/// The content of the super-chunk's fixed-length metalayer `name` (blosc2.h's inline
/// `blosc2_meta_get`, which has no symbol to link against).
fn metalayer<'a>(schunk: &'a Schunk, name: &std::ffi::CStr) -> Option<&'a [u8]> {
    // SAFETY: `schunk` is valid; its first `nmetalayers` entries are valid metalayers whose
    // names are C strings and whose contents hold `content_len` bytes, alive with the schunk.
    unsafe {
        let s = &*schunk.0;
        let count = usize::from(s.nmetalayers).min(s.metalayers.len());
        s.metalayers[..count].iter().find_map(|&m| {
            let m = m.as_ref()?;
            let found = !m.name.is_null() && std::ffi::CStr::from_ptr(m.name) == name;
            let len = usize::try_from(m.content_len).ok()?;
            (found && !m.content.is_null()).then(|| std::slice::from_raw_parts(m.content, len))
        })
    }
}

/// Decodes a B2ND array of `bytes` bytes, handing the super-chunk over to it.
fn b2nd(mut schunk: Schunk, bytes: usize) -> Result<Vec<u8>, CodecError> {
    let mut array: *mut c_void = std::ptr::null_mut();
    // SAFETY: on success the array owns the super-chunk (b2nd_free releases both).
    if unsafe { b2nd_from_schunk(schunk.0, &mut array) } < 0 || array.is_null() {
        return Err(corrupt("not a B2ND array"));
    }
    schunk.0 = std::ptr::null_mut();
    let mut out = vec![0u8; bytes];
    // SAFETY: `out` holds `bytes` bytes, the array's whole extent; the array is freed once.
    let status = unsafe {
        let status = b2nd_to_cbuffer(array, out.as_mut_ptr().cast(), bytes as i64);
        b2nd_free(array);
        status
    };
    if status < 0 {
        return Err(CodecError::Corrupt(format!(
            "B2ND decompression returned {status}"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_without_reading_past_the_input() {
        assert!(Blosc::decode(&[], &[2, 1, 0, 4]).is_err());
        assert!(Blosc::decode(&[], &[0xff; 64]).is_err());
        assert!(Blosc2::decode(&[], &[0u8; 200]).is_err());
        assert!(matches!(
            Blosc::encode(&[], &[1]),
            Err(CodecError::DecodeOnly)
        ));
    }
}
