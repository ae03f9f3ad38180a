//! An attribute map (an item, a key, an `M` value): its attributes sorted by name in one vector.
//!
//! Items are mostly small (a handful of attributes), built once and read many times, and the
//! engine keeps every stored one. A `BTreeMap` allocates a node for eleven entries whatever the
//! count, about 800 bytes for a three-attribute item, more than a 1 KB item's own text; here a
//! three-attribute item takes 216. Lookups are binary searches; iteration is in name order (the
//! order DynamoDB's answers and the engine's canonical forms use), as a `BTreeMap`'s was.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Index;

use crate::value::Value;

#[derive(Clone, Default, PartialEq)]
pub struct Item {
    /// Sorted by name, names unique.
    entries: Vec<(String, Value)>,
}

type Entry = (String, Value);

fn pair(entry: &Entry) -> (&String, &Value) {
    (&entry.0, &entry.1)
}

fn pair_mut(entry: &mut Entry) -> (&String, &mut Value) {
    (&entry.0, &mut entry.1)
}

pub type Iter<'a> =
    std::iter::Map<std::slice::Iter<'a, Entry>, fn(&'a Entry) -> (&'a String, &'a Value)>;
pub type IterMut<'a> = std::iter::Map<
    std::slice::IterMut<'a, Entry>,
    fn(&'a mut Entry) -> (&'a String, &'a mut Value),
>;

impl Item {
    pub fn new() -> Item {
        Item {
            entries: Vec::new(),
        }
    }

    pub fn with_capacity(capacity: usize) -> Item {
        Item {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// An item from attributes in any order; of attributes sharing a name the last one counts, as
    /// in a JSON object read by DynamoDB.
    pub fn from_entries(mut entries: Vec<(String, Value)>) -> Item {
        if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
            // Stable: equal names keep their order, so the last one can be kept.
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut kept: Vec<(String, Value)> = Vec::with_capacity(entries.len());
            for entry in entries {
                match kept.last_mut() {
                    Some(last) if last.0 == entry.0 => *last = entry,
                    _ => kept.push(entry),
                }
            }
            entries = kept;
        }
        // Items are kept: no parsing slack in what is stored.
        entries.shrink_to_fit();
        Item { entries }
    }

    fn find<Q>(&self, name: &Q) -> Result<usize, usize>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(name))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get<Q>(&self, name: &Q) -> Option<&Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(name).ok().map(|i| &self.entries[i].1)
    }

    pub fn get_mut<Q>(&mut self, name: &Q) -> Option<&mut Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(name).ok().map(|i| &mut self.entries[i].1)
    }

    pub fn contains_key<Q>(&self, name: &Q) -> bool
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(name).is_ok()
    }

    /// Sets an attribute; returns the value it replaced.
    pub fn insert(&mut self, name: String, value: Value) -> Option<Value> {
        match self.find(name.as_str()) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (name, value));
                None
            }
        }
    }

    pub fn remove<Q>(&mut self, name: &Q) -> Option<Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(name).ok().map(|i| self.entries.remove(i).1)
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn iter(&self) -> Iter<'_> {
        self.entries.iter().map(pair)
    }

    pub fn iter_mut(&mut self) -> IterMut<'_> {
        self.entries.iter_mut().map(pair_mut)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Gives back spare capacity (an item kept in a table should not carry its parsing's slack).
    pub fn shrink_to_fit(&mut self) {
        self.entries.shrink_to_fit();
    }
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<Q> Index<&Q> for Item
where
    String: Borrow<Q>,
    Q: Ord + ?Sized,
{
    type Output = Value;

    /// The attribute called `name`; panics when there is none (tests, and names known present).
    fn index(&self, name: &Q) -> &Value {
        match self.get(name) {
            Some(v) => v,
            None => panic!("no such attribute in the item"),
        }
    }
}

impl FromIterator<(String, Value)> for Item {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Item {
        Item::from_entries(iter.into_iter().collect())
    }
}

impl Extend<(String, Value)> for Item {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Item {
    fn from(entries: [(String, Value); N]) -> Item {
        Item::from_entries(entries.into())
    }
}

impl IntoIterator for Item {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Item {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Item {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::S(text.to_owned())
    }

    #[test]
    fn behaves_as_a_sorted_map() {
        let mut item = Item::from_entries(vec![
            ("b".into(), s("1")),
            ("a".into(), s("2")),
            ("b".into(), s("3")),
            ("é".into(), s("4")),
            ("Z".into(), s("5")),
        ]);
        // Byte order of the names; of two `b`s the last one.
        assert_eq!(
            item.iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect::<Vec<_>>(),
            ["Z=S(\"5\")", "a=S(\"2\")", "b=S(\"3\")", "é=S(\"4\")"]
        );
        assert_eq!(item.insert("c".into(), s("6")), None);
        assert_eq!(item.insert("a".into(), s("7")), Some(s("2")));
        assert_eq!(item.get("a"), Some(&s("7")));
        assert_eq!(item.remove("Z"), Some(s("5")));
        assert_eq!(item.remove("Z"), None);
        assert!(item.contains_key("é") && !item.contains_key("e"));
        assert_eq!(item.keys().collect::<Vec<_>>(), ["a", "b", "c", "é"]);
        item.retain(|k, _| k != "b");
        assert_eq!(item.len(), 3);
        let rebuilt: Item = item.clone().into_iter().rev().collect();
        assert_eq!(rebuilt, item);
        assert_eq!(item["c"], s("6"));
    }
}
