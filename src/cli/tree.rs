//! Walks a file's tree for `hdfscope ls`: iterative, depth-limited, and cycle-safe.
//!
//! Every hard-linked object is visited once; a second link to it (an alias, or a link back
//! to an ancestor) is listed with `alias_of` and not entered. Soft and external links are
//! listed, never followed. Never recurses on the call stack, so hostile depth cannot overflow it.

use std::collections::HashMap;

use crate::model::convention::{self, Label};
use crate::model::{DType, LinkType, ObjectId, ObjectInfo, ObjectKind, Shape, join_path};
use crate::reader::{H5File, ReadError};

/// Links listed per group at most; the rest are counted, not listed.
pub const MAX_LINKS_PER_GROUP: usize = 10_000;
/// Links fetched per request to the reader.
const PAGE: usize = 1_000;

/// One row of a listing.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub path: String,
    pub depth: usize,
    /// `None` when the object could not be opened (see `error`) or the link is not followed.
    pub kind: Option<ObjectKind>,
    pub link_type: LinkType,
    /// Soft/external target path.
    pub target: Option<String>,
    /// External target file.
    pub file: Option<String>,
    pub dtype: Option<DType>,
    pub shape: Option<Shape>,
    /// The first path this object was listed under, when this is a second link to it.
    pub alias_of: Option<String>,
    pub error: Option<String>,
    /// Set on a synthetic row saying how many links were not listed.
    pub omitted: Option<u64>,
}

impl Row {
    fn new(path: String, depth: usize, link_type: LinkType) -> Self {
        Self {
            path,
            depth,
            kind: None,
            link_type,
            target: None,
            file: None,
            dtype: None,
            shape: None,
            alias_of: None,
            error: None,
            omitted: None,
        }
    }
}

/// An object's convention label and the values its writer kept in its attributes.
pub struct Labelled {
    pub label: Label,
    pub values: Vec<(String, String)>,
}

/// The convention label of every listed object that has one (the root included). Objects
/// whose metadata cannot be read simply get none: the listing already shows their error.
pub fn labels(file: &H5File, root: &str, rows: &[Row]) -> HashMap<String, Labelled> {
    let paths = rows
        .iter()
        .filter(|r| r.kind.is_some() && r.alias_of.is_none() && r.error.is_none())
        .map(|r| r.path.as_str());
    // Only the attributes recognisers read: fewer reads, and an odd attribute elsewhere
    // (a broken global heap...) is never touched.
    let wanted = |name: &str| convention::ATTRIBUTES.contains(&name);
    let infos: HashMap<String, ObjectInfo> = std::iter::once(root)
        .chain(paths)
        .filter_map(|p| Some((p.to_owned(), file.info_with(p, &wanted).ok()?)))
        .collect();
    let lookup = |p: &str| infos.get(p);
    infos
        .values()
        .filter_map(|info| {
            let label = convention::recognise(info, &lookup)?;
            let values = if convention::keeps_values(&label) {
                let whole = file.info(&info.path).ok()?;
                convention::attribute_values(&whole, &label)
            } else {
                Vec::new()
            };
            Some((info.path.clone(), Labelled { label, values }))
        })
        .collect()
}

/// Whether a second link at `path` to the object first listed at `first` points back to
/// one of its own ancestors.
pub fn is_cycle(path: &str, first: &str) -> bool {
    first == "/" || path.starts_with(&format!("{first}/"))
}

/// The links of `group` as rows (with the identity of hard-linked targets), up to
/// [`MAX_LINKS_PER_GROUP`], plus a row counting the rest. Soft links are listed, not followed.
fn children(file: &H5File, group: &str, depth: usize) -> Vec<(Row, Option<ObjectId>)> {
    let mut out = Vec::new();
    let mut start = 0u64;
    loop {
        let page = match file.children(group, start, PAGE) {
            Ok(p) => p,
            Err(e) => {
                let mut row = Row::new(group.to_owned(), depth, LinkType::Hard);
                row.error = Some(e.to_string());
                out.push((row, None));
                return out;
            }
        };
        let got = page.children.len();
        for child in page.children {
            let link = child.link;
            let mut row = Row::new(join_path(group, &link.name), depth + 1, link.link_type);
            row.target = link.target;
            row.file = link.file;
            let mut id = None;
            if link.link_type == LinkType::Hard {
                match child.entry {
                    Some(e) => {
                        row.kind = Some(e.kind);
                        row.dtype = e.dtype;
                        row.shape = e.shape;
                        id = Some(e.id);
                    }
                    None => row.error = child.error,
                }
            }
            out.push((row, id));
        }
        start += got as u64;
        if got == 0 || start >= page.total {
            return out;
        }
        if out.len() >= MAX_LINKS_PER_GROUP {
            let mut row = Row::new(join_path(group, "..."), depth + 1, LinkType::Hard);
            row.omitted = Some(page.total - start);
            out.push((row, None));
            return out;
        }
    }
}

/// Lists everything under `root` down to `max_depth` levels (1 = direct children), in
/// pre-order. An object reached a second time is marked `alias_of` its first path.
pub fn walk(file: &H5File, root: &str, max_depth: usize) -> Result<Vec<Row>, ReadError> {
    let root = crate::reader::normalize_path(root);
    let root_entry = file.entry(&root)?;
    if root_entry.kind != ObjectKind::Group {
        let mut row = Row::new(root, 0, LinkType::Hard);
        row.kind = Some(root_entry.kind);
        row.dtype = root_entry.dtype;
        row.shape = root_entry.shape;
        return Ok(vec![row]);
    }
    let mut seen: HashMap<ObjectId, String> = HashMap::from([(root_entry.id, root.clone())]);
    let mut rows = Vec::new();
    let mut stack: Vec<(Row, Option<ObjectId>)> = if max_depth == 0 {
        Vec::new()
    } else {
        children(file, &root, 0).into_iter().rev().collect()
    };
    while let Some((mut row, id)) = stack.pop() {
        let mut descend = false;
        if let Some(id) = id {
            if let Some(first) = seen.get(&id) {
                row.alias_of = Some(first.clone());
            } else {
                seen.insert(id, row.path.clone());
                descend = row.kind == Some(ObjectKind::Group) && row.depth < max_depth;
            }
        }
        if descend {
            stack.extend(children(file, &row.path, row.depth).into_iter().rev());
        }
        rows.push(row);
    }
    Ok(rows)
}
