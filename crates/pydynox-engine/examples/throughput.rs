//! The engine's own cost per request, in process (no HTTP, no Python), on the workloads of
//! `benchmarks/bench_engine.py`: put and get of ~1 KB items, a query of a 100-item partition, and a
//! batch write of 25 items. For profiling (`valgrind --tool=callgrind`) and quick comparisons:
//!
//! ```text
//! cargo run --release -p pydynox-engine --example throughput [ROUNDS] [WORKLOAD]
//! ```

use std::time::Instant;

use pydynox_engine::engine::Engine;
use serde_json::json;

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let only = args.next();
    let engine = Engine::default();
    let payload = "x".repeat(900);
    let create = json!({
        "TableName": "bench", "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
    });
    assert_eq!(
        engine
            .handle("CreateTable", create.to_string().as_bytes())
            .status,
        200
    );
    for i in 0..100 {
        let put = json!({"TableName": "bench", "Item": {"pk": {"S": "Q"}, "sk": {"S": format!("{i:06}")}, "data": {"S": payload}}});
        assert_eq!(
            engine.handle("PutItem", put.to_string().as_bytes()).status,
            200
        );
    }
    let puts: Vec<Vec<u8>> = (0..rounds)
        .map(|i| {
            json!({"TableName": "bench", "Item": {"pk": {"S": format!("p{}", i % 50)}, "sk": {"S": format!("{i:06}")}, "data": {"S": payload}}})
                .to_string()
                .into_bytes()
        })
        .collect();
    let gets: Vec<Vec<u8>> = (0..rounds)
        .map(|i| {
            json!({"TableName": "bench", "Key": {"pk": {"S": format!("p{}", i % 50)}, "sk": {"S": format!("{i:06}")}}})
                .to_string()
                .into_bytes()
        })
        .collect();
    let query = json!({"TableName": "bench", "KeyConditionExpression": "pk = :p",
                       "ExpressionAttributeValues": {":p": {"S": "Q"}}})
    .to_string()
    .into_bytes();
    let batches: Vec<Vec<u8>> = (0..rounds / 10)
        .map(|i| {
            let writes: Vec<_> = (0..25)
                .map(|j| json!({"PutRequest": {"Item": {"pk": {"S": format!("b{i}")}, "sk": {"S": format!("{j:03}")}, "data": {"S": payload}}}}))
                .collect();
            json!({"RequestItems": {"bench": writes}}).to_string().into_bytes()
        })
        .collect();
    let workloads: Vec<(&str, &str, Vec<&[u8]>)> = vec![
        (
            "put_item",
            "PutItem",
            puts.iter().map(Vec::as_slice).collect(),
        ),
        (
            "get_item",
            "GetItem",
            gets.iter().map(Vec::as_slice).collect(),
        ),
        (
            "query (100 items)",
            "Query",
            vec![query.as_slice(); rounds / 10],
        ),
        (
            "batch_write (25 items)",
            "BatchWriteItem",
            batches.iter().map(Vec::as_slice).collect(),
        ),
    ];
    for (name, operation, bodies) in workloads {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let start = Instant::now();
        let mut bytes = 0;
        for body in &bodies {
            let answer = engine.handle(operation, body);
            assert_eq!(
                answer.status,
                200,
                "{}",
                String::from_utf8_lossy(&answer.body)
            );
            bytes += answer.body.len();
        }
        let elapsed = start.elapsed();
        println!(
            "{name:24} {:>9.2} us/request {:>10.0} requests/s ({} answer bytes)",
            elapsed.as_secs_f64() * 1e6 / bodies.len() as f64,
            bodies.len() as f64 / elapsed.as_secs_f64(),
            bytes / bodies.len().max(1)
        );
    }
}
