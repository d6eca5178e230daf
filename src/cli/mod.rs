//! The command-line face of hdfscope: `ls`, `info` and `get`, as text or JSON.
//!
//! Output goes to the writer it is given, so tests can capture it. Errors name the file and
//! the object; this is the boundary where the file name is added. Never panics on bad input.

pub mod confined;
pub mod json;
pub mod tree;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use serde_json::json;
use thiserror::Error;

use crate::export::{self, Export, ExportError, RowCoordinates};
use crate::model::{
    AttrValue, Dim, Hyperslab, LinkType, ObjectKind, parse_slice, resolve, split_target,
    values_text,
};
use crate::reader::{H5File, ReadError};

/// Default cap for `get`, in decoded bytes: plenty for a terminal, far from exhausting memory.
pub const GET_CAP_BYTES: u64 = 64 << 20;

/// hdfscope: view and plot HDF5 files. With no command, opens the viewer on FILES (or on the
/// bundled demo file).
#[derive(Debug, Parser)]
#[command(
    name = "hdfscope",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files to open in the viewer; `FILE::/path/in/file` also selects that object.
    pub files: Vec<PathBuf>,
    /// Open a window of its own even when hdfscope is already running (by default the
    /// files go to the running window).
    #[arg(long)]
    pub new_window: bool,
    /// Seconds a command may take (ls, info, get and export: before their reader process is
    /// stopped; render: for the data to arrive); 0 for no limit.
    #[arg(long, global = true, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Draw the plot or image the viewer shows for an object into a PNG, without a window.
    Render {
        /// FILE::/path (a dataset, an NXdata group, an NXentry or the file)
        target: PathBuf,
        /// The PNG to write (through a temporary file renamed into place).
        #[arg(long)]
        out: PathBuf,
        /// Width x height in pixels.
        #[arg(long, default_value = "1600x900")]
        size: String,
        /// Pixels per point (2 draws text and lines twice as large), from 0.5 to 4.
        #[arg(long, default_value_t = 1.0)]
        scale: f32,
        /// How the viewer drew it, as JSON: {"image": {colormap, invert, scale, contrast,
        /// manual, flip_x, flip_y, keep_aspect}, "plot": {log_x, log_y, bounds: {x, y}}}.
        #[arg(long)]
        look: Option<String>,
        /// The cut through N-D data, numpy-like: indices hold axes, ranges (`:`) are the
        /// axes shown (one for a plot; rows then columns for an image), e.g. `5,:,:`.
        #[arg(long)]
        slice: Option<String>,
        /// `plot` or `image`, when not the view the data opens in.
        #[arg(long)]
        view: Option<String>,
    },
    /// List the tree: path, kind, shape, dtype, link targets (like `h5ls -r`).
    Ls {
        /// FILE or FILE::/group
        target: String,
        /// Print JSON (one array of entries).
        #[arg(long)]
        json: bool,
        /// Levels to descend (1 = the group's own links).
        #[arg(long, default_value_t = 64)]
        depth: usize,
        /// Tab-separated columns, no indentation (path, kind, shape, dtype, link, label).
        #[arg(long)]
        tsv: bool,
        /// Plain HDF5: no convention labels (deepdish, pandas, NeXus, netCDF, MATLAB...).
        #[arg(long)]
        raw: bool,
    },
    /// Show one object: link, kind, dtype, shape, layout, filters, attributes, dimension scales.
    Info {
        /// FILE::/path (default `/`)
        target: String,
        #[arg(long)]
        json: bool,
    },
    /// Save a dataset selection as CSV or NPY (by the extension of --out), streamed block
    /// by block, or copy objects into a new HDF5 file (--out x.h5) with their attributes
    /// and dimension scales; always through a temporary file renamed into place.
    Export {
        /// FILE::/path
        target: String,
        /// More objects of the same file to copy into an .h5 (repeatable).
        #[arg(long = "with", value_name = "PATH")]
        with: Vec<String>,
        /// numpy-like selection, e.g. "10:20,3,::2" (an integer drops its axis).
        #[arg(long, allow_hyphen_values = true)]
        slice: Option<String>,
        /// The file to write: .csv, .npy, or .h5 (.hdf5, .nxs) for a copy of whole objects.
        #[arg(long)]
        out: PathBuf,
        /// CSV without the first line of column names.
        #[arg(long)]
        no_header: bool,
        /// Read values kept in other files (external raw storage, virtual dataset sources);
        /// off by default, since a file can point at any file on the machine.
        #[arg(long)]
        outside: bool,
    },
    /// Print the values of a dataset selection.
    Get {
        /// FILE::/path
        target: String,
        /// numpy-like selection, e.g. "10:20,3,::2" (an integer drops its axis).
        #[arg(long, allow_hyphen_values = true)]
        slice: Option<String>,
        #[arg(long)]
        json: bool,
        /// Read values kept in other files (external raw storage, virtual dataset sources);
        /// off by default, since a file can point at any file on the machine.
        #[arg(long)]
        outside: bool,
    },
}

