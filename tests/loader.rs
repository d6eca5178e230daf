//! The loader with real reader processes (the hdfscope binary in worker mode) on a file the
//! test writes: streamed overviews with progress, cancellation mid-stream, supersession,
//! and a reader that crashes or hangs while the rest keeps working.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hdfscope::loader::{
    Fault, LineSource, Loader, LoaderConfig, Outcome, Probe, ReqId, Request, Response, WorkerKind,
};
use hdfscope::model::Line;

const LEN: usize = 3_000_000;
const CHUNK: usize = 65_536;
const SPIKE_AT: usize = 2_345_678;

/// A gzip+shuffle chunked float32 waveform with one spike, and a small dataset beside it.
fn write_waveform(dir: &Path) -> PathBuf {
    let path = dir.join("wave.h5");
    let f = hdf5::File::create(&path).unwrap();
    let mut v: Vec<f32> = (0..LEN).map(|i| ((i as f32) * 1e-4).sin()).collect();
    v[SPIKE_AT] = 42.5;
    f.new_dataset::<f32>()
        .shape(LEN)
        .chunk(CHUNK)
        .shuffle()
        .deflate(1)
        .create("wave")
        .unwrap()
        .write(&v)
        .unwrap();
    f.new_dataset::<i32>()
        .shape(3)
        .create("small")
        .unwrap()
        .write(&[1, 2, 3])
        .unwrap();
    path
}

fn config() -> LoaderConfig {
    LoaderConfig::new(WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into()))
}

fn source() -> LineSource {
    LineSource {
        file: 1,
        path: "/wave".into(),
        line: Line::whole_1d(),
        len: LEN as u64,
        chunk: Some(CHUNK as u64),
        outside: false,
        calibration: None,
    }
}

/// Drains until `until` holds for what was received (or 60 s pass).
fn drain_until(l: &mut Loader, until: impl Fn(&[Response]) -> bool) -> Vec<Response> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !until(&got) {
        assert!(Instant::now() < deadline, "timed out; got {got:?}");
        got.extend(l.drain(Duration::from_millis(5)));
        std::thread::sleep(Duration::from_millis(1));
    }
    got
}

fn answered(got: &[Response], req: ReqId) -> Option<&Outcome> {
    got.iter().find_map(|r| match r {
        Response::Data { req: r, outcome } if *r == req => Some(outcome),
        _ => None,
    })
}

fn wait_for(l: &mut Loader, req: ReqId) -> (Vec<Response>, Outcome) {
    let got = drain_until(l, |g| answered(g, req).is_some());
    let o = answered(&got, req).cloned().unwrap();
    (got, o)
}

fn open(l: &mut Loader, path: &Path) {
    l.send(Request::Open {
        file: 1,
        path: path.to_owned(),
    });
    let got = drain_until(l, |g| !g.is_empty());
    assert!(
        matches!(got[0], Response::Opened { result: Ok(_), .. }),
        "{got:?}"
    );
}

