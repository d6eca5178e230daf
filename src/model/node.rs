//! What the reader knows about links, objects, datasets and attributes, as plain data.
//!
//! These are metadata only: building them must never require reading dataset values.
//! Never touches libhdf5 or egui.

use serde::{Deserialize, Serialize};

use super::dtype::DType;
use super::value::Value;

/// The kind of an HDF5 link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkType {
    Hard,
    Soft,
    External,
    /// A user-defined link class (not followed).
    User,
}

/// Identity of an object inside one open file, so aliases and cycles can be recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjectId {
    pub fileno: u64,
    /// The object's token (its header address for native files).
    pub token: [u8; 16],
}

/// One link in a group, as listed, without opening its target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub name: String,
    pub link_type: LinkType,
    /// Soft: the target path. External: the target path inside `file`.
    pub target: Option<String>,
    /// External: the target file as written in the link.
    pub file: Option<String>,
    /// Hard links: the identity of the target.
    pub id: Option<ObjectId>,
}

/// What kind of object a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectKind {
    Group,
    Dataset,
    Datatype,
    /// The path is a link whose target does not resolve.
    Link,
}

/// The extent of a dataset or attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shape {
    /// `H5S_NULL`: no elements at all.
    Null,
    /// `H5S_SCALAR`: one element, no axes.
    Scalar,
    /// `H5S_SIMPLE`: current and maximum sizes per axis (`None` = unlimited).
    Simple {
        dims: Vec<u64>,
        max: Vec<Option<u64>>,
    },
}

impl Shape {
    /// The current dims: empty for scalar and null.
    pub fn dims(&self) -> &[u64] {
        match self {
            Self::Simple { dims, .. } => dims,
            Self::Null | Self::Scalar => &[],
        }
    }

    /// How many elements the extent holds.
    pub fn element_count(&self) -> u64 {
        match self {
            Self::Null => 0,
            Self::Scalar => 1,
            // Saturating: a hostile file may declare dims whose product overflows.
            Self::Simple { dims, .. } => dims.iter().fold(1, |n, &d| n.saturating_mul(d)),
        }
    }

    /// `2000 x 3000`, `scalar`, `null`, with `(unlimited)` axes marked.
    pub fn text(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Scalar => "scalar".to_owned(),
            Self::Simple { dims, max } => {
                let parts: Vec<String> = dims
                    .iter()
                    .zip(max)
                    .map(|(d, m)| match m {
                        None => format!("{d}/inf"),
                        Some(m) if m != d => format!("{d}/{m}"),
                        Some(_) => d.to_string(),
                    })
                    .collect();
                parts.join(" x ")
            }
        }
    }
}

/// One stage of a dataset's filter pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub id: i32,
    pub name: String,
    /// The parameters in words ("LZ4, block auto elements"), when hdfscope knows them.
    pub summary: Option<String>,
    pub params: Vec<u32>,
    /// Whether this build can decode it.
    pub available: bool,
    /// Whether the filter may be skipped when it fails (`H5Z_FLAG_OPTIONAL`).
    pub optional: bool,
}

impl Filter {
    /// One line for the inspector and `hdfscope info`: name, id, parameters in words and
    /// raw, and whether this build can decode it.
    pub fn text(&self) -> String {
        let summary = self
            .summary
            .as_ref()
            .map_or(String::new(), |s| format!(": {s}"));
        let optional = if self.optional { ", optional" } else { "" };
        let avail = if self.available {
            ""
        } else {
            "  — NOT AVAILABLE in this build"
        };
        format!(
            "{} ({}{optional}){summary} {:?}{avail}",
            self.name, self.id, self.params
        )
    }
}

/// One source mapping of a virtual dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualSource {
    pub file: String,
    pub dataset: String,
    /// Whether the source file can be found (checked on disk, never opened).
    pub found: bool,
}

/// One external raw-data file of a dataset with external storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalFile {
    pub name: String,
    pub offset: u64,
    pub size: u64,
}

/// How a dataset's data is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Layout {
    Compact,
    Contiguous { external: Vec<ExternalFile> },
    Chunked { chunks: Vec<u64> },
    Virtual { sources: Vec<VirtualSource> },
    Unknown,
}

impl Layout {
    /// The other files reading this dataset's values would open: external raw storage and
    /// virtual sources outside this file. Reading them needs the user's consent.
    pub fn outside_files(&self) -> Vec<&str> {
        match self {
            Self::Contiguous { external } => external.iter().map(|e| e.name.as_str()).collect(),
            Self::Virtual { sources } => sources
                .iter()
                .map(|s| s.file.as_str())
                .filter(|f| *f != ".")
                .collect(),
            Self::Compact | Self::Chunked { .. } | Self::Unknown => Vec::new(),
        }
    }

