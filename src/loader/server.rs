//! The reader worker: answers [`Job`]s with [`Reply`]s, one at a time, through the reader.
//!
//! Runs in a child process (`hdfscope --reader-worker`, reading frames on stdin and writing
//! them on stdout) or, for tests, on a thread. It keeps the files it has opened, opening
//! them lazily by [`FileRef`], so a fresh worker can take any job. Must never write to a
//! file but the new one a subset export names, load a plugin, or talk to anything but its
//! parent.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use super::protocol::{
    Fault, FileId, FileRef, Job, Reply, Samples, Stats, WindowSummary, read_frame, write_frame,
};
use super::tiles::{ImageStats, TileData};
use crate::model::{Calibration, Line, Patch, Plane};
use crate::reader::{DEFAULT_READ_CAP_BYTES, H5File};

/// The hidden first argument that turns the hdfscope binary into a reader worker.
pub const WORKER_ARG: &str = "--reader-worker";

/// What the worker does after a job.
#[derive(Debug, PartialEq)]
pub enum Step {
    Reply(Reply),
    /// Stop as if crashed (a `Fault::Abort`).
    Die,
}

/// The worker's state: the files it has open.
#[derive(Default)]
pub struct Server {
    files: HashMap<FileId, H5File>,
}

impl Server {
    pub fn handle(&mut self, job: Job) -> Step {
        Step::Reply(match job {
            Job::Open(f) => Reply::Opened(
                self.file(&f)
                    .and_then(|h| h.kind("/").map(|(_, id)| id).map_err(|e| named(&f, &e))),
            ),
            Job::Close(id) => {
                self.files.remove(&id);
                Reply::Closed
            }
            Job::List {
                file,
                group,
                start,
                limit,
            } => Reply::Listed(self.file(&file).and_then(|h| {
                h.children(&group, start, limit)
                    .map_err(|e| named(&file, &e))
            })),
            Job::Kinds {
                file,
                group,
                start,
                limit,
            } => Reply::Listed(
                self.file(&file)
                    .and_then(|h| h.kinds(&group, start, limit).map_err(|e| named(&file, &e))),
            ),
            Job::Info { file, path } => Reply::Info(
                self.file(&file)
                    .and_then(|h| h.info(&path).map(Box::new).map_err(|e| named(&file, &e))),
            ),
            Job::Summarise {
                file,
                path,
                line,
                start,
                count,
                bucket,
                outside,
                calibration,
            } => Reply::Summary(
                self.samples(&file, &path, &line, (start, count), outside)
                    .map(|v| calibrated(v, calibration.as_ref()))
                    .map(|v| summarise(&v, start, bucket)),
            ),
            Job::Samples {
                file,
                path,
                line,
                start,
                count,
                outside,
                calibration,
            } => Reply::Samples(
                self.samples(&file, &path, &line, (start, count), outside)
                    .map(|v| calibrated(v, calibration.as_ref()))
                    .map(|v| Samples::from_f64(&v)),
            ),
            Job::Tile {
                file,
                path,
                plane,
                patch,
                outside,
                calibration,
            } => Reply::Tile(
                self.enter_folder(&file, outside)
                    .and_then(|()| self.file(&file))
                    .and_then(|h| {
                        h.read_plane(&path, &plane, &patch, DEFAULT_READ_CAP_BYTES, outside)
                            .map_err(|e| named(&file, &e))
                    })
                    .map(|v| calibrated(v, calibration.as_ref()))
                    .map(|v| tile_data(&v, &patch, &plane)),
            ),
            Job::Cells {
                file,
                path,
                grid,
                block,
                outside,
            } => Reply::Cells(
                self.enter_folder(&file, outside)
                    .and_then(|()| self.file(&file))
                    .and_then(|h| {
                        h.read_cells(&path, &grid, &block, DEFAULT_READ_CAP_BYTES, outside)
                            .map_err(|e| named(&file, &e))
                    }),
            ),
            Job::Subset { file, paths, dest } => Reply::Copied(
                self.file(&file)
                    .and_then(|h| h.copy_subset(&paths, &dest).map_err(|e| named(&file, &e))),
            ),
            Job::Read {
                file,
                path,
                slice,
                cap_bytes,
                outside,
            } => Reply::Values(
                self.enter_folder(&file, outside)
                    .and_then(|()| self.file(&file))
                    .and_then(|h| {
                        h.read(&path, &slice, cap_bytes, outside)
                            .map_err(|e| named(&file, &e))
                    }),
            ),
            Job::Environment => Reply::Environment(
                std::env::vars()
                    .filter(|(k, _)| k.starts_with("HDF5_"))
                    .collect(),
            ),
            Job::Fault(Fault::Abort) => return Step::Die,
            Job::Fault(Fault::Hang) => loop {
                std::thread::sleep(Duration::from_secs(3600));
            },
            Job::Fault(Fault::Sleep(ms)) => {
                std::thread::sleep(Duration::from_millis(ms));
                Reply::Slept
            }
        })
    }

    fn file(&mut self, f: &FileRef) -> Result<&H5File, String> {
        match self.files.entry(f.id) {
            std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(e) => {
                Ok(e.insert(H5File::open(&f.path).map_err(|e| e.to_string())?))
            }
        }
    }

