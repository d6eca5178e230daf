//! Integration tests for what the `hdf5` crate cannot write: opaque, bitfield and time
//! datatypes, region and attribute references, and user-defined links. The file is written
//! with raw libhdf5 calls, then read back through the reader and the CLI.
#![allow(unsafe_code)]

mod common;

use std::ffi::{CString, c_char, c_void};
use std::mem::MaybeUninit;

use hdf5_sys::h5::herr_t;
use hdf5_sys::h5d::{H5Dclose, H5Dcreate2, H5Dwrite};
use hdf5_sys::h5i::hid_t;
use hdf5_sys::h5l::{H5L_class_t, H5L_type_t, H5Lcreate_ud, H5Lregister, H5Lunregister};
use hdf5_sys::h5p::H5P_DEFAULT;
use hdf5_sys::h5r::{H5R_ref_t, H5Rcreate_attr, H5Rcreate_region, H5Rdestroy};
use hdf5_sys::h5s::{
    H5S_ALL, H5S_seloper_t, H5Sclose, H5Screate_simple, H5Sselect_elements, H5Sselect_hyperslab,
};
use hdf5_sys::h5t::{
    H5T_OPAQUE, H5T_STD_B8LE, H5T_STD_B16BE, H5T_STD_REF, H5T_UNIX_D32LE, H5Tclose, H5Tcopy,
    H5Tcreate, H5Tset_tag,
};
use hdfscope::model::{DType, LinkType, Region, Value};
use hdfscope::reader::{DEFAULT_READ_CAP_BYTES, H5File};
use ndarray::Array2;
use serde_json::json;

fn ok(rc: herr_t, what: &str) {
    assert!(rc >= 0, "{what} failed ({rc})");
}

fn id(h: hid_t, what: &str) -> hid_t {
    assert!(h >= 0, "{what} failed ({h})");
    h
}

