//! Fuzzes whole files through the viewer's loader and a confined reader process
//! (`hdfscope::fuzzing::open_in_reader`): `HDFSCOPE_BIN` names the hdfscope binary the
//! reader runs. libhdf5 crashing in the reader is contained (and not a finding); the
//! loader failing to answer, or panicking, is.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

static BINARY: LazyLock<PathBuf> = LazyLock::new(|| {
    std::env::var_os("HDFSCOPE_BIN")
        .map(PathBuf::from)
        .expect("set HDFSCOPE_BIN to the hdfscope binary (see fuzz/README.md)")
});

libfuzzer_sys::fuzz_target!(|data: &[u8]| hdfscope::fuzzing::open_in_reader(&BINARY, data));
