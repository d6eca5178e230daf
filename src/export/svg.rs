//! SVG of a plot or an image view, real vectors: the frame, 1-2-5 ticks (or the caller's
//! own, such as calendar dates) with their labels, the axis titles, every line as a polyline
//! clipped to the plot area, a legend when there are several; an image's pixels embedded as
//! PNG rasters where the view drew them, and its colour bar as a gradient with ticks.
//!
//! Pure: the caller describes what it drew ([`Figure`], in the plot's own coordinates,
//! log10 already applied on log axes); this writes text. Never touches egui or a file.

use std::fmt::Write as _;

use base64::Engine as _;

/// What a plot drew, for [`svg`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figure {
    pub x_title: String,
    pub y_title: String,
    /// The visible ranges, in plot coordinates.
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    /// Axes drawn as log10 of the values (tick labels are then powers of ten).
    pub log_x: bool,
    pub log_y: bool,
    /// Values grow leftwards / downwards (an image's rows going down the screen).
    pub invert_x: bool,
    pub invert_y: bool,
    /// One unit is as long on x as on y (an image's square pixels): the ranges grow to
    /// fill the drawing area.
    pub equal_aspect: bool,
    /// Ticks with their labels, when the caller's axis has its own (calendar dates).
    pub x_ticks: Option<Vec<(f64, String)>>,
    pub traces: Vec<Trace>,
    /// Image pixels, drawn in order (coarse ones first, finer ones over them).
    pub rasters: Vec<Raster>,
    pub colorbar: Option<Colorbar>,
}

/// Pixels covering a rectangle of the plot: row 0 at `y.0`, column 0 at `x.0`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Raster {
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub width: u32,
    pub height: u32,
    /// Row-major RGBA, `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

/// An image's colour scale: its colours bottom to top and the ticks beside it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Colorbar {
    pub colors: Vec<[u8; 3]>,
    /// Each tick's height on the bar (0 at the bottom, 1 at the top) and its label.
    pub ticks: Vec<(f64, String)>,
    pub title: String,
}

/// One line of the plot: its runs of points, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub name: String,
    pub rgb: [u8; 3],
    pub runs: Vec<Vec<[f64; 2]>>,
    /// Uncertainty bounds and other secondary strokes: thinner, paler, not in the legend.
    pub faint: bool,
}

const MARGIN_LEFT: f64 = 80.0;
const MARGIN_RIGHT: f64 = 20.0;
/// Room for a colour bar, its ticks and its title.
const COLORBAR_WIDTH: f64 = 110.0;
const MARGIN_TOP: f64 = 20.0;
const MARGIN_BOTTOM: f64 = 56.0;

