//! A least-recently-used cache bounded in bytes.
//!
//! The loader keeps decoded data here (pyramids and sample windows), so browsing many
//! datasets never grows memory without bound. Values are cheap clones (`Arc`s): an entry
//! evicted while the UI still shows it lives on until the UI lets go. Pure: no I/O.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// A byte-bounded LRU map.
pub struct ByteLru<K, V> {
    limit: u64,
    bytes: u64,
    tick: u64,
    entries: HashMap<K, (V, u64, u64)>,
    /// Last use -> key, oldest first.
    order: BTreeMap<u64, K>,
}

impl<K: Clone + Eq + Hash, V: Clone> ByteLru<K, V> {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            bytes: 0,
            tick: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    /// Bytes held.
    #[cfg(test)]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Changes the bound, evicting at once if needed.
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
        self.evict();
    }

    /// The value for `key`, marking it as just used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        self.tick += 1;
        let (v, _, used) = self.entries.get_mut(key)?;
        self.order.remove(used);
        *used = self.tick;
        self.order.insert(self.tick, key.clone());
        Some(v.clone())
    }

    /// Inserts (or replaces) `key`, then evicts the least recently used entries until the
    /// cache fits its bound. A value larger than the whole bound is not kept.
    pub fn insert(&mut self, key: K, value: V, bytes: u64) {
        self.remove(&key);
        if bytes > self.limit {
            return;
        }
        self.tick += 1;
        self.bytes += bytes;
        self.order.insert(self.tick, key.clone());
        self.entries.insert(key, (value, bytes, self.tick));
        self.evict();
    }

    pub fn remove(&mut self, key: &K) {
        if let Some((_, bytes, used)) = self.entries.remove(key) {
            self.bytes -= bytes;
            self.order.remove(&used);
        }
    }

    /// Drops every entry whose key fails `keep`.
    pub fn retain(&mut self, keep: impl Fn(&K) -> bool) {
        let gone: Vec<K> = self.entries.keys().filter(|k| !keep(k)).cloned().collect();
        for k in gone {
            self.remove(&k);
        }
    }

    fn evict(&mut self) {
        while self.bytes > self.limit {
            let Some((_, key)) = self.order.pop_first() else {
                return;
            };
            if let Some((_, bytes, _)) = self.entries.remove(&key) {
                self.bytes -= bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_by_bytes() {
        let mut c = ByteLru::new(100);
        c.insert("a", 1, 40);
        c.insert("b", 2, 40);
        assert_eq!(c.get(&"a"), Some(1), "a is now the most recent");
        c.insert("c", 3, 40);
        assert_eq!(c.get(&"b"), None, "b was the least recently used");
        assert_eq!((c.get(&"a"), c.get(&"c")), (Some(1), Some(3)));
        assert_eq!(c.bytes(), 80);
        c.insert("huge", 4, 500);
        assert_eq!(c.get(&"huge"), None, "larger than the bound: not kept");
        assert_eq!(c.bytes(), 80, "and nothing else was pushed out for it");
        c.insert("a", 1, 10);
        c.insert("a", 5, 30);
        assert_eq!(
            (c.get(&"a"), c.bytes()),
            (Some(5), 70),
            "replaced, not doubled"
        );
        c.set_limit(20);
        assert_eq!(c.bytes(), 0);
        c.insert("x", 1, 5);
        c.insert("y", 1, 5);
        c.retain(|k| *k != "x");
        assert_eq!((c.get(&"x"), c.bytes()), (None, 5));
    }
}
