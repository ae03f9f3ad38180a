//! Property tests: no input makes a parser or evaluator panic, and the arithmetic of updates is
//! exactly `Number::add`. `random_driver` (ignored) runs the same inputs for a fixed time.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::number::Number;
use crate::value::{Item, KeyValue, Value};

const TOKENS: &[&str] = &[
    "a",
    "b",
    "m",
    "l",
    "x",
    "#n",
    "#m",
    ":n",
    ":s",
    ":l",
    ":ss",
    ":ns",
    ":m",
    ":t",
    ":b",
    ":u",
    "(",
    ")",
    "[",
    "]",
    "0",
    "1",
    "99999999999",
    ".",
    ",",
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "AND",
    "or",
    "NOT",
    "BETWEEN",
    "in",
    "SET",
    "REMOVE",
    "ADD",
    "DELETE",
    "size",
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
    "if_not_exists",
    "list_append",
    "status",
    "#undefined",
    ":undefined",
    "é",
    ";",
    "#",
    ":",
    "SELECT",
    "*",
    "FROM",
    "WHERE",
    "UPDATE",
    "INSERT INTO",
    "VALUE",
    "'s'",
    "\"q\"",
    "?",
    "<<",
    ">>",
    "{",
    "}",
    "IS",
    "MISSING",
    "-1.5e3",
    "RETURNING ALL OLD *",
    "set_add",
    "--",
];

pub(crate) fn context() -> Context {
    let num = |s: &str| Value::N(Number::parse(s).unwrap_or(Number::ZERO));
    Context::from_maps(
        [
            ("#n".to_owned(), "x".to_owned()),
            ("#m".to_owned(), "m".to_owned()),
        ],
        [
            (":n".to_owned(), num("1.5")),
            (":s".to_owned(), Value::S("S".into())),
            (
                ":l".to_owned(),
                Value::L(vec![num("1"), Value::S("a".into())]),
            ),
            (":ss".to_owned(), Value::Ss(vec!["a".into(), "b".into()])),
            (
                ":ns".to_owned(),
                Value::Ns(vec![Number::from_i64(1), Number::from_i64(-2)]),
            ),
            (":m".to_owned(), {
                let mut m = Item::new();
                m.insert("k".into(), num("3"));
                Value::M(m)
            }),
            (":t".to_owned(), Value::Bool(true)),
            (":b".to_owned(), Value::B(vec![0, 1])),
            (":u".to_owned(), Value::Null),
        ],
    )
}

/// Runs `text` through every parser and evaluates whatever parses on `item`. Must never panic.
pub(crate) fn exercise(text: &str, item: &Item) {
    let ctx = context();
    for kind in ["ConditionExpression", "FilterExpression"] {
        if let Ok(c) = parse_condition(text, &ctx, kind) {
            let _ = c.eval(item);
            let _ = c.eval(&Item::new());
            let _ = c.key_equalities(&["a", "b"]);
            let _ = condition_paths(&c.root);
        }
    }
    if let Ok(u) = parse_update(text, &ctx) {
        let _ = u.paths();
        let mut copy = item.clone();
        let _ = u.apply(&mut copy);
        let _ = u.apply(&mut Item::new());
    }
    if let Ok(p) = parse_projection(text, &ctx) {
        let _ = p.apply(item);
    }
    if let Ok(k) = parse_key_condition(text, &ctx, &["a"], &["b"]) {
        let key = KeyValue::S("a".into());
        let _ = k.matches(std::slice::from_ref(&key), std::slice::from_ref(&key));
        let _ = k.check_types(&["S"], &["N"]);
    }
    if let Ok(k) = parse_key_condition(text, &ctx, &["a", "x"], &["b", "c", "d"]) {
        let key = KeyValue::S("a".into());
        let _ = k.matches(&[key.clone(), key.clone()], &[key.clone(), key]);
        let _ = k.check_types(&["S", "N"], &["N", "S", "B"]);
    }
    let _ = parse_key_condition(text, &ctx, &["a"], &[]);
    let _ = ctx.finish();
    let params = vec![Value::S("p".into()); text.matches('?').count().min(64)];
    if let Ok(crate::partiql::Statement::Update {
        update, condition, ..
    }) = crate::partiql::parse_statement(text, &params)
    {
        let _ = condition.eval(item);
        let mut copy = item.clone();
        let _ = update.apply(&mut copy);
    }
}

fn number() -> impl Strategy<Value = Number> {
    (any::<i64>(), -140i32..140)
        .prop_filter_map("in range", |(m, e)| Number::new(m as i128, e).ok())
}

