//! The parallel chunk path: reads the raw chunks a selection touches (`H5Dread_chunk`, under
//! the library lock, at several GB/s) and decodes them on all cores with hdfscope's own
//! codecs, scattering each chunk's selected elements straight into the output.
//!
//! libhdf5 serialises all decoding in one thread; this path is taken only when it can give
//! the same bytes: a chunked dataset whose file type is the memory type, whose filters all
//! have native codecs, whose touched chunks all exist (unallocated chunks mean fill values,
//! which libhdf5 supplies) and which touches at least two chunks (one chunk gains nothing and
//! would bypass libhdf5's chunk cache). Everything else returns `Ok(false)` to read through
//! libhdf5. Must never write outside the output buffer or trust a chunk's decoded size.
#![allow(unsafe_code)]

use std::sync::Mutex;

use hdf5_sys::h5::{herr_t, hsize_t};
use hdf5_sys::h5d::{H5D_layout_t, H5Dget_create_plist, H5Dget_type, H5Dread_chunk};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5p::{H5P_DEFAULT, H5Pget_chunk, H5Pget_layout};
use hdf5_sys::h5t::H5Tequal;

use super::error::ReadError;
use super::ffi::{Hid, locked};
use super::filters;
use crate::model::{Filter, Hyperslab};

unsafe extern "C" {
    // Not bound by hdf5-metno-sys: the stored size of one chunk, 0 when it is not allocated.
    fn H5Dget_chunk_storage_size(
        dset: hid_t,
        offset: *const hsize_t,
        nbytes: *mut hsize_t,
    ) -> herr_t;
}

/// Decoding threads: all cores unless `HDFSCOPE_DECODE_THREADS` says how many; 0 turns the
/// path off (every read through libhdf5), for comparisons and for ruling the path out.
fn decode_threads() -> usize {
    std::env::var("HDFSCOPE_DECODE_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            // Asked once: the answer reads cgroup files, too slow for every window.
            static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
            *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
        })
}

/// At most this many failing chunks are named in an error.
const NAMED_FAILURES: usize = 4;

/// At most this many chunks are probed one by one to find the ones that fail.
const PROBED_CHUNKS: usize = 4096;

/// The largest chunk any read decodes. Reading one value decodes its whole chunk, so a
/// chunk declared (or inflating to) gigabytes is a memory and time bomb (reliability notes
/// §3.5-3.6); real files use chunks of kilobytes to a few megabytes.
pub const MAX_CHUNK_BYTES: u64 = 512 << 20;

/// Refuses to read a dataset of rank `rank` whose chunks decode to more than
/// [`MAX_CHUNK_BYTES`] each.
pub(crate) fn refuse_huge_chunks(dset: hid_t, rank: usize, path: &str) -> Result<(), ReadError> {
    use hdf5_sys::h5t::H5Tget_size;
    let Some((_, chunk)) = chunked(dset, rank) else {
        return Ok(());
    };
    // SAFETY: `dset` is an open dataset; the type id is closed on drop.
    let Ok(ftype) = Hid::from_call(|| unsafe { H5Dget_type(dset) }) else {
        return Ok(());
    };
    // SAFETY: a valid type id.
    let size = locked(|| unsafe { H5Tget_size(ftype.id()) }) as u64;
    let bytes = chunk.iter().fold(size, |acc, &d| acc.saturating_mul(d));
    if bytes > MAX_CHUNK_BYTES {
        return Err(ReadError::ChunkTooLarge {
            path: path.to_owned(),
            bytes,
            cap: MAX_CHUNK_BYTES,
        });
    }
    Ok(())
}

