//! The messages between the loader and a reader worker, and how they are framed on a pipe.
//!
//! A worker gets one [`Job`] at a time and answers it with one [`Reply`]. Frames are a
//! 4-byte little-endian length and a MessagePack body (self-describing, so the model's
//! tagged enums round-trip, NaN included). A reader of frames never trusts the length:
//! anything over [`MAX_FRAME`] is refused before allocating. Must never carry anything but
//! plain model data.

use std::io::{Read, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::tiles::TileData;
use crate::model::{
    AxisSlice, Block, Calibration, ChildPage, Grid, Line, ObjectId, ObjectInfo, Patch, Plane,
    SubsetReport, Values,
};

/// Identifies one opening of a file; a reload gets a new id, so stale answers are ignored.
pub type FileId = u64;

/// The largest frame either side accepts.
pub const MAX_FRAME: u32 = 512 << 20;

/// A file a job is about. Workers open files lazily by this, so a restarted worker needs
/// no replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub id: FileId,
    pub path: PathBuf,
}

/// One unit of work for a worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// Open the file and report its root group's identity.
    Open(FileRef),
    /// Forget the file.
    Close(FileId),
    /// Links `start..start+limit` of a group, with what each leads to.
    List {
        file: FileRef,
        group: String,
        start: u64,
        limit: usize,
    },
    /// As `List`, with only each object's kind and identity (the search index's pages).
    Kinds {
        file: FileRef,
        group: String,
        start: u64,
        limit: usize,
    },
    Info {
        file: FileRef,
        path: String,
    },
    /// Min/max per bucket of samples `start..start+count` along a line.
    Summarise {
        file: FileRef,
        path: String,
        line: Line,
        start: u64,
        count: u64,
        bucket: u64,
        /// The user allowed reading values kept in other files.
        outside: bool,
        calibration: Option<Calibration>,
    },
    /// The samples `start..start+count` along a line.
    Samples {
        file: FileRef,
        path: String,
        line: Line,
        start: u64,
        count: u64,
        outside: bool,
        calibration: Option<Calibration>,
    },
    /// A strided patch of an image plane, with its statistics.
    Tile {
        file: FileRef,
        path: String,
        plane: Plane,
        patch: Patch,
        outside: bool,
        calibration: Option<Calibration>,
    },
    /// A block of a table's cells, decoded.
    Cells {
        file: FileRef,
        path: String,
        grid: Grid,
        block: Block,
        outside: bool,
    },
    /// A selection of a dataset, decoded (a block of an export).
    Read {
        file: FileRef,
        path: String,
        slice: Vec<AxisSlice>,
        cap_bytes: u64,
        outside: bool,
    },
    /// Copy objects (each group with everything below it) into a new HDF5 file at `dest`
    /// (the loader's temporary file; the only file a worker ever writes).
    Subset {
        file: FileRef,
        paths: Vec<String>,
        dest: PathBuf,
    },
    /// The `HDF5_*` environment variables the worker sees (to prove they were removed).
    Environment,
    /// Test hook: misbehave the way libhdf5 can on a hostile file.
    Fault(Fault),
}

impl Job {
    /// The file and in-file object the job concerns, for messages when the worker fails.
    pub fn target(&self) -> Option<(&FileRef, &str)> {
        match self {
            Self::Open(f) => Some((f, "/")),
            Self::List { file, group, .. } | Self::Kinds { file, group, .. } => Some((file, group)),
            Self::Info { file, path }
            | Self::Summarise { file, path, .. }
            | Self::Samples { file, path, .. }
            | Self::Tile { file, path, .. }
            | Self::Cells { file, path, .. }
            | Self::Read { file, path, .. } => Some((file, path)),
            Self::Subset { file, paths, .. } => {
                Some((file, paths.first().map_or("/", String::as_str)))
            }
            Self::Close(_) | Self::Environment | Self::Fault(_) => None,
        }
    }
}

/// Ways a test makes a worker fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// Die at once, as on a segfault or abort.
    Abort,
    /// Never answer, as on an endless loop inside libhdf5.
    Hang,
    /// Answer after this many milliseconds, as on a slow read.
    Sleep(u64),
}

