//! HDF5 subset exports: selected objects copied into a new file by a reader worker.
//!
//! The loader creates the temporary file beside the destination ([`Destination`]), a data
//! worker copies the objects into it (libhdf5's object copy, in the worker so a hostile
//! file cannot take the viewer down), and the loader renames it into place when the worker
//! says it is complete. A failure, a crash or a cancel deletes the temporary file and
//! leaves any existing destination untouched. Never writes anything itself but that rename.

use std::path::PathBuf;
use std::time::Duration;

use super::protocol::{FileRef, Job};
use super::{Dispatcher, FileId, Origin, Outcome, ReqId};
use crate::export::{Destination, refuse_open_files};
use crate::model::SubsetReport;

/// How long a worker may take to copy a subset before it is taken for stuck (copying
/// gigabytes takes a while; a cancel stops it sooner).
pub(super) const COPY_TIMEOUT: Duration = Duration::from_secs(3600);

/// What a subset export copies and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubsetSpec {
    pub file: FileId,
    /// Objects to copy, a group with everything below it.
    pub paths: Vec<String>,
    pub dest: PathBuf,
}

/// A subset being written.
pub(super) struct SubsetRun {
    pub req: ReqId,
    file: FileId,
    paths: Vec<String>,
    dest: Destination,
    /// A worker is copying.
    started: bool,
}

impl Dispatcher {
    /// Starts a subset export: the temporary file now (so a bad destination fails at
    /// once), the copy when a data worker is free.
    pub(super) fn subset(&mut self, req: ReqId, s: SubsetSpec) {
        let open: Vec<PathBuf> = self.files.values().map(|f| f.path.clone()).collect();
        if !self.files.contains_key(&s.file) {
            return self.data(req, Outcome::Failed("the file is not open".to_owned()));
        }
        let dest = refuse_open_files(&s.dest, &open).and_then(|()| Destination::create(&s.dest));
        match dest {
            Ok(dest) => self.subsets.push(SubsetRun {
                req,
                file: s.file,
                paths: s.paths,
                dest,
                started: false,
            }),
            Err(e) => self.data(req, Outcome::Failed(e.to_string())),
        }
    }

    /// The copy of the oldest subset not started.
    pub(super) fn next_subset(&mut self) -> Option<(Job, Origin)> {
        let files = &self.files;
        let run = self.subsets.iter_mut().find(|x| !x.started)?;
        let file = files.get(&run.file).map(|f| FileRef {
            id: run.file,
            path: f.path.clone(),
        })?;
        run.started = true;
        let job = Job::Subset {
            file,
            paths: run.paths.clone(),
            dest: run.dest.temp_path().to_path_buf(),
        };
        Some((job, Origin::Subset(run.req)))
    }

    /// The worker's answer: the file renamed into place, or deleted.
    pub(super) fn subset_copied(&mut self, req: ReqId, result: Result<SubsetReport, String>) {
        let Some(pos) = self.subsets.iter().position(|x| x.req == req) else {
            return;
        };
        let run = self.subsets.remove(pos);
        let outcome = match result {
            Ok(report) => match run.dest.finish() {
                Ok(()) => Outcome::Copied(report),
                Err(e) => Outcome::Failed(e.to_string()),
            },
            // Dropping the destination deletes the temporary file.
            Err(e) => Outcome::Failed(e),
        };
        self.data(req, outcome);
    }
}
