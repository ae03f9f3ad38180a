//! Global secondary indexes with multi-attribute keys, through the JSON API: what is indexed, the
//! order of a query, LastEvaluatedKey and resuming, UpdateTable backfills, and the refusals.

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

fn error(engine: &Engine, operation: &str, body: Json) -> String {
    let (status, json) = call(engine, operation, body);
    assert_eq!(status, 400, "{operation} succeeded: {json}");
    json["message"].as_str().unwrap_or_default().to_owned()
}

fn definitions(names: &[(&str, &str)]) -> Json {
    Json::Array(
        names
            .iter()
            .map(|(n, t)| json!({"AttributeName": n, "AttributeType": t}))
            .collect(),
    )
}

/// A table keyed by `pk`, with index `gsi`: HASH `h`, RANGE `a`, `b`, `c`, `d` (strings but `d`,
/// a number), and the items of a tournament: one lacks `c`, so it is not in the index.
fn tournament() -> Engine {
    let engine = Engine::default();
    ok(
        &engine,
        "CreateTable",
        json!({
            "TableName": "matches", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": definitions(&[("pk", "S"), ("h", "S"), ("a", "S"), ("b", "S"), ("c", "S"), ("d", "N")]),
            "GlobalSecondaryIndexes": [{
                "IndexName": "gsi",
                "KeySchema": [
                    {"AttributeName": "h", "KeyType": "HASH"},
                    {"AttributeName": "a", "KeyType": "RANGE"},
                    {"AttributeName": "b", "KeyType": "RANGE"},
                    {"AttributeName": "c", "KeyType": "RANGE"},
                    {"AttributeName": "d", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }],
        }),
    );
    let items = [
        ("p1", "T", "live", Some("b"), "1"),
        ("p2", "T", "live", Some("a"), "20"),
        ("p3", "T", "live", Some("a"), "3"),
        ("p4", "T", "draft", Some("c"), "1"),
        ("p5", "F", "live", Some("a"), "0"),
        ("p6", "T", "live", None, "1"),
    ];
    for (pk, a, b, c, d) in items {
        let mut item =
            json!({"pk": {"S": pk}, "h": {"S": "o1"}, "a": {"S": a}, "b": {"S": b}, "d": {"N": d}});
        if let Some(c) = c {
            item["c"] = json!({"S": c});
        }
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "matches", "Item": item}),
        );
    }
    engine
}