fn leaf() -> impl Strategy<Value = Value> {
    let text = prop::sample::select(vec!["", "a", "ab", "b", "S", "x y", "é"]);
    prop_oneof![
        text.prop_map(|s| Value::S(s.to_owned())),
        number().prop_map(Value::N),
        prop::collection::vec(any::<u8>(), 0..4).prop_map(Value::B),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        prop::collection::btree_set(prop::sample::select(vec!["a", "b", "c"]), 1..3)
            .prop_map(|s| Value::Ss(s.into_iter().map(str::to_owned).collect())),
        prop::collection::btree_set(-3i64..3, 1..3)
            .prop_map(|s| Value::Ns(s.into_iter().map(Number::from_i64).collect())),
        prop::collection::btree_set(prop::collection::vec(any::<u8>(), 0..2), 1..3)
            .prop_map(|s: BTreeSet<Vec<u8>>| Value::Bs(s.into_iter().collect())),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::L),
            prop::collection::btree_map(prop::sample::select(vec!["k", "x", "a"]), inner, 0..3)
                .prop_map(|m| Value::M(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn item() -> impl Strategy<Value = Item> {
    prop::collection::btree_map(
        prop::sample::select(vec!["a", "b", "x", "m", "l"]),
        value(),
        0..5,
    )
    .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|t| t.join(" "))
}

fn path() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "a", "b", "#n", "m.k", "l[0]", "l[1].k", "#m.#n", "m.a[2]", "x",
    ])
    .prop_map(str::to_owned)
}

fn operand() -> impl Strategy<Value = String> {
    let value = prop::sample::select(vec![":n", ":s", ":l", ":ss", ":ns", ":m", ":t", ":b", ":u"]);
    prop_oneof![
        path(),
        value.prop_map(str::to_owned),
        path().prop_map(|p| format!("size({p})")),
    ]
}

/// Well-formed conditions (mostly valid; some type errors are refused at parse time).
fn condition() -> impl Strategy<Value = String> {
    let cmp = prop::sample::select(vec!["=", "<>", "<", "<=", ">", ">="]);
    let leaf = prop_oneof![
        (operand(), cmp, operand()).prop_map(|(a, c, b)| format!("{a} {c} {b}")),
        (operand(), operand(), operand()).prop_map(|(a, b, c)| format!("{a} BETWEEN {b} AND {c}")),
        (operand(), prop::collection::vec(operand(), 1..4))
            .prop_map(|(a, l)| format!("{a} IN ({})", l.join(", "))),
        path().prop_map(|p| format!("attribute_exists({p})")),
        path().prop_map(|p| format!("attribute_not_exists({p})")),
        (path(), prop::sample::select(vec!["S", "N", "L", "M", "SS"]))
            .prop_map(|(p, _)| format!("attribute_type({p}, :s)")),
        (operand(), operand()).prop_map(|(a, b)| format!("begins_with({a}, {b})")),
        (operand(), operand()).prop_map(|(a, b)| format!("contains({a}, {b})")),
    ];
    leaf.prop_recursive(4, 32, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("NOT {c}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} AND {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} OR {b})")),
        ]
    })
}

fn set_value() -> impl Strategy<Value = String> {
    let term = prop_oneof![
        path(),
        prop::sample::select(vec![":n", ":l", ":s", ":ss"]).prop_map(str::to_owned),
        (path(), operand()).prop_map(|(p, v)| format!(
            "if_not_exists({p}, {})",
            v.replace("size", "if_not_exists")
        )),
        (path(), path()).prop_map(|(a, b)| format!("list_append({a}, {b})")),
    ];
    (term.clone(), prop::sample::select(vec!["", "+", "-"]), term).prop_map(|(a, op, b)| {
        if op.is_empty() {
            a
        } else {
            format!("{a} {op} {b}")
        }
    })
}

