//! One table's storage: items ordered by partition then sort key, secondary indexes kept in step with
//! every write, and the stream records of a table with a stream enabled.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::{json, Value as Json};

use crate::error::{Error, Result};
use crate::value::{item_size, Item, KeyValue, Value};
use crate::wire::item_json;

pub const MAX_ITEM_SIZE: usize = 400 * 1024;
const MAX_PARTITION_KEY_SIZE: usize = 2048;
const MAX_SORT_KEY_SIZE: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub fn parse(text: &str) -> Option<ScalarType> {
        match text {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }

    fn matches(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (ScalarType::S, Value::S(_))
                | (ScalarType::N, Value::N(_))
                | (ScalarType::B, Value::B(_))
        )
    }
}

/// The key attributes of a table or an index, each part in key schema order. A table or a local
/// index has one partition attribute and at most one sort attribute; a global index may have up to
/// four of each (multi-attribute keys), its items ordered by the sort attributes compared one after
/// the other.
#[derive(Debug, Clone)]
pub struct KeySchema {
    pub partition: Vec<(String, ScalarType)>,
    pub sort: Vec<(String, ScalarType)>,
}

impl KeySchema {
    /// A table's key (and a local index's): one partition attribute, at most one sort attribute.
    pub fn simple(
        partition: (String, ScalarType),
        sort: Option<(String, ScalarType)>,
    ) -> KeySchema {
        KeySchema {
            partition: vec![partition],
            sort: sort.into_iter().collect(),
        }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.partition
            .iter()
            .chain(&self.sort)
            .map(|(n, _)| n.as_str())
    }

    /// The partition key attribute of a table or a local index (they have exactly one).
    pub fn partition_key(&self) -> &(String, ScalarType) {
        &self.partition[0]
    }

    /// The sort key attribute of a table or a local index, if it has one.
    pub fn sort_key(&self) -> Option<&(String, ScalarType)> {
        self.sort.first()
    }

    /// HASH elements, then RANGE elements, in key schema order (DescribeTable's shape).
    pub fn to_json(&self) -> Json {
        let element = |kind: &'static str| move |(name, _): &(String, ScalarType)| json!({"AttributeName": name, "KeyType": kind});
        Json::Array(
            self.partition
                .iter()
                .map(element("HASH"))
                .chain(self.sort.iter().map(element("RANGE")))
                .collect(),
        )
    }
}

/// A primary key: the partition key value and, for tables with a sort key, the sort key value.
pub type PrimaryKey = (KeyValue, Option<KeyValue>);

/// What `Table::check` found out about an item that can be stored: its key and its size.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub key: PrimaryKey,
    pub size: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProjectionKind {
    All,
    KeysOnly,
    Include(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub global: bool,
    pub schema: KeySchema,
    pub projection: ProjectionKind,
    pub provisioned: Option<(i64, i64)>,
    /// index partition → (index sort, table partition, table sort) → ().
    entries: BTreeMap<Composite, BTreeMap<IndexPosition, ()>>,
}

/// The values of an index key part (its partition, or its sort key), in key schema order: one
/// value for a single-attribute key, none for an index without a sort key. Compared value by value,
/// which is how DynamoDB orders a multi-attribute sort key.
pub type Composite = Vec<KeyValue>;

/// Where an item sits in an index partition: its index sort values, then its table key (which
/// orders items with equal index sort values).
pub type IndexPosition = (Composite, KeyValue, Option<KeyValue>);

/// An item's place in an index: the index partition, and the position in it.
pub type IndexEntry = (Composite, IndexPosition);

#[derive(Debug, Clone)]
pub struct StreamSpec {
    pub view_type: String,
    pub label: String,
}

#[derive(Debug)]
pub struct Table {
    pub name: String,
    pub arn: String,
    pub created: f64,
    pub schema: KeySchema,
    pub attribute_definitions: Vec<(String, ScalarType)>,
    pub billing_mode: String,
    pub provisioned: Option<(i64, i64)>,
    pub indexes: Vec<Index>,
    pub ttl_attribute: Option<String>,
    pub stream: Option<StreamSpec>,
    pub stream_records: Vec<Json>,
    pub deletion_protection: bool,
    pub tags: Vec<(String, String)>,
    items: BTreeMap<KeyValue, BTreeMap<Option<KeyValue>, Item>>,
    item_count: usize,
    size_bytes: usize,
    /// The sequence number of the table's last stream record.
    pub sequence: u64,
}

fn key_part(
    item: &Item,
    (name, ty): &(String, ScalarType),
    what: &str,
    limit: usize,
) -> Result<KeyValue> {
    let Some(value) = item.get(name) else {
        return Err(Error::validation(format!(
            "One or more parameter values were invalid: Missing the key {name} in the item"
        )));
    };
    if !ty.matches(value) {
        return Err(Error::validation(format!(
            "One or more parameter values were invalid: Type mismatch for key {name} expected: {} actual: {}",
            ty.name(),
            value.type_name()
        )));
    }
    let key = KeyValue::from_value(value).ok_or_else(|| Error::validation("invalid key"))?;
    check_key_value(name, &key, what, limit)?;
    Ok(key)
}

fn check_key_value(name: &str, key: &KeyValue, what: &str, limit: usize) -> Result<()> {
    if key.is_empty() {
        return Err(Error::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
            if matches!(key, KeyValue::S(_)) { "string" } else { "binary" }
        )));
    }
    if key.size() > limit {
        return Err(Error::validation(format!(
            "One or more parameter values were invalid: Size of {what} has exceeded the maximum allowed size of {limit} bytes"
        )));
    }
    Ok(())
}

