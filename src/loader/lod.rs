//! Level of detail for 1-D data: a min/max pyramid built while a line streams in, and the
//! queries a plot makes of it.
//!
//! Level 0 keeps the min and max of every `base` samples; each level above merges
//! [`FANOUT`] buckets, up to a handful of buckets for the whole line. A view of any x-range
//! is answered from the finest level with at most one bucket per pixel column, drawn as its
//! min and max (every spike survives: a bucket's extremes are real samples); closer than one
//! base bucket per column, the caller reads raw samples instead. Pure computation: no I/O, no egui.

use super::protocol::{Stats, WindowSummary};

/// Buckets merged per level. Two keeps every view between one and two points per column
/// (the levels above the base cost as much memory as the base).
pub const FANOUT: u64 = 2;
/// The smallest base bucket, in samples.
const MIN_BASE: u64 = 64;
/// Level 0 has at most this many buckets (16 MiB), whatever the length.
const MAX_BASE_BUCKETS: u64 = 1 << 20;
/// The top level has at most this many buckets.
const TOP_BUCKETS: u64 = 16;

/// Samples per streamed window when chunks are small: 2 MiB of `f64`.
const WINDOW: u64 = 1 << 18;
/// The most samples one window reads when a chunk is larger still.
const MAX_WINDOW: u64 = 1 << 22;

#[derive(Debug)]
struct Level {
    bucket: u64,
    min: Vec<f64>,
    max: Vec<f64>,
}

/// A min/max pyramid over a line of `len` samples.
#[derive(Debug)]
pub struct Lod {
    len: u64,
    levels: Vec<Level>,
    stats: Stats,
    merged: u64,
    complete: bool,
}

/// Points to draw: runs of `[x, y]` broken where there is no data.
pub type Segments = Vec<Vec<[f64; 2]>>;

impl Lod {
    pub fn new(len: u64) -> Self {
        let mut bucket = MIN_BASE.max(len.div_ceil(MAX_BASE_BUCKETS).next_power_of_two());
        let mut levels = Vec::new();
        loop {
            let n = len.div_ceil(bucket).max(1) as usize;
            levels.push(Level {
                bucket,
                min: vec![f64::INFINITY; n],
                max: vec![f64::NEG_INFINITY; n],
            });
            if n as u64 <= TOP_BUCKETS {
                break;
            }
            bucket *= FANOUT;
        }
        Self {
            len,
            levels,
            stats: Stats::default(),
            merged: 0,
            complete: false,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Samples per bucket at the finest level.
    pub fn base(&self) -> u64 {
        self.levels[0].bucket
    }

    /// Statistics of the samples merged so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Whether every sample has been merged (until then the pyramid is provisional).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// The share of samples merged, 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.len == 0 {
            1.0
        } else {
            self.merged as f64 / self.len as f64
        }
    }

    pub fn mark_complete(&mut self) {
        self.complete = true;
    }

    /// Memory held, in bytes.
    pub fn bytes(&self) -> u64 {
        self.levels.iter().map(|l| 16 * l.min.len() as u64).sum()
    }

