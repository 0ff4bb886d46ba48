//! A bounded map that forgets the least recently used entry first: the engines' memory of tool
//! encodings across tool sets (`needle serve` switches sets per request).

use std::collections::HashMap;
use std::hash::Hash;

pub struct Memo<K, V> {
    entries: HashMap<K, (V, u64)>,
    clock: u64,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> Memo<K, V> {
    pub fn new(capacity: usize) -> Self {
        Memo { entries: HashMap::new(), clock: 0, capacity }
    }

    /// The value for `key`, marked as just used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(v, used)| {
            *used = clock;
            v.clone()
        })
    }

    /// Keeps `value` under `key`, forgetting the least recently used entry when full.
    pub fn put(&mut self, key: K, value: V) {
        self.clock += 1;
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            if let Some(oldest) = self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone()) {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (value, self.clock));
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let mut m = Memo::new(2);
        m.put("a", 1);
        m.put("b", 2);
        assert_eq!(m.get(&"a"), Some(1));
        m.put("c", 3);
        assert_eq!((m.get(&"a"), m.get(&"b"), m.get(&"c")), (Some(1), None, Some(3)));
    }
}
