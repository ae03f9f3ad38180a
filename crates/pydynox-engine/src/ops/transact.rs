//! TransactWriteItems and TransactGetItems: every condition checked against the same state, then all
//! writes applied or none; per-item cancellation reasons; ClientRequestToken idempotency.

use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use crate::engine::State;
use crate::error::{Error, Result};
use crate::expr::Update;
use crate::idempotency::Remembered;
use crate::ops::items::{
    capacity_json, capacity_mode, check, condition, context, projection, read_units, update_of,
    updated, write_units,
};
use crate::request::{missing, Node, Request};
use crate::table::{Checked, PrimaryKey};
use crate::value::{item_size, Item};
use crate::wire::item_json;

const MAX_ITEMS: usize = 100;

/// What a member asks for.
enum Write {
    Put(Checked, Item),
    Delete,
    Update(Update),
    Check,
}

/// What a member will do once every condition held: store an item, delete one, or nothing.
enum Planned {
    Put(Checked, Item),
    Delete,
    Check,
}

struct Plan {
    table: String,
    key: PrimaryKey,
    write: Planned,
    size: usize,
}

fn reason(code: &str, message: Option<&str>, item: Option<&Item>) -> Json {
    let mut r = Map::new();
    r.insert("Code".into(), json!(code));
    if let Some(m) = message {
        r.insert("Message".into(), json!(m));
    }
    if let Some(item) = item {
        r.insert("Item".into(), item_json(item));
    }
    Json::Object(r)
}

fn items<'a>(req: &Request<'a>) -> Result<Vec<Node<'a>>> {
    let items = req
        .list("TransactItems")?
        .ok_or_else(|| missing("TransactItems"))?;
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(Error::validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to {MAX_ITEMS}, Member must have length greater than or equal to 1"
        )));
    }
    Ok(items)
}

/// The one operation of a TransactItems member (`{"Put": {...}}`).
fn single<'a>(member: Node<'a>, allowed: &[&'static str]) -> Result<(&'static str, Request<'a>)> {
    let member = Request::of(member)
        .map_err(|_| Error::serialization("TransactItems members must be objects"))?;
    let present: Vec<&str> = member
        .names()
        .filter(|n| member.node(n).is_some())
        .collect();
    let kind = match present.as_slice() {
        [one] if allowed.contains(one) => allowed.iter().find(|a| *a == one).copied().unwrap_or(""),
        _ => {
            return Err(Error::validation(format!(
                "TransactItems can only contain one of {}",
                allowed.join(", ")
            )))
        }
    };
    let body = member.sub(kind)?.ok_or_else(|| missing(kind))?;
    Ok((kind, body))
}

/// Capacity units per table, in the order the tables first appear.
pub(crate) fn add_units(units: &mut Vec<(String, f64)>, table: &str, cost: f64) {
    match units.iter_mut().find(|(t, _)| t == table) {
        Some((_, u)) => *u += cost,
        None => units.push((table.to_owned(), cost)),
    }
}

/// TransactionCanceledException with one reason per item (`{"Code": "None"}` for items that were fine).
pub fn cancelled(reasons: Vec<Json>) -> Error {
    let codes: Vec<&str> = reasons.iter().filter_map(|r| r["Code"].as_str()).collect();
    let message = format!(
        "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
        codes.join(", ")
    );
    Error::new("TransactionCanceledException", message)
        .with_extra("CancellationReasons", Json::Array(reasons))
}

/// A ClientRequestToken: 1 to 36 characters.
fn check_token(token: &str) -> Result<()> {
    let constraint = match token.chars().count() {
        0 => "greater than or equal to 1",
        1..=36 => return Ok(()),
        _ => "less than or equal to 36",
    };
    Err(Error::validation(format!(
        "1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length {constraint}"
    )))
}