fn query(engine: &Engine, condition: &str, extra: Json) -> (Vec<String>, Option<Json>) {
    let values = json!({":h": {"S": "o1"}, ":a": {"S": "T"}, ":b": {"S": "live"}, ":c": {"S": "a"},
                        ":d": {"N": "3"}, ":lo": {"N": "2"}, ":hi": {"N": "20"}});
    let used: serde_json::Map<String, Json> = values
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| condition.contains(k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut body = json!({"TableName": "matches", "IndexName": "gsi",
                          "KeyConditionExpression": condition, "ExpressionAttributeValues": used});
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    let answer = ok(engine, "Query", body);
    let pks = answer["Items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["pk"]["S"].as_str().unwrap_or_default().to_owned())
        .collect();
    (pks, answer.get("LastEvaluatedKey").cloned())
}

#[test]
fn sorted_by_the_sort_attributes_in_key_schema_order() {
    let engine = tournament();
    let (pks, _) = query(&engine, "h = :h", json!({}));
    // (F,...) < (T,draft,...) < (T,live,a,3) < (T,live,a,20) < (T,live,b,...); p6 lacks c.
    assert_eq!(pks, ["p5", "p4", "p3", "p2", "p1"]);
    let (pks, _) = query(&engine, "h = :h", json!({"ScanIndexForward": false}));
    assert_eq!(pks, ["p1", "p2", "p3", "p4", "p5"]);
    assert_eq!(
        query(&engine, "h = :h AND a = :a", json!({})).0,
        ["p4", "p3", "p2", "p1"]
    );
    assert_eq!(
        query(&engine, "b = :b AND h = :h AND a = :a", json!({})).0,
        ["p3", "p2", "p1"]
    );
    assert_eq!(
        query(&engine, "h = :h AND a = :a AND b < :b", json!({})).0,
        ["p4"]
    );
    assert_eq!(
        query(
            &engine,
            "h = :h AND a = :a AND b = :b AND c = :c AND d >= :d",
            json!({})
        )
        .0,
        ["p3", "p2"]
    );
    assert_eq!(
        query(
            &engine,
            "h = :h AND a = :a AND b = :b AND c = :c AND d BETWEEN :lo AND :hi",
            json!({})
        )
        .0,
        ["p3", "p2"]
    );
    assert_eq!(
        query(
            &engine,
            "h = :h AND a = :a AND b = :b AND begins_with(c, :c)",
            json!({})
        )
        .0,
        ["p3", "p2"]
    );
}

#[test]
fn pages_carry_every_key_attribute_and_resume() {
    let engine = tournament();
    let (first, last) = query(&engine, "h = :h AND a = :a", json!({"Limit": 2}));
    assert_eq!(first, ["p4", "p3"]);
    let last = last.expect("a LastEvaluatedKey");
    let mut names: Vec<&String> = last.as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["a", "b", "c", "d", "h", "pk"]);
    let (rest, _) = query(
        &engine,
        "h = :h AND a = :a",
        json!({"ExclusiveStartKey": last}),
    );
    assert_eq!(rest, ["p2", "p1"]);
    // A start key missing an index key attribute is refused.
    let mut bad = last.clone();
    bad.as_object_mut().unwrap().remove("d");
    let message = error(
        &engine,
        "Query",
        json!({"TableName": "matches", "IndexName": "gsi", "KeyConditionExpression": "h = :h",
               "ExpressionAttributeValues": {":h": {"S": "o1"}}, "ExclusiveStartKey": bad}),
    );
    assert!(
        message.starts_with("The provided starting key is invalid"),
        "{message}"
    );
    // A scan of the index walks it in the same order, and resumes too.
    let scan = ok(
        &engine,
        "Scan",
        json!({"TableName": "matches", "IndexName": "gsi", "Limit": 3}),
    );
    assert_eq!(scan["Count"], 3);
    let rest = ok(
        &engine,
        "Scan",
        json!({"TableName": "matches", "IndexName": "gsi", "ExclusiveStartKey": scan["LastEvaluatedKey"]}),
    );
    assert_eq!(rest["Count"], 2);
}

#[test]
fn index_follows_writes() {
    let engine = tournament();
    // Giving p6 its missing attribute indexes it; removing one from p3 drops it.
    ok(
        &engine,
        "UpdateItem",
        json!({"TableName": "matches", "Key": {"pk": {"S": "p6"}}, "UpdateExpression": "SET c = :c",
               "ExpressionAttributeValues": {":c": {"S": "a"}}}),
    );
    ok(
        &engine,
        "UpdateItem",
        json!({"TableName": "matches", "Key": {"pk": {"S": "p3"}}, "UpdateExpression": "REMOVE d"}),
    );
    assert_eq!(
        query(
            &engine,
            "h = :h AND a = :a AND b = :b AND c = :c",
            json!({})
        )
        .0,
        ["p6", "p2"]
    );
    // A key attribute of the wrong type refuses the write and leaves the index as it was.
    let message = error(
        &engine,
        "PutItem",
        json!({"TableName": "matches", "Item": {"pk": {"S": "p7"}, "h": {"S": "o1"}, "d": {"S": "x"}}}),
    );
    assert_eq!(
        message,
        "One or more parameter values were invalid: Type mismatch for Index Key d Expected: N Actual: S IndexName: gsi"
    );
    let message = error(
        &engine,
        "PutItem",
        json!({"TableName": "matches", "Item": {"pk": {"S": "p7"}, "h": {"S": "o1"}, "b": {"S": ""}}}),
    );
    assert!(
        message.ends_with("IndexName: gsi, IndexKey: b"),
        "{message}"
    );
    let describe = ok(&engine, "DescribeTable", json!({"TableName": "matches"}));
    let index = &describe["Table"]["GlobalSecondaryIndexes"][0];
    assert_eq!(index["ItemCount"], 5);
    let kinds: Vec<(&str, &str)> = index["KeySchema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap(),
                k["KeyType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("h", "HASH"),
            ("a", "RANGE"),
            ("b", "RANGE"),
            ("c", "RANGE"),
            ("d", "RANGE")
        ]
    );
}

#[test]
fn multi_attribute_partition_key_and_update_table_backfill() {
    let engine = tournament();
    ok(
        &engine,
        "UpdateTable",
        json!({"TableName": "matches",
               "AttributeDefinitions": definitions(&[("a", "S"), ("b", "S"), ("d", "N")]),
               "GlobalSecondaryIndexUpdates": [{"Create": {
                   "IndexName": "by-ab",
                   "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"},
                                 {"AttributeName": "b", "KeyType": "HASH"},
                                 {"AttributeName": "d", "KeyType": "RANGE"}],
                   "Projection": {"ProjectionType": "KEYS_ONLY"}}}]}),
    );
    let answer = ok(
        &engine,
        "Query",
        json!({"TableName": "matches", "IndexName": "by-ab",
               "KeyConditionExpression": "b = :b AND a = :a AND d > :d",
               "ExpressionAttributeValues": {":a": {"S": "T"}, ":b": {"S": "live"}, ":d": {"N": "1"}}}),
    );
    let pks: Vec<&str> = answer["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pk"]["S"].as_str().unwrap())
        .collect();
    assert_eq!(pks, ["p3", "p2"]);
    // KEYS_ONLY holds the table key and every index key attribute.
    let mut names: Vec<&String> = answer["Items"][0].as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["a", "b", "d", "pk"]);
    let message = error(
        &engine,
        "Query",
        json!({"TableName": "matches", "IndexName": "by-ab", "KeyConditionExpression": "a = :a",
               "ExpressionAttributeValues": {":a": {"S": "T"}}}),
    );
    assert_eq!(message, "Query condition missed key schema element: b");
    let message = error(
        &engine,
        "Query",
        json!({"TableName": "matches", "IndexName": "by-ab", "KeyConditionExpression": "a = :a AND b = :b",
               "ExpressionAttributeValues": {":a": {"S": "T"}, ":b": {"N": "1"}}}),
    );
    assert_eq!(
        message,
        "One or more parameter values were invalid: Condition parameter type does not match schema type"
    );
    // Parallel scan segments split the index's partitions between them, each seen once.
    let mut seen = 0;
    for segment in 0..3 {
        let page = ok(
            &engine,
            "Scan",
            json!({"TableName": "matches", "IndexName": "by-ab", "Segment": segment, "TotalSegments": 3}),
        );
        seen += page["Count"].as_u64().unwrap();
    }
    assert_eq!(seen, 6);
}

