//! A performance entry buffer with a per-name index.
//!
//! The buffer keeps insertion order (the spec's list). Beside it sits an
//! index from the hash of an entry's name to a chain of positions, so that
//! `getEntriesByName` visits only the entries that carry that name (plus
//! the rare hash collision, which is filtered out by comparing names).
//! The index costs 4 bytes per entry plus one map slot per distinct name.
//!
//! Adding an entry hashes its name (the entry is hot then) and appends the
//! hash to a pending list; the map is brought up to date by the next by-name
//! query. Adding thus never touches the map, whose slots sit at random
//! places in memory (a cache miss each once the buffer is large), and each
//! entry is linked into the index exactly once in its life. Adding never
//! allocates except when a vector grows.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::hash_map::{Entry, RandomState};
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

/// The per-name index of a buffer.
#[derive(Default)]
struct NameIndex {
    /// `next[i]`: the position of the next entry whose name hashes like entry `i`'s.
    next: Vec<u32>,
    by_name: HashMap<u64, Chain, BuildHasherDefault<PassThrough>>,
    /// The name hashes of the entries not linked yet: positions
    /// `next.len()..` of the buffer, in order.
    pending: Vec<u64>,
}

impl NameIndex {
    /// Links every pending entry into its chain.
    fn catch_up(&mut self) {
        for hash in self.pending.drain(..) {
            // Positions fit in u32: `EntryBuffer::push` refuses the rest.
            let position = self.next.len() as u32;
            self.next.push(NONE);
            match self.by_name.entry(hash) {
                Entry::Occupied(mut chain) => {
                    let chain = chain.get_mut();
                    self.next[chain.tail as usize] = position;
                    chain.tail = position;
                }
                Entry::Vacant(slot) => {
                    slot.insert(Chain {
                        head: position,
                        tail: position,
                    });
                }
            }
        }
        // A burst of adds leaves a large pending list: give that memory back.
        self.pending.shrink_to(1024);
    }

    fn clear(&mut self) {
        self.next.clear();
        self.by_name.clear();
        self.pending.clear();
    }
}

/// The buffer of one entry type.
pub(crate) struct EntryBuffer {
    entries: Vec<EntryRef>,
    /// Brought up to date by queries, which only borrow the buffer.
    index: RefCell<NameIndex>,
    name_hash_seed: u64,
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

/// A per-global random seed for [`name_hash`].
pub(crate) fn random_seed() -> u64 {
    RandomState::new().hash_one(0x5eed_u64)
}

/// A fast keyed hash of an entry name (8 bytes per step, multiply-rotate
/// mixing, a final avalanche). Collisions only make a by-name lookup
/// compare more names: correctness never depends on the hash.
pub(crate) fn name_hash(seed: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    // Final avalanche (splitmix64).
    h ^= h >> 30;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^ (h >> 31)
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
    pub(crate) fn new(name_hash_seed: u64) -> Self {
        EntryBuffer {
            entries: Vec::new(),
            index: RefCell::new(NameIndex::default()),
            name_hash_seed,
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
        name_hash(self.name_hash_seed, name.as_bytes())
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
        self.index.get_mut().pending.push(hash);
        self.entries.push(entry);
    }

    /// Empties the buffer.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.index.get_mut().clear();
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
    #[cfg(test)]
    pub(crate) fn filter_into(&self, name: Option<&str>, out: &mut Vec<EntryRef>) {
        self.filter_into_hashed(name.map(|n| (n, self.name_hash(n))), out)
    }

    /// [`EntryBuffer::filter_into`] with the name's hash already computed
    /// (buffers of one global share the seed).
    pub(crate) fn filter_into_hashed(&self, name: Option<(&str, u64)>, out: &mut Vec<EntryRef>) {
        match name {
            None => out.extend(self.entries.iter().cloned()),
            Some((name, hash)) => {
                let Ok(mut index) = self.index.try_borrow_mut() else {
                    // Only reachable if an entry's `name()` queried this
                    // buffer again: answer by a scan instead of the index.
                    out.extend(self.entries.iter().filter(|e| e.name() == name).cloned());
                    return;
                };
                index.catch_up();
                let Some(chain) = index.by_name.get(&hash) else {
                    return;
                };
                let mut at = chain.head;
                while at != NONE {
                    let entry = &self.entries[at as usize];
                    if entry.name() == name {
                        out.push(entry.clone());
                    }
                    at = index.next[at as usize];
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
        let index_bytes = self.index.try_borrow().map_or(0, |index| {
            index.next.capacity() * std::mem::size_of::<u32>()
                + index.pending.capacity() * std::mem::size_of::<u64>()
                + index.by_name.capacity() * (std::mem::size_of::<(u64, Chain)>() + 1)
        });
        self.entries.capacity() * std::mem::size_of::<EntryRef>() + index_bytes
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
        let mut b = EntryBuffer::new(random_seed());
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
    fn entries_added_after_a_query_are_found_by_the_next_one() {
        let mut b = EntryBuffer::new(random_seed());
        let mut out = Vec::new();
        for round in 0..3 {
            for i in 0..1500 {
                let name = if i % 500 == 0 { "hot" } else { "cold" };
                b.push(BasicEntry::shared(
                    name,
                    "mark",
                    f64::from(round * 1500 + i),
                    0.0,
                ));
            }
            out.clear();
            b.filter_into(Some("hot"), &mut out);
            let expected: Vec<f64> = (0..=round)
                .flat_map(|r| [0, 500, 1000].map(|i| f64::from(r * 1500 + i)))
                .collect();
            assert_eq!(
                out.iter().map(|e| e.start_time()).collect::<Vec<_>>(),
                expected
            );
        }
        // The pending list was emptied and its memory given back.
        let pending = b.index.borrow().pending.capacity();
        assert!(pending <= 1024, "pending capacity {pending}");
        b.clear();
        out.clear();
        b.filter_into(Some("hot"), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn colliding_hashes_still_match_by_name() {
        // Repeated names share one chain; lookups stay exact.
        let mut b = EntryBuffer::new(0);
        for i in 0..200 {
            b.push(BasicEntry::shared(
                format!("n{}", i % 7),
                "mark",
                i as f64,
                0.0,
            ));
        }
        for k in 0..7 {
            let mut out = Vec::new();
            b.filter_into(Some(&format!("n{k}")), &mut out);
            assert!(out.iter().all(|e| e.name() == format!("n{k}")));
            assert_eq!(out.len(), (0..200).filter(|i| i % 7 == k).count());
        }
        assert_ne!(name_hash(1, b"abc"), name_hash(2, b"abc"));
        assert_ne!(name_hash(1, b"abc"), name_hash(1, b"abd"));
        assert_ne!(name_hash(1, b""), name_hash(1, b"\0"));
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
