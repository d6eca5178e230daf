//! The layouts famous writers give HDF5 files, recognised from an object's metadata:
//! deepdish, pandas, PyTables, NeXus, netCDF-4, MATLAB v7.3, AnnData (and the sparse
//! matrices it and others store), Keras.
//!
//! One registry of recognisers, each pure over an object's [`ObjectInfo`] (and, for details
//! such as a DataFrame's size, its children's, when the caller has them). The labels read
//! like deepdish's `ddls`: `list (4 items)`, `DataFrame (200, 5)`, `CSR matrix 50 x 20, 314
//! stored`. Never reads a file.

use super::node::{ObjectInfo, ObjectKind, join_path};

/// A writer whose layout hdfscope recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    Deepdish,
    Pandas,
    PyTables,
    NeXus,
    NetCdf,
    Matlab,
    AnnData,
    Keras,
}

impl Convention {
    pub fn name(self) -> &'static str {
        match self {
            Self::Deepdish => "deepdish",
            Self::Pandas => "pandas",
            Self::PyTables => "PyTables",
            Self::NeXus => "NeXus",
            Self::NetCdf => "netCDF",
            Self::Matlab => "MATLAB",
            Self::AnnData => "AnnData",
            Self::Keras => "Keras",
        }
    }
}

/// What an object is in its writer's terms.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Label {
    pub convention: Convention,
    /// `list`, `DataFrame`, `NXdata`, `double`, `CSR matrix`...
    pub kind: String,
    /// Size, count or title, when known.
    pub detail: Option<String>,
}

impl Label {
    fn new(convention: Convention, kind: impl Into<String>, detail: Option<String>) -> Self {
        Self {
            convention,
            kind: kind.into(),
            detail,
        }
    }

    /// The label with its convention's name in front (`deepdish list (4 items)`), unless the
    /// kind already says it (`Keras model`, `netCDF-4 file`).
    pub fn full_text(&self) -> String {
        let name = self.convention.name();
        if self.kind.to_lowercase().starts_with(&name.to_lowercase()) {
            self.text()
        } else {
            format!("{name} {}", self.text())
        }
    }

    /// `list (4 items)`, `NXdata`.
    pub fn text(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} {d}", self.kind),
            None => self.kind.clone(),
        }
    }
}

/// Every attribute a recogniser reads: a caller may read just these.
pub const ATTRIBUTES: [&str; 29] = [
    "encoding-type",
    "column-order",
    "shape",
    "h5sparse_format",
    "h5sparse_shape",
    "MATLAB_class",
    "MATLAB_empty",
    "DEEPDISH_IO_VERSION",
    "DEEPDISH_IO_UNPACK",
    "TITLE",
    "pandas_type",
    "values_cols",
    "NX_class",
    "signal",
    "creator",
    "NeXus_version",
    "default",
    "keras_version",
    "backend",
    "layer_names",
    "weight_names",
    "_NCProperties",
    "_nc3_strict",
    "NAME",
    "_Netcdf4Dimid",
    "_Netcdf4Coordinates",
    "CLASS",
    "PSEUDOATOM",
    "PYTABLES_FORMAT_VERSION",
];

/// Whether an object of this label keeps values in attributes beyond [`ATTRIBUTES`].
pub fn keeps_values(label: &Label) -> bool {
    label.convention == Convention::Deepdish && label.kind != "None"
}

/// Looks up another object's metadata by path, when the caller has it.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<&'a ObjectInfo>;

type Recogniser = fn(&ObjectInfo, Lookup<'_>) -> Option<Label>;

/// The registry, most specific first: AnnData and MATLAB name themselves on every object;
/// deepdish and pandas write through PyTables, so they go before it.
const RECOGNISERS: [Recogniser; 8] = [
    anndata, matlab, deepdish, pandas, nexus, keras, netcdf, pytables,
];

/// What `info` is in the convention of the writer that made it, if any is recognised.
pub fn recognise(info: &ObjectInfo, lookup: Lookup<'_>) -> Option<Label> {
    RECOGNISERS.iter().find_map(|r| r(info, lookup))
}

/// Attributes that are a writer's bookkeeping rather than the user's metadata: hidden
/// unless asked for (the data view uses what they say).
pub fn is_internal_attr(name: &str) -> bool {
    matches!(
        name,
        "_Netcdf4Dimid" | "_Netcdf4Coordinates" | "_nc3_strict" | "_NCProperties"
    ) || (name.starts_with("FIELD_") && (name.ends_with("_NAME") || name.ends_with("_FILL")))
}

/// `n unit`, singular for one.
fn count(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("(1 {})", unit.trim_end_matches('s'))
    } else {
        format!("({n} {unit})")
    }
}