/// The answer to a retry of a transaction already carried out: nothing is written again, and the
/// capacity reported is that of reading the items it acted on (DynamoDB's documented behaviour).
fn retried(state: &State, items: &[(String, PrimaryKey)], mode: &str) -> Json {
    let mut units: Vec<(String, f64)> = Vec::new();
    for (name, key) in items {
        if let Some(table) = state.tables.get(name) {
            add_units(
                &mut units,
                name,
                read_units(table.get(key).map_or(0, item_size), true),
            );
        }
    }
    consumed(state, &units, mode, true)
}

/// `{"ConsumedCapacity": [...]}` per table, or `{}` when none was asked for.
pub(crate) fn consumed(state: &State, units: &[(String, f64)], mode: &str, read: bool) -> Json {
    let capacities: Vec<Json> = units
        .iter()
        .filter_map(|(name, u)| {
            state
                .tables
                .get(name)
                .and_then(|t| capacity_json(mode, t, *u, read))
        })
        .collect();
    let mut answer = json!({});
    if !capacities.is_empty() {
        answer["ConsumedCapacity"] = Json::Array(capacities);
    }
    answer
}

/// A write transaction's ClientRequestToken (TransactWriteItems, ExecuteTransaction) and the
/// fingerprint of the request it came with.
pub(crate) struct Idempotency<'r> {
    token: &'r str,
    fingerprint: [u8; 32],
}

