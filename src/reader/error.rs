//! Everything that can go wrong while reading a file, named by operation and object.
//!
//! File-level errors name the file; object-level errors name the in-file path, and the caller
//! adds the file once at its boundary. Never carries a panic or backtrace to the user.

use std::path::PathBuf;

use thiserror::Error;

use crate::model::SliceError;

/// An error from the reader.
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("{file}: cannot read the file: {source}")]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: not an HDF5 file (no HDF5 signature at byte 0, 512, 1024, 2048, ...)")]
    NotHdf5 { file: PathBuf },
    #[error("{file}: libhdf5 cannot open it: {reason}")]
    Open { file: PathBuf, reason: String },
    #[error(
        "{file}: a program has it open for writing (not in SWMR mode), or one that was \
         writing it ended without closing it; it can be read once the writer closes it \
         (hdfscope never clears the writer's flag)"
    )]
    BeingWritten { file: PathBuf },
    #[error("{path}: no such object")]
    NotFound { path: String },
    #[error("{path}: {op} failed: {reason}")]
    Hdf5 {
        op: &'static str,
        path: String,
        reason: String,
    },
    #[error("{path}: {source}")]
    Slice { path: String, source: SliceError },
    #[error(
        "{path}: the selection has {elements} elements ({bytes} bytes), over the limit of \
         {cap} bytes; narrow it with a slice such as {hint:?}"
    )]
    TooLarge {
        path: String,
        elements: u64,
        bytes: u64,
        cap: u64,
        hint: String,
    },
    #[error(
        "{path}: each chunk decodes to {bytes} bytes, over the limit of {cap} bytes for one \
         chunk (libhdf5 decodes a whole chunk to read any part of it), so its values are \
         not read"
    )]
    ChunkTooLarge { path: String, bytes: u64, cap: u64 },
    #[error(
        "{path}: {filters} is not available in this build of hdfscope, so its values \
         cannot be decompressed (the rest of the file is readable)"
    )]
    FilterUnavailable { path: String, filters: String },
    #[error(
        "{path}: {failed} of the {total} chunks read could not be decoded ({chunks}): \
         {cause}; the other parts of the dataset stay readable"
    )]
    ChunksFailed {
        path: String,
        failed: usize,
        total: usize,
        /// The first failing chunks, as their element offsets ("[0, 128], [128, 0]").
        chunks: String,
        cause: String,
    },
    #[error(
        "{path}: its values are stored in other files ({files}); hdfscope reads them only \
         when you allow it (in the viewer, or with --outside on the command line)"
    )]
    OutsideFiles { path: String, files: String },
    #[error("{path}: {what}")]
    Unsupported { path: String, what: String },
}

impl ReadError {
    /// Wraps a libhdf5 error with the operation and the object it concerned.
    pub(crate) fn hdf5(op: &'static str, path: &str, err: &hdf5::Error) -> Self {
        Self::Hdf5 {
            op,
            path: path.to_owned(),
            reason: err.to_string(),
        }
    }

    /// A closure for `map_err` that wraps a libhdf5 error.
    pub(crate) fn at<'a>(op: &'static str, path: &'a str) -> impl Fn(hdf5::Error) -> Self + 'a {
        move |e| Self::hdf5(op, path, &e)
    }

    /// Whether the object simply does not exist (as opposed to failing to read).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}
