//! TransactWriteItems and PartiQL transactions: conditions are checked before updates, and every
//! write is validated before any is applied (found by the differential tests against moto).

use pydynox_engine::engine::Engine;
use serde_json::{json, Value as Json};

fn call(engine: &Engine, operation: &str, body: Json) -> (u16, Json) {
    let answer = engine.handle(operation, body.to_string().as_bytes());
    let json = serde_json::from_slice(&answer.body).expect("a JSON answer");
    (answer.status, json)
}

fn ok(engine: &Engine, operation: &str, body: Json) -> Json {
    let (status, json) = call(engine, operation, body);
    assert_eq!(status, 200, "{operation}: {json}");
    json
}

/// Table `orders` (pk), a global index on `g`, and items `a` (n = 1) and `b`.
fn orders() -> Engine {
    let engine = Engine::default();
    ok(
        &engine,
        "CreateTable",
        json!({"TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                        {"AttributeName": "g", "AttributeType": "S"}],
               "GlobalSecondaryIndexes": [{"IndexName": "by-g",
                   "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                   "Projection": {"ProjectionType": "ALL"}}]}),
    );
    for item in [
        json!({"pk": {"S": "a"}, "n": {"N": "1"}}),
        json!({"pk": {"S": "b"}}),
    ] {
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "orders", "Item": item}),
        );
    }
    engine
}

fn reasons(answer: &Json) -> Vec<&str> {
    answer["CancellationReasons"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["Code"].as_str().unwrap_or_default())
        .collect()
}

fn keys(engine: &Engine) -> Vec<String> {
    let scan = ok(engine, "Scan", json!({"TableName": "orders"}));
    let mut keys: Vec<String> = scan["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pk"]["S"].as_str().unwrap().to_owned())
        .collect();
    keys.sort();
    keys
}

fn update(pk: &str, expression: &str, condition: Option<&str>) -> Json {
    let mut body = json!({"TableName": "orders", "Key": {"pk": {"S": pk}}, "UpdateExpression": expression,
                          "ExpressionAttributeValues": {":one": {"N": "1"}, ":e": {"S": ""}}});
    if let Some(c) = condition {
        body["ConditionExpression"] = json!(c);
    }
    if !expression.contains(":e") {
        body["ExpressionAttributeValues"]
            .as_object_mut()
            .unwrap()
            .remove(":e");
    }
    if !expression.contains(":one") {
        body["ExpressionAttributeValues"]
            .as_object_mut()
            .unwrap()
            .remove(":one");
    }
    body
}

#[test]
fn a_failed_condition_is_the_reason_even_when_the_update_could_not_apply() {
    let engine = orders();
    // `c` does not exist: its condition fails first, so `n + 1` (n missing) is never evaluated.
    let (status, answer) = call(
        &engine,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Update": update("c", "SET n = n + :one", Some("attribute_exists(pk)"))},
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(reasons(&answer), ["ConditionalCheckFailed"]);
    // With the condition holding, the update's own error is the reason.
    let (_, answer) = call(
        &engine,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Update": update("b", "SET n = n + :one", Some("attribute_exists(pk)"))},
            {"Delete": {"TableName": "orders", "Key": {"pk": {"S": "a"}}}},
        ]}),
    );
    assert_eq!(reasons(&answer), ["ValidationError", "None"]);
    assert_eq!(keys(&engine), ["a", "b"]);
}

#[test]
fn nothing_is_applied_when_an_updated_item_is_invalid() {
    let engine = orders();
    // The update gives `b` an empty index key: refused, and the delete of `a` with it.
    let (status, answer) = call(
        &engine,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Delete": {"TableName": "orders", "Key": {"pk": {"S": "a"}}}},
            {"Update": update("b", "SET g = :e", None)},
        ]}),
    );
    assert_eq!(status, 400, "{answer}");
    assert_eq!(reasons(&answer), ["None", "ValidationError"]);
    assert_eq!(keys(&engine), ["a", "b"]);
    // The same through PartiQL.
    let (status, answer) = call(
        &engine,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "DELETE FROM orders WHERE pk = 'a'"},
            {"Statement": "UPDATE orders SET g = '' WHERE pk = 'b'"},
        ]}),
    );
    assert_eq!(status, 400, "{answer}");
    assert_eq!(keys(&engine), ["a", "b"]);
}

#[test]
fn two_actions_on_one_item_are_refused_even_when_one_update_fails() {
    let engine = orders();
    let (status, answer) = call(
        &engine,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Update": update("b", "SET n = n + :one", None)},
            {"Delete": {"TableName": "orders", "Key": {"pk": {"S": "b"}}}},
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        answer["message"],
        "Transaction request cannot include multiple operations on one item"
    );
}
