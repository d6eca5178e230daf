//! Turning a tile's numbers into colours: colormaps (exact tables from `colorous`), value
//! scales, RGB(A) channels and palettes, with one distinct colour for NaN and missing
//! values. Pure: never talks to the loader, and never holds more than one tile's pixels.

use egui::{Color32, ColorImage};

use crate::loader::tiles::TileImage;

/// Entries in a colormap's lookup table.
const LUT: usize = 256;

/// NaN, infinite and missing (fill) values: a colour no colormap here contains.
pub const MISSING: Color32 = Color32::from_rgb(255, 0, 255);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Colormap {
    Gray,
    #[default]
    Viridis,
    Magma,
    Inferno,
    Plasma,
    Cividis,
    Turbo,
}

impl Colormap {
    pub const ALL: [Self; 7] = [
        Self::Gray,
        Self::Viridis,
        Self::Magma,
        Self::Inferno,
        Self::Plasma,
        Self::Cividis,
        Self::Turbo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Gray => "gray",
            Self::Viridis => "viridis",
            Self::Magma => "magma",
            Self::Inferno => "inferno",
            Self::Plasma => "plasma",
            Self::Cividis => "cividis",
            Self::Turbo => "turbo",
        }
    }

    /// The colour at `t` in 0..=1.
    fn at(self, t: f64) -> Color32 {
        let g = match self {
            Self::Gray => {
                let v = (t.clamp(0.0, 1.0) * 255.0).round() as u8;
                return Color32::from_gray(v);
            }
            Self::Viridis => colorous::VIRIDIS,
            Self::Magma => colorous::MAGMA,
            Self::Inferno => colorous::INFERNO,
            Self::Plasma => colorous::PLASMA,
            Self::Cividis => colorous::CIVIDIS,
            Self::Turbo => colorous::TURBO,
        };
        let c = g.eval_continuous(t);
        Color32::from_rgb(c.r, c.g, c.b)
    }

    /// The lookup table, reversed when `invert`.
    pub fn table(self, invert: bool) -> Vec<Color32> {
        (0..LUT)
            .map(|i| {
                let t = i as f64 / (LUT - 1) as f64;
                self.at(if invert { 1.0 - t } else { t })
            })
            .collect()
    }
}

/// How values between the limits spread over the colormap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scale {
    #[default]
    Linear,
    Log,
    Sqrt,
}

impl Scale {
    pub const ALL: [Self; 3] = [Self::Linear, Self::Log, Self::Sqrt];

    pub fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Log => "log",
            Self::Sqrt => "sqrt",
        }
    }

    /// Where `v` falls between `lo` and `hi`, as 0..=1 (clamped); `None` for a value the
    /// scale cannot place (NaN, or not positive on a log scale).
    pub fn position(self, v: f64, (lo, hi): (f64, f64)) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        let t = match self {
            Self::Linear => (v - lo) / (hi - lo),
            Self::Sqrt => ((v - lo) / (hi - lo)).max(0.0).sqrt(),
            Self::Log => {
                if v <= 0.0 {
                    return Some(0.0);
                }
                let lo = lo.max(f64::MIN_POSITIVE);
                (v.ln() - lo.ln()) / (hi.max(lo).ln() - lo.ln())
            }
        };
        Some(if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        })
    }
}

/// How a tile's numbers become colours.
#[derive(Clone, Debug, PartialEq)]
pub enum Coloring {
    /// One number per pixel through a colormap table.
    Map {
        table: Vec<Color32>,
        scale: Scale,
        limits: (f64, f64),
    },
    /// Three or four numbers per pixel (red, green, blue, alpha), each stretched from the
    /// limits to 0..=255.
    Channels { limits: (f64, f64) },
    /// One number per pixel, an index into a palette of colours.
    Palette(Vec<Color32>),
}

impl Coloring {
    /// The tile in colour.
    pub fn paint(&self, tile: &TileImage) -> ColorImage {
        let pixels = tile.rows * tile.cols;
        let n = tile.channels.max(1);
        let mut out: Vec<Color32> = match self {
            // The common case in one tight loop (the same arithmetic as `color_of`): a
            // colormap change must redraw a screenful within a frame.
            Self::Map {
                table,
                scale: Scale::Linear,
                limits: (lo, hi),
            } if !table.is_empty() => {
                let last = (table.len() - 1) as f64;
                let span = hi - lo;
                (tile.values.iter().step_by(n))
                    .map(|&v| {
                        if !v.is_finite() {
                            return MISSING;
                        }
                        let t = (v - lo) / span;
                        let t = if t.is_finite() {
                            t.clamp(0.0, 1.0)
                        } else {
                            0.0
                        };
                        table[nearest(t * last)]
                    })
                    .collect()
            }
            _ => (tile.values.chunks_exact(n))
                .map(|p| self.color_of(p))
                .collect(),
        };
        out.resize(pixels, MISSING);
        ColorImage::new([tile.cols, tile.rows], out)
    }