/// The per-bucket summary of one window of samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowSummary {
    /// Index of the first bucket, counted from sample 0 of the line.
    pub first_bucket: u64,
    /// Min and max per bucket over the window's samples (NaN-free; +inf/-inf when a bucket
    /// holds only NaN).
    pub min: Vec<f64>,
    pub max: Vec<f64>,
    pub stats: Stats,
}

/// Running statistics over samples; NaN samples are counted, not summed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub count: u64,
    pub nan: u64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            count: 0,
            nan: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }
}

impl Stats {
    pub fn add(&mut self, v: f64) {
        if v.is_nan() {
            self.nan += 1;
        } else {
            self.count += 1;
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.sum += v;
        }
    }

    pub fn merge(&mut self, o: &Self) {
        self.count += o.count;
        self.nan += o.nan;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.sum += o.sum;
    }

    /// The mean of the non-NaN samples.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}

/// Samples as raw little-endian bytes on the wire (MessagePack would spend a marker byte
/// and a branch on each): as `f32` when every sample survives the trip exactly (integer
/// images, float32 data), which halves what crosses the pipe, else as `f64`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Samples {
    F32(#[serde(with = "serde_bytes")] Vec<u8>),
    F64(#[serde(with = "serde_bytes")] Vec<u8>),
}

impl Samples {
    pub fn from_f64(v: &[f64]) -> Self {
        // NaN survives as NaN (its payload does not matter here).
        let narrow = v.iter().all(|&x| f64::from(x as f32) == x || x.is_nan());
        if narrow {
            let mut out = Vec::with_capacity(4 * v.len());
            for &x in v {
                out.extend_from_slice(&(x as f32).to_le_bytes());
            }
            Self::F32(out)
        } else {
            let mut out = Vec::with_capacity(8 * v.len());
            for &x in v {
                out.extend_from_slice(&x.to_le_bytes());
            }
            Self::F64(out)
        }
    }

    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Self::F32(b) => (b.chunks_exact(4))
                .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            Self::F64(b) => (b.chunks_exact(8))
                .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect(),
        }
    }
}

/// A worker's answer to one job. Errors are one-line messages naming the file and object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Opened(Result<ObjectId, String>),
    Closed,
    Listed(Result<ChildPage, String>),
    Info(Result<Box<ObjectInfo>, String>),
    Summary(Result<WindowSummary, String>),
    Samples(Result<Samples, String>),
    Tile(Result<TileData, String>),
    /// Rows x dataset columns of decoded values.
    Cells(Result<Values, String>),
    /// The values of a [`Job::Read`].
    Values(Result<Values, String>),
    /// What a [`Job::Subset`] copied.
    Copied(Result<SubsetReport, String>),
    Environment(Vec<(String, String)>),
    /// Answer to a `Fault::Sleep`.
    Slept,
}

/// Why a frame could not be read or written.
#[derive(Debug, Error)]
pub enum FrameError {
    #[error("the pipe failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("a frame of {len} bytes is over the limit of {limit}")]
    TooLarge { len: u64, limit: u32 },
    #[error("a frame cannot be encoded: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
    #[error("a frame cannot be decoded: {0}")]
    Decode(#[from] rmp_serde::decode::Error),
}

/// Writes one framed message and flushes.
pub fn write_frame<T: Serialize>(out: &mut impl Write, msg: &T) -> Result<(), FrameError> {
    let body = rmp_serde::to_vec_named(msg)?;
    let len = u32::try_from(body.len())
        .ok()
        .filter(|&l| l <= MAX_FRAME)
        .ok_or(FrameError::TooLarge {
            len: body.len() as u64,
            limit: MAX_FRAME,
        })?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&body)?;
    out.flush()?;
    Ok(())
}

/// Reads one framed message; `Ok(None)` at a clean end of stream.
pub fn read_frame<T: for<'de> Deserialize<'de>>(
    input: &mut impl Read,
) -> Result<Option<T>, FrameError> {
    read_frame_within(input, MAX_FRAME)
}

