//! The ZFP filter (32013, LLNL's H5Z-ZFP), decoded by the zfp library (built from source by
//! `zfp-sys`). Decode only.
//!
//! H5Z-ZFP keeps everything zfp needs in the filter parameters: word 0 is the writer's
//! version, the rest a zfp header (a bitstream holding the field's type and chunk shape and
//! the compression mode). The chunk itself is the bare zfp stream. zfp's bit reader never
//! checks where its buffer ends, so both the header and the chunk are copied into buffers
//! padded to the most any stream of that mode and field may read.
#![allow(unsafe_code)]

use std::ffi::c_void;

use zfp_sys as sys;

use super::{Codec, CodecError, checked_len};

pub(crate) struct Zfp;

impl Codec for Zfp {
    const ID: i32 = 32013;
    const NAME: &'static std::ffi::CStr = c"zfp";
    const ENCODES: bool = false;

    fn decode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let header = Header::parse(params)?;
        header.decompress(input)
    }

    fn encode(_params: &[u32], _input: &[u8]) -> Result<Vec<u8>, CodecError> {
        Err(CodecError::DecodeOnly)
    }
}

/// What the parameters say about every chunk of the dataset.
struct Header {
    /// zfp's compression mode, in zfp's 64-bit encoding.
    mode: u64,
    /// The chunk's scalar type and shape, in zfp's 64-bit encoding.
    meta: u64,
    /// The writer's byte order differs from ours: zfp yields native values, libhdf5
    /// expects the file's.
    swapped: bool,
}

/// zfp objects released when they go out of scope, whatever path the decode takes.
struct Stream {
    bits: *mut sys::bitstream,
    zfp: *mut sys::zfp_stream,
}

impl Stream {
    /// A zfp stream reading `words` (which must outlive it).
    fn over(words: &mut [u64]) -> Result<Self, CodecError> {
        // SAFETY: the buffer is valid for its length in bytes and outlives the stream (the
        // caller's borrow); zfp only reads from it here.
        let bits = unsafe { sys::stream_open(words.as_mut_ptr().cast(), size_of_val(words)) };
        if bits.is_null() {
            return Err(CodecError::Corrupt("zfp: cannot open a bit stream".into()));
        }
        // SAFETY: `bits` is a live bit stream.
        let zfp = unsafe { sys::zfp_stream_open(bits) };
        let stream = Self { bits, zfp };
        if zfp.is_null() {
            return Err(CodecError::Corrupt("zfp: cannot open a stream".into()));
        }
        Ok(stream)
    }

    /// A stream over `words` set to the dataset's compression `mode`.
    fn with_mode(words: &mut [u64], mode: u64) -> Result<Self, CodecError> {
        let stream = Self::over(words)?;
        // SAFETY: the stream is live; a refused mode is checked.
        if unsafe { sys::zfp_stream_set_mode(stream.zfp, mode) } == sys::zfp_mode_zfp_mode_null {
            return Err(CodecError::Corrupt(
                "zfp: invalid mode in the header".into(),
            ));
        }
        Ok(stream)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: both were opened by `over` and are closed once, here.
        unsafe {
            if !self.zfp.is_null() {
                sys::zfp_stream_close(self.zfp);
            }
            sys::stream_close(self.bits);
        }
    }
}

struct Field(*mut sys::zfp_field);

impl Field {
    fn new() -> Result<Self, CodecError> {
        // SAFETY: no preconditions; a null result is checked.
        let field = unsafe { sys::zfp_field_alloc() };
        if field.is_null() {
            return Err(CodecError::Corrupt("zfp: out of memory".into()));
        }
        Ok(Self(field))
    }
}

impl Drop for Field {
    fn drop(&mut self) {
        // SAFETY: allocated by `Field::new`, freed once.
        unsafe { sys::zfp_field_free(self.0) }
    }
}

/// More bytes than any zfp header takes (H5Z-ZFP stores at most 10 parameter words).
const HEADER_BYTES: usize = 64;

