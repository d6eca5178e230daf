//! The compression filters compiled into hdfscope, and their registration with libhdf5.
//!
//! Each codec is plain Rust over a byte buffer ([`Codec`]): the same code serves libhdf5's
//! filter pipeline (registered with `H5Zregister`, see [`register`]) and the parallel chunk
//! path, which decodes raw chunks outside the library lock. This module must never load code
//! from disk (plugin loading stays off, see `plugins.rs`) and never trust a size written in a
//! chunk beyond [`MAX_CHUNK_BYTES`].

mod bitshuffle;
mod blosc;
mod builtin;
mod bzip2;
mod lz4;
mod registry;
mod szip;
mod zfp;
mod zstd;

pub(crate) use registry::{decode, describe, name, native, register, take_last_failure};

/// libhdf5 refuses chunks of 4 GiB or more, so no decoded chunk can be larger.
pub(crate) const MAX_CHUNK_BYTES: usize = u32::MAX as usize;

/// Why a chunk could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CodecError {
    #[error("the compressed data is corrupt: {0}")]
    Corrupt(String),
    #[error("the chunk claims {0} bytes once decoded, more than any HDF5 chunk can hold")]
    TooLarge(u64),
    #[error("the filter parameters {0:?} are not ones this codec understands")]
    Params(Vec<u32>),
    #[error("this build can only decode this filter")]
    DecodeOnly,
}

/// One compression codec of an HDF5 filter.
pub(crate) trait Codec {
    /// The registered HDF5 filter id.
    const ID: i32;
    /// The name libhdf5 reports, NUL-terminated.
    const NAME: &'static std::ffi::CStr;
    /// Whether [`Codec::encode`] works (libhdf5 refuses to create datasets otherwise).
    const ENCODES: bool = true;

    /// The chunk's bytes as they were before this filter; `params` are the filter's
    /// client data values from the dataset's creation properties.
    fn decode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError>;

    /// The filtered bytes of a chunk.
    fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError>;
}

/// A declared decoded size, refused when no chunk can be that large.
fn checked_len(declared: u64) -> Result<usize, CodecError> {
    usize::try_from(declared)
        .ok()
        .filter(|n| *n <= MAX_CHUNK_BYTES)
        .ok_or(CodecError::TooLarge(declared))
}

/// Everything a streaming decoder yields, refused past [`MAX_CHUNK_BYTES`] (a compression
/// bomb stops there instead of exhausting memory).
fn read_capped(decoder: impl std::io::Read) -> Result<Vec<u8>, CodecError> {
    use std::io::Read;
    let mut out = Vec::new();
    decoder
        .take(MAX_CHUNK_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| CodecError::Corrupt(e.to_string()))?;
    if out.len() > MAX_CHUNK_BYTES {
        return Err(CodecError::TooLarge(out.len() as u64));
    }
    Ok(out)
}

/// Reads a big-endian integer of `N` bytes at `at`.
fn be<const N: usize>(input: &[u8], at: usize) -> Result<u64, CodecError> {
    let bytes = input
        .get(at..at + N)
        .ok_or_else(|| CodecError::Corrupt(format!("truncated header at byte {at}")))?;
    Ok(bytes.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b)))
}
