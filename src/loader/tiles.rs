//! Image tiles: the grid a plane is cut into at each level of detail, what one tile read
//! brings back, and the statistics (with a histogram) that contrast settings come from.
//!
//! A level is a power-of-two `step`: its tiles are [`TILE`] x [`TILE`] elements of the plane
//! read every `step` elements, so no texture is ever larger than [`TILE`] on a side, and a
//! zoomed-out view reads about one element per screen pixel. Pure; never does I/O.

use serde::{Deserialize, Serialize};

use super::protocol::Samples;
use crate::model::Patch;

/// The side of a tile, in elements of its level (well under every GPU's texture limit).
pub const TILE: u64 = 1024;

/// Bins of the histogram kept with each tile.
pub const BINS: usize = 1024;

/// One tile of a plane: the tile at (`row`, `col`) of the grid of level `step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tile {
    pub step: u64,
    pub row: u64,
    pub col: u64,
}

impl Tile {
    /// The elements of a `height` x `width` plane this tile covers; `None` past its edge.
    pub fn patch(&self, height: u64, width: u64) -> Option<Patch> {
        let step = self.step.max(1);
        let span = TILE.checked_mul(step)?;
        let row = self.row.checked_mul(span)?;
        let col = self.col.checked_mul(span)?;
        (row < height && col < width).then(|| Patch {
            row,
            col,
            rows: (height - row).div_ceil(step).min(TILE),
            cols: (width - col).div_ceil(step).min(TILE),
            step,
        })
    }

    /// The smallest power-of-two step at which a `height` x `width` plane is one tile.
    pub fn overview_step(height: u64, width: u64) -> u64 {
        let longest = height.max(width).max(1);
        longest.div_ceil(TILE).next_power_of_two()
    }

    /// The tiles of level `step` that meet rows `rows` and columns `cols` (half-open, in
    /// plane elements) of a `height` x `width` plane, nearest the middle first.
    pub fn covering(
        step: u64,
        rows: (f64, f64),
        cols: (f64, f64),
        height: u64,
        width: u64,
    ) -> Vec<Self> {
        let span = (TILE * step.max(1)) as f64;
        let range = |(lo, hi): (f64, f64), size: u64| {
            let (lo, hi) = (lo.max(0.0), hi.min(size as f64));
            if hi <= lo {
                return 0..0;
            }
            (lo / span).floor() as u64..(hi / span).ceil() as u64
        };
        let (rr, cc) = (range(rows, height), range(cols, width));
        let middle = (
            (rr.start + rr.end) as f64 / 2.0,
            (cc.start + cc.end) as f64 / 2.0,
        );
        let mut tiles: Vec<Self> = rr
            .flat_map(|row| cc.clone().map(move |col| Self { step, row, col }))
            .collect();
        tiles.sort_by(|a, b| {
            let d = |t: &Self| {
                (t.row as f64 + 0.5 - middle.0).powi(2) + (t.col as f64 + 0.5 - middle.1).powi(2)
            };
            d(a).total_cmp(&d(b))
        });
        tiles
    }
}

/// What one tile read brings back: `rows` x `cols` pixels of `channels` numbers each, row
/// by row, and their statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TileData {
    pub rows: u32,
    pub cols: u32,
    pub channels: u32,
    pub values: Samples,
    pub stats: ImageStats,
}

/// A tile as the UI draws it: `rows` x `cols` pixels of `channels` numbers, row by row.
#[derive(Debug)]
pub struct TileImage {
    pub rows: usize,
    pub cols: usize,
    pub channels: usize,
    pub values: Vec<f64>,
    pub stats: ImageStats,
}

impl TileImage {
    /// The numbers of pixel (`row`, `col`), one per channel.
    pub fn pixel(&self, row: usize, col: usize) -> Option<&[f64]> {
        let at = (row.checked_mul(self.cols)?.checked_add(col)?).checked_mul(self.channels)?;
        (row < self.rows && col < self.cols)
            .then(|| self.values.get(at..at + self.channels))
            .flatten()
    }

    pub fn bytes(&self) -> u64 {
        8 * self.values.len() as u64 + 8 * self.stats.histogram.len() as u64
    }
}

impl From<TileData> for TileImage {
    fn from(d: TileData) -> Self {
        Self {
            rows: d.rows as usize,
            cols: d.cols as usize,
            channels: (d.channels as usize).max(1),
            values: d.values.to_f64(),
            stats: d.stats,
        }
    }
}

/// Statistics of an image's numbers (all channels together), with a histogram over
/// `min..=max`: enough for every contrast setting without the numbers themselves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageStats {
    /// Finite numbers counted.
    pub count: u64,
    /// NaN or infinite numbers (missing values were made NaN before).
    pub nan: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub std: f64,
    pub histogram: Vec<u64>,
}