    /// The source files of a virtual dataset that are not on disk (each named once).
    pub fn missing_sources(&self) -> Vec<&str> {
        let Self::Virtual { sources } = self else {
            return Vec::new();
        };
        let mut missing: Vec<&str> = Vec::new();
        for s in sources.iter().filter(|s| !s.found) {
            if !missing.contains(&s.file.as_str()) {
                missing.push(&s.file);
            }
        }
        missing
    }

    /// The other files as a consent prompt or a refusal names them, each once; missing
    /// virtual sources are flagged, since libhdf5 shows the fill value in their place.
    pub fn outside_text(&self) -> String {
        let missing = self.missing_sources();
        let mut present: Vec<&str> = Vec::new();
        for f in self.outside_files() {
            if !missing.contains(&f) && !present.contains(&f) {
                present.push(f);
            }
        }
        let missing_text = format!("{} missing, read as the fill value", missing.join(", "));
        match (present.is_empty(), missing.is_empty()) {
            (_, true) => present.join(", "),
            (true, false) => missing_text,
            (false, false) => format!("{}; {missing_text}", present.join(", ")),
        }
    }
}

/// Everything about a dataset that can be known without reading its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    pub dtype: DType,
    pub shape: Shape,
    pub layout: Layout,
    pub filters: Vec<Filter>,
    /// Bytes allocated in the file for the data.
    pub storage_bytes: u64,
    /// The fill value, when one is defined.
    pub fill_value: Option<Value>,
}

impl DatasetInfo {
    /// Logical size over stored size; `None` when nothing is stored or the size is unknown.
    pub fn compression_ratio(&self) -> Option<f64> {
        let logical = (self.shape.element_count()).saturating_mul(self.dtype.size()? as u64);
        (self.storage_bytes > 0).then(|| logical as f64 / self.storage_bytes as f64)
    }
}

/// An attribute's value, or why it was not loaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AttrValue {
    /// The decoded values, shaped like the attribute (a scalar has shape `[]`).
    Loaded(super::Values),
    /// Too large to load eagerly; the text says how large.
    Skipped(String),
    /// Reading or decoding failed; the text says why.
    Failed(String),
}

/// One attribute of an object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub name: String,
    pub dtype: DType,
    pub shape: Shape,
    pub value: AttrValue,
}

impl Attribute {
    /// An attribute that could not be read at all, kept in the list so nothing is hidden.
    pub fn failed(name: String, reason: String) -> Self {
        Self {
            name,
            dtype: DType::Unsupported {
                class_name: "unreadable".to_owned(),
                size: 0,
            },
            shape: Shape::Null,
            value: AttrValue::Failed(reason),
        }
    }
}

/// A dimension scale attached to one axis of a dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleRef {
    pub path: String,
    /// The scale's `NAME` attribute, if any.
    pub name: Option<String>,
}

/// The label and scales of one axis, per the HDF5 Dimension Scale specification.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dim {
    pub label: Option<String>,
    pub scales: Vec<ScaleRef>,
}

/// Everything shown about one object: its link, kind, attributes and, for datasets, metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectInfo {
    pub path: String,
    pub kind: ObjectKind,
    /// The link that names this object in its parent (absent for `/`).
    pub link: Option<LinkStatus>,
    pub id: Option<ObjectId>,
    pub attrs: Vec<Attribute>,
    pub dataset: Option<DatasetInfo>,
    /// For committed datatypes: the type they define.
    pub datatype: Option<DType>,
    /// Per axis of a dataset; empty when the dataset has no scales and no labels.
    pub dims: Vec<Dim>,
    /// Whether the dataset is itself a dimension scale (`CLASS = "DIMENSION_SCALE"`).
    pub is_scale: bool,
    /// Groups: number of links they hold.
    pub child_count: Option<u64>,
}

impl ObjectInfo {
    /// The text of a string attribute holding one string (scalar or a one-element array),
    /// as conventions such as `units`, `long_name` and `NAME` store them.
    pub fn attr_text(&self, name: &str) -> Option<&str> {
        match self.attr_texts(name)[..] {
            [s] => Some(s),
            _ => None,
        }
    }

    /// The texts of a string attribute holding one string or a list of strings (NeXus
    /// `axes` is either).
    pub fn attr_texts(&self, name: &str) -> Vec<&str> {
        let Some(AttrValue::Loaded(values)) =
            self.attrs.iter().find(|a| a.name == name).map(|a| &a.value)
        else {
            return Vec::new();
        };
        values
            .iter()
            .filter_map(|v| match v {
                Value::Str(s) => Some(s.trim_end_matches(['\0', ' '])),
                _ => None,
            })
            .collect()
    }

    /// The numbers of a numeric attribute (scalar or list), as `f64`.
    pub fn attr_numbers(&self, name: &str) -> Vec<f64> {
        match self.attrs.iter().find(|a| a.name == name).map(|a| &a.value) {
            Some(AttrValue::Loaded(values)) => values.iter().filter_map(Value::as_f64).collect(),
            _ => Vec::new(),
        }
    }