#[test]
fn overview_streams_with_progress_and_keeps_the_spike() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_waveform(dir.path());
    let mut l = Loader::spawn(config(), Box::new(|| {})).unwrap();
    open(&mut l, &path);
    l.send(Request::Overview {
        req: 1,
        view: "plot".into(),
        source: source(),
    });
    let (got, outcome) = wait_for(&mut l, 1);
    let progress: Vec<(u64, u64)> = got
        .iter()
        .filter_map(|r| match r {
            Response::Progress { done, total, .. } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(progress.first(), Some(&(0, 12)), "12 windows of 4 chunks");
    assert_eq!(progress.last(), Some(&(12, 12)));
    assert!(
        progress.windows(2).all(|w| w[0].0 <= w[1].0),
        "{progress:?}"
    );
    let Outcome::Overview(lod) = outcome else {
        panic!("{outcome:?}")
    };
    let lod = lod.read().unwrap();
    assert!(lod.is_complete());
    assert_eq!(lod.stats().count, LEN as u64);
    assert_eq!(lod.stats().max, 42.5);
    // Drawn on 1000 columns the spike is still there, at its place.
    let pts = lod.envelope(0.0, LEN as f64, 1000).unwrap().concat();
    assert!(pts.len() <= 2000 + 4, "at most two points per column");
    let top = pts
        .iter()
        .copied()
        .fold([0.0, f64::MIN], |a, p| if p[1] > a[1] { p } else { a });
    assert_eq!(top[1], 42.5);
    assert!(
        (top[0] - SPIKE_AT as f64).abs() < LEN as f64 / 1000.0,
        "{top:?}"
    );

    // Zoomed in around the spike, raw samples come in chunk-aligned windows.
    l.send(Request::Samples {
        req: 2,
        view: "raw".into(),
        source: source(),
        start: SPIKE_AT as u64 - 2,
        count: 5,
    });
    let (_, raw) = wait_for(&mut l, 2);
    let Outcome::Samples { start, values } = raw else {
        panic!("{raw:?}")
    };
    assert_eq!(start, SPIKE_AT as u64 - 2);
    assert_eq!(values.len(), 5);
    assert_eq!(values[2], 42.5);
    assert!((values[0] - f64::from(((SPIKE_AT - 2) as f32 * 1e-4).sin())).abs() < 1e-6);
}

#[test]
fn cancelled_and_replaced_streams_stop_without_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_waveform(dir.path());
    let mut config = config();
    config.data_workers = 1;
    let mut l = Loader::spawn(config, Box::new(|| {})).unwrap();
    open(&mut l, &path);
    l.send(Request::Overview {
        req: 1,
        view: "plot".into(),
        source: source(),
    });
    l.send(Request::Cancel { req: 1 });
    let (got, o) = wait_for(&mut l, 1);
    assert!(matches!(o, Outcome::Cancelled), "{o:?}");
    let merged = got
        .iter()
        .filter(|r| matches!(r, Response::Progress { done, .. } if *done > 0));
    assert!(merged.count() < 12, "it stopped before the end");

    // A newer request for the same view replaces the older one.
    l.send(Request::Overview {
        req: 2,
        view: "plot".into(),
        source: source(),
    });
    l.send(Request::Overview {
        req: 3,
        view: "plot".into(),
        source: source(),
    });
    let got = drain_until(&mut l, |g| answered(g, 3).is_some());
    assert!(matches!(answered(&got, 2), Some(Outcome::Cancelled)));
    assert!(matches!(answered(&got, 3), Some(Outcome::Overview(_))));
    assert!(!got.iter().any(|r| matches!(
        r,
        Response::Data {
            outcome: Outcome::Failed(_),
            ..
        }
    )));
}

#[test]
fn a_crash_names_the_culprit_and_the_reader_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_waveform(dir.path());
    let mut l = Loader::spawn(config(), Box::new(|| {})).unwrap();
    open(&mut l, &path);
    l.send(Request::Probe {
        req: 1,
        probe: Probe::Fault(Fault::Abort),
    });
    let (_, o) = wait_for(&mut l, 1);
    let Outcome::Failed(e) = o else {
        panic!("{o:?}")
    };
    assert!(e.contains("crashed") && e.contains("signal 6"), "{e}");
    // The same worker slot serves the next read with a fresh process.
    l.send(Request::Samples {
        req: 2,
        view: "raw".into(),
        source: source(),
        start: 0,
        count: 3,
    });
    let (_, o) = wait_for(&mut l, 2);
    assert!(
        matches!(o, Outcome::Samples { ref values, .. } if values.len() == 3),
        "{o:?}"
    );
}

#[test]
fn a_hang_is_cut_off_while_metadata_keeps_flowing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_waveform(dir.path());
    let mut config = config();
    config.timeout = Duration::from_secs(2);
    let mut l = Loader::spawn(config, Box::new(|| {})).unwrap();
    open(&mut l, &path);
    let t = Instant::now();
    l.send(Request::Probe {
        req: 1,
        probe: Probe::Fault(Fault::Hang),
    });
    l.send(Request::Info {
        file: 1,
        path: "/small".into(),
    });
    let got = drain_until(&mut l, |g| {
        g.iter().any(|r| matches!(r, Response::Info { .. }))
    });
    assert!(
        answered(&got, 1).is_none(),
        "info answered while the data reader hangs"
    );
    let (_, o) = wait_for(&mut l, 1);
    let Outcome::Failed(e) = o else {
        panic!("{o:?}")
    };
    assert!(e.contains("no answer") && e.contains("2 s"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(10));

    // Cancelling a read stuck inside the reader kills it after the grace time.
    l.send(Request::Probe {
        req: 2,
        probe: Probe::Fault(Fault::Hang),
    });
    l.send(Request::Cancel { req: 2 });
    let (_, o) = wait_for(&mut l, 2);
    assert!(matches!(o, Outcome::Cancelled));
    l.send(Request::Samples {
        req: 3,
        view: "raw".into(),
        source: source(),
        start: 10,
        count: 2,
    });
    let (_, o) = wait_for(&mut l, 3);
    assert!(matches!(o, Outcome::Samples { .. }), "{o:?}");
}
