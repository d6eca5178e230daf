//! The background loader: every byte the UI shows comes through here.
//!
//! The UI sends [`Request`]s with [`Loader::send`] (never blocks) and takes [`Response`]s
//! with [`Loader::drain`] under a time budget. The `hdfscope-loader` thread serves them by
//! handing [`protocol::Job`]s to reader workers, child processes of the hdfscope binary
//! (`worker.rs`, `server.rs`): one for metadata (open, list, info, search index) and a
//! few for data, so a long read never delays a click and decoding runs on several cores.
//! A worker that crashes, or answers nothing within the watchdog time, is killed and
//! replaced, and the file and object it was reading are named in the error. Data reads
//! stream in chunk-aligned windows, each merged into a min/max pyramid ([`lod`]) as it
//! arrives; decoded data is kept in an LRU bounded in bytes. Every data request can be
//! cancelled, and a newer one for the same view replaces the older.
//!
//! This module must never touch egui (it wakes the UI through a callback) nor libhdf5
//! (workers do, through the reader).

mod cache;
mod index;
pub mod lod;
pub mod protocol;
mod sandbox;
mod server;
mod subset;
pub mod tiles;
mod worker;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError, bounded};

use self::cache::ByteLru;
pub use self::index::{IndexEntry, IndexJob};
pub use self::lod::Lod;
pub use self::protocol::{Fault, FileId, Stats};
use self::protocol::{FileRef, Job, Reply};
pub use self::sandbox::{
    MMAP_THRESHOLD, TRIM_THRESHOLD, confine, describe_exit, reader_command, total_memory,
};
pub use self::server::{WORKER_ARG, worker_main};
use self::subset::SubsetRun;
pub use self::subset::SubsetSpec;
use self::tiles::{Tile, TileImage};
pub use self::worker::WorkerKind;
use self::worker::{Event, Worker};
use crate::export::{self, Export, RowCoordinates};
use crate::model::{
    AxisSlice, Block, Calibration, ChildPage, DType, Grid, Hyperslab, Line, ObjectId, ObjectInfo,
    Plane, SubsetReport, Value, Values,
};

/// Links fetched per listing request.
pub const PAGE: usize = 1_000;

/// The most samples one [`Request::Samples`] may ask for (128 MiB of `f64`).
pub const MAX_SAMPLES: u64 = 1 << 24;

/// Names one data request, chosen by the UI.
pub type ReqId = u64;

/// A pyramid shared between the loader (which fills it) and the UI (which draws from it,
/// with `try_read`, never waiting).
pub type SharedLod = Arc<RwLock<Lod>>;

/// How the loader runs its workers.
#[derive(Clone, Debug)]
pub struct LoaderConfig {
    pub workers: WorkerKind,
    /// Workers for data reads (besides the one for metadata).
    pub data_workers: usize,
    /// A worker that has not answered a job after this long is killed.
    pub timeout: Duration,
    /// After a cancel, how long a worker may take to finish its current window before it
    /// is killed.
    pub cancel_grace: Duration,
    /// The bound of the decoded-data cache.
    pub cache_bytes: u64,
    /// Each worker's address-space limit; `None` for the worker's default.
    pub memory_limit: Option<u64>,
}

impl LoaderConfig {
    pub const DEFAULT_CACHE_BYTES: u64 = 512 << 20;

    pub fn new(workers: WorkerKind) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            workers,
            data_workers: cores.clamp(1, 4),
            timeout: Duration::from_secs(20),
            cancel_grace: Duration::from_secs(1),
            cache_bytes: Self::DEFAULT_CACHE_BYTES,
            memory_limit: None,
        }
    }

    /// Workers that are processes of the running executable (the hdfscope binary).
    pub fn current_exe() -> std::io::Result<Self> {
        Ok(Self::new(WorkerKind::Process(std::env::current_exe()?)))
    }
}

/// One line of samples in a dataset, as the UI knows it from the dataset's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LineSource {
    pub file: FileId,
    pub path: String,
    pub line: Line,
    /// Samples along the line.
    pub len: u64,
    /// The chunk length along the line's axis, when chunked.
    pub chunk: Option<u64>,
    /// The user allowed reading values kept in other files (external storage, virtual
    /// sources); otherwise such reads are refused.
    pub outside: bool,
    /// Masking and unpacking applied to every sample (CF conventions).
    pub calibration: Option<Calibration>,
}

/// An image plane through a dataset, as the UI knows it from the dataset's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PlaneSource {
    pub file: FileId,
    pub path: String,
    pub plane: Plane,
    /// The plane's size: rows (along `plane.rows`) and columns.
    pub height: u64,
    pub width: u64,
    /// As for [`LineSource::outside`].
    pub outside: bool,
    pub calibration: Option<Calibration>,
}

/// The table view of a dataset, as the UI knows it from the dataset's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableSource {
    pub file: FileId,
    pub path: String,
    pub grid: Grid,
    /// The dataset's shape, which the blocks are checked against.
    pub dims: Vec<u64>,
    /// As for [`LineSource::outside`].
    pub outside: bool,
}

/// What an export saves and where.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportSpec {
    pub file: FileId,
    pub path: String,
    /// The dataset's element type, and its selection resolved against its shape.
    pub dtype: DType,
    pub sel: Hyperslab,
    pub dest: PathBuf,
    /// CSV: a first line of column names.
    pub header: bool,
    /// CSV: a first column of coordinates from the first kept axis's dimension scale.
    pub rows: Option<RowCoordinates>,
    /// As for [`LineSource::outside`].
    pub outside: bool,
}

/// Test and diagnostic requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Make a data worker misbehave.
    Fault(Fault),
    /// Ask a data worker for the `HDF5_*` variables it sees.
    Environment,
}

/// What a data request is for: a newer request of the same view replaces the older. A
/// name and a number, which tells apart the lines of one plot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct View(pub &'static str, pub u32);

impl From<&'static str> for View {
    fn from(name: &'static str) -> Self {
        Self(name, 0)
    }
}

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
    /// The min/max pyramid of a line, streamed: [`Response::Progress`] as windows arrive
    /// (the first one carries the pyramid to draw from), then one [`Response::Data`].
    /// Replaces any earlier data request of the same `view`.
    Overview {
        req: ReqId,
        view: View,
        source: LineSource,
    },
    /// Raw samples `start..start+count` of a line, read in chunk-aligned windows.
    Samples {
        req: ReqId,
        view: View,
        source: LineSource,
        start: u64,
        count: u64,
    },
    /// Tiles of an image plane, streamed: one [`Response::Tile`] per tile (those in the
    /// cache at once), then [`Outcome::Done`], or [`Outcome::Failed`] at the first tile that
    /// cannot be read. Replaces any earlier data request of the same `view`. A `prefetch`
    /// waits for every other data read.
    Tiles {
        req: ReqId,
        view: View,
        source: PlaneSource,
        tiles: Vec<Tile>,
        prefetch: bool,
    },
    /// Blocks of a table's cells, streamed like tiles: one [`Response::Cells`] per block,
    /// then [`Outcome::Done`]. Replaces any earlier data request of the same `view`.
    Cells {
        req: ReqId,
        view: View,
        source: TableSource,
        blocks: Vec<Block>,
    },
    /// Save a selection of a dataset to a new file (CSV or NPY, by `dest`'s extension):
    /// blocks are read in order by the data workers and written by the loader thread
    /// through a temporary file renamed into place at the end; [`Response::Exported`]
    /// reports each block, then one final answer. Cancelling deletes the temporary file and
    /// leaves any existing `dest` untouched; a `dest` that is an open file is refused.
    Export {
        req: ReqId,
        export: ExportSpec,
    },
    /// Copy objects into a new HDF5 file (through a temporary file renamed into place),
    /// answered with [`Outcome::Copied`]. Cancelling deletes the temporary file; a `dest`
    /// that is an open file is refused.
    Subset {
        req: ReqId,
        subset: SubsetSpec,
    },
    /// Stop a data request; it is answered with [`Outcome::Cancelled`].
    Cancel {
        req: ReqId,
    },
    /// Change the decoded-data cache's bound.
    SetCacheLimit {
        bytes: u64,
    },
    Probe {
        req: ReqId,
        probe: Probe,
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

/// How a data request ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The complete pyramid.
    Overview(SharedLod),
    Samples {
        start: u64,
        values: Arc<[f64]>,
    },
    Environment(Vec<(String, String)>),
    /// A subset export is in place.
    Copied(SubsetReport),
    Done,
    /// A one-line message naming the file and object.
    Failed(String),
    /// Cancelled or replaced by a newer request: not an error.
    Cancelled,
}

