//! The real-world corpus (`../shared/corpus`): every file lists or is refused cleanly, and
//! ground-truth facts from `MANIFEST_public.tsv` hold through `info` and `get`.
//! Skips with a message when the corpus is absent, so a fresh clone still passes.

mod common;

use std::time::Duration;

use serde_json::{Value as Json, json};

/// Files whose listing must fail: not HDF5, a member of a multi-file family, or an external
/// raw-data companion (`.bin`).
fn must_refuse(rel: &str, features: &str) -> bool {
    rel.ends_with(".bin")
        || features
            .split(';')
            .any(|f| f == "not-hdf5" || f == "multi-file-driver")
}

#[test]
fn every_manifest_file_lists_or_is_refused_cleanly() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST_public.tsv")).unwrap();
    let mut checked = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let rel = cols[1].trim_start_matches("public/");
        let features = cols[7];
        let path = corpus.join(rel);
        let path_s = path.to_string_lossy().into_owned();
        let r = common::run_with_limit(&["ls", "--json", &path_s], Duration::from_secs(60));
        assert!(!r.timed_out, "ls {rel} took longer than 60 s");
        assert!(
            r.code.is_some(),
            "ls {rel} crashed (killed by a signal): {}",
            r.stderr
        );
        assert!(
            !r.stderr.contains("panicked"),
            "ls {rel} panicked: {}",
            r.stderr
        );
        if r.code == Some(0) {
            let rows: Json = serde_json::from_str(&r.stdout).unwrap();
            assert!(rows.is_array(), "ls --json {rel} prints an array");
        } else {
            assert!(
                must_refuse(rel, features),
                "ls {rel} failed but the file is valid: {}",
                r.stderr
            );
            assert_eq!(
                r.stderr.lines().count(),
                1,
                "one-line error for {rel}: {}",
                r.stderr
            );
            assert!(
                r.stderr.contains(&path_s),
                "the error names the file: {}",
                r.stderr
            );
        }
        checked += 1;
    }
    assert!(checked > 150, "the manifest lists all files ({checked})");
}

/// One ground-truth fact: a command and the JSON it must produce at a pointer.
struct Fact {
    file: &'static str,
    object: &'static str,
    /// `Some(slice)` for `get`, `None` for `info`.
    slice: Option<&'static str>,
    /// JSON pointer into the output (`/values` for get results).
    pointer: &'static str,
    expect: Json,
}

const fn get(file: &'static str, object: &'static str, slice: &'static str, expect: Json) -> Fact {
    Fact {
        file,
        object,
        slice: Some(slice),
        pointer: "/values",
        expect,
    }
}

const fn info(
    file: &'static str,
    object: &'static str,
    pointer: &'static str,
    expect: Json,
) -> Fact {
    Fact {
        file,
        object,
        slice: None,
        pointer,
        expect,
    }
}