/// The SVG document of `fig`, `width` x `height` pixels.
pub fn svg(fig: &Figure, width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width), f64::from(height));
    let right = MARGIN_RIGHT
        + if fig.colorbar.is_some() {
            COLORBAR_WIDTH
        } else {
            0.0
        };
    let (x0, x1) = (MARGIN_LEFT, (w - right).max(MARGIN_LEFT + 16.0));
    let (y0, y1) = (MARGIN_TOP, (h - MARGIN_BOTTOM).max(MARGIN_TOP + 16.0));
    let (x_range, y_range) = if fig.equal_aspect {
        equal_aspect(fig.x_range, fig.y_range, (x1 - x0) / (y1 - y0))
    } else {
        (fig.x_range, fig.y_range)
    };
    let (ax, bx) = x_range;
    let (ay, by) = y_range;
    let fx = |x: f64| (x - ax) / (bx - ax).max(f64::MIN_POSITIVE);
    let fy = |y: f64| (y - ay) / (by - ay).max(f64::MIN_POSITIVE);
    let sx = |x: f64| {
        let f = if fig.invert_x { 1.0 - fx(x) } else { fx(x) };
        x0 + f * (x1 - x0)
    };
    let sy = |y: f64| {
        let f = if fig.invert_y { 1.0 - fy(y) } else { fy(y) };
        y1 - f * (y1 - y0)
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<defs><clipPath id="plot-area"><rect x="{x0}" y="{y0}" width="{}" height="{}"/></clipPath></defs>"#,
        x1 - x0,
        y1 - y0
    );
    // Pixels under everything else.
    if !fig.rasters.is_empty() {
        let _ = writeln!(out, r#"<g clip-path="url(#plot-area)">"#);
        for r in &fig.rasters {
            raster(&mut out, r, (sx(r.x.0), sx(r.x.1)), (sy(r.y.0), sy(r.y.1)));
        }
        let _ = writeln!(out, "</g>");
    }
    // Grid and ticks (no grid over an image).
    let grid = if fig.rasters.is_empty() {
        "#e4e4e4"
    } else {
        "none"
    };
    let x_ticks = fig.x_ticks.clone().unwrap_or_else(|| {
        (ticks(ax.min(bx), ax.max(bx)).into_iter())
            .map(|t| (t, tick_text(t, fig.log_x, (bx - ax).abs())))
            .collect()
    });
    for (t, label) in x_ticks {
        let x = sx(t);
        if !(x0 - 0.5..=x1 + 0.5).contains(&x) {
            continue;
        }
        let _ = writeln!(
            out,
            r#"<line x1="{x:.2}" y1="{y0}" x2="{x:.2}" y2="{y1}" stroke="{grid}"/><line x1="{x:.2}" y1="{y1}" x2="{x:.2}" y2="{}" stroke="black"/><text x="{x:.2}" y="{}" text-anchor="middle">{}</text>"#,
            y1 + 5.0,
            y1 + 18.0,
            escape(&label)
        );
    }
    for t in ticks(ay.min(by), ay.max(by)) {
        let y = sy(t);
        let _ = writeln!(
            out,
            r#"<line x1="{x0}" y1="{y:.2}" x2="{x1}" y2="{y:.2}" stroke="{grid}"/><line x1="{}" y1="{y:.2}" x2="{x0}" y2="{y:.2}" stroke="black"/><text x="{}" y="{:.2}" text-anchor="end">{}</text>"#,
            x0 - 5.0,
            x0 - 6.0,
            y + 4.0,
            escape(&tick_text(t, fig.log_y, (by - ay).abs()))
        );
    }
    let _ = writeln!(
        out,
        r#"<rect x="{x0}" y="{y0}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        x1 - x0,
        y1 - y0
    );
    // Titles.
    let _ = writeln!(
        out,
        r#"<text x="{:.2}" y="{}" text-anchor="middle" font-size="14">{}</text>"#,
        (x0 + x1) / 2.0,
        h - 14.0,
        escape(&fig.x_title)
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(18 {:.2}) rotate(-90)" text-anchor="middle" font-size="14">{}</text>"#,
        (y0 + y1) / 2.0,
        escape(&fig.y_title)
    );
    // Lines.
    let _ = writeln!(out, r#"<g clip-path="url(#plot-area)" fill="none">"#);
    for t in &fig.traces {
        let [r, g, b] = t.rgb;
        let (width, opacity) = if t.faint { (1.0, 0.45) } else { (1.5, 1.0) };
        for run in &t.runs {
            let mut points = String::with_capacity(run.len() * 16);
            for &[x, y] in run {
                let _ = write!(points, "{:.2},{:.2} ", sx(x), sy(y));
            }
            let _ = writeln!(
                out,
                r#"<polyline stroke="rgb({r},{g},{b})" stroke-width="{width}" stroke-opacity="{opacity}" points="{}"/>"#,
                points.trim_end()
            );
        }
    }
    let _ = writeln!(out, "</g>");
    // Legend.
    let named: Vec<&Trace> = fig.traces.iter().filter(|t| !t.faint).collect();
    let mut seen = Vec::new();
    if named.len() > 1 {
        for t in named {
            if seen.contains(&&t.name) {
                continue;
            }
            seen.push(&t.name);
            let y = y0 + 16.0 * seen.len() as f64;
            let [r, g, b] = t.rgb;
            let _ = writeln!(
                out,
                r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="rgb({r},{g},{b})" stroke-width="2"/><text x="{}" y="{}">{}</text>"#,
                x0 + 10.0,
                x0 + 30.0,
                x0 + 36.0,
                y + 4.0,
                escape(&t.name)
            );
        }
    }
    if let Some(bar) = &fig.colorbar {
        colorbar(&mut out, bar, (x1 + 24.0, x1 + 44.0), (y0, y1));
    }
    out.push_str("</svg>\n");
    out
}

/// The ranges grown so one unit has the same length on both axes in an area `aspect`
/// (width / height) wide.
fn equal_aspect(x: (f64, f64), y: (f64, f64), aspect: f64) -> ((f64, f64), (f64, f64)) {
    let (wx, wy) = ((x.1 - x.0).abs(), (y.1 - y.0).abs());
    if !(wx > 0.0 && wy > 0.0 && aspect > 0.0) {
        return (x, y);
    }
    let grow = |(a, b): (f64, f64), to: f64| {
        let (mid, half) = ((a + b) / 2.0, to / 2.0 * (b - a).signum());
        (mid - half, mid + half)
    };
    if wx / wy < aspect {
        (grow(x, wy * aspect), y)
    } else {
        (x, grow(y, wx / aspect))
    }
}

/// One raster as an embedded PNG stretched over its rectangle (`xs`, `ys`: where its
/// column 0 / row 0 edge and its far edge land), pixels kept sharp.
fn raster(out: &mut String, r: &Raster, xs: (f64, f64), ys: (f64, f64)) {
    let mut png = Vec::new();
    let encoded = image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &r.rgba,
        r.width,
        r.height,
        image::ExtendedColorType::Rgba8,
    );
    if encoded.is_err() {
        return;
    }
    let data = base64::engine::general_purpose::STANDARD.encode(&png);
    let (left, top) = (xs.0.min(xs.1), ys.0.min(ys.1));
    let (w, h) = ((xs.1 - xs.0).abs(), (ys.1 - ys.0).abs());
    // Mirrored where the axis runs against the pixels' order.
    let (fx, fy) = (
        if xs.1 < xs.0 { -1.0 } else { 1.0 },
        if ys.1 < ys.0 { -1.0 } else { 1.0 },
    );
    let _ = writeln!(
        out,
        r#"<image x="0" y="0" width="{w:.3}" height="{h:.3}" preserveAspectRatio="none" style="image-rendering:pixelated" transform="translate({:.3} {:.3}) scale({fx} {fy})" href="data:image/png;base64,{data}"/>"#,
        if fx < 0.0 { left + w } else { left },
        if fy < 0.0 { top + h } else { top },
    );
}

