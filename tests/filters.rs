//! Compression filters: every plugin-compressed file of the corpus reads its known values
//! (through libhdf5's pipeline and through the parallel chunk path), files written here with
//! each codec read back (and, when the venv has hdf5plugin, read the same in h5py), and
//! filters hdfscope lacks say exactly which filter is missing.

mod common;

use std::path::Path;

use hdfscope::model::{Line, Patch, Plane};
use hdfscope::reader::{DEFAULT_READ_CAP_BYTES, H5File, ReadError};

/// Every element of the dataset at `path` through the numeric (parallel chunk) path.
fn numbers(file: &H5File, path: &str, dims: &[u64]) -> Vec<f64> {
    match dims {
        [n] => {
            let line = Line {
                axis: 0,
                at: vec![0],
                component: Default::default(),
            };
            file.read_line(path, &line, (0, *n), DEFAULT_READ_CAP_BYTES, false)
        }
        [h, w] => file.read_plane(
            path,
            &Plane::last_two(2),
            &Patch::whole(*h, *w, 1),
            DEFAULT_READ_CAP_BYTES,
            false,
        ),
        _ => unreachable!("1-D and 2-D datasets only"),
    }
    .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every element through libhdf5's own read of the selection (the values path).
fn values(file: &H5File, path: &str) -> Vec<f64> {
    file.read(path, &[], DEFAULT_READ_CAP_BYTES, false)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Both read paths agree and return the known sum and elements.
fn check(file: &H5File, path: &str, dims: &[u64], sum: f64, at: &[(usize, f64)]) {
    let fast = numbers(file, path, dims);
    let slow = values(file, path);
    assert_eq!(fast, slow, "{path}: the two read paths differ");
    let total: f64 = fast.iter().sum();
    assert!(
        (total - sum).abs() <= sum.abs() * 1e-6,
        "{path}: sum {total} != {sum}"
    );
    for &(i, v) in at {
        assert_eq!(fast[i], v, "{path}[{i}]");
    }
}

fn open(corpus: &Path, rel: &str) -> H5File {
    H5File::open(&corpus.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn hdf5plugin_file_reads_every_codec() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let file = open(&corpus, "generated/hdf5plugin_filters.h5");
    // MANIFEST ground truth: identical uint16 data, [0,0] = 3, [220,320] = 1001, sum 2909699.
    for name in [
        "bitshuffle_lz4",
        "bitshuffle_zstd",
        "blosc2_zstd",
        "blosc_blosclz_noshuffle",
        "blosc_lz4_shuffle",
        "blosc_zstd_bitshuffle",
        "bzip2",
        "lz4",
        "zstd",
    ] {
        check(
            &file,
            &format!("/{name}"),
            &[512, 512],
            2_909_699.0,
            &[(0, 3.0), (220 * 512 + 320, 1001.0)],
        );
    }
    // H5Z-ZFP 1.1.1, reversible: lossless, so h5py+hdf5plugin's values exactly.
    check(
        &file,
        "/zfp_reversible_f4",
        &[512, 512],
        341.270_390_729_298_5,
        &[(100 * 512 + 100, 0.152_672_305_703_163_15)],
    );
}

#[test]
fn szip_reads_through_libaec() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    // h5py's nearest-neighbour SZIP, 16 pixels per block, 64 x 64 chunks over 250 x 300.
    let file = open(&corpus, "generated/h5py_filters_builtin.h5");
    check(
        &file,
        "/szip_nn16",
        &[250, 300],
        299_390_898.0,
        &[(1, 499.0), (300 + 4, 1985.0)],
    );
    // The HDF5 test suite's: SZIP alone, and after shuffle with deflate, fletcher32 and
    // N-bit after it (entropy coding, scanlines shorter than a block's worth).
    let file = open(&corpus, "fetched/hdf5/tfilters.h5");
    for path in ["/szip", "/all"] {
        check(
            &file,
            path,
            &[20, 10],
            19_900.0,
            &[(10, 10.0), (199, 199.0)],
        );
    }
}

#[test]
fn hdf5_examples_pytables_deepdish_and_jhdf_plugin_files() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    // The HDF Group's filter examples: 32 x 64 int32, i * j - j.
    for name in ["blosc", "bzip2", "lz4", "lzf"] {
        let file = open(&corpus, &format!("fetched/hdf5ex/h5ex_d_{name}.h5"));
        check(
            &file,
            "/DS1",
            &[32, 64],
            935_424.0,
            &[(3 * 64 + 5, 10.0), (32 * 64 - 1, 1890.0)],
        );
    }
    // PyTables Blosc on big-endian integers of every width.
    let file = open(&corpus, "fetched/pytables/blosc_bigendian.h5");
    for name in ["i1", "i2", "i4", "i8"] {
        check(&file, &format!("/{name}"), &[10], 45.0, &[(9, 9.0)]);
    }
    // Blosc2 B2ND with 4 x 4 chunks over 6 x 6: edge chunks carry B2ND padding.
    let file = open(&corpus, "fetched/pytables/b2nd-no-chunkshape.h5");
    check(
        &file,
        "/data",
        &[6, 6],
        210.0,
        &[(7, 5.0), (35, 5.0), (4 * 6 + 3, 3.0)],
    );
    let file = open(&corpus, "generated/pytables_objects.h5");
    check(
        &file,
        "/carray_blosc",
        &[200, 300],
        5_978_970.0,
        &[(100 * 300 + 200, 100.2_f32 as f64)],
    );
    let file = open(&corpus, "generated/deepdish_basic.h5");
    check(&file, "/big", &[100, 100], 49_995_000.0, &[(9999, 9999.0)]);
    // jHDF's bitshuffle files: every element type, block size and LZ4 or none; arange(20).
    let file = open(&corpus, "fetched/jhdf/bitshuffle_datasets.hdf5");
    for ty in ["int8", "int16", "float32", "float64"] {
        for block in [0, 8, 64, 1024, 4096] {
            for comp in [0, 2] {
                let path = format!("/{ty}_bs{block}_comp{comp}");
                check(&file, &path, &[20], 190.0, &[(19, 19.0)]);
            }
        }
    }
}

#[test]
fn gzip_shuffle_and_edge_chunks_match_libhdf5() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let file = open(&corpus, "generated/h5py_filters_builtin.h5");
    // Through the parallel path (deflate, shuffle) and libhdf5 (fletcher32, lzf).
    for (name, sum) in [
        ("gzip1", 953_350.06),
        ("gzip9_shuffle", 953_350.06),
        ("gzip_chunk_edge", 934_550.7),
        ("gzip_shuffle_fletcher32", 299_390_898.0),
        ("lzf_shuffle", 299_390_898.0),
        ("shuffle_only", 299_390_898.0),
    ] {
        let dims: &[u64] = if name == "gzip_chunk_edge" {
            &[250, 299]
        } else {
            &[250, 300]
        };
        check(&file, &format!("/{name}"), dims, sum, &[]);
    }
    // Only 2 of 100 chunks exist: the rest is the fill value, -7 (libhdf5 supplies it).
    check(
        &file,
        "/gzip_sparse_chunks",
        &[1000, 1000],
        -6_830_000.0,
        &[(500 * 1000 + 500, -7.0), (0, 1.0)],
    );
}

