//! The machine's limits, measured in the same run as everything they anchor (machines are
//! noisy; ratios measured back to back are not): memcpy, and one core's inflate and LZ4
//! decode rates on the suite's own stored chunk bytes (read raw by the reader, so exactly
//! what the readers decode). Reads the suite's data; writes nothing.

use std::path::Path;
use std::time::Instant;

use hdfscope::reader::H5File;

use crate::data::{self, Layout, MATRIX, Sizes};
use crate::report::{Figure, Row, Section};
use crate::stats::best_of;

/// MB/s of each anchor; `None` where it could not be measured (said in the section).
#[derive(Clone, Copy, Debug, Default)]
pub struct Calibration {
    pub memcpy: Option<f64>,
    pub inflate: Option<f64>,
    pub lz4: Option<f64>,
}

/// Bytes of stored chunks decoded per anchor: enough for a stable rate, bounded in memory.
const SAMPLE_BYTES: usize = 64 << 20;

pub fn measure(sizes: &Sizes) -> anyhow::Result<(Calibration, Section)> {
    let mut sec = Section::new(
        "Calibration (this machine, this run)",
        "The anchors the other sections' ratios use: memcpy of a 256 MB buffer, and one core \
         decoding the suite's own stored chunks (libdeflate inflate of the waveform's gzip \
         chunks, lz4_flex of the LZ4 dataset's), MB/s of decoded bytes, best of 3.",
    );
    let memcpy = memcpy_rate()?;
    sec.rows.push(Row::new("memcpy", Figure::Rate(memcpy)));
    let wave = data::waveform(sizes.waveform)?;
    let inflate = decode_rate(&wave, "signal", |chunk, out| {
        libdeflater::Decompressor::new()
            .zlib_decompress(chunk, out)
            .map_err(|e| anyhow::anyhow!("inflate: {e}"))
    })?;
    sec.rows.push(Row::new(
        "1-core inflate (libdeflate), waveform chunks",
        Figure::Rate(inflate),
    ));
    let lz4_layout: &Layout = MATRIX
        .iter()
        .find(|l| matches!(l.codec, data::Codec::Filter(data::LZ4, _)))
        .ok_or_else(|| anyhow::anyhow!("the matrix has no LZ4 layout"))?;
    let matrix = data::matrix(sizes.matrix)?;
    let lz4 = decode_rate(&matrix, lz4_layout.dataset, lz4_chunk)?;
    sec.rows.push(Row::new(
        "1-core LZ4 decode (lz4_flex), LZ4 chunks",
        Figure::Rate(lz4),
    ));
    Ok((
        Calibration {
            memcpy: Some(memcpy),
            inflate: Some(inflate),
            lz4: Some(lz4),
        },
        sec,
    ))
}

fn memcpy_rate() -> anyhow::Result<f64> {
    let src = vec![1u8; 256 << 20];
    let mut dst = vec![0u8; src.len()];
    let seconds = best_of(3, || {
        let t = Instant::now();
        dst.copy_from_slice(&src);
        std::hint::black_box(&mut dst);
        Ok(t.elapsed().as_secs_f64())
    })?;
    Ok(src.len() as f64 / seconds / 1e6)
}

/// One core's decode rate (MB/s out) of up to `SAMPLE_BYTES` of a 1-D dataset's stored
/// chunks, each decoded by `decode` into a buffer of the chunk's size.
fn decode_rate(
    path: &Path,
    name: &str,
    decode: impl Fn(&[u8], &mut [u8]) -> anyhow::Result<usize>,
) -> anyhow::Result<f64> {
    let (chunk, chunk_bytes, len) = {
        let ds = hdf5::File::open(path)?.dataset(name)?;
        let chunk = ds
            .chunk()
            .and_then(|c| c.first().copied())
            .ok_or_else(|| anyhow::anyhow!("{name} is not chunked"))?;
        (chunk, chunk * ds.dtype()?.size(), ds.size())
    };
    let count = (SAMPLE_BYTES / chunk_bytes).clamp(1, len.div_ceil(chunk));
    let file = H5File::open(path)?;
    let raw: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            file.stored_chunk(name, &[(i * chunk) as u64])?
                .ok_or_else(|| anyhow::anyhow!("chunk {i} of {name} is not stored"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut out = vec![0u8; chunk_bytes];
    let mut bytes = 0;
    let seconds = best_of(3, || {
        let t = Instant::now();
        bytes = 0;
        for c in &raw {
            bytes += decode(c, &mut out)?;
        }
        std::hint::black_box(&mut out);
        Ok(t.elapsed().as_secs_f64())
    })?;
    Ok(bytes as f64 / seconds / 1e6)
}

/// Decodes one chunk of HDF5's LZ4 filter (32004): an 8-byte original size and a 4-byte
/// block size (big-endian), then blocks of a 4-byte stored size and LZ4 data (stored as is
/// when it did not shrink).
fn lz4_chunk(chunk: &[u8], out: &mut [u8]) -> anyhow::Result<usize> {
    let be = |b: &[u8]| -> anyhow::Result<usize> {
        Ok(match b.len() {
            8 => usize::try_from(u64::from_be_bytes(b.try_into()?))?,
            _ => u32::from_be_bytes(b.try_into()?) as usize,
        })
    };
    let total = be(chunk
        .get(..8)
        .ok_or_else(|| anyhow::anyhow!("short LZ4 chunk"))?)?;
    let block = be(chunk
        .get(8..12)
        .ok_or_else(|| anyhow::anyhow!("short LZ4 chunk"))?)?
    .max(1);
    anyhow::ensure!(
        total <= out.len(),
        "LZ4 chunk larger than its dataset's chunk"
    );
    let (mut at, mut done) = (12, 0);
    while done < total {
        let want = block.min(total - done);
        let stored = be(chunk
            .get(at..at + 4)
            .ok_or_else(|| anyhow::anyhow!("short LZ4 chunk"))?)?;
        let src = chunk
            .get(at + 4..at + 4 + stored)
            .ok_or_else(|| anyhow::anyhow!("short LZ4 chunk"))?;
        let dst = &mut out[done..done + want];
        if stored == want {
            dst.copy_from_slice(src);
        } else {
            lz4_flex::block::decompress_into(src, dst)?;
        }
        at += 4 + stored;
        done += want;
    }
    Ok(total)
}