impl Command {
    /// The file the command reads.
    pub fn file(&self) -> PathBuf {
        match self {
            Self::Render { target, .. } => split_target(&target.to_string_lossy()).0,
            Self::Ls { target, .. }
            | Self::Info { target, .. }
            | Self::Export { target, .. }
            | Self::Get { target, .. } => split_target(target).0,
        }
    }
}

/// A CLI failure: always names the file, and the object when there is one.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("{file}::{source}")]
    Object { file: PathBuf, source: ReadError },
    #[error("{0}")]
    File(ReadError),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error("`render` draws with the viewer; run it through the hdfscope binary")]
    NeedsViewer,
    #[error("{0}")]
    Export(#[from] ExportError),
    #[error("{0}")]
    Usage(String),
}

fn open(file: &Path) -> Result<H5File, CliError> {
    crate::reader::prepare_library().map_err(CliError::File)?;
    H5File::open(file).map_err(CliError::File)
}

/// Attaches the file name to an object-level error.
fn in_file(file: &Path) -> impl Fn(ReadError) -> CliError + '_ {
    move |source| match source {
        e @ (ReadError::Io { .. }
        | ReadError::NotHdf5 { .. }
        | ReadError::Open { .. }
        | ReadError::BeingWritten { .. }) => CliError::File(e),
        source => CliError::Object {
            file: file.to_owned(),
            source,
        },
    }
}

/// Runs one command, writing its output to `out`.
pub fn run(command: &Command, out: &mut dyn Write) -> Result<(), CliError> {
    match command {
        Command::Render { .. } => Err(CliError::NeedsViewer),
        Command::Ls {
            target,
            json,
            depth,
            tsv,
            raw,
        } => {
            let how = ListStyle {
                json: *json,
                depth: *depth,
                tsv: *tsv,
                labels: !*raw,
            };
            ls(target, &how, out)
        }
        Command::Info { target, json } => info(target, *json, out),
        Command::Export {
            target,
            with,
            slice,
            out: dest,
            no_header,
            outside,
        } => match export::Format::of(dest)? {
            export::Format::Hdf5 if slice.is_none() => subset(target, with, dest, out),
            _ if !with.is_empty() => Err(CliError::Usage(
                "--with adds objects to an HDF5 copy (--out FILE.h5), not to CSV or NPY".to_owned(),
            )),
            _ => {
                let how = CutExport {
                    slice: slice.as_deref(),
                    header: !*no_header,
                    outside: *outside,
                };
                export(target, &how, dest, out)
            }
        },
        Command::Get {
            target,
            slice,
            json,
            outside,
        } => get(target, slice.as_deref(), *json, *outside, out),
    }
}

fn kind_name(kind: Option<ObjectKind>) -> &'static str {
    match kind {
        Some(ObjectKind::Group) => "group",
        Some(ObjectKind::Dataset) => "dataset",
        Some(ObjectKind::Datatype) => "datatype",
        Some(ObjectKind::Link) | None => "link",
    }
}

