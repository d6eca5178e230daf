//! The open files as the UI knows them: each file's listed groups, what is expanded, and the
//! flattened rows the tree view draws.
//!
//! Pure state, updated from loader responses; must never read a file or draw anything.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::loader::{FileId, FileStamp, IndexEntry};
use crate::model::{Child, LinkType, ObjectId, ObjectKind, join_path, parent_path};

/// Whether a file opened.
#[derive(Clone, Debug, PartialEq)]
pub enum FileState {
    Opening,
    Ready,
    Failed(String),
}

/// The links of one group received so far.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub children: Vec<Child>,
    /// The group's link count, once the first page arrived.
    pub total: Option<u64>,
    /// A page has been asked for and not answered.
    pub loading: bool,
    pub error: Option<String>,
}

impl Listing {
    pub fn has_more(&self) -> bool {
        self.total.is_some_and(|t| (self.children.len() as u64) < t)
    }
}

/// The search index of a file, as it arrives.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub entries: Vec<IndexEntry>,
    pub done: bool,
}

/// One open file.
#[derive(Debug)]
pub struct OpenFile {
    pub id: FileId,
    pub path: PathBuf,
    pub state: FileState,
    pub stamp: Option<FileStamp>,
    /// The file changed on disk since it was opened.
    pub changed: bool,
    /// ...and is no longer there (deleted, moved, or its directory unmounted).
    pub gone: bool,
    pub listings: HashMap<String, Listing>,
    pub expanded: HashSet<String>,
    /// The first path each object was seen under, to mark later links to it as aliases.
    pub first_seen: HashMap<ObjectId, String>,
    pub index: Option<Index>,
}

impl OpenFile {
    pub fn new(id: FileId, path: PathBuf) -> Self {
        Self {
            id,
            path,
            state: FileState::Opening,
            stamp: None,
            changed: false,
            gone: false,
            listings: HashMap::new(),
            expanded: HashSet::from(["/".to_owned()]),
            first_seen: HashMap::new(),
            index: None,
        }
    }

    /// The file name shown as the tree root.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// Records a page of `group`'s links.
    pub fn add_page(
        &mut self,
        group: &str,
        start: u64,
        result: Result<crate::model::ChildPage, String>,
    ) {
        let listing = self.listings.entry(group.to_owned()).or_default();
        listing.loading = false;
        match result {
            Ok(page) => {
                // A page for a position already filled is a duplicate answer; ignore it.
                if start != listing.children.len() as u64 {
                    return;
                }
                listing.total = Some(page.total);
                for child in &page.children {
                    if child.link.link_type == LinkType::Hard
                        && let Some(e) = &child.entry
                    {
                        self.first_seen
                            .entry(e.id)
                            .or_insert_with(|| join_path(group, &child.link.name));
                    }
                }
                listing.children.extend(page.children);
            }
            Err(e) => listing.error = Some(e),
        }
    }

    /// Groups that should be listed (expanded, not yet asked): the app sends their requests.
    pub fn wanted_listings(&mut self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        if self.state != FileState::Ready {
            return out;
        }
        for g in &self.expanded {
            let l = self.listings.entry(g.clone()).or_default();
            if !l.loading && l.total.is_none() && l.error.is_none() {
                l.loading = true;
                out.push((g.clone(), 0));
            }
        }
        out
    }

    /// Asks for the next page of `group` if there is one and none is in flight.
    pub fn want_more(&mut self, group: &str) -> Option<(String, u64)> {
        let l = self.listings.get_mut(group)?;
        if l.loading || !l.has_more() {
            return None;
        }
        l.loading = true;
        Some((group.to_owned(), l.children.len() as u64))
    }

    /// Expands every group above `path` (and `path` itself when `open_self`).
    pub fn reveal(&mut self, path: &str, open_self: bool) {
        let mut p = parent_path(path).to_owned();
        loop {
            self.expanded.insert(p.clone());
            if p == "/" {
                break;
            }
            p = parent_path(&p).to_owned();
        }
        if open_self {
            self.expanded.insert(path.to_owned());
        }
    }

    /// The child at `path` if its group has been listed.
    pub fn child(&self, path: &str) -> Option<&Child> {
        let name = path.rsplit('/').next()?;
        self.listings
            .get(parent_path(path))?
            .children
            .iter()
            .find(|c| c.link.name == name)
    }
}

/// What one row of the tree shows.
#[derive(Clone, Debug, PartialEq)]
pub enum RowKind {
    /// The file itself.
    Root,
    /// The `index`-th link of `group`; `cycle` when it leads back to an ancestor.
    Link {
        group: Arc<str>,
        index: usize,
        cycle: bool,
    },
    /// The group is being listed.
    Loading,
    /// More links of the group exist than are listed; drawing this row asks for them.
    More { group: Arc<str>, remaining: u64 },
    /// The group could not be listed.
    Error(String),
}

/// One row of the tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub file: FileId,
    pub depth: usize,
    pub kind: RowKind,
}