#[test]
fn missing_filters_are_named() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    for (rel, path, want) in [
        (
            "fetched/hdf5/tudfilter.h5",
            "/dynlibud",
            "filter 300 (dynlibud) is not available",
        ),
        (
            "fetched/hdf5/tfilters.h5",
            "/myfilter",
            "filter 405 (myfilter) is not available",
        ),
    ] {
        let file = open(&corpus, rel);
        let err = file
            .read(path, &[], DEFAULT_READ_CAP_BYTES, false)
            .unwrap_err();
        assert!(
            matches!(err, ReadError::FilterUnavailable { .. }),
            "{rel}: {err}"
        );
        assert!(err.to_string().contains(want), "{rel}: {err}");
        assert!(err.to_string().starts_with(path), "{rel}: {err}");
        // The numeric path (plots, images) says the same.
        let line = Line {
            axis: 0,
            at: vec![0, 0],
            component: Default::default(),
        };
        let err = file
            .read_line(path, &line, (0, 2), DEFAULT_READ_CAP_BYTES, false)
            .unwrap_err();
        assert!(err.to_string().contains(want), "{rel}: {err}");
        // The rest of the file stays readable.
        assert!(file.list("/", 0, 100).is_ok());
        let info = file.info(path).unwrap();
        let missing: Vec<_> = info
            .dataset
            .as_ref()
            .unwrap()
            .filters
            .iter()
            .filter(|f| !f.available)
            .collect();
        assert_eq!(missing.len(), 1, "{rel}");
    }
    // MAFISC is optional and the example's writer skipped it on every chunk: the values read,
    // and the inspector still shows the filter as missing.
    let file = open(&corpus, "fetched/hdf5ex/h5ex_d_mafisc.h5");
    check(&file, "/DS1", &[32, 64], 935_424.0, &[(3 * 64 + 5, 10.0)]);
    let info = file.info("/DS1").unwrap();
    let mafisc = &info.dataset.as_ref().unwrap().filters[0];
    assert_eq!(
        (
            mafisc.id,
            mafisc.name.as_str(),
            mafisc.available,
            mafisc.optional
        ),
        (32002, "mafisc", false, true)
    );
}