#[test]
fn key_schema_refusals() {
    let engine = Engine::default();
    let table = |gsi_keys: Json| {
        json!({"TableName": "t1x", "BillingMode": "PAY_PER_REQUEST",
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
               "AttributeDefinitions": definitions(&[("pk", "S"), ("a", "S"), ("b", "S"), ("c", "S"), ("d", "S"), ("e", "S")]),
               "GlobalSecondaryIndexes": [{"IndexName": "gsi", "KeySchema": gsi_keys,
                                           "Projection": {"ProjectionType": "ALL"}}]})
    };
    let key = |n: &str, t: &str| json!({"AttributeName": n, "KeyType": t});
    let five: Vec<Json> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|n| key(n, "HASH"))
        .collect();
    let message = error(&engine, "CreateTable", table(Json::Array(five)));
    assert!(message.contains("at most 4 HASH and 4 RANGE"), "{message}");
    let mut many_ranges = vec![key("pk", "HASH")];
    many_ranges.extend(["a", "b", "c", "d", "e"].iter().map(|n| key(n, "RANGE")));
    let message = error(&engine, "CreateTable", table(Json::Array(many_ranges)));
    assert!(message.contains("at most 4 HASH and 4 RANGE"), "{message}");
    let message = error(
        &engine,
        "CreateTable",
        table(json!([
            key("a", "HASH"),
            key("b", "RANGE"),
            key("c", "HASH"),
            key("d", "RANGE"),
            key("e", "RANGE")
        ])),
    );
    assert!(
        message.contains("HASH key attribute must come before"),
        "{message}"
    );
    let message = error(
        &engine,
        "CreateTable",
        table(json!([
            key("a", "RANGE"),
            key("b", "HASH"),
            key("c", "HASH"),
            key("d", "HASH"),
            key("e", "HASH")
        ])),
    );
    assert!(
        message.contains("The first KeySchemaElement is not a HASH key type"),
        "{message}"
    );
    let message = error(
        &engine,
        "CreateTable",
        table(json!([
            key("a", "HASH"),
            key("a", "RANGE"),
            key("b", "RANGE"),
            key("c", "RANGE"),
            key("d", "HASH"),
            key("e", "HASH")
        ])),
    );
    assert_eq!(
        message,
        "Invalid KeySchema: Some index key attribute have no definition"
    );
    // A table's own key stays one HASH and at most one RANGE attribute.
    let message = error(
        &engine,
        "CreateTable",
        json!({"TableName": "t2x", "BillingMode": "PAY_PER_REQUEST",
               "KeySchema": [key("pk", "HASH"), key("a", "HASH")],
               "AttributeDefinitions": definitions(&[("pk", "S"), ("a", "S")])}),
    );
    assert!(
        message.contains("more than one HASH or RANGE key"),
        "{message}"
    );
    let message = error(
        &engine,
        "CreateTable",
        json!({"TableName": "t2x", "BillingMode": "PAY_PER_REQUEST",
               "KeySchema": [key("pk", "HASH"), key("a", "RANGE"), key("b", "RANGE")],
               "AttributeDefinitions": definitions(&[("pk", "S"), ("a", "S"), ("b", "S")])}),
    );
    assert!(
        message.ends_with("Member must have length less than or equal to 2"),
        "{message}"
    );
    let message = error(
        &engine,
        "CreateTable",
        json!({"TableName": "t2x", "BillingMode": "PAY_PER_REQUEST",
               "KeySchema": [{"AttributeName": "pk", "KeyType": "PRIMARY"}],
               "AttributeDefinitions": definitions(&[("pk", "S")])}),
    );
    assert_eq!(message, "1 validation error detected: Value 'PRIMARY' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]");
    assert!(ok(&engine, "ListTables", json!({}))["TableNames"]
        .as_array()
        .unwrap()
        .is_empty());
}