fn update() -> impl Strategy<Value = String> {
    let set = prop::collection::vec((path(), set_value()), 1..3).prop_map(|v| {
        let parts: Vec<String> = v.into_iter().map(|(p, x)| format!("{p} = {x}")).collect();
        format!("SET {}", parts.join(", "))
    });
    let remove =
        prop::collection::vec(path(), 1..3).prop_map(|v| format!("REMOVE {}", v.join(", ")));
    let add = (path(), prop::sample::select(vec![":n", ":ss", ":ns"]))
        .prop_map(|(p, v)| format!("ADD {p} {v}"));
    let delete = (path(), prop::sample::select(vec![":ss", ":ns"]))
        .prop_map(|(p, v)| format!("DELETE {p} {v}"));
    (
        prop::option::of(set),
        prop::option::of(remove),
        prop::option::of(add),
        prop::option::of(delete),
    )
        .prop_map(|(a, b, c, d)| {
            [a, b, c, d]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_never_panic(text in "\\PC{0,120}", it in item()) {
        exercise(&text, &it);
    }

    #[test]
    fn random_ascii_never_panics(text in "[ -~]{0,120}") {
        exercise(&text, &Item::new());
    }

    #[test]
    fn token_soups_never_panic(text in token_soup(), it in item()) {
        exercise(&text, &it);
    }

    #[test]
    fn conditions_evaluate_on_random_items(text in condition(), it in item()) {
        let ctx = context();
        if let Ok(c) = parse_condition(&text, &ctx, "ConditionExpression") {
            let v = c.eval(&it).unwrap();
            // NOT binds to one primary, and every generated condition is a primary or in
            // parentheses, so prefixing NOT negates the whole of it.
            let negated = parse_condition(&format!("NOT {text}"), &ctx, "ConditionExpression").unwrap();
            prop_assert_eq!(negated.eval(&it).unwrap(), !v);
        }
        exercise(&text, &it);
    }

    #[test]
    fn updates_apply_to_random_items(text in update(), it in item()) {
        let ctx = context();
        if let Ok(u) = parse_update(&text, &ctx) {
            let mut copy = it.clone();
            if u.apply(&mut copy).is_err() {
                prop_assert_eq!(&copy, &it, "a failed update leaves the item as it was");
            }
        }
        exercise(&text, &it);
    }

    #[test]
    fn update_arithmetic_is_number_add(a in number(), b in number()) {
        let ctx = Context::from_maps([], [(":b".to_owned(), Value::N(b))]);
        let mut it = Item::new();
        it.insert("x".into(), Value::N(a));
        let plus = parse_update("SET x = x + :b", &ctx).unwrap();
        let mut sum = it.clone();
        match (plus.apply(&mut sum), a.add(&b)) {
            (Ok(()), Ok(want)) => prop_assert_eq!(&sum["x"], &Value::N(want)),
            (Err(e), Err(want)) => prop_assert_eq!(e.message, want.message()),
            (got, want) => prop_assert!(false, "{:?} vs {:?}", got, want),
        }
        let minus = parse_update("SET x = x - :b", &ctx).unwrap();
        let mut diff = it.clone();
        match (minus.apply(&mut diff), a.sub(&b)) {
            (Ok(()), Ok(want)) => prop_assert_eq!(&diff["x"], &Value::N(want)),
            (Err(e), Err(want)) => prop_assert_eq!(e.message, want.message()),
            (got, want) => prop_assert!(false, "{:?} vs {:?}", got, want),
        }
        let add = parse_update("ADD x :b", &ctx).unwrap();
        let mut added = it.clone();
        match (add.apply(&mut added), a.add(&b)) {
            (Ok(()), Ok(want)) => prop_assert_eq!(&added["x"], &Value::N(want)),
            (Err(e), Err(want)) => prop_assert_eq!(e.message, want.message()),
            (got, want) => prop_assert!(false, "{:?} vs {:?}", got, want),
        }
    }

    #[test]
    fn sort_key_conditions_agree_with_conditions(
        sk in prop_oneof![number().prop_map(Value::N), "[a-c]{0,3}".prop_map(Value::S)],
        lo in prop_oneof![number().prop_map(Value::N), "[a-c]{0,3}".prop_map(Value::S)],
        hi in prop_oneof![number().prop_map(Value::N), "[a-c]{0,3}".prop_map(Value::S)],
        op in prop::sample::select(vec!["=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]),
    ) {
        let ctx = Context::from_maps([], [
            (":p".to_owned(), Value::S("p".into())),
            (":lo".to_owned(), lo),
            (":hi".to_owned(), hi),
        ]);
        let text = match op {
            "BETWEEN" => "pk = :p AND sk BETWEEN :lo AND :hi".to_owned(),
            "begins_with" => "pk = :p AND begins_with(sk, :lo)".to_owned(),
            op => format!("pk = :p AND sk {op} :lo"),
        };
        let (Ok(k), Ok(c)) = (
            parse_key_condition(&text, &ctx, &["pk"], &["sk"]),
            parse_condition(&text, &ctx, "ConditionExpression"),
        ) else {
            return Ok(());
        };
        let mut it = Item::new();
        it.insert("pk".into(), Value::S("p".into()));
        it.insert("sk".into(), sk.clone());
        let key = KeyValue::from_value(&sk).unwrap();
        let (_, sort) = k.sort[0].clone();
        prop_assert_eq!(sort.matches(&key), c.eval(&it).unwrap());
        prop_assert!(k.matches(&[KeyValue::S("p".into())], &[key]) == c.eval(&it).unwrap());
    }
}

/// A time-bounded random driver over every parser and evaluator, for long runs where cargo-fuzz is
/// unavailable: `PYDYNOX_FUZZ_SECONDS=600 cargo test -p pydynox-engine --release random_driver --
/// --ignored --nocapture`.
#[test]
#[ignore]
fn random_driver() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::time::{Duration, Instant};

    let seconds: u64 = std::env::var("PYDYNOX_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runner = TestRunner::deterministic();
    let inputs = prop_oneof![
        "\\PC{0,200}".boxed(),
        token_soup().boxed(),
        condition().boxed(),
        update().boxed(),
    ];
    let items = item();
    let mut runs = 0u64;
    while Instant::now() < deadline {
        for _ in 0..1000 {
            let text = inputs.new_tree(&mut runner).unwrap().current();
            let it = items.new_tree(&mut runner).unwrap().current();
            exercise(&text, &it);
            runs += 1;
        }
    }
    println!("random_driver: {runs} inputs in {seconds} s, no panic");
}
