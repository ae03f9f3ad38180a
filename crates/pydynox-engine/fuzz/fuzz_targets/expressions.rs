//! Feeds arbitrary bytes to every expression parser (condition, filter, key condition, projection,
//! update, PartiQL statements), to the legacy-parameter builders and to the request reader (items
//! parsed as the bytes are read, answers written back, the canonical form of transaction token
//! checks), and evaluates whatever parses on a few items. Any panic is a bug: bad input must come
//! back as a DynamoDB error.
//!
//! Run (stable toolchain, nightly flags unlocked; its own workspace and target directory):
//!
//! ```text
//! cd crates/pydynox-engine/fuzz
//! RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=/root/.cache/pydynox/fuzz-target \
//!     cargo fuzz run expressions -- -max_total_time=600
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;
use pydynox_engine::expr::{self, legacy, Context};
use pydynox_engine::number::Number;
use pydynox_engine::partiql::{parse_statement, Statement};
use pydynox_engine::request::{Node, Request};
use pydynox_engine::wire::{self, item_from_json, Lazy};
use pydynox_engine::{Item, KeyValue, Value};

fn context() -> Context {
    let mut m = Item::new();
    m.insert("k".into(), Value::N(Number::from_i64(3)));
    Context::from_maps(
        [
            ("#n".to_owned(), "x".to_owned()),
            ("#m".to_owned(), "m".to_owned()),
        ],
        [
            (":n".to_owned(), Value::N(Number::from_i64(2))),
            (":s".to_owned(), Value::S("S".into())),
            (":l".to_owned(), Value::L(vec![Value::S("a".into())])),
            (":ss".to_owned(), Value::Ss(vec!["a".into(), "b".into()])),
            (":ns".to_owned(), Value::Ns(vec![Number::from_i64(1)])),
            (":m".to_owned(), Value::M(m)),
            (":t".to_owned(), Value::Bool(true)),
            (":b".to_owned(), Value::B(vec![0, 1])),
            (":u".to_owned(), Value::Null),
        ],
    )
}

fn items() -> Vec<Item> {
    let rich = serde_json::json!({
        "a": {"S": "abc"}, "b": {"N": "5"}, "x": {"SS": ["a", "S"]},
        "m": {"M": {"k": {"N": "3"}, "x": {"L": [{"S": "a"}, {"NULL": true}]}}},
        "l": {"L": [{"N": "1"}, {"M": {"k": {"B": "AAE="}}}, {"BOOL": false}]}
    });
    vec![Item::new(), item_from_json(&rich).unwrap()]
}

fn expressions(text: &str, items: &[Item]) {
    let ctx = context();
    for kind in ["ConditionExpression", "FilterExpression"] {
        if let Ok(c) = expr::parse_condition(text, &ctx, kind) {
            for it in items {
                let _ = c.eval(it);
            }
            let _ = c.key_equalities(&["a", "b"]);
        }
    }
    if let Ok(u) = expr::parse_update(text, &ctx) {
        let _ = u.paths();
        for it in items {
            let mut copy = it.clone();
            let _ = u.apply(&mut copy);
        }
    }
    if let Ok(p) = expr::parse_projection(text, &ctx) {
        for it in items {
            let _ = p.apply(it);
        }
    }
    if let Ok(k) = expr::parse_key_condition(text, &ctx, &["a"], &["b"]) {
        let key = KeyValue::S("abc".into());
        let _ = k.matches(&[key], &[KeyValue::N(Number::from_i64(5))]);
        let _ = k.check_types(&["S"], &["N"]);
    }
    // A multi-attribute index key: two partition and three sort attributes.
    if let Ok(k) = expr::parse_key_condition(text, &ctx, &["a", "x"], &["b", "m", "l"]) {
        let key = KeyValue::S("abc".into());
        let _ = k.matches(&[key.clone(), key.clone()], &[key]);
        let _ = k.matches_sort(&[]);
        let _ = k.check_types(&["S", "N"], &["N", "S", "B"]);
    }
    let _ = expr::parse_key_condition(text, &ctx, &["b"], &[]);
    let _ = ctx.finish();
}