/// After a read of `sel` failed inside libhdf5: reads the selection chunk by chunk (in the
/// file's own type) and returns the chunk origins that fail and how many were probed, or
/// None when the dataset is not chunked or no single chunk fails on its own.
pub(crate) fn failing_chunks(dset: hid_t, sel: &Hyperslab) -> Option<(Vec<Vec<u64>>, usize)> {
    use hdf5_sys::h5d::{H5Dget_space, H5Dread};
    use hdf5_sys::h5s::{H5S_seloper_t, H5Screate_simple, H5Sselect_hyperslab};
    use hdf5_sys::h5t::H5Tget_size;

    let rank = sel.start.len();
    let (_, chunk) = chunked(dset, rank)?;
    // SAFETY: `dset` is an open dataset; ids are closed on drop.
    let ftype = Hid::from_call(|| unsafe { H5Dget_type(dset) }).ok()?;
    // SAFETY: a valid type id.
    let size = locked(|| unsafe { H5Tget_size(ftype.id()) });
    // SAFETY: as above.
    let space = Hid::from_call(|| unsafe { H5Dget_space(dset) }).ok()?;
    let touched = touched_chunks(sel, &chunk);
    let probed = touched.len().min(PROBED_CHUNKS);
    let stride: Vec<u64> = sel.stride.iter().map(|s| (*s).max(1)).collect();
    let failing: Vec<Vec<u64>> = touched[..probed]
        .iter()
        .filter(|t| {
            let start: Vec<u64> = (0..rank)
                .map(|a| sel.start[a] + t.ks[a].0 * stride[a])
                .collect();
            let count: Vec<u64> = t.ks.iter().map(|(k0, k1)| k1 - k0).collect();
            let mut buf = vec![0u8; count.iter().product::<u64>() as usize * size];
            // SAFETY: the hyperslab lies inside the selection, hence the extent; the memory
            // space describes `buf`, which holds its elements in the file's (fixed-size) type.
            let status = locked(|| unsafe {
                if H5Sselect_hyperslab(
                    space.id(),
                    H5S_seloper_t::H5S_SELECT_SET,
                    start.as_ptr(),
                    stride.as_ptr(),
                    count.as_ptr(),
                    std::ptr::null(),
                ) < 0
                {
                    return -1;
                }
                let mem = H5Screate_simple(rank as i32, count.as_ptr(), std::ptr::null());
                if mem < 0 {
                    return -1;
                }
                let status = H5Dread(
                    dset,
                    ftype.id(),
                    mem,
                    space.id(),
                    H5P_DEFAULT,
                    buf.as_mut_ptr().cast(),
                );
                hdf5_sys::h5s::H5Sclose(mem);
                status
            });
            status < 0
        })
        .map(|t| t.origin.clone())
        .collect();
    (!failing.is_empty()).then_some((failing, probed))
}

/// The error for a read whose chunks at `failing` (of `total`) could not be decoded.
pub(crate) fn failure(path: &str, failing: &[Vec<u64>], total: usize, cause: String) -> ReadError {
    let mut chunks: Vec<String> = failing
        .iter()
        .take(NAMED_FAILURES)
        .map(|origin| format!("{origin:?}"))
        .collect();
    if failing.len() > NAMED_FAILURES {
        chunks.push("...".to_owned());
    }
    ReadError::ChunksFailed {
        path: path.to_owned(),
        failed: failing.len(),
        total,
        chunks: chunks.join(", "),
        cause,
    }
}

/// One chunk the selection touches: its element offset and, per axis, the range of selection
/// indices inside it.
struct Touched {
    origin: Vec<u64>,
    ks: Vec<(u64, u64)>,
}

/// The stored bytes of one chunk and the filters it skipped.
struct Raw {
    bytes: Vec<u8>,
    mask: u32,
}

/// Reads `sel` of `dset` into `out` (row-major over `sel.count`, elements of `elem` bytes of
/// `mem_type`) through the parallel path; `Ok(false)` when the path does not apply and
/// nothing was read.
pub(crate) fn read(
    dset: hid_t,
    sel: &Hyperslab,
    mem_type: hid_t,
    elem: usize,
    out: &mut [u8],
    path: &str,
) -> Result<bool, ReadError> {
    read_in_batches(dset, sel, mem_type, (elem, out), path, BATCH_BYTES)
}

