//! The LZ4 filter (32004, HDF Group's H5Zlz4): an 8-byte big-endian decoded size, a 4-byte
//! block size, then per block a 4-byte compressed size and an LZ4 block (stored raw when it
//! did not shrink). Decoded by `lz4_flex`; must never trust the sizes beyond the input.

use super::{Codec, CodecError, be, checked_len};

/// The plugin's default block when the parameter is 0 (1 GiB: one block per chunk).
const DEFAULT_BLOCK: usize = 1 << 30;

pub(crate) struct Lz4;

impl Codec for Lz4 {
    const ID: i32 = 32004;
    const NAME: &'static std::ffi::CStr = c"lz4";

    fn decode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let total = checked_len(be::<8>(input, 0)?)?;
        let block = usize::try_from(be::<4>(input, 8)?).unwrap_or(usize::MAX);
        if block == 0 && total > 0 {
            return Err(CodecError::Corrupt("block size 0".into()));
        }
        let mut out = vec![0u8; total];
        let mut at = 12;
        let mut done = 0;
        while done < total {
            let n = block.min(total - done);
            let stored = usize::try_from(be::<4>(input, at)?).unwrap_or(usize::MAX);
            at += 4;
            let src = input
                .get(at..at.saturating_add(stored))
                .ok_or_else(|| CodecError::Corrupt(format!("block at byte {at} is truncated")))?;
            let dst = &mut out[done..done + n];
            if stored == n {
                dst.copy_from_slice(src);
            } else {
                let got = lz4_flex::block::decompress_into(src, dst)
                    .map_err(|e| CodecError::Corrupt(e.to_string()))?;
                if got != n {
                    return Err(CodecError::Corrupt(format!(
                        "a block decoded to {got} bytes instead of {n}"
                    )));
                }
            }
            at += stored;
            done += n;
        }
        Ok(out)
    }

    fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let block = match params.first() {
            Some(&b) if b > 0 => b as usize,
            _ => DEFAULT_BLOCK,
        }
        .min(input.len().max(1));
        let mut out = Vec::with_capacity(input.len() / 2 + 16);
        out.extend_from_slice(&(input.len() as u64).to_be_bytes());
        out.extend_from_slice(&u32::try_from(block).unwrap_or(u32::MAX).to_be_bytes());
        for part in input.chunks(block) {
            let packed = lz4_flex::block::compress(part);
            let body = if packed.len() < part.len() {
                &packed[..]
            } else {
                part
            };
            out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(body);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_raw_and_packed_blocks() {
        let data: Vec<u8> = (0..10_000u32).flat_map(|i| (i / 7).to_le_bytes()).collect();
        let noise: Vec<u8> = (0..999u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for input in [data, noise, Vec::new()] {
            for block in [0, 100, 4096] {
                let packed = Lz4::encode(&[block], &input).unwrap();
                assert_eq!(Lz4::decode(&[block], &packed).unwrap(), input);
            }
        }
    }

    #[test]
    fn truncated_and_lying_chunks_are_refused() {
        let input = vec![7u8; 5000];
        let packed = Lz4::encode(&[0], &input).unwrap();
        assert!(Lz4::decode(&[], &packed[..packed.len() - 3]).is_err());
        let mut huge = packed.clone();
        huge[..8].copy_from_slice(&(1u64 << 40).to_be_bytes());
        assert!(matches!(
            Lz4::decode(&[], &huge),
            Err(CodecError::TooLarge(_))
        ));
    }
}