impl Row {
    /// The in-file path the row stands for (`/` for the file itself and status rows).
    pub fn path(&self, files: &[OpenFile]) -> String {
        match &self.kind {
            RowKind::Link { group, index, .. } => files
                .iter()
                .find(|f| f.id == self.file)
                .and_then(|f| f.listings.get(&**group))
                .and_then(|l| l.children.get(*index))
                .map_or_else(|| group.to_string(), |c| join_path(group, &c.link.name)),
            _ => "/".to_owned(),
        }
    }
}

/// Whether a child can be expanded as a group in the tree.
pub fn is_group(child: &Child) -> bool {
    child
        .entry
        .as_ref()
        .is_some_and(|e| e.kind == ObjectKind::Group)
}

/// The rows of every file's tree in display order.
pub fn flatten(files: &[OpenFile], root_ids: &HashMap<FileId, ObjectId>) -> Vec<Row> {
    let mut rows = Vec::new();
    for f in files {
        rows.push(Row {
            file: f.id,
            depth: 0,
            kind: RowKind::Root,
        });
        if f.state != FileState::Ready || !f.expanded.contains("/") {
            continue;
        }
        let ancestors: Vec<ObjectId> = root_ids.get(&f.id).copied().into_iter().collect();
        push_group(f, "/", 1, &ancestors, &mut rows);
    }
    rows
}

fn push_group(
    f: &OpenFile,
    group: &str,
    depth: usize,
    ancestors: &[ObjectId],
    rows: &mut Vec<Row>,
) {
    let row = |kind| Row {
        file: f.id,
        depth,
        kind,
    };
    let Some(listing) = f.listings.get(group) else {
        rows.push(row(RowKind::Loading));
        return;
    };
    if let Some(e) = &listing.error {
        rows.push(row(RowKind::Error(e.clone())));
        return;
    }
    if listing.total.is_none() {
        rows.push(row(RowKind::Loading));
        return;
    }
    let group_arc: Arc<str> = Arc::from(group);
    for (index, child) in listing.children.iter().enumerate() {
        let id = child.entry.as_ref().map(|e| e.id);
        let cycle = id.is_some_and(|id| ancestors.contains(&id));
        rows.push(row(RowKind::Link {
            group: group_arc.clone(),
            index,
            cycle,
        }));
        let path = join_path(group, &child.link.name);
        if !cycle && is_group(child) && f.expanded.contains(&path) {
            let mut inner = ancestors.to_vec();
            inner.extend(id);
            push_group(f, &path, depth + 1, &inner, rows);
        }
    }
    if let Some(total) = listing.total
        && listing.has_more()
    {
        rows.push(row(RowKind::More {
            group: group_arc,
            remaining: total - listing.children.len() as u64,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChildPage, Entry, Link};

    fn child(name: &str, kind: ObjectKind, token: u8) -> Child {
        Child {
            link: Link {
                name: name.to_owned(),
                link_type: LinkType::Hard,
                target: None,
                file: None,
                id: None,
            },
            entry: Some(Entry {
                kind,
                id: ObjectId {
                    fileno: 1,
                    token: [token; 16],
                },
                dtype: None,
                shape: None,
            }),
            error: None,
        }
    }

    #[test]
    fn flattening_follows_expansion_marks_cycles_and_pages() {
        let mut f = OpenFile::new(1, "/x.h5".into());
        f.state = FileState::Ready;
        f.add_page(
            "/",
            0,
            Ok(ChildPage {
                children: vec![
                    child("g", ObjectKind::Group, 2),
                    child("d", ObjectKind::Dataset, 3),
                ],
                total: 2,
            }),
        );
        f.add_page(
            "/g",
            0,
            Ok(ChildPage {
                children: vec![child("up", ObjectKind::Group, 0)],
                total: 5,
            }),
        );
        let roots = HashMap::from([(
            1,
            ObjectId {
                fileno: 1,
                token: [0; 16],
            },
        )]);
        let files = [f];
        let rows = flatten(&files, &roots);
        assert_eq!(rows.len(), 3, "root, g, d while g is collapsed");
        let mut f = files.into_iter().next().unwrap_or_else(|| unreachable!());
        f.expanded.insert("/g".into());
        let files = [f];
        let rows = flatten(&files, &roots);
        let paths: Vec<String> = rows.iter().map(|r| r.path(&files)).collect();
        assert_eq!(
            paths,
            ["/", "/g", "/g/up", "/", "/d"],
            "status rows stand for no object"
        );
        assert!(
            matches!(rows[2].kind, RowKind::Link { cycle: true, .. }),
            "link to the root"
        );
        assert!(matches!(rows[3].kind, RowKind::More { remaining: 4, .. }));
    }

    #[test]
    fn reveal_expands_every_ancestor() {
        let mut f = OpenFile::new(1, "/x.h5".into());
        f.reveal("/a/b/c", false);
        assert!(f.expanded.contains("/a") && f.expanded.contains("/a/b"));
        assert!(!f.expanded.contains("/a/b/c"));
    }
}
