//! Integration tests on files the tests write themselves: every datatype class and every
//! link kind, read back through the reader API and checked value by value.

use hdf5::types::{FixedAscii, VarLenArray, VarLenUnicode};
use hdf5::{File, H5Type};
use hdfscope::model::{AttrValue, DType, LinkType, ObjectKind, Value, parse_slice};
use hdfscope::reader::{DEFAULT_READ_CAP_BYTES, H5File};
use ndarray::{Array1, Array2};

fn read_all(f: &H5File, path: &str) -> Vec<Value> {
    f.read(path, &[], DEFAULT_READ_CAP_BYTES, false)
        .unwrap_or_else(|e| panic!("reading {path}: {e}"))
        .into_iter()
        .collect()
}

#[derive(H5Type, Clone, Copy)]
#[repr(C)]
struct Inner {
    a: i16,
    b: f64,
}

#[derive(H5Type, Clone)]
#[repr(C)]
struct Outer {
    id: u64,
    inner: Inner,
    coords: [f32; 3],
    tag: FixedAscii<6>,
    note: VarLenUnicode,
    samples: VarLenArray<i32>,
}

#[derive(H5Type, Clone, Copy)]
#[repr(i16)]
#[allow(dead_code, reason = "variants define the stored enum")]
enum Level {
    Low = -1,
    Mid = 0,
    High = 1000,
}

fn write_types(path: &std::path::Path) {
    let f = File::create(path).unwrap();
    let ints = f.create_group("ints").unwrap();
    ints.new_dataset_builder()
        .with_data(&[i8::MIN, -1, i8::MAX])
        .create("i8")
        .unwrap();
    ints.new_dataset_builder()
        .with_data(&[0u8, 255])
        .create("u8")
        .unwrap();
    ints.new_dataset_builder()
        .with_data(&[i16::MIN, i16::MAX])
        .create("i16")
        .unwrap();
    ints.new_dataset_builder()
        .with_data(&[0u16, u16::MAX])
        .create("u16")
        .unwrap();
    ints.new_dataset_builder()
        .with_data(&[i32::MIN, i32::MAX])
        .create("i32")
        .unwrap();
    ints.new_dataset_builder()
        .with_data(&[0u32, u32::MAX])
        .create("u32")
        .unwrap();
    ints.new_dataset_builder()
        .with_data(&[i64::MIN, i64::MAX])
        .create("i64")
        .unwrap();
    ints.new_dataset_builder()
        .with_data(&[0u64, u64::MAX])
        .create("u64")
        .unwrap();
    let floats = f.create_group("floats").unwrap();
    floats
        .new_dataset_builder()
        .with_data(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0, 1.5])
        .create("f32")
        .unwrap();
    floats
        .new_dataset_builder()
        .with_data(&[f64::MIN_POSITIVE, f64::MAX])
        .create("f64")
        .unwrap();
    floats
        .new_dataset_builder()
        .with_data(&[half::f16::from_f32(0.5), half::f16::MAX])
        .create("f16")
        .unwrap();
    f.new_dataset_builder()
        .with_data(&[num_complex::Complex64::new(1.0, -1.0)])
        .create("complex")
        .unwrap();
    let strings = f.create_group("strings").unwrap();
    let fixed: Vec<FixedAscii<5>> = ["ab", "hello"]
        .iter()
        .map(|s| FixedAscii::from_ascii(s).unwrap())
        .collect();
    strings
        .new_dataset_builder()
        .with_data(&fixed)
        .create("fixed")
        .unwrap();
    let vlen: Vec<VarLenUnicode> = ["ünïcödé", ""].iter().map(|s| s.parse().unwrap()).collect();
    strings
        .new_dataset_builder()
        .with_data(&vlen)
        .create("vlen_utf8")
        .unwrap();
    let outer = Outer {
        id: u64::MAX,
        inner: Inner { a: -7, b: 0.25 },
        coords: [1.0, 2.0, 3.0],
        tag: FixedAscii::from_ascii("tag").unwrap(),
        note: "note".parse().unwrap(),
        samples: VarLenArray::from_slice(&[4, 5, 6]),
    };
    f.new_dataset_builder()
        .with_data(&[outer])
        .create("compound")
        .unwrap();
    f.new_dataset_builder()
        .with_data(&[Level::Low, Level::High])
        .create("enum")
        .unwrap();
    f.new_dataset_builder()
        .with_data(&[true, false])
        .create("bool")
        .unwrap();
    f.new_dataset_builder()
        .with_data(&Array2::from_shape_fn((3, 4), |(i, j)| (i * 10 + j) as i32))
        .chunk((2, 2))
        .deflate(5)
        .create("matrix")
        .unwrap();
    let ragged = vec![
        VarLenArray::from_slice(&[1.5f64]),
        VarLenArray::from_slice(&[]),
        VarLenArray::from_slice(&[2.0, 3.0]),
    ];
    f.new_dataset_builder()
        .with_data(&ragged)
        .create("vlen_f64")
        .unwrap();
    f.new_dataset::<u8>()
        .create("scalar")
        .unwrap()
        .write_scalar(&9u8)
        .unwrap();
    let target = f.dataset("matrix").unwrap();
    let r = f.reference::<hdf5::ObjectReference1>("matrix").unwrap();
    f.new_dataset_builder()
        .with_data(&[r])
        .create("objref")
        .unwrap();
    drop(target);
    // Attributes of a null dataspace and an array type.
    f.new_attr::<[u16; 2]>()
        .create("pair")
        .unwrap()
        .write_scalar(&[3u16, 4])
        .unwrap();
}