fn facts() -> Vec<Fact> {
    let num = "generated/h5py_numeric_types.h5";
    let cmp = "generated/h5py_compound_enum_opaque.h5";
    let nd = "generated/h5py_ndim.h5";
    let se = "generated/h5py_scalar_empty.h5";
    let links = "generated/h5py_links.h5";
    let cf = "generated/netcdf4_cf.nc";
    let nx = "generated/nexus_nexusformat.nxs";
    let fill = "generated/h5py_resizable_fill.h5";
    vec![
        // Integers: extremes, both byte orders, unsigned never shown as signed.
        get(num, "/integers/int8_le", "0", json!(-128)),
        get(num, "/integers/int8_le", "7", json!(127)),
        get(num, "/integers/int64_be", "0", json!(i64::MIN)),
        get(num, "/integers/int64_be", "7", json!(i64::MAX)),
        get(num, "/integers/uint64_le", "7", json!(u64::MAX)),
        get(num, "/integers/uint32_be", "6", json!(4_294_967_294u32)),
        info(num, "/integers/int64_be", "/dtype/order", json!("be")),
        info(num, "/integers/uint64_le", "/dtype/signed", json!(false)),
        // Floats: specials, half precision, subnormals, long double.
        get(num, "/floats/float32_be", "6", json!("Infinity")),
        get(num, "/floats/float32_be", "7", json!("-Infinity")),
        get(num, "/floats/float32_be", "8", json!("NaN")),
        get(num, "/floats/float32_be", "1", json!(-0.0)),
        get(num, "/floats/float16_le", "4", json!(3.140625)),
        get(num, "/floats/float16_le", "9", json!(65504.0)),
        get(num, "/floats/float64_le", "11", json!(5e-324)),
        info(num, "/floats/float16_le", "/dtype/size", json!(2)),
        // Complex: h5py {r,i} compounds and HDF5 2.0 native complex.
        get(
            num,
            "/complex/complex64_le",
            "1",
            json!({"re": -3.5, "im": 0.25}),
        ),
        get(
            num,
            "/complex/complex128_2d",
            "2,3",
            json!({"re": 11.0, "im": 11.0}),
        ),
        get(
            "generated/h5py_hdf5v2_native_complex.h5",
            "/native_complex64",
            "1",
            json!({"re": -3.0, "im": -4.0}),
        ),
        get(
            "generated/h5py_hdf5v2_native_complex.h5",
            "/native_complex128_be",
            "0",
            json!({"re": 1.5, "im": -2.5}),
        ),
        // Compounds, enums, bool, opaque, arrays, vlen, bitfields.
        get(
            cmp,
            "/enum_i1",
            "",
            json!(["RED", "GREEN", "BLUE", "GREEN", "RED"]),
        ),
        get(cmp, "/enum_u2_2d", "1,0", json!("ON")),
        get(cmp, "/bool", "1", json!(false)),
        get(cmp, "/opaque_tagged", "0", json!("0xdeadbeef00010203")),
        info(
            cmp,
            "/opaque_tagged",
            "/dtype/tag",
            json!("raw sensor bytes"),
        ),
        get(
            cmp,
            "/array_elem_2x3",
            "3",
            json!([[18.0, 19.0, 20.0], [21.0, 22.0, 23.0]]),
        ),
        get(cmp, "/vlen_int32", "1", json!([1, 2, 3])),
        get(cmp, "/vlen_int32", "2", json!([])),
        get(cmp, "/bitfield_b16be", "0", json!(0x0102)),
        // Shapes, n-d indexing.
        get(nd, "/d2", "59,79", json!(59079)),
        get(nd, "/d4", "1,2,3,4", json!(1234)),
        get(nd, "/d8", "1,1,1,1,1,1,1,1", json!(255)),
        info(nd, "/d3", "/shape", json!([10, 20, 30])),
        get(nd, "/large_2d_chunked", "1999,1499", json!(3498)),
        // Scalar, null and empty dataspaces.
        get(se, "/scalar_int", "", json!(42)),
        get(se, "/scalar_str", "", json!("scalar string")),
        get(se, "/scalar_compound", "", json!({"a": 1, "b": 2.0})),
        info(se, "/null_dataspace_f4", "/shape", json!(null)),
        info(se, "/zero_len_2d_chunked", "/maxshape", json!([null, 5])),
        // Links.
        info(links, "/soft_to_real", "/link/target", json!("/real")),
        info(links, "/dangling_soft", "/link/resolves", json!(false)),
        info(links, "/soft_loop_a", "/link/resolves", json!(false)),
        info(
            links,
            "/ext_dataset",
            "/link/file",
            json!("h5py_links_target.h5"),
        ),
        info(links, "/ext_dataset", "/link/resolves", json!(true)),
        info(links, "/ext_missing_file", "/link/resolves", json!(false)),
        get(links, "/soft_chain", "", json!([0.0, 1.0, 2.0, 3.0, 4.0])),
        // Dimension scales (netCDF-4) and their names.
        info(cf, "/temp", "/dims/1/scales/0/path", json!("/lat")),
        info(cf, "/temp", "/dims/0/scales/0/path", json!("/time")),
        info(cf, "/lat", "/is_scale", json!(true)),
        get(cf, "/temp", "2,5,10", json!(297.165_191_650_390_6)),
        get(cf, "/station_name", "3", json!("station_03")),
        // NeXus.
        get(nx, "/entry/data/x", "100", json!(10.0)),
        get(nx, "/entry/data/counts", "25,50", json!(1000.0)),
        // Fill values and unlimited shapes.
        info(fill, "/growing_1d", "/maxshape", json!([null])),
        info(fill, "/growing_1d", "/layout/fill_value", json!(-1.0)),
        get(fill, "/growing_1d", "2500", json!(-1.0)),
        get(fill, "/fill_chunked_partial", "50,50", json!(-999.0)),
        // Virtual datasets: missing sources read as fill and are reported.
        get("generated/h5py_vds.h5", "/stacked", "1,5", json!(1005)),
        get("generated/h5py_vds.h5", "/interleaved", "3", json!(-2)),
        // Filters (built in and plugins compiled in).
        get(
            "generated/h5py_filters_builtin.h5",
            "/gzip1",
            "100,200",
            json!(534.051_391_601_562_5),
        ),
        get(
            "generated/h5py_filters_builtin.h5",
            "/lzf",
            "100,200",
            json!(534.051_391_601_562_5),
        ),
        get(
            "generated/h5py_filters_builtin.h5",
            "/gzip_shuffle_fletcher32",
            "100,200",
            json!(5340),
        ),
        // Region references resolve to their target and selection.
        info(
            "fetched/hdf5/tattrreg.h5",
            "/Dataset1",
            "/attrs/0/value/0/ref",
            json!("/Dataset2"),
        ),
        info(
            "fetched/hdf5/tattrreg.h5",
            "/Dataset1",
            "/attrs/0/value/0/region/blocks/0/start",
            json!([2, 2]),
        ),
    ]
}

