//! The background loader: one named thread that owns every open [`H5File`] and answers
//! requests from the UI with model types.
//!
//! The UI sends [`Request`]s with [`Loader::send`] (never blocks) and takes [`Response`]s
//! with [`Loader::drain`] under a time budget. Requests are served in order; a search index
//! is built in small steps between requests, so a large file never delays a click. Channels
//! are bounded. This module must never touch egui (it wakes the UI through a callback) nor
//! call libhdf5 except through the reader.

mod index;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError, bounded};

pub use index::{IndexEntry, IndexJob};

use crate::model::{ChildPage, ObjectId, ObjectInfo};
use crate::reader::H5File;

/// Identifies one opening of a file; a reload gets a new id, so stale answers are ignored.
pub type FileId = u64;

/// Links fetched per listing request.
pub const PAGE: usize = 1_000;

/// What the UI asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Open {
        file: FileId,
        path: PathBuf,
    },
    Close {
        file: FileId,
    },
    /// Links `start..start+PAGE` of a group.
    List {
        file: FileId,
        group: String,
        start: u64,
    },
    Info {
        file: FileId,
        path: String,
    },
    /// The file's size and modification time, to notice a file still being written.
    Stat {
        file: FileId,
    },
    /// Start building the search index of every path in the file.
    Index {
        file: FileId,
    },
}

/// Size and modification time of a file on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
}

/// A file that opened: its stamp and the identity of its root group (to spot cycles).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    pub stamp: FileStamp,
    pub root: ObjectId,
}

/// What the loader answers. Errors are complete one-line messages naming file and object.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    Opened {
        file: FileId,
        result: Result<Opened, String>,
    },
    Listed {
        file: FileId,
        group: String,
        start: u64,
        result: Result<ChildPage, String>,
    },
    Info {
        file: FileId,
        path: String,
        result: Result<Box<ObjectInfo>, String>,
    },
    Stat {
        file: FileId,
        stamp: Option<FileStamp>,
    },
    /// More paths for the search index; `done` on the last batch.
    Indexed {
        file: FileId,
        entries: Vec<IndexEntry>,
        done: bool,
    },
}

impl Response {
    /// The file the response is about.
    pub fn file(&self) -> FileId {
        match self {
            Self::Opened { file, .. }
            | Self::Listed { file, .. }
            | Self::Info { file, .. }
            | Self::Stat { file, .. }
            | Self::Indexed { file, .. } => *file,
        }
    }
}

/// A callback that wakes the UI when a response is ready (e.g. `ctx.request_repaint()`).
pub type Waker = Box<dyn Fn() + Send>;

/// The UI's handle on the loader thread.
pub struct Loader {
    requests: Sender<Request>,
    responses: Receiver<Response>,
    /// Requests the bounded channel could not take yet; retried on every `drain`.
    outbox: VecDeque<Request>,
    /// Requests sent whose one answer has not been drained (index jobs are not counted).
    pending: usize,
}

impl Loader {
    /// Starts the loader thread.
    pub fn spawn(waker: Waker) -> std::io::Result<Self> {
        let (req_tx, req_rx) = bounded(1024);
        let (resp_tx, resp_rx) = bounded(1024);
        std::thread::Builder::new()
            .name("hdfscope-loader".to_owned())
            .spawn(move || Worker::new(resp_tx, waker).run(&req_rx))?;
        Ok(Self {
            requests: req_tx,
            responses: resp_rx,
            outbox: VecDeque::new(),
            pending: 0,
        })
    }

    /// Queues a request; never blocks.
    pub fn send(&mut self, request: Request) {
        if expects_response(&request) {
            self.pending += 1;
        }
        self.outbox.push_back(request);
        self.flush();
    }

    fn flush(&mut self) {
        while let Some(r) = self.outbox.pop_front() {
            match self.requests.try_send(r) {
                Ok(()) => {}
                Err(TrySendError::Full(r)) => {
                    self.outbox.push_front(r);
                    return;
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.outbox.clear();
                    return;
                }
            }
        }
    }