impl Index {
    pub fn new(name: String, global: bool, schema: KeySchema, projection: ProjectionKind) -> Index {
        Index {
            name,
            global,
            schema,
            projection,
            provisioned: None,
            entries: BTreeMap::new(),
        }
    }

    /// The index key of an item, or None when the item lacks one of the index key attributes (a
    /// sparse index). A key attribute present with the wrong type, or empty, refuses the write.
    fn position(&self, item: &Item, key: &PrimaryKey) -> Result<Option<IndexEntry>> {
        let mut complete = true;
        let mut values = |parts: &[(String, ScalarType)]| -> Result<Composite> {
            let mut out = Vec::with_capacity(parts.len());
            for (name, ty) in parts {
                match item.get(name) {
                    None => complete = false,
                    Some(v) if ty.matches(v) => {
                        let Some(v) = KeyValue::from_value(v) else {
                            continue;
                        };
                        if v.is_empty() {
                            return Err(Error::validation(format!(
                                "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {} value. IndexName: {}, IndexKey: {name}",
                                if matches!(v, KeyValue::S(_)) { "string" } else { "binary" },
                                self.name
                            )));
                        }
                        out.push(v);
                    }
                    Some(v) => {
                        return Err(Error::validation(format!(
                            "One or more parameter values were invalid: Type mismatch for Index Key {name} Expected: {} Actual: {} IndexName: {}",
                            ty.name(),
                            v.type_name(),
                            self.name
                        )))
                    }
                }
            }
            Ok(out)
        };
        let partition = values(&self.schema.partition)?;
        let sort = values(&self.schema.sort)?;
        Ok(complete.then(|| (partition, (sort, key.0.clone(), key.1.clone()))))
    }

    fn insert(&mut self, at: IndexEntry) {
        self.entries.entry(at.0).or_default().insert(at.1, ());
    }

    fn remove(&mut self, at: &IndexEntry) {
        if let Some(partition) = self.entries.get_mut(&at.0) {
            partition.remove(&at.1);
            if partition.is_empty() {
                self.entries.remove(&at.0);
            }
        }
    }

    pub fn item_count(&self) -> usize {
        self.entries.values().map(BTreeMap::len).sum()
    }