/// Creates a 1-D dataset of `n` elements of `ftype` and writes `data` (in `ftype`'s layout).
///
/// # Safety
/// `data` must hold `n` elements of `ftype`.
unsafe fn write_1d(loc: hid_t, name: &str, ftype: hid_t, n: u64, data: *const c_void) {
    let cname = CString::new(name).unwrap();
    unsafe {
        let space = id(H5Screate_simple(1, [n].as_ptr(), std::ptr::null()), "space");
        let dset = id(
            H5Dcreate2(
                loc,
                cname.as_ptr(),
                ftype,
                space,
                H5P_DEFAULT,
                H5P_DEFAULT,
                H5P_DEFAULT,
            ),
            name,
        );
        ok(
            H5Dwrite(dset, ftype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
            name,
        );
        H5Dclose(dset);
        H5Sclose(space);
    }
}

/// The traversal callback of a link class this test invents (version 1 of `H5L_class_t`,
/// which passes a dxpl the bindings' version-0 signature lacks). Never succeeds.
extern "C" fn never_traverse(
    _name: *const c_char,
    _group: hid_t,
    _data: *const c_void,
    _size: usize,
    _lapl: hid_t,
    _dxpl: hid_t,
) -> hid_t {
    -1
}

type TraverseV1 = extern "C" fn(*const c_char, hid_t, *const c_void, usize, hid_t, hid_t) -> hid_t;
type TraverseV0 = extern "C" fn(*const c_char, hid_t, *const c_void, usize, hid_t) -> hid_t;

fn write_raw(path: &std::path::Path) {
    let f = hdf5::File::create(path).unwrap();
    let grid = Array2::from_shape_fn((4, 5), |(i, j)| (i * 5 + j) as i32);
    let data = f
        .new_dataset_builder()
        .with_data(&grid)
        .create("grid")
        .unwrap();
    data.new_attr::<f32>()
        .create("gain")
        .unwrap()
        .write_scalar(&2.5f32)
        .unwrap();
    drop(data);
    let loc = f.id();
    hdf5::sync::sync(|| unsafe {
        // Opaque with a tag.
        let opaque = id(H5Tcreate(H5T_OPAQUE, 4), "opaque type");
        let tag = CString::new("sensor frame").unwrap();
        ok(H5Tset_tag(opaque, tag.as_ptr()), "tag");
        let bytes: [u8; 8] = [0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3];
        write_1d(loc, "opaque", opaque, 2, bytes.as_ptr().cast());
        H5Tclose(opaque);

        // Bitfields, both byte orders.
        let b8 = id(H5Tcopy(*H5T_STD_B8LE), "b8");
        write_1d(loc, "bits8", b8, 2, [0x0fu8, 0xa5].as_ptr().cast());
        H5Tclose(b8);
        let b16 = id(H5Tcopy(*H5T_STD_B16BE), "b16");
        write_1d(loc, "bits16be", b16, 1, [0x12u8, 0x34].as_ptr().cast());
        H5Tclose(b16);

        // Time (the class libhdf5 keeps for old files).
        let time = id(H5Tcopy(*H5T_UNIX_D32LE), "time");
        write_1d(
            loc,
            "time",
            time,
            1,
            1_700_000_000u32.to_le_bytes().as_ptr().cast(),
        );
        H5Tclose(time);

        // Region references: a block and a point list of /grid; an attribute reference.
        let gname = CString::new("grid").unwrap();
        let space = id(
            H5Screate_simple(2, [4u64, 5].as_ptr(), std::ptr::null()),
            "grid space",
        );
        let mut refs: [H5R_ref_t; 3] = MaybeUninit::zeroed().assume_init();
        ok(
            H5Sselect_hyperslab(
                space,
                H5S_seloper_t::H5S_SELECT_SET,
                [1u64, 2].as_ptr(),
                std::ptr::null(),
                [2u64, 3].as_ptr(),
                std::ptr::null(),
            ),
            "block",
        );
        ok(
            H5Rcreate_region(loc, gname.as_ptr(), space, H5P_DEFAULT, &mut refs[0]),
            "region ref",
        );
        let points: [u64; 4] = [0, 0, 3, 4];
        ok(
            H5Sselect_elements(space, H5S_seloper_t::H5S_SELECT_SET, 2, points.as_ptr()),
            "points",
        );
        ok(
            H5Rcreate_region(loc, gname.as_ptr(), space, H5P_DEFAULT, &mut refs[1]),
            "point ref",
        );
        let aname = CString::new("gain").unwrap();
        ok(
            H5Rcreate_attr(
                loc,
                gname.as_ptr(),
                aname.as_ptr(),
                H5P_DEFAULT,
                &mut refs[2],
            ),
            "attribute ref",
        );
        write_1d(loc, "refs", *H5T_STD_REF, 3, refs.as_ptr().cast());
        for r in &mut refs {
            H5Rdestroy(r);
        }
        H5Sclose(space);

        // A user-defined link of a class registered only while writing.
        let class = H5L_class_t {
            version: 1,
            id: H5L_type_t::H5L_TYPE_MAX,
            comment: c"hdfscope test link".as_ptr(),
            // SAFETY: libhdf5 calls version-1 classes' callback with the six arguments
            // `TraverseV1` takes; only the declared pointer type differs.
            trav_func: Some(std::mem::transmute::<TraverseV1, TraverseV0>(
                never_traverse,
            )),
            ..H5L_class_t::default()
        };
        ok(H5Lregister(&class), "register link class");
        let lname = CString::new("custom").unwrap();
        let payload = b"opaque link payload";
        ok(
            H5Lcreate_ud(
                loc,
                lname.as_ptr(),
                H5L_type_t::H5L_TYPE_MAX,
                payload.as_ptr().cast(),
                payload.len(),
                H5P_DEFAULT,
                H5P_DEFAULT,
            ),
            "user-defined link",
        );
        // Readers of the file do not know the class.
        ok(
            H5Lunregister(H5L_type_t::H5L_TYPE_MAX),
            "unregister link class",
        );
    });
}

#[test]
fn raw_types_references_and_user_links_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.h5");
    write_raw(&path);
    let f = H5File::open(&path).unwrap();
    let read = |p: &str| -> Vec<Value> {
        f.read(p, &[], DEFAULT_READ_CAP_BYTES, false)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .into_iter()
            .collect()
    };

    let opaque = f.info("/opaque").unwrap().dataset.unwrap();
    assert_eq!(
        opaque.dtype,
        DType::Opaque {
            size: 4,
            tag: "sensor frame".into()
        }
    );
    assert_eq!(
        read("/opaque"),
        [
            Value::Bytes(vec![0xde, 0xad, 0xbe, 0xef]),
            Value::Bytes(vec![0, 1, 2, 3])
        ]
    );

    assert!(matches!(
        f.info("/bits8").unwrap().dataset.unwrap().dtype,
        DType::Bitfield { size: 1, .. }
    ));
    assert_eq!(read("/bits8"), [Value::UInt(0x0f), Value::UInt(0xa5)]);
    assert_eq!(read("/bits16be"), [Value::UInt(0x1234)], "big-endian bits");

    assert!(matches!(
        f.info("/time").unwrap().dataset.unwrap().dtype,
        DType::Time { size: 4, .. }
    ));
    assert_eq!(
        read("/time"),
        [Value::Bytes(1_700_000_000u32.to_le_bytes().to_vec())]
    );

    let refs = read("/refs");
    let Value::Ref(Some(block)) = &refs[0] else {
        panic!("block reference: {:?}", refs[0])
    };
    assert_eq!(block.path.as_deref(), Some("/grid"));
    assert_eq!(
        block.region,
        Some(Region::Blocks {
            blocks: vec![(vec![1, 2], vec![2, 4])]
        }),
        "rows 1-2, columns 2-4 (inclusive corners)"
    );
    let Value::Ref(Some(points)) = &refs[1] else {
        panic!("point reference: {:?}", refs[1])
    };
    assert_eq!(
        points.region,
        Some(Region::Points {
            points: vec![vec![0, 0], vec![3, 4]]
        })
    );
    let Value::Ref(Some(attr)) = &refs[2] else {
        panic!("attribute reference: {:?}", refs[2])
    };
    assert_eq!(
        (attr.path.as_deref(), attr.attribute.as_deref()),
        (Some("/grid"), Some("gain"))
    );

    let custom = f.link("/custom").unwrap().unwrap();
    assert_eq!(custom.link.link_type, LinkType::User);
    assert!(!custom.resolves, "libhdf5 cannot traverse this class");

    // The CLI shows the same through its JSON contract.
    let file = path.to_string_lossy();
    let got = common::json(&["get", &format!("{file}::/opaque"), "--json"]);
    assert_eq!(got["values"], json!(["0xdeadbeef", "0x00010203"]));
    let got = common::json(&["get", &format!("{file}::/refs"), "--slice", "0", "--json"]);
    assert_eq!(got["values"]["ref"], json!("/grid"));
    let rows = common::json(&["ls", &file, "--json"]);
    let custom = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/custom")
        .unwrap_or_else(|| panic!("the user-defined link is listed: {rows}"));
    assert_eq!(custom["link"]["type"], json!("user"), "{custom}");
}
