//! ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: PartiQL statements (parsed by
//! `crate::partiql` into the same condition and update trees as expressions) run on the tables.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value as Json};

use crate::engine::State;
use crate::error::{Error, Result};
use crate::expr::Projection;
use crate::ops::items::{capacity, capacity_mode, read_units, write_units};
use crate::ops::transact::{add_units, cancelled, consumed, Idempotency};
use crate::ops::Effect;
use crate::partiql::{parse_statement, Returning, Statement};
use crate::request::{missing, Request};
use crate::table::{PrimaryKey, Table};
use crate::value::{item_size, Item, KeyValue, Value};
use crate::wire::{item_from_slice, item_json, value_from_json};

const PAGE_BYTES: usize = 1024 * 1024;

fn parameters(json: Option<&Json>) -> Result<Vec<Value>> {
    match json {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(values)) => {
            if values.is_empty() {
                return Err(Error::validation(
                    "1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: Member must have length greater than or equal to 1",
                ));
            }
            values.iter().map(value_from_json).collect()
        }
        Some(_) => Err(Error::serialization("Parameters must be a list")),
    }
}

fn statement(text: Option<&Json>, params: Option<&Json>) -> Result<Statement> {
    let text = text
        .and_then(Json::as_str)
        .ok_or_else(|| missing("Statement"))?;
    parse_statement(text, &parameters(params)?)
}

/// The full primary key a write statement names in its WHERE clause.
fn statement_key(table: &Table, condition: &crate::expr::Condition) -> Result<PrimaryKey> {
    let names: Vec<&str> = table.schema.names().collect();
    let values = condition.key_equalities(&names).ok_or_else(|| {
        Error::validation(
            "Where clause does not contain a mandatory equality on all key attributes",
        )
    })?;
    let mut key = Item::new();
    for (name, value) in names.iter().zip(values) {
        key.insert((*name).to_owned(), value);
    }
    table.key_from_request(&key)
}

/// A write statement checked against the current state: what it would store.
struct Planned {
    table: String,
    key: PrimaryKey,
    /// The new item, or None to delete.
    new: Option<Item>,
    old: Option<Item>,
    /// Why it cannot run (a failed condition or a duplicate insert), if it cannot.
    refused: Option<Error>,
    returning: Option<Returning>,
}

fn plan_write(state: &State, stmt: Statement) -> Result<Planned> {
    let table = state.table(stmt.table())?;
    let name = table.name.clone();
    match stmt {
        Statement::Insert { item, .. } => {
            let key = table.validate(&item)?;
            let old = table.get(&key).cloned();
            let refused = old.is_some().then(|| {
                Error::new(
                    "DuplicateItemException",
                    "Duplicate primary key exists in table",
                )
            });
            Ok(Planned {
                table: name,
                key,
                new: Some(item),
                old,
                refused,
                returning: None,
            })
        }
        Statement::Update {
            update,
            condition,
            returning,
            ..
        } => {
            let key = statement_key(table, &condition)?;
            let old = table.get(&key).cloned();
            let (new, refused) = match &old {
                Some(current) if condition.eval(current)? => {
                    let mut new = current.clone();
                    update.apply(&mut new)?;
                    if table.schema.names().any(|n| new.get(n) != current.get(n)) {
                        return Err(Error::validation(
                            "Cannot update attribute of the primary key",
                        ));
                    }
                    // Validated while planning, so a transaction applies all its writes or none.
                    table.validate(&new)?;
                    (Some(new), None)
                }
                _ => (None, Some(Error::condition_failed())),
            };
            Ok(Planned {
                table: name,
                key,
                new,
                old,
                refused,
                returning,
            })
        }
        Statement::Delete {
            condition,
            returning,
            ..
        } => {
            let key = statement_key(table, &condition)?;
            let old = table.get(&key).cloned();
            let refused = match &old {
                Some(current) if !condition.eval(current)? => Some(Error::condition_failed()),
                _ => None,
            };
            Ok(Planned {
                table: name,
                key,
                new: None,
                old,
                refused,
                returning,
            })
        }
        Statement::Select { .. } => Err(Error::validation("a SELECT is not a write")),
    }
}

