//! Pan and zoom (B6 of the performance notes): the frame time of the real viewer while a
//! fixed gesture script zooms from the whole waveform down to raw samples and back, with
//! pans, on the big waveform and on a 10 000-sample control, in alternating rounds so a
//! noisy neighbour hits both alike. Reads only.

use std::path::Path;
use std::time::Duration;

use crate::data::{self, Sizes};
use crate::report::{Figure, Row, Section};
use crate::stats::quantile;
use crate::viewer;

/// A point inside the plot, in a 1600 x 900 window.
const PLOT: egui::Pos2 = egui::pos2(700.0, 450.0);

pub fn measure(sizes: &Sizes) -> anyhow::Result<Section> {
    let small = data::waveform(sizes.small_waveform)?;
    let big = data::waveform(sizes.waveform)?;
    let (mut ts, mut tb, mut reading) = (Vec::new(), Vec::new(), 0);
    for _ in 0..sizes.rounds {
        ts.extend(frames(&small)?.0);
        let (t, r) = frames(&big)?;
        tb.extend(t);
        reading += r;
    }
    let mut sec = Section::new(
        "Pan and zoom frame time (B6)",
        format!(
            "The real viewer headless (egui_kittest, real reader processes), 1600 × 900, a \
             script of 400 frames: 120 zoom-in steps (×1.15, from the whole line down to raw \
             samples), pans both ways, 120 zoom-out steps, more pans; {} alternating rounds \
             pooled. A frame is the UI pass plus tessellation. The control is a {}-sample \
             waveform; {reading} frames of the big one had reads in flight.",
            sizes.rounds, sizes.small_waveform
        ),
    );
    let control = format!("{}-sample waveform", sizes.small_waveform);
    for (what, q) in [("median", 0.5), ("p99", 0.99)] {
        let (b, s) = (quantile(&tb, q), quantile(&ts, q));
        let row = Row::new(
            format!("{what} frame, {}-sample waveform", sizes.waveform),
            Figure::Time(b / 1e3),
        )
        .against(&control, Some(Figure::Time(s / 1e3)));
        sec.rows.push(match what {
            "p99" => row.target(
                "≤ 16 ms, and within 1.5× of the control",
                b <= 16.0 && b <= 1.5 * s,
            ),
            _ => row.target("≤ 8 ms", b <= 8.0),
        });
    }
    sec.rows.push(Row::new(
        format!("slowest frame, {}-sample waveform", sizes.waveform),
        Figure::Time(quantile(&tb, 1.0) / 1e3),
    ));
    Ok(sec)
}

/// Frame times (ms) of the gesture script on the waveform in `path`, and how many frames
/// had reads in flight (proof that the gestures reached the data).
fn frames(path: &Path) -> anyhow::Result<(Vec<f64>, usize)> {
    let mut h = viewer::open(format!("{}::/signal", path.display()), [1600.0, 900.0]);
    viewer::until_idle(&mut h, Duration::from_secs(600))?;
    h.event(egui::Event::PointerMoved(PLOT));
    for _ in 0..10 {
        h.step();
    }
    let zoom = egui::Event::Zoom;
    let pan = |dx: f32| egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(dx, 0.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    };
    let script: Vec<egui::Event> = std::iter::repeat_n(zoom(1.15), 120)
        .chain(std::iter::repeat_n(pan(40.0), 60))
        .chain(std::iter::repeat_n(pan(-40.0), 60))
        .chain(std::iter::repeat_n(zoom(1.0 / 1.15), 120))
        .chain(std::iter::repeat_n(pan(200.0), 40))
        .collect();
    let mut times = Vec::with_capacity(script.len());
    let mut reading = 0;
    for e in script {
        h.event(e);
        times.push(viewer::frame_ms(&mut h));
        reading += usize::from(!h.state().is_idle());
        // Give the loader a moment, as a user's next frame would.
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok((times, reading))
}