    /// Merges one window's summary (made with this pyramid's [`Self::base`]) of `samples`
    /// samples, and updates the levels above over the range it touched.
    pub fn merge(&mut self, w: &WindowSummary, samples: u64) {
        let Some((base, upper)) = self.levels.split_first_mut() else {
            return;
        };
        let first = w.first_bucket as usize;
        let n = base.min.len();
        for (k, (&lo, &hi)) in w.min.iter().zip(&w.max).enumerate() {
            if let (Some(m), Some(x)) = (base.min.get_mut(first + k), base.max.get_mut(first + k)) {
                *m = m.min(lo);
                *x = x.max(hi);
            }
        }
        let (mut from, mut to) = (first.min(n), (first + w.min.len()).min(n));
        let mut below = &*base;
        for level in upper {
            from /= FANOUT as usize;
            to = to.div_ceil(FANOUT as usize);
            for p in from..to.min(level.min.len()) {
                let kids = p * FANOUT as usize..((p + 1) * FANOUT as usize).min(below.min.len());
                level.min[p] = below.min[kids.clone()]
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min);
                level.max[p] = below.max[kids]
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max);
            }
            below = level;
        }
        self.stats.merge(&w.stats);
        self.merged = (self.merged + samples).min(self.len);
    }

    /// The largest value among samples `a..b` (from the finest level that needs at most 64
    /// buckets for it, so a bucket straddling an end may add a little); `None` without data.
    pub fn max_over(&self, a: f64, b: f64) -> Option<f64> {
        let (a, b) = (a.max(0.0), b.min(self.len as f64));
        if b <= a {
            return None;
        }
        let level = self
            .levels
            .iter()
            .find(|l| (b - a) / l.bucket as f64 <= 64.0)
            .or(self.levels.last())?;
        let bucket = level.bucket as f64;
        let from = (a / bucket).floor() as usize;
        let to = ((b / bucket).ceil() as usize).min(level.max.len());
        let m = level.max[from.min(to)..to]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        m.is_finite().then_some(m)
    }

    /// What to draw for samples `x0..x1` on `columns` pixel columns: two points (min and max)
    /// per bucket of the finest level with at most one bucket per column. `None` when even
    /// level 0 has fewer buckets than columns: then raw samples show more.
    pub fn envelope(&self, x0: f64, x1: f64, columns: usize) -> Option<Segments> {
        let x0 = x0.max(0.0);
        let x1 = x1.min(self.len as f64);
        let columns = columns.max(1) as f64;
        if x1 <= x0 || (x1 - x0) / (self.base() as f64) < columns {
            return None;
        }
        let level = self
            .levels
            .iter()
            .find(|l| (x1 - x0) / l.bucket as f64 <= columns)
            .or(self.levels.last())?;
        let b = level.bucket as f64;
        let first = (x0 / b).floor() as usize;
        let last = ((x1 / b).ceil() as usize).min(level.min.len());
        let mut out: Segments = vec![Vec::new()];
        for i in first..last {
            let (lo, hi) = (level.min[i], level.max[i]);
            if lo > hi {
                if out.last().is_some_and(|s| !s.is_empty()) {
                    out.push(Vec::new());
                }
                continue;
            }
            let x = ((i as f64 + 0.5) * b).min(self.len as f64);
            // Alternate the order so consecutive buckets join at their nearer ends.
            let pair = if i % 2 == 0 { [lo, hi] } else { [hi, lo] };
            if let Some(s) = out.last_mut() {
                s.extend(pair.map(|y| [x, y]));
            }
        }
        out.retain(|s| !s.is_empty());
        Some(out)
    }
}

/// Maps sample index to axis value and back for a monotonic axis (a dimension scale or
/// coordinate variable), from the axis's own complete pyramid: in each base bucket of a
/// monotonic line the first and last samples are its extremes, so their exact values at
/// their exact indices are known. Between those knots values are interpolated linearly;
/// raw samples give exact values when zoomed in closer.
#[derive(Debug)]
pub struct AxisMap {
    /// `(index, value)` knots, strictly ordered by index, monotonic in value.
    knots: Vec<(f64, f64)>,
    /// Every 16th knot, every 64th, ... (each with the last): small tables for views where
    /// a pixel column covers many samples, so a frame's lookups stay in cache.
    coarse: Vec<Vec<(f64, f64)>>,
    increasing: bool,
}

/// Why a line cannot serve as an axis.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AxisError {
    #[error("it has not been read completely")]
    Incomplete,
    #[error("its values are neither increasing nor decreasing")]
    NotMonotonic,
    #[error("it holds NaN or no values")]
    NoValues,
}

impl AxisMap {
    pub fn new(lod: &Lod) -> Result<Self, AxisError> {
        // A sampled overview (a line too long to read whole) has gaps an axis cannot have.
        if !lod.is_complete() || lod.merged < lod.len {
            return Err(AxisError::Incomplete);
        }
        let base = &lod.levels[0];
        let b = base.bucket;
        if lod.stats.nan > 0 || lod.stats.count == 0 {
            return Err(AxisError::NoValues);
        }
        let (first, last) = (base.min.first(), base.max.last());
        // The direction: compare the first bucket's extremes with the last bucket's.
        let increasing = match (first, last, base.min.last(), base.max.first()) {
            (Some(&lo0), Some(&hi_n), Some(&lo_n), Some(&hi0)) => lo0 <= lo_n && hi0 <= hi_n,
            _ => return Err(AxisError::NoValues),
        };
        let mut knots = Vec::with_capacity(2 * base.min.len());
        for (i, (&lo, &hi)) in base.min.iter().zip(&base.max).enumerate() {
            let start = i as u64 * b;
            let end = ((i as u64 + 1) * b).min(lod.len) - 1;
            let (v0, v1) = if increasing { (lo, hi) } else { (hi, lo) };
            knots.push((start as f64, v0));
            if end > start {
                knots.push((end as f64, v1));
            }
        }
        let ordered = knots.windows(2).all(|w| {
            if increasing {
                w[0].1 <= w[1].1
            } else {
                w[0].1 >= w[1].1
            }
        });
        if !ordered {
            return Err(AxisError::NotMonotonic);
        }
        let mut coarse = Vec::new();
        let mut stride = 16;
        while knots.len() / stride >= 2 {
            let mut table: Vec<(f64, f64)> = knots.iter().step_by(stride).copied().collect();
            if let Some(&last) = knots.last().filter(|l| table.last() != Some(l)) {
                table.push(last);
            }
            coarse.push(table);
            stride *= 4;
        }
        Ok(Self {
            knots,
            coarse,
            increasing,
        })
    }

