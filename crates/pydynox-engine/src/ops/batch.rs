//! BatchGetItem and BatchWriteItem: validated as a whole before anything is applied.

use std::borrow::Cow;

use serde_json::{json, Value as Json};

use crate::engine::State;
use crate::error::{Error, Result};
use crate::hash::Fnv;
use crate::ops::items::{
    capacity_json, capacity_mode, context, projection, read_units, write_units,
};
use crate::ops::Answer;
use crate::request::{missing, Entries, Request};
use crate::table::{Checked, PrimaryKey};
use crate::value::{item_size, Item};
use crate::wire::{estimated_len, Out};

const MAX_GET_KEYS: usize = 100;
const MAX_WRITES: usize = 25;

fn duplicates() -> Error {
    Error::validation("Provided list of item keys contains duplicates")
}

/// RequestItems: table name → that table's part of the batch, in request order.
fn request_items<'a>(req: &Request<'a>) -> Result<Entries<'a>> {
    let items = req
        .entries("RequestItems")?
        .ok_or_else(|| missing("RequestItems"))?;
    if items.is_empty() {
        return Err(Error::validation(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    Ok(items)
}

pub fn batch_get_item(state: &State, req: &Request) -> Result<Answer> {
    let mode = capacity_mode(req)?;
    let mut capacities = Vec::new();
    let mut total = 0;
    let mut plans = Vec::new();
    for (name, spec) in request_items(req)? {
        let table = state.table(name)?;
        let spec = Request::of(spec)?;
        let keys = spec.list("Keys")?.ok_or_else(|| missing("Keys"))?;
        if keys.is_empty() {
            return Err(Error::validation(
                "1 validation error detected: Value at 'requestItems.keys' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        total += keys.len();
        if total > MAX_GET_KEYS {
            return Err(Error::validation(
                "Too many items requested for the BatchGetItem call",
            ));
        }
        let mut parsed: Vec<PrimaryKey> = Vec::with_capacity(keys.len());
        for key in keys {
            let key = table.key_from_request(&key.item()?)?;
            if parsed.contains(&key) {
                return Err(duplicates());
            }
            parsed.push(key);
        }
        let ctx = context(&spec)?;
        let projection = projection(&spec, &ctx)?;
        ctx.finish()?;
        plans.push((table, parsed, projection, spec.bool("ConsistentRead")?));
    }
    let mut out = Out::new();
    out.begin_object("Responses");
    for (table, keys, projection, consistent) in &plans {
        let mut units = 0.0;
        let found = keys.iter().filter_map(|key| {
            let item = table.get(key);
            units += read_units(item.map_or(0, item_size), *consistent);
            item.map(|item| match projection {
                Some(p) => Cow::Owned(p.apply(item)),
                None => Cow::Borrowed(item),
            })
        });
        let found: Vec<Cow<'_, Item>> = found.collect();
        out.reserve(found.iter().map(|i| estimated_len(i)).sum());
        out.items(&table.name, found.iter().map(|i| &**i));
        capacities.extend(capacity_json(mode, table, units, true));
    }
    out.end_object();
    out.json("UnprocessedKeys", &json!({}));
    if !capacities.is_empty() {
        out.json("ConsumedCapacity", &Json::Array(capacities));
    }
    Ok(out.finish().into())
}

fn key_hash(key: &PrimaryKey) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = Fnv::default();
    key.hash(&mut hasher);
    hasher.finish()
}

/// One write of a batch, checked.
enum Write {
    Put(Checked, Item),
    Delete(PrimaryKey),
}

impl Write {
    fn key(&self) -> &PrimaryKey {
        match self {
            Write::Put(checked, _) => &checked.key,
            Write::Delete(key) => key,
        }
    }
}

pub fn batch_write_item(state: &mut State, req: &Request, now: f64) -> Result<Json> {
    let mode = capacity_mode(req)?;
    // Validate every request before applying any, as DynamoDB does.
    let mut plans = Vec::new();
    let mut total = 0;
    for (name, writes) in request_items(req)? {
        let table = state.table(name)?;
        let Some(writes) = writes.elements() else {
            return Err(Error::serialization(
                "RequestItems values must be lists of write requests",
            ));
        };
        total += writes.len();
        if total > MAX_WRITES {
            return Err(Error::validation(
                "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
            ));
        }
        // Each write with a hash of its key, so that finding a duplicate compares keys only when
        // their hashes match.
        let mut ops: Vec<(u64, Write)> = Vec::with_capacity(writes.len());
        for write in writes {
            // Read straight off the request tree: a request object per write costs more than
            // the lookups it would serve.
            let op = match (write.member("PutRequest")?, write.member("DeleteRequest")?) {
                (Some(p), None) => {
                    let item = p.required_item("PutRequest", "Item")?;
                    Write::Put(table.check(&item)?, item)
                }
                (None, Some(d)) => {
                    Write::Delete(table.key_from_request(&d.required_item("DeleteRequest", "Key")?)?)
                }
                _ => {
                    return Err(Error::validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                    ))
                }
            };
            let hash = key_hash(op.key());
            if ops.iter().any(|(h, o)| *h == hash && o.key() == op.key()) {
                return Err(duplicates());
            }
            ops.push((hash, op));
        }
        plans.push((name.to_owned(), ops));
    }
    let mut capacities = Vec::new();
    for (name, ops) in plans {
        let table = state.table_mut(&name)?;
        let mut units = 0.0;
        for (_, op) in ops {
            let (new_size, old) = match op {
                Write::Put(checked, item) => (checked.size, table.store(checked, item, now)),
                Write::Delete(key) => (0, table.delete(&key, now, false)),
            };
            units += write_units(new_size.max(old.as_ref().map_or(0, item_size)));
        }
        capacities.extend(capacity_json(mode, table, units, false));
    }
    let mut out = json!({"UnprocessedItems": {}});
    if !capacities.is_empty() {
        out["ConsumedCapacity"] = Json::Array(capacities);
    }
    Ok(out)
}