/// Reads one framed message of at most `limit` bytes (for peers trusted less than a
/// worker); `Ok(None)` at a clean end of stream.
pub fn read_frame_within<T: for<'de> Deserialize<'de>>(
    input: &mut impl Read,
    limit: u32,
) -> Result<Option<T>, FrameError> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_le_bytes(len);
    if len > limit {
        return Err(FrameError::TooLarge {
            len: u64::from(len),
            limit,
        });
    }
    let mut body = vec![0u8; len as usize];
    input.read_exact(&mut body)?;
    Ok(Some(rmp_serde::from_slice(&body)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::H5File;

    fn demo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.h5")
    }

    #[test]
    fn model_types_round_trip() {
        let f = H5File::open(&demo()).unwrap();
        let info = f.info("/waveforms/signal").unwrap();
        let page = f.children("/", 0, 100).unwrap();
        for reply in [
            Reply::Info(Ok(Box::new(info))),
            Reply::Listed(Ok(page)),
            Reply::Samples(Ok(Samples::from_f64(&[1.5, f64::NAN, -0.0]))),
            Reply::Summary(Err("x.h5: /a: broken".to_owned())),
            // 128-bit integers (enum values, wide integers) have no MessagePack form.
            Reply::Info(Ok(Box::new(enum_info()))),
        ] {
            let mut buf = Vec::new();
            write_frame(&mut buf, &reply).unwrap();
            let back: Reply = read_frame(&mut buf.as_slice()).unwrap().unwrap();
            // NaN != NaN, so compare the debug text.
            assert_eq!(format!("{back:?}"), format!("{reply:?}"));
        }
    }

    /// An object whose metadata holds 128-bit integers.
    fn enum_info() -> ObjectInfo {
        use crate::model::{AttrValue, Attribute, DType, EnumMember, ObjectKind, Shape, Value};
        let member = EnumMember {
            name: "HUGE".into(),
            value: i128::MAX,
        };
        let value = Value::Enum {
            name: None,
            value: -(1 << 100),
        };
        ObjectInfo {
            path: "/e".into(),
            kind: ObjectKind::Dataset,
            link: None,
            id: None,
            attrs: vec![Attribute {
                name: "state".into(),
                dtype: DType::Enum {
                    size: 16,
                    base: Box::new(DType::Unsupported {
                        class_name: "int128".into(),
                        size: 16,
                    }),
                    members: vec![member],
                },
                shape: Shape::Scalar,
                value: AttrValue::Loaded(crate::model::Values::from_elem(
                    ndarray::IxDyn(&[]),
                    value,
                )),
            }],
            dataset: None,
            datatype: None,
            dims: Vec::new(),
            is_scale: false,
            child_count: None,
        }
    }

    #[test]
    fn hostile_lengths_are_refused_before_allocating() {
        let mut frame = (MAX_FRAME + 1).to_le_bytes().to_vec();
        frame.extend_from_slice(&[0; 16]);
        assert!(matches!(
            read_frame::<Reply>(&mut frame.as_slice()),
            Err(FrameError::TooLarge { .. })
        ));
        let truncated = [8u8, 0, 0, 0, 1, 2];
        assert!(read_frame::<Reply>(&mut truncated.as_slice()).is_err());
        assert!(read_frame::<Reply>(&mut [].as_slice()).unwrap().is_none());
    }

    #[test]
    fn samples_keep_every_bit() {
        let v = [0.1, f64::MIN_POSITIVE, f64::INFINITY, -1e300];
        assert_eq!(Samples::from_f64(&v).to_f64(), v);
        // Numbers a float32 holds exactly cross as float32.
        let narrow = [1.0, 65535.0, -0.5, f64::INFINITY];
        let s = Samples::from_f64(&narrow);
        assert!(matches!(s, Samples::F32(ref b) if b.len() == 16));
        assert_eq!(s.to_f64(), narrow);
        assert!(Samples::from_f64(&[f64::NAN]).to_f64()[0].is_nan());
    }
}
