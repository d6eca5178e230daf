//! The search index: every path in a file, gathered one group page at a time.
//!
//! A job remembers which groups are still to list; the loader asks a worker for one page at
//! a time between the user's requests and feeds the answer back. Each object is entered
//! once (hard-link aliases and cycles are listed, not walked again); soft and external links
//! are listed, never followed. Pure bookkeeping: must never do I/O itself.

use std::collections::{HashSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::model::{ChildPage, LinkType, ObjectId, ObjectKind, join_path};

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
    /// A walk from `/`, whose identity is `root`.
    pub fn new(root: ObjectId) -> Self {
        Self {
            queue: VecDeque::from([("/".to_owned(), 0)]),
            seen: HashSet::from([root]),
            count: 0,
        }
    }

    pub fn is_done(&self) -> bool {
        self.queue.is_empty() || self.count >= MAX_INDEXED
    }

    /// The page to list next: a group and the first link wanted.
    pub fn next_page(&self) -> Option<(String, u64)> {
        self.queue.front().cloned()
    }

    /// Takes the answer for [`Self::next_page`] and returns the paths found. A group that
    /// cannot be listed contributes nothing; its error shows in the tree.
    pub fn absorb(&mut self, page: Result<ChildPage, String>) -> Vec<IndexEntry> {
        let Some((group, start)) = self.queue.pop_front() else {
            return Vec::new();
        };
        let Ok(page) = page else {
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