impl Header {
    fn parse(params: &[u32]) -> Result<Self, CodecError> {
        let bad = || CodecError::Params(params.to_vec());
        let (&version, words) = params.split_first().ok_or_else(bad)?;
        if words.is_empty() || words.len() * 4 > HEADER_BYTES {
            return Err(bad());
        }
        let writer = writer_codec(version);
        if writer > sys::ZFP_CODEC {
            return Err(CodecError::Corrupt(format!(
                "zfp: written with zfp codec version {writer}, newer than this build's {}",
                sys::ZFP_CODEC
            )));
        }
        for swapped in [false, true] {
            if let Some((mode, meta)) = read_header(words, swapped)? {
                return Ok(Self {
                    mode,
                    meta,
                    swapped,
                });
            }
        }
        Err(bad())
    }

    fn decompress(&self, input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let field = Field::new()?;
        // SAFETY: the field is live; the metadata is checked by zfp.
        if unsafe { sys::zfp_field_set_metadata(field.0, self.meta) } == 0 {
            return Err(CodecError::Corrupt(
                "zfp: invalid field in the header".into(),
            ));
        }
        // SAFETY: the field is live; a null size array is allowed.
        let (count, kind) = unsafe {
            (
                sys::zfp_field_size(field.0, std::ptr::null_mut()),
                sys::zfp_field_type(field.0),
            )
        };
        let scalar = match kind {
            sys::zfp_type_zfp_type_int32 | sys::zfp_type_zfp_type_float => 4,
            sys::zfp_type_zfp_type_int64 | sys::zfp_type_zfp_type_double => 8,
            other => return Err(CodecError::Corrupt(format!("zfp: scalar type {other}"))),
        };
        let bytes = count
            .checked_mul(scalar)
            .map_or(Err(CodecError::TooLarge(u64::MAX)), |n| {
                checked_len(n as u64)
            })?;
        // u64 words: zfp writes typed values and reads its stream a 64-bit word at a time.
        let mut out = vec![0u64; bytes.div_ceil(8)];
        // SAFETY: `out` holds `bytes` bytes for the field's values and outlives the field's use.
        unsafe { sys::zfp_field_set_pointer(field.0, out.as_mut_ptr().cast::<c_void>()) };

        // How far zfp may read: the buffer is padded to that, whatever the chunk's length.
        let limit = {
            let probe = Stream::with_mode(&mut [], self.mode)?;
            // SAFETY: both objects are live.
            unsafe { sys::zfp_stream_maximum_size(probe.zfp, field.0) }
        };
        let mut stream_words = padded_words(input, limit);
        let stream = Stream::with_mode(&mut stream_words, self.mode)?;
        // SAFETY: the stream's buffer is at least as long as the longest stream zfp may read
        // for this field, and `out` is the field's storage.
        let read = unsafe { sys::zfp_decompress(stream.zfp, field.0) };
        drop(stream);
        if read == 0 {
            return Err(CodecError::Corrupt("zfp: decompression failed".into()));
        }
        let mut out: Vec<u8> = out.iter().flat_map(|w| w.to_ne_bytes()).collect();
        out.truncate(bytes);
        if self.swapped {
            out.chunks_exact_mut(scalar).for_each(<[u8]>::reverse);
        }
        Ok(out)
    }
}

/// The dataset's zfp mode in words for the inspector ("reversible (lossless)",
/// "fixed rate 8 bits per value"), or None when the parameters are not a zfp header.
pub(super) fn describe(params: &[u32]) -> Option<String> {
    let header = Header::parse(params).ok()?;
    let probe = Stream::with_mode(&mut [], header.mode).ok()?;
    // SAFETY: the stream is live with the dataset's mode.
    unsafe {
        Some(match sys::zfp_stream_compression_mode(probe.zfp) {
            sys::zfp_mode_zfp_mode_reversible => "reversible (lossless)".to_owned(),
            sys::zfp_mode_zfp_mode_fixed_rate => {
                let field = Field::new().ok()?;
                sys::zfp_field_set_metadata(field.0, header.meta);
                let dims = sys::zfp_field_dimensionality(field.0);
                format!(
                    "fixed rate {} bits per value",
                    sys::zfp_stream_rate(probe.zfp, dims)
                )
            }
            sys::zfp_mode_zfp_mode_fixed_precision => format!(
                "fixed precision {} bit planes",
                sys::zfp_stream_precision(probe.zfp)
            ),
            sys::zfp_mode_zfp_mode_fixed_accuracy => {
                format!("fixed accuracy {:e}", sys::zfp_stream_accuracy(probe.zfp))
            }
            _ => "expert mode".to_owned(),
        })
    }
}