impl ImageStats {
    pub fn of(values: &[f64]) -> Self {
        let (mut count, mut min, mut max, mut sum) = (0u64, f64::INFINITY, f64::NEG_INFINITY, 0.0);
        for &v in values.iter().filter(|v| v.is_finite()) {
            count += 1;
            min = min.min(v);
            max = max.max(v);
            sum += v;
        }
        let nan = values.len() as u64 - count;
        if count == 0 {
            return Self {
                count,
                nan,
                min: f64::NAN,
                max: f64::NAN,
                mean: f64::NAN,
                std: f64::NAN,
                histogram: Vec::new(),
            };
        }
        let mean = sum / count as f64;
        let mut histogram = vec![0u64; BINS];
        let width = max - min;
        let mut squares = 0.0;
        for &v in values.iter().filter(|v| v.is_finite()) {
            squares += (v - mean) * (v - mean);
            let bin = if width > 0.0 {
                (((v - min) / width) * BINS as f64) as usize
            } else {
                0
            };
            histogram[bin.min(BINS - 1)] += 1;
        }
        Self {
            count,
            nan,
            min,
            max,
            mean,
            std: (squares / count as f64).sqrt(),
            histogram,
        }
    }

    /// The value below which `fraction` (0..=1) of the finite numbers lie, interpolated
    /// within a histogram bin; `None` with no finite number.
    pub fn quantile(&self, fraction: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let target = fraction.clamp(0.0, 1.0) * self.count as f64;
        let width = (self.max - self.min) / self.histogram.len().max(1) as f64;
        let mut below = 0.0;
        for (i, &n) in self.histogram.iter().enumerate() {
            let n = n as f64;
            if below + n >= target && n > 0.0 {
                let within = (target - below) / n;
                return Some((self.min + (i as f64 + within) * width).clamp(self.min, self.max));
            }
            below += n;
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_plane_without_overlap() {
        let (h, w) = (2500, 1100);
        assert_eq!(Tile::overview_step(h, w), 4);
        let p = Tile::overview_step(h, w);
        let whole = Tile {
            step: p,
            row: 0,
            col: 0,
        }
        .patch(h, w)
        .unwrap();
        assert_eq!((whole.rows, whole.cols), (625, 275));
        let tiles = Tile::covering(1, (0.0, h as f64), (0.0, w as f64), h, w);
        assert_eq!(tiles.len(), 6);
        let area: u64 = tiles
            .iter()
            .map(|t| t.patch(h, w).unwrap().elements())
            .sum();
        assert_eq!(area, h * w);
        // Nearest the middle first.
        assert_eq!((tiles[0].row, tiles[0].col), (1, 0));
        assert!(
            Tile {
                step: 1,
                row: 3,
                col: 0
            }
            .patch(h, w)
            .is_none()
        );
        // Past every GPU's texture limit: still one tile of at most TILE a side at first.
        let big = Tile::overview_step(40_000, 40_000);
        assert_eq!(big, 64);
        let first = Tile {
            step: big,
            row: 0,
            col: 0,
        }
        .patch(40_000, 40_000)
        .unwrap();
        assert_eq!((first.rows, first.cols), (625, 625));
        let full = Tile::covering(1, (0.0, 40_000.0), (0.0, 40_000.0), 40_000, 40_000);
        assert_eq!(full.len(), 40 * 40);
        assert!(
            full.iter()
                .all(|t| t.patch(40_000, 40_000).unwrap().rows <= TILE)
        );
        // A view past the plane's edge asks for nothing outside it.
        let edge = Tile::covering(2, (-500.0, 100.0), (2000.0, 9000.0), h, w);
        assert!(edge.is_empty());
    }

    #[test]
    fn statistics_and_quantiles() {
        let v: Vec<f64> = (0..1000)
            .map(f64::from)
            .chain([f64::NAN, f64::INFINITY])
            .collect();
        let s = ImageStats::of(&v);
        assert_eq!((s.count, s.nan, s.min, s.max), (1000, 2, 0.0, 999.0));
        assert!((s.mean - 499.5).abs() < 1e-9);
        assert!((s.std - 288.675).abs() < 1e-3);
        let p1 = s.quantile(0.01).unwrap();
        let p99 = s.quantile(0.99).unwrap();
        assert!((p1 - 10.0).abs() < 1.5, "{p1}");
        assert!((p99 - 989.0).abs() < 1.5, "{p99}");
        assert_eq!(ImageStats::of(&[f64::NAN]).quantile(0.5), None);
        let flat = ImageStats::of(&[3.0; 10]);
        assert_eq!(flat.quantile(0.99), Some(3.0));
    }
}