#[test]
fn every_datatype_class_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("types.h5");
    write_types(&path);
    let f = H5File::open(&path).unwrap();

    assert_eq!(
        read_all(&f, "/ints/i8"),
        [Value::Int(-128), Value::Int(-1), Value::Int(127)]
    );
    assert_eq!(read_all(&f, "/ints/u8"), [Value::UInt(0), Value::UInt(255)]);
    assert_eq!(read_all(&f, "/ints/u16")[1], Value::UInt(65535));
    assert_eq!(
        read_all(&f, "/ints/i32")[0],
        Value::Int(i64::from(i32::MIN))
    );
    assert_eq!(
        read_all(&f, "/ints/u32")[1],
        Value::UInt(u64::from(u32::MAX))
    );
    assert_eq!(
        read_all(&f, "/ints/i64"),
        [Value::Int(i64::MIN), Value::Int(i64::MAX)]
    );
    assert_eq!(read_all(&f, "/ints/u64")[1], Value::UInt(u64::MAX));
    assert_eq!(
        read_all(&f, "/ints/u64")[1].to_string(),
        "18446744073709551615"
    );

    let f32s = read_all(&f, "/floats/f32");
    assert!(
        matches!(f32s[0], Value::Float(v) if v.is_nan()),
        "NaN survives"
    );
    assert_eq!(f32s[1], Value::Float(f64::INFINITY));
    assert_eq!(f32s[2], Value::Float(f64::NEG_INFINITY));
    assert!(
        matches!(f32s[3], Value::Float(v) if v == 0.0 && v.is_sign_negative()),
        "-0 keeps its sign"
    );
    assert_eq!(
        read_all(&f, "/floats/f64"),
        [Value::Float(f64::MIN_POSITIVE), Value::Float(f64::MAX)]
    );
    assert_eq!(
        read_all(&f, "/floats/f16"),
        [Value::Float(0.5), Value::Float(65504.0)]
    );
    let info = f.info("/floats/f16").unwrap();
    assert_eq!(info.dataset.unwrap().dtype.text(), "float16");

    assert_eq!(
        read_all(&f, "/complex"),
        [Value::Complex { re: 1.0, im: -1.0 }]
    );
    assert_eq!(
        read_all(&f, "/strings/fixed"),
        [Value::Str("ab".into()), Value::Str("hello".into())]
    );
    assert_eq!(
        read_all(&f, "/strings/vlen_utf8"),
        [Value::Str("ünïcödé".into()), Value::Str(String::new())]
    );

    let compound = read_all(&f, "/compound");
    let Value::Compound(fields) = &compound[0] else {
        panic!("compound expected, got {compound:?}")
    };
    let field = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(field("id"), Value::UInt(u64::MAX));
    assert_eq!(
        field("inner"),
        Value::Compound(vec![
            ("a".into(), Value::Int(-7)),
            ("b".into(), Value::Float(0.25))
        ])
    );
    assert_eq!(
        field("coords"),
        Value::List(vec![
            Value::Float(1.0),
            Value::Float(2.0),
            Value::Float(3.0)
        ])
    );
    assert_eq!(field("tag"), Value::Str("tag".into()));
    assert_eq!(field("note"), Value::Str("note".into()));
    assert_eq!(
        field("samples"),
        Value::List(vec![Value::Int(4), Value::Int(5), Value::Int(6)])
    );

    assert_eq!(
        read_all(&f, "/enum"),
        [
            Value::Enum {
                name: Some("Low".into()),
                value: -1
            },
            Value::Enum {
                name: Some("High".into()),
                value: 1000
            }
        ]
    );
    assert_eq!(
        read_all(&f, "/bool"),
        [Value::Bool(true), Value::Bool(false)]
    );
    assert_eq!(
        read_all(&f, "/vlen_f64"),
        [
            Value::List(vec![Value::Float(1.5)]),
            Value::List(vec![]),
            Value::List(vec![Value::Float(2.0), Value::Float(3.0)])
        ]
    );
    assert_eq!(read_all(&f, "/scalar"), [Value::UInt(9)]);
    let Value::Ref(Some(target)) = &read_all(&f, "/objref")[0] else {
        panic!("object reference expected")
    };
    assert_eq!(target.path.as_deref(), Some("/matrix"));

    let root = f.info("/").unwrap();
    let pair = root.attrs.iter().find(|a| a.name == "pair").unwrap();
    assert!(
        matches!(pair.dtype, DType::Array { .. }),
        "array attribute type: {:?}",
        pair.dtype
    );
    let AttrValue::Loaded(v) = &pair.value else {
        panic!("pair attribute loads")
    };
    assert_eq!(
        v.iter().next(),
        Some(&Value::List(vec![Value::UInt(3), Value::UInt(4)]))
    );
}