    /// The `units` (or `unit`) attribute, when not empty.
    pub fn units(&self) -> Option<&str> {
        self.attr_text("units")
            .or_else(|| self.attr_text("unit"))
            .filter(|u| !u.is_empty())
    }

    /// An axis title: `name` with the units in parentheses (unless they say the same).
    pub fn axis_title(&self, name: &str) -> String {
        match self.units() {
            Some(u) if u != name => format!("{name} ({u})"),
            _ => name.to_owned(),
        }
    }
}

/// A link together with whether it resolves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStatus {
    pub link: Link,
    pub resolves: bool,
}

impl LinkStatus {
    /// The target as `path` (soft) or `file:path` (external); empty for hard links.
    pub fn target_text(&self) -> String {
        match (&self.link.file, &self.link.target) {
            (Some(f), Some(t)) => format!("{f}:{t}"),
            (None, Some(t)) => t.clone(),
            _ => String::new(),
        }
    }
}

impl Layout {
    /// One line: the layout kind with chunk shape, external files or virtual sources.
    pub fn text(&self) -> String {
        match self {
            Self::Compact => "compact".to_owned(),
            Self::Contiguous { external } if external.is_empty() => "contiguous".to_owned(),
            Self::Contiguous { external } => {
                let names: Vec<&str> = external.iter().map(|e| e.name.as_str()).collect();
                format!("contiguous, external raw files: {}", names.join(", "))
            }
            Self::Chunked { chunks } => format!("chunked {chunks:?}"),
            Self::Virtual { sources } => {
                let missing = sources.iter().filter(|s| !s.found).count();
                format!("virtual, {} sources ({missing} missing)", sources.len())
            }
            Self::Unknown => "unknown".to_owned(),
        }
    }
}

/// What a listing shows of one object: kind, identity, and for datasets type and shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: ObjectKind,
    pub id: ObjectId,
    pub dtype: Option<DType>,
    pub shape: Option<Shape>,
}

/// One link of a group and what it leads to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Child {
    pub link: Link,
    /// The object reached through a hard or soft link; `None` for external and user-defined
    /// links (never followed) and for links that fail (see `error`).
    pub entry: Option<Entry>,
    /// Why the link does not lead anywhere: a dangling soft link, a missing external file, an
    /// object that cannot be opened.
    pub error: Option<String>,
}

/// A page of a group's links, in the group's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildPage {
    pub children: Vec<Child>,
    /// How many links the group has in all.
    pub total: u64,
}

/// What a subset export put in its new file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubsetReport {
    /// The objects copied, as asked for and as added (dimension scales, NeXus axes).
    pub copied: Vec<String>,
    /// Dimension scales attached again in the new file.
    pub attached: usize,
    /// What could not be carried over, one line each.
    pub notes: Vec<String>,
}

/// The in-file path of `name` inside the group at `parent`.
pub fn join_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Splits a command-line target `FILE::/path/in/file` at the last `::` (the path defaults to
/// `/`). Windows drive letters have one colon, so they never split.
pub fn split_target(target: &str) -> (std::path::PathBuf, String) {
    match target.rsplit_once("::") {
        Some((file, path)) => (file.into(), normalize_path(path)),
        None => (target.into(), "/".to_owned()),
    }
}

/// Makes `p` absolute inside the file (`a/b` → `/a/b`), without a trailing slash.
pub fn normalize_path(p: &str) -> String {
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    format!("/{}", parts.join("/"))
}

/// The group holding `path` (`/` for top-level objects and for `/` itself).
pub fn parent_path(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_show_id_parameters_in_words_and_availability() {
        let f = Filter {
            id: 32008,
            name: "bitshuffle".into(),
            summary: Some("LZ4, block auto elements, element size 2".into()),
            params: vec![0, 4, 2, 0, 2],
            available: true,
            optional: false,
        };
        assert_eq!(
            f.text(),
            "bitshuffle (32008): LZ4, block auto elements, element size 2 [0, 4, 2, 0, 2]"
        );
        let zfp = Filter {
            id: 32013,
            name: "zfp".into(),
            summary: None,
            params: vec![1],
            available: false,
            optional: true,
        };
        assert_eq!(
            zfp.text(),
            "zfp (32013, optional) [1]  — NOT AVAILABLE in this build"
        );
    }

    #[test]
    fn shape_text_marks_unlimited_axes() {
        let s = Shape::Simple {
            dims: vec![10, 3],
            max: vec![None, Some(3)],
        };
        assert_eq!(s.text(), "10/inf x 3");
        assert_eq!(s.element_count(), 30);
        assert_eq!(Shape::Null.element_count(), 0);
        assert_eq!(Shape::Scalar.element_count(), 1);
    }

    #[test]
    fn paths_join_and_split() {
        assert_eq!(join_path("/", "a"), "/a");
        assert_eq!(join_path("/a", "b"), "/a/b");
        assert_eq!(parent_path("/a/b"), "/a");
        assert_eq!(parent_path("/a"), "/");
        assert_eq!(parent_path("/"), "/");
    }
}