/// Facts that need a look at structured output rather than one pointer; returns how many.
fn check_special(corpus: &std::path::Path) -> usize {
    let p = |f: &str| corpus.join(f).to_string_lossy().into_owned();
    let cmp = p("generated/h5py_compound_enum_opaque.h5");
    let row1 = common::json(&[
        "get",
        &format!("{cmp}::/compound_nested"),
        "--slice",
        "1",
        "--json",
    ]);
    assert_eq!(row1["values"]["name"], json!("row1"), "compound field name");
    assert_eq!(
        row1["values"]["position"],
        json!([1.0, 1.5, -1.0]),
        "compound array member"
    );
    let row2 = common::json(&[
        "get",
        &format!("{cmp}::/compound_nested"),
        "--slice",
        "2",
        "--json",
    ]);
    assert_eq!(
        row2["values"]["label"],
        json!("label-2-é"),
        "vlen utf-8 in a compound"
    );
    assert_eq!(
        row2["values"]["matrix"],
        json!([[2, 3], [4, 5]]),
        "2-D array member"
    );

    let nx = p("generated/nexus_nexusformat.nxs");
    let data = common::json(&["info", &format!("{nx}::/entry/data"), "--json"]);
    let attr = |name: &str| {
        data["attrs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .map(|a| a["value"].clone())
            .unwrap_or(Json::Null)
    };
    assert_eq!(attr("signal"), json!("counts"), "NXdata signal");
    assert_eq!(attr("axes"), json!(["y", "x"]), "NXdata axes");

    let be = p("fetched/pytables/smpl_f64be.h5");
    let info = common::json(&["info", &format!("{be}::/TestArray"), "--json"]);
    assert_eq!(info["dtype"]["order"], json!("be"), "big-endian float64");

    // A filter this build lacks is named, instead of libhdf5's plugin-directory message.
    let filters = p("fetched/hdf5/tudfilter.h5");
    let missing = common::run(&["get", &format!("{filters}::/dynlibud"), "--slice", "0,0"]);
    assert_eq!(missing.code, Some(1));
    assert!(
        missing.stderr.contains("/dynlibud")
            && missing
                .stderr
                .contains("filter 300 (dynlibud) is not available"),
        "names the object and the missing filter: {}",
        missing.stderr
    );
    8
}

#[test]
fn ground_truth_facts_hold() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut checked = 0;
    for f in &facts() {
        let file = corpus.join(f.file).to_string_lossy().into_owned();
        let target = format!("{file}::{}", f.object);
        let doc = match f.slice {
            // Consent given: the facts include virtual and external-storage datasets.
            Some(s) => common::json(&["get", &target, "--slice", s, "--json", "--outside"]),
            None => common::json(&["info", &target, "--json"]),
        };
        let got = doc.pointer(f.pointer).cloned().unwrap_or(Json::Null);
        assert_eq!(
            got, f.expect,
            "{} {} {:?} {}",
            f.file, f.object, f.slice, f.pointer
        );
        checked += 1;
    }
    checked += check_special(&corpus);
    assert!(
        checked >= 40,
        "at least 40 ground-truth facts are asserted ({checked})"
    );
}

