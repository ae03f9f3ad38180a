//! TransactWriteItems with a ClientRequestToken: an identical retry within ten minutes succeeds
//! without being applied again, whatever order its JSON maps were written in; a retry that asks
//! for something else is refused with IdempotentParameterMismatchException.

use pydynox_engine::engine::Engine;
use serde_json::{json, Value as Json};

fn send(engine: &Engine, operation: &str, body: &str) -> (u16, Json) {
    let answer = engine.handle(operation, body.as_bytes());
    let json = serde_json::from_slice(&answer.body).expect("a JSON answer");
    (answer.status, json)
}

fn ok(engine: &Engine, operation: &str, body: &str) -> Json {
    let (status, json) = send(engine, operation, body);
    assert_eq!(status, 200, "{operation} {body}: {json}");
    json
}

fn error_code(answer: &Json) -> &str {
    answer["__type"]
        .as_str()
        .and_then(|t| t.rsplit('#').next())
        .unwrap_or_default()
}

/// Table `counters` keyed by `pk`, holding `c` with `n = 0`.
fn counters() -> Engine {
    let engine = Engine::default();
    ok(
        &engine,
        "CreateTable",
        r#"{"TableName": "counters", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}"#,
    );
    ok(
        &engine,
        "PutItem",
        r#"{"TableName": "counters", "Item": {"pk": {"S": "c"}, "n": {"N": "0"}}}"#,
    );
    engine
}

fn counter(engine: &Engine, pk: &str) -> Option<Json> {
    let body = json!({"TableName": "counters", "Key": {"pk": {"S": pk}}, "ConsistentRead": true});
    let got = ok(engine, "GetItem", &body.to_string());
    got.get("Item").cloned()
}

fn n(engine: &Engine) -> String {
    counter(engine, "c").expect("item c")["n"]["N"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// One transaction: add 1 to `c`, put `p` (with a string set and a nested map), written twice with
/// every JSON map in a different order, numbers written differently and set members reordered.
const FIRST: &str = r##"{
    "ClientRequestToken": "tok-1",
    "ReturnConsumedCapacity": "NONE",
    "TransactItems": [
        {"Update": {
            "TableName": "counters",
            "Key": {"pk": {"S": "c"}},
            "UpdateExpression": "ADD #n :one SET #t = :tags",
            "ExpressionAttributeNames": {"#n": "n", "#t": "tags"},
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":tags": {"SS": ["a", "b"]}}
        }},
        {"Put": {
            "TableName": "counters",
            "Item": {"pk": {"S": "p"}, "price": {"N": "1.50"}, "tags": {"SS": ["x", "y", "z"]},
                     "doc": {"M": {"a": {"N": "1"}, "b": {"L": [{"S": "first"}, {"S": "second"}]}}}},
            "ConditionExpression": "attribute_not_exists(pk)"
        }}
    ]
}"##;

const REORDERED: &str = r##"{
    "TransactItems": [
        {"Update": {
            "ExpressionAttributeValues": {":tags": {"SS": ["b", "a"]}, ":one": {"N": "1.0"}},
            "ExpressionAttributeNames": {"#t": "tags", "#n": "n"},
            "UpdateExpression": "ADD #n :one SET #t = :tags",
            "Key": {"pk": {"S": "c"}},
            "TableName": "counters"
        }},
        {"Put": {
            "ConditionExpression": "attribute_not_exists(pk)",
            "Item": {"doc": {"M": {"b": {"L": [{"S": "first"}, {"S": "second"}]}, "a": {"N": "1E0"}}},
                     "tags": {"SS": ["z", "x", "y"]}, "price": {"N": "1.5"}, "pk": {"S": "p"}},
            "TableName": "counters"
        }}
    ],
    "ReturnConsumedCapacity": "NONE",
    "ClientRequestToken": "tok-1"
}"##;

#[test]
fn an_identical_retry_is_not_applied_again_whatever_the_order_of_its_maps() {
    let engine = counters();
    assert_eq!(ok(&engine, "TransactWriteItems", FIRST), json!({}));
    assert_eq!(n(&engine), "1");
    // Byte for byte the same, then the same request serialized differently.
    assert_eq!(ok(&engine, "TransactWriteItems", FIRST), json!({}));
    assert_eq!(ok(&engine, "TransactWriteItems", REORDERED), json!({}));
    assert_eq!(n(&engine), "1");
    assert!(counter(&engine, "p").is_some());
}

