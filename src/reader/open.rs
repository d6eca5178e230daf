//! Opening a file: the HDF5 signature check, then a read-only libhdf5 open with locking off.
//!
//! The signature is checked with plain file reads first, so non-HDF5 files never reach
//! libhdf5 and get a clear message. Must never open a file for writing.
#![allow(unsafe_code)]

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use hdf5_sys::h5f::{H5F_ACC_RDONLY, H5F_close_degree_t, H5Fopen};
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

/// Opens `path` read-only with file locking disabled, so the viewer never blocks a writer.
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
    if find_signature(path)?.is_none() {
        return Err(ReadError::NotHdf5 {
            file: path.to_owned(),
        });
    }
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
    // SAFETY: `name` is NUL-terminated and `fapl` valid; RDONLY never writes the file.
    Hid::from_call(|| unsafe { H5Fopen(name.as_ptr(), H5F_ACC_RDONLY, fapl.id()) })
        .map_err(open_err)
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
