//! The tree benchmark (`cargo bench --bench tree`; B3 and B4 of the performance notes): how
//! fast the viewer's loader opens a file and shows its root, expands a group of 100 000
//! members, and indexes a file of 200 000 nested objects in the background, side by side
//! with h5py and h5ls (Debian's hdf5-tools) on the same files in the same run.
//!
//! Every hdfscope figure goes through the real reader processes, as the viewer's do, and
//! includes starting them. Data is generated once, deterministically, under the target
//! directory. Prints a markdown table of times and ratios (peer / hdfscope: above 1 means
//! hdfscope is faster); asserts nothing. A missing peer is said so.

#[path = "common/peers.rs"]
mod peers;
#[path = "common/waveform.rs"]
#[allow(dead_code, reason = "only the benchmark data directory is shared")]
mod waveform;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hdfscope::loader::{Loader, LoaderConfig, Request, Response, WorkerKind};

use self::peers::{find_h5py, h5py_seconds, warm};
use self::waveform::data_dir;

/// Members of the flat group.
const FLAT: usize = 100_000;
/// Groups and datasets per group of the nested file.
const NESTED: (usize, usize) = (200, 1_000);

fn main() -> anyhow::Result<()> {
    let dir = data_dir();
    std::fs::create_dir_all(&dir)?;
    let flat = dir.join("tree-flat-100k.h5");
    let nested = dir.join("tree-nested-200k.h5");
    if !flat.exists() {
        eprintln!("writing {} ...", flat.display());
        write_flat(&flat)?;
    }
    if !nested.exists() {
        eprintln!("writing {} ...", nested.display());
        write_nested(&nested)?;
    }
    warm(&flat)?;
    warm(&nested)?;

    let h5py = find_h5py();
    let h5ls = Command::new("h5ls").arg("--version").output().is_ok();
    println!(
        "peers: {}; {}",
        h5py.as_ref()
            .map_or("h5py not found".to_owned(), |(_, v)| v.clone()),
        if h5ls {
            "h5ls found"
        } else {
            "h5ls not found (apt-get install hdf5-tools)"
        }
    );
    println!();
    println!("| measure | hdfscope | h5py | h5py / hdfscope | h5ls | h5ls / hdfscope |");
    println!("|---|---|---|---|---|---|");

    let ours = best_of(3, || open_and_list(&flat, "/").map(|(t, _)| t))?;
    let py = h5py
        .as_ref()
        .map(|(py, _)| h5py_seconds(py, &flat, "list(h5py.File(sys.argv[1], 'r').keys())"));
    let ls = h5ls.then(|| best_of(3, || h5ls_seconds(&[&flat_arg(&flat, "")])));
    row("open and show the root (flat file)", ours, py, ls);

    // As h5py's figure: the process already running, only the file opened and listed.
    let ours = best_of(3, || reopen_and_list(&flat))?;
    let py = h5py
        .as_ref()
        .map(|(py, _)| h5py_seconds(py, &flat, "list(h5py.File(sys.argv[1], 'r').keys())"));
    row("open and show the root, reader running", ours, py, None);

    let (ours, listed) = best_of_with(3, || open_and_list(&flat, "/flat"))?;
    anyhow::ensure!(listed == FLAT as u64, "listed {listed} members");
    let py = h5py
        .as_ref()
        .map(|(py, _)| h5py_seconds(py, &flat, "list(f['flat'].keys())"));
    let ls = h5ls.then(|| best_of(3, || h5ls_seconds(&[&flat_arg(&flat, "/flat")])));
    row(
        "expand a group of 100 000 (first page, total)",
        ours,
        py,
        ls,
    );

    let ours = best_of(2, || index(&nested))?;
    let py = h5py
        .as_ref()
        .map(|(py, _)| h5py_seconds(py, &nested, "f.visit(lambda n: None)"));
    let ls = h5ls.then(|| best_of(2, || h5ls_seconds(&["-r", &nested.to_string_lossy()])));
    row("index 200 000 nested objects", ours, py, ls);
    Ok(())
}

/// One table row: our time, the peers' (when run) and the ratios.
fn row(what: &str, ours: f64, py: Option<anyhow::Result<f64>>, ls: Option<anyhow::Result<f64>>) {
    let cell = |peer: Option<anyhow::Result<f64>>| match peer {
        None => ("—".to_owned(), "—".to_owned()),
        Some(Ok(t)) => (ms(t), format!("{:.2}", t / ours)),
        Some(Err(e)) => (format!("failed: {e}"), "—".to_owned()),
    };
    let (py_t, py_r) = cell(py);
    let (ls_t, ls_r) = cell(ls);
    println!(
        "| {what} | {} | {py_t} | {py_r} | {ls_t} | {ls_r} |",
        ms(ours)
    );
}

fn ms(seconds: f64) -> String {
    format!("{:.1} ms", seconds * 1e3)
}

/// The fastest of `n` runs, in seconds.
fn best_of(n: usize, mut run: impl FnMut() -> anyhow::Result<f64>) -> anyhow::Result<f64> {
    best_of_with(n, || run().map(|t| (t, ()))).map(|(t, ())| t)
}

