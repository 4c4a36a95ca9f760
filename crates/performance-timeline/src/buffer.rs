//! A performance entry buffer with a per-name index.
//!
//! The buffer keeps insertion order (the spec's list). Beside it sits an
//! index from the hash of an entry's name to a chain of positions, so that
//! `getEntriesByName` visits only the entries that carry that name (plus
//! the rare hash collision, which is filtered out by comparing names).
//! The index costs 4 bytes per entry plus one map slot per distinct name,
//! and adding an entry never allocates except when a vector grows.

use std::cmp::Ordering;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use crate::entry::{EntryRef, PerformanceEntry};

/// Marks the end of a same-name chain.
const NONE: u32 = u32::MAX;

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Clone, Copy)]
struct Chain {
    head: u32,
    tail: u32,
}

/// The buffer of one entry type.
pub(crate) struct EntryBuffer {
    entries: Vec<EntryRef>,
    /// `next[i]`: the position of the next entry whose name hashes like entry `i`'s.
    next: Vec<u32>,
    by_name: HashMap<u64, Chain, BuildHasherDefault<PassThrough>>,
    hash_state: RandomState,
    /// Whether `entries` is in chronological order (so queries can skip the sort).
    chronological: bool,
}

impl std::fmt::Debug for EntryBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryBuffer")
            .field("len", &self.entries.len())
            .finish()
    }
}

/// The sort key of an entry: its start time with -0 folded into +0 and NaN last.
pub(crate) fn chronological_key(entry: &dyn PerformanceEntry) -> f64 {
    entry.start_time() + 0.0
}

fn compare_start_times(a: f64, b: f64) -> Ordering {
    a.total_cmp(&b)
}

/// Stable sort by startTime (ties keep their order); a no-op on sorted input.
pub(crate) fn sort_chronologically(entries: &mut [EntryRef]) {
    let sorted = entries.windows(2).all(|w| {
        compare_start_times(chronological_key(&*w[0]), chronological_key(&*w[1]))
            != Ordering::Greater
    });
    if !sorted {
        entries
            .sort_by(|a, b| compare_start_times(chronological_key(&**a), chronological_key(&**b)));
    }
}

impl EntryBuffer {
    pub(crate) fn new(hash_state: RandomState) -> Self {
        EntryBuffer {
            entries: Vec::new(),
            next: Vec::new(),
            by_name: HashMap::default(),
            hash_state,
            chronological: true,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn entries(&self) -> &[EntryRef] {
        &self.entries
    }

    fn name_hash(&self, name: &str) -> u64 {
        self.hash_state.hash_one(name)
    }

    /// Appends an entry at the end (the spec's "append").
    pub(crate) fn push(&mut self, entry: EntryRef) {
        let Ok(position) = u32::try_from(self.entries.len()) else {
            // Spec deviation: more than 4 294 967 294 buffered entries of one
            // type are not indexed; such a buffer cannot exist in memory anyway.
            return;
        };
        if position == NONE {
            return;
        }
        if let Some(last) = self.entries.last() {
            if compare_start_times(chronological_key(&**last), chronological_key(&*entry))
                == Ordering::Greater
            {
                self.chronological = false;
            }
        }
        let hash = self.name_hash(entry.name());
        self.next.push(NONE);
        match self.by_name.get_mut(&hash) {
            Some(chain) => {
                self.next[chain.tail as usize] = position;
                chain.tail = position;
            }
            None => {
                self.by_name.insert(
                    hash,
                    Chain {
                        head: position,
                        tail: position,
                    },
                );
            }
        }
        self.entries.push(entry);
    }

    /// Empties the buffer.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.next.clear();
        self.by_name.clear();
        self.chronological = true;
    }

    /// Keeps only the entries for which `keep` is true, in order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&EntryRef) -> bool) {
        let old = std::mem::take(&mut self.entries);
        self.clear();
        for entry in old {
            if keep(&entry) {
                self.push(entry);
            }
        }
    }

    /// Appends this buffer's entries that pass *filter buffer by name and
    /// type* to `out`, in buffer order (the caller sorts).
    pub(crate) fn filter_into(&self, name: Option<&str>, out: &mut Vec<EntryRef>) {
        match name {
            None => out.extend(self.entries.iter().cloned()),
            Some(name) => {
                let Some(chain) = self.by_name.get(&self.name_hash(name)) else {
                    return;
                };
                let mut at = chain.head;
                while at != NONE {
                    let entry = &self.entries[at as usize];
                    if entry.name() == name {
                        out.push(entry.clone());
                    }
                    at = self.next[at as usize];
                }
            }
        }
    }

    /// Whether the buffer is known to be in chronological order.
    pub(crate) fn is_chronological(&self) -> bool {
        self.chronological
    }

    /// Heap bytes held by the buffer and its index (not the entries themselves).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<EntryRef>()
            + self.next.capacity() * std::mem::size_of::<u32>()
            + self.by_name.capacity() * (std::mem::size_of::<(u64, Chain)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::BasicEntry;

    fn names(v: &[EntryRef]) -> Vec<String> {
        v.iter().map(|e| e.name().to_owned()).collect()
    }

    #[test]
    fn name_index_returns_only_matching_entries_in_order() {
        let mut b = EntryBuffer::new(RandomState::new());
        for (i, n) in ["a", "b", "a", "c", "a"].iter().enumerate() {
            b.push(BasicEntry::shared(*n, "mark", i as f64, 0.0));
        }
        let mut out = Vec::new();
        b.filter_into(Some("a"), &mut out);
        assert_eq!(
            out.iter().map(|e| e.start_time()).collect::<Vec<_>>(),
            vec![0.0, 2.0, 4.0]
        );
        out.clear();
        b.filter_into(Some("zzz"), &mut out);
        assert!(out.is_empty());
        b.retain(|e| e.start_time() != 2.0);
        out.clear();
        b.filter_into(Some("a"), &mut out);
        assert_eq!(
            out.iter().map(|e| e.start_time()).collect::<Vec<_>>(),
            vec![0.0, 4.0]
        );
        out.clear();
        b.filter_into(None, &mut out);
        assert_eq!(names(&out), vec!["a", "b", "c", "a"]);
    }

    #[test]
    fn chronological_sort_is_stable_and_folds_negative_zero() {
        let mut v: Vec<EntryRef> = vec![
            BasicEntry::shared("x", "mark", 1.0, 0.0),
            BasicEntry::shared("y", "mark", 0.0, 0.0),
            BasicEntry::shared("z", "mark", -0.0, 0.0),
            BasicEntry::shared("w", "mark", 1.0, 0.0),
        ];
        sort_chronologically(&mut v);
        assert_eq!(names(&v), vec!["y", "z", "x", "w"]);
    }
}