/// The colour bar: a vertical gradient in `xs` x `ys`, ticks and labels to its right.
fn colorbar(out: &mut String, bar: &Colorbar, xs: (f64, f64), ys: (f64, f64)) {
    let n = bar.colors.len();
    if n == 0 {
        return;
    }
    let _ = writeln!(
        out,
        r#"<defs><linearGradient id="colorbar" x1="0" y1="1" x2="0" y2="0">"#
    );
    let stops = n.min(64);
    for k in 0..stops {
        let f = if stops > 1 {
            k as f64 / (stops - 1) as f64
        } else {
            0.0
        };
        let [r, g, b] = bar.colors[((f * (n - 1) as f64).round() as usize).min(n - 1)];
        let _ = writeln!(
            out,
            r#"<stop offset="{f:.4}" stop-color="rgb({r},{g},{b})"/>"#
        );
    }
    let _ = writeln!(out, "</linearGradient></defs>");
    let (w, h) = (xs.1 - xs.0, ys.1 - ys.0);
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="{w}" height="{h}" fill="url(#colorbar)" stroke="black"/>"#,
        xs.0, ys.0
    );
    for (f, label) in &bar.ticks {
        let y = ys.1 - f.clamp(0.0, 1.0) * h;
        let _ = writeln!(
            out,
            r#"<line x1="{}" y1="{y:.2}" x2="{}" y2="{y:.2}" stroke="black"/><text x="{}" y="{:.2}">{}</text>"#,
            xs.1,
            xs.1 + 4.0,
            xs.1 + 6.0,
            y + 4.0,
            escape(label)
        );
    }
    if !bar.title.is_empty() {
        let _ = writeln!(
            out,
            r#"<text transform="translate({:.2} {:.2}) rotate(-90)" text-anchor="middle">{}</text>"#,
            xs.1 + 58.0,
            (ys.0 + ys.1) / 2.0,
            escape(&bar.title)
        );
    }
}

