//! Which filter id is which codec: names, human-readable parameters, registration with
//! libhdf5 and the dispatch used by the parallel chunk path.
//!
//! The one table of filter names lives here. Registration must happen before any file is
//! read, in every process that reads (the worker, the CLI, tests): [`register`] is idempotent.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ffi::{c_uint, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use hdf5_sys::h5::{H5allocate_memory, H5free_memory, H5open};
use hdf5_sys::h5z::{
    H5Z_CLASS_T_VERS, H5Z_FILTER_RESERVED, H5Z_FLAG_REVERSE, H5Z_class2_t, H5Zregister,
};

use super::bitshuffle::Bitshuffle;
use super::blosc::{Blosc, Blosc2};
use super::builtin::{DEFLATE, SHUFFLE, inflate, unshuffle};
use super::bzip2::Bzip2;
use super::lz4::Lz4;
use super::szip::Szip;
use super::zfp::Zfp;
use super::zstd::Zstd;
use super::{Codec, CodecError};

/// The well-known name of a registered HDF5 filter id (The HDF Group's registry), or None.
pub(crate) fn name(id: i32) -> Option<&'static str> {
    Some(match id {
        1 => "deflate",
        2 => "shuffle",
        3 => "fletcher32",
        4 => "szip",
        5 => "nbit",
        6 => "scaleoffset",
        305 => "lzo",
        307 => "bzip2",
        32000 => "lzf",
        32001 => "blosc",
        32002 => "mafisc",
        32003 => "snappy",
        32004 => "lz4",
        32005 => "apax",
        32006 => "cbf",
        32007 => "jpeg-xr",
        32008 => "bitshuffle",
        32009 => "spdp",
        32010 => "lpc-rice",
        32011 => "ccsds-123",
        32012 => "jpeg-ls",
        32013 => "zfp",
        32014 => "fpzip",
        32015 => "zstd",
        32016 => "b3d",
        32017 => "sz",
        32018 => "fcidecomp",
        32019 => "jpeg",
        32020 => "vbz",
        32022 => "bitgroom",
        32023 => "granularbr",
        32024 => "sz3",
        32025 => "delta-rice",
        32026 => "blosc2",
        32027 => "flac",
        32028 => "sperr",
        _ => return None,
    })
}

/// The filter's parameters in words, for the inspector ("LZ4, block 0 (auto)"), or None
/// when they are opaque.
pub(crate) fn describe(id: i32, params: &[u32]) -> Option<String> {
    let p = |i: usize| params.get(i).copied();
    match id {
        1 => p(0).map(|l| format!("level {l}")),
        4 => p(1).map(|ppb| {
            let coding = if p(0).is_some_and(|m| m & 32 != 0) {
                "nearest neighbour"
            } else {
                "entropy"
            };
            format!("{coding} coding, {ppb} pixels per block")
        }),
        6 => p(0).map(|t| {
            let kind = if t == 0 { "decimal digits" } else { "bits" };
            format!("scale {} {kind}", p(1).unwrap_or(0))
        }),
        307 => p(0).map(|l| format!("block size {l}00k")),
        32001 | 32026 => {
            let shuffle = match p(5) {
                Some(0) => "no shuffle",
                Some(1) => "byte shuffle",
                Some(2) => "bit shuffle",
                _ => "shuffle ?",
            };
            let codec = match p(6) {
                Some(0) | None => "blosclz",
                Some(1) => "lz4",
                Some(2) => "lz4hc",
                Some(3) => "snappy",
                Some(4) => "zlib",
                Some(5) => "zstd",
                Some(_) => "codec ?",
            };
            Some(format!(
                "{codec}, level {}, {shuffle}, type size {}",
                p(4).unwrap_or(0),
                p(2).unwrap_or(0)
            ))
        }
        32004 => p(0).map(|b| match b {
            0 => "block size default (1 GiB)".to_owned(),
            b => format!("block size {b} bytes"),
        }),
        32008 => {
            let codec = match p(4) {
                Some(2) => "LZ4".to_owned(),
                Some(3) => format!("Zstd level {}", p(5).unwrap_or(0)),
                _ => "no compression".to_owned(),
            };
            let block = match p(3) {
                Some(0) | None => "auto".to_owned(),
                Some(b) => b.to_string(),
            };
            Some(format!(
                "{codec}, block {block} elements, element size {}",
                p(2).unwrap_or(0)
            ))
        }
        32013 => super::zfp::describe(params),
        32015 => p(0).map(|l| format!("level {l}")),
        _ => None,
    }
}

/// Whether [`decode`] handles filter `id`. Fletcher32, N-bit, scale-offset and LZF stay in
/// libhdf5's pipeline.
pub(crate) fn native(id: i32) -> bool {
    matches!(
        id,
        DEFLATE
            | SHUFFLE
            | Bitshuffle::ID
            | Blosc::ID
            | Blosc2::ID
            | Bzip2::ID
            | Lz4::ID
            | Szip::ID
            | Zfp::ID
            | Zstd::ID
    )
}

/// Decodes one filter stage outside libhdf5 (`expected`: the likely decoded size), or None
/// when hdfscope has no native codec for `id`.
pub(crate) fn decode(
    id: i32,
    params: &[u32],
    input: &[u8],
    expected: usize,
) -> Option<Result<Vec<u8>, CodecError>> {
    Some(match id {
        DEFLATE => inflate(input, expected),
        SHUFFLE => unshuffle(params, input),
        Bitshuffle::ID => Bitshuffle::decode(params, input),
        Blosc::ID => Blosc::decode(params, input),
        Blosc2::ID => Blosc2::decode(params, input),
        Bzip2::ID => Bzip2::decode(params, input),
        Lz4::ID => Lz4::decode(params, input),
        Szip::ID => Szip::decode(params, input),
        Zfp::ID => Zfp::decode(params, input),
        Zstd::ID => Zstd::decode(params, input),
        _ => return None,
    })
}