/// [`read`], holding at most `batch_bytes` of stored chunks at a time.
fn read_in_batches(
    dset: hid_t,
    sel: &Hyperslab,
    mem_type: hid_t,
    (elem, out): (usize, &mut [u8]),
    path: &str,
    batch_bytes: u64,
) -> Result<bool, ReadError> {
    let threads = decode_threads();
    if threads == 0 {
        return Ok(false);
    }
    let Some(plan) = plan(dset, sel, mem_type) else {
        return Ok(false);
    };
    let Some(sizes) = stored_sizes(dset, &plan.touched) else {
        return Ok(false);
    };
    // A batch's stored chunks are held until decoded: batches keep a selection over
    // thousands of chunks (an overview of a huge image) from holding them all at once.
    let mut failures = Vec::new();
    for range in batches(&sizes, batch_bytes) {
        let raws = read_raw(
            dset,
            &plan.touched[range.clone()],
            &sizes[range.clone()],
            path,
        )?;
        failures.extend(decode_all(
            &plan,
            &plan.touched[range],
            sel,
            raws,
            elem,
            out,
            threads,
        ));
    }
    failures.sort();
    if failures.is_empty() {
        return Ok(true);
    }
    let origins: Vec<Vec<u64>> = failures.iter().map(|(o, _)| o.clone()).collect();
    Err(failure(
        path,
        &origins,
        plan.touched.len(),
        failures[0].1.clone(),
    ))
}

struct Plan {
    filters: Vec<Filter>,
    chunk: Vec<u64>,
    touched: Vec<Touched>,
}

/// Whether the path applies, and the chunks it would read.
fn plan(dset: hid_t, sel: &Hyperslab, mem_type: hid_t) -> Option<Plan> {
    let (dcpl, chunk) = chunked(dset, sel.start.len())?;
    // SAFETY: `dset` is an open dataset; the type is closed on drop.
    let ftype = Hid::from_call(|| unsafe { H5Dget_type(dset) }).ok()?;
    // SAFETY: two valid type ids.
    if locked(|| unsafe { H5Tequal(ftype.id(), mem_type) }) <= 0 {
        return None;
    }
    let filters = super::meta::filters(dcpl.id());
    if filters.is_empty() || !filters.iter().all(|f| filters::native(f.id)) {
        return None;
    }
    let touched = touched_chunks(sel, &chunk);
    (touched.len() >= 2).then_some(Plan {
        filters,
        chunk,
        touched,
    })
}

/// The creation properties and chunk shape of a chunked dataset of rank `rank`, or None for
/// any other layout.
fn chunked(dset: hid_t, rank: usize) -> Option<(Hid, Vec<u64>)> {
    // SAFETY: `dset` is an open dataset; the property list is closed on drop.
    let dcpl = Hid::from_call(|| unsafe { H5Dget_create_plist(dset) }).ok()?;
    // SAFETY: as above.
    if rank == 0 || locked(|| unsafe { H5Pget_layout(dcpl.id()) }) != H5D_layout_t::H5D_CHUNKED {
        return None;
    }
    let mut chunk = vec![0 as hsize_t; rank];
    // SAFETY: `chunk` has room for `rank` dimensions.
    let n = locked(|| unsafe { H5Pget_chunk(dcpl.id(), rank as i32, chunk.as_mut_ptr()) });
    (n == rank as i32 && !chunk.contains(&0)).then_some((dcpl, chunk))
}