/// Values a container of `label` keeps in its attributes rather than as children (deepdish
/// stores the scalars of a dict, list, tuple or namespace that way), as (name, value text)
/// with list items in their order (`i2` before `i10`).
pub fn attribute_values(info: &ObjectInfo, label: &Label) -> Vec<(String, String)> {
    if !keeps_values(label) {
        return Vec::new();
    }
    let bookkeeping = [
        "CLASS",
        "TITLE",
        "VERSION",
        "PYTABLES_FORMAT_VERSION",
        "DEEPDISH_IO_VERSION",
        "DEEPDISH_IO_UNPACK",
    ];
    let mut values: Vec<(String, String)> = (info.attrs.iter())
        .filter(|a| !bookkeeping.contains(&a.name.as_str()))
        .map(|a| {
            let text = match &a.value {
                super::AttrValue::Loaded(v) if v.len() == 1 => v
                    .iter()
                    .next()
                    .map_or_else(String::new, |x| x.text_as(&a.dtype)),
                super::AttrValue::Loaded(v) => super::values_text(v),
                super::AttrValue::Skipped(why) | super::AttrValue::Failed(why) => why.clone(),
            };
            (a.name.clone(), format!("{text} [{}]", a.dtype.text()))
        })
        .collect();
    values.sort_by_key(|(name, _)| item_order(name));
    values
}

/// Sorts deepdish's list items `i0, i1, ..., i10` by number, other names after them.
fn item_order(name: &str) -> (u8, u64, String) {
    match name.strip_prefix('i').and_then(|n| n.parse::<u64>().ok()) {
        Some(n) => (0, n, String::new()),
        None => (1, 0, name.to_owned()),
    }
}

fn dims_text(dims: &[u64]) -> String {
    let parts: Vec<String> = dims.iter().map(ToString::to_string).collect();
    parts.join(" x ")
}

fn child<'a>(info: &ObjectInfo, name: &str, lookup: Lookup<'a>) -> Option<&'a ObjectInfo> {
    lookup(&join_path(&info.path, name))
}

fn child_dims(info: &ObjectInfo, name: &str, lookup: Lookup<'_>) -> Option<Vec<u64>> {
    let c = child(info, name, lookup)?;
    Some(c.dataset.as_ref()?.shape.dims().to_vec())
}

/// AnnData's `encoding-type` on every element, and sparse matrices in its layout.
fn anndata(info: &ObjectInfo, lookup: Lookup<'_>) -> Option<Label> {
    let kind = info.attr_text("encoding-type")?;
    let c = Convention::AnnData;
    Some(match kind {
        "anndata" => Label::new(c, "AnnData", None),
        "csr_matrix" | "csc_matrix" => sparse(info, c, &kind[..3], lookup),
        "dataframe" => {
            let n = info.attr_texts("column-order").len() as u64;
            Label::new(c, "dataframe", Some(count(n, "columns")))
        }
        other => Label::new(c, other, None),
    })
}

/// A sparse matrix group (`data`, `indices`, `indptr`), `format` "csr" or "csc": its
/// shape (the `shape` or `h5sparse_shape` attribute) and stored values (`data`'s length).
fn sparse(info: &ObjectInfo, c: Convention, format: &str, lookup: Lookup<'_>) -> Label {
    let shape: Vec<u64> = ["shape", "h5sparse_shape"]
        .iter()
        .map(|a| info.attr_numbers(a))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .into_iter()
        .map(|v| v as u64)
        .collect();
    let nnz = child_dims(info, "data", lookup).and_then(|d| d.first().copied());
    let detail = match (shape.is_empty(), nnz) {
        (false, Some(n)) => Some(format!("{}, {n} stored", dims_text(&shape))),
        (false, None) => Some(dims_text(&shape)),
        (true, Some(n)) => Some(format!("{n} stored")),
        (true, None) => None,
    };
    Label::new(c, format!("{} matrix", format.to_uppercase()), detail)
}

