//! The search index: every path in a file, gathered one group page at a time.
//!
//! A job remembers which groups are still to list, so the loader can interleave it with the
//! user's requests. Each object is entered once (hard-link aliases and cycles are listed,
//! not walked again); soft and external links are listed, never followed. Must never hold
//! the whole walk in one call.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::PAGE;
use crate::model::{LinkType, ObjectId, ObjectKind, join_path};
use crate::reader::H5File;

/// Paths indexed per file at most, so a hostile file cannot exhaust memory.
pub const MAX_INDEXED: usize = 2_000_000;

/// One searchable path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub path: String,
    /// `None` for links that are not followed or do not resolve.
    pub kind: Option<ObjectKind>,
    pub link_type: LinkType,
}

/// An index walk in progress.
#[derive(Debug)]
pub struct IndexJob {
    /// Groups still to list, with the next link to fetch.
    queue: VecDeque<(String, u64)>,
    seen: HashSet<ObjectId>,
    count: usize,
}

impl IndexJob {
    pub fn new() -> Self {
        Self {
            queue: VecDeque::from([("/".to_owned(), 0)]),
            seen: HashSet::new(),
            count: 0,
        }
    }

    pub fn is_done(&self) -> bool {
        self.queue.is_empty() || self.count >= MAX_INDEXED
    }

    /// Lists one page of the next group and returns the paths found.
    pub fn step(&mut self, file: &H5File) -> Vec<IndexEntry> {
        let Some((group, start)) = self.queue.pop_front() else {
            return Vec::new();
        };
        if start == 0
            && let Ok((_, id)) = file.kind(&group)
        {
            self.seen.insert(id);
        }
        // A group that cannot be listed contributes nothing; its error shows in the tree.
        let Ok(page) = file.children(&group, start, PAGE) else {
            return Vec::new();
        };
        let next = start + page.children.len() as u64;
        if next < page.total && !page.children.is_empty() {
            self.queue.push_front((group.clone(), next));
        }
        let mut out = Vec::with_capacity(page.children.len());
        for child in page.children {
            let path = join_path(&group, &child.link.name);
            let kind = child.entry.as_ref().map(|e| e.kind);
            if child.link.link_type == LinkType::Hard
                && let Some(e) = &child.entry
                && e.kind == ObjectKind::Group
                && self.seen.insert(e.id)
            {
                self.queue.push_back((path.clone(), 0));
            }
            out.push(IndexEntry {
                path,
                kind,
                link_type: child.link.link_type,
            });
        }
        self.count += out.len();
        out
    }
}

impl Default for IndexJob {
    fn default() -> Self {
        Self::new()
    }
}