/// What the loader answers. Errors are complete one-line messages naming file and object.
#[derive(Clone, Debug)]
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
    /// `done` of `total` windows of an overview have been merged into `lod`.
    Progress {
        req: ReqId,
        lod: SharedLod,
        done: u64,
        total: u64,
    },
    /// One tile of a [`Request::Tiles`].
    Tile {
        req: ReqId,
        tile: Tile,
        image: Arc<TileImage>,
    },
    /// `done` of `total` blocks of an export are written.
    Exported { req: ReqId, done: u64, total: u64 },
    /// One block of a [`Request::Cells`]: rows x dataset columns of decoded values.
    Cells {
        req: ReqId,
        block: Block,
        values: Arc<Values>,
    },
    /// The one final answer to a data request.
    Data { req: ReqId, outcome: Outcome },
}

impl Response {
    /// The file the response is about (data answers are about a request instead).
    pub fn file(&self) -> Option<FileId> {
        match self {
            Self::Opened { file, .. }
            | Self::Listed { file, .. }
            | Self::Info { file, .. }
            | Self::Stat { file, .. }
            | Self::Indexed { file, .. } => Some(*file),
            Self::Progress { .. }
            | Self::Tile { .. }
            | Self::Cells { .. }
            | Self::Exported { .. }
            | Self::Data { .. } => None,
        }
    }

