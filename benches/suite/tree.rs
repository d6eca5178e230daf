//! The tree (B3 and B4 of the performance notes): opening a file and showing its root,
//! expanding a group of `flat` members, and indexing every path of a nested file in the
//! background, through the loader's reader processes as the viewer's tree does, beside h5py
//! and h5ls on the same files. Reads only.

use std::path::Path;
use std::time::Instant;

use hdfscope::loader::{Request, Response};

use crate::client::Client;
use crate::data::{self, Sizes};
use crate::peers::{H5py, h5ls_seconds};
use crate::report::{Figure, Row, Section};
use crate::stats::{best_of, best_of_with};

pub fn measure(sizes: &Sizes, h5py: Option<&H5py>, h5ls: bool) -> anyhow::Result<Section> {
    let flat = data::flat(sizes.flat)?;
    let nested = data::nested(sizes.nested)?;
    data::warm(&flat)?;
    data::warm(&nested)?;
    let (groups, each) = sizes.nested;
    let objects = groups * (each + 1);
    let mut sec = Section::new(
        "Tree: open, expand, index (B3, B4)",
        format!(
            "`/flat` holds {} empty groups; the nested file {groups} groups of {each} small \
             datasets ({objects} objects), both in the latest format. hdfscope through the \
             loader and a reader process it starts (included) unless said; h5py inside a running \
             interpreter (starting Python excluded); h5ls as a process. Best of 3 (2 for the index).",
            sizes.flat
        ),
    );
    let py = |file: &Path, expr: &str| -> anyhow::Result<Option<Figure>> {
        Ok(h5py
            .map(|p| p.time(file, expr, 3))
            .transpose()?
            .map(|t| Figure::Time(t.seconds)))
    };
    let ls = |args: &[&str], runs| -> anyhow::Result<Option<Figure>> {
        Ok(h5ls
            .then(|| best_of(runs, || h5ls_seconds(args)))
            .transpose()?
            .map(Figure::Time))
    };
    let root_keys = "list(h5py.File(sys.argv[1], 'r').keys())";

    let open = best_of(3, || open_and_list(&flat, "/").map(|(t, _)| t))?;
    let flat_arg = flat.to_string_lossy().into_owned();
    sec.rows.push(
        Row::new("open and show the root", Figure::Time(open))
            .against("h5py `File` + `keys()`", py(&flat, root_keys)?)
            .target("≤ 100 ms warm", open <= 0.1),
    );
    sec.rows.push(
        Row::new("open and show the root", Figure::Time(open))
            .against("h5ls FILE", ls(&[&flat_arg], 3)?),
    );
    let again = best_of(3, || reopen_and_list(&flat))?;
    sec.rows.push(
        Row::new(
            "open and show the root, reader already running",
            Figure::Time(again),
        )
        .against("h5py `File` + `keys()`", py(&flat, root_keys)?),
    );

    let (expand, listed) = best_of_with(3, || open_and_list(&flat, "/flat"))?;
    anyhow::ensure!(
        listed == sizes.flat as u64,
        "listed {listed} members of /flat"
    );
    let measure = format!(
        "expand a group of {} (first page shown, total known)",
        sizes.flat
    );
    sec.rows.push(
        Row::new(&measure, Figure::Time(expand))
            .against(
                "h5py `list(g.keys())`",
                py(&flat, "list(f['flat'].keys())")?,
            )
            .target("≤ 100 ms warm", expand <= 0.1),
    );
    sec.rows.push(
        Row::new(&measure, Figure::Time(expand))
            .against("h5ls FILE/flat", ls(&[&format!("{flat_arg}/flat")], 3)?),
    );

    let index = best_of(2, || index(&nested, objects))?;
    let measure = format!("index {objects} nested objects");
    sec.rows.push(
        Row::new(&measure, Figure::Time(index))
            .against("h5py `visit`", py(&nested, "f.visit(lambda n: None)")?),
    );
    let walk = ls(&["-r", &nested.to_string_lossy()], 2)?;
    let met = !matches!(walk, Some(Figure::Time(t)) if index > t);
    sec.rows.push(
        Row::new(&measure, Figure::Time(index))
            .against("h5ls -r", walk)
            .target("no slower than h5ls -r", met),
    );
    if h5py.is_none() {
        sec.notes
            .push("h5py was not found: its rows have no figures.".into());
    }
    if !h5ls {
        sec.notes
            .push("h5ls was not found (Debian: `apt-get install hdf5-tools`).".into());
    }
    Ok(sec)
}

/// Seconds from starting a loader to the first page of `group`, and its link count.
fn open_and_list(path: &Path, group: &str) -> anyhow::Result<(f64, u64)> {
    let started = Instant::now();
    let mut l = Client::spawn(1)?;
    l.open(1, path)?;
    let total = list(&mut l, 1, group)?;
    Ok((started.elapsed().as_secs_f64(), total))
}

fn list(l: &mut Client, file: u64, group: &str) -> anyhow::Result<u64> {
    l.send(Request::List {
        file,
        group: group.to_owned(),
        start: 0,
    });
    match l.wait(|r| matches!(r, Response::Listed { file: f, .. } if *f == file))? {
        Response::Listed {
            result: Ok(page), ..
        } => Ok(page.total),
        other => anyhow::bail!("listing {group} failed: {other:?}"),
    }
}

/// Seconds to open `path` a second time (another file id) in a running loader and list its
/// root: the reader is already there, as a running interpreter is for h5py.
fn reopen_and_list(path: &Path) -> anyhow::Result<f64> {
    let mut l = Client::spawn(1)?;
    l.open(1, path)?;
    list(&mut l, 1, "/")?;
    let started = Instant::now();
    l.open(2, path)?;
    list(&mut l, 2, "/")?;
    Ok(started.elapsed().as_secs_f64())
}

/// Seconds from starting a loader to the complete search index of `path`.
fn index(path: &Path, objects: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut l = Client::spawn(1)?;
    l.open(1, path)?;
    l.send(Request::Index { file: 1 });
    let mut entries = 0;
    loop {
        if let Response::Indexed {
            entries: e, done, ..
        } = l.wait(|r| matches!(r, Response::Indexed { .. }))?
        {
            entries += e.len();
            if done {
                break;
            }
        }
    }
    anyhow::ensure!(entries >= objects, "indexed {entries} of {objects} objects");
    Ok(started.elapsed().as_secs_f64())
}