/// Every valid corpus file's root and top-level objects travel from a reader process to the
/// viewer intact: metadata of every datatype the corpus holds survives the worker protocol.
#[test]
fn corpus_metadata_crosses_the_reader_process_boundary() {
    use hdfscope::loader::{Loader, LoaderConfig, Request, Response, WorkerKind};
    let Some(corpus) = common::corpus() else {
        return;
    };
    let workers = WorkerKind::Process(env!("CARGO_BIN_EXE_hdfscope").into());
    let mut l = Loader::spawn(LoaderConfig::new(workers), Box::new(|| {})).unwrap();
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST_public.tsv")).unwrap();
    let mut next = 0;
    let mut checked = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let rel = cols[1].trim_start_matches("public/");
        if must_refuse(rel, cols[7]) || cols[7].contains("malformed") {
            continue;
        }
        next += 1;
        let file = next;
        l.send(Request::Open {
            file,
            path: corpus.join(rel),
        });
        l.send(Request::List {
            file,
            group: "/".into(),
            start: 0,
        });
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while l.pending() > 0 {
            assert!(std::time::Instant::now() < deadline, "{rel}: no answer");
            for r in l.drain(Duration::from_millis(5)) {
                // Then every top-level object's metadata, once.
                if let Response::Listed {
                    result: Ok(page), ..
                } = &r
                {
                    for c in page.children.iter().take(40) {
                        l.send(Request::Info {
                            file,
                            path: format!("/{}", c.link.name),
                        });
                    }
                }
                got.push(r);
            }
        }
        for r in &got {
            let text = format!("{r:?}");
            assert!(
                !text.contains("could not be read") && !text.contains("crashed"),
                "{rel}: {}",
                text.chars().take(400).collect::<String>()
            );
        }
        l.send(Request::Close { file });
        checked += 1;
    }
    assert!(checked > 100, "{checked} files checked");
}

/// `ls --json` of a corpus file, as (path -> entry).
fn listing(file: &str, extra: &[&str]) -> Option<std::collections::HashMap<String, Json>> {
    let corpus = common::corpus()?;
    let path = corpus.join("generated").join(file);
    let mut args = vec!["ls", "--json"];
    args.extend_from_slice(extra);
    let path = path.to_string_lossy().into_owned();
    args.push(&path);
    let rows = common::json(&args);
    Some(
        (rows.as_array().unwrap().iter())
            .map(|r| (r["path"].as_str().unwrap().to_owned(), r.clone()))
            .collect(),
    )
}

/// The label `ls` gives `path`: "convention: kind detail".
fn label(rows: &std::collections::HashMap<String, Json>, path: &str) -> String {
    let l = &rows.get(path).unwrap_or_else(|| panic!("{path} listed"))["label"];
    assert!(!l.is_null(), "{path} has no label");
    let detail = l["detail"]
        .as_str()
        .map_or(String::new(), |d| format!(" {d}"));
    format!(
        "{}: {}{detail}",
        l["convention"].as_str().unwrap(),
        l["kind"].as_str().unwrap()
    )
}

/// A value of `path` as `get` prints it.
fn value_of(file: &str, path: &str, slice: &str) -> Json {
    let corpus = common::corpus().unwrap();
    let target = format!("{}::{path}", corpus.join("generated").join(file).display());
    common::json(&["get", &target, "--slice", slice, "--json"])["values"].clone()
}