    /// The colour of one pixel's numbers.
    pub fn color_of(&self, p: &[f64]) -> Color32 {
        match self {
            Self::Map {
                table,
                scale,
                limits,
            } => match (scale.position(p[0], *limits), table.len()) {
                (Some(t), n) if n > 0 => table[nearest(t * (n - 1) as f64)],
                _ => MISSING,
            },
            Self::Channels { limits: (lo, hi) } => {
                if p.iter().any(|v| !v.is_finite()) {
                    return MISSING;
                }
                let span = hi - lo;
                let channel = |i: usize| {
                    p.get(i).map_or(255, |&v| {
                        let t = if span > 0.0 { (v - lo) / span } else { 1.0 };
                        nearest(t.clamp(0.0, 1.0) * 255.0) as u8
                    })
                };
                match p.len() {
                    1 | 2 => Color32::from_gray(channel(0)),
                    3 => Color32::from_rgb(channel(0), channel(1), channel(2)),
                    _ => Color32::from_rgba_unmultiplied(
                        channel(0),
                        channel(1),
                        channel(2),
                        channel(3),
                    ),
                }
            }
            Self::Palette(colors) => {
                let v = p[0];
                (v.is_finite() && v >= 0.0)
                    .then(|| colors.get(v as usize).copied())
                    .flatten()
                    .unwrap_or(MISSING)
            }
        }
    }
}

/// The integer nearest to `x` (at least 0), halves rounded up as `f64::round` does for them:
/// without a call into libm, which `round` is on baseline x86-64 and which made colouring a
/// tile three times slower.
fn nearest(x: f64) -> usize {
    (x + 0.5) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::tiles::ImageStats;

    fn tile(values: Vec<f64>, cols: usize, channels: usize) -> TileImage {
        TileImage {
            rows: values.len() / cols / channels,
            cols,
            channels,
            stats: ImageStats::of(&values),
            values,
        }
    }

    #[test]
    fn colormaps_are_the_published_tables() {
        let v = Colormap::Viridis.table(false);
        // matplotlib's viridis starts at #440154 and ends at #fde725.
        assert_eq!(v[0], Color32::from_rgb(0x44, 0x01, 0x54));
        assert_eq!(v[255], Color32::from_rgb(0xfd, 0xe7, 0x25));
        let inverted = Colormap::Viridis.table(true);
        assert_eq!(inverted[0], v[255]);
        assert_eq!(Colormap::Gray.table(false)[128], Color32::from_gray(128));
    }

    #[test]
    fn scales_place_values_and_invert() {
        let lim = (1.0, 1000.0);
        assert!((Scale::Log.position(10.0, lim).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(Scale::Linear.position(-5.0, lim), Some(0.0));
        assert_eq!(Scale::Sqrt.position(f64::NAN, lim), None);
        assert!((Scale::Sqrt.position(250.75, lim).unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(Scale::Log.position(-1.0, lim), Some(0.0));
    }

    #[test]
    fn pixels_get_their_colours() {
        let map = Coloring::Map {
            table: Colormap::Gray.table(false),
            scale: Scale::Linear,
            limits: (0.0, 10.0),
        };
        let img = map.paint(&tile(vec![0.0, 10.0, f64::NAN, 20.0], 2, 1));
        assert_eq!(img.size, [2, 2]);
        assert_eq!(
            img.pixels,
            [Color32::BLACK, Color32::WHITE, MISSING, Color32::WHITE]
        );
        // The tight loop of the linear map gives `color_of`'s colour for every value, halfway
        // points between table entries included.
        let map = Coloring::Map {
            table: Colormap::Viridis.table(false),
            scale: Scale::Linear,
            limits: (-1.0, 254.0),
        };
        let values: Vec<f64> = (-400..26_000).map(|i| f64::from(i) * 0.01).collect();
        let img = map.paint(&tile(values.clone(), values.len(), 1));
        for (v, c) in values.iter().zip(&img.pixels) {
            assert_eq!(*c, map.color_of(&[*v]), "{v}");
        }
        let rgb = Coloring::Channels {
            limits: (0.0, 255.0),
        };
        let img = rgb.paint(&tile(vec![255.0, 0.0, 10.0, 1.0, 2.0, 3.0], 2, 3));
        assert_eq!(img.pixels[0], Color32::from_rgb(255, 0, 10));
        let palette = Coloring::Palette(vec![Color32::RED, Color32::BLUE]);
        let img = palette.paint(&tile(vec![1.0, 0.0, 7.0], 3, 1));
        assert_eq!(img.pixels, [Color32::BLUE, Color32::RED, MISSING]);
    }
}
