//! BatchGetItem and BatchWriteItem: validated as a whole before anything is applied.

use serde_json::{json, Map, Value as Json};

use crate::engine::State;
use crate::error::{Error, Result};
use crate::ops::items::{capacity_json, context, projection, read_units, write_units};
use crate::request::{missing, Request};
use crate::table::PrimaryKey;
use crate::value::{item_from_json, item_size, item_to_json};

const MAX_GET_KEYS: usize = 100;
const MAX_WRITES: usize = 25;

fn duplicates() -> Error {
    Error::validation("Provided list of item keys contains duplicates")
}

fn request_items<'a>(req: &Request<'a>) -> Result<&'a Map<String, Json>> {
    let items = req
        .object("RequestItems")?
        .ok_or_else(|| missing("RequestItems"))?;
    if items.is_empty() {
        return Err(Error::validation(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    Ok(items)
}

pub fn batch_get_item(state: &State, req: &Request) -> Result<Json> {
    let mode = req.choice(
        "ReturnConsumedCapacity",
        &["INDEXES", "TOTAL", "NONE"],
        "NONE",
    )?;
    let mut responses = Map::new();
    let mut capacities = Vec::new();
    let mut total = 0;
    let mut plans = Vec::new();
    for (name, spec) in request_items(req)? {
        let table = state.table(name)?;
        let spec = Request::new(spec)?;
        let keys = spec.array("Keys")?.ok_or_else(|| missing("Keys"))?;
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
            let key = table.key_from_request(&item_from_json(key)?)?;
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
    for (table, keys, projection, consistent) in plans {
        let mut found = Vec::new();
        let mut units = 0.0;
        for key in &keys {
            let item = table.get(key);
            units += read_units(item.map_or(0, item_size), consistent);
            if let Some(item) = item {
                let shown = match &projection {
                    Some(p) => p.apply(item),
                    None => item.clone(),
                };
                found.push(Json::Object(item_to_json(&shown)));
            }
        }
        responses.insert(table.name.clone(), Json::Array(found));
        capacities.extend(capacity_json(mode, table, units, true));
    }
    let mut out = json!({"Responses": responses, "UnprocessedKeys": {}});
    if !capacities.is_empty() {
        out["ConsumedCapacity"] = Json::Array(capacities);
    }
    Ok(out)
}

pub fn batch_write_item(state: &mut State, req: &Request, now: f64) -> Result<Json> {
    let mode = req.choice(
        "ReturnConsumedCapacity",
        &["INDEXES", "TOTAL", "NONE"],
        "NONE",
    )?;
    // Validate every request before applying any, as DynamoDB does.
    let mut plans = Vec::new();
    let mut total = 0;
    for (name, writes) in request_items(req)? {
        let table = state.table(name)?;
        let Json::Array(writes) = writes else {
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
        let mut keys: Vec<PrimaryKey> = Vec::new();
        let mut ops = Vec::new();
        for write in writes {
            let put = write.get("PutRequest").filter(|v| !v.is_null());
            let delete = write.get("DeleteRequest").filter(|v| !v.is_null());
            let (key, item) = match (put, delete) {
                (Some(p), None) => {
                    let item = item_from_json(p.get("Item").ok_or_else(|| missing("Item"))?)?;
                    (table.validate(&item)?, Some(item))
                }
                (None, Some(d)) => {
                    let key = item_from_json(d.get("Key").ok_or_else(|| missing("Key"))?)?;
                    (table.key_from_request(&key)?, None)
                }
                _ => {
                    return Err(Error::validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                    ))
                }
            };
            if keys.contains(&key) {
                return Err(duplicates());
            }
            keys.push(key.clone());
            ops.push((key, item));
        }
        plans.push((name.clone(), ops));
    }
    let mut capacities = Vec::new();
    for (name, ops) in plans {
        let table = state.table_mut(&name)?;
        let mut units = 0.0;
        for (key, item) in ops {
            let old_size = table.get(&key).map_or(0, item_size);
            match item {
                Some(item) => {
                    units += write_units(item_size(&item).max(old_size));
                    table.put(item, now)?;
                }
                None => {
                    units += write_units(old_size);
                    table.delete(&key, now, false);
                }
            }
        }
        capacities.extend(capacity_json(mode, table, units, false));
    }
    let mut out = json!({"UnprocessedItems": {}});
    if !capacities.is_empty() {
        out["ConsumedCapacity"] = Json::Array(capacities);
    }
    Ok(out)
}
