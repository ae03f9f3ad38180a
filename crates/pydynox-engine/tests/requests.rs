//! Requests whose own names look like the members that hold items (a table called `Item`, an
//! attribute called `Key`): the one-pass reader must leave them as they came.

use pydynox_engine::engine::Engine;
use serde_json::{json, Value as Json};

fn ok(engine: &Engine, operation: &str, body: Json) -> Json {
    let answer = engine.handle(operation, body.to_string().as_bytes());
    let json: Json = serde_json::from_slice(&answer.body).expect("a JSON answer");
    assert_eq!(answer.status, 200, "{operation}: {json}");
    json
}

#[test]
fn a_table_called_item_keyed_by_an_attribute_called_key() {
    let engine = Engine::default();
    ok(
        &engine,
        "CreateTable",
        json!({"TableName": "Item", "BillingMode": "PAY_PER_REQUEST",
               "KeySchema": [{"AttributeName": "Key", "KeyType": "HASH"}],
               "AttributeDefinitions": [{"AttributeName": "Key", "AttributeType": "S"}],
               "Tags": [{"Key": "team", "Value": "core"}]}),
    );
    ok(
        &engine,
        "BatchWriteItem",
        json!({"RequestItems": {"Item": [
            {"PutRequest": {"Item": {"Key": {"S": "a"}, "Item": {"N": "1"}}}},
            {"PutRequest": {"Item": {"Key": {"S": "b"}, "Item": {"N": "2"}}}},
        ]}}),
    );
    let got = ok(
        &engine,
        "BatchGetItem",
        json!({"RequestItems": {"Item": {"Keys": [{"Key": {"S": "a"}}, {"Key": {"S": "b"}}]}}}),
    );
    assert_eq!(got["Responses"]["Item"].as_array().unwrap().len(), 2);
    // Legacy parameters name attributes as JSON keys.
    let found = ok(
        &engine,
        "Query",
        json!({"TableName": "Item",
               "KeyConditions": {"Key": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}},
               "QueryFilter": {"Item": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "0"}]}}}),
    );
    assert_eq!(found["Count"], 1);
    let updated = ok(
        &engine,
        "UpdateItem",
        json!({"TableName": "Item", "Key": {"Key": {"S": "a"}},
               "Expected": {"Item": {"Value": {"N": "1"}}},
               "AttributeUpdates": {"Item": {"Action": "ADD", "Value": {"N": "5"}}},
               "ReturnValues": "UPDATED_NEW"}),
    );
    assert_eq!(updated["Attributes"], json!({"Item": {"N": "6"}}));
    let arn =
        ok(&engine, "DescribeTable", json!({"TableName": "Item"}))["Table"]["TableArn"].clone();
    let tags = ok(&engine, "ListTagsOfResource", json!({"ResourceArn": arn}));
    assert_eq!(tags["Tags"], json!([{"Key": "team", "Value": "core"}]));
    // PartiQL parameters are attribute values, maps with such names included.
    ok(
        &engine,
        "ExecuteStatement",
        json!({"Statement": "INSERT INTO \"Item\" VALUE {'Key': 'c', 'Item': ?}",
               "Parameters": [{"M": {"Key": {"S": "x"}}}]}),
    );
    let c = ok(
        &engine,
        "GetItem",
        json!({"TableName": "Item", "Key": {"Key": {"S": "c"}}}),
    );
    assert_eq!(c["Item"]["Item"], json!({"M": {"Key": {"S": "x"}}}));
}