#[test]
fn files_written_with_each_codec_read_back_here_and_in_h5py() {
    hdfscope::reader::prepare_library().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codecs.h5");
    let data = ndarray::Array2::from_shape_fn((300, 200), |(i, j)| ((i * 7 + j * 3) % 1000) as u16);
    let sum: f64 = data.iter().map(|&v| f64::from(v)).sum();
    let codecs: [(&str, i32, &[u32]); 7] = [
        ("lz4", 32004, &[0]),
        ("lz4_small_blocks", 32004, &[4096]),
        ("zstd", 32015, &[3]),
        ("bzip2", 307, &[9]),
        ("bitshuffle", 32008, &[0, 0, 2, 0, 0]),
        ("bitshuffle_lz4", 32008, &[0, 0, 2, 0, 2]),
        ("bitshuffle_zstd", 32008, &[0, 0, 2, 0, 3, 3]),
    ];
    {
        let file = hdf5::File::create(&path).unwrap();
        for (name, id, params) in codecs {
            file.new_dataset_builder()
                .with_data(&data)
                .chunk((64, 64))
                .add_filter(id, params)
                .create(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        file.new_dataset_builder()
            .with_data(&data)
            .chunk((64, 64))
            .shuffle()
            .deflate(4)
            .create("gzip_shuffle")
            .unwrap();
    }
    let file = H5File::open(&path).unwrap();
    for name in codecs.iter().map(|c| c.0).chain(["gzip_shuffle"]) {
        let path = format!("/{name}");
        check(
            &file,
            &path,
            &[300, 200],
            sum,
            &[(299 * 200 + 199, f64::from(data[[299, 199]]))],
        );
        let info = file.info(&path).unwrap();
        let ratio = info.dataset.unwrap().compression_ratio().unwrap();
        // Bitshuffle alone only rearranges bits.
        assert!(name == "bitshuffle" || ratio > 1.5, "{name} compresses");
    }
    let script = "import sys, h5py, hdf5plugin\n\
                  f = h5py.File(sys.argv[1], 'r')\n\
                  def total(k):\n\
                  \x20   try: return int(f[k][()].astype('int64').sum())\n\
                  \x20   except Exception as e: return repr(e)[:200]\n\
                  print(' '.join(f'{k}={total(k)}' for k in sorted(f)))";
    if let Some(out) = common::python_check("hdf5plugin", script, &path) {
        eprintln!("h5py: {out}");
        for name in codecs.iter().map(|c| c.0) {
            assert!(
                out.split_whitespace().any(|w| w == format!("{name}={sum}")),
                "h5py reads {name}: {out}"
            );
        }
    }
}