/// The fastest of `n` runs and what it returned.
fn best_of_with<T>(
    n: usize,
    mut run: impl FnMut() -> anyhow::Result<(f64, T)>,
) -> anyhow::Result<(f64, T)> {
    let mut best: Option<(f64, T)> = None;
    for _ in 0..n {
        let (t, v) = run()?;
        if best.as_ref().is_none_or(|(b, _)| t < *b) {
            best = Some((t, v));
        }
    }
    best.ok_or_else(|| anyhow::anyhow!("no runs"))
}

/// `/flat` with `FLAT` empty groups, in the latest format (dense link storage).
fn write_flat(path: &Path) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    let f = hdf5::File::with_options()
        .with_fapl(|p| p.libver_latest())
        .create(&tmp)?;
    let g = f.create_group("flat")?;
    for i in 0..FLAT {
        g.create_group(&format!("g{i:06}"))?;
    }
    drop(f);
    std::fs::rename(tmp, path)?;
    Ok(())
}

/// `NESTED.0` groups of `NESTED.1` small datasets each.
fn write_nested(path: &Path) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    let f = hdf5::File::with_options()
        .with_fapl(|p| p.libver_latest())
        .create(&tmp)?;
    for i in 0..NESTED.0 {
        let g = f.create_group(&format!("run{i:03}"))?;
        for j in 0..NESTED.1 {
            g.new_dataset::<i32>()
                .shape(4)
                .create(format!("d{j:04}").as_str())?;
        }
    }
    drop(f);
    std::fs::rename(tmp, path)?;
    Ok(())
}

fn loader() -> anyhow::Result<Loader> {
    let config = LoaderConfig::new(WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into()));
    Ok(Loader::spawn(config, Box::new(|| {}))?)
}

/// The next answer the loader gives that `want` accepts.
fn wait(l: &mut Loader, want: impl Fn(&Response) -> bool) -> anyhow::Result<Response> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if let Some(r) = l.drain(Duration::from_millis(1)).into_iter().find(&want) {
            return Ok(r);
        }
        anyhow::ensure!(Instant::now() < deadline, "no answer from the loader");
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Seconds from starting a loader to the first page of `group` (as the viewer's tree gets
/// it), and the group's link count.
fn open_and_list(path: &Path, group: &str) -> anyhow::Result<(f64, u64)> {
    let started = Instant::now();
    let mut l = loader()?;
    l.send(Request::Open {
        file: 1,
        path: path.to_owned(),
    });
    if let Response::Opened { result: Err(e), .. } =
        wait(&mut l, |r| matches!(r, Response::Opened { .. }))?
    {
        anyhow::bail!("open failed: {e}");
    }
    l.send(Request::List {
        file: 1,
        group: group.to_owned(),
        start: 0,
    });
    match wait(&mut l, |r| matches!(r, Response::Listed { .. }))? {
        Response::Listed {
            result: Ok(page), ..
        } => Ok((started.elapsed().as_secs_f64(), page.total)),
        other => anyhow::bail!("listing failed: {other:?}"),
    }
}

/// Seconds to open `path` a second time (as another file id) in a running loader and list
/// its root: the reader process is already there, as a running interpreter is for h5py.
fn reopen_and_list(path: &Path) -> anyhow::Result<f64> {
    let mut l = loader()?;
    let mut open_and_list = |file| -> anyhow::Result<f64> {
        let started = Instant::now();
        l.send(Request::Open {
            file,
            path: path.to_owned(),
        });
        wait(
            &mut l,
            |r| matches!(r, Response::Opened { file: f, .. } if *f == file),
        )?;
        l.send(Request::List {
            file,
            group: "/".to_owned(),
            start: 0,
        });
        wait(
            &mut l,
            |r| matches!(r, Response::Listed { file: f, .. } if *f == file),
        )?;
        Ok(started.elapsed().as_secs_f64())
    };
    open_and_list(1)?;
    open_and_list(2)
}

/// Seconds from opening to the complete search index of every path.
fn index(path: &Path) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut l = loader()?;
    l.send(Request::Open {
        file: 1,
        path: path.to_owned(),
    });
    wait(&mut l, |r| matches!(r, Response::Opened { .. }))?;
    l.send(Request::Index { file: 1 });
    let mut entries = 0;
    loop {
        if let Response::Indexed {
            entries: e, done, ..
        } = wait(&mut l, |r| matches!(r, Response::Indexed { .. }))?
        {
            entries += e.len();
            if done {
                break;
            }
        }
    }
    let expected = NESTED.0 * (NESTED.1 + 1);
    anyhow::ensure!(entries >= expected, "indexed {entries} of {expected}");
    Ok(started.elapsed().as_secs_f64())
}

/// `FILE/group` as h5ls names an object.
fn flat_arg(file: &Path, group: &str) -> String {
    format!("{}{group}", file.display())
}

/// Wall-clock seconds of `h5ls ARGS` (output discarded), process start included.
fn h5ls_seconds(args: &[&str]) -> anyhow::Result<f64> {
    let started = Instant::now();
    let out = Command::new("h5ls")
        .args(args)
        .stdout(std::process::Stdio::null())
        .output()?;
    anyhow::ensure!(out.status.success(), "h5ls {args:?} failed");
    Ok(started.elapsed().as_secs_f64())
}