    /// Positions in one index partition, in order, after `start` when resuming.
    pub fn partition(
        &self,
        partition: &[KeyValue],
        start: Option<&IndexPosition>,
        forward: bool,
    ) -> Box<dyn Iterator<Item = &IndexPosition> + '_> {
        let Some(entries) = self.entries.get(partition) else {
            return Box::new(std::iter::empty());
        };
        let range = match (start, forward) {
            (Some(s), true) => entries.range((Bound::Excluded(s.clone()), Bound::Unbounded)),
            (Some(s), false) => entries.range((Bound::Unbounded, Bound::Excluded(s.clone()))),
            (None, _) => entries.range::<IndexPosition, _>(..),
        };
        if forward {
            Box::new(range.map(|(k, _)| k))
        } else {
            Box::new(range.rev().map(|(k, _)| k))
        }
    }

    /// Every entry, in storage order, after `start` (for scans of an index).
    pub fn all(
        &self,
        start: Option<&IndexEntry>,
    ) -> impl Iterator<Item = (&Composite, &IndexPosition)> + '_ {
        let start = start.cloned();
        let start_partition = start.as_ref().map(|s| s.0.clone());
        self.entries
            .range((
                start_partition.map_or(Bound::Unbounded, Bound::Included),
                Bound::Unbounded,
            ))
            .flat_map(move |(p, entries)| {
                let skip_to = start.as_ref().filter(|s| &s.0 == p).map(|s| s.1.clone());
                entries
                    .range((
                        skip_to.map_or(Bound::Unbounded, Bound::Excluded),
                        Bound::Unbounded,
                    ))
                    .map(move |(pos, _)| (p, pos))
            })
    }

    /// The attributes an index holds of an item: all, the keys, or the keys plus named attributes.
    pub fn project(&self, item: &Item, table_schema: &KeySchema) -> Item {
        match &self.projection {
            ProjectionKind::All => item.clone(),
            kind => {
                let mut out = Item::new();
                let keep = |name: &str| {
                    table_schema.names().any(|n| n == name)
                        || self.schema.names().any(|n| n == name)
                        || matches!(kind, ProjectionKind::Include(names) if names.iter().any(|n| n == name))
                };
                for (k, v) in item {
                    if keep(k) {
                        out.insert(k.clone(), v.clone());
                    }
                }
                out
            }
        }
    }
}