    /// Before reading values kept in other files: libhdf5 resolves relative
    /// external-storage names against the working directory; users mean the directory of
    /// the file that names them.
    fn enter_folder(&self, f: &FileRef, outside: bool) -> Result<(), String> {
        if outside && let Some(dir) = f.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::env::set_current_dir(dir)
                .map_err(|e| format!("{}: cannot enter its folder: {e}", f.path.display()))?;
        }
        Ok(())
    }

    fn samples(
        &mut self,
        f: &FileRef,
        path: &str,
        line: &Line,
        range: (u64, u64),
        outside: bool,
    ) -> Result<Vec<f64>, String> {
        self.enter_folder(f, outside)?;
        self.file(f)?
            .read_line(path, line, range, DEFAULT_READ_CAP_BYTES, outside)
            .map_err(|e| named(f, &e))
    }
}

/// The samples with the dataset's masking and unpacking applied.
fn calibrated(mut v: Vec<f64>, c: Option<&Calibration>) -> Vec<f64> {
    if let Some(c) = c {
        c.apply(&mut v);
    }
    v
}

/// A tile's numbers (rows x cols x channels) with their statistics, for the wire.
fn tile_data(v: &[f64], patch: &Patch, plane: &Plane) -> TileData {
    let channels = if plane.channels.is_some() {
        v.len() / (patch.elements().max(1) as usize)
    } else {
        1
    };
    TileData {
        rows: patch.rows as u32,
        cols: patch.cols as u32,
        channels: channels as u32,
        values: Samples::from_f64(v),
        stats: ImageStats::of(v),
    }
}

/// Prefixes an object error with the file's name, as every message shown must name both.
fn named(f: &FileRef, e: &impl std::fmt::Display) -> String {
    format!("{}: {e}", f.path.display())
}

/// Min/max per bucket (buckets of `bucket` samples counted from sample 0) of samples that
/// start at `start`. Buckets cut by the window's ends hold only this window's part; the
/// loader merges the parts.
pub fn summarise(v: &[f64], start: u64, bucket: u64) -> WindowSummary {
    let bucket = bucket.max(1);
    let first_bucket = start / bucket;
    let mut min = Vec::new();
    let mut max = Vec::new();
    let mut stats = Stats::default();
    let mut i = 0usize;
    let mut b = first_bucket;
    while i < v.len() {
        let end = ((b + 1) * bucket - start) as usize;
        let part = &v[i..end.min(v.len())];
        let s = super::lod::part_stats(part);
        min.push(s.min);
        max.push(s.max);
        stats.merge(&s);
        i += part.len();
        b += 1;
    }
    WindowSummary {
        first_bucket,
        min,
        max,
        stats,
    }
}

/// The worker process's main loop: frames in on stdin, frames out on stdout.
pub fn worker_main() -> ExitCode {
    if let Err(e) = super::sandbox::confine() {
        eprintln!("hdfscope reader: {e}");
        return ExitCode::FAILURE;
    }
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    let mut server = Server::default();
    loop {
        let job = match read_frame::<Job>(&mut input) {
            Ok(Some(job)) => job,
            // The loader closed the pipe: it is done with this worker.
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hdfscope reader: {e}");
                return ExitCode::FAILURE;
            }
        };
        match server.handle(job) {
            Step::Reply(r) => {
                if let Err(e) = write_frame(&mut output, &r) {
                    eprintln!("hdfscope reader: {e}");
                    return ExitCode::FAILURE;
                }
            }
            Step::Die => std::process::abort(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cut_by_the_window_hold_their_part() {
        // Samples 5..15 with buckets of 4: parts of bucket 1 (5..8), bucket 2, bucket 3 (12..15).
        let v: Vec<f64> = (5..15).map(f64::from).collect();
        let s = summarise(&v, 5, 4);
        assert_eq!(s.first_bucket, 1);
        assert_eq!(s.min, [5.0, 8.0, 12.0]);
        assert_eq!(s.max, [7.0, 11.0, 14.0]);
        assert_eq!(s.stats.count, 10);
        assert_eq!(s.stats.mean(), Some(9.5));
    }

    #[test]
    fn nan_is_counted_not_plotted() {
        let s = summarise(&[f64::NAN, 2.0, f64::NAN, f64::NAN], 0, 2);
        assert_eq!(s.min, [2.0, f64::INFINITY]);
        assert_eq!(s.max, [2.0, f64::NEG_INFINITY]);
        assert_eq!((s.stats.count, s.stats.nan), (1, 3));
    }

    #[test]
    fn lazily_opens_and_reads_a_line() {
        let demo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.h5");
        let mut s = Server::default();
        let f = FileRef { id: 3, path: demo };
        let Step::Reply(Reply::Samples(Ok(v))) = s.handle(Job::Samples {
            file: f.clone(),
            path: "/waveforms/time".into(),
            line: Line::whole_1d(),
            start: 10,
            count: 3,
            outside: false,
            calibration: None,
        }) else {
            panic!("no samples")
        };
        let v = v.to_f64();
        assert_eq!(v.len(), 3);
        assert!(v[1] > v[0] && v[2] > v[1], "time increases: {v:?}");
        let Step::Reply(Reply::Summary(Err(e))) = s.handle(Job::Summarise {
            file: f,
            path: "/waveforms/time".into(),
            line: Line::whole_1d(),
            start: 99_999,
            count: 2,
            bucket: 64,
            outside: false,
            calibration: None,
        }) else {
            panic!("reading past the end is an error")
        };
        assert!(
            e.contains("demo.h5") && e.contains("/waveforms/time"),
            "{e}"
        );
    }
}