/// The chunks `sel` touches, with the selection indices inside each, per axis then crossed.
fn touched_chunks(sel: &Hyperslab, chunk: &[u64]) -> Vec<Touched> {
    let per_axis: Vec<Vec<(u64, (u64, u64))>> = (0..chunk.len())
        .map(|a| axis_chunks(sel.start[a], sel.stride[a].max(1), sel.count[a], chunk[a]))
        .collect();
    let mut out = vec![Touched {
        origin: Vec::new(),
        ks: Vec::new(),
    }];
    for axis in &per_axis {
        out = out
            .into_iter()
            .flat_map(|t| {
                axis.iter().map(move |&(origin, ks)| {
                    let mut next = Touched {
                        origin: t.origin.clone(),
                        ks: t.ks.clone(),
                    };
                    next.origin.push(origin);
                    next.ks.push(ks);
                    next
                })
            })
            .collect();
    }
    out
}

/// Along one axis: each touched chunk's origin and the selection indices `k` (element
/// `start + k * stride`) that fall in it.
fn axis_chunks(start: u64, stride: u64, count: u64, c: u64) -> Vec<(u64, (u64, u64))> {
    let mut out: Vec<(u64, (u64, u64))> = Vec::new();
    let mut k = 0;
    while k < count {
        let origin = (start + k * stride) / c * c;
        // The first index past this chunk: start + k' * stride >= origin + c.
        let end = (origin + c - start).div_ceil(stride).min(count);
        out.push((origin, (k, end)));
        k = end;
    }
    out
}

/// Stored bytes decoded per batch at most (a single larger chunk is a batch of its own).
const BATCH_BYTES: u64 = 64 << 20;

/// The stored size of every touched chunk, or None when one is not allocated (libhdf5 then
/// reads the selection, with fill values).
fn stored_sizes(dset: hid_t, touched: &[Touched]) -> Option<Vec<usize>> {
    touched
        .iter()
        .map(|t| stored_size(dset, &t.origin))
        .collect()
}

/// The stored size of the chunk at `origin` (capped at [`filters::MAX_CHUNK_BYTES`]), or
/// None when it is not allocated.
fn stored_size(dset: hid_t, origin: &[u64]) -> Option<usize> {
    let mut size: hsize_t = 0;
    // SAFETY: `origin` has the dataset's rank and is a chunk origin inside its extent.
    let status = locked(|| unsafe { H5Dget_chunk_storage_size(dset, origin.as_ptr(), &mut size) });
    (status >= 0 && size > 0).then(|| {
        usize::try_from(size)
            .unwrap_or(usize::MAX)
            .min(filters::MAX_CHUNK_BYTES)
    })
}