fn link_text(row: &tree::Row) -> String {
    match row.link_type {
        LinkType::Hard => match &row.alias_of {
            Some(a) if tree::is_cycle(&row.path, a) => {
                format!("= {a} (cycle: links to its ancestor)")
            }
            Some(a) => format!("= {a} (already listed)"),
            None => String::new(),
        },
        LinkType::Soft => format!("-> {}", row.target.as_deref().unwrap_or("?")),
        LinkType::External => format!(
            "-> {}:{}",
            row.file.as_deref().unwrap_or("?"),
            row.target.as_deref().unwrap_or("?")
        ),
        LinkType::User => "user-defined link".to_owned(),
    }
}

/// How `ls` prints.
struct ListStyle {
    json: bool,
    depth: usize,
    tsv: bool,
    /// Recognise the writers' conventions (off with `--raw`).
    labels: bool,
}

fn ls(target: &str, how: &ListStyle, out: &mut dyn Write) -> Result<(), CliError> {
    let (file_path, root) = split_target(target);
    let file = open(&file_path)?;
    let rows = tree::walk(&file, &root, how.depth).map_err(in_file(&file_path))?;
    let labels = if how.labels {
        tree::labels(&file, &root, &rows)
    } else {
        HashMap::new()
    };
    if how.json {
        let entries: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "path": r.path,
                    "kind": kind_name(r.kind),
                    "shape": r.shape.as_ref().map(json::shape_json),
                    "dtype": r.dtype.as_ref().map(crate::model::DType::text),
                    "link": {"type": r.link_type, "target": r.target, "file": r.file},
                    "alias_of": r.alias_of,
                    "cycle": r.alias_of.as_deref().is_some_and(|a| tree::is_cycle(&r.path, a)),
                    "error": r.error,
                    "omitted": r.omitted,
                    "label": labels.get(&r.path).map(label_json),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &entries).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(());
    }
    let values = |out: &mut dyn Write, path: &str, depth: usize| -> std::io::Result<()> {
        for (name, value) in labels.get(path).map_or(&[][..], |l| &l.values[..]) {
            let indent = "  ".repeat(depth);
            writeln!(out, "{indent}{name:<24} {:<8} {value}", "value")?;
        }
        Ok(())
    };
    if let Some(l) = labels.get(&root) {
        writeln!(out, "{root}  [{}]", l.label.full_text())?;
        values(out, &root, 0)?;
    }
    for r in &rows {
        if let Some(n) = r.omitted {
            writeln!(out, "{}... {n} more links not listed", "  ".repeat(r.depth))?;
            continue;
        }
        let kind = if r.error.is_some() {
            "error"
        } else {
            kind_name(r.kind)
        };
        let shape = r
            .shape
            .as_ref()
            .map(crate::model::Shape::text)
            .unwrap_or_default();
        let dtype = r
            .dtype
            .as_ref()
            .map(crate::model::DType::text)
            .unwrap_or_default();
        let link = r.error.clone().unwrap_or_else(|| link_text(r));
        let label = labels
            .get(&r.path)
            .map(|l| format!("[{}]", l.label.full_text()))
            .unwrap_or_default();
        if how.tsv {
            writeln!(out, "{}\t{kind}\t{shape}\t{dtype}\t{link}\t{label}", r.path)?;
        } else {
            let indent = "  ".repeat(r.depth.saturating_sub(1));
            let name = r.path.rsplit('/').next().unwrap_or(&r.path);
            let detail = [
                label.as_str(),
                shape.as_str(),
                dtype.as_str(),
                link.as_str(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("  ");
            writeln!(out, "{indent}{name:<24} {kind:<8} {detail}")?;
            values(out, &r.path, r.depth)?;
        }
    }
    Ok(())
}

fn label_json(l: &tree::Labelled) -> serde_json::Value {
    let values: Vec<serde_json::Value> = (l.values.iter())
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    json!({
        "convention": l.label.convention,
        "kind": l.label.kind,
        "detail": l.label.detail,
        "values": values,
    })
}

fn info(target: &str, as_json: bool, out: &mut dyn Write) -> Result<(), CliError> {
    let (file_path, path) = split_target(target);
    let file = open(&file_path)?;
    let info = file.info(&path).map_err(in_file(&file_path))?;
    let children: Option<Vec<String>> = if info.kind == ObjectKind::Group {
        let page = file
            .list(&path, 0, tree::MAX_LINKS_PER_GROUP)
            .map_err(in_file(&file_path))?;
        Some(page.links.into_iter().map(|l| l.name).collect())
    } else {
        None
    };
    if as_json {
        let doc = json::info_json(&info, children.as_deref());
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{}  ({})", info.path, kind_name(Some(info.kind)))?;
    if let Some(l) = &info.link
        && l.link.link_type != LinkType::Hard
    {
        let state = if l.resolves {
            "resolves"
        } else {
            "does not resolve"
        };
        writeln!(
            out,
            "  link: {:?} {} ({state})",
            l.link.link_type,
            l.target_text()
        )?;
    }
    if let Some(ds) = &info.dataset {
        writeln!(out, "  dtype: {}", ds.dtype.text())?;
        writeln!(out, "  shape: {}", ds.shape.text())?;
        writeln!(out, "  layout: {}", ds.layout.text())?;
        for f in &ds.filters {
            writeln!(out, "  filter: {}", f.text())?;
        }
        let ratio = ds
            .compression_ratio()
            .map(|r| format!(", ratio {r:.2}"))
            .unwrap_or_default();
        writeln!(out, "  storage: {} bytes{ratio}", ds.storage_bytes)?;
        if let Some(fill) = &ds.fill_value {
            writeln!(out, "  fill value: {fill}")?;
        }
        if info.is_scale {
            writeln!(out, "  is a dimension scale")?;
        }
    }
    if let Some(t) = &info.datatype {
        writeln!(out, "  defines: {}", t.text())?;
    }
    for (axis, d) in info.dims.iter().enumerate() {
        let scales: Vec<String> = d
            .scales
            .iter()
            .map(|s| match &s.name {
                Some(n) => format!("{} ({n})", s.path),
                None => s.path.clone(),
            })
            .collect();
        writeln!(
            out,
            "  dim {axis}: label {:?}, scales [{}]",
            d.label.as_deref().unwrap_or(""),
            scales.join(", ")
        )?;
    }
    if let Some(c) = &children {
        writeln!(
            out,
            "  children ({}): {}",
            info.child_count.unwrap_or(0),
            c.join(", ")
        )?;
    }
    for a in &info.attrs {
        let value = match &a.value {
            AttrValue::Loaded(v) => values_text(v),
            AttrValue::Skipped(why) => format!("<{why}>"),
            AttrValue::Failed(why) => format!("<error: {why}>"),
        };
        writeln!(
            out,
            "  @{} ({}, {}) = {value}",
            a.name,
            a.dtype.text(),
            a.shape.text()
        )?;
    }
    Ok(())
}

fn get(
    target: &str,
    slice: Option<&str>,
    as_json: bool,
    outside: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (file_path, path) = split_target(target);
    let file = open(&file_path)?;
    let axes = parse_slice(slice.unwrap_or("")).map_err(|source| CliError::Object {
        file: file_path.clone(),
        source: ReadError::Slice {
            path: path.clone(),
            source,
        },
    })?;
    let values = file
        .read(&path, &axes, GET_CAP_BYTES, outside)
        .map_err(in_file(&file_path))?;
    warn_missing_sources(&file, &file_path, &path);
    if as_json {
        let doc = json!({
            "path": path,
            "shape": values.shape(),
            "values": json::values_json(&values),
        });
        serde_json::to_writer(&mut *out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}", values_text(&values))?;
    }
    Ok(())
}

/// Says on stderr when values just read came partly from missing virtual sources (libhdf5
/// put the fill value there), so they are never taken for data.
fn warn_missing_sources(file: &H5File, file_path: &Path, path: &str) {
    let layout = file
        .info(path)
        .ok()
        .and_then(|i| i.dataset)
        .map(|d| d.layout);
    if let Some(layout) = layout
        && !layout.missing_sources().is_empty()
    {
        eprintln!(
            "hdfscope: warning: {}::{path}: source files of this virtual dataset are missing \
             ({}); values mapped to them are the fill value, not data",
            file_path.display(),
            layout.missing_sources().join(", ")
        );
    }
}

/// How `export` cuts and writes a selection.
struct CutExport<'a> {
    slice: Option<&'a str>,
    header: bool,
    outside: bool,
}

fn export(
    target: &str,
    how: &CutExport<'_>,
    dest_path: &Path,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let CutExport {
        slice,
        header,
        outside,
    } = *how;
    let (file_path, path) = split_target(target);
    let file = open(&file_path)?;
    let info = file.info(&path).map_err(in_file(&file_path))?;
    let object = |source| CliError::Object {
        file: file_path.clone(),
        source,
    };
    let Some(ds) = info.dataset else {
        return Err(object(ReadError::Unsupported {
            path,
            what: "is not a dataset; only datasets can be exported".to_owned(),
        }));
    };
    let dims = ds.shape.dims().to_vec();
    let axes = parse_slice(slice.unwrap_or("")).map_err(|source| {
        object(ReadError::Slice {
            path: path.clone(),
            source,
        })
    })?;
    let sel = if dims.is_empty() && axes.is_empty() {
        Hyperslab::all(&[])
    } else {
        resolve(&axes, &dims).map_err(|source| {
            object(ReadError::Slice {
                path: path.clone(),
                source,
            })
        })?
    };
    // The file being read counts as open: it is never written to.
    let open_files = std::slice::from_ref(&file_path);
    let rows = row_coordinates(&file, &info.dims, &dims, &sel);
    let mut export = Export::start(dest_path, &ds.dtype, &sel, header, open_files, rows)?;
    while let Some(piece) = export.next_read() {
        let values = file
            .read(&path, &piece, export::READ_CAP, outside)
            .map_err(in_file(&file_path))?;
        let coordinates = match export.coordinates_read(&piece) {
            Some((scale, slice)) => Some(
                file.read(scale, &slice, export::READ_CAP, outside)
                    .map_err(in_file(&file_path))?,
            ),
            None => None,
        };
        export.write(&values, coordinates.as_ref())?;
    }
    export.finish()?;
    warn_missing_sources(&file, &file_path, &path);
    let shape = sel.result_shape();
    writeln!(
        out,
        "wrote {} ({} of {path})",
        dest_path.display(),
        shape_text(&shape)
    )?;
    Ok(())
}

/// The dimension scale of the selection's first kept axis of a dataset of `shape`, when it
/// has a usable one, for a CSV's first column.
fn row_coordinates(
    file: &H5File,
    dims: &[Dim],
    shape: &[u64],
    sel: &Hyperslab,
) -> Option<RowCoordinates> {
    let axis = sel.keep.iter().position(|k| *k)?;
    let scale = dims.get(axis)?.scales.first()?;
    let info = file.info(&scale.path).ok()?;
    RowCoordinates::of(scale, &info, *shape.get(axis)?)
}

/// Copies the target and `more` objects of its file into a new HDF5 file.
fn subset(
    target: &str,
    more: &[String],
    dest_path: &Path,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (file_path, path) = split_target(target);
    let file = open(&file_path)?;
    let mut paths = vec![path];
    paths.extend(more.iter().cloned());
    export::refuse_open_files(dest_path, std::slice::from_ref(&file_path))?;
    let dest = export::Destination::create(dest_path)?;
    let report = file
        .copy_subset(&paths, dest.temp_path())
        .map_err(in_file(&file_path))?;
    dest.finish()?;
    writeln!(
        out,
        "wrote {} (copied {}; {} dimension scales attached)",
        dest_path.display(),
        report.copied.join(", "),
        report.attached
    )?;
    for note in &report.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(())
}

fn shape_text(shape: &[usize]) -> String {
    if shape.is_empty() {
        return "a scalar".to_owned();
    }
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    dims.join(" x ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_on_the_last_double_colon() {
        assert_eq!(
            split_target("a.h5::/x/y"),
            (PathBuf::from("a.h5"), "/x/y".to_owned())
        );
        assert_eq!(
            split_target("a.h5"),
            (PathBuf::from("a.h5"), "/".to_owned())
        );
        assert_eq!(
            split_target("C::dir/a.h5::x"),
            (PathBuf::from("C::dir/a.h5"), "/x".to_owned())
        );
    }
}