#[test]
fn a_retry_that_asks_for_something_else_is_refused() {
    let engine = counters();
    ok(&engine, "TransactWriteItems", FIRST);
    let different = [
        // Another value.
        FIRST.replace(r#"":one": {"N": "1"}"#, r#"":one": {"N": "2"}"#),
        // Another member of a set.
        FIRST.replace(r#"["x", "y", "z"]"#, r#"["x", "y", "w"]"#),
        // A list in another order (lists are ordered, unlike maps and sets).
        FIRST.replace(
            r#"[{"S": "first"}, {"S": "second"}]"#,
            r#"[{"S": "second"}, {"S": "first"}]"#,
        ),
        // A number and a string that read alike.
        FIRST.replace(r#""price": {"N": "1.50"}"#, r#""price": {"S": "1.50"}"#),
        // Another top-level parameter.
        FIRST.replace(r#""NONE""#, r#""TOTAL""#),
        // A member left out.
        FIRST.replace(r#""ReturnConsumedCapacity": "NONE","#, ""),
        // The same writes in another order.
        FIRST.replace(
            r#""TransactItems": ["#,
            r#""TransactItems": [{"ConditionCheck": {"TableName": "counters", "Key": {"pk": {"S": "c"}}, "ConditionExpression": "attribute_exists(pk)"}},"#,
        ),
    ];
    for body in &different {
        assert_ne!(body, FIRST, "the replacement must change the request");
        let (status, answer) = send(&engine, "TransactWriteItems", body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(
            error_code(&answer),
            "IdempotentParameterMismatchException",
            "{body}"
        );
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("client token")),
            "{answer}"
        );
    }
    assert_eq!(n(&engine), "1");
    // Another token is a new request: applied.
    ok(
        &engine,
        "TransactWriteItems",
        &FIRST
            .replace("tok-1", "tok-2")
            .replace(r#""S": "p""#, r#""S": "q""#),
    );
    assert_eq!(n(&engine), "2");
}

#[test]
fn the_token_must_be_1_to_36_characters() {
    let engine = counters();
    for (token, constraint) in [
        (String::new(), "greater than or equal to 1"),
        ("t".repeat(37), "less than or equal to 36"),
    ] {
        let body = FIRST.replace("tok-1", &token);
        let (status, answer) = send(&engine, "TransactWriteItems", &body);
        assert_eq!(status, 400, "{answer}");
        assert_eq!(error_code(&answer), "ValidationException");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("at 'clientRequestToken' failed to satisfy constraint")
                && message.contains(constraint),
            "{message}"
        );
    }
    assert_eq!(n(&engine), "0");
    // 36 characters, multi-byte ones included, are fine.
    let body = FIRST.replace("tok-1", &"é".repeat(36));
    ok(&engine, "TransactWriteItems", &body);
    assert_eq!(n(&engine), "1");
}

#[test]
fn a_cancelled_request_runs_again_when_retried_with_its_token() {
    let engine = counters();
    // `p` exists: the put's condition fails and the transaction is cancelled.
    ok(
        &engine,
        "PutItem",
        r#"{"TableName": "counters", "Item": {"pk": {"S": "p"}}}"#,
    );
    let (status, answer) = send(&engine, "TransactWriteItems", FIRST);
    assert_eq!(status, 400);
    assert_eq!(error_code(&answer), "TransactionCanceledException");
    assert_eq!(n(&engine), "0");
    // Nothing was remembered for the token: once `p` is gone the same request is carried out, once.
    ok(
        &engine,
        "DeleteItem",
        r#"{"TableName": "counters", "Key": {"pk": {"S": "p"}}}"#,
    );
    ok(&engine, "TransactWriteItems", REORDERED);
    ok(&engine, "TransactWriteItems", FIRST);
    assert_eq!(n(&engine), "1");
}

#[test]
fn a_retry_reports_the_read_capacity_of_reading_the_items() {
    let engine = counters();
    let first = FIRST.replace(r#""NONE""#, r#""TOTAL""#);
    let answer = ok(&engine, "TransactWriteItems", &first);
    // Transactional writes: two write units per KB, per item.
    assert_eq!(
        answer["ConsumedCapacity"],
        json!([{"TableName": "counters", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}])
    );
    let again = ok(&engine, "TransactWriteItems", &first);
    // The retry writes nothing; it reads the two items (one unit each, strongly consistent).
    assert_eq!(
        again["ConsumedCapacity"],
        json!([{"TableName": "counters", "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}])
    );
}
