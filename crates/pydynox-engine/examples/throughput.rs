//! The engine's own cost per request, in process (no HTTP, no Python), on the workloads of
//! `benchmarks/bench_engine.py`: put and get of ~1 KB items, a query of a 100-item partition, and a
//! batch write of 25 items. For profiling (`valgrind --tool=callgrind`) and quick comparisons:
//!
//! ```text
//! cargo run --release -p pydynox-engine --example throughput [ROUNDS] [WORKLOAD]
//! ```

use std::time::Instant;

// The allocator `pydynox local` runs on (pydynox-core's): stored items' memory is a large part of a
// write's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let put = |i: usize| {
        json!({"TableName": "bench", "Item": {"pk": {"S": format!("p{}", i % 50)}, "sk": {"S": format!("{i:06}")}, "data": {"S": payload}}})
            .to_string()
            .into_bytes()
    };
    let get = |i: usize| {
        json!({"TableName": "bench", "Key": {"pk": {"S": format!("p{}", i % 50)}, "sk": {"S": format!("{i:06}")}}})
            .to_string()
            .into_bytes()
    };
    let query = |_: usize| {
        json!({"TableName": "bench", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "Q"}}})
        .to_string()
        .into_bytes()
    };
    let batch = |i: usize| {
        let writes: Vec<_> = (0..25)
            .map(|j| json!({"PutRequest": {"Item": {"pk": {"S": format!("b{i}")}, "sk": {"S": format!("{j:03}")}, "data": {"S": payload}}}}))
            .collect();
        json!({"RequestItems": {"bench": writes}})
            .to_string()
            .into_bytes()
    };
    // (name, operation, requests, request i): bodies are made before the clock starts, and only
    // for the workloads asked for (a profile then shows the requests, not their making).
    type Make<'a> = &'a dyn Fn(usize) -> Vec<u8>;
    let workloads: [(&str, &str, usize, Make); 4] = [
        ("put_item", "PutItem", rounds, &put),
        ("get_item", "GetItem", rounds, &get),
        ("query (100 items)", "Query", rounds / 10, &query),
        (
            "batch_write (25 items)",
            "BatchWriteItem",
            rounds / 10,
            &batch,
        ),
    ];
    for (name, operation, count, make) in workloads {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let bodies: Vec<Vec<u8>> = (0..count).map(make).collect();
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
