//! Which views a dataset can be shown in and which it opens in: the one registry from
//! kinds of data to views. Pure over the dataset's metadata; never draws.
//!
//! Every dataset can be a table; numbers can also be plotted, and planes of them drawn as
//! images.

use crate::model::convention::{self, Convention};
use crate::model::{DType, ObjectInfo, Shape};

/// A way to show a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    Plot,
    Image,
    Table,
}

/// How well a view fits a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    No,
    Yes,
    Best,
}

struct Entry {
    kind: ViewKind,
    name: &'static str,
    fit: fn(&Data<'_>) -> Fit,
}

/// The registry, in the order offered when fits tie.
const VIEWS: [Entry; 3] = [
    Entry {
        kind: ViewKind::Plot,
        name: "Plot",
        fit: plot_fit,
    },
    Entry {
        kind: ViewKind::Image,
        name: "Image",
        fit: image_fit,
    },
    Entry {
        kind: ViewKind::Table,
        name: "Table",
        fit: table_fit,
    },
];

/// What the registry looks at.
struct Data<'a> {
    info: &'a ObjectInfo,
    dims: &'a [u64],
    /// The NeXus `interpretation` of the signal, when given.
    interpretation: Option<&'a str>,
    /// Text stored as numbers (MATLAB's char arrays are UTF-16 code units).
    text: bool,
}

impl ViewKind {
    pub fn name(self) -> &'static str {
        VIEWS.iter().find(|e| e.kind == self).map_or("", |e| e.name)
    }
}

/// The views a dataset offers, the one it opens in first; empty for anything else.
pub fn offered(info: &ObjectInfo) -> Vec<ViewKind> {
    let Some(ds) = info.dataset.as_ref() else {
        return Vec::new();
    };
    let dims: &[u64] = match &ds.shape {
        Shape::Simple { dims, .. } => dims,
        Shape::Scalar => &[],
        Shape::Null => return Vec::new(),
    };
    let data = Data {
        info,
        dims,
        interpretation: info.attr_text("interpretation"),
        text: convention::recognise(info, &|_| None)
            .is_some_and(|l| l.convention == Convention::Matlab && l.kind == "char"),
    };
    let mut fits: Vec<(Fit, usize, ViewKind)> = (VIEWS.iter().enumerate())
        .map(|(i, e)| ((e.fit)(&data), i, e.kind))
        .filter(|(f, _, _)| *f != Fit::No)
        .collect();
    fits.sort_by_key(|(f, i, _)| (std::cmp::Reverse(*f), *i));
    fits.into_iter().map(|(_, _, k)| k).collect()
}

/// Whether the elements are numbers a plot or an image can take.
fn numeric(d: &Data<'_>) -> bool {
    !d.text
        && d.info
            .dataset
            .as_ref()
            .is_some_and(|ds| !ds.dtype.components().is_empty())
}

fn plot_fit(d: &Data<'_>) -> Fit {
    if !numeric(d) || d.dims.is_empty() {
        return Fit::No;
    }
    let compound =
        (d.info.dataset.as_ref()).is_some_and(|ds| matches!(ds.dtype, DType::Compound { .. }));
    match d.interpretation {
        _ if compound => Fit::Yes,
        Some("spectrum" | "scalar") => Fit::Best,
        _ if d.dims.len() <= 1 => Fit::Best,
        _ => Fit::Yes,
    }
}

/// Images: 2-D and more, best when both last axes are long (a few rows are lines), when
/// the file says it is an image, or for the RGB layout (rows, columns, 3 or 4 bytes).
fn image_fit(d: &Data<'_>) -> Fit {
    let rank = d.dims.len();
    if !numeric(d) || rank < 2 || d.dims.iter().filter(|&&n| n > 1).count() < 2 {
        return Fit::No;
    }
    let said = d.info.attr_text("CLASS") == Some("IMAGE")
        || matches!(d.interpretation, Some("image" | "rgb-image" | "rgba-image"));
    let long = |n: u64| n >= 16;
    let last_two = d.dims[rank - 2..].iter().all(|&n| long(n));
    if said || last_two || rgb_layout(d.info, d.dims) {
        Fit::Best
    } else {
        Fit::Yes
    }
}

/// Tables: anything; the best for scalars, for elements that are not plain numbers (strings,
/// compounds, references...) and for tables in the file's own sense (PyTables `CLASS`).
fn table_fit(d: &Data<'_>) -> Fit {
    let plain = d.info.dataset.as_ref().is_some_and(|ds| {
        matches!(
            ds.dtype,
            DType::Integer { .. } | DType::Float { .. } | DType::Complex { .. }
        )
    });
    if d.dims.is_empty() || !plain || d.text || d.info.attr_text("CLASS") == Some("TABLE") {
        Fit::Best
    } else {
        Fit::Yes
    }
}

/// Whether the dataset looks like an RGB(A) picture without saying so: rows x columns x
/// 3 or 4 of bytes.
pub fn rgb_layout(info: &ObjectInfo, dims: &[u64]) -> bool {
    let bytes = info.dataset.as_ref().is_some_and(|ds| {
        matches!(
            ds.dtype,
            DType::Integer {
                size: 1,
                signed: false,
                ..
            }
        )
    });
    bytes && dims.len() == 3 && matches!(dims[2], 3 | 4) && dims[..2].iter().all(|&n| n > 4)
}
