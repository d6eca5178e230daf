//! No filter plugin is ever loaded from disk (reliability: plugin code). A canary library
//! whose constructor writes a marker file sits in the directory `HDF5_PLUGIN_PATH` names;
//! a file needs filter 40000, which no build has. The CLI's confined reader and libhdf5 as
//! hdfscope prepares it both fail to read the data and the marker never appears; with
//! plugin loading turned back on, libhdf5 does load the canary (the control that shows the
//! test can fail). Its own test binary: it sets this process's environment.
#![allow(unsafe_code)]

mod common;

use std::ffi::{c_uint, c_void};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const FILTER: i32 = 40000;

/// A filter that leaves the bytes as they are, to write a file that needs filter 40000.
extern "C" fn passthrough(
    _flags: c_uint,
    _cd_nelmts: usize,
    _cd_values: *const c_uint,
    nbytes: usize,
    _buf_size: *mut usize,
    _buf: *mut *mut c_void,
) -> usize {
    nbytes
}

/// Writes `/d`, 100 int32 in chunks of 10 through filter 40000, registered only while writing.
fn write_needing_filter(path: &Path) {
    use hdf5_sys::h5z::{H5Z_CLASS_T_VERS, H5Z_class2_t, H5Zregister, H5Zunregister};
    let class = H5Z_class2_t {
        version: H5Z_CLASS_T_VERS as _,
        id: FILTER,
        encoder_present: 1,
        decoder_present: 1,
        name: c"hdfscope test filter".as_ptr(),
        can_apply: None,
        set_local: None,
        filter: Some(passthrough),
    };
    // SAFETY: libhdf5 copies the class; the callback is a plain function.
    let registered = hdf5::sync::sync(|| unsafe { H5Zregister((&raw const class).cast()) });
    assert!(registered >= 0);
    let file = hdf5::File::create(path).unwrap();
    let values: Vec<i32> = (0..100).collect();
    file.new_dataset::<i32>()
        .chunk(10)
        .add_filter(FILTER, &[])
        .shape(100)
        .create("d")
        .unwrap()
        .write(&values)
        .unwrap();
    drop(file);
    // SAFETY: a plain call with an id.
    let unregistered = hdf5::sync::sync(|| unsafe { H5Zunregister(FILTER) });
    assert!(unregistered >= 0);
}

/// Reads `/d` through libhdf5's own pipeline (not hdfscope's chunk path).
fn read_with_libhdf5(path: &Path) -> hdf5::Result<Vec<i32>> {
    hdf5::File::open(path)?.dataset("d")?.read_raw::<i32>()
}

#[test]
fn no_filter_plugin_is_ever_loaded_from_disk() {
    let Ok(cc) = Command::new("cc").arg("--version").output() else {
        eprintln!("SKIPPED: no C compiler (cc) to build the canary plugin");
        return;
    };
    assert!(cc.status.success());
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let marker = dir.path().join("canary-was-loaded");
    let source = dir.path().join("canary.c");
    std::fs::write(
        &source,
        format!(
            "#include <stdio.h>\n\
             __attribute__((constructor)) static void canary(void) {{\n\
               FILE *f = fopen(\"{}\", \"w\");\n\
               if (f) {{ fputs(\"loaded\\n\", f); fclose(f); }}\n\
             }}\n",
            marker.display()
        ),
    )
    .unwrap();
    let built = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(plugins.join("libcanary.so"))
        .arg(&source)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    // SAFETY: the only test in this binary, before any other thread starts and before
    // libhdf5 reads its environment.
    unsafe { std::env::set_var("HDF5_PLUGIN_PATH", &plugins) };

    let file = dir.path().join("needs-40000.h5");
    write_needing_filter(&file);

    // The CLI: its confined reader fails on the data and names the filter.
    let target = format!("{}::/d", file.display());
    let r = common::run_with_limit(&["get", &target, "--slice", "0:3"], Duration::from_secs(30));
    assert_eq!(r.code, Some(1), "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("40000"), "{}", r.stderr);
    assert!(
        !marker.exists(),
        "the CLI's reader loaded the canary plugin"
    );

    // libhdf5 in a process hdfscope has prepared, with HDF5_PLUGIN_PATH still set.
    hdfscope::reader::prepare_library().unwrap();
    assert!(read_with_libhdf5(&file).is_err());
    assert!(
        !marker.exists(),
        "a prepared libhdf5 loaded the canary plugin"
    );

    // Control: loading turned back on, libhdf5 opens every library in the directory.
    unsafe extern "C" {
        fn H5PLset_loading_state(mask: c_uint) -> hdf5_sys::h5::herr_t;
    }
    // SAFETY: a plain call with a mask (all plugin types).
    assert!(hdf5::sync::sync(|| unsafe { H5PLset_loading_state(0xFFFF) }) >= 0);
    assert!(read_with_libhdf5(&file).is_err(), "the canary is no filter");
    assert!(
        marker.exists(),
        "with loading on, libhdf5 should have loaded the canary: the test proves nothing"
    );
}