impl<'r> Idempotency<'r> {
    /// Reads and checks the token. Called before anything reads the request's members (they are
    /// moved out as they are read), so that the fingerprint covers the whole request.
    pub(crate) fn of(req: &'r Request) -> Result<Option<Idempotency<'r>>> {
        let Some(token) = req.str("ClientRequestToken")? else {
            return Ok(None);
        };
        check_token(token)?;
        Ok(Some(Idempotency {
            token,
            fingerprint: Sha256::digest(req.canonical_without("ClientRequestToken")).into(),
        }))
    }

    /// The answer to a retry of a transaction this token already carried out within the window;
    /// None when the request is to be carried out.
    pub(crate) fn replayed(&self, state: &mut State, mode: &str, now: f64) -> Option<Result<Json>> {
        let seen = state.tokens.get(self.token, now)?;
        if seen.fingerprint != self.fingerprint {
            return Some(Err(Error::new(
                "IdempotentParameterMismatchException",
                "The request uses the same client token as a previous, but non-identical request.",
            )));
        }
        let items = seen.items.clone();
        Some(Ok(retried(state, &items, mode)))
    }

    /// Remembers a transaction that was carried out, with the items it acted on.
    ///
    /// Only a request that was carried out is remembered with its token. A cancelled one is not:
    /// DynamoDB runs the retry of a transaction that failed, and only skips the retry of one that
    /// succeeded (as described in Alex DeBrie's "DynamoDB Transactions: Use Cases and Examples",
    /// alexdebrie.com/posts/dynamodb-transactions, on idempotent transactional requests).
    pub(crate) fn remember(self, state: &mut State, items: Vec<(String, PrimaryKey)>, now: f64) {
        state.tokens.remember(
            self.token,
            Remembered {
                fingerprint: self.fingerprint,
                at: now,
                items,
            },
        );
    }
}

pub fn transact_write_items(state: &mut State, req: &Request, now: f64) -> Result<Json> {
    let members = items(req)?;
    let idempotency = Idempotency::of(req)?;
    let mode = capacity_mode(req)?;
    if let Some(answer) = idempotency
        .as_ref()
        .and_then(|i| i.replayed(state, mode, now))
    {
        return answer;
    }
    let mut plans: Vec<Plan> = Vec::with_capacity(members.len());
    let mut reasons = Vec::with_capacity(members.len());
    let mut failed = false;
    for member in members {
        let (kind, op) = single(member, &["ConditionCheck", "Put", "Delete", "Update"])?;
        let name = op.table_name()?;
        let table = state.table(name)?;
        let ctx = context(&op)?;
        let cond = condition(&op, &ctx)?;
        let (key, write) = match kind {
            "Put" => {
                let item = op.required_item("Item")?;
                let checked = table.check(&item)?;
                (checked.key.clone(), Write::Put(checked, item))
            }
            "Update" => {
                let key = table.key_from_request(&op.required_item("Key")?)?;
                let update = update_of(&op, &ctx)?.ok_or_else(|| missing("UpdateExpression"))?;
                (key, Write::Update(update))
            }
            "Delete" => (
                table.key_from_request(&op.required_item("Key")?)?,
                Write::Delete,
            ),
            _ => {
                if cond.is_none() {
                    return Err(missing("ConditionExpression"));
                }
                (
                    table.key_from_request(&op.required_item("Key")?)?,
                    Write::Check,
                )
            }
        };
        ctx.finish()?;
        if plans.iter().any(|p| p.table == name && p.key == key) {
            return Err(Error::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        let current = table.get(&key);
        // The condition is checked first, on the current item; an update that cannot apply to it
        // (a type error, a missing attribute) then cancels the transaction with a reason, as
        // DynamoDB does.
        let write = if !check(cond.as_ref(), current)? {
            failed = true;
            let with_item = op.choice(
                "ReturnValuesOnConditionCheckFailure",
                &["ALL_OLD", "NONE"],
                "NONE",
            )? == "ALL_OLD";
            reasons.push(reason(
                "ConditionalCheckFailed",
                Some("The conditional request failed"),
                current.filter(|_| with_item),
            ));
            Planned::Check
        } else {
            match write {
                // The new item is validated now (index key types, size), so that no write of
                // the transaction is applied when one of them cannot be.
                Write::Update(update) => match updated(table, &key, current, Some(&update))
                    .and_then(|new| table.check(&new).map(|checked| (checked, new)))
                {
                    Ok((checked, new)) => {
                        reasons.push(reason("None", None, None));
                        Planned::Put(checked, new)
                    }
                    Err(e) => {
                        failed = true;
                        reasons.push(reason("ValidationError", Some(&e.message), None));
                        Planned::Check
                    }
                },
                Write::Put(checked, item) => {
                    reasons.push(reason("None", None, None));
                    Planned::Put(checked, item)
                }
                Write::Delete => {
                    reasons.push(reason("None", None, None));
                    Planned::Delete
                }
                Write::Check => {
                    reasons.push(reason("None", None, None));
                    Planned::Check
                }
            }
        };
        let size = match &write {
            Planned::Put(checked, _) => checked.size,
            _ => 0,
        }
        .max(current.map_or(0, item_size));
        plans.push(Plan {
            table: name.to_owned(),
            key,
            write,
            size,
        });
    }
    if failed {
        return Err(cancelled(reasons));
    }
    let touched: Vec<(String, PrimaryKey)> = if idempotency.is_some() {
        plans
            .iter()
            .map(|p| (p.table.clone(), p.key.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let mut units: Vec<(String, f64)> = Vec::new();
    for plan in plans {
        let table = state.table_mut(&plan.table)?;
        match plan.write {
            Planned::Put(checked, item) => {
                table.store(checked, item, now);
            }
            Planned::Delete => {
                table.delete(&plan.key, now, false);
            }
            Planned::Check => {}
        }
        // Transactional writes cost two write units per KB.
        let cost = 2.0 * write_units(plan.size);
        add_units(&mut units, &plan.table, cost);
    }
    if let Some(idempotency) = idempotency {
        idempotency.remember(state, touched, now);
    }
    Ok(consumed(state, &units, mode, false))
}

pub fn transact_get_items(state: &State, req: &Request) -> Result<Json> {
    let mode = capacity_mode(req)?;
    let mut responses = Vec::new();
    let mut units: Vec<(String, f64)> = Vec::new();
    let mut seen: Vec<(String, PrimaryKey)> = Vec::new();
    let mut plans = Vec::new();
    for member in items(req)? {
        let (_, op) = single(member, &["Get"])?;
        let table = state.table(op.table_name()?)?;
        let key = table.key_from_request(&op.required_item("Key")?)?;
        if seen.iter().any(|(t, k)| t == &table.name && k == &key) {
            return Err(Error::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        seen.push((table.name.clone(), key.clone()));
        let ctx = context(&op)?;
        let projection = projection(&op, &ctx)?;
        ctx.finish()?;
        plans.push((table, key, projection));
    }
    for (table, key, projection) in plans {
        let item = table.get(&key);
        let cost = 2.0 * read_units(item.map_or(0, item_size), true);
        add_units(&mut units, &table.name, cost);
        responses.push(match item {
            Some(item) => {
                let shown = projection
                    .as_ref()
                    .map_or_else(|| item.clone(), |p| p.apply(item));
                json!({ "Item": item_json(&shown) })
            }
            None => json!({}),
        });
    }
    let mut out = consumed(state, &units, mode, true);
    out["Responses"] = Json::Array(responses);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::engine::{Engine, State};
    use crate::ops;
    use crate::request::{Node, Request};
    use crate::wire;

    fn run(state: &mut State, operation: &str, body: &str, now: f64) -> Result<String, String> {
        let read = wire::read_request(body.as_bytes()).map_err(|e| e.message)?;
        let req = Request::of(Node::Read(&read)).map_err(|e| e.message)?;
        ops::call(state, operation, &req, now)
            .map(|(answer, _)| String::from_utf8_lossy(&answer).into_owned())
            .map_err(|e| format!("{}: {}", e.code, e.message))
    }

    fn n(state: &mut State) -> String {
        let got = run(
            state,
            "GetItem",
            r#"{"TableName": "counters", "Key": {"pk": {"S": "c"}}}"#,
            0.0,
        )
        .unwrap();
        let got: serde_json::Value = serde_json::from_str(&got).unwrap();
        got["Item"]["n"]["N"]
            .as_str()
            .unwrap_or("absent")
            .to_owned()
    }

    #[test]
    fn a_token_counts_for_ten_minutes_after_its_request_completed() {
        let engine = Engine::default();
        engine.with_state(|state| {
            run(
                state,
                "CreateTable",
                r#"{"TableName": "counters", "BillingMode": "PAY_PER_REQUEST",
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}"#,
                0.0,
            )
            .unwrap();
            let add = |value: &str| {
                format!(
                    r#"{{"ClientRequestToken": "t", "TransactItems": [{{"Update": {{"TableName": "counters",
                        "Key": {{"pk": {{"S": "c"}}}}, "UpdateExpression": "ADD n :v",
                        "ExpressionAttributeValues": {{":v": {{"N": "{value}"}}}}}}}}]}}"#
                )
            };
            let start = 1_000_000.0;
            run(state, "TransactWriteItems", &add("1"), start).unwrap();
            // Retries, up to the last moment of the window: not applied again; another request
            // with the token is refused.
            for later in [1.0, 300.0, 599.999] {
                run(state, "TransactWriteItems", &add("1"), start + later).unwrap();
                let refused = run(state, "TransactWriteItems", &add("5"), start + later);
                assert!(
                    refused
                        .as_ref()
                        .is_err_and(|e| e.starts_with("IdempotentParameterMismatchException")),
                    "{refused:?}"
                );
            }
            assert_eq!(n(state), "1");
            // Ten minutes after the first request completed (retries do not extend the window),
            // the token is new again: any request with it is carried out.
            run(state, "TransactWriteItems", &add("5"), start + 600.0).unwrap();
            assert_eq!(n(state), "6");
            run(state, "TransactWriteItems", &add("5"), start + 601.0).unwrap();
            assert_eq!(n(state), "6");
        });
    }
}
