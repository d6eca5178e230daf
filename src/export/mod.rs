//! Writing what the user sees to new files: CSV and NPY of a dataset's values, streamed
//! block by block, never the whole selection in memory.
//!
//! Every export goes to a temporary file in the destination's folder and is renamed into
//! place only when complete ([`Destination`]): a failure or a cancel leaves any existing
//! file untouched. A destination that is one of the files being viewed is refused
//! (compared by file identity, not by path text). Pure writers over [`Values`]: never
//! touches libhdf5 or egui; the caller reads the blocks.

mod csv;
mod npy;
mod plan;
pub mod svg;

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

use self::csv::CsvWriter;
use self::npy::NpyWriter;
use self::plan::plan;
use crate::model::{AxisSlice, DType, Hyperslab, ObjectInfo, ScaleRef, Values};

/// Bytes of decoded values read per block of an export.
const BLOCK_BYTES: u64 = 16 << 20;

/// The most one block may decode to: a single row larger than this cannot be streamed and
/// is refused with its size, rather than exhausting memory.
pub const READ_CAP: u64 = 1 << 30;

/// What an export writes, chosen by the destination's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Npy,
    /// A new HDF5 file holding copies of whole objects (a subset export).
    Hdf5,
}

impl Format {
    pub fn of(path: &Path) -> Result<Self, ExportError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("npy") => Ok(Self::Npy),
            Some("h5" | "hdf5" | "he5" | "nxs") => Ok(Self::Hdf5),
            _ => Err(ExportError::Format(path.to_path_buf())),
        }
    }
}

/// Why an export failed. Every variant names the destination.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("{}: cannot export there: the format comes from the extension (.csv, .npy, or .h5 for a copy of whole objects)", .0.display())]
    Format(PathBuf),
    #[error("{}: refusing to write onto a file that is open in the viewer", .0.display())]
    OpenFile(PathBuf),
    #[error("{}: {what}", path.display())]
    Unsupported { path: PathBuf, what: String },
    #[error("{}: cannot write: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ExportError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Refuses `dest` when it is the same file as one of `open` (hard links and other
/// spellings of the path included).
pub fn refuse_open_files(dest: &Path, open: &[PathBuf]) -> Result<(), ExportError> {
    let same = open
        .iter()
        .any(|o| same_file::is_same_file(dest, o).unwrap_or(false));
    if same {
        Err(ExportError::OpenFile(dest.to_path_buf()))
    } else {
        Ok(())
    }
}

/// A file being written: a temporary file beside the destination until [`Destination::
/// finish`] renames it into place; dropped unfinished, it is deleted and the destination
/// is untouched.
pub struct Destination {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    out: std::io::BufWriter<std::fs::File>,
}

