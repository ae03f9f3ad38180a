//! Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem, with conditions, ReturnValues
//! and consumed capacity. The pieces are shared with batches, transactions and PartiQL.

use serde_json::{json, Value as Json};

use crate::engine::State;
use crate::error::{Error, Result};
use crate::expr::{self, Condition, Context, Projection, Update};
use crate::ops::Answer;
use crate::request::Request;
use crate::table::{PrimaryKey, Table};
use crate::value::{item_size, Item};
use crate::wire::{item_json, Out};

/// The request's condition (ConditionExpression, or the legacy Expected), parsed once.
pub fn condition(req: &Request, ctx: &Context) -> Result<Option<Condition>> {
    let expression = req.str("ConditionExpression")?;
    let expected = req.get("Expected");
    match (expression, expected) {
        (Some(_), Some(_)) => Err(Error::validation(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
        )),
        (Some(text), None) => Ok(Some(expr::parse_condition(text, ctx, "ConditionExpression")?)),
        (None, Some(expected)) => {
            Ok(expr::legacy::expected(expected, req.get("ConditionalOperator"))?)
        }
        (None, None) => Ok(None),
    }
}

/// Expression parameters of a request, with the legacy/expression mixing rule enforced.
pub fn context(req: &Request) -> Result<Context> {
    Context::new(
        req.get("ExpressionAttributeNames"),
        req.get("ExpressionAttributeValues"),
    )
}

pub fn projection(req: &Request, ctx: &Context) -> Result<Option<Projection>> {
    match (req.str("ProjectionExpression")?, req.get("AttributesToGet")) {
        (Some(_), Some(_)) => Err(Error::validation(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
        )),
        (Some(text), None) => Ok(Some(expr::parse_projection(text, ctx)?)),
        (None, Some(names)) => Ok(Some(expr::legacy::attributes_to_get(names)?)),
        (None, None) => Ok(None),
    }
}

/// Capacity units DynamoDB charges: writes per started KB, reads per started 4 KB (half for
/// eventually consistent reads).
pub fn write_units(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

pub fn read_units(size: usize, consistent: bool) -> f64 {
    let units = size.div_ceil(4096).max(1) as f64;
    if consistent {
        units
    } else {
        units / 2.0
    }
}

/// What `ReturnConsumedCapacity` asks for: `INDEXES`, `TOTAL` or `NONE` (the default).
pub fn capacity_mode(req: &Request) -> Result<&'static str> {
    req.choice(
        "ReturnConsumedCapacity",
        &["INDEXES", "TOTAL", "NONE"],
        "NONE",
    )
}

/// The `ConsumedCapacity` member for one table, or None when not asked for.
pub fn capacity(req: &Request, table: &Table, units: f64, read: bool) -> Result<Option<Json>> {
    let mode = capacity_mode(req)?;
    Ok(capacity_json(mode, table, units, read))
}

pub fn capacity_json(mode: &str, table: &Table, units: f64, read: bool) -> Option<Json> {
    let kind = if read {
        "ReadCapacityUnits"
    } else {
        "WriteCapacityUnits"
    };
    match mode {
        "TOTAL" => Some(json!({"TableName": table.name, "CapacityUnits": units, kind: units})),
        "INDEXES" => Some(json!({
            "TableName": table.name, "CapacityUnits": units, kind: units,
            "Table": {"CapacityUnits": units, kind: units},
        })),
        _ => None,
    }
}

/// Evaluates a condition against the current item (an absent item is an empty map).
pub fn check(condition: Option<&Condition>, current: Option<&Item>) -> Result<bool> {
    match condition {
        None => Ok(true),
        Some(c) => {
            let empty = Item::new();
            c.eval(current.unwrap_or(&empty))
        }
    }
}

/// ConditionalCheckFailedException, carrying the item when ReturnValuesOnConditionCheckFailure=ALL_OLD.
pub fn condition_failed(req: &Request, current: Option<&Item>) -> Result<Error> {
    let mode = req.choice(
        "ReturnValuesOnConditionCheckFailure",
        &["ALL_OLD", "NONE"],
        "NONE",
    )?;
    let error = Error::condition_failed();
    Ok(match (mode, current) {
        ("ALL_OLD", Some(item)) => error.with_extra("Item", item_json(item)),
        _ => error,
    })
}

fn answer(attributes: Option<&Item>, capacity: Option<Json>) -> Answer {
    let mut out = Out::new();
    if let Some(item) = attributes.filter(|i| !i.is_empty()) {
        out.item("Attributes", item);
    }
    if let Some(c) = capacity {
        out.json("ConsumedCapacity", &c);
    }
    out.finish().into()
}

pub fn put_item(state: &mut State, req: &Request, now: f64) -> Result<Answer> {
    let table = state.table_mut(req.table_name()?)?;
    let item = req.required_item("Item")?;
    let ctx = context(req)?;
    let condition = condition(req, &ctx)?;
    ctx.finish()?;
    let return_values = old_only_return_values(req)?;
    let checked = table.check(&item)?;
    let current = table.get(&checked.key);
    if !check(condition.as_ref(), current)? {
        return Err(condition_failed(req, current)?);
    }
    let size = checked.size.max(current.map_or(0, item_size));
    let old = table.store(checked, item, now);
    let capacity = capacity(req, table, write_units(size), false)?;
    Ok(answer(
        old.as_ref().filter(|_| return_values == "ALL_OLD"),
        capacity,
    ))
}

