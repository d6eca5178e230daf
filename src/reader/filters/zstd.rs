//! The Zstandard filter (32015, HDF Group's H5Zzstd): the chunk is one zstd frame; the
//! parameter is the compression level. Decoded by the pure-Rust `ruzstd`; the decoded size is
//! capped, never taken on trust.

use super::{Codec, CodecError, read_capped};

pub(crate) struct Zstd;

impl Codec for Zstd {
    const ID: i32 = 32015;
    const NAME: &'static std::ffi::CStr = c"zstd";

    fn decode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        frame(input)
    }

    fn encode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        Ok(compress(input))
    }
}

/// Decodes one whole zstd frame (also the bitshuffle filter's blocks).
pub(super) fn frame(input: &[u8]) -> Result<Vec<u8>, CodecError> {
    let decoder = ruzstd::decoding::StreamingDecoder::new(input)
        .map_err(|e| CodecError::Corrupt(e.to_string()))?;
    read_capped(decoder)
}

/// One zstd frame holding `input`, with its decoded size in the header: the HDF Group's
/// zstd filter sizes its buffer from that field and fails without it.
pub(super) fn compress(input: &[u8]) -> Vec<u8> {
    let frame =
        ruzstd::encoding::compress_to_vec(input, ruzstd::encoding::CompressionLevel::Fastest);
    with_content_size(frame, input.len() as u64)
}

/// Adds the 8-byte Frame_Content_Size field to a frame whose header lacks it (ruzstd never
/// writes it). Zstd format, RFC 8878 §3.1.1.1: magic (4 bytes), the descriptor (bits 7-6 =
/// size flag, bit 5 = single segment, bits 1-0 = dictionary id size), the window byte unless
/// single segment, the dictionary id, then the content size.
fn with_content_size(mut frame: Vec<u8>, size: u64) -> Vec<u8> {
    let Some(&descriptor) = frame.get(4) else {
        return frame;
    };
    let single_segment = descriptor & 0x20 != 0;
    if descriptor & 0xC0 != 0 || single_segment {
        return frame;
    }
    let dictionary = [0, 1, 2, 4][usize::from(descriptor & 0x03)];
    let at = 4 + 1 + 1 + dictionary;
    if frame.len() < at {
        return frame;
    }
    frame[4] = descriptor | 0xC0;
    frame.splice(at..at, size.to_le_bytes());
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let input: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let packed = Zstd::encode(&[3], &input).unwrap();
        assert!(packed.len() < input.len() / 4);
        assert_eq!(Zstd::decode(&[3], &packed).unwrap(), input);
        assert!(Zstd::decode(&[3], b"not a zstd frame").is_err());
        // The header carries the decoded size (other readers need it).
        assert_eq!(packed[4] & 0xC0, 0xC0);
        assert_eq!(packed[6..14], (input.len() as u64).to_le_bytes());
    }
}