impl Destination {
    pub fn create(path: &Path) -> Result<Self, ExportError> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        remove_stale_partials(dir);
        let tmp = tempfile::Builder::new()
            .prefix(PARTIAL_PREFIX)
            .suffix(PARTIAL_SUFFIX)
            .tempfile_in(dir)
            .map_err(ExportError::io(path))?;
        let file = tmp.reopen().map_err(ExportError::io(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            tmp,
            out: std::io::BufWriter::with_capacity(1 << 20, file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file, for a writer that needs a path (libhdf5 creating a subset).
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Flushes everything to disk and renames the file into place.
    pub fn finish(mut self) -> Result<(), ExportError> {
        let path = self.path.clone();
        self.out.flush().map_err(ExportError::io(&path))?;
        self.out
            .get_ref()
            .sync_all()
            .map_err(ExportError::io(&path))?;
        self.tmp
            .persist(&path)
            .map_err(|e| ExportError::io(&path)(e.error))?;
        // The rename is durable once the directory is synced. Best effort: some filesystems
        // refuse fsync on a directory, and the file is complete either way.
        #[cfg(unix)]
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

/// Temporary export files are named `.hdfscope-export-XXXXXX.partial`.
const PARTIAL_PREFIX: &str = ".hdfscope-export-";
const PARTIAL_SUFFIX: &str = ".partial";
/// A temporary export file untouched this long was left by an export that was killed
/// (a confined command stopped by its time limit, a crash, a power cut).
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes the temporary files killed exports left in `dir`; a running export's file is
/// younger and stays. Best effort: a file that cannot be removed is left for next time.
fn remove_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if name.starts_with(PARTIAL_PREFIX) && name.ends_with(PARTIAL_SUFFIX) && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Write for Destination {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A dimension scale of the selection's first kept axis, written by CSV as a leading column
/// (a waveform's time beside its values).
#[derive(Clone, Debug, PartialEq)]
pub struct RowCoordinates {
    /// The column's name.
    pub name: String,
    /// The scale dataset (1-D, as long as the axis) and its element type.
    pub path: String,
    pub dtype: DType,
}

impl RowCoordinates {
    /// The coordinates `scale` gives an axis of `len` elements, from the scale's metadata
    /// `info`: named like an axis title (`time (s)`); none unless it is a 1-D dataset as
    /// long as the axis.
    pub fn of(scale: &ScaleRef, info: &ObjectInfo, len: u64) -> Option<Self> {
        let ds = info.dataset.as_ref()?;
        if ds.shape.dims() != [len] {
            return None;
        }
        let leaf = scale.path.rsplit('/').next().unwrap_or(&scale.path);
        Some(Self {
            name: info.axis_title(scale.name.as_deref().unwrap_or(leaf)),
            path: scale.path.clone(),
            dtype: ds.dtype.clone(),
        })
    }
}

/// An export under way: the file being written, its writer, and the reads still to do.
/// The caller does each read (in its own process, or through the loader's workers) and
/// hands the values back in order.
pub struct Export {
    dest: Destination,
    writer: Writer,
    reads: VecDeque<Vec<AxisSlice>>,
    written: u64,
    total: u64,
    /// The scale written beside the rows, and which axis of the selection they run along.
    coordinates: Option<(String, usize)>,
}

impl Export {
    /// Checks the destination (a known format, not one of the `open` files), creates its
    /// temporary file and writes the header, for the selection `sel` of elements `dtype`;
    /// CSV puts `rows` (when given, and the selection keeps an axis) in a first column.
    pub fn start(
        dest: &Path,
        dtype: &DType,
        sel: &Hyperslab,
        header: bool,
        open: &[PathBuf],
        rows: Option<RowCoordinates>,
    ) -> Result<Self, ExportError> {
        let format = Format::of(dest)?;
        refuse_open_files(dest, open)?;
        let first_kept = sel.keep.iter().position(|k| *k);
        let rows = rows.filter(|_| format == Format::Csv).zip(first_kept);
        let mut dest = Destination::create(dest)?;
        let shape = sel.result_shape();
        let row_scale = rows.as_ref().map(|(r, _)| r);
        let writer = Writer::new(format, dtype, &shape, header, row_scale, &mut dest)?;
        let element = dtype.size().unwrap_or(16) as u64;
        let reads: VecDeque<_> = plan(sel, element, BLOCK_BYTES).into();
        Ok(Self {
            dest,
            writer,
            total: reads.len() as u64,
            reads,
            written: 0,
            coordinates: rows.map(|(r, axis)| (r.path, axis)),
        })
    }

    /// The read of the row coordinates of the block read with `slice`: the scale's range
    /// along the first kept axis (`None` when the export has none).
    pub fn coordinates_read(&self, slice: &[AxisSlice]) -> Option<(&str, Vec<AxisSlice>)> {
        let (path, axis) = self.coordinates.as_ref()?;
        Some((path, vec![slice.get(*axis)?.clone()]))
    }

    /// The next selection to read, in order.
    pub fn next_read(&mut self) -> Option<Vec<AxisSlice>> {
        self.reads.pop_front()
    }

    /// Writes the values of the oldest read not written yet, with their row coordinates
    /// when the export has them.
    pub fn write(&mut self, values: &Values, rows: Option<&Values>) -> Result<(), ExportError> {
        self.writer.block(values, rows, &mut self.dest)?;
        self.written += 1;
        Ok(())
    }

    /// Blocks written, of how many.
    pub fn progress(&self) -> (u64, u64) {
        (self.written, self.total)
    }

    pub fn is_complete(&self) -> bool {
        self.written == self.total
    }

    /// Renames the finished file into place.
    pub fn finish(self) -> Result<(), ExportError> {
        self.dest.finish()
    }
}

/// Writes blocks of a selection, first axis first, in one format.
enum Writer {
    Csv(CsvWriter),
    Npy(NpyWriter),
}

impl Writer {
    /// A writer of a selection of `shape` (after integer indices dropped their axes) of
    /// elements of `dtype`, in `format`; `header` asks CSV for a first line of names.
    fn new(
        format: Format,
        dtype: &DType,
        shape: &[usize],
        header: bool,
        rows: Option<&RowCoordinates>,
        dest: &mut Destination,
    ) -> Result<Self, ExportError> {
        match format {
            Format::Csv => CsvWriter::new(dtype, shape, header, rows, dest).map(Self::Csv),
            Format::Npy => NpyWriter::new(dtype, shape, dest).map(Self::Npy),
            Format::Hdf5 => Err(ExportError::Unsupported {
                path: dest.path().to_path_buf(),
                what: "an HDF5 file holds copies of whole objects, not a selection of values; \
                       export the objects without a slice"
                    .to_owned(),
            }),
        }
    }

    /// Writes the next block: whole rows along the first axis (the whole value for a
    /// scalar), in order.
    fn block(
        &mut self,
        values: &Values,
        rows: Option<&Values>,
        dest: &mut Destination,
    ) -> Result<(), ExportError> {
        match self {
            Self::Csv(w) => w.block(values, rows, dest),
            Self::Npy(w) => w.block(values, dest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfinished_export_leaves_the_old_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old contents\n").unwrap();
        {
            let mut d = Destination::create(&path).unwrap();
            d.write_all(b"half of the new").unwrap();
            // Dropped without finish: a failure or a cancel.
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old contents\n");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
        let mut d = Destination::create(&path).unwrap();
        d.write_all(b"new\n").unwrap();
        d.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
    }

    #[test]
    fn a_destination_that_cannot_be_written_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no such folder").join("out.csv");
        let err = Destination::create(&missing).err().unwrap().to_string();
        assert!(
            err.contains("no such folder") && err.contains("cannot write"),
            "{err}"
        );
        // A "folder" that is a file.
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        let err = Destination::create(&file.join("out.npy"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("plain"), "{err}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "nothing was created");
    }

    #[test]
    fn open_files_are_refused_by_identity() {
        let dir = tempfile::tempdir().unwrap();
        let viewed = dir.path().join("data.h5");
        std::fs::write(&viewed, b"x").unwrap();
        // Another spelling of the same path.
        let other = dir.path().join(".").join("data.h5");
        assert!(matches!(
            refuse_open_files(&other, std::slice::from_ref(&viewed)),
            Err(ExportError::OpenFile(_))
        ));
        let fresh = dir.path().join("new.csv");
        assert!(refuse_open_files(&fresh, &[viewed]).is_ok());
        assert_eq!(Format::of(Path::new("a.NPY")).unwrap(), Format::Npy);
        assert!(Format::of(Path::new("a.txt")).is_err());
        assert_eq!(Format::of(Path::new("b.nxs")).unwrap(), Format::Hdf5);
    }
}