pub fn get_item(state: &mut State, req: &Request) -> Result<Answer> {
    let table = state.table(req.table_name()?)?;
    let key = table.key_from_request(&req.required_item("Key")?)?;
    let ctx = context(req)?;
    let projection = projection(req, &ctx)?;
    ctx.finish()?;
    let consistent = req.bool("ConsistentRead")?;
    let item = table.get(&key);
    let mut out = Out::new();
    if let Some(item) = item {
        match &projection {
            Some(p) => out.item("Item", &p.apply(item)),
            None => out.item("Item", item),
        };
    }
    let units = read_units(item.map_or(0, item_size), consistent);
    if let Some(c) = capacity(req, table, units, true)? {
        out.json("ConsumedCapacity", &c);
    }
    Ok(out.finish().into())
}

pub fn delete_item(state: &mut State, req: &Request, now: f64) -> Result<Answer> {
    let table = state.table_mut(req.table_name()?)?;
    let key = table.key_from_request(&req.required_item("Key")?)?;
    let ctx = context(req)?;
    let condition = condition(req, &ctx)?;
    ctx.finish()?;
    let return_values = old_only_return_values(req)?;
    let current = table.get(&key);
    if !check(condition.as_ref(), current)? {
        return Err(condition_failed(req, current)?);
    }
    let old = table.delete(&key, now, false);
    let capacity = capacity(
        req,
        table,
        write_units(old.as_ref().map_or(0, item_size)),
        false,
    )?;
    Ok(answer(
        old.as_ref().filter(|_| return_values == "ALL_OLD"),
        capacity,
    ))
}

/// ReturnValues of PutItem and DeleteItem: the old item or nothing.
fn old_only_return_values(req: &Request) -> Result<&'static str> {
    let return_values = req.choice(
        "ReturnValues",
        &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
        "NONE",
    )?;
    if !matches!(return_values, "NONE" | "ALL_OLD") {
        return Err(Error::validation(
            "ReturnValues can only be ALL_OLD or NONE",
        ));
    }
    Ok(return_values)
}

/// The update of an UpdateItem-like request (UpdateExpression, or the legacy AttributeUpdates).
pub fn update_of(req: &Request, ctx: &Context) -> Result<Option<Update>> {
    match (req.str("UpdateExpression")?, req.get("AttributeUpdates")) {
        (Some(_), Some(_)) => Err(Error::validation(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}",
        )),
        (Some(text), None) => Ok(Some(expr::parse_update(text, ctx)?)),
        (None, Some(updates)) => Ok(Some(expr::legacy::attribute_updates(updates)?)),
        (None, None) => Ok(None),
    }
}

/// Applies an update to a copy of the current item (or a new item made of the key), refusing
/// changes to key attributes. Returns the new item.
pub fn updated(
    table: &Table,
    key: &PrimaryKey,
    current: Option<&Item>,
    update: Option<&Update>,
) -> Result<Item> {
    let mut item = current.cloned().unwrap_or_else(|| table.key_item(key));
    if let Some(update) = update {
        for path in update.paths() {
            let top = path.top();
            if table.schema.names().any(|n| n == top) {
                return Err(Error::validation(format!(
                    "One or more parameter values were invalid: Cannot update attribute {top}. This attribute is part of the key"
                )));
            }
        }
        update.apply(&mut item)?;
    }
    Ok(item)
}

pub fn update_item(state: &mut State, req: &Request, now: f64) -> Result<Answer> {
    let table = state.table_mut(req.table_name()?)?;
    let key = table.key_from_request(&req.required_item("Key")?)?;
    let ctx = context(req)?;
    let update = update_of(req, &ctx)?;
    let condition = condition(req, &ctx)?;
    ctx.finish()?;
    let return_values = req.choice(
        "ReturnValues",
        &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
        "NONE",
    )?;
    let current = table.get(&key);
    if !check(condition.as_ref(), current)? {
        return Err(condition_failed(req, current)?);
    }
    let new = updated(table, &key, current, update.as_ref())?;
    let old = current.cloned();
    let size = item_size(&new).max(old.as_ref().map_or(0, item_size));
    let attributes = match return_values {
        "ALL_OLD" => old.clone(),
        "ALL_NEW" => Some(new.clone()),
        "UPDATED_OLD" => match (&update, &old) {
            (Some(u), Some(o)) => {
                Some(Projection::unchecked(u.paths().into_iter().cloned().collect()).apply(o))
            }
            _ => None,
        },
        "UPDATED_NEW" => update
            .as_ref()
            .map(|u| Projection::unchecked(u.paths().into_iter().cloned().collect()).apply(&new)),
        _ => None,
    };
    table.put(new, now)?;
    let capacity = capacity(req, table, write_units(size), false)?;
    Ok(answer(attributes.as_ref(), capacity))
}