    /// Takes the responses that are ready, stopping when `budget` is spent.
    pub fn drain(&mut self, budget: Duration) -> Vec<Response> {
        self.flush();
        let deadline = Instant::now() + budget;
        let mut out = Vec::new();
        while Instant::now() < deadline {
            match self.responses.try_recv() {
                Ok(r) => {
                    // Index answers stream without end count; `Index { done }` tracks them.
                    if !matches!(r, Response::Indexed { .. }) {
                        self.pending = self.pending.saturating_sub(1);
                    }
                    out.push(r);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        out
    }

    /// How many requests are still waiting for an answer.
    pub fn pending(&self) -> usize {
        self.pending
    }
}

/// Whether a request is answered exactly once (and so counts as pending until then).
fn expects_response(r: &Request) -> bool {
    !matches!(r, Request::Close { .. } | Request::Index { .. })
}

/// The loader thread's state: open files and index jobs in progress.
struct Worker {
    files: HashMap<FileId, H5File>,
    jobs: VecDeque<(FileId, IndexJob)>,
    out: Sender<Response>,
    waker: Waker,
}

impl Worker {
    fn new(out: Sender<Response>, waker: Waker) -> Self {
        Self {
            files: HashMap::new(),
            jobs: VecDeque::new(),
            out,
            waker,
        }
    }

    fn run(mut self, requests: &Receiver<Request>) {
        loop {
            let next = if self.jobs.is_empty() {
                requests.recv().map_err(|_| TryRecvError::Disconnected)
            } else {
                requests.try_recv()
            };
            let alive = match next {
                Ok(r) => self.handle(r),
                Err(TryRecvError::Empty) => self.index_step(),
                Err(TryRecvError::Disconnected) => false,
            };
            if !alive {
                return;
            }
        }
    }

    /// Sends a response and wakes the UI; false when the UI is gone.
    fn reply(&self, r: Response) -> bool {
        let ok = self.out.send(r).is_ok();
        (self.waker)();
        ok
    }

    fn file(&self, file: FileId) -> Result<&H5File, String> {
        self.files
            .get(&file)
            .ok_or_else(|| "the file is not open".to_owned())
    }

    /// Prefixes an object error with the file's name, as every message shown must name both.
    fn named(&self, file: FileId, e: impl std::fmt::Display) -> String {
        match self.files.get(&file) {
            Some(f) => format!("{}: {e}", f.path().display()),
            None => e.to_string(),
        }
    }

    fn handle(&mut self, request: Request) -> bool {
        match request {
            Request::Open { file, path } => {
                let result = H5File::open(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|f| {
                        let stamp = stamp(&path).ok_or_else(|| {
                            format!("{}: cannot read its size and time", path.display())
                        })?;
                        let (_, root) = f
                            .kind("/")
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        self.files.insert(file, f);
                        Ok(Opened { stamp, root })
                    });
                self.reply(Response::Opened { file, result })
            }
            Request::Close { file } => {
                self.files.remove(&file);
                let before = self.jobs.len();
                self.jobs.retain(|(f, _)| *f != file);
                // An index job ends with a `done` answer, even when cut short, so the UI
                // never waits for it.
                before == self.jobs.len()
                    || self.reply(Response::Indexed {
                        file,
                        entries: Vec::new(),
                        done: true,
                    })
            }
            Request::List { file, group, start } => {
                let result = self.file(file).and_then(|f| {
                    f.children(&group, start, PAGE)
                        .map_err(|e| self.named(file, e))
                });
                self.reply(Response::Listed {
                    file,
                    group,
                    start,
                    result,
                })
            }
            Request::Info { file, path } => {
                let result = self
                    .file(file)
                    .and_then(|f| f.info(&path).map(Box::new).map_err(|e| self.named(file, e)));
                self.reply(Response::Info { file, path, result })
            }
            Request::Stat { file } => {
                let stamp = self.files.get(&file).and_then(|f| stamp(f.path()));
                self.reply(Response::Stat { file, stamp })
            }
            Request::Index { file } => {
                if !self.jobs.iter().any(|(f, _)| *f == file) {
                    self.jobs.push_back((file, IndexJob::new()));
                }
                true
            }
        }
    }

    /// Advances the first index job by one group page, then rotates it to the back.
    fn index_step(&mut self) -> bool {
        let Some((file, mut job)) = self.jobs.pop_front() else {
            return true;
        };
        let Some(f) = self.files.get(&file) else {
            return self.reply(Response::Indexed {
                file,
                entries: Vec::new(),
                done: true,
            });
        };
        let entries = job.step(f);
        let done = job.is_done();
        if !done {
            self.jobs.push_back((file, job));
        }
        self.reply(Response::Indexed {
            file,
            entries,
            done,
        })
    }
}

fn stamp(path: &std::path::Path) -> Option<FileStamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(FileStamp {
        len: m.len(),
        modified: m.modified().ok(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.h5")
    }

    /// Drains until `pending` reaches zero and `indexes` index jobs have ended.
    fn settle_with(l: &mut Loader, mut indexes: usize) -> Vec<Response> {
        let mut all = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while (l.pending() > 0 || indexes > 0) && Instant::now() < deadline {
            for r in l.drain(Duration::from_millis(5)) {
                if matches!(r, Response::Indexed { done: true, .. }) {
                    indexes -= 1;
                }
                all.push(r);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            (l.pending(), indexes),
            (0, 0),
            "the loader answered everything"
        );
        all
    }

    fn settle(l: &mut Loader) -> Vec<Response> {
        settle_with(l, 0)
    }

    #[test]
    fn opens_lists_and_describes() {
        let mut l = Loader::spawn(Box::new(|| {})).unwrap();
        l.send(Request::Open {
            file: 1,
            path: demo(),
        });
        l.send(Request::List {
            file: 1,
            group: "/".into(),
            start: 0,
        });
        l.send(Request::Info {
            file: 1,
            path: "/waveforms/signal".into(),
        });
        let got = settle(&mut l);
        assert!(matches!(
            got[0],
            Response::Opened {
                file: 1,
                result: Ok(_)
            }
        ));
        let Response::Listed {
            result: Ok(page), ..
        } = &got[1]
        else {
            panic!("{:?}", got[1])
        };
        let names: Vec<&str> = page.children.iter().map(|c| c.link.name.as_str()).collect();
        assert!(
            names.contains(&"waveforms") && names.contains(&"images"),
            "{names:?}"
        );
        let Response::Info {
            result: Ok(info), ..
        } = &got[2]
        else {
            panic!("{:?}", got[2])
        };
        assert_eq!(info.dataset.as_ref().unwrap().shape.dims(), [100_000]);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("notes.h5");
        std::fs::write(&bad, b"not hdf5 at all").unwrap();
        let mut l = Loader::spawn(Box::new(|| {})).unwrap();
        l.send(Request::Open {
            file: 7,
            path: bad.clone(),
        });
        l.send(Request::Open {
            file: 8,
            path: demo(),
        });
        l.send(Request::Info {
            file: 8,
            path: "/nope".into(),
        });
        let got = settle(&mut l);
        let Response::Opened { result: Err(e), .. } = &got[0] else {
            panic!("{:?}", got[0])
        };
        assert!(
            e.contains("notes.h5") && e.contains("not an HDF5 file"),
            "{e}"
        );
        let Response::Info { result: Err(e), .. } = &got[2] else {
            panic!("{:?}", got[2])
        };
        assert!(e.contains("demo.h5") && e.contains("/nope"), "{e}");
    }

    #[test]
    fn indexes_every_path() {
        let mut l = Loader::spawn(Box::new(|| {})).unwrap();
        l.send(Request::Open {
            file: 1,
            path: demo(),
        });
        l.send(Request::Index { file: 1 });
        let got = settle_with(&mut l, 1);
        let paths: Vec<String> = got
            .into_iter()
            .filter_map(|r| match r {
                Response::Indexed { entries, .. } => Some(entries),
                _ => None,
            })
            .flatten()
            .map(|e| e.path)
            .collect();
        assert!(paths.contains(&"/nested/level1/level2/answer".to_owned()));
        assert!(paths.contains(&"/links/dangling".to_owned()));
        let unique: std::collections::HashSet<_> = paths.iter().collect();
        assert_eq!(unique.len(), paths.len(), "each path once");

        // Closing a file mid-index still ends its job, so nothing stays pending.
        l.send(Request::Open {
            file: 2,
            path: demo(),
        });
        l.send(Request::Index { file: 2 });
        l.send(Request::Close { file: 2 });
        settle_with(&mut l, 1);
    }
}