/// 1-2-5 ticks inside `lo..=hi`, about five to ten of them.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let raw = span / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A tick's label: the value to the precision the span needs, or a power of ten.
fn tick_text(v: f64, log: bool, span: f64) -> String {
    if log {
        return format!("1e{}", v.round());
    }
    let decimals = (-(span / 6.0).log10().floor()).clamp(0.0, 12.0) as usize;
    let text = format!("{v:.decimals$}");
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_owned()
    } else {
        text
    }
}

/// Text as XML character data.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        assert_eq!(ticks(0.0, 10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(tick_text(0.30000000000000004, false, 1.0), "0.3");
        assert_eq!(tick_text(-0.0, false, 10.0), "0");
        assert!(ticks(1.0, 1.0).is_empty());
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }

    #[test]
    fn square_pixels_stay_square() {
        // A 100 x 50 range in a 400 x 100 area: x grows to 200 around its middle.
        let (x, y) = equal_aspect((0.0, 100.0), (0.0, 50.0), 4.0);
        assert_eq!((x, y), ((-50.0, 150.0), (0.0, 50.0)));
        // Reversed ranges keep their direction.
        let (_, y) = equal_aspect((0.0, 100.0), (50.0, 0.0), 1.0);
        assert_eq!(y, (75.0, -25.0));
    }

    #[test]
    fn an_image_figure_embeds_its_pixels_and_colour_bar() {
        let fig = Figure {
            x_title: "x (mm)".into(),
            y_title: "y (mm)".into(),
            x_range: (0.0, 2.0),
            y_range: (0.0, 2.0),
            invert_y: true,
            rasters: vec![Raster {
                x: (0.0, 2.0),
                y: (0.0, 2.0),
                width: 2,
                height: 2,
                rgba: vec![255; 16],
            }],
            colorbar: Some(Colorbar {
                colors: vec![[0, 0, 0], [255, 255, 255]],
                ticks: vec![(0.0, "0".into()), (1.0, "10".into())],
                title: "counts".into(),
            }),
            ..Figure::default()
        };
        let text = svg(&fig, 600, 400);
        let doc = roxmltree::Document::parse(&text).unwrap();
        let image = doc.descendants().find(|n| n.has_tag_name("image")).unwrap();
        let href = image.attribute("href").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(href.trim_start_matches("data:image/png;base64,"))
            .unwrap();
        let decoded = image::load_from_memory(&png).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (2, 2));
        // Rows go down the screen: row 0 (y = 0) is at the top, as in the PNG.
        assert!(image.attribute("transform").unwrap().contains("scale(1 1)"));
        // Rows going up (y grows upwards) put row 0 at the bottom: the PNG is mirrored.
        let up = Figure {
            invert_y: false,
            ..fig.clone()
        };
        assert!(svg(&up, 600, 400).contains("scale(1 -1)"));
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        for want in ["x (mm)", "y (mm)", "counts", "10"] {
            assert!(texts.contains(&want), "{want} in {texts:?}");
        }
    }
}
