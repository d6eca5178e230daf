//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and their regression test
//! (`tests/fuzz_seeds.rs`). Each takes arbitrary bytes and drives one piece of hdfscope's
//! own parsing: the worker's and the single-instance socket's message decoding, slice
//! expressions, `FILE::/path` arguments, CF time units, the convention recognisers and CF
//! calibration, and the HDF5 signature search. They must never panic, hang or allocate
//! without bound on any input; a fuzzer finding says one of them did. Never used by the
//! viewer itself.

use std::io::Write as _;
use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::loader::protocol::{FileId, Job, Reply, read_frame};
use crate::loader::{Loader, LoaderConfig, Request, Response, WorkerKind};
use crate::model::{
    CalendarStep, Calibration, ObjectInfo, TimeUnits, convention, parse_slice, resolve,
};

/// Worker frames as the loader and a worker read them from their pipes.
pub fn worker_frames(data: &[u8]) {
    let mut input = data;
    while let Ok(Some(_)) = read_frame::<Reply>(&mut input) {}
    let mut input = data;
    while let Ok(Some(_)) = read_frame::<Job>(&mut input) {}
}

/// A message on the single-instance socket, as the running window reads it.
pub fn instance_message(data: &[u8]) {
    let _ = crate::app::single_instance::read_message(&mut &data[..]);
}

/// A slice expression, resolved against dims taken from the first bytes.
pub fn slice_expression(data: &[u8]) {
    let (dims, text) = data.split_at(data.len().min(4));
    let dims: Vec<u64> = dims.iter().map(|&d| u64::from(d) * 1000 + 1).collect();
    if let Ok(axes) = parse_slice(&String::from_utf8_lossy(text))
        && let Ok(sel) = resolve(&axes, &dims)
    {
        let _ = (sel.element_count(), sel.result_shape());
    }
}

/// A command-line target, `FILE` or `FILE::/path`.
pub fn target_argument(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::model::split_target(&text);
    let _ = crate::app::OpenRequest::from_arg(text.into_owned().into());
}

/// CF time units (`"seconds since 2000-01-01T00:00:00Z"`), the dates they give and the
/// calendar marks of an axis: 16 bytes of value and span, then the units text.
pub fn time_units(data: &[u8]) {
    let number = |at: usize| {
        let mut b = [0u8; 8];
        let part = data.get(at..).unwrap_or_default();
        let n = part.len().min(8);
        b[..n].copy_from_slice(&part[..n]);
        f64::from_le_bytes(b)
    };
    let (value, span) = (number(0), number(8));
    let text = String::from_utf8_lossy(data.get(16..).unwrap_or_default());
    let Some(units) = TimeUnits::parse(&text) else {
        return;
    };
    let _ = units.format(value, span);
    if let Some(step) = CalendarStep::at_least(span.abs() * units.seconds_per_unit() / 5.0) {
        let _ = units.marks(value, value + span, step);
    }
}

/// An object's metadata as a worker sends it (attributes of any type and content) through
/// every convention recogniser and the CF calibration.
pub fn conventions(data: &[u8]) {
    let Ok(info) = rmp_serde::from_slice::<ObjectInfo>(data) else {
        return;
    };
    let lookup = |_: &str| Some(&info);
    if let Some(label) = convention::recognise(&info, &lookup) {
        let _ = convention::attribute_values(&info, &label);
        let _ = label.full_text();
    }
    if let Some(c) = Calibration::from_attrs(&info) {
        c.apply(&mut [0.0, -1.0, f64::NAN, 1e300]);
    }
}

/// The HDF5 signature search over a file's bytes (user blocks of any size).
pub fn signature(data: &[u8]) {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).is_ok() {
        let _ = crate::reader::find_signature(file.path());
    }
}

/// The first answer from `l` that `done` accepts (others are dropped). Panics when none
/// comes within `limit`: for a hostile file that means the loader failed its watchdog.
pub fn answer(
    l: &mut Loader,
    limit: Duration,
    what: &str,
    done: impl Fn(&Response) -> bool,
) -> Response {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(r) = l.drain(Duration::from_millis(5)).into_iter().find(&done) {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "no answer for {what} in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// What [`browse`] saw of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Browsed {
    pub opened: bool,
    /// Links listed in the root's first page.
    pub children: usize,
}

/// Opens `path` as `id` in `l`, lists its root and describes up to 4 of its children, as
/// a user clicking through it would; every answer must come within `limit` (see
/// [`answer`]). `what` names the file in a failure.
pub fn browse(l: &mut Loader, id: FileId, path: &Path, limit: Duration, what: &str) -> Browsed {
    l.send(Request::Open {
        file: id,
        path: path.to_owned(),
    });
    let opened = answer(
        l,
        limit,
        what,
        |r| matches!(r, Response::Opened { file, .. } if *file == id),
    );
    if let Response::Opened { result: Err(e), .. } = &opened {
        assert!(!e.is_empty(), "{what}: an empty error");
        return Browsed {
            opened: false,
            children: 0,
        };
    }
    l.send(Request::List {
        file: id,
        group: "/".into(),
        start: 0,
    });
    let listed = answer(
        l,
        limit,
        what,
        |r| matches!(r, Response::Listed { file, .. } if *file == id),
    );
    let Response::Listed {
        result: Ok(page), ..
    } = listed
    else {
        return Browsed {
            opened: true,
            children: 0,
        };
    };
    for child in page.children.iter().take(4) {
        let path = format!("/{}", child.link.name);
        l.send(Request::Info {
            file: id,
            path: path.clone(),
        });
        answer(
            l,
            limit,
            what,
            |r| matches!(r, Response::Info { file, path: p, .. } if *file == id && *p == path),
        );
    }
    Browsed {
        opened: true,
        children: page.children.len(),
    }
}

/// A file's bytes opened as the viewer opens them: through the loader and a confined
/// reader process of `exe` (the hdfscope binary), browsed by [`browse`]. libhdf5 may crash
/// or hang on the bytes; that is the reader's to suffer. What must hold is the loader's
/// side: every request answered within the watchdog's time, and no panic.
pub fn open_in_reader(exe: &Path, data: &[u8]) {
    static LOADER: OnceLock<Mutex<(Loader, FileId)>> = OnceLock::new();
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    let loader = LOADER.get_or_init(|| {
        let mut config = LoaderConfig::new(WorkerKind::Process(exe.to_owned()));
        config.timeout = Duration::from_secs(5);
        config.data_workers = 1;
        match Loader::spawn(config, Box::new(|| {})) {
            Ok(l) => Mutex::new((l, 0)),
            Err(e) => panic!("the loader does not start: {e}"),
        }
    });
    let mut guard = loader.lock().unwrap_or_else(PoisonError::into_inner);
    let (l, next) = &mut *guard;
    *next += 1;
    let id = *next;
    browse(
        l,
        id,
        file.path(),
        Duration::from_secs(20),
        "the fuzzed file",
    );
    l.send(Request::Close { file: id });
}
