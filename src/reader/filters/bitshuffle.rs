//! The bitshuffle filter (32008, kiyo-masui/bitshuffle; Dectris Eiger and most detector
//! data): each block of elements is bit-transposed, then optionally LZ4- or Zstd-compressed.
//!
//! Parameters: `[major, minor, element size, block size (elements, 0 = auto), compression
//! (0 none, 2 LZ4, 3 Zstd), zstd level]`. Compressed chunks start with the decoded size (8
//! bytes big-endian) and the block size in bytes (4); each block is a 4-byte size and the
//! compressed bit planes; the last `n % 8` elements are stored unshuffled at the end.

use super::{Codec, CodecError, be, checked_len};

pub(crate) struct Bitshuffle;

const NO_COMPRESSION: u32 = 0;
const LZ4: u32 = 2;
const ZSTD: u32 = 3;
/// Blocks hold a multiple of 8 elements: one byte per bit plane per 8 elements.
const BLOCKED_MULT: usize = 8;

/// bitshuffle's `bshuf_default_block_size`, which must never change (old data depends on it).
fn default_block(elem: usize) -> usize {
    ((8192 / elem) / BLOCKED_MULT * BLOCKED_MULT).max(128)
}

struct Setup {
    elem: usize,
    block: usize,
    compression: u32,
}

fn setup(params: &[u32]) -> Result<Setup, CodecError> {
    let elem = params.get(2).copied().unwrap_or(0) as usize;
    let compression = params.get(4).copied().unwrap_or(NO_COMPRESSION);
    if elem == 0 || ![NO_COMPRESSION, LZ4, ZSTD].contains(&compression) {
        return Err(CodecError::Params(params.to_vec()));
    }
    let block = match params.get(3).copied().unwrap_or(0) as usize {
        0 => default_block(elem),
        b if b % BLOCKED_MULT == 0 => b,
        _ => return Err(CodecError::Params(params.to_vec())),
    };
    Ok(Setup {
        elem,
        block,
        compression,
    })
}

impl Codec for Bitshuffle {
    const ID: i32 = 32008;
    const NAME: &'static std::ffi::CStr = c"bitshuffle";