/// `MATLAB_class` on every variable; arrays in MATLAB's (reversed) axis order.
fn matlab(info: &ObjectInfo, _: Lookup<'_>) -> Option<Label> {
    let class = info.attr_text("MATLAB_class")?;
    let c = Convention::Matlab;
    if class == "canonical empty" {
        return Some(Label::new(c, class, None));
    }
    if !info.attr_numbers("MATLAB_empty").is_empty() {
        return Some(Label::new(c, class, Some("empty".to_owned())));
    }
    let detail = info.dataset.as_ref().map(|ds| {
        let mut dims = ds.shape.dims().to_vec();
        dims.reverse();
        dims_text(&dims)
    });
    Some(Label::new(c, class, detail))
}

/// deepdish's containers are groups titled `kind:count`; the file root carries its version.
/// A top-level object that is not a dict is saved as `/data` with the root marked
/// `DEEPDISH_IO_UNPACK` (ddls shows it as `/data*`): that group is marked too.
fn deepdish(info: &ObjectInfo, lookup: Lookup<'_>) -> Option<Label> {
    let label = deepdish_own(info)?;
    let unpacked = info.path == "/data"
        && lookup("/").is_some_and(|r| r.attrs.iter().any(|a| a.name == "DEEPDISH_IO_UNPACK"));
    Some(if unpacked {
        let detail = label.detail.map_or_else(String::new, |d| format!(" {d}"));
        Label {
            detail: Some(format!("(the file's top-level object){detail}")),
            ..label
        }
    } else {
        label
    })
}

fn deepdish_own(info: &ObjectInfo) -> Option<Label> {
    let c = Convention::Deepdish;
    if let Some(v) = info.attr_numbers("DEEPDISH_IO_VERSION").first() {
        return Some(Label::new(
            c,
            "deepdish file",
            Some(format!("(version {v})")),
        ));
    }
    if info.kind != ObjectKind::Group {
        return None;
    }
    let (kind, count) = info.attr_text("TITLE")?.split_once(':')?;
    let count: Option<u64> = count.parse().ok();
    let (name, unit) = match kind {
        "dict" => ("dict", "keys"),
        "list" => ("list", "items"),
        "tuple" => ("tuple", "items"),
        "SimpleNamespace" => ("SimpleNamespace", "fields"),
        "nonetype" => return Some(Label::new(c, "None", None)),
        _ => return None,
    };
    Some(Label::new(c, name, count.map(|n| self::count(n, unit))))
}

/// pandas HDFStore: `pandas_type` on the group of each stored object.
fn pandas(info: &ObjectInfo, lookup: Lookup<'_>) -> Option<Label> {
    let c = Convention::Pandas;
    let kind = info.attr_text("pandas_type")?;
    let size = |rows: Option<u64>, cols: Option<u64>| match (rows, cols) {
        (Some(r), Some(c)) => Some(format!("({r}, {c})")),
        (Some(r), None) => Some(format!("({r})")),
        _ => None,
    };
    let first = |name: &str| child_dims(info, name, lookup).and_then(|d| d.first().copied());
    Some(match kind {
        "frame" => Label::new(c, "DataFrame", size(first("axis1"), first("axis0"))),
        "series" => Label::new(c, "Series", size(first("index"), None)),
        "frame_table" => {
            let cols = info.attr_texts("values_cols").len();
            let rows = first("table");
            Label::new(
                c,
                "DataFrame",
                size(rows, (cols > 0).then_some(cols as u64)).or(Some("(table)".to_owned())),
            )
        }
        "series_table" => Label::new(c, "Series", size(first("table"), None)),
        other => Label::new(c, other, None),
    })
}

/// NeXus `NX_class` on groups (and the root's `default` chain).
fn nexus(info: &ObjectInfo, _: Lookup<'_>) -> Option<Label> {
    let c = Convention::NeXus;
    if let Some(class) = info.attr_text("NX_class") {
        let detail = info.attr_text("signal").map(|s| format!("(signal {s})"));
        return Some(Label::new(c, class, detail));
    }
    let root_hint = info.attr_text("creator") == Some("nexusformat")
        || info.attrs.iter().any(|a| a.name == "NeXus_version");
    (info.path == "/" && root_hint).then(|| {
        let detail = info.attr_text("default").map(|d| format!("(default {d})"));
        Label::new(c, "NeXus file", detail)
    })
}