#[test]
fn hyperslabs_read_only_what_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("types.h5");
    write_types(&path);
    let f = H5File::open(&path).unwrap();
    let v = f
        .read(
            "/matrix",
            &parse_slice("1:3, ::2").unwrap(),
            DEFAULT_READ_CAP_BYTES,
            false,
        )
        .unwrap();
    assert_eq!(v.shape(), [2, 2]);
    assert_eq!(
        v.iter().cloned().collect::<Vec<_>>(),
        [
            Value::Int(10),
            Value::Int(12),
            Value::Int(20),
            Value::Int(22)
        ]
    );
    let one = f
        .read(
            "/matrix",
            &parse_slice("-1,-1").unwrap(),
            DEFAULT_READ_CAP_BYTES,
            false,
        )
        .unwrap();
    assert_eq!(one.ndim(), 0, "integer indices drop axes");
    assert_eq!(one.iter().next(), Some(&Value::Int(23)));
    let err = f.read("/matrix", &[], 8, false).unwrap_err().to_string();
    assert!(
        err.contains("/matrix") && err.contains("narrow it"),
        "cap message: {err}"
    );
    let info = f.info("/matrix").unwrap();
    let ds = info.dataset.unwrap();
    assert_eq!(
        ds.filters.first().map(|x| (x.name.as_str(), x.available)),
        Some(("deflate", true))
    );
    assert!(
        matches!(ds.layout, hdfscope::model::Layout::Chunked { ref chunks } if chunks == &[2, 2])
    );
}