    fn decode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let s = setup(params)?;
        if s.compression == NO_COMPRESSION {
            let mut out = vec![0u8; input.len()];
            for_blocks(input.len() / s.elem, s.block, |at, n| {
                let bytes = at * s.elem..(at + n) * s.elem;
                untranspose(&input[bytes.clone()], &mut out[bytes], n, s.elem);
            });
            copy_leftover(input, &mut out, input.len() / s.elem, s.elem);
            return Ok(out);
        }
        let total = checked_len(be::<8>(input, 0)?)?;
        let block_bytes = usize::try_from(be::<4>(input, 8)?).unwrap_or(usize::MAX);
        if block_bytes == 0 || block_bytes % (s.elem * BLOCKED_MULT) != 0 {
            return Err(CodecError::Corrupt(format!("block of {block_bytes} bytes")));
        }
        let n = total / s.elem;
        let mut out = vec![0u8; total];
        let mut at = 12;
        let mut planes = Vec::new();
        let mut failure = None;
        for_blocks(n, block_bytes / s.elem, |first, count| {
            if failure.is_some() {
                return;
            }
            let size = count * s.elem;
            let step = be::<4>(input, at).and_then(|stored| {
                let stored = usize::try_from(stored).unwrap_or(usize::MAX);
                let src = input
                    .get(at + 4..(at + 4).saturating_add(stored))
                    .ok_or_else(|| {
                        CodecError::Corrupt(format!("block at byte {at} is truncated"))
                    })?;
                planes.resize(size, 0);
                inflate(s.compression, src, &mut planes)?;
                Ok(4 + stored)
            });
            match step {
                Ok(used) => {
                    at += used;
                    let dst = &mut out[first * s.elem..first * s.elem + size];
                    untranspose(&planes, dst, count, s.elem);
                }
                Err(e) => failure = Some(e),
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
        let rest = total - (n - n % BLOCKED_MULT) * s.elem;
        let tail = input
            .get(at..at + rest)
            .ok_or_else(|| CodecError::Corrupt("the unshuffled tail is truncated".into()))?;
        out[total - rest..].copy_from_slice(tail);
        Ok(out)
    }

    fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, CodecError> {
        let s = setup(params)?;
        let n = input.len() / s.elem;
        if s.compression == NO_COMPRESSION {
            let mut out = vec![0u8; input.len()];
            for_blocks(n, s.block, |at, count| {
                let bytes = at * s.elem..(at + count) * s.elem;
                transpose(&input[bytes.clone()], &mut out[bytes], count, s.elem);
            });
            copy_leftover(input, &mut out, n, s.elem);
            return Ok(out);
        }
        let mut out = Vec::with_capacity(input.len() / 2 + 64);
        out.extend_from_slice(&(input.len() as u64).to_be_bytes());
        let block_bytes =
            u32::try_from(s.block * s.elem).map_err(|_| CodecError::Params(params.to_vec()))?;
        out.extend_from_slice(&block_bytes.to_be_bytes());
        let mut planes = Vec::new();
        for_blocks(n, s.block, |at, count| {
            planes.resize(count * s.elem, 0);
            transpose(
                &input[at * s.elem..(at + count) * s.elem],
                &mut planes,
                count,
                s.elem,
            );
            let packed = match s.compression {
                LZ4 => lz4_flex::block::compress(&planes),
                _ => super::zstd::compress(&planes),
            };
            out.extend_from_slice(
                &u32::try_from(packed.len())
                    .unwrap_or(u32::MAX)
                    .to_be_bytes(),
            );
            out.extend_from_slice(&packed);
        });
        out.extend_from_slice(&input[(n - n % BLOCKED_MULT) * s.elem..]);
        Ok(out)
    }
}

/// Calls `f(first element, count)` for each block: whole blocks, then the remainder rounded
/// down to a multiple of 8 (the last `n % 8` elements are never shuffled).
fn for_blocks(n: usize, block: usize, mut f: impl FnMut(usize, usize)) {
    let mut at = 0;
    while at + block <= n {
        f(at, block);
        at += block;
    }
    let last = (n - at) / BLOCKED_MULT * BLOCKED_MULT;
    if last > 0 {
        f(at, last);
    }
}

fn copy_leftover(input: &[u8], out: &mut [u8], n: usize, elem: usize) {
    let from = (n - n % BLOCKED_MULT) * elem;
    out[from..].copy_from_slice(&input[from..]);
}

fn inflate(compression: u32, src: &[u8], dst: &mut [u8]) -> Result<(), CodecError> {
    let got = match compression {
        LZ4 => lz4_flex::block::decompress_into(src, dst)
            .map_err(|e| CodecError::Corrupt(e.to_string()))?,
        _ => {
            let plain = super::zstd::frame(src)?;
            let n = plain.len().min(dst.len());
            dst[..n].copy_from_slice(&plain[..n]);
            plain.len()
        }
    };
    if got != dst.len() {
        return Err(CodecError::Corrupt(format!(
            "a block decoded to {got} bytes instead of {}",
            dst.len()
        )));
    }
    Ok(())
}

/// Transposes an 8x8 bit matrix held in a u64 (byte r = row r, bit c = column c).
fn transpose_8x8(mut x: u64) -> u64 {
    let mut t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^ t ^ (t << 28)
}

/// Bit planes -> elements for one block of `n` elements (a multiple of 8): bit `k` of byte `j`
/// of element `e` is bit `e % 8` of byte `e / 8` of plane `8 j + k`.
fn untranspose(planes: &[u8], out: &mut [u8], n: usize, elem: usize) {
    let row = n / BLOCKED_MULT;
    for j in 0..elem {
        let rows = &planes[j * 8 * row..(j + 1) * 8 * row];
        for g in 0..row {
            let mut x = 0u64;
            for k in 0..8 {
                x |= u64::from(rows[k * row + g]) << (8 * k);
            }
            let x = transpose_8x8(x);
            for m in 0..8 {
                out[(8 * g + m) * elem + j] = (x >> (8 * m)) as u8;
            }
        }
    }
}

/// Elements -> bit planes, the inverse of [`untranspose`].
fn transpose(input: &[u8], planes: &mut [u8], n: usize, elem: usize) {
    let row = n / BLOCKED_MULT;
    for j in 0..elem {
        for g in 0..row {
            let mut x = 0u64;
            for m in 0..8 {
                x |= u64::from(input[(8 * g + m) * elem + j]) << (8 * m);
            }
            let x = transpose_8x8(x);
            for k in 0..8 {
                planes[(j * 8 + k) * row + g] = (x >> (8 * k)) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> Vec<u8> {
        (0..n as u32)
            .flat_map(|i| (i * 3 + i / 5).to_le_bytes())
            .collect()
    }

    #[test]
    fn bit_planes_match_the_definition() {
        // Element 0 = 1 and element 9 = 0x80 in 16 one-byte elements: plane 0 holds bit 0 of
        // elements 0..8 (byte 0 = 0b1), plane 7 byte 1 holds element 9's top bit (0b10).
        let mut input = vec![0u8; 16];
        input[0] = 1;
        input[9] = 0x80;
        let mut planes = vec![0u8; 16];
        transpose(&input, &mut planes, 16, 1);
        let mut want = vec![0u8; 16];
        want[0] = 1;
        want[7 * 2 + 1] = 0b10;
        assert_eq!(planes, want);
    }

    #[test]
    fn round_trips_every_mode_with_a_tail() {
        // 1003 elements: blocks of 64, a partial block and a 3-element unshuffled tail.
        let input = sample(1003);
        for compression in [NO_COMPRESSION, LZ4, ZSTD] {
            for block in [0, 64] {
                let params = [0, 4, 4, block, compression, 3];
                let packed = Bitshuffle::encode(&params, &input).unwrap();
                assert_eq!(
                    Bitshuffle::decode(&params, &packed).unwrap(),
                    input,
                    "{params:?}"
                );
            }
        }
    }

    #[test]
    fn bad_parameters_and_truncation_are_refused() {
        assert!(matches!(
            Bitshuffle::decode(&[0, 4, 0, 0, 2], &[]),
            Err(CodecError::Params(_))
        ));
        let input = sample(4096);
        let params = [0, 4, 4, 0, 2];
        let packed = Bitshuffle::encode(&params, &input).unwrap();
        assert!(Bitshuffle::decode(&params, &packed[..packed.len() / 2]).is_err());
    }
}