/// Consecutive ranges of chunks whose stored sizes add up to at most `limit` bytes each
/// (at least one chunk per range).
fn batches(sizes: &[usize], limit: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, &size) in sizes.iter().enumerate() {
        if i > start && bytes + size as u64 > limit {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size as u64;
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// The stored bytes of `touched`, whose stored sizes are `sizes`.
fn read_raw(
    dset: hid_t,
    touched: &[Touched],
    sizes: &[usize],
    path: &str,
) -> Result<Vec<Raw>, ReadError> {
    touched
        .iter()
        .zip(sizes)
        .map(|(t, &size)| read_stored(dset, &t.origin, size, path))
        .collect()
}

/// The stored bytes (still compressed) of the chunk at `origin`, `size` bytes at most.
fn read_stored(dset: hid_t, origin: &[u64], size: usize, path: &str) -> Result<Raw, ReadError> {
    let mut bytes = vec![0u8; size];
    let mut len = bytes.len();
    let mut mask = 0u32;
    // SAFETY: `bytes` holds `size` bytes, passed as the buffer's size; `origin` has the
    // dataset's rank.
    super::ffi::call(|| unsafe {
        H5Dread_chunk(
            dset,
            H5P_DEFAULT,
            origin.as_ptr(),
            &mut mask,
            bytes.as_mut_ptr().cast(),
            &mut len,
        )
    })
    .map_err(ReadError::at("reading a raw chunk of", path))?;
    bytes.truncate(len);
    Ok(Raw { bytes, mask })
}

/// The stored bytes of the chunk of `dset` at `origin` (element offsets, a chunk's corner),
/// or None when the chunk is not allocated.
pub(crate) fn stored_chunk(
    dset: hid_t,
    origin: &[u64],
    path: &str,
) -> Result<Option<Vec<u8>>, ReadError> {
    stored_size(dset, origin)
        .map(|size| read_stored(dset, origin, size, path).map(|raw| raw.bytes))
        .transpose()
}

/// The output buffer, written by several threads at disjoint elements.
struct Output {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: every chunk writes only the elements of the selection inside it, and the chunks
// partition the selection, so no two threads write the same byte.
unsafe impl Sync for Output {}

/// Decodes and scatters every chunk on all cores; returns the chunks that failed.
fn decode_all(
    plan: &Plan,
    touched: &[Touched],
    sel: &Hyperslab,
    raws: Vec<Raw>,
    elem: usize,
    out: &mut [u8],
    threads: usize,
) -> Vec<(Vec<u64>, String)> {
    let chunk_bytes = plan.chunk.iter().product::<u64>() as usize * elem;
    let output = Output {
        ptr: out.as_mut_ptr(),
        len: out.len(),
    };
    let failures = Mutex::new(Vec::new());
    let threads = threads.min(touched.len());
    // One queue of (chunk, stored bytes): each thread takes the next until it is empty.
    let queue = Mutex::new(touched.iter().zip(raws));
    let next = || queue.lock().ok().and_then(|mut q| q.next());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some((t, raw)) = next() {
                    match pipeline(&plan.filters, raw, chunk_bytes) {
                        Ok(bytes) => scatter(&bytes, t, sel, &plan.chunk, elem, &output),
                        Err(why) => {
                            if let Ok(mut f) = failures.lock() {
                                f.push((t.origin.clone(), why));
                            }
                        }
                    }
                }
            });
        }
    });
    failures.into_inner().unwrap_or_default()
}

