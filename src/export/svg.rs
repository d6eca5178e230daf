//! SVG of a plot, real vectors: the frame, 1-2-5 ticks with their labels, the axis titles,
//! every line as a polyline clipped to the plot area, and a legend when there are several.
//!
//! Pure: the caller describes what it drew ([`Figure`], in the plot's own coordinates,
//! log10 already applied on log axes); this writes text. Never touches egui.

use std::fmt::Write as _;

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
    pub traces: Vec<Trace>,
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
const MARGIN_TOP: f64 = 20.0;
const MARGIN_BOTTOM: f64 = 56.0;

/// The SVG document of `fig`, `width` x `height` pixels.
pub fn svg(fig: &Figure, width: u32, height: u32) -> String {
    let (w, h) = (f64::from(width), f64::from(height));
    let (x0, x1) = (MARGIN_LEFT, w - MARGIN_RIGHT);
    let (y0, y1) = (MARGIN_TOP, h - MARGIN_BOTTOM);
    let (ax, bx) = fig.x_range;
    let (ay, by) = fig.y_range;
    let sx = |x: f64| x0 + (x - ax) / (bx - ax).max(f64::MIN_POSITIVE) * (x1 - x0);
    let sy = |y: f64| y1 - (y - ay) / (by - ay).max(f64::MIN_POSITIVE) * (y1 - y0);
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
    // Grid and ticks.
    for t in ticks(ax, bx) {
        let x = sx(t);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.2}" y1="{y0}" x2="{x:.2}" y2="{y1}" stroke="#e4e4e4"/><text x="{x:.2}" y="{}" text-anchor="middle">{}</text>"##,
            y1 + 18.0,
            escape(&tick_text(t, fig.log_x, bx - ax))
        );
    }
    for t in ticks(ay, by) {
        let y = sy(t);
        let _ = writeln!(
            out,
            r##"<line x1="{x0}" y1="{y:.2}" x2="{x1}" y2="{y:.2}" stroke="#e4e4e4"/><text x="{}" y="{:.2}" text-anchor="end">{}</text>"##,
            x0 - 6.0,
            y + 4.0,
            escape(&tick_text(t, fig.log_y, by - ay))
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
    out.push_str("</svg>\n");
    out
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
}
