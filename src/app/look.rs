//! How a view looks, passed from the viewer to `hdfscope render` so a saved PNG shows what
//! the screen shows: the image style (colormap, scale, contrast and limits, flips) and the
//! plot's log axes and visible ranges.
//!
//! Plain serde data, the render's `--look` argument; never holds data values.

use serde::{Deserialize, Serialize};

use super::image_view::Style;

/// Everything a figure keeps of the view on screen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Look {
    pub image: Option<Style>,
    pub plot: Option<PlotLook>,
}

/// A plot's axes: log or not, and the ranges on screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlotLook {
    pub log_x: bool,
    pub log_y: bool,
    pub bounds: Option<Bounds>,
}

/// Visible ranges in plot coordinates (log10 on log axes).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Bounds {
    pub fn plot(self) -> egui_plot::PlotBounds {
        egui_plot::PlotBounds::from_min_max([self.x.0, self.y.0], [self.x.1, self.y.1])
    }
}