#[test]
fn every_link_kind_is_listed_and_classified() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.h5");
    File::create(&other)
        .unwrap()
        .new_dataset_builder()
        .with_data(&Array1::from(vec![1, 2]))
        .create("x")
        .unwrap();
    let path = dir.path().join("links.h5");
    {
        let f = File::create(&path).unwrap();
        let g = f.create_group("g").unwrap();
        g.new_dataset_builder()
            .with_data(&[1.0f32])
            .create("data")
            .unwrap();
        f.link_soft("/g/data", "soft").unwrap();
        f.link_soft("/nowhere", "dangling").unwrap();
        f.link_hard("/g", "g_alias").unwrap();
        f.link_hard("/", "g/up").unwrap(); // a cycle back to the root
        f.link_external("other.h5", "/x", "ext").unwrap();
        f.link_external("missing.h5", "/x", "ext_missing").unwrap();
    }
    let f = H5File::open(&path).unwrap();
    let page = f.list("/", 0, 100).unwrap();
    let kinds: Vec<(&str, LinkType)> = page
        .links
        .iter()
        .map(|l| (l.name.as_str(), l.link_type))
        .collect();
    assert_eq!(
        kinds,
        [
            ("dangling", LinkType::Soft),
            ("ext", LinkType::External),
            ("ext_missing", LinkType::External),
            ("g", LinkType::Hard),
            ("g_alias", LinkType::Hard),
            ("soft", LinkType::Soft),
        ],
        "name order"
    );
    let soft = f.link("/soft").unwrap().unwrap();
    assert_eq!(
        (soft.link.target.as_deref(), soft.resolves),
        (Some("/g/data"), true)
    );
    assert!(!f.link("/dangling").unwrap().unwrap().resolves);
    let ext = f.link("/ext").unwrap().unwrap();
    assert_eq!(
        (
            ext.link.file.as_deref(),
            ext.link.target.as_deref(),
            ext.resolves
        ),
        (Some("other.h5"), Some("/x"), true)
    );
    assert!(!f.link("/ext_missing").unwrap().unwrap().resolves);
    assert_eq!(f.info("/dangling").unwrap().kind, ObjectKind::Link);
    assert_eq!(
        f.info("/soft").unwrap().kind,
        ObjectKind::Dataset,
        "soft links are followed inside the file"
    );
    assert_eq!(
        f.kind("/g").unwrap().1,
        f.kind("/g_alias").unwrap().1,
        "hard-link aliases share an identity"
    );
    assert!(f.info("/nope").unwrap_err().is_not_found());

    // The search index's brief pages name the same kinds, identities and errors as the
    // tree's, without types or shapes.
    for group in ["/", "/g"] {
        let full = f.children(group, 0, 100).unwrap();
        let brief = f.kinds(group, 0, 100).unwrap();
        assert_eq!(brief.total, full.total);
        let facts = |p: &hdfscope::model::ChildPage| -> Vec<_> {
            p.children
                .iter()
                .map(|c| {
                    let entry = c.entry.as_ref().map(|e| (e.kind, e.id));
                    (c.link.name.clone(), entry, c.error.is_some())
                })
                .collect()
        };
        assert_eq!(facts(&brief), facts(&full), "{group}");
        assert!(brief.children.iter().all(|c| {
            c.entry
                .as_ref()
                .is_none_or(|e| e.dtype.is_none() && e.shape.is_none())
        }));
    }
    let dangling = f
        .kinds("/", 0, 100)
        .unwrap()
        .children
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(
        dangling.error.as_deref(),
        Some("dangling: the target does not exist")
    );

    // The CLI walk terminates on the cycle and marks it.
    let rows = hdfscope::cli::tree::walk(&f, "/", 64).unwrap();
    let up = rows.iter().find(|r| r.path == "/g/up").unwrap();
    assert_eq!(up.alias_of.as_deref(), Some("/"));
    let alias = rows.iter().find(|r| r.path == "/g_alias").unwrap();
    assert_eq!(alias.alias_of.as_deref(), Some("/g"));
    assert_eq!(
        rows.len(),
        8,
        "every link once, nothing walked twice: {rows:#?}"
    );
}

#[test]
fn large_groups_list_their_first_page() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.h5");
    {
        let f = File::create(&path).unwrap();
        let g = f.create_group("many").unwrap();
        for i in 0..2000 {
            g.create_group(&format!("g{i:05}")).unwrap();
        }
    }
    let f = H5File::open(&path).unwrap();
    let page = f.list("/many", 1500, 100).unwrap();
    assert_eq!(page.total, 2000);
    assert_eq!(page.links.len(), 100);
    assert_eq!(page.links[0].name, "g01500");
}