/// Keras HDF5 models: the root's versions, the weights group and its layers.
fn keras(info: &ObjectInfo, _: Lookup<'_>) -> Option<Label> {
    let c = Convention::Keras;
    if info.path == "/"
        && let Some(v) = info.attr_text("keras_version")
    {
        let backend = info
            .attr_text("backend")
            .map_or(String::new(), |b| format!(", {b}"));
        return Some(Label::new(
            c,
            "Keras model",
            Some(format!("(keras {v}{backend})")),
        ));
    }
    if info.attrs.iter().any(|a| a.name == "layer_names") {
        let n = info.attr_texts("layer_names").len() as u64;
        return Some(Label::new(c, "weights", Some(count(n, "layers"))));
    }
    if info.attrs.iter().any(|a| a.name == "weight_names") {
        let n = info.attr_texts("weight_names").len() as u64;
        let kind = if info.path.ends_with("/optimizer_weights") {
            "optimizer"
        } else {
            "layer"
        };
        return Some(Label::new(c, kind, Some(count(n, "weights"))));
    }
    None
}

/// netCDF-4: the root's provenance, dimensions, coordinate variables and variables, told
/// apart by the library's own attributes.
fn netcdf(info: &ObjectInfo, _: Lookup<'_>) -> Option<Label> {
    let c = Convention::NetCdf;
    let has = |n: &str| info.attrs.iter().any(|a| a.name == n);
    if info.path == "/" && (has("_NCProperties") || has("_nc3_strict")) {
        let kind = if has("_nc3_strict") {
            "netCDF-4 classic file"
        } else {
            "netCDF-4 file"
        };
        return Some(Label::new(c, kind, None));
    }
    let ds = info.dataset.as_ref()?;
    let len = ds.shape.dims().first().copied().unwrap_or(0);
    let phony = info
        .attr_text("NAME")
        .is_some_and(|n| n.starts_with("This is a netCDF dimension but not a netCDF variable"));
    if phony {
        return Some(Label::new(c, "dimension", Some(format!("({len})"))));
    }
    if !(has("_Netcdf4Dimid") || has("_Netcdf4Coordinates")) {
        return None;
    }
    if info.is_scale {
        return Some(Label::new(c, "coordinate", Some(format!("({len})"))));
    }
    let names: Vec<String> = info
        .dims
        .iter()
        .map(|d| {
            d.scales
                .first()
                .map(|s| s.path.rsplit('/').next().unwrap_or(&s.path).to_owned())
                .or_else(|| d.label.clone())
                .unwrap_or_else(|| "?".to_owned())
        })
        .collect();
    let detail = (!names.is_empty()).then(|| format!("({})", names.join(", ")));
    Some(Label::new(c, "variable", detail))
}