impl Table {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        arn: String,
        created: f64,
        schema: KeySchema,
        attribute_definitions: Vec<(String, ScalarType)>,
        billing_mode: String,
        provisioned: Option<(i64, i64)>,
        indexes: Vec<Index>,
    ) -> Table {
        Table {
            name,
            arn,
            created,
            schema,
            attribute_definitions,
            billing_mode,
            provisioned,
            indexes,
            ttl_attribute: None,
            stream: None,
            stream_records: Vec::new(),
            deletion_protection: false,
            tags: Vec::new(),
            items: BTreeMap::new(),
            item_count: 0,
            size_bytes: 0,
            sequence: 0,
        }
    }

    pub fn item_count(&self) -> usize {
        self.item_count
    }

    pub fn size_bytes(&self) -> usize {
        self.size_bytes
    }

    /// The primary key of a full item, with DynamoDB's checks on presence, type, emptiness and size.
    pub fn key_of(&self, item: &Item) -> Result<PrimaryKey> {
        let partition = key_part(
            item,
            self.schema.partition_key(),
            "hashKey",
            MAX_PARTITION_KEY_SIZE,
        )?;
        let sort = match self.schema.sort_key() {
            Some(part) => Some(key_part(item, part, "rangeKey", MAX_SORT_KEY_SIZE)?),
            None => None,
        };
        Ok((partition, sort))
    }

    /// The primary key given as a `Key` parameter: exactly the key attributes, nothing else.
    pub fn key_from_request(&self, key: &Item) -> Result<PrimaryKey> {
        let parts = || self.schema.partition.iter().chain(&self.schema.sort);
        let schema_ok = key.len() == parts().count()
            && parts().all(|(n, ty)| key.get(n).is_some_and(|v| ty.matches(v)));
        if !schema_ok {
            return Err(Error::validation(
                "The provided key element does not match the schema",
            ));
        }
        self.key_of(key)
    }

    pub fn key_item(&self, key: &PrimaryKey) -> Item {
        let mut out = Item::new();
        out.insert(self.schema.partition_key().0.clone(), key.0.to_value());
        if let (Some((name, _)), Some(v)) = (self.schema.sort_key(), &key.1) {
            out.insert(name.clone(), v.to_value());
        }
        out
    }

    pub fn get(&self, key: &PrimaryKey) -> Option<&Item> {
        self.get_parts(&key.0, &key.1)
    }

    /// The item with this partition and sort key (as an index entry holds them, without a copy).
    pub fn get_parts(&self, partition: &KeyValue, sort: &Option<KeyValue>) -> Option<&Item> {
        self.items.get(partition).and_then(|p| p.get(sort))
    }

    pub fn index(&self, name: &str) -> Result<&Index> {
        self.indexes.iter().find(|i| i.name == name).ok_or_else(|| {
            Error::validation(format!(
                "The table does not have the specified index: {name}"
            ))
        })
    }

    /// Checks an item can be stored (size, key, index key types) without storing it.
    pub fn validate(&self, item: &Item) -> Result<PrimaryKey> {
        self.check(item).map(|c| c.key)
    }

    /// `validate`, keeping what it found out for `store`.
    pub fn check(&self, item: &Item) -> Result<Checked> {
        let size = item_size(item);
        if size > MAX_ITEM_SIZE {
            return Err(Error::validation(
                "Item size has exceeded the maximum allowed size",
            ));
        }
        let key = self.key_of(item)?;
        for index in &self.indexes {
            index.position(item, &key)?;
        }
        Ok(Checked { key, size })
    }

    /// Stores an item, replacing any item with the same key; returns the old item.
    pub fn put(&mut self, item: Item, now: f64) -> Result<Option<Item>> {
        let checked = self.check(&item)?;
        Ok(self.store(checked, item, now))
    }

    /// Stores an item that `check` accepted; returns the old item.
    pub fn store(&mut self, checked: Checked, item: Item, now: f64) -> Option<Item> {
        let Checked { key, size } = checked;
        if self.indexes.is_empty() && self.stream.is_none() {
            // Nothing else to keep in step: one lookup.
            let old = self.items.entry(key.0).or_default().insert(key.1, item);
            self.size_bytes += size;
            self.item_count += 1;
            if let Some(old) = &old {
                self.size_bytes -= item_size(old);
                self.item_count -= 1;
            }
            return old;
        }
        let old = self.remove_entry(&key);
        for index in &mut self.indexes {
            // Checked: the position is known to be computable.
            if let Ok(Some(at)) = index.position(&item, &key) {
                index.insert(at);
            }
        }
        self.size_bytes += size;
        self.item_count += 1;
        self.record(
            if old.is_some() { "MODIFY" } else { "INSERT" },
            &key,
            old.as_ref(),
            Some(&item),
            now,
            false,
        );
        self.items.entry(key.0).or_default().insert(key.1, item);
        old
    }

    pub fn delete(&mut self, key: &PrimaryKey, now: f64, by_ttl: bool) -> Option<Item> {
        let old = self.remove_entry(key)?;
        self.record("REMOVE", key, Some(&old), None, now, by_ttl);
        Some(old)
    }

    fn remove_entry(&mut self, key: &PrimaryKey) -> Option<Item> {
        let partition = self.items.get_mut(&key.0)?;
        let old = partition.remove(&key.1)?;
        if partition.is_empty() {
            self.items.remove(&key.0);
        }
        for index in &mut self.indexes {
            if let Ok(Some(at)) = index.position(&old, key) {
                index.remove(&at);
            }
        }
        self.size_bytes -= item_size(&old);
        self.item_count -= 1;
        Some(old)
    }

    /// Items of one partition in sort-key order, after `start` when resuming.
    pub fn partition(
        &self,
        partition: &KeyValue,
        start: Option<&Option<KeyValue>>,
        forward: bool,
    ) -> Box<dyn Iterator<Item = (&Option<KeyValue>, &Item)> + '_> {
        let Some(items) = self.items.get(partition) else {
            return Box::new(std::iter::empty());
        };
        let range = match (start, forward) {
            (Some(s), true) => items.range((Bound::Excluded(s.clone()), Bound::Unbounded)),
            (Some(s), false) => items.range((Bound::Unbounded, Bound::Excluded(s.clone()))),
            (None, _) => items.range::<Option<KeyValue>, _>(..),
        };
        if forward {
            Box::new(range)
        } else {
            Box::new(range.rev())
        }
    }

    /// Every item in storage order, after `start` when resuming.
    pub fn all(
        &self,
        start: Option<&PrimaryKey>,
    ) -> impl Iterator<Item = (PrimaryKeyRef<'_>, &Item)> + '_ {
        let start = start.cloned();
        let start_partition = start.as_ref().map(|s| s.0.clone());
        self.items
            .range((
                start_partition.map_or(Bound::Unbounded, Bound::Included),
                Bound::Unbounded,
            ))
            .flat_map(move |(p, items)| {
                let skip_to = start.as_ref().filter(|s| &s.0 == p).map(|s| s.1.clone());
                items
                    .range((
                        skip_to.map_or(Bound::Unbounded, Bound::Excluded),
                        Bound::Unbounded,
                    ))
                    .map(move |(s, item)| ((p, s), item))
            })
    }

    /// Deletes items whose TTL attribute (epoch seconds) is in the past, as DynamoDB's sweeper does.
    pub fn expire(&mut self, now: f64) -> usize {
        let Some(attr) = self.ttl_attribute.clone() else {
            return 0;
        };
        let expired: Vec<PrimaryKey> = self
            .items
            .iter()
            .flat_map(|(p, items)| items.iter().map(move |(s, item)| ((p, s), item)))
            .filter(|(_, item)| match item.get(&attr) {
                Some(Value::N(n)) => n.to_string().parse::<f64>().is_ok_and(|t| t < now),
                _ => false,
            })
            .map(|((p, s), _)| (p.clone(), s.clone()))
            .collect();
        for key in &expired {
            self.delete(key, now, true);
        }
        expired.len()
    }

    /// Appends a stream record in the shape Lambda receives (`Records[i]`), when a stream is on.
    fn record(
        &mut self,
        event: &str,
        key: &PrimaryKey,
        old: Option<&Item>,
        new: Option<&Item>,
        now: f64,
        by_ttl: bool,
    ) {
        let Some(stream) = &self.stream else {
            return;
        };
        self.sequence += 1;
        let view = stream.view_type.as_str();
        let mut body = serde_json::Map::new();
        body.insert("ApproximateCreationDateTime".into(), json!(now.floor()));
        body.insert("Keys".into(), item_json(&self.key_item(key)));
        if matches!(view, "NEW_IMAGE" | "NEW_AND_OLD_IMAGES") {
            if let Some(new) = new {
                body.insert("NewImage".into(), item_json(new));
            }
        }
        if matches!(view, "OLD_IMAGE" | "NEW_AND_OLD_IMAGES") {
            if let Some(old) = old {
                body.insert("OldImage".into(), item_json(old));
            }
        }
        body.insert(
            "SequenceNumber".into(),
            json!(format!("{:021}", self.sequence)),
        );
        let size = new.or(old).map_or(0, item_size);
        body.insert("SizeBytes".into(), json!(size));
        body.insert("StreamViewType".into(), json!(view));
        let region = self.arn.split(':').nth(3).unwrap_or("us-east-1").to_owned();
        let mut record = json!({
            "eventID": format!("{:032x}", self.sequence),
            "eventName": event,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": Json::Object(body),
            "eventSourceARN": format!("{}/stream/{}", self.arn, stream.label),
        });
        if by_ttl {
            record["userIdentity"] =
                json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
        }
        self.stream_records.push(record);
    }
}

/// A borrowed primary key, as the storage iterators yield it.
pub type PrimaryKeyRef<'a> = (&'a KeyValue, &'a Option<KeyValue>);

impl Table {
    /// Adds a secondary index and fills it from the items already stored (the backfill).
    pub fn add_index(&mut self, mut index: Index) -> Result<()> {
        for (p, items) in &self.items {
            for (s, item) in items {
                if let Some(at) = index.position(item, &(p.clone(), s.clone()))? {
                    index.insert(at);
                }
            }
        }
        self.indexes.push(index);
        Ok(())
    }

    pub fn remove_index(&mut self, name: &str) -> bool {
        let before = self.indexes.len();
        self.indexes.retain(|i| !(i.global && i.name == name));
        self.indexes.len() != before
    }
}