/// Undoes the filters (last applied first), skipping those the chunk's mask says were not
/// applied; the result must be exactly one chunk.
fn pipeline(filters: &[Filter], raw: Raw, chunk_bytes: usize) -> Result<Vec<u8>, String> {
    let mut bytes = raw.bytes;
    for (i, f) in filters.iter().enumerate().rev() {
        if raw.mask & (1 << i) != 0 {
            continue;
        }
        bytes = match filters::decode(f.id, &f.params, &bytes, chunk_bytes) {
            Some(Ok(b)) => b,
            Some(Err(e)) => return Err(format!("{}: {e}", f.name)),
            None => return Err(format!("{}: no native codec", f.name)),
        };
    }
    if bytes.len() != chunk_bytes {
        return Err(format!(
            "decoded to {} bytes instead of the chunk's {chunk_bytes}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// Copies the selected elements of one decoded chunk into the output.
fn scatter(chunk: &[u8], t: &Touched, sel: &Hyperslab, dims: &[u64], elem: usize, out: &Output) {
    let rank = dims.len();
    // Row-major strides in elements, of the output (over sel.count) and of the chunk.
    let mut out_stride = vec![1u64; rank];
    let mut in_stride = vec![1u64; rank];
    for a in (0..rank.saturating_sub(1)).rev() {
        out_stride[a] = out_stride[a + 1] * sel.count[a + 1];
        in_stride[a] = in_stride[a + 1] * dims[a + 1];
    }
    let last = rank - 1;
    let (k0, k1) = t.ks[last];
    let run = (k1 - k0) as usize;
    let contiguous = sel.stride[last] <= 1;
    let mut k: Vec<u64> = t.ks.iter().map(|r| r.0).collect();
    loop {
        let out_at: u64 = (0..rank).map(|a| k[a] * out_stride[a]).sum();
        let in_at: u64 = (0..rank)
            .map(|a| (sel.start[a] + k[a] * sel.stride[a].max(1) - t.origin[a]) * in_stride[a])
            .sum();
        let (o, i) = (out_at as usize * elem, in_at as usize * elem);
        if contiguous {
            copy(chunk, i, run * elem, out, o);
        } else {
            let step = sel.stride[last] as usize * elem;
            for r in 0..run {
                copy(chunk, i + r * step, elem, out, o + r * elem);
            }
        }
        // Next index tuple over all axes but the last.
        let mut a = last;
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            k[a] += 1;
            if k[a] < t.ks[a].1 {
                break;
            }
            k[a] = t.ks[a].0;
        }
    }
}

/// Copies `len` bytes of the chunk at `from` to the output at `to`, bounds-checked on both.
fn copy(chunk: &[u8], from: usize, len: usize, out: &Output, to: usize) {
    let Some(src) = chunk.get(from..from + len) else {
        return;
    };
    if to + len > out.len {
        return;
    }
    // SAFETY: `to..to + len` lies inside the output (checked above), and no other thread
    // writes these bytes (see `Output`).
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), out.ptr.add(to), len) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdf5_sys::h5t::H5T_NATIVE_INT32;

    fn ints(bytes: &[u8]) -> Vec<i32> {
        bytes
            .chunks_exact(4)
            .map(|b| i32::from_ne_bytes(b.try_into().unwrap()))
            .collect()
    }

    /// A 100 x 90 int32 dataset, value = 1000 row + col, chunks 16 x 20, with `filter`.
    fn dataset(dir: &std::path::Path, filter: (i32, &[u32])) -> (hdf5::File, hdf5::Dataset) {
        super::super::filters::register().unwrap();
        let data = ndarray::Array2::from_shape_fn((100, 90), |(i, j)| (i * 1000 + j) as i32);
        let file = hdf5::File::create(dir.join("c.h5")).unwrap();
        let ds = file
            .new_dataset_builder()
            .with_data(&data)
            .chunk((16, 20))
            .shuffle()
            .add_filter(filter.0, filter.1)
            .create("d")
            .unwrap();
        (file, ds)
    }

    fn strided() -> Hyperslab {
        Hyperslab {
            start: vec![3, 5],
            stride: vec![7, 3],
            count: vec![13, 25],
            keep: vec![true, true],
        }
    }

    #[test]
    fn the_parallel_path_reads_strided_selections_exactly() {
        let dir = tempfile::tempdir().unwrap();
        for filter in [(1, &[3][..]), (32004, &[0]), (32008, &[0, 0, 4, 0, 2])] {
            let (_file, ds) = dataset(dir.path(), filter);
            let mut out = vec![0u8; 13 * 25 * 4];
            assert!(read(ds.id(), &strided(), *H5T_NATIVE_INT32, 4, &mut out, "/d").unwrap());
            let want: Vec<i32> = (0..13)
                .flat_map(|r| (0..25).map(move |c| (3 + 7 * r) * 1000 + 5 + 3 * c))
                .collect();
            assert_eq!(ints(&out), want, "{filter:?}");
            // One chunk per batch: the same values.
            let mut one = vec![0u8; out.len()];
            let sel = strided();
            let int = *H5T_NATIVE_INT32;
            assert!(read_in_batches(ds.id(), &sel, int, (4, &mut one), "/d", 1).unwrap());
            assert_eq!(one, out, "{filter:?}");
        }
    }

    #[test]
    fn a_stored_chunk_is_its_compressed_bytes_and_an_unwritten_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let (file, ds) = dataset(dir.path(), (1, &[3]));
        let stored = stored_chunk(ds.id(), &[16, 20], "/d").unwrap().unwrap();
        // One 16 x 20 chunk of int32, shuffled and deflated: far smaller, and it inflates to
        // the chunk.
        assert!(!stored.is_empty() && stored.len() < 16 * 20 * 4);
        let raw = Raw {
            bytes: stored,
            mask: 0,
        };
        let filters = super::super::meta::filters(chunked(ds.id(), 2).unwrap().0.id());
        assert_eq!(
            pipeline(&filters, raw, 16 * 20 * 4).unwrap().len(),
            16 * 20 * 4
        );
        let empty = file
            .new_dataset::<i32>()
            .shape((40, 40))
            .chunk((20, 20))
            .create("empty")
            .unwrap();
        assert_eq!(stored_chunk(empty.id(), &[20, 0], "/empty").unwrap(), None);
    }

    #[test]
    fn batches_hold_at_most_the_limit_and_one_chunk_at_least() {
        assert_eq!(batches(&[10, 10, 10, 100, 5], 25), [0..2, 2..3, 3..4, 4..5]);
        assert_eq!(batches(&[1, 2, 3], 64).len(), 1, "all in one batch");
        assert!(batches(&[], 64).is_empty());
    }

    #[test]
    fn the_path_steps_aside_for_one_chunk_and_foreign_filters() {
        let dir = tempfile::tempdir().unwrap();
        let (_file, ds) = dataset(dir.path(), (32000, &[]));
        let mut out = vec![0u8; 13 * 25 * 4];
        assert!(!read(ds.id(), &strided(), *H5T_NATIVE_INT32, 4, &mut out, "/d").unwrap());
        let dir = tempfile::tempdir().unwrap();
        let (_file, ds) = dataset(dir.path(), (1, &[3]));
        let one = Hyperslab {
            start: vec![16, 20],
            stride: vec![1, 1],
            count: vec![16, 20],
            keep: vec![true, true],
        };
        assert!(!read(ds.id(), &one, *H5T_NATIVE_INT32, 4, &mut out, "/d").unwrap());
    }

    #[test]
    fn a_corrupt_chunk_is_named_on_both_paths() {
        use hdf5_sys::h5d::H5Dwrite_chunk;
        let dir = tempfile::tempdir().unwrap();
        let (_file, ds) = dataset(dir.path(), (32004, &[0]));
        let garbage = [0xA5u8; 64];
        let origin = [16u64, 20];
        // SAFETY: a valid dataset, a chunk origin of its rank and a 64-byte buffer.
        let status = locked(|| unsafe {
            H5Dwrite_chunk(
                ds.id(),
                H5P_DEFAULT,
                0,
                origin.as_ptr(),
                64,
                garbage.as_ptr().cast(),
            )
        });
        assert!(status >= 0);
        let mut out = vec![0u8; 13 * 25 * 4];
        let err = read(ds.id(), &strided(), *H5T_NATIVE_INT32, 4, &mut out, "/d").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/d: 1 of the 24 chunks"), "{text}");
        assert!(text.contains("[16, 20]") && text.contains("lz4"), "{text}");
        // libhdf5's own pipeline (a one-chunk read) is probed chunk by chunk.
        let sel = Hyperslab {
            start: vec![16, 20],
            stride: vec![1, 1],
            count: vec![4, 4],
            keep: vec![true, true],
        };
        let (failing, probed) = failing_chunks(ds.id(), &sel).unwrap();
        assert_eq!((failing, probed), (vec![vec![16, 20]], 1));
    }

    #[test]
    fn axis_chunks_split_strided_selections() {
        // Elements 5, 8, 11, ..., 29 (count 9, stride 3) over chunks of 10.
        assert_eq!(
            axis_chunks(5, 3, 9, 10),
            vec![(0, (0, 2)), (10, (2, 5)), (20, (5, 9))]
        );
        // A stride larger than the chunk skips chunks entirely.
        assert_eq!(
            axis_chunks(0, 25, 3, 10),
            vec![(0, (0, 1)), (20, (1, 2)), (50, (2, 3))]
        );
        assert_eq!(axis_chunks(3, 1, 4, 10), vec![(0, (0, 4))]);
    }
}