/// PyTables' `CLASS` (and `TITLE`) on every node it writes.
fn pytables(info: &ObjectInfo, _: Lookup<'_>) -> Option<Label> {
    let c = Convention::PyTables;
    let title = info
        .attr_text("TITLE")
        .filter(|t| !t.is_empty())
        .map(|t| format!("{t:?}"));
    if info.path == "/"
        && info
            .attrs
            .iter()
            .any(|a| a.name == "PYTABLES_FORMAT_VERSION")
    {
        return Some(Label::new(c, "PyTables file", title));
    }
    let kind = match (info.attr_text("CLASS")?, info.attr_text("PSEUDOATOM")) {
        ("TABLE", _) => "Table",
        // Every PyTables array is one: only a titled one says anything.
        ("ARRAY", _) if title.is_some() => "Array",
        ("CARRAY", _) => "CArray",
        ("EARRAY", _) => "EArray",
        ("VLARRAY", Some("object")) => "pickled objects",
        ("VLARRAY", Some("vlunicode")) => "VLArray of text",
        ("VLARRAY", _) => "VLArray",
        ("GROUP", _) if title.is_some() => "group",
        _ => return None,
    };
    Some(Label::new(c, kind, title))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AttrValue, Attribute, DType, Shape, Value};

    fn attr(name: &str, value: Value) -> Attribute {
        Attribute {
            name: name.to_owned(),
            dtype: DType::String {
                size: None,
                charset: crate::model::Charset::Utf8,
                padding: crate::model::StrPad::Nullterm,
            },
            shape: Shape::Scalar,
            value: AttrValue::Loaded(ndarray::arr0(value).into_dyn()),
        }
    }

    fn group(path: &str, attrs: Vec<Attribute>) -> ObjectInfo {
        ObjectInfo {
            path: path.to_owned(),
            kind: ObjectKind::Group,
            link: None,
            id: None,
            attrs,
            dataset: None,
            datatype: None,
            dims: Vec::new(),
            is_scale: false,
            child_count: None,
        }
    }

    fn text(s: &str) -> Value {
        Value::Str(s.to_owned())
    }

    fn none(_: &str) -> Option<&'static ObjectInfo> {
        None
    }

    #[test]
    fn deepdish_titles_read_like_ddls() {
        let list = group("/list", vec![attr("TITLE", text("list:4"))]);
        let label = recognise(&list, &none).unwrap();
        assert_eq!(label.convention, Convention::Deepdish);
        assert_eq!(label.text(), "list (4 items)");
        assert_eq!(label.full_text(), "deepdish list (4 items)");
        let root = group("/", vec![attr("DEEPDISH_IO_VERSION", Value::Int(12))]);
        let label = recognise(&root, &none).unwrap();
        assert_eq!(label.full_text(), "deepdish file (version 12)");
        let nothing = group("/none", vec![attr("TITLE", text("nonetype:"))]);
        assert_eq!(recognise(&nothing, &none).unwrap().text(), "None");
        // A PyTables group with some other title is not deepdish.
        let other = group(
            "/g",
            vec![attr("CLASS", text("GROUP")), attr("TITLE", text("a group"))],
        );
        let label = recognise(&other, &none).unwrap();
        assert_eq!(
            (label.convention, label.text()),
            (Convention::PyTables, "group \"a group\"".to_owned())
        );
    }

    #[test]
    fn sparse_matrices_show_shape_and_stored_values() {
        let mut csr = group("/m", vec![attr("encoding-type", text("csr_matrix"))]);
        csr.attrs.push(Attribute {
            value: AttrValue::Loaded(ndarray::arr1(&[Value::Int(50), Value::Int(20)]).into_dyn()),
            ..attr("shape", Value::Int(0))
        });
        let data = ObjectInfo {
            path: "/m/data".into(),
            kind: ObjectKind::Dataset,
            dataset: Some(crate::model::DatasetInfo {
                dtype: DType::Float {
                    size: 4,
                    order: crate::model::ByteOrder::Le,
                    bits: crate::model::FloatBits {
                        precision: 32,
                        exponent_bits: 8,
                        mantissa_bits: 23,
                    },
                },
                shape: Shape::Simple {
                    dims: vec![314],
                    max: vec![Some(314)],
                },
                layout: crate::model::Layout::Contiguous {
                    external: Vec::new(),
                },
                filters: Vec::new(),
                storage_bytes: 0,
                fill_value: None,
            }),
            ..group("/m/data", Vec::new())
        };
        let lookup = |p: &str| (p == "/m/data").then_some(&data);
        let label = recognise(&csr, &lookup).unwrap();
        assert_eq!(label.convention, Convention::AnnData);
        assert_eq!(label.text(), "CSR matrix 50 x 20, 314 stored");
        // Without the data's metadata yet: the shape alone.
        assert_eq!(recognise(&csr, &none).unwrap().text(), "CSR matrix 50 x 20");
    }

    #[test]
    fn deepdish_marks_its_fake_top_level_group() {
        let root = group("/", vec![attr("DEEPDISH_IO_UNPACK", Value::Int(1))]);
        let data = group("/data", vec![attr("TITLE", text("list:2"))]);
        let lookup = |p: &str| (p == "/").then_some(&root);
        assert_eq!(
            recognise(&data, &lookup).unwrap().text(),
            "list (the file's top-level object) (2 items)"
        );
        assert_eq!(recognise(&data, &none).unwrap().text(), "list (2 items)");
    }

    #[test]
    fn internals_are_told_from_metadata() {
        for name in [
            "_Netcdf4Dimid",
            "_nc3_strict",
            "FIELD_0_NAME",
            "FIELD_12_FILL",
        ] {
            assert!(is_internal_attr(name), "{name}");
        }
        for name in ["units", "FIELD", "CLASS", "TITLE"] {
            assert!(!is_internal_attr(name), "{name}");
        }
    }
}
