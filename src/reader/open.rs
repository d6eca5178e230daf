//! Opening a file: the HDF5 signature check, then a read-only libhdf5 open with locking off.
//!
//! The signature and the superblock's write flags are checked with plain file reads first,
//! so non-HDF5 files never reach libhdf5 and a file being written gets a clear message (or a
//! SWMR read, when its writer allows one). Must never open a file for writing, and never
//! clear a writer's flags.
#![allow(unsafe_code)]

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use hdf5_sys::h5f::{H5F_ACC_RDONLY, H5F_ACC_SWMR_READ, H5F_close_degree_t, H5Fopen};
use hdf5_sys::h5p::{H5P_CLS_FILE_ACCESS, H5Pcreate, H5Pset_fclose_degree, H5Pset_file_locking};

use super::error::ReadError;
use super::ffi::{Hid, call, cstring};

/// The 8-byte HDF5 format signature.
pub const SIGNATURE: [u8; 8] = *b"\x89HDF\r\n\x1a\n";

/// Finds the HDF5 signature at byte 0 or after a user block (512, 1024, 2048, ...), as the
/// format specification allows. Returns its offset.
pub fn find_signature(path: &Path) -> Result<Option<u64>, ReadError> {
    let io = |source| ReadError::Io {
        file: path.to_owned(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let mut offset = 0u64;
    while offset + 8 <= len {
        let mut buf = [0u8; 8];
        f.seek(SeekFrom::Start(offset)).map_err(io)?;
        f.read_exact(&mut buf).map_err(io)?;
        if buf == SIGNATURE {
            return Ok(Some(offset));
        }
        offset = if offset == 0 { 512 } else { offset * 2 };
    }
    Ok(None)
}

/// Superblock (version 3) consistency flags: a writer has the file open...
const WRITING: u8 = 0x01;
/// ...in single-writer/multiple-reader mode, so readers may follow it.
const SWMR_WRITING: u8 = 0x04;

/// The file-consistency flags of the superblock at `offset` (0 for superblock versions
/// before 3, which do not keep them).
fn consistency_flags(path: &Path, offset: u64) -> Result<u8, ReadError> {
    let io = |source| ReadError::Io {
        file: path.to_owned(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    f.seek(SeekFrom::Start(offset)).map_err(io)?;
    // Signature, version, sizes of offsets and lengths, flags.
    let mut head = [0u8; 12];
    if f.read_exact(&mut head).is_err() {
        // Too short for a superblock: libhdf5 says what is wrong.
        return Ok(0);
    }
    Ok(if head[8] >= 3 { head[11] } else { 0 })
}

/// Opens `path` read-only with file locking disabled, so the viewer never blocks a writer;
/// a file a SWMR writer has open is opened for SWMR reading.
pub(crate) fn open_read_only(path: &Path) -> Result<Hid, ReadError> {
    if !path.is_file() {
        let kind = if path.exists() {
            "not a regular file"
        } else {
            "no such file"
        };
        return Err(ReadError::Io {
            file: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, kind),
        });
    }
    let Some(superblock) = find_signature(path)? else {
        return Err(ReadError::NotHdf5 {
            file: path.to_owned(),
        });
    };
    let flags = consistency_flags(path, superblock)?;
    let access = if flags & SWMR_WRITING != 0 {
        H5F_ACC_RDONLY | H5F_ACC_SWMR_READ
    } else if flags & WRITING != 0 {
        return Err(ReadError::BeingWritten {
            file: path.to_owned(),
        });
    } else {
        H5F_ACC_RDONLY
    };
    let open_err = |e: hdf5::Error| ReadError::Open {
        file: path.to_owned(),
        reason: e.to_string(),
    };
    // SAFETY: creating a fresh file-access property list.
    let fapl = Hid::from_call(|| unsafe { H5Pcreate(*H5P_CLS_FILE_ACCESS) }).map_err(open_err)?;
    // SAFETY: `fapl` is our own file-access list. Locking off (ignoring filesystems without
    // locks) so an instrument can keep writing; strong close frees every object on drop.
    call(|| unsafe { H5Pset_file_locking(fapl.id(), 0, 1) }).map_err(open_err)?;
    // SAFETY: as above.
    call(|| unsafe { H5Pset_fclose_degree(fapl.id(), H5F_close_degree_t::H5F_CLOSE_STRONG) })
        .map_err(open_err)?;
    let name = cstring(&path.to_string_lossy()).map_err(open_err)?;
    // SAFETY: `name` is NUL-terminated and `fapl` valid; RDONLY (with or without SWMR_READ)
    // never writes the file.
    Hid::from_call(|| unsafe { H5Fopen(name.as_ptr(), access, fapl.id()) }).map_err(open_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_after_user_block_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ub.bin");
        let mut bytes = vec![0u8; 1024];
        bytes.extend_from_slice(&SIGNATURE);
        bytes.extend_from_slice(&[0u8; 100]);
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(find_signature(&p).unwrap(), Some(1024));
    }

    #[test]
    fn text_file_is_not_hdf5() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("notes.txt");
        std::fs::write(&p, "hello, not HDF5 at all").unwrap();
        assert_eq!(find_signature(&p).unwrap(), None);
        let err = open_read_only(&p).unwrap_err();
        assert!(
            err.to_string().contains("not an HDF5 file"),
            "message was: {err}"
        );
    }
}