    /// The axis value at a (fractional) sample index.
    pub fn value(&self, index: f64) -> f64 {
        let k = self.knots.partition_point(|&(i, _)| i <= index);
        interpolate(&self.knots, k, index, |(i, v)| (i, v))
    }

    /// The axis values at many sample indices, to within `detail` samples (what one pixel
    /// column covers; 0 for exact knots): from the coarsest knot table that fine, and
    /// cheaply when the indices ascend (the points of a line do), each search galloping on
    /// from where the last one ended. A frame thus never pays a binary search over millions
    /// of knots per point.
    pub fn values(&self, indices: impl Iterator<Item = f64>, detail: f64) -> Vec<f64> {
        let spacing = |t: &[(f64, f64)]| match (t.first(), t.last()) {
            (Some(a), Some(b)) if t.len() > 1 => (b.0 - a.0) / (t.len() - 1) as f64,
            _ => f64::INFINITY,
        };
        let knots = (self.coarse.iter().rev())
            .find(|t| spacing(t) <= detail / 2.0)
            .unwrap_or(&self.knots);
        let n = knots.len();
        // Every knot before `k` is at or before the last index.
        let mut k = 0;
        let mut out = Vec::with_capacity(indices.size_hint().0);
        for index in indices {
            if k > 0 && knots[k - 1].0 > index {
                // Out of order: start over.
                k = 0;
            }
            let (mut lo, mut probe, mut step) = (k, k, 1);
            while probe < n && knots[probe].0 <= index {
                lo = probe + 1;
                probe = k + step;
                step *= 2;
            }
            let hi = probe.min(n).max(lo);
            k = lo + knots[lo..hi].partition_point(|&(i, _)| i <= index);
            out.push(interpolate(knots, k, index, |(i, v)| (i, v)));
        }
        out
    }

    /// The (fractional) sample index of an axis value.
    pub fn index(&self, value: f64) -> f64 {
        let k = self.knots.partition_point(|&(_, v)| {
            if self.increasing {
                v <= value
            } else {
                v >= value
            }
        });
        interpolate(&self.knots, k, value, |(i, v)| (v, i))
    }
}

/// Linear interpolation between knots `k-1` and `k` (clamped at the ends), with `pick`
/// choosing which coordinate is the input and which the output.
fn interpolate(
    knots: &[(f64, f64)],
    k: usize,
    at: f64,
    pick: impl Fn((f64, f64)) -> (f64, f64),
) -> f64 {
    let Some(&last) = knots.last() else {
        return at;
    };
    if k == 0 {
        return pick(knots[0]).1;
    }
    if k >= knots.len() {
        return pick(last).1;
    }
    let (a_in, a_out) = pick(knots[k - 1]);
    let (b_in, b_out) = pick(knots[k]);
    if b_in == a_in {
        return a_out;
    }
    a_out + (b_out - a_out) * (at - a_in) / (b_in - a_in)
}