fn apply(state: &mut State, plan: &Planned, now: f64) -> Result<f64> {
    let table = state.table_mut(&plan.table)?;
    let size = plan
        .new
        .as_ref()
        .map_or(0, item_size)
        .max(plan.old.as_ref().map_or(0, item_size));
    match &plan.new {
        Some(item) => {
            table.put(item.clone(), now)?;
        }
        None => {
            table.delete(&plan.key, now, false);
        }
    }
    Ok(write_units(size))
}

/// RETURNING: the whole old or new item, or only the attributes the update touched.
fn returned(plan: &Planned) -> Option<Item> {
    let returning = plan.returning?;
    let (item, modified_only) = match returning {
        Returning::AllOld => (plan.old.as_ref()?, false),
        Returning::ModifiedOld => (plan.old.as_ref()?, true),
        Returning::AllNew => (plan.new.as_ref()?, false),
        Returning::ModifiedNew => (plan.new.as_ref()?, true),
    };
    if !modified_only {
        return Some(item.clone());
    }
    let changed = |k: &String| {
        plan.old.as_ref().and_then(|o| o.get(k)) != plan.new.as_ref().and_then(|n| n.get(k))
    };
    Some(
        item.iter()
            .filter(|(k, _)| changed(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// Runs a SELECT: a key lookup or partition read when the WHERE names the key, a scan otherwise.
fn select(
    state: &State,
    stmt: &Statement,
    limit: Option<usize>,
    token: Option<&str>,
) -> Result<(Vec<Item>, Option<String>, f64, String)> {
    let Statement::Select {
        table,
        index,
        projection,
        condition,
    } = stmt
    else {
        return Err(Error::validation("not a SELECT"));
    };
    let table = state.table(table)?;
    let index = index.as_deref().map(|i| table.index(i)).transpose()?;
    let start: Option<Item> = token
        .map(|t| {
            URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| item_from_slice(&b).ok())
                .ok_or_else(|| Error::validation("Invalid NextToken"))
        })
        .transpose()?;
    let start_key = |item: &Item| -> Option<PrimaryKey> {
        let p = item
            .get(&table.schema.partition_key().0)
            .and_then(KeyValue::from_value)?;
        let s = match table.schema.sort_key() {
            Some((n, _)) => Some(item.get(n).and_then(KeyValue::from_value)?),
            None => None,
        };
        Some((p, s))
    };
    // A table read narrows to one partition when the WHERE names it; an index read walks the index.
    let partition = condition
        .as_ref()
        .and_then(|c| c.key_equalities(&[table.schema.partition_key().0.as_str()]))
        .and_then(|v| v.first().and_then(KeyValue::from_value));
    let candidates: Box<dyn Iterator<Item = &Item>> = match (index, &partition) {
        (None, Some(p)) => {
            let after = start.as_ref().and_then(start_key).map(|k| k.1);
            Box::new(
                table
                    .partition(p, after.as_ref(), true)
                    .map(|(_, item)| item),
            )
        }
        (None, None) => {
            let after = start.as_ref().and_then(start_key);
            Box::new(table.all(after.as_ref()).map(|(_, item)| item))
        }
        (Some(i), _) => {
            // Index reads walk the whole index; the position to resume from is the table key.
            let after = start.as_ref().and_then(start_key);
            let mut skipping = after.is_some();
            Box::new(i.all(None).filter_map(move |(_, pos)| {
                let key = (pos.1.clone(), pos.2.clone());
                if skipping {
                    if Some(&key) == after.as_ref() {
                        skipping = false;
                    }
                    return None;
                }
                table.get(&key)
            }))
        }
    };
    let projection = projection.clone().map(Projection::unchecked);
    let mut items = Vec::new();
    let mut bytes = 0usize;
    let mut next = None;
    for (seen, item) in candidates.enumerate() {
        let scanned = seen + 1;
        let visible = index.map_or_else(|| item.clone(), |i| i.project(item, &table.schema));
        bytes += item_size(&visible);
        if condition.as_ref().map_or(Ok(true), |c| c.eval(&visible))? {
            items.push(
                projection
                    .as_ref()
                    .map_or_else(|| visible.clone(), |p| p.apply(&visible)),
            );
        }
        if limit.is_some_and(|l| scanned >= l) || bytes >= PAGE_BYTES {
            let key = table
                .key_item(&start_key(item).ok_or_else(|| Error::validation("item without key"))?);
            next = Some(URL_SAFE_NO_PAD.encode(item_json(&key).to_string()));
            break;
        }
    }
    Ok((items, next, bytes as f64, table.name.clone()))
}

pub fn execute_statement(state: &mut State, req: &Request, now: f64) -> Result<(Json, Effect)> {
    let stmt = statement(req.get("Statement"), req.get("Parameters"))?;
    let limit = match req.int("Limit")? {
        Some(n) if n < 1 => return Err(Error::validation("Limit must be at least 1")),
        other => other.map(|n| n as usize),
    };
    if stmt.is_read() {
        let consistent = req.bool("ConsistentRead")?;
        let (items, next, bytes, table) = select(state, &stmt, limit, req.str("NextToken")?)?;
        let mut out = Map::new();
        out.insert(
            "Items".into(),
            Json::Array(items.iter().map(item_json).collect()),
        );
        if let Some(token) = next {
            out.insert("NextToken".into(), json!(token));
        }
        if let Some(c) = capacity(
            req,
            state.table(&table)?,
            read_units(bytes as usize, consistent),
            true,
        )? {
            out.insert("ConsumedCapacity".into(), c);
        }
        return Ok((Json::Object(out), Effect::Read));
    }
    let plan = plan_write(state, stmt)?;
    if let Some(error) = plan.refused {
        if error.code == "ConditionalCheckFailedException"
            && req.choice(
                "ReturnValuesOnConditionCheckFailure",
                &["ALL_OLD", "NONE"],
                "NONE",
            )? == "ALL_OLD"
        {
            if let Some(old) = &plan.old {
                return Err(error.with_extra("Item", item_json(old)));
            }
        }
        return Err(error);
    }
    let units = apply(state, &plan, now)?;
    let mut out = Map::new();
    out.insert(
        "Items".into(),
        Json::Array(returned(&plan).into_iter().map(|i| item_json(&i)).collect()),
    );
    if let Some(c) = capacity(req, state.table(&plan.table)?, units, false)? {
        out.insert("ConsumedCapacity".into(), c);
    }
    Ok((Json::Object(out), Effect::Write))
}

fn statements<'r>(req: &'r Request, member: &str, max: usize) -> Result<&'r Vec<Json>> {
    let list = req.array(member)?.ok_or_else(|| missing(member))?;
    if list.is_empty() || list.len() > max {
        return Err(Error::validation(format!(
            "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length less than or equal to {max}, Member must have length greater than or equal to 1",
            member[..1].to_lowercase() + &member[1..]
        )));
    }
    Ok(list)
}

fn error_json(e: &Error) -> Json {
    let code = e.code.trim_end_matches("Exception");
    json!({"Code": code, "Message": e.message})
}

/// A key lookup SELECT (as BatchExecuteStatement and transactions allow): the item, if any, and
/// the stored item's size (what the read is charged for, whatever the projection).
fn lookup(state: &State, stmt: &Statement) -> Result<(String, Option<Item>, usize)> {
    let Statement::Select {
        table,
        index,
        projection,
        condition,
    } = stmt
    else {
        return Err(Error::validation("not a SELECT"));
    };
    if index.is_some() {
        return Err(Error::validation("Only primary-key reads are allowed here"));
    }
    let t = state.table(table)?;
    let condition = condition.as_ref().ok_or_else(|| {
        Error::validation(
            "Where clause does not contain a mandatory equality on all key attributes",
        )
    })?;
    let key = statement_key(t, condition)?;
    let stored = t.get(&key);
    let size = stored.map_or(0, item_size);
    let item = stored.filter(|i| condition.eval(i).unwrap_or(false));
    let shown = item.map(|i| match projection {
        Some(paths) => Projection::unchecked(paths.clone()).apply(i),
        None => i.clone(),
    });
    Ok((t.name.clone(), shown, size))
}

pub fn batch_execute_statement(
    state: &mut State,
    req: &Request,
    now: f64,
) -> Result<(Json, Effect)> {
    let list = statements(req, "Statements", 25)?;
    let parsed: Vec<Result<Statement>> = list
        .iter()
        .map(|s| statement(s.get("Statement"), s.get("Parameters")))
        .collect();
    let reads = parsed
        .iter()
        .filter(|s| matches!(s, Ok(s) if s.is_read()))
        .count();
    if reads != 0 && reads != parsed.iter().filter(|s| s.is_ok()).count() {
        return Err(Error::validation(
            "Statements in a batch must be all reads or all writes",
        ));
    }
    let mut responses = Vec::with_capacity(parsed.len());
    let mut effect = Effect::Read;
    for stmt in parsed {
        let answer = stmt.and_then(|stmt| {
            if stmt.is_read() {
                let (table, item, _) = lookup(state, &stmt)?;
                let mut r = json!({"TableName": table});
                if let Some(item) = item {
                    r["Item"] = item_json(&item);
                }
                return Ok(r);
            }
            let plan = plan_write(state, stmt)?;
            if let Some(e) = plan.refused {
                return Err(e);
            }
            apply(state, &plan, now)?;
            effect = Effect::Write;
            Ok(json!({"TableName": plan.table}))
        });
        responses.push(answer.unwrap_or_else(|e| json!({"Error": error_json(&e)})));
    }
    Ok((json!({ "Responses": responses }), effect))
}

pub fn execute_transaction(state: &mut State, req: &Request, now: f64) -> Result<(Json, Effect)> {
    let idempotency = Idempotency::of(req)?;
    let mode = capacity_mode(req)?;
    let list = statements(req, "TransactStatements", 100)?;
    let parsed = list
        .iter()
        .map(|s| statement(s.get("Statement"), s.get("Parameters")))
        .collect::<Result<Vec<_>>>()?;
    let reads = parsed.iter().filter(|s| s.is_read()).count();
    if reads != 0 && reads != parsed.len() {
        return Err(Error::validation(
            "Transactions must be all reads or all writes",
        ));
    }
    let mut units: Vec<(String, f64)> = Vec::new();
    if reads == parsed.len() {
        let mut responses = Vec::new();
        for stmt in &parsed {
            let (table, item, size) = lookup(state, stmt)?;
            // Transactional reads cost two read units per 4 KB.
            add_units(&mut units, &table, 2.0 * read_units(size, true));
            responses.push(item.map_or_else(|| json!({}), |i| json!({ "Item": item_json(&i) })));
        }
        let mut answer = consumed(state, &units, mode, true);
        answer["Responses"] = Json::Array(responses);
        return Ok((answer, Effect::Read));
    }
    // A write transaction's token: a retry of one already carried out is answered, not applied.
    if let Some(answer) = idempotency
        .as_ref()
        .and_then(|i| i.replayed(state, mode, now))
    {
        return Ok((answer?, Effect::Write));
    }
    let mut plans = Vec::with_capacity(parsed.len());
    for stmt in parsed {
        let plan = plan_write(state, stmt)?;
        if plans
            .iter()
            .any(|p: &Planned| p.table == plan.table && p.key == plan.key)
        {
            return Err(Error::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        plans.push(plan);
    }
    if plans.iter().any(|p| p.refused.is_some()) {
        let reasons: Vec<Json> = plans
            .iter()
            .map(|p| match &p.refused {
                None => json!({"Code": "None"}),
                Some(e) => error_json(e),
            })
            .collect();
        return Err(cancelled(reasons));
    }
    for plan in &plans {
        // Transactional writes cost two write units per KB.
        let cost = 2.0 * apply(state, plan, now)?;
        add_units(&mut units, &plan.table, cost);
    }
    if let Some(idempotency) = idempotency {
        let touched = plans.into_iter().map(|p| (p.table, p.key)).collect();
        idempotency.remember(state, touched, now);
    }
    Ok((consumed(state, &units, mode, false), Effect::Write))
}