#[test]
fn the_writers_conventions_are_recognised_with_their_values() {
    let Some(dd) = listing("deepdish_basic.h5", &[]) else {
        return;
    };
    assert_eq!(label(&dd, "/list"), "deepdish: list (4 items)");
    assert_eq!(label(&dd, "/tuple"), "deepdish: tuple (3 items)");
    assert_eq!(label(&dd, "/none"), "deepdish: None");
    assert_eq!(label(&dd, "/ns"), "deepdish: SimpleNamespace (3 fields)");
    assert_eq!(label(&dd, "/nested/a"), "deepdish: dict (1 key)");
    // Scalars kept as attributes are listed as values, in list order.
    let items = &dd["/list"]["label"]["values"];
    assert_eq!(items[0], json!({"name": "i0", "value": "1 [int64]"}));
    assert_eq!(items[1]["value"], "\"two\" [string[3] (utf-8, nullterm)]");
    assert_eq!(
        value_of("deepdish_basic.h5", "/big", "99,99"),
        json!(9999.0)
    );
    // --raw: the plain HDF5.
    let raw = listing("deepdish_basic.h5", &["--raw"]).unwrap();
    assert!(raw["/list"]["label"].is_null());

    let pd = listing("pandas_fixed.h5", &[]).unwrap();
    assert_eq!(label(&pd, "/df"), "pandas: DataFrame (200, 5)");
    assert_eq!(label(&pd, "/series"), "pandas: Series (11)");
    assert_eq!(value_of("pandas_fixed.h5", "/df/axis1", "10"), json!(1010));

    let pt = listing("pytables_objects.h5", &[]).unwrap();
    assert_eq!(
        label(&pt, "/particles"),
        "pytables: Table \"Particle table\""
    );
    assert_eq!(label(&pt, "/earray"), "pytables: EArray \"extendable\"");
    assert_eq!(
        label(&pt, "/vlarray_object"),
        "pytables: pickled objects \"pickled objects\""
    );
    assert_eq!(
        value_of("pytables_objects.h5", "/earray", "9,3"),
        json!(39.0)
    );

    let nx = listing("nexus_nexusformat.nxs", &[]).unwrap();
    assert_eq!(label(&nx, "/entry"), "nexus: NXentry");
    assert_eq!(label(&nx, "/entry/data"), "nexus: NXdata (signal counts)");
    assert_eq!(
        value_of("nexus_nexusformat.nxs", "/entry/data/x", "100"),
        json!(10.0)
    );

    let nc = listing("netcdf4_cf.nc", &[]).unwrap();
    assert_eq!(label(&nc, "/temp"), "netcdf: variable (time, lat, lon)");
    assert_eq!(label(&nc, "/lat"), "netcdf: coordinate (18)");
    assert_eq!(label(&nc, "/nv"), "netcdf: dimension (2)");
    assert_eq!(label(&nc, "/forecast/skill"), "netcdf: variable (step)");
    assert_eq!(value_of("netcdf4_cf.nc", "/lon", "35"), json!(350.0));

    let mat = listing("hdf5storage_matlab_v73.mat", &[]).unwrap();
    // MATLAB's A is 3 x 4; HDF5 stores it transposed (4 x 3).
    assert_eq!(label(&mat, "/A"), "matlab: double 3 x 4");
    assert_eq!(label(&mat, "/name"), "matlab: char 1 x 12");
    assert_eq!(label(&mat, "/s"), "matlab: struct");
    assert_eq!(label(&mat, "/empty"), "matlab: double empty");
    assert_eq!(
        value_of("hdf5storage_matlab_v73.mat", "/A", "3,2"),
        json!(11.0)
    );

    let ad = listing("anndata_dense.h5ad", &[]).unwrap();
    assert_eq!(label(&ad, "/obs"), "anndata: dataframe (2 columns)");
    assert_eq!(label(&ad, "/obs/cell_type"), "anndata: categorical");
    assert_eq!(label(&ad, "/X"), "anndata: array");
    assert_eq!(value_of("anndata_dense.h5ad", "/X", "3,4"), json!(2.0));

    let keras = listing("keras_legacy_model.h5", &[]).unwrap();
    assert_eq!(label(&keras, "/model_weights"), "keras: weights (2 layers)");
    assert_eq!(
        label(&keras, "/model_weights/dense_a"),
        "keras: layer (2 weights)"
    );
    let kernel = value_of(
        "keras_legacy_model.h5",
        "/model_weights/dense_a/tiny_mlp/dense_a/kernel",
        "0,0",
    );
    assert!(
        (kernel.as_f64().unwrap() + 0.4276741).abs() < 1e-6,
        "{kernel}"
    );
    assert_eq!(
        label(&keras, "/optimizer_weights"),
        "keras: optimizer (10 weights)"
    );
}