/// What to draw for samples `x0..x1` from raw `samples` starting at index `start`: the
/// samples themselves when there are at most two per column, else min and max per column.
/// NaN breaks the line.
pub fn decimate(start: u64, samples: &[f64], x0: f64, x1: f64, columns: usize) -> Segments {
    let lo = ((x0.floor() - start as f64).max(0.0) as usize).min(samples.len());
    let hi = ((x1.ceil() - start as f64 + 1.0).max(0.0) as usize).min(samples.len());
    let visible = &samples[lo..hi.max(lo)];
    let columns = columns.max(1);
    let mut out: Segments = vec![Vec::new()];
    let mut push = |x: f64, y: f64| {
        if y.is_nan() {
            if out.last().is_some_and(|s| !s.is_empty()) {
                out.push(Vec::new());
            }
        } else if let Some(s) = out.last_mut() {
            s.push([x, y]);
        }
    };
    if visible.len() <= 2 * columns {
        for (i, &y) in visible.iter().enumerate() {
            push((start + (lo + i) as u64) as f64, y);
        }
    } else {
        let per = visible.len().div_ceil(columns);
        for (c, part) in visible.chunks(per).enumerate() {
            let x = (start + (lo + c * per) as u64) as f64 + part.len() as f64 / 2.0;
            let s = part_stats(part);
            if s.count == 0 {
                push(x, f64::NAN);
            } else {
                push(x, s.min);
                push(x, s.max);
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Statistics of one bucket, in four independent lanes so the compiler vectorises the loop
/// (the worker's hottest code after decompression, and per frame when zoomed in).
pub fn part_stats(part: &[f64]) -> Stats {
    const LANES: usize = 4;
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let mut sum = [0.0; LANES];
    let mut nan = [0u64; LANES];
    let mut chunks = part.chunks_exact(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            let x = c[k];
            let is_nan = x.is_nan();
            // `min`/`max` return the other operand for NaN, so NaN never wins.
            lo[k] = lo[k].min(x);
            hi[k] = hi[k].max(x);
            sum[k] += if is_nan { 0.0 } else { x };
            nan[k] += u64::from(is_nan);
        }
    }
    let mut s = Stats::default();
    for &x in chunks.remainder() {
        s.add(x);
    }
    let nan: u64 = nan.iter().sum();
    s.merge(&Stats {
        count: (part.len() - chunks.remainder().len()) as u64 - nan,
        nan,
        min: lo.into_iter().fold(f64::INFINITY, f64::min),
        max: hi.into_iter().fold(f64::NEG_INFINITY, f64::max),
        sum: sum.iter().sum(),
    });
    s
}

/// The samples one streamed window reads: whole chunks along the line, about [`WINDOW`]
/// samples, never more than [`MAX_WINDOW`].
pub fn window_len(chunk: Option<u64>) -> u64 {
    match chunk {
        Some(c) if c >= WINDOW => c.min(MAX_WINDOW),
        Some(c) if c > 0 => c * (WINDOW / c),
        _ => WINDOW,
    }
}

/// Window `i` of a line of `len` samples: `(start, count)`.
pub fn window(i: u64, len: u64, window: u64) -> (u64, u64) {
    let start = i * window;
    (start, window.min(len.saturating_sub(start)))
}

/// Indices `0..n` in an order that spreads over the range (bit-reversed), so the first few
/// windows read already sketch the whole line. Lazy: a line may declare billions of windows.
#[derive(Clone, Debug)]
pub struct SpreadOrder {
    n: u64,
    bits: u32,
    /// The next position in `0..2^bits`, reversed to give an index.
    next: u64,
}

impl SpreadOrder {
    pub fn new(n: u64) -> Self {
        Self {
            n,
            bits: n.next_power_of_two().trailing_zeros(),
            next: 0,
        }
    }
}

impl Iterator for SpreadOrder {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.bits == 0 {
            // n is 0 or 1.
            let i = self.next;
            self.next += 1;
            return (i < self.n).then_some(i);
        }
        // Half the positions at most are past `n`, so this loop is short.
        while self.next < 1u64 << self.bits {
            let j = self.next.reverse_bits() >> (64 - self.bits);
            self.next += 1;
            if j < self.n {
                return Some(j);
            }
        }
        None
    }
}

/// The most samples an overview reads. Beyond that (a line of billions of samples, or one a
/// hostile file declares at 10^15) the overview reads this many, spread evenly over the
/// line, and says which share it stands for; zoomed-in views still read exact samples.
pub const MAX_OVERVIEW_SAMPLES: u64 = 1 << 31;

/// How many windows of `window` samples an overview of a line of `len` reads.
pub fn overview_windows(len: u64, window: u64) -> u64 {
    let window = window.max(1);
    len.div_ceil(window)
        .min(MAX_OVERVIEW_SAMPLES.div_ceil(window))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::server::summarise;

    /// A pyramid over `v`, merged in windows of `w` samples in spread order.
    fn build(v: &[f64], w: u64) -> Lod {
        let mut lod = Lod::new(v.len() as u64);
        let n = (v.len() as u64).div_ceil(w);
        for i in SpreadOrder::new(n) {
            let (s, c) = window(i, v.len() as u64, w);
            let part = &v[s as usize..(s + c) as usize];
            lod.merge(&summarise(part, s, lod.base()), c);
        }
        lod.mark_complete();
        lod
    }

    #[test]
    fn every_spike_survives_at_every_zoom() {
        let mut v: Vec<f64> = (0..1_000_000).map(|i| (i as f64 * 1e-3).sin()).collect();
        v[123_457] = 50.0;
        v[876_543] = -70.0;
        // Windows that do not line up with buckets (1000 is not a multiple of 64).
        let lod = build(&v, 1000);
        assert_eq!(lod.fraction(), 1.0);
        assert_eq!(lod.stats().max, 50.0);
        assert_eq!(lod.stats().count, 1_000_000);
        for (x0, x1, cols) in [(0.0, 1e6, 800), (100_000.0, 200_000.0, 300), (0.0, 1e6, 37)] {
            let seg = lod.envelope(x0, x1, cols).unwrap();
            let pts: Vec<[f64; 2]> = seg.concat();
            assert!(
                pts.len() <= 2 * cols + 4,
                "{} points for {cols} columns",
                pts.len()
            );
            let max = pts.iter().map(|p| p[1]).fold(f64::MIN, f64::max);
            let min = pts.iter().map(|p| p[1]).fold(f64::MAX, f64::min);
            let want_max = v[x0 as usize..x1 as usize]
                .iter()
                .copied()
                .fold(f64::MIN, f64::max);
            let want_min = v[x0 as usize..x1 as usize]
                .iter()
                .copied()
                .fold(f64::MAX, f64::min);
            assert_eq!((min, max), (want_min, want_max), "range {x0}..{x1}");
        }
        // Close in: fewer buckets than columns, so raw samples are needed.
        assert!(lod.envelope(500.0, 5000.0, 800).is_none());
    }

    #[test]
    fn the_largest_value_over_a_range() {
        let v: Vec<f64> = (0..10_000)
            .map(|i| if i == 7000 { 5.0 } else { 1.0 })
            .collect();
        let lod = build(&v, 1000);
        assert_eq!(lod.max_over(0.0, 10_000.0), Some(5.0));
        assert_eq!(lod.max_over(0.0, 5000.0), Some(1.0));
        assert_eq!(lod.max_over(6990.0, 7010.0), Some(5.0));
        assert_eq!(lod.max_over(20_000.0, 30_000.0), None);
    }

    #[test]
    fn unread_buckets_break_the_line() {
        let mut lod = Lod::new(100_000);
        let v = vec![1.0; 1000];
        lod.merge(&summarise(&v, 0, lod.base()), 1000);
        lod.merge(&summarise(&v, 50_000, lod.base()), 1000);
        let seg = lod.envelope(0.0, 100_000.0, 200).unwrap();
        assert_eq!(seg.len(), 2, "two islands of data");
        assert!(!lod.is_complete());
        assert!((lod.fraction() - 0.02).abs() < 1e-9);
    }

    #[test]
    fn raw_samples_are_decimated_per_column() {
        let v: Vec<f64> = (0..10_000)
            .map(|i| if i == 5000 { 9.0 } else { 0.0 })
            .collect();
        let seg = decimate(1000, &v, 1000.0, 11_000.0, 100);
        let pts = seg.concat();
        assert!(pts.len() <= 200);
        assert!(pts.iter().any(|p| p[1] == 9.0), "the spike is kept");
        let few = decimate(1000, &v, 5990.0, 6010.0, 100);
        assert_eq!(few[0][0], [5990.0, 0.0]);
        assert_eq!(few[0][10], [6000.0, 9.0]);
        let gap = decimate(0, &[1.0, f64::NAN, 2.0], 0.0, 3.0, 10);
        assert_eq!(gap, vec![vec![[0.0, 1.0]], vec![[2.0, 2.0]]]);
    }

    #[test]
    fn windows_are_chunk_aligned_and_spread() {
        assert_eq!(window_len(Some(65_536)), 262_144);
        assert_eq!(window_len(Some(100_000)), 200_000);
        assert_eq!(window_len(Some(1 << 30)), 1 << 22);
        assert_eq!(window_len(None), 262_144);
        assert_eq!(window(3, 1000, 300), (900, 100));
        assert_eq!(SpreadOrder::new(5).collect::<Vec<_>>(), [0, 4, 2, 1, 3]);
        let mut all: Vec<u64> = SpreadOrder::new(1000).collect();
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        assert_eq!(SpreadOrder::new(1).collect::<Vec<_>>(), [0]);
        assert_eq!(SpreadOrder::new(0).count(), 0);
    }

    /// A line of 10^15 declared samples: the order starts at once (nothing is listed
    /// ahead), its first windows spread over the whole line, and the overview reads a
    /// bounded sample of it.
    #[test]
    fn a_huge_line_is_overviewed_from_a_bounded_spread_sample() {
        let windows = 10u64.pow(15).div_ceil(1 << 20);
        let first: Vec<u64> = SpreadOrder::new(windows).take(4).collect();
        assert_eq!(first[0], 0);
        assert!(first[1] > windows / 3 && first[1] < windows, "{first:?}");
        assert_eq!(overview_windows(10u64.pow(15), 1 << 20), 2048);
        assert_eq!(overview_windows(100_000, 1 << 18), 1);
        assert_eq!(overview_windows(1_000_000_000, 1 << 18), 3815);
    }

    #[test]
    fn axis_maps_are_exact_at_knots_and_invert() {
        // A non-uniform increasing axis (quadratic), in windows that straddle buckets.
        let v: Vec<f64> = (0..100_000).map(|i| (i as f64 / 1000.0).powi(2)).collect();
        let map = AxisMap::new(&build(&v, 1000)).unwrap();
        for i in [0usize, 63, 64, 12_345, 99_999] {
            let x = map.value(i as f64);
            assert!(
                (x - v[i]).abs() <= 1e-3 * v[i].max(1.0),
                "{i}: {x} vs {}",
                v[i]
            );
            assert!((map.index(v[i]) - i as f64).abs() < 1.0, "{i}");
        }
        // Many at once, ascending or not, agree with one at a time.
        let at = [0.0, 0.5, 63.0, 64.5, 5000.0, 5001.0, 99_999.0, 12.0, 1e9];
        let one_by_one: Vec<f64> = at.iter().map(|&i| map.value(i)).collect();
        assert_eq!(map.values(at.into_iter(), 0.0), one_by_one);
        // Coarse detail: off by less than the axis moves within half that many samples.
        let coarse = map.values(at.into_iter(), 5000.0);
        for (c, i) in coarse.iter().zip(at) {
            let (lo, hi) = (map.value(i - 2500.0), map.value(i + 2500.0));
            assert!((lo..=hi).contains(c), "{i}: {c} outside {lo}..{hi}");
        }
        // Out of range clamps to the ends.
        assert_eq!(map.value(-5.0), 0.0);
        assert_eq!(map.index(1e12), 99_999.0);

        // Decreasing axes work the same way.
        let down: Vec<f64> = (0..5000).map(|i| 100.0 - i as f64 * 0.5).collect();
        let map = AxisMap::new(&build(&down, 300)).unwrap();
        assert_eq!(map.value(10.0), 95.0);
        assert!((map.index(50.0) - 100.0).abs() < 1e-9);

        // Not monotonic, or not read yet: refused.
        let wave: Vec<f64> = (0..5000).map(|i| (i as f64 * 0.01).sin()).collect();
        assert_eq!(
            AxisMap::new(&build(&wave, 300)).unwrap_err(),
            AxisError::NotMonotonic
        );
        assert_eq!(
            AxisMap::new(&Lod::new(10)).unwrap_err(),
            AxisError::Incomplete
        );
    }

    #[test]
    fn a_billion_samples_cost_a_few_megabytes() {
        let lod = Lod::new(1_000_000_000);
        assert!(lod.bytes() < 40 << 20, "{} bytes", lod.bytes());
        assert!(lod.base() >= 512);
    }

    #[test]
    fn lanes_agree_with_one_sample_at_a_time() {
        let v: Vec<f64> = (0..1003)
            .map(|i| match i % 97 {
                5 => f64::NAN,
                7 => -1e9,
                _ => (f64::from(i) * 0.37).sin() * f64::from(i),
            })
            .collect();
        let mut want = Stats::default();
        v.iter().for_each(|&x| want.add(x));
        let got = part_stats(&v);
        assert_eq!(
            (got.count, got.nan, got.min, got.max),
            (want.count, want.nan, want.min, want.max)
        );
        assert!((got.sum - want.sum).abs() < 1e-6 * want.sum.abs().max(1.0));
        assert_eq!(part_stats(&[f64::NAN; 8]).min, f64::INFINITY);
    }
}