/// Registers every codec with libhdf5 in this process (once; later calls return the first
/// outcome). The error names the filters libhdf5 refused.
pub(crate) fn register() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        super::blosc::init();
        let refused: Vec<&str> = [
            h5z_register::<Bitshuffle>(),
            h5z_register::<Blosc>(),
            h5z_register::<Blosc2>(),
            h5z_register::<Bzip2>(),
            h5z_register::<Lz4>(),
            h5z_register::<Szip>(),
            h5z_register::<Zfp>(),
            h5z_register::<Zstd>(),
        ]
        .into_iter()
        .filter_map(Result::err)
        .collect();
        if refused.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "libhdf5 refused to register the {} filter",
                refused.join(", ")
            ))
        }
    })
    .clone()
}

fn h5z_register<C: Codec>() -> Result<(), &'static str> {
    let class = H5Z_class2_t {
        version: H5Z_CLASS_T_VERS as _,
        id: C::ID,
        encoder_present: u32::from(C::ENCODES),
        decoder_present: 1,
        name: C::NAME.as_ptr(),
        can_apply: None,
        set_local: None,
        filter: Some(run::<C>),
    };
    // SAFETY: libhdf5 copies the class; the name is a static C string and the callback a
    // function that lives as long as the process. The internal `H5Z_register` is what the
    // library uses for its own filters; it needs the library open and the lock held.
    let status = hdf5::sync::sync(|| unsafe {
        if C::ID < H5Z_FILTER_RESERVED {
            if H5open() < 0 {
                return -1;
            }
            H5Z_register(&raw const class)
        } else {
            H5Zregister((&raw const class).cast())
        }
    });
    if status < 0 {
        return Err(C::NAME.to_str().unwrap_or("?"));
    }
    Ok(())
}

unsafe extern "C" {
    /// libhdf5's own registration, which unlike `H5Zregister` accepts the predefined ids
    /// (SZIP's 4): a global symbol of the static libhdf5 this build links.
    fn H5Z_register(class: *const H5Z_class2_t) -> hdf5_sys::h5::herr_t;
}

thread_local! {
    /// Why the last chunk failed in a filter callback on this thread: libhdf5 only reports
    /// "filter returned failure", so the reader asks here for the cause.
    static LAST_FAILURE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The cause of the last codec failure on this thread, cleared by reading it.
pub(crate) fn take_last_failure() -> Option<String> {
    LAST_FAILURE.with(|f| f.borrow_mut().take())
}

/// libhdf5's filter callback for codec `C`: replaces `*buf` (libhdf5's allocation) with the
/// filtered bytes and returns their length, or 0 on failure.
unsafe extern "C" fn run<C: Codec>(
    flags: c_uint,
    cd_nelmts: usize,
    cd_values: *const c_uint,
    nbytes: usize,
    buf_size: *mut usize,
    buf: *mut *mut c_void,
) -> usize {
    // SAFETY: libhdf5 passes `cd_nelmts` values and a buffer holding at least `nbytes` bytes.
    let (params, input) = unsafe {
        let params = if cd_values.is_null() || cd_nelmts == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(cd_values, cd_nelmts)
        };
        (
            params,
            std::slice::from_raw_parts((*buf).cast::<u8>(), nbytes),
        )
    };
    let reverse = flags & H5Z_FLAG_REVERSE != 0;
    // A panic must not unwind into C.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if reverse {
            C::decode(params, input)
        } else {
            C::encode(params, input)
        }
    }));
    let out = match outcome {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return failed::<C>(&e.to_string()),
        Err(_) => return failed::<C>("the codec panicked"),
    };
    // SAFETY: a fresh libhdf5 allocation of `out.len()` bytes receives the output, and the
    // old buffer (libhdf5's own) is released with libhdf5's allocator.
    unsafe {
        let fresh = H5allocate_memory(out.len().max(1), 0).cast::<u8>();
        if fresh.is_null() {
            return failed::<C>("out of memory");
        }
        std::ptr::copy_nonoverlapping(out.as_ptr(), fresh, out.len());
        H5free_memory(*buf);
        *buf = fresh.cast();
        *buf_size = out.len().max(1);
    }
    out.len()
}

fn failed<C: Codec>(why: &str) -> usize {
    let name = C::NAME.to_str().unwrap_or("?");
    LAST_FAILURE.with(|f| *f.borrow_mut() = Some(format!("{name}: {why}")));
    0
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_compiled_codec_has_a_name() {
        for id in [4, 307, 32001, 32004, 32008, 32013, 32015, 32026] {
            assert!(super::name(id).is_some(), "{id}");
            assert!(super::decode(id, &[], &[], 0).is_some(), "{id}");
            assert!(super::native(id));
        }
        assert!(super::decode(32002, &[], &[], 0).is_none());
        assert!(!super::native(32000) && !super::native(3));
    }

    #[test]
    fn parameters_in_words() {
        assert_eq!(
            super::describe(32008, &[0, 4, 2, 0, 2]).as_deref(),
            Some("LZ4, block auto elements, element size 2")
        );
        assert_eq!(
            super::describe(32001, &[2, 2, 2, 32768, 5, 1, 1]).as_deref(),
            Some("lz4, level 5, byte shuffle, type size 2")
        );
        assert_eq!(super::describe(1, &[4]).as_deref(), Some("level 4"));
        assert_eq!(super::describe(32002, &[1, 2]), None);
    }
}