    /// Whether this answers a request counted as pending (not a stream update, nor the
    /// background change poll).
    fn is_final(&self) -> bool {
        !matches!(
            self,
            Self::Indexed { .. }
                | Self::Progress { .. }
                | Self::Tile { .. }
                | Self::Cells { .. }
                | Self::Exported { .. }
                | Self::Stat { .. }
        )
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
    /// Requests sent whose final answer has not been drained.
    pending: usize,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Loader {
    /// Closes the channels and waits for the loader thread, which stops its workers, so
    /// no reader process outlives the viewer.
    fn drop(&mut self) {
        self.requests = bounded(0).0;
        self.responses = bounded(0).1;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Loader {
    /// Starts the loader thread; workers start when first needed.
    pub fn spawn(config: LoaderConfig, waker: Waker) -> std::io::Result<Self> {
        let (req_tx, req_rx) = bounded(1024);
        let (resp_tx, resp_rx) = bounded(1024);
        let thread = std::thread::Builder::new()
            .name("hdfscope-loader".to_owned())
            .spawn(move || Dispatcher::new(config, resp_tx, waker).run(&req_rx))?;
        Ok(Self {
            requests: req_tx,
            responses: resp_rx,
            outbox: VecDeque::new(),
            pending: 0,
            thread: Some(thread),
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
                    if r.is_final() {
                        self.pending = self.pending.saturating_sub(1);
                    }
                    out.push(r);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        out
    }

    /// How many requests are still waiting for their final answer.
    pub fn pending(&self) -> usize {
        self.pending
    }
}

/// Whether a request counts as pending until its final answer. The change poll (`Stat`)
/// does not: it runs every few seconds in the background and must not make the UI look busy.
fn expects_response(r: &Request) -> bool {
    !matches!(
        r,
        Request::Close { .. }
            | Request::Index { .. }
            | Request::Cancel { .. }
            | Request::SetCacheLimit { .. }
            | Request::Stat { .. }
    )
}

/// What a job in flight was for, so its answer (or its failure) reaches the right place.
#[derive(Clone, Debug)]
enum Origin {
    Open(FileId),
    List {
        file: FileId,
        group: String,
        start: u64,
    },
    Info {
        file: FileId,
        path: String,
    },
    Index(FileId),
    /// A window of `samples` samples of overview `req`.
    Window {
        req: ReqId,
        samples: u64,
    },
    SampleWindow(CacheKey),
    /// A tile or a block of cells.
    Part(CacheKey),
    /// The next block of export `req`.
    ExportBlock(ReqId),
    /// The copy of subset export `req`.
    Subset(ReqId),
    Probe(ReqId),
    Control,
}

/// What the cache holds: a part of a line or of an image plane.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CacheKey {
    source: Source,
    part: Part,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Source {
    Line(LineSource),
    Plane(PlaneSource),
    Table(TableSource),
}

impl Source {
    fn file(&self) -> FileId {
        match self {
            Self::Line(l) => l.file,
            Self::Plane(p) => p.file,
            Self::Table(t) => t.file,
        }
    }

    /// Whether `part` lies inside this source (a tile inside the plane, a block inside the
    /// table).
    fn has(&self, part: Part) -> bool {
        match (self, part) {
            (Self::Plane(p), Part::Tile(t)) => t.patch(p.height, p.width).is_some(),
            (Self::Table(t), Part::Block(b)) => {
                let (height, width) = t.grid.size(&t.dims);
                b.rows > 0
                    && b.cols > 0
                    && b.row.checked_add(b.rows).is_some_and(|end| end <= height)
                    && b.col.checked_add(b.cols).is_some_and(|end| end <= width)
            }
            _ => false,
        }
    }

    fn is_line(&self, line: &LineSource) -> bool {
        matches!(self, Self::Line(l) if l == line)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Part {
    Lod,
    Window(u64),
    Tile(Tile),
    Block(Block),
}

#[derive(Clone)]
enum Cached {
    Lod(SharedLod),
    Window(Arc<[f64]>),
    Tile(Arc<TileImage>),
    Cells(Arc<Values>),
}

impl Cached {
    /// The streamed answer that hands this tile or block to request `req`.
    fn answer(&self, req: ReqId, part: Part) -> Option<Response> {
        match (self, part) {
            (Self::Tile(image), Part::Tile(tile)) => Some(Response::Tile {
                req,
                tile,
                image: image.clone(),
            }),
            (Self::Cells(values), Part::Block(block)) => Some(Response::Cells {
                req,
                block,
                values: values.clone(),
            }),
            _ => None,
        }
    }
}

/// A worker slot: 0 for metadata, the others for data.
#[derive(Default)]
struct Slot {
    worker: Option<Worker>,
    /// Bumped whenever the worker is replaced, so a dead worker's late events are ignored.
    generation: u64,
    busy: Option<Busy>,
    /// Jobs for this worker only (closing files), sent before anything else.
    control: VecDeque<Job>,
}

struct Busy {
    job: Job,
    origin: Origin,
    since: Instant,
    /// Set when the request was cancelled: the answer is not wanted any more.
    cancelled: Option<Instant>,
}

/// An overview being streamed.
struct Overview {
    req: ReqId,
    view: View,
    source: LineSource,
    lod: SharedLod,
    window: u64,
    /// Window indices to read, in spread order.
    order: lod::SpreadOrder,
    /// Windows still to ask for (the overview reads at most `total` of them).
    left: u64,
    done: u64,
    total: u64,
    last_progress: Instant,
}

/// A raw-samples request waiting for its windows.
struct SampleRead {
    req: ReqId,
    view: View,
    source: LineSource,
    start: u64,
    count: u64,
    window: u64,
    got: HashMap<u64, Arc<[f64]>>,
    needed: Vec<u64>,
}

/// An export being written: the reads still to do, in order, one at a time.
struct ExportRun {
    req: ReqId,
    file: FileId,
    path: String,
    outside: bool,
    /// A block (or its row coordinates) is being read.
    reading: bool,
    /// The block being read, and its values while its coordinates are read.
    block: Option<(Vec<AxisSlice>, Option<Values>)>,
    export: Export,
}

/// A tiles or cells request waiting for its parts.
struct PartRead {
    req: ReqId,
    view: View,
    source: Source,
    /// Tiles or blocks not delivered yet, in the order asked.
    waiting: Vec<Part>,
    prefetch: bool,
}

struct OpenState {
    path: PathBuf,
    root: Option<ObjectId>,
}

/// The loader thread's state.
struct Dispatcher {
    config: LoaderConfig,
    out: Sender<Response>,
    waker: Waker,
    files: HashMap<FileId, OpenState>,
    slots: Vec<Slot>,
    events_tx: Sender<Event>,
    events: Receiver<Event>,
    meta: VecDeque<(Job, Origin)>,
    indexes: VecDeque<(FileId, Option<IndexJob>)>,
    overviews: Vec<Overview>,
    reads: Vec<SampleRead>,
    part_reads: Vec<PartRead>,
    exports: Vec<ExportRun>,
    subsets: Vec<SubsetRun>,
    /// Sample windows and tiles being read, so two requests never read the same one twice.
    reading: HashSet<CacheKey>,
    probes: VecDeque<(ReqId, Probe)>,
    cache: ByteLru<CacheKey, Cached>,
}

/// How long progress messages for one overview are spaced at least.
const PROGRESS_EVERY: Duration = Duration::from_millis(30);

impl Dispatcher {
    fn new(config: LoaderConfig, out: Sender<Response>, waker: Waker) -> Self {
        let (events_tx, events) = bounded(256);
        let slots = (0..=config.data_workers.max(1))
            .map(|_| Slot::default())
            .collect();
        let cache = ByteLru::new(config.cache_bytes);
        Self {
            config,
            out,
            waker,
            files: HashMap::new(),
            slots,
            events_tx,
            events,
            meta: VecDeque::new(),
            indexes: VecDeque::new(),
            overviews: Vec::new(),
            reads: Vec::new(),
            part_reads: Vec::new(),
            exports: Vec::new(),
            subsets: Vec::new(),
            reading: HashSet::new(),
            probes: VecDeque::new(),
            cache,
        }
    }

    fn run(mut self, requests: &Receiver<Request>) {
        let events = self.events.clone();
        loop {
            self.dispatch();
            let wait = self.next_deadline();
            crossbeam_channel::select! {
                recv(requests) -> r => match r {
                    Ok(r) => self.request(r),
                    Err(_) => break,
                },
                recv(events) -> e => if let Ok(e) = e {
                    self.event(e);
                },
                default(wait) => {}
            }
            self.watchdog();
        }
        for slot in 0..self.slots.len() {
            self.kill(slot);
        }
    }

    /// Sends a response and wakes the UI. A UI that has gone is noticed by `run` when its
    /// request channel closes.
    fn reply(&self, r: Response) {
        let _ = self.out.send(r);
        (self.waker)();
    }

    fn file_ref(&self, file: FileId) -> Option<FileRef> {
        self.files.get(&file).map(|f| FileRef {
            id: file,
            path: f.path.clone(),
        })
    }

    fn request(&mut self, request: Request) {
        match request {
            Request::Open { file, path } => {
                let job = Job::Open(FileRef {
                    id: file,
                    path: path.clone(),
                });
                self.files.insert(file, OpenState { path, root: None });
                self.meta.push_back((job, Origin::Open(file)));
            }
            Request::Close { file } => self.close(file),
            Request::List { file, group, start } => {
                let origin = Origin::List {
                    file,
                    group: group.clone(),
                    start,
                };
                match self.file_ref(file) {
                    Some(f) => self.meta.push_back((
                        Job::List {
                            file: f,
                            group,
                            start,
                            limit: PAGE,
                        },
                        origin,
                    )),
                    None => self.fail(&origin, "the file is not open".to_owned()),
                }
            }
            Request::Info { file, path } => {
                let origin = Origin::Info {
                    file,
                    path: path.clone(),
                };
                match self.file_ref(file) {
                    Some(f) => self.meta.push_back((Job::Info { file: f, path }, origin)),
                    None => self.fail(&origin, "the file is not open".to_owned()),
                }
            }
            Request::Stat { file } => {
                let stamp = self.files.get(&file).and_then(|f| stamp(&f.path));
                self.reply(Response::Stat { file, stamp });
            }
            Request::Index { file } => {
                if !self.indexes.iter().any(|(f, _)| *f == file) {
                    self.indexes.push_back((file, None));
                }
            }
            Request::Overview { req, view, source } => {
                self.supersede(view);
                self.overview(req, view, source);
            }
            Request::Samples {
                req,
                view,
                source,
                start,
                count,
            } => {
                self.supersede(view);
                self.samples(req, view, source, start, count);
            }
            Request::Tiles {
                req,
                view,
                source,
                tiles,
                prefetch,
            } => {
                self.supersede(view);
                self.parts(PartRead {
                    req,
                    view,
                    source: Source::Plane(source),
                    waiting: tiles.into_iter().map(Part::Tile).collect(),
                    prefetch,
                });
            }
            Request::Cells {
                req,
                view,
                source,
                blocks,
            } => {
                self.supersede(view);
                self.parts(PartRead {
                    req,
                    view,
                    source: Source::Table(source),
                    waiting: blocks.into_iter().map(Part::Block).collect(),
                    prefetch: false,
                });
            }
            Request::Export { req, export } => self.export(req, export),
            Request::Subset { req, subset } => self.subset(req, subset),
            Request::Cancel { req } => self.cancel(req),
            Request::SetCacheLimit { bytes } => self.cache.set_limit(bytes),
            Request::Probe { req, probe } => self.probes.push_back((req, probe)),
        }
    }

    fn close(&mut self, file: FileId) {
        self.files.remove(&file);
        // An index job ends with a `done` answer, even when cut short, so the UI never
        // waits for it.
        let before = self.indexes.len();
        self.indexes.retain(|(f, _)| *f != file);
        if before != self.indexes.len() {
            self.reply(Response::Indexed {
                file,
                entries: Vec::new(),
                done: true,
            });
        }
        let reqs: Vec<ReqId> = (self.overviews.iter().map(|o| (o.req, &o.source)))
            .chain(self.reads.iter().map(|r| (r.req, &r.source)))
            .filter(|(_, s)| s.file == file)
            .map(|(r, _)| r)
            .chain(
                (self.part_reads.iter())
                    .filter(|t| t.source.file() == file)
                    .map(|t| t.req),
            )
            .collect();
        for req in reqs {
            self.cancel(req);
        }
        self.cache.retain(|k| k.source.file() != file);
        for slot in &mut self.slots {
            if slot.worker.is_some() {
                slot.control.push_back(Job::Close(file));
            }
        }
    }

    fn overview(&mut self, req: ReqId, view: View, source: LineSource) {
        if !self.files.contains_key(&source.file) {
            return self.data(req, Outcome::Failed("the file is not open".to_owned()));
        }
        let key = CacheKey {
            source: Source::Line(source.clone()),
            part: Part::Lod,
        };
        if let Some(Cached::Lod(lod)) = self.cache.get(&key) {
            return self.data(req, Outcome::Overview(lod));
        }
        let window = lod::window_len(source.chunk);
        let total = lod::overview_windows(source.len, window);
        let order = lod::SpreadOrder::new(source.len.div_ceil(window));
        let lod = Arc::new(RwLock::new(Lod::new(source.len)));
        self.reply(Response::Progress {
            req,
            lod: lod.clone(),
            done: 0,
            total,
        });
        let task = Overview {
            req,
            view,
            source,
            lod,
            window,
            order,
            left: total,
            done: 0,
            total,
            last_progress: Instant::now(),
        };
        if total == 0 {
            self.finish_overview(task);
        } else {
            self.overviews.push(task);
        }
    }

    fn finish_overview(&mut self, task: Overview) {
        let bytes = match task.lod.write() {
            Ok(mut l) => {
                l.mark_complete();
                l.bytes()
            }
            Err(_) => 0,
        };
        let key = CacheKey {
            source: Source::Line(task.source),
            part: Part::Lod,
        };
        self.cache.insert(key, Cached::Lod(task.lod.clone()), bytes);
        self.data(task.req, Outcome::Overview(task.lod));
    }

    fn samples(&mut self, req: ReqId, view: View, source: LineSource, start: u64, count: u64) {
        if !self.files.contains_key(&source.file) {
            return self.data(req, Outcome::Failed("the file is not open".to_owned()));
        }
        let end = start.saturating_add(count).min(source.len);
        if count > MAX_SAMPLES {
            let msg = format!(
                "{}: asked for {count} samples at once; the limit is {MAX_SAMPLES}",
                source.path
            );
            return self.data(req, Outcome::Failed(msg));
        }
        let window = lod::window_len(source.chunk);
        let needed: Vec<u64> = if end > start {
            (start / window..end.div_ceil(window)).collect()
        } else {
            Vec::new()
        };
        let mut read = SampleRead {
            req,
            view,
            source,
            start,
            count: end.saturating_sub(start),
            window,
            got: HashMap::new(),
            needed,
        };
        for &w in &read.needed {
            let key = CacheKey {
                source: Source::Line(read.source.clone()),
                part: Part::Window(w),
            };
            if let Some(Cached::Window(v)) = self.cache.get(&key) {
                read.got.insert(w, v);
            }
        }
        self.reads.push(read);
        self.complete_reads();
    }

    /// Starts an export: the destination and the writer now (so a bad destination fails at
    /// once), the blocks as workers come free.
    fn export(&mut self, req: ReqId, e: ExportSpec) {
        let open: Vec<PathBuf> = self.files.values().map(|f| f.path.clone()).collect();
        let started = if self.files.contains_key(&e.file) {
            Export::start(&e.dest, &e.dtype, &e.sel, e.header, &open, e.rows)
                .map(|export| ExportRun {
                    req,
                    file: e.file,
                    path: e.path.clone(),
                    outside: e.outside,
                    reading: false,
                    block: None,
                    export,
                })
                .map_err(|x| x.to_string())
        } else {
            Err("the file is not open".to_owned())
        };
        match started {
            Ok(run) if run.export.is_complete() => self.finish_export(run),
            Ok(run) => self.exports.push(run),
            Err(msg) => self.data(req, Outcome::Failed(msg)),
        }
    }

    /// Writes a block that arrived (once its row coordinates are here too, when it has
    /// them); the last one renames the file into place.
    fn export_block(&mut self, req: ReqId, values: Values) {
        let Some(pos) = self.exports.iter().position(|x| x.req == req) else {
            return;
        };
        let run = &mut self.exports[pos];
        run.reading = false;
        let (data, rows) = match run.block.take() {
            // The block's own values: its coordinates are read next, if it has them.
            Some((slice, None)) if run.export.coordinates_read(&slice).is_some() => {
                run.block = Some((slice, Some(values)));
                return;
            }
            Some((_, Some(data))) => (data, Some(values)),
            _ => (values, None),
        };
        match run.export.write(&data, rows.as_ref()) {
            Ok(()) => {
                let (done, total) = run.export.progress();
                let complete = run.export.is_complete();
                self.reply(Response::Exported { req, done, total });
                if complete {
                    let run = self.exports.remove(pos);
                    self.finish_export(run);
                }
            }
            Err(e) => {
                // Dropping the run deletes the temporary file.
                self.exports.remove(pos);
                self.data(req, Outcome::Failed(e.to_string()));
            }
        }
    }

    fn finish_export(&mut self, run: ExportRun) {
        let outcome = match run.export.finish() {
            Ok(()) => Outcome::Done,
            Err(e) => Outcome::Failed(e.to_string()),
        };
        self.data(run.req, outcome);
    }

    /// The next block of the oldest export not reading one (blocks are written in order).
    fn next_export_block(&mut self) -> Option<(Job, Origin)> {
        let files = &self.files;
        let run = self
            .exports
            .iter_mut()
            .find(|x| !x.reading && !x.export.is_complete())?;
        let file = files.get(&run.file).map(|f| FileRef {
            id: run.file,
            path: f.path.clone(),
        })?;
        // A block whose values are here waits for its coordinates, read next.
        let (path, slice) = match &run.block {
            Some((slice, Some(_))) => {
                let (path, rows) = run.export.coordinates_read(slice)?;
                (path.to_owned(), rows)
            }
            _ => {
                let slice = run.export.next_read()?;
                run.block = Some((slice.clone(), None));
                (run.path.clone(), slice)
            }
        };
        run.reading = true;
        let job = Job::Read {
            file,
            path,
            slice,
            cap_bytes: export::READ_CAP,
            outside: run.outside,
        };
        Some((job, Origin::ExportBlock(run.req)))
    }

    /// Starts a tiles or cells request: parts in the cache are answered at once.
    fn parts(&mut self, mut read: PartRead) {
        if !self.files.contains_key(&read.source.file()) {
            return self.data(read.req, Outcome::Failed("the file is not open".to_owned()));
        }
        read.waiting.retain(|&p| read.source.has(p));
        read.waiting.dedup();
        let mut answers = Vec::new();
        read.waiting.retain(|&part| {
            let key = CacheKey {
                source: read.source.clone(),
                part,
            };
            match self.cache.get(&key).and_then(|c| c.answer(read.req, part)) {
                Some(answer) => {
                    answers.push(answer);
                    false
                }
                None => true,
            }
        });
        for answer in answers {
            self.reply(answer);
        }
        if read.waiting.is_empty() {
            self.data(read.req, Outcome::Done);
        } else {
            self.part_reads.push(read);
        }
    }

    /// Keeps a tile or block that was read and hands it to the requests waiting for it.
    fn part_loaded(&mut self, key: CacheKey, cached: Cached, bytes: u64) {
        self.cache.insert(key.clone(), cached.clone(), bytes);
        self.part_arrived(&key, &cached);
    }

    /// Hands a tile or block that arrived to every request waiting for it.
    fn part_arrived(&mut self, key: &CacheKey, cached: &Cached) {
        let mut answers = Vec::new();
        for t in &mut self.part_reads {
            if t.source == key.source && t.waiting.contains(&key.part) {
                t.waiting.retain(|w| *w != key.part);
                answers.push((t.req, t.waiting.is_empty()));
            }
        }
        self.part_reads.retain(|t| !t.waiting.is_empty());
        for (req, done) in answers {
            if let Some(answer) = cached.answer(req, key.part) {
                self.reply(answer);
            }
            if done {
                self.data(req, Outcome::Done);
            }
        }
    }

    /// Answers every sample read whose windows have all arrived.
    fn complete_reads(&mut self) {
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reads)
            .into_iter()
            .partition(|r| r.needed.iter().all(|w| r.got.contains_key(w)));
        self.reads = waiting;
        for r in ready {
            let mut values = Vec::with_capacity(r.count as usize);
            for w in &r.needed {
                let (wstart, _) = lod::window(*w, r.source.len, r.window);
                let Some(part) = r.got.get(w) else { continue };
                let from = r.start.saturating_sub(wstart) as usize;
                let to = ((r.start + r.count).saturating_sub(wstart) as usize).min(part.len());
                values.extend_from_slice(&part[from.min(to)..to]);
            }
            self.data(
                r.req,
                Outcome::Samples {
                    start: r.start,
                    values: values.into(),
                },
            );
        }
    }

    /// Cancels every data request of `view` (a newer one replaces them).
    fn supersede(&mut self, view: View) {
        let old: Vec<ReqId> = (self.overviews.iter().map(|o| (o.req, o.view)))
            .chain(self.reads.iter().map(|r| (r.req, r.view)))
            .chain(self.part_reads.iter().map(|t| (t.req, t.view)))
            .filter(|(_, v)| *v == view)
            .map(|(r, _)| r)
            .collect();
        for req in old {
            self.cancel(req);
        }
    }

    fn cancel(&mut self, req: ReqId) {
        let count = |d: &Self| {
            d.overviews.len()
                + d.reads.len()
                + d.part_reads.len()
                + d.probes.len()
                + d.exports.len()
                + d.subsets.len()
        };
        let before = count(self);
        // Dropping an export's run deletes its temporary file.
        self.exports.retain(|x| x.req != req);
        self.subsets.retain(|x| x.req != req);
        self.overviews.retain(|o| o.req != req);
        self.reads.retain(|r| r.req != req);
        self.part_reads.retain(|t| t.req != req);
        self.probes.retain(|(r, _)| *r != req);
        let mut found = before != count(self);
        // A window or probe in flight for it: its answer is not wanted, and if it does not
        // come soon the worker is stuck and gets killed (`watchdog`).
        for slot in &mut self.slots {
            if let Some(b) = &mut slot.busy
                && matches!(b.origin, Origin::Window { req: r, .. } | Origin::Probe(r)
                    | Origin::Subset(r) if r == req)
                && b.cancelled.is_none()
            {
                b.cancelled = Some(Instant::now());
                found = true;
            }
        }
        if found {
            self.data(req, Outcome::Cancelled);
        }
    }

    fn data(&self, req: ReqId, outcome: Outcome) {
        self.reply(Response::Data { req, outcome });
    }

    /// Gives every idle worker its next job.
    fn dispatch(&mut self) {
        for slot in 0..self.slots.len() {
            while self.slots[slot].busy.is_none() {
                let Some((job, origin)) = self.next_job(slot) else {
                    break;
                };
                self.start(slot, job, origin);
            }
        }
    }

    fn next_job(&mut self, slot: usize) -> Option<(Job, Origin)> {
        if let Some(job) = self.slots[slot].control.pop_front() {
            return Some((job, Origin::Control));
        }
        // Probes stand for any job: whichever worker is free first takes them.
        if let Some((req, probe)) = self.probes.pop_front() {
            let job = match probe {
                Probe::Fault(f) => Job::Fault(f),
                Probe::Environment => Job::Environment,
            };
            return Some((job, Origin::Probe(req)));
        }
        if slot == 0 {
            return self.next_meta_job().or_else(|| self.next_index_page());
        }
        // A data worker with nothing to read takes metadata jobs too, so a metadata worker
        // stuck on a hostile file does not hold up every other file until the watchdog.
        self.next_sample_window()
            .or_else(|| self.next_part(false))
            .or_else(|| self.next_overview_window())
            .or_else(|| self.next_export_block())
            .or_else(|| self.next_subset())
            .or_else(|| self.next_part(true))
            .or_else(|| self.next_meta_job())
    }

    fn next_meta_job(&mut self) -> Option<(Job, Origin)> {
        while let Some((job, origin)) = self.meta.pop_front() {
            // A job for a file closed meanwhile would open it again in the worker.
            match job.target() {
                Some((f, _)) if !self.files.contains_key(&f.id) => {
                    self.fail(&origin, "the file was closed".to_owned());
                }
                _ => return Some((job, origin)),
            }
        }
        None
    }

    /// The next search-index page: only for the metadata worker, only when nothing else
    /// waits. Each index job gets one page, then rotates.
    fn next_index_page(&mut self) -> Option<(Job, Origin)> {
        while let Some((file, job)) = self.indexes.pop_front() {
            let root = self.files.get(&file).and_then(|f| f.root);
            let (Some(root), Some(f)) = (root, self.file_ref(file)) else {
                // The file did not open: nothing to index.
                self.reply(Response::Indexed {
                    file,
                    entries: Vec::new(),
                    done: true,
                });
                continue;
            };
            let job = job.unwrap_or_else(|| IndexJob::new(root));
            let Some((group, start)) = job.next_page() else {
                self.reply(Response::Indexed {
                    file,
                    entries: Vec::new(),
                    done: true,
                });
                continue;
            };
            self.indexes.push_back((file, Some(job)));
            let list = Job::Kinds {
                file: f,
                group,
                start,
                limit: PAGE,
            };
            return Some((list, Origin::Index(file)));
        }
        None
    }

    fn next_sample_window(&mut self) -> Option<(Job, Origin)> {
        for r in &self.reads {
            for &w in &r.needed {
                let key = CacheKey {
                    source: Source::Line(r.source.clone()),
                    part: Part::Window(w),
                };
                if r.got.contains_key(&w) || self.reading.contains(&key) {
                    continue;
                }
                let f = self.file_ref(r.source.file)?;
                let (start, count) = lod::window(w, r.source.len, r.window);
                let job = Job::Samples {
                    file: f,
                    path: r.source.path.clone(),
                    line: r.source.line.clone(),
                    start,
                    count,
                    outside: r.source.outside,
                    calibration: r.source.calibration.clone(),
                };
                self.reading.insert(key.clone());
                return Some((job, Origin::SampleWindow(key)));
            }
        }
        None
    }

    /// The next tile or block no one is reading yet, of the newest request of that kind
    /// (newer requests are what the user looks at now).
    fn next_part(&mut self, prefetch: bool) -> Option<(Job, Origin)> {
        for t in self
            .part_reads
            .iter()
            .rev()
            .filter(|t| t.prefetch == prefetch)
        {
            for &part in &t.waiting {
                let key = CacheKey {
                    source: t.source.clone(),
                    part,
                };
                if self.reading.contains(&key) {
                    continue;
                }
                let job = match (&t.source, part) {
                    (Source::Plane(p), Part::Tile(tile)) => {
                        let Some(patch) = tile.patch(p.height, p.width) else {
                            continue;
                        };
                        Job::Tile {
                            file: self.file_ref(p.file)?,
                            path: p.path.clone(),
                            plane: p.plane.clone(),
                            patch,
                            outside: p.outside,
                            calibration: p.calibration.clone(),
                        }
                    }
                    (Source::Table(s), Part::Block(block)) => Job::Cells {
                        file: self.file_ref(s.file)?,
                        path: s.path.clone(),
                        grid: s.grid.clone(),
                        block,
                        outside: s.outside,
                    },
                    _ => continue,
                };
                self.reading.insert(key.clone());
                return Some((job, Origin::Part(key)));
            }
        }
        None
    }

    fn next_overview_window(&mut self) -> Option<(Job, Origin)> {
        // The newest overview first: it is what the user looks at.
        let o = self.overviews.iter_mut().rev().find(|o| o.left > 0)?;
        let w = o.order.next()?;
        o.left -= 1;
        let (start, count) = lod::window(w, o.source.len, o.window);
        let bucket = o.lod.read().map_or(1, |l| l.base());
        let file = FileRef {
            id: o.source.file,
            path: self.files.get(&o.source.file)?.path.clone(),
        };
        let job = Job::Summarise {
            file,
            path: o.source.path.clone(),
            line: o.source.line.clone(),
            start,
            count,
            bucket,
            outside: o.source.outside,
            calibration: o.source.calibration.clone(),
        };
        Some((
            job,
            Origin::Window {
                req: o.req,
                samples: count,
            },
        ))
    }

    /// Sends `job` to the worker in `slot`, starting one if needed.
    fn start(&mut self, slot: usize, job: Job, origin: Origin) {
        if self.slots[slot].worker.is_none() {
            let s = &mut self.slots[slot];
            s.generation += 1;
            match Worker::spawn(
                &self.config.workers,
                slot,
                s.generation,
                self.config.memory_limit,
                self.events_tx.clone(),
            ) {
                Ok(w) => s.worker = Some(w),
                Err(e) => {
                    return self.fail(&origin, format!("cannot start the HDF5 reader: {e}"));
                }
            }
        }
        let sent = match &mut self.slots[slot].worker {
            Some(w) => w.send(&job),
            None => Err("no reader".to_owned()),
        };
        match sent {
            Ok(()) => {
                self.slots[slot].busy = Some(Busy {
                    job,
                    origin,
                    since: Instant::now(),
                    cancelled: None,
                });
            }
            Err(e) => {
                let how = self.kill(slot);
                let msg = format!("the HDF5 reader stopped ({e}; {how}) and was restarted");
                self.fail(&origin, incident(&job, &msg));
            }
        }
    }

    /// Stops the worker in `slot` (a new one starts with the next job) and returns how it
    /// ended; forgets its job.
    fn kill(&mut self, slot: usize) -> String {
        let s = &mut self.slots[slot];
        s.busy = None;
        s.control.clear();
        s.generation += 1;
        s.worker.take().map_or_else(String::new, Worker::kill)
    }

    /// The slot an event came from, unless the event is from a worker since replaced.
    fn current(&mut self, slot: usize, generation: u64) -> Option<&mut Slot> {
        self.slots
            .get_mut(slot)
            .filter(|s| s.generation == generation)
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Reply {
                slot,
                generation,
                reply,
            } => {
                let Some(busy) = self.current(slot, generation).and_then(|s| s.busy.take()) else {
                    return;
                };
                self.route(busy, reply);
            }
            Event::Ended {
                slot,
                generation,
                why,
            } => {
                let Some(s) = self.current(slot, generation) else {
                    return;
                };
                let busy = s.busy.take();
                let how = self.kill(slot);
                if let Some(b) = busy
                    && b.cancelled.is_none()
                {
                    // A reply that cannot be read is not a crash; say which it was.
                    let msg = match why {
                        Some(w) => format!(
                            "the HDF5 reader's answer could not be read ({w}); it was restarted"
                        ),
                        None => format!(
                            "the HDF5 reader crashed while reading this ({how}); it was restarted"
                        ),
                    };
                    self.fail(&b.origin, incident(&b.job, &msg));
                }
            }
        }
    }

    /// Kills workers that are stuck: past the watchdog time, or past the grace time after
    /// their request was cancelled.
    fn watchdog(&mut self) {
        let now = Instant::now();
        for slot in 0..self.slots.len() {
            let Some(b) = &self.slots[slot].busy else {
                continue;
            };
            let limit = self.time_limit(b);
            let late = now.duration_since(b.since) > limit;
            let stuck = b
                .cancelled
                .is_some_and(|c| now.duration_since(c) > self.config.cancel_grace);
            if !(late || stuck) {
                continue;
            }
            let unanswered = b
                .cancelled
                .is_none()
                .then(|| (b.job.clone(), b.origin.clone()));
            self.kill(slot);
            if let Some((job, origin)) = unanswered {
                let secs = limit.as_secs_f64();
                let msg = incident(
                    &job,
                    &format!(
                        "no answer from the HDF5 reader within {secs} s; it was stopped and \
                         restarted"
                    ),
                );
                self.fail(&origin, msg);
            }
        }
    }

    /// How long a job may run before its worker is taken for stuck.
    fn time_limit(&self, b: &Busy) -> Duration {
        match b.job {
            Job::Subset { .. } => subset::COPY_TIMEOUT,
            _ => self.config.timeout,
        }
    }

    /// The longest the loop may sleep before a watchdog deadline.
    fn next_deadline(&self) -> Duration {
        let now = Instant::now();
        self.slots
            .iter()
            .filter_map(|s| s.busy.as_ref())
            .map(|b| match b.cancelled {
                Some(c) => (c + self.config.cancel_grace).saturating_duration_since(now),
                None => (b.since + self.time_limit(b)).saturating_duration_since(now),
            })
            .min()
            .unwrap_or(Duration::from_millis(500))
            .clamp(Duration::from_millis(1), Duration::from_millis(500))
    }

    /// Delivers a worker's answer to where its job came from.
    fn route(&mut self, busy: Busy, reply: Reply) {
        let Busy {
            origin, cancelled, ..
        } = busy;
        match (origin, reply) {
            (Origin::Open(file), Reply::Opened(result)) => {
                if let Some(f) = self.files.get_mut(&file) {
                    f.root = result.as_ref().ok().copied();
                }
                let path = self.files.get(&file).map(|f| f.path.clone());
                let result = result.and_then(|root| {
                    let path = path.ok_or("the file was closed")?;
                    let stamp = stamp(&path).ok_or_else(|| {
                        format!("{}: cannot read its size and time", path.display())
                    })?;
                    Ok(Opened { stamp, root })
                });
                self.reply(Response::Opened { file, result });
            }
            (Origin::List { file, group, start }, Reply::Listed(result)) => {
                self.reply(Response::Listed {
                    file,
                    group,
                    start,
                    result,
                });
            }
            (Origin::Info { file, path }, Reply::Info(result)) => {
                self.reply(Response::Info { file, path, result });
            }
            (Origin::Index(file), Reply::Listed(page)) => {
                let Some(pos) = self.indexes.iter().position(|(f, _)| *f == file) else {
                    return;
                };
                let Some(job) = &mut self.indexes[pos].1 else {
                    return;
                };
                let entries = job.absorb(page);
                let done = job.is_done();
                if done {
                    self.indexes.remove(pos);
                }
                self.reply(Response::Indexed {
                    file,
                    entries,
                    done,
                });
            }
            (Origin::Window { req, samples }, Reply::Summary(result)) => {
                if cancelled.is_none() {
                    self.window_done(req, samples, result);
                }
            }
            (Origin::SampleWindow(key), Reply::Samples(result)) => {
                self.reading.remove(&key);
                match result {
                    Ok(s) => {
                        let values: Arc<[f64]> = s.to_f64().into();
                        let bytes = 8 * values.len() as u64;
                        self.cache
                            .insert(key.clone(), Cached::Window(values.clone()), bytes);
                        let Part::Window(w) = key.part else { return };
                        for r in &mut self.reads {
                            if key.source.is_line(&r.source) && r.needed.contains(&w) {
                                r.got.insert(w, values.clone());
                            }
                        }
                        self.complete_reads();
                    }
                    Err(e) => self.fail(&Origin::SampleWindow(key), e),
                }
            }
            (Origin::Part(key), Reply::Tile(result)) => {
                self.reading.remove(&key);
                match result {
                    Ok(data) => {
                        let image = Arc::new(TileImage::from(data));
                        let bytes = image.bytes();
                        self.part_loaded(key, Cached::Tile(image), bytes);
                    }
                    Err(e) => self.fail(&Origin::Part(key), e),
                }
            }
            (Origin::Part(key), Reply::Cells(result)) => {
                self.reading.remove(&key);
                match result {
                    Ok(values) => {
                        let bytes = values.iter().map(Value::bytes).sum();
                        self.part_loaded(key, Cached::Cells(Arc::new(values)), bytes);
                    }
                    Err(e) => self.fail(&Origin::Part(key), e),
                }
            }
            (Origin::Subset(req), Reply::Copied(result)) => self.subset_copied(req, result),
            (Origin::ExportBlock(req), Reply::Values(result)) => match result {
                Ok(values) => self.export_block(req, values),
                Err(e) => self.fail(&Origin::ExportBlock(req), e),
            },
            (Origin::Probe(req), Reply::Environment(vars)) if cancelled.is_none() => {
                self.data(req, Outcome::Environment(vars));
            }
            (Origin::Probe(req), Reply::Slept) if cancelled.is_none() => {
                self.data(req, Outcome::Done);
            }
            (Origin::Control | Origin::Probe(_), _) => {}
            (origin, other) => {
                let msg = format!("the reader gave an unexpected answer: {other:?}");
                self.fail(&origin, msg);
            }
        }
    }

    fn window_done(
        &mut self,
        req: ReqId,
        samples: u64,
        result: Result<protocol::WindowSummary, String>,
    ) {
        let Some(pos) = self.overviews.iter().position(|o| o.req == req) else {
            return;
        };
        let summary = match result {
            Ok(s) => s,
            Err(e) => {
                self.overviews.remove(pos);
                return self.data(req, Outcome::Failed(e));
            }
        };
        let o = &mut self.overviews[pos];
        if let Ok(mut l) = o.lod.write() {
            l.merge(&summary, samples);
        }
        o.done += 1;
        let now = Instant::now();
        if o.done == o.total {
            let task = self.overviews.remove(pos);
            let progress = Response::Progress {
                req,
                lod: task.lod.clone(),
                done: task.done,
                total: task.total,
            };
            self.reply(progress);
            self.finish_overview(task);
        } else if now.duration_since(o.last_progress) >= PROGRESS_EVERY {
            o.last_progress = now;
            let progress = Response::Progress {
                req,
                lod: o.lod.clone(),
                done: o.done,
                total: o.total,
            };
            self.reply(progress);
        }
    }

    /// Answers the request behind `origin` with the error `msg`.
    fn fail(&mut self, origin: &Origin, msg: String) {
        match origin.clone() {
            Origin::Open(file) => {
                if let Some(f) = self.files.get_mut(&file) {
                    f.root = None;
                }
                self.reply(Response::Opened {
                    file,
                    result: Err(msg),
                });
            }
            Origin::List { file, group, start } => self.reply(Response::Listed {
                file,
                group,
                start,
                result: Err(msg),
            }),
            Origin::Info { file, path } => self.reply(Response::Info {
                file,
                path,
                result: Err(msg),
            }),
            Origin::Index(file) => {
                self.indexes.retain(|(f, _)| *f != file);
                self.reply(Response::Indexed {
                    file,
                    entries: Vec::new(),
                    done: true,
                });
            }
            Origin::Window { req, .. } => {
                let before = self.overviews.len();
                self.overviews.retain(|o| o.req != req);
                if before != self.overviews.len() {
                    self.data(req, Outcome::Failed(msg));
                }
            }
            Origin::SampleWindow(key) => {
                self.reading.remove(&key);
                let Part::Window(w) = key.part else { return };
                let (failed, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.reads)
                    .into_iter()
                    .partition(|r| key.source.is_line(&r.source) && r.needed.contains(&w));
                self.reads = rest;
                for r in failed {
                    self.data(r.req, Outcome::Failed(msg.clone()));
                }
            }
            Origin::Part(key) => {
                self.reading.remove(&key);
                let (failed, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.part_reads)
                    .into_iter()
                    .partition(|t| t.source == key.source && t.waiting.contains(&key.part));
                self.part_reads = rest;
                for t in failed {
                    self.data(t.req, Outcome::Failed(msg.clone()));
                }
            }
            Origin::Probe(req) => self.data(req, Outcome::Failed(msg)),
            Origin::Subset(req) => self.subset_copied(req, Err(msg)),
            Origin::ExportBlock(req) => {
                let before = self.exports.len();
                self.exports.retain(|x| x.req != req);
                if self.exports.len() != before {
                    self.data(req, Outcome::Failed(msg));
                }
            }
            Origin::Control => {}
        }
    }
}

/// A message for a job that broke its worker, naming the file and object it was reading.
fn incident(job: &Job, what: &str) -> String {
    match job.target() {
        Some((f, path)) => format!("{}: {path}: {what}", f.path.display()),
        None => what.to_owned(),
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

    fn spawn() -> Loader {
        spawn_with(LoaderConfig::new(WorkerKind::InProcess))
    }

    fn spawn_with(config: LoaderConfig) -> Loader {
        Loader::spawn(config, Box::new(|| {})).unwrap()
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
        let mut l = spawn();
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
        assert!(got.iter().any(|r| matches!(
            r,
            Response::Opened {
                file: 1,
                result: Ok(_)
            }
        )));
        let Some(Response::Listed {
            result: Ok(page), ..
        }) = got.iter().find(|r| matches!(r, Response::Listed { .. }))
        else {
            panic!("{got:?}")
        };
        let names: Vec<&str> = page.children.iter().map(|c| c.link.name.as_str()).collect();
        assert!(
            names.contains(&"waveforms") && names.contains(&"images"),
            "{names:?}"
        );
        let Some(Response::Info {
            result: Ok(info), ..
        }) = got.iter().find(|r| matches!(r, Response::Info { .. }))
        else {
            panic!("{got:?}")
        };
        assert_eq!(info.dataset.as_ref().unwrap().shape.dims(), [100_000]);
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("notes.h5");
        std::fs::write(&bad, b"not hdf5 at all").unwrap();
        let mut l = spawn();
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
        // Metadata answers may come from different workers, so in any order.
        let got = settle(&mut l);
        let Some(Response::Opened { result: Err(e), .. }) = got
            .iter()
            .find(|r| matches!(r, Response::Opened { file: 7, .. }))
        else {
            panic!("{got:?}")
        };
        assert!(
            e.contains("notes.h5") && e.contains("not an HDF5 file"),
            "{e}"
        );
        let Some(Response::Info { result: Err(e), .. }) =
            got.iter().find(|r| matches!(r, Response::Info { .. }))
        else {
            panic!("{got:?}")
        };
        assert!(e.contains("demo.h5") && e.contains("/nope"), "{e}");
    }

    #[test]
    fn indexes_every_path() {
        let mut l = spawn();
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

    fn signal(file: FileId) -> LineSource {
        LineSource {
            file,
            path: "/waveforms/signal".into(),
            line: Line::whole_1d(),
            len: 100_000,
            chunk: Some(10_000),
            outside: false,
            calibration: None,
        }
    }

    /// The final answer to `req` among `got`.
    fn outcome(got: &[Response], req: ReqId) -> &Outcome {
        got.iter()
            .find_map(|r| match r {
                Response::Data { req: r, outcome } if *r == req => Some(outcome),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no answer to {req}"))
    }

    /// The overview of the demo signal for `view`.
    fn overview(req: ReqId, view: View) -> Request {
        Request::Overview {
            req,
            view,
            source: signal(1),
        }
    }

    fn fault(req: ReqId, fault: Fault) -> Request {
        Request::Probe {
            req,
            probe: Probe::Fault(fault),
        }
    }

    fn open_demo(l: &mut Loader) {
        l.send(Request::Open {
            file: 1,
            path: demo(),
        });
        settle(l);
    }

    #[test]
    fn overview_and_samples_agree_with_the_file() {
        let mut l = spawn();
        open_demo(&mut l);
        l.send(overview(1, "a".into()));
        l.send(Request::Samples {
            req: 2,
            view: "b".into(),
            source: signal(1),
            start: 0,
            count: 100_000,
        });
        let got = settle(&mut l);
        let Outcome::Overview(lod) = outcome(&got, 1) else {
            panic!("{got:?}")
        };
        let Outcome::Samples { start: 0, values } = outcome(&got, 2) else {
            panic!("{got:?}")
        };
        assert_eq!(values.len(), 100_000);
        assert!((values[0] - -0.021_089_566_871_523_857).abs() < 1e-12);
        let lod = lod.read().unwrap();
        assert!(lod.is_complete());
        let s = lod.stats();
        assert_eq!(s.count, 100_000);
        assert_eq!(s.max, values.iter().copied().fold(f64::MIN, f64::max));
        assert_eq!(s.min, values.iter().copied().fold(f64::MAX, f64::min));

        // A second request for the same line comes from the cache: no streaming.
        l.send(overview(3, "a".into()));
        let again = settle(&mut l);
        assert!(matches!(outcome(&again, 3), Outcome::Overview(_)));
        assert!(!again.iter().any(|r| matches!(r, Response::Progress { .. })));
        // A cache too small for the pyramid: it streams again.
        l.send(Request::SetCacheLimit { bytes: 1 });
        l.send(overview(4, "a".into()));
        let evicted = settle(&mut l);
        assert!(
            evicted
                .iter()
                .any(|r| matches!(r, Response::Progress { req: 4, .. }))
        );
    }

    #[test]
    fn a_crashed_reader_is_named_and_replaced() {
        let mut l = spawn();
        open_demo(&mut l);
        l.send(fault(1, Fault::Abort));
        l.send(overview(2, "a".into()));
        let got = settle(&mut l);
        let Outcome::Failed(e) = outcome(&got, 1) else {
            panic!("{got:?}")
        };
        assert!(e.contains("crashed"), "{e}");
        assert!(
            matches!(outcome(&got, 2), Outcome::Overview(_)),
            "the next read works"
        );
    }

    #[test]
    fn a_hung_reader_is_stopped_by_the_watchdog() {
        let mut config = LoaderConfig::new(WorkerKind::InProcess);
        config.timeout = Duration::from_millis(300);
        let mut l = spawn_with(config);
        open_demo(&mut l);
        l.send(fault(1, Fault::Hang));
        let got = settle(&mut l);
        let Outcome::Failed(e) = outcome(&got, 1) else {
            panic!("{got:?}")
        };
        assert!(e.contains("no answer") && e.contains("0.3 s"), "{e}");
        l.send(overview(2, "a".into()));
        assert!(matches!(outcome(&settle(&mut l), 2), Outcome::Overview(_)));
    }

    #[test]
    fn a_stuck_metadata_worker_does_not_hold_up_the_tree() {
        let mut l = spawn();
        open_demo(&mut l);
        // The metadata worker (free first) takes the probe and hangs.
        l.send(fault(1, Fault::Hang));
        l.send(Request::Info {
            file: 1,
            path: "/waveforms/signal".into(),
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let info = loop {
            assert!(
                Instant::now() < deadline,
                "info waited for the stuck worker"
            );
            if let Some(r) = l
                .drain(Duration::from_millis(5))
                .into_iter()
                .find(|r| matches!(r, Response::Info { .. }))
            {
                break r;
            }
        };
        assert!(
            matches!(info, Response::Info { result: Ok(_), .. }),
            "{info:?}"
        );
        l.send(Request::Cancel { req: 1 });
    }

    #[test]
    fn cancel_answers_at_once_and_newer_requests_replace_older() {
        let mut config = LoaderConfig::new(WorkerKind::InProcess);
        config.data_workers = 1;
        let mut l = spawn_with(config);
        open_demo(&mut l);
        l.send(fault(1, Fault::Sleep(60_000)));
        l.send(Request::Cancel { req: 1 });
        l.send(overview(2, "a".into()));
        l.send(overview(3, "a".into()));
        let t = Instant::now();
        let got = settle(&mut l);
        assert!(matches!(outcome(&got, 1), Outcome::Cancelled));
        assert!(
            matches!(outcome(&got, 2), Outcome::Cancelled),
            "replaced by 3"
        );
        assert!(matches!(outcome(&got, 3), Outcome::Overview(_)));
        // The sleeping worker was killed after the grace time, not waited for.
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    }

    fn stack_frame(frame: u64, swap: bool) -> PlaneSource {
        let (rows, cols) = if swap { (2, 1) } else { (1, 2) };
        PlaneSource {
            file: 1,
            path: "/images/stack".into(),
            plane: Plane {
                rows,
                cols,
                at: vec![frame, 0, 0],
                channels: None,
                component: crate::model::Component::Value,
            },
            height: 96,
            width: 96,
            outside: false,
            calibration: None,
        }
    }

    /// The demo stack's formula (an expanding ring).
    fn ring(k: u64, j: u64, i: u64) -> f64 {
        let r = ((i as f64 - 48.0).powi(2) + (j as f64 - 48.0).powi(2)).sqrt();
        (1000.0 * (1.0 + (r / 4.0 - k as f64 * 0.4).cos())) as u16 as f64
    }

    #[test]
    fn tiles_read_frames_of_a_stack_at_any_step() {
        let mut l = spawn();
        open_demo(&mut l);
        let one = |step| {
            vec![Tile {
                step,
                row: 0,
                col: 0,
            }]
        };
        l.send(Request::Tiles {
            req: 1,
            view: "image".into(),
            source: stack_frame(3, false),
            tiles: one(1),
            prefetch: false,
        });
        l.send(Request::Tiles {
            req: 2,
            view: "other".into(),
            source: stack_frame(3, true),
            tiles: one(4),
            prefetch: true,
        });
        let got = settle(&mut l);
        let tile = |req| {
            got.iter()
                .find_map(|r| match r {
                    Response::Tile { req: q, image, .. } if *q == req => Some(image.clone()),
                    _ => None,
                })
                .unwrap()
        };
        let full = tile(1);
        assert_eq!((full.rows, full.cols, full.channels), (96, 96, 1));
        assert_eq!(full.pixel(10, 30).unwrap(), [ring(3, 10, 30)]);
        assert_eq!(full.stats.count, 96 * 96);
        // Every 4th element, with the axes swapped: row r is column 4r of the frame.
        let coarse = tile(2);
        assert_eq!((coarse.rows, coarse.cols), (24, 24));
        assert_eq!(coarse.pixel(2, 7).unwrap(), [ring(3, 28, 8)]);
        assert!(matches!(outcome(&got, 1), Outcome::Done));

        // Asked again: straight from the cache. A tile past the edge is dropped.
        l.send(Request::Tiles {
            req: 3,
            view: "image".into(),
            source: stack_frame(3, false),
            tiles: vec![
                Tile {
                    step: 1,
                    row: 0,
                    col: 0,
                },
                Tile {
                    step: 1,
                    row: 5,
                    col: 0,
                },
            ],
            prefetch: false,
        });
        let again = settle(&mut l);
        assert_eq!(
            again
                .iter()
                .filter(|r| matches!(r, Response::Tile { .. }))
                .count(),
            1
        );
        assert!(matches!(outcome(&again, 3), Outcome::Done));

        // A plane that does not fit the dataset fails with the file and object named.
        let mut bad = stack_frame(99, false);
        bad.path = "/images/stack".into();
        l.send(Request::Tiles {
            req: 4,
            view: "image".into(),
            source: bad,
            tiles: one(1),
            prefetch: false,
        });
        let failed = settle(&mut l);
        let Outcome::Failed(e) = outcome(&failed, 4) else {
            panic!("{failed:?}")
        };
        assert!(e.contains("demo.h5") && e.contains("/images/stack"), "{e}");
    }

    #[test]
    fn cells_stream_blocks_of_a_table_and_of_a_frame() {
        let mut l = spawn();
        open_demo(&mut l);
        let events = TableSource {
            file: 1,
            path: "/tables/events".into(),
            grid: Grid::default_for(1),
            dims: vec![1000],
            outside: false,
        };
        let blocks: Vec<Block> = (0..5)
            .filter_map(|r| events.grid.block(&events.dims, r, 0))
            .collect();
        assert_eq!(blocks.len(), 4, "1000 rows are 4 blocks of at most 256");
        l.send(Request::Cells {
            req: 1,
            view: "table".into(),
            source: events.clone(),
            blocks: blocks[2..].to_vec(),
        });
        let got = settle(&mut l);
        let cells: Vec<(Block, Arc<Values>)> = (got.iter())
            .filter_map(|r| match r {
                Response::Cells {
                    req: 1,
                    block,
                    values,
                } => Some((*block, values.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(cells.len(), 2);
        let (last, values) = cells.iter().find(|(b, _)| b.row == 768).unwrap();
        assert_eq!((last.rows, values.shape()), (232, &[232, 1][..]));
        // Row 999 of the compound: channel 999 % 8, label "noise" (999 % 4 == 3).
        let Value::Compound(fields) = &values[[231, 0]] else {
            panic!("{:?}", values[[231, 0]])
        };
        assert_eq!(fields[1], ("channel".to_owned(), Value::UInt(7)));
        assert_eq!(fields[3], ("label".to_owned(), Value::Str("noise".into())));
        assert!(matches!(outcome(&got, 1), Outcome::Done));

        // A frame of the stack as a table, columns first in the file: transposed cells.
        let frame = TableSource {
            file: 1,
            path: "/images/stack".into(),
            grid: Grid {
                rows: 2,
                cols: Some(1),
                at: vec![3, 0, 0],
            },
            dims: vec![16, 96, 96],
            outside: false,
        };
        l.send(Request::Cells {
            req: 2,
            view: "table".into(),
            source: frame.clone(),
            blocks: vec![frame.grid.block(&frame.dims, 0, 0).unwrap()],
        });
        let got = settle(&mut l);
        let values = got
            .iter()
            .find_map(|r| match r {
                Response::Cells { req: 2, values, .. } => Some(values.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(values.shape(), [96, 32]);
        assert_eq!(values[[30, 10]].as_f64(), Some(ring(3, 10, 30)));

        // Blocks past the end are dropped; a bad path fails naming the file and object.
        let bad = TableSource {
            path: "/tables/nothing".into(),
            ..events
        };
        l.send(Request::Cells {
            req: 3,
            view: "table".into(),
            source: bad,
            blocks: blocks[..1].to_vec(),
        });
        let failed = settle(&mut l);
        let Outcome::Failed(e) = outcome(&failed, 3) else {
            panic!("{failed:?}")
        };
        assert!(
            e.contains("demo.h5") && e.contains("/tables/nothing"),
            "{e}"
        );
    }

    fn export_spec(path: &str, slice: &str, dims: &[u64], dest: PathBuf) -> ExportSpec {
        let sel = crate::model::resolve(&crate::model::parse_slice(slice).unwrap(), dims).unwrap();
        let file = crate::reader::H5File::open(&demo()).unwrap();
        let dtype = file.info(path).unwrap().dataset.unwrap().dtype;
        ExportSpec {
            file: 1,
            path: path.into(),
            dtype,
            sel,
            dest,
            header: true,
            rows: None,
            outside: false,
        }
    }

    #[cfg(unix)]
    #[test]
    fn exports_stream_blocks_into_place_and_cancel_cleanly() {
        let mut l = spawn();
        open_demo(&mut l);
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("events.csv");
        l.send(Request::Export {
            req: 1,
            export: export_spec("/tables/events", "10:13", &[1000], csv.clone()),
        });
        let got = settle(&mut l);
        assert!(matches!(outcome(&got, 1), Outcome::Done), "{got:?}");
        assert!(got.iter().any(|r| matches!(
            r,
            Response::Exported {
                req: 1,
                done: 1,
                total: 1
            }
        )));
        let text = std::fs::read_to_string(&csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "time,channel,energy,label");
        assert_eq!(lines.len(), 4);
        assert!(lines[1].ends_with(",2,555.3217,alpha"), "{}", lines[1]);

        // The open demo file under another name is refused, and a cancelled export leaves
        // nothing.
        let alias = dir.path().join("demo.csv");
        std::os::unix::fs::symlink(demo(), &alias).unwrap();
        l.send(Request::Export {
            req: 2,
            export: export_spec("/tables/events", ":", &[1000], alias),
        });
        std::fs::write(dir.path().join("stack.npy"), b"previous").unwrap();
        // Occupy every data worker (at most 4) so the export's block waits, then cancel it.
        for n in 0..4 {
            l.send(fault(10 + n, Fault::Sleep(300)));
        }
        l.send(Request::Export {
            req: 4,
            export: export_spec(
                "/images/stack",
                ":",
                &[16, 96, 96],
                dir.path().join("stack.npy"),
            ),
        });
        l.send(Request::Cancel { req: 4 });
        let got = settle(&mut l);
        let Outcome::Failed(e) = outcome(&got, 2) else {
            panic!("{got:?}")
        };
        assert!(e.contains("open in the viewer"), "{e}");
        assert!(matches!(outcome(&got, 4), Outcome::Cancelled), "{got:?}");
        assert_eq!(
            std::fs::read(dir.path().join("stack.npy")).unwrap(),
            b"previous"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    }

    #[test]
    fn subsets_are_copied_by_a_worker_into_place_and_cancel_cleanly() {
        let mut l = spawn();
        open_demo(&mut l);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("signal.h5");
        let subset = |paths: &[&str], dest: &std::path::Path| SubsetSpec {
            file: 1,
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            dest: dest.to_path_buf(),
        };
        l.send(Request::Subset {
            req: 1,
            subset: subset(&["/waveforms/signal"], &dest),
        });
        let got = settle(&mut l);
        let Outcome::Copied(report) = outcome(&got, 1) else {
            panic!("{got:?}")
        };
        assert_eq!(report.copied, ["/waveforms/signal", "/waveforms/time"]);
        let copy = crate::reader::H5File::open(&dest).unwrap();
        let info = copy.info("/waveforms/signal").unwrap();
        assert_eq!(info.dims[0].scales[0].path, "/waveforms/time");

        // The open file is refused; a missing object names itself; a cancelled copy
        // leaves the previous file.
        l.send(Request::Subset {
            req: 2,
            subset: subset(&["/"], &demo()),
        });
        l.send(Request::Subset {
            req: 3,
            subset: subset(&["/nothing/here"], &dir.path().join("x.h5")),
        });
        let got = settle(&mut l);
        let Outcome::Failed(e) = outcome(&got, 2) else {
            panic!("{got:?}")
        };
        assert!(e.contains("open in the viewer"), "{e}");
        let Outcome::Failed(e) = outcome(&got, 3) else {
            panic!("{got:?}")
        };
        assert!(e.contains("demo.h5") && e.contains("/nothing/here"), "{e}");
        for n in 0..4 {
            l.send(fault(10 + n, Fault::Sleep(300)));
        }
        l.send(Request::Subset {
            req: 4,
            subset: subset(&["/"], &dest),
        });
        l.send(Request::Cancel { req: 4 });
        let got = settle(&mut l);
        assert!(matches!(outcome(&got, 4), Outcome::Cancelled), "{got:?}");
        assert!(
            crate::reader::H5File::open(&dest)
                .unwrap()
                .link("/images")
                .is_err(),
            "the earlier copy is untouched"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["signal.h5"], "no temporary file left");
    }

    #[test]
    fn a_csv_export_reads_each_blocks_coordinates_for_its_first_column() {
        let mut l = spawn();
        open_demo(&mut l);
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("signal.csv");
        let file = crate::reader::H5File::open(&demo()).unwrap();
        let info = file.info("/waveforms/signal").unwrap();
        let scale = &info.dims[0].scales[0];
        let rows = RowCoordinates::of(scale, &file.info(&scale.path).unwrap(), 100_000).unwrap();
        l.send(Request::Export {
            req: 1,
            export: ExportSpec {
                rows: Some(rows),
                ..export_spec("/waveforms/signal", "99997:", &[100_000], csv.clone())
            },
        });
        let got = settle(&mut l);
        assert!(matches!(outcome(&got, 1), Outcome::Done), "{got:?}");
        let text = std::fs::read_to_string(&csv).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "time (s),value");
        assert_eq!(lines.len(), 4);
        assert!(lines[3].starts_with("9.9999,"), "{}", lines[3]);
    }
}