/// Reads zfp's header from the parameter words (byte-swapped first if `swapped`): the mode
/// and field metadata, or None when the words are not a header in that byte order.
fn read_header(words: &[u32], swapped: bool) -> Result<Option<(u64, u64)>, CodecError> {
    // H5Z-ZFP hands zfp its array of unsigned ints as the bit stream's memory.
    let bytes: Vec<u8> = words
        .iter()
        .flat_map(|w| if swapped { w.swap_bytes() } else { *w }.to_ne_bytes())
        .collect();
    let mut buffer = padded_words(&bytes, HEADER_BYTES);
    let stream = Stream::over(&mut buffer)?;
    let field = Field::new()?;
    // SAFETY: all objects are live; the header buffer is longer than any header.
    let read = unsafe { sys::zfp_read_header(stream.zfp, field.0, sys::ZFP_HEADER_FULL) };
    if read == 0 {
        return Ok(None);
    }
    // SAFETY: as above.
    Ok(Some(unsafe {
        (
            sys::zfp_stream_mode(stream.zfp),
            sys::zfp_field_metadata(field.0),
        )
    }))
}

/// The zfp codec version of the writer, from H5Z-ZFP's version word (H5Z-ZFP's own rule:
/// versions before zfp 1.0 did not record it).
fn writer_codec(version: u32) -> u32 {
    let mut zfp = (version >> 16) & 0xFFFF;
    if zfp < 0x0100 {
        zfp <<= 4;
    }
    match zfp {
        0..0x0500 => 4,
        0x0500..=0x1000 => 5,
        _ => (version >> 12) & 0xF,
    }
}

/// The chunk in native 64-bit words, zero-padded to at least `limit` bytes.
fn padded_words(input: &[u8], limit: usize) -> Vec<u64> {
    let mut words = vec![0u64; input.len().max(limit).div_ceil(8) + 1];
    for (word, bytes) in words.iter_mut().zip(input.chunks(8)) {
        let mut full = [0u8; 8];
        full[..bytes.len()].copy_from_slice(bytes);
        *word = u64::from_ne_bytes(full);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// H5Z-ZFP 1.1.1's parameters for a reversible 128 x 128 f32 chunk (the corpus's
    /// `hdf5plugin_filters.h5:/zfp_reversible_f4`).
    const REVERSIBLE_F4: [u32; 4] = [269504785, 91252346, 4026533878, 2281701383];

    #[test]
    fn header_from_h5z_zfp_parameters() {
        let header = Header::parse(&REVERSIBLE_F4).unwrap();
        assert!(!header.swapped);
        let field = Field::new().unwrap();
        unsafe {
            assert_eq!(sys::zfp_field_set_metadata(field.0, header.meta), 1);
            let mut shape = [0usize; 4];
            assert_eq!(sys::zfp_field_size(field.0, shape.as_mut_ptr()), 128 * 128);
            assert_eq!(&shape[..2], &[128, 128]);
            assert_eq!(sys::zfp_field_type(field.0), sys::zfp_type_zfp_type_float);
        }
        assert_eq!(writer_codec(REVERSIBLE_F4[0]), 5);
        assert_eq!(
            describe(&REVERSIBLE_F4).as_deref(),
            Some("reversible (lossless)")
        );
    }

    #[test]
    fn bad_parameters_and_garbage_are_refused() {
        assert!(matches!(Zfp::decode(&[], b""), Err(CodecError::Params(_))));
        assert!(matches!(
            Zfp::decode(&[269504785, 1, 2, 3], b""),
            Err(CodecError::Params(_))
        ));
        // A chunk of noise decodes to something or fails, but never reads past its buffer.
        let noise: Vec<u8> = (0..64u32).map(|i| (i * 37 % 251) as u8).collect();
        if let Ok(out) = Zfp::decode(&REVERSIBLE_F4, &noise) {
            assert_eq!(out.len(), 128 * 128 * 4);
        }
        let newer = (0x1100 << 16) | (6 << 12);
        assert!(Zfp::decode(&[newer, 1, 2, 3], b"").is_err());
    }
}
