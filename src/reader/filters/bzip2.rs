//! The BZip2 filter (307, HDF Group's H5Zbzip2): the chunk is one bzip2 stream; the parameter
//! is the block size (1-9, x100 kB). Uses the `bzip2` crate (pure-Rust libbz2 by default);
//! the decoded size is capped.

use std::io::Read;

use super::{Codec, CodecError, read_capped};

pub(crate) struct Bzip2;

impl Codec for Bzip2 {
    const ID: i32 = 307;
    const NAME: &'static std::ffi::CStr = c"bzip2";

    fn decode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        read_capped(bzip2::read::BzDecoder::new(input))
    }

    fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let level = params.first().copied().unwrap_or(9).clamp(1, 9);
        let mut out = Vec::new();
        bzip2::read::BzEncoder::new(input, bzip2::Compression::new(level))
            .read_to_end(&mut out)
            .map_err(|e| CodecError::Corrupt(e.to_string()))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let input: Vec<u8> = (0..20_000u32).flat_map(|i| (i / 3).to_le_bytes()).collect();
        let packed = Bzip2::encode(&[9], &input).unwrap();
        assert_eq!(Bzip2::decode(&[9], &packed).unwrap(), input);
        assert!(Bzip2::decode(&[9], b"BZh9 but not really").is_err());
    }
}