fn legacy_parameters(json: &serde_json::Value, items: &[Item]) {
    let _ = Context::new(Some(json), Some(json)).map(|c| c.finish());
    let op = Some(&serde_json::Value::String("OR".into()));
    let conditions = [
        legacy::expected(json, None),
        legacy::expected(json, op),
        legacy::filter(json, None, "ScanFilter"),
    ];
    for c in conditions.into_iter().flatten().flatten() {
        for it in items {
            let _ = c.eval(it);
        }
    }
    let _ = legacy::key_conditions(json, &["a"], &["b"]);
    let _ = legacy::key_conditions(json, &["a", "x"], &["b", "m"]);
    if let Ok(p) = legacy::attributes_to_get(json) {
        for it in items {
            let _ = p.apply(it);
        }
    }
    if let Ok(u) = legacy::attribute_updates(json) {
        for it in items {
            let mut copy = it.clone();
            let _ = u.apply(&mut copy);
        }
    }
}

fn partiql(text: &str, items: &[Item]) {
    let pool = [
        Value::S("a".into()),
        Value::N(Number::from_i64(-7)),
        Value::B(vec![1]),
        Value::Ss(vec!["x".into()]),
        Value::L(vec![Value::Null]),
        Value::M(Item::new()),
        Value::Bool(false),
        Value::Null,
    ];
    let wanted = text.bytes().filter(|b| *b == b'?').count().min(64);
    let params: Vec<Value> = pool.iter().cycle().take(wanted).cloned().collect();
    let Ok(statement) = parse_statement(text, &params) else {
        return;
    };
    let _ = statement.table();
    match statement {
        Statement::Select {
            condition,
            projection,
            ..
        } => {
            for it in items {
                if let Some(c) = &condition {
                    let _ = c.eval(it);
                }
                if let Some(paths) = &projection {
                    let _ = expr::Projection::unchecked(paths.clone()).apply(it);
                }
            }
        }
        Statement::Update {
            update, condition, ..
        } => {
            let _ = condition.key_equalities(&["a", "b"]);
            for it in items {
                let _ = condition.eval(it);
                let mut copy = it.clone();
                let _ = update.apply(&mut copy);
            }
        }
        Statement::Delete { condition, .. } => {
            for it in items {
                let _ = condition.eval(it);
            }
        }
        Statement::Insert { item, .. } => {
            let _ = pydynox_engine::value::item_size(&item);
        }
    }
}

/// Walks a read request, taking every item it holds (twice: the second read must be an error, not
/// a panic) and writing it back.
fn walk(lazy: &Lazy<'_>) {
    match lazy {
        Lazy::Object(members) => members.iter().for_each(|(_, v)| walk(v)),
        Lazy::Array(values) => values.iter().for_each(walk),
        Lazy::Item(_) => {
            let _ = lazy.to_json();
            if let Ok(item) = lazy.take_item() {
                let mut out = wire::Out::new();
                out.item("Item", &item);
                let _ = serde_json::from_slice::<serde_json::Value>(&out.finish())
                    .expect("the writer writes JSON");
            }
            let _ = lazy.take_item();
        }
        Lazy::Scalar(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(read) = wire::read_request(data) {
        // The canonical form a transaction token's retry is compared by (attribute maps, value
        // lists, whatever the members hold), made before anything is taken out of the request.
        if let Ok(request) = Request::of(Node::Read(&read)) {
            let _ = request.canonical_without("ClientRequestToken");
        }
        walk(&read);
        let _ = read.to_json();
    }
    let items = items();
    let text = String::from_utf8_lossy(data);
    expressions(&text, &items);
    partiql(&text, &items);
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) {
        legacy_parameters(&json, &items);
    }
});
