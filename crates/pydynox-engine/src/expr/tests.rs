//! Unit tests of the expression language: context, conditions, updates, projections, key
//! conditions and the legacy parameters.

use serde_json::{json, Value as Json};

use super::*;
use crate::number::Number;
use crate::value::{Item, KeyValue};
use crate::wire::item_from_json;

fn item(j: Json) -> Item {
    item_from_json(&j).unwrap()
}

fn n(s: &str) -> Value {
    Value::N(Number::parse(s).unwrap())
}

fn s(x: &str) -> Value {
    Value::S(x.into())
}

fn sample() -> Item {
    item(json!({
        "pk": {"S": "user#1"},
        "age": {"N": "42"},
        "nm": {"S": "Ada"},
        "nick": {"S": "ada"},
        "bin": {"B": "AAEC"},
        "tags": {"SS": ["a", "b"]},
        "nums": {"NS": ["1", "2.5"]},
        "flag": {"BOOL": true},
        "nothing": {"NULL": true},
        "lst": {"L": [{"S": "x"}, {"N": "7"}, {"M": {"deep": {"S": "yes"}}}]},
        "doc": {"M": {"inr": {"M": {"v": {"N": "3"}}}, "s": {"S": "hello world"}}},
        "my-attr": {"S": "dash"}
    }))
}

/// Parses `expr` with the given names and values and evaluates it on `sample()`.
fn check_on(expr: &str, names: Json, values: Json, it: &Item) -> Result<bool> {
    let names = (!names.is_null()).then_some(&names);
    let values = (!values.is_null()).then_some(&values);
    let ctx = Context::new(names, values)?;
    let c = parse_condition(expr, &ctx, "ConditionExpression")?;
    c.eval(it)
}

fn check(expr: &str, values: Json) -> bool {
    check_on(expr, Json::Null, values, &sample()).unwrap_or_else(|e| panic!("{expr}: {e:?}"))
}

fn cond_err(expr: &str, names: Json, values: Json) -> String {
    match check_on(expr, names, values, &sample()) {
        Err(e) => {
            assert_eq!(e.code, "ValidationException", "{expr}");
            e.message
        }
        Ok(v) => panic!("{expr}: expected an error, got {v}"),
    }
}

// ----- context -----

#[test]
fn context_validates_maps() {
    let e = Context::new(Some(&json!({})), None).unwrap_err();
    assert_eq!(e.message, "ExpressionAttributeNames must not be empty");
    let e = Context::new(None, Some(&json!({}))).unwrap_err();
    assert_eq!(e.message, "ExpressionAttributeValues must not be empty");
    let e = Context::new(None, Some(&json!({"v": {"S": "x"}}))).unwrap_err();
    assert_eq!(
        e.message,
        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""
    );
    let e = Context::new(Some(&json!({"n": "x"})), None).unwrap_err();
    assert_eq!(
        e.message,
        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"n\""
    );
    let e = Context::new(None, Some(&json!({":v": {"SS": []}}))).unwrap_err();
    assert!(
        e.message
            .starts_with("ExpressionAttributeValues contains invalid value: "),
        "{}",
        e.message
    );
    assert!(e.message.ends_with("for key :v"));
    let e = Context::new(None, Some(&json!({":v": {"Q": "x"}}))).unwrap_err();
    assert_eq!(e.code, "SerializationException");
    assert!(Context::new(Some(&Json::Null), Some(&Json::Null)).is_ok());
}

#[test]
fn context_reports_unused_placeholders() {
    let ctx = Context::new(
        Some(&json!({"#a": "a", "#b": "b"})),
        Some(&json!({":x": {"N": "1"}, ":y": {"N": "2"}, ":z": {"N": "3"}})),
    )
    .unwrap();
    parse_condition("#a = :x", &ctx, "ConditionExpression").unwrap();
    assert_eq!(
        ctx.finish().unwrap_err().message,
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    );
    parse_update("SET #b = :y", &ctx).unwrap();
    assert_eq!(
        ctx.finish().unwrap_err().message,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:z}"
    );
    parse_condition("a = :z", &ctx, "ConditionExpression").unwrap();
    ctx.finish().unwrap();

    let ctx = Context::new(None, Some(&json!({":a": {"N": "1"}, ":b": {"N": "2"}}))).unwrap();
    parse_condition("x = :x", &Context::empty(), "ConditionExpression").ok();
    parse_projection("a", &ctx).unwrap();
    assert_eq!(
        ctx.finish().unwrap_err().message,
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :b}"
    );
}

#[test]
fn context_without_expressions() {
    let ctx = Context::new(Some(&json!({"#a": "a"})), None).unwrap();
    assert_eq!(
        ctx.finish().unwrap_err().message,
        "ExpressionAttributeNames can only be specified when using expressions"
    );
    let ctx = Context::new(None, Some(&json!({":a": {"S": "a"}}))).unwrap();
    assert_eq!(
        ctx.finish().unwrap_err().message,
        "ExpressionAttributeValues can only be specified when using expressions"
    );
    Context::empty().finish().unwrap();
}

// ----- conditions -----

#[test]
fn comparisons() {
    assert!(check("age = :v", json!({":v": {"N": "42.0"}})));
    assert!(check("age <> :v", json!({":v": {"N": "41"}})));
    assert!(check("age < :v", json!({":v": {"N": "100"}})));
    assert!(!check("age > :v", json!({":v": {"N": "100"}})));
    assert!(check("age >= :v", json!({":v": {"N": "42"}})));
    assert!(check("age <= :v", json!({":v": {"N": "42"}})));
    assert!(
        check("nm < :v", json!({":v": {"S": "ada"}})),
        "bytewise: 'A' < 'a'"
    );
    assert!(check("nm < nick", Json::Null), "two paths");
    assert!(check("bin > :v", json!({":v": {"B": "AAE="}})));
    assert!(check(
        ":a < :b",
        json!({":a": {"N": "1"}, ":b": {"N": "2"}})
    ));
}

#[test]
fn different_types_are_false_not_errors() {
    assert!(!check("age = :v", json!({":v": {"S": "42"}})));
    assert!(check("age <> :v", json!({":v": {"S": "42"}})));
    assert!(!check("age < :v", json!({":v": {"S": "42"}})));
    assert!(!check("nm >= :v", json!({":v": {"N": "1"}})));
    assert!(!check("flag < nick", Json::Null), "BOOL does not order");
    assert!(!check("tags > nick", Json::Null));
}

#[test]
fn missing_attributes() {
    let v = json!({":v": {"N": "1"}});
    assert!(!check("absent = :v", v.clone()));
    assert!(check("absent <> :v", v.clone()));
    assert!(!check("absent < :v", v.clone()));
    assert!(!check("absent BETWEEN :v AND :v", v.clone()));
    assert!(!check("absent IN (:v)", v.clone()));
    assert!(!check("size(absent) = :v", v.clone()));
    assert!(!check("begins_with(absent, :s)", json!({":s": {"S": "a"}})));
    assert!(!check("contains(absent, :s)", json!({":s": {"S": "a"}})));
    assert!(check("NOT contains(absent, :s)", json!({":s": {"S": "a"}})));
}

#[test]
fn equality_of_documents_and_sets() {
    assert!(check("tags = :v", json!({":v": {"SS": ["b", "a"]}})));
    assert!(!check("tags = :v", json!({":v": {"SS": ["a"]}})));
    assert!(check("nums = :v", json!({":v": {"NS": ["2.50", "1"]}})));
    assert!(check(
        "doc.inr = :v",
        json!({":v": {"M": {"v": {"N": "3.0"}}}})
    ));
    assert!(check(
        "lst[2] = :v",
        json!({":v": {"M": {"deep": {"S": "yes"}}}})
    ));
    assert!(!check("lst = :v", json!({":v": {"L": [{"S": "x"}]}})));
    assert!(check("flag = :v", json!({":v": {"BOOL": true}})));
    assert!(check("nothing = :v", json!({":v": {"NULL": true}})));
}

#[test]
fn between_and_in() {
    let v = json!({":lo": {"N": "40"}, ":hi": {"N": "42"}, ":x": {"N": "1"}});
    assert!(check("age BETWEEN :lo AND :hi", v.clone()));
    assert!(!check(
        "age BETWEEN :lo AND :x",
        json!({":lo": {"N": "40"}, ":x": {"N": "41"}})
    ));
    assert!(check("age IN (:x, :hi)", v.clone()));
    assert!(!check("age IN (:x, :lo)", v));
    assert!(check(
        "nm BETWEEN :a AND :b",
        json!({":a": {"S": "A"}, ":b": {"S": "B"}})
    ));
    let msg = cond_err(
        "age BETWEEN :hi AND :lo",
        Json::Null,
        json!({":lo": {"N": "1"}, ":hi": {"N": "5"}}),
    );
    assert_eq!(msg, "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}");
    let msg = cond_err(
        "age BETWEEN :a AND :b",
        Json::Null,
        json!({":a": {"N": "1"}, ":b": {"S": "x"}}),
    );
    assert!(msg.contains("requires same data type"), "{msg}");
}

#[test]
fn in_limit() {
    let mut values = serde_json::Map::new();
    let mut names = Vec::new();
    for i in 0..101 {
        values.insert(format!(":v{i}"), json!({"N": i.to_string()}));
        names.push(format!(":v{i}"));
    }
    let ok = format!("age IN ({})", names[..100].join(", "));
    assert!(check(&ok, Json::Object(values.clone())));
    let too_many = format!("age IN ({})", names.join(","));
    let msg = cond_err(&too_many, Json::Null, Json::Object(values));
    assert_eq!(msg, "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101");
}

#[test]
fn precedence() {
    let v = json!({":t": {"N": "42"}, ":f": {"N": "0"}});
    // OR binds loosest: t OR (f AND f)
    assert!(check("age = :t OR age = :f AND age = :f", v.clone()));
    // (t OR f) AND f
    assert!(!check("(age = :t OR age = :f) AND age = :f", v.clone()));
    // NOT binds tighter than AND: (NOT f) AND t
    assert!(check("NOT age = :f AND age = :t", v.clone()));
    assert!(!check("NOT (age = :f OR age = :t)", v.clone()));
    assert!(
        check("not age = :f and age = :t", v.clone()),
        "keywords ignore case"
    );
    assert!(check("NOT NOT age = :t", v.clone()));
    assert!(check("age bEtWeEn :f aNd :t Or age iN (:f)", v));
}

#[test]
fn functions() {
    assert!(check("attribute_exists(age)", Json::Null));
    assert!(!check("attribute_exists(doc.inr.nope)", Json::Null));
    assert!(check("attribute_not_exists(doc.inr.nope)", Json::Null));
    assert!(check("attribute_exists(lst[2].deep)", Json::Null));
    assert!(!check("attribute_exists(lst[3])", Json::Null));
    assert!(check(
        "attribute_type(tags, :t)",
        json!({":t": {"S": "SS"}})
    ));
    assert!(check(
        "attribute_type(nothing, :t)",
        json!({":t": {"S": "NULL"}})
    ));
    assert!(!check("attribute_type(age, :t)", json!({":t": {"S": "S"}})));
    assert!(check("begins_with(nm, :p)", json!({":p": {"S": "Ad"}})));
    assert!(!check("begins_with(nm, :p)", json!({":p": {"S": "ad"}})));
    assert!(check("begins_with(bin, :p)", json!({":p": {"B": "AA=="}})));
    assert!(!check("begins_with(age, :p)", json!({":p": {"S": "4"}})));
    assert!(check("contains(doc.s, :p)", json!({":p": {"S": "lo w"}})));
    assert!(check("contains(tags, :p)", json!({":p": {"S": "b"}})));
    assert!(!check("contains(tags, :p)", json!({":p": {"N": "1"}})));
    assert!(check("contains(nums, :p)", json!({":p": {"N": "2.50"}})));
    assert!(check("contains(lst, :p)", json!({":p": {"N": "7"}})));
    assert!(check("contains(bin, :p)", json!({":p": {"B": "AQI="}})));
    assert!(check("contains(nm, nm)", Json::Null));
    assert!(check("size(nm) = :v", json!({":v": {"N": "3"}})));
    assert!(check("size(tags) = :v", json!({":v": {"N": "2"}})));
    assert!(check("size(lst) > :v", json!({":v": {"N": "2"}})));
    assert!(check("size(doc) = :v", json!({":v": {"N": "2"}})));
    assert!(check("size(bin) = :v", json!({":v": {"N": "3"}})));
    assert!(!check("size(age) = :v", json!({":v": {"N": "2"}})));
    assert!(check("size(nm) < size(doc.s)", Json::Null));
    assert!(check(
        "size(nm) BETWEEN :a AND :b",
        json!({":a": {"N": "1"}, ":b": {"N": "3"}})
    ));
}

#[test]
fn function_errors() {
    let m = cond_err(
        "attribute_exists(:v)",
        Json::Null,
        json!({":v": {"S": "x"}}),
    );
    assert_eq!(m, "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists");
    let m = cond_err("begins_with(nm)", Json::Null, Json::Null);
    assert_eq!(m, "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1");
    let m = cond_err("begins_with(nm, :v)", Json::Null, json!({":v": {"N": "1"}}));
    assert_eq!(m, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
    let m = cond_err(
        "attribute_type(nm, :v)",
        Json::Null,
        json!({":v": {"S": "STRING"}}),
    );
    assert!(
        m.contains("Invalid attribute type name found; type: STRING"),
        "{m}"
    );
    let m = cond_err("foo(nm)", Json::Null, Json::Null);
    assert_eq!(
        m,
        "Invalid ConditionExpression: Invalid function name; function: foo"
    );
    let m = cond_err("SIZE(nm) = :v", Json::Null, json!({":v": {"N": "1"}}));
    assert_eq!(
        m,
        "Invalid ConditionExpression: Invalid function name; function: SIZE"
    );
    let m = cond_err("size(nm)", Json::Null, Json::Null);
    assert_eq!(m, "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size");
    let m = cond_err(
        "if_not_exists(a, :v) = :v",
        Json::Null,
        json!({":v": {"N": "1"}}),
    );
    assert!(m.contains("not allowed in a condition expression"), "{m}");
    let m = cond_err("size(:v) = :v", Json::Null, json!({":v": {"N": "1"}}));
    assert!(m.contains("requires a document path"), "{m}");
    let m = cond_err("age < :v", Json::Null, json!({":v": {"BOOL": true}}));
    assert_eq!(m, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL");
    let m = cond_err(
        "attribute_exists(a) = :v",
        Json::Null,
        json!({":v": {"N": "1"}}),
    );
    assert!(m.contains("Syntax error; token: \"=\""), "{m}");
}

#[test]
fn names_and_paths() {
    let names = json!({"#s": "status", "#d": "my-attr", "#m": "doc", "#i": "inr"});
    let it = {
        let mut it = sample();
        it.insert("status".into(), s("on"));
        it
    };
    let v = json!({":v": {"S": "on"}, ":d": {"S": "dash"}, ":three": {"N": "3"}});
    assert!(check_on("#s = :v AND #d = :d AND #m.#i.v = :three", names, v, &it).unwrap());
    let m = cond_err("status = :v", Json::Null, json!({":v": {"S": "on"}}));
    assert_eq!(
        m,
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    let m = cond_err("a.Name = :v", Json::Null, json!({":v": {"S": "on"}}));
    assert_eq!(
        m,
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Name"
    );
    let m = cond_err("#x = :v", json!({"#y": "y"}), json!({":v": {"S": "on"}}));
    assert_eq!(m, "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x");
    let m = cond_err("a = :nope", Json::Null, json!({":v": {"S": "on"}}));
    assert_eq!(m, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope");
    let m = cond_err("a = :nope", Json::Null, Json::Null);
    assert!(m.contains("attribute value: :nope"));
}

#[test]
fn syntax_errors() {
    let m = cond_err("a = = :v", Json::Null, Json::Null);
    assert_eq!(
        m,
        "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\""
    );
    let m = cond_err("a =", Json::Null, Json::Null);
    assert_eq!(
        m,
        "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""
    );
    let m = cond_err("my-attr = :v", Json::Null, json!({":v": {"S": "x"}}));
    assert_eq!(
        m,
        "Invalid ConditionExpression: Syntax error; token: \"-\", near: \"my-attr\""
    );
    let m = cond_err("a = :v;", Json::Null, json!({":v": {"S": "x"}}));
    assert!(m.contains("token: \";\""), "{m}");
    let m = cond_err("a = 5", Json::Null, Json::Null);
    assert!(m.contains("token: \"5\""), "{m}");
    let m = cond_err("", Json::Null, Json::Null);
    assert_eq!(
        m,
        "Invalid ConditionExpression: The expression can not be empty;"
    );
    let m = cond_err("   ", Json::Null, Json::Null);
    assert_eq!(
        m,
        "Invalid ConditionExpression: The expression can not be empty;"
    );
    let m = cond_err("a[x] = :v", Json::Null, json!({":v": {"S": "x"}}));
    assert!(m.contains("Syntax error"), "{m}");
    let m = cond_err("(a = :v", Json::Null, json!({":v": {"S": "x"}}));
    assert!(m.contains("<EOF>"), "{m}");
    let m = cond_err("a = :v AND", Json::Null, json!({":v": {"S": "x"}}));
    assert!(m.contains("<EOF>"), "{m}");
    let m = cond_err("a = :v b = :v", Json::Null, json!({":v": {"S": "x"}}));
    assert!(m.contains("token: \"b\""), "{m}");
    // Syntax errors win over semantic ones, wherever they are.
    let m = cond_err("status = :undefined AND", Json::Null, Json::Null);
    assert!(m.contains("Syntax error"), "{m}");
    let m = cond_err(
        "a = :v AND AND b = :v",
        Json::Null,
        json!({":v": {"S": "x"}}),
    );
    assert!(m.contains("token: \"AND\""), "{m}");
}

#[test]
fn error_kinds_follow_the_parameter() {
    let ctx = Context::empty();
    let e = parse_condition("status = status", &ctx, "FilterExpression").unwrap_err();
    assert_eq!(
        e.message,
        "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    let e = parse_projection("a, status", &ctx).unwrap_err();
    assert!(e.message.starts_with("Invalid ProjectionExpression: "));
    let e = parse_update("SET status = a", &ctx).unwrap_err();
    assert!(e
        .message
        .starts_with("Invalid UpdateExpression: Attribute name"));
    let e = parse_key_condition("status = a", &ctx, &["pk"], &[]).unwrap_err();
    assert!(e
        .message
        .starts_with("Invalid KeyConditionExpression: Attribute name"));
}

#[test]
fn parentheses() {
    let v = json!({":v": {"N": "42"}});
    assert!(check("(age = :v)", v.clone()));
    assert!(check("((age = :v) AND (age = :v))", v.clone()));
    assert!(check("(NOT (age <> :v))", v.clone()));
    let m = cond_err("((age = :v))", Json::Null, v.clone());
    assert_eq!(
        m,
        "Invalid ConditionExpression: The expression has redundant parentheses;"
    );
}

#[test]
fn adversarial_nesting_is_bounded() {
    let ctx = Context::empty();
    let deep = format!("{}a = b", "NOT ".repeat(1000));
    assert!(deep.len() <= 4096);
    let e = parse_condition(&deep, &ctx, "ConditionExpression").unwrap_err();
    assert!(
        e.message.contains("too many nested levels"),
        "{}",
        e.message
    );
    let parens = format!("{}a = b{}", "(NOT ".repeat(800), ")".repeat(800));
    assert!(parse_condition(&parens, &ctx, "ConditionExpression").is_err());
    let calls = format!("{}a{} = b", "size(".repeat(1000), ")".repeat(1000));
    assert!(parse_condition(&calls, &ctx, "ConditionExpression").is_err());
    let sets = format!("SET a = {}b{}", "(".repeat(2000), ")".repeat(2000));
    assert!(parse_update(&sets, &ctx).is_err());
    let fns = format!(
        "SET a = {}b{}",
        "list_append(".repeat(300),
        ", b)".repeat(300)
    );
    assert!(parse_update(&fns, &ctx).is_err());
    let huge = "a = b AND ".repeat(1000);
    let e = parse_condition(&huge, &ctx, "ConditionExpression").unwrap_err();
    assert!(
        e.message.contains("Expression size has exceeded"),
        "{}",
        e.message
    );
    // Long flat conjunctions are fine and do not deepen the tree.
    let flat = format!("{}a = b", "a = b AND ".repeat(400));
    let c = parse_condition(&flat, &ctx, "ConditionExpression").unwrap();
    assert!(matches!(&c.root, Cond::And(v) if v.len() == 401));
}

#[test]
fn key_equalities_helper() {
    let ctx = Context::from_maps([], [(":a".into(), s("1")), (":b".into(), n("2"))]);
    let c = parse_condition(
        "pk = :a AND :b = sk AND x > :b",
        &ctx,
        "ConditionExpression",
    )
    .unwrap();
    assert_eq!(c.key_equalities(&["pk", "sk"]), Some(vec![s("1"), n("2")]));
    assert_eq!(c.key_equalities(&["pk"]), Some(vec![s("1")]));
    assert_eq!(c.key_equalities(&["pk", "x"]), None);
    let c = parse_condition("pk = :a OR sk = :b", &ctx, "ConditionExpression").unwrap();
    assert_eq!(c.key_equalities(&["pk"]), None);
    let c = parse_condition("pk = :a AND pk = :b", &ctx, "ConditionExpression").unwrap();
    assert_eq!(c.key_equalities(&["pk"]), None);
}

// ----- updates -----

fn apply(expr: &str, names: Json, values: Json, it: &mut Item) -> Result<()> {
    let names = (!names.is_null()).then_some(&names);
    let values = (!values.is_null()).then_some(&values);
    let ctx = Context::new(names, values)?;
    let u = parse_update(expr, &ctx)?;
    u.apply(it)
}

fn updated(expr: &str, values: Json) -> Item {
    let mut it = sample();
    apply(expr, Json::Null, values, &mut it).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
    it
}

fn update_err(expr: &str, values: Json) -> String {
    let mut it = sample();
    let before = it.clone();
    let e = apply(expr, Json::Null, values, &mut it).unwrap_err();
    assert_eq!(it, before, "a failed update leaves the item as it was");
    assert_eq!(e.code, "ValidationException");
    e.message
}

fn at(it: &Item, path: &str) -> Option<Value> {
    let ctx = Context::empty();
    let p = parse_projection(path, &ctx).unwrap();
    p.paths()[0].get(it).cloned()
}

#[test]
fn set_actions() {
    let it = updated(
        "SET a = :v, doc.inr.w = :v, lst[1] = :v",
        json!({":v": {"S": "z"}}),
    );
    assert_eq!(it["a"], s("z"));
    assert_eq!(at(&it, "doc.inr.w"), Some(s("z")));
    assert_eq!(at(&it, "doc.inr.v"), Some(n("3")));
    assert_eq!(at(&it, "lst[1]"), Some(s("z")));
    let it = updated(
        "SET lst[10] = :v, lst[11] = :w",
        json!({":v": {"S": "z"}, ":w": {"S": "y"}}),
    );
    let Value::L(l) = &it["lst"] else { panic!() };
    assert_eq!(l.len(), 5);
    assert_eq!(l[3], s("z"));
    assert_eq!(l[4], s("y"));
    let it = updated(
        "set age = age + :one, n2 = :one - age",
        json!({":one": {"N": "1"}}),
    );
    assert_eq!(it["age"], n("43"));
    assert_eq!(
        it["n2"],
        n("-41"),
        "values come from the item before the update"
    );
    let it = updated("SET age = (age - :one)", json!({":one": {"N": "0.5"}}));
    assert_eq!(it["age"], n("41.5"));
    let it = updated(
        "SET c = if_not_exists(c, :zero) + :one, age = if_not_exists(age, :zero)",
        json!({":zero": {"N": "0"}, ":one": {"N": "1"}}),
    );
    assert_eq!(it["c"], n("1"));
    assert_eq!(it["age"], n("42"));
    let it = updated(
        "SET lst = list_append(lst, :l), l2 = list_append(:l, if_not_exists(l2, :empty))",
        json!({":l": {"L": [{"N": "8"}]}, ":empty": {"L": []}}),
    );
    let Value::L(l) = &it["lst"] else { panic!() };
    assert_eq!(l.len(), 4);
    assert_eq!(l[3], n("8"));
    assert_eq!(it["l2"], Value::L(vec![n("8")]));
    let it = updated("SET a = nm, b = doc.inr", Json::Null);
    assert_eq!(it["a"], s("Ada"));
    assert!(matches!(it["b"], Value::M(_)));
}

#[test]
fn set_errors() {
    let m = update_err("SET nope.x = :v", json!({":v": {"S": "z"}}));
    assert_eq!(
        m,
        "The document path provided in the update expression is invalid for update"
    );
    let m = update_err("SET nm.x = :v", json!({":v": {"S": "z"}}));
    assert_eq!(
        m,
        "The document path provided in the update expression is invalid for update"
    );
    let m = update_err("SET doc[0] = :v", json!({":v": {"S": "z"}}));
    assert_eq!(
        m,
        "The document path provided in the update expression is invalid for update"
    );
    let m = update_err("SET a = nm + :v", json!({":v": {"N": "1"}}));
    assert_eq!(
        m,
        "An operand in the update expression has an incorrect data type"
    );
    let m = update_err("SET a = nope + :v", json!({":v": {"N": "1"}}));
    assert_eq!(
        m,
        "The provided expression refers to an attribute that does not exist in the item"
    );
    let m = update_err("SET a = nope", Json::Null);
    assert_eq!(
        m,
        "The provided expression refers to an attribute that does not exist in the item"
    );
    let m = update_err("SET a = list_append(nm, lst)", Json::Null);
    assert_eq!(
        m,
        "An operand in the update expression has an incorrect data type"
    );
    let m = update_err("SET a = :v + age", json!({":v": {"S": "x"}}));
    assert_eq!(m, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S");
    let m = update_err("SET a = list_append(:v, lst)", json!({":v": {"S": "x"}}));
    assert!(
        m.contains("operator or function: list_append, operand type: S"),
        "{m}"
    );
    let m = update_err("SET a = if_not_exists(:v, :v)", json!({":v": {"S": "x"}}));
    assert!(
        m.contains("requires a document path; operator or function: if_not_exists"),
        "{m}"
    );
    let m = update_err("SET a = size(lst)", Json::Null);
    assert!(
        m.contains("The function is not allowed in an update expression; function: size"),
        "{m}"
    );
    let m = update_err("SET a = b + c + d", Json::Null);
    assert!(m.contains("Syntax error; token: \"+\""), "{m}");
    let m = update_err("SET a = :v,", json!({":v": {"S": "x"}}));
    assert!(m.contains("<EOF>"), "{m}");
}

#[test]
fn number_limits_in_arithmetic() {
    let m = update_err("SET age = :a + :a", json!({":a": {"N": "9.9E125"}}));
    assert!(m.starts_with("Number overflow"), "{m}");
    let m = update_err(
        "SET age = :a + :b",
        json!({":a": {"N": "1E100"}, ":b": {"N": "1E-100"}}),
    );
    assert_eq!(
        m,
        "Attempting to store more than 38 significant digits in a Number"
    );
    let m = update_err("ADD age :a", json!({":a": {"N": "1E-100"}}));
    assert!(m.contains("38 significant digits"), "{m}");
}

#[test]
fn remove_actions() {
    let it = updated(
        "REMOVE age, doc.inr.v, lst[0], lst[2], nope, doc.nope, lst[9]",
        Json::Null,
    );
    assert!(!it.contains_key("age"));
    assert_eq!(at(&it, "doc.inr"), Some(Value::M(Item::new())));
    assert_eq!(
        it["lst"],
        Value::L(vec![n("7")]),
        "indexes refer to the lst before the update"
    );
    let m = update_err("REMOVE nope.x", Json::Null);
    assert_eq!(
        m,
        "The document path provided in the update expression is invalid for update"
    );
}

#[test]
fn add_and_delete() {
    let it = updated(
        "ADD age :n, newnum :n, tags :ss, nums :ns, newset :ss",
        json!({":n": {"N": "-2"}, ":ss": {"SS": ["b", "c"]}, ":ns": {"NS": ["3"]}}),
    );
    assert_eq!(it["age"], n("40"));
    assert_eq!(it["newnum"], n("-2"));
    assert_eq!(
        it["tags"],
        Value::Ss(vec!["a".into(), "b".into(), "c".into()])
    );
    assert_eq!(
        it["nums"],
        Value::Ns(vec![
            Number::parse("1").unwrap(),
            Number::parse("2.5").unwrap(),
            Number::parse("3").unwrap()
        ])
    );
    assert_eq!(it["newset"], Value::Ss(vec!["b".into(), "c".into()]));
    let it = updated(
        "DELETE tags :a, nope :a",
        json!({":a": {"SS": ["a", "zz"]}}),
    );
    assert_eq!(it["tags"], Value::Ss(vec!["b".into()]));
    assert!(!it.contains_key("nope"));
    let it = updated("DELETE tags :a", json!({":a": {"SS": ["a", "b"]}}));
    assert!(!it.contains_key("tags"), "an emptied set is removed");
    let it = updated("add doc.inr.v :n", json!({":n": {"N": "1"}}));
    assert_eq!(at(&it, "doc.inr.v"), Some(n("4")));

    let m = update_err("ADD nm :n", json!({":n": {"N": "1"}}));
    assert_eq!(
        m,
        "An operand in the update expression has an incorrect data type"
    );
    let m = update_err("ADD tags :n", json!({":n": {"NS": ["1"]}}));
    assert_eq!(
        m,
        "An operand in the update expression has an incorrect data type"
    );
    let m = update_err("DELETE nums :n", json!({":n": {"SS": ["1"]}}));
    assert_eq!(
        m,
        "An operand in the update expression has an incorrect data type"
    );
    let m = update_err("ADD a :s", json!({":s": {"S": "x"}}));
    assert_eq!(m, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND");
    let m = update_err("DELETE a :s", json!({":s": {"N": "1"}}));
    assert_eq!(m, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND");
    let m = update_err("ADD a b", Json::Null);
    assert!(m.contains("Syntax error; token: \"b\""), "{m}");
    let m = update_err("ADD nope.x :n", json!({":n": {"N": "1"}}));
    assert_eq!(
        m,
        "The document path provided in the update expression is invalid for update"
    );
}

#[test]
fn update_structure_errors() {
    let m = update_err("SET a = :v SET b = :v", json!({":v": {"S": "x"}}));
    assert_eq!(m, "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;");
    let m = update_err("SET a = :v, a.b = :v", json!({":v": {"S": "x"}}));
    assert_eq!(m, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]");
    let m = update_err("SET a = :v REMOVE a", json!({":v": {"S": "x"}}));
    assert!(m.contains("overlap"), "{m}");
    let m = update_err("SET a.b = :v REMOVE a[0]", json!({":v": {"S": "x"}}));
    assert_eq!(m, "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]");
    let m = update_err("REMOVE #a, #b", Json::Null);
    assert!(m.contains("attribute name: #a"), "{m}");
    let m = update_err("a = :v", json!({":v": {"S": "x"}}));
    assert!(m.contains("Syntax error; token: \"a\""), "{m}");
    let m = update_err("", Json::Null);
    assert_eq!(
        m,
        "Invalid UpdateExpression: The expression can not be empty;"
    );
    let m = update_err("REMOVE", Json::Null);
    assert!(m.contains("<EOF>"), "{m}");
    let m = update_err("SET a = :v, REMOVE b", json!({":v": {"S": "x"}}));
    assert!(m.contains("token: \"REMOVE\""), "{m}");
}

#[test]
fn update_paths_and_clause_order() {
    let ctx = Context::from_maps([("#k".into(), "pk".into())], [(":v".into(), s("x"))]);
    let u = parse_update("remove b DELETE c :v set #k = :v, d.e = :v ADD f :v", &ctx);
    // DELETE/ADD with a string are refused, but the structure parsed fine.
    assert!(u.is_err());
    let u = parse_update("remove b set #k = :v, d.e = :v", &ctx).unwrap();
    let paths: Vec<String> = u.paths().iter().map(|p| p.to_string()).collect();
    assert_eq!(paths, ["b", "pk", "d.e"]);
    assert_eq!(u.top_names(), ["b", "pk", "d"]);
}

// ----- projections -----

#[test]
fn projections() {
    let ctx = Context::from_maps([("#n".into(), "nm".into())], []);
    let p = parse_projection("#n, doc.inr.v, lst[2].deep, lst[0], nope, doc.nope", &ctx).unwrap();
    let out = p.apply(&sample());
    assert_eq!(
        out,
        item(json!({
            "nm": {"S": "Ada"},
            "doc": {"M": {"inr": {"M": {"v": {"N": "3"}}}}},
            "lst": {"L": [{"S": "x"}, {"M": {"deep": {"S": "yes"}}}]}
        }))
    );
    assert_eq!(p.top_names(), ["nm", "doc", "lst", "nope"]);
    let p = parse_projection("nm.given, lst[7], age[0]", &ctx).unwrap();
    assert!(p.apply(&sample()).is_empty());

    let e = parse_projection("a, a.b", &ctx).unwrap_err();
    assert_eq!(e.message, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]");
    let e = parse_projection("a, a", &ctx).unwrap_err();
    assert!(e.message.contains("overlap"));
    let e = parse_projection("a, :v", &ctx).unwrap_err();
    assert!(e
        .message
        .starts_with("Invalid ProjectionExpression: Syntax error; token: \":v\""));
    let e = parse_projection("a,", &ctx).unwrap_err();
    assert!(e.message.contains("<EOF>"));
}

// ----- key conditions -----

fn kc(expr: &str, values: Json) -> Result<KeyCondition> {
    let ctx = Context::new(None, Some(&values))?;
    parse_key_condition(expr, &ctx, &["pk"], &["sk"])
}

fn kc_err(expr: &str, values: Json) -> String {
    kc(expr, values).unwrap_err().message
}

#[test]
fn key_conditions() {
    let v = json!({":p": {"S": "a"}, ":s": {"N": "5"}, ":t": {"N": "9"}, ":b": {"S": "x"}});
    let k = kc("pk = :p", v.clone()).unwrap();
    assert_eq!(k.partition, vec![("pk".into(), s("a"))]);
    assert_eq!(k.sort, vec![]);
    for (expr, want) in [
        ("pk = :p AND sk = :s", SortKeyCondition::Eq(n("5"))),
        ("sk < :s AND pk = :p", SortKeyCondition::Lt(n("5"))),
        ("pk = :p and sk <= :s", SortKeyCondition::Le(n("5"))),
        ("pk = :p AND sk > :s", SortKeyCondition::Gt(n("5"))),
        ("pk = :p AND :s <= sk", SortKeyCondition::Ge(n("5"))),
        (
            "pk = :p AND sk BETWEEN :s AND :t",
            SortKeyCondition::Between(n("5"), n("9")),
        ),
        (
            "(pk = :p) AND (begins_with(sk, :b))",
            SortKeyCondition::BeginsWith(s("x")),
        ),
        (":p = pk AND sk = :s", SortKeyCondition::Eq(n("5"))),
    ] {
        let mut vals = v.clone();
        // Keep every value used in some expression; unused ones are the caller's concern.
        vals.as_object_mut().unwrap();
        let k = kc(expr, vals).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
        assert_eq!(k.sort, vec![("sk".into(), want)], "{expr}");
        assert_eq!(k.partition[0].1, s("a"));
    }
}

#[test]
fn key_condition_errors() {
    let v = json!({":p": {"S": "a"}, ":s": {"N": "5"}, ":b": {"S": "x"}});
    assert_eq!(
        kc_err("sk = :s", v.clone()),
        "Query condition missed key schema element: pk"
    );
    assert_eq!(
        kc_err("pk = :p OR sk = :s", v.clone()),
        "Invalid operator used in KeyConditionExpression: OR"
    );
    assert_eq!(
        kc_err("NOT pk = :p", v.clone()),
        "Invalid operator used in KeyConditionExpression: NOT"
    );
    assert_eq!(
        kc_err("pk = :p AND sk <> :s", v.clone()),
        "Invalid operator used in KeyConditionExpression: <>"
    );
    assert_eq!(
        kc_err("pk = :p AND sk IN (:s)", v.clone()),
        "Invalid operator used in KeyConditionExpression: IN"
    );
    assert_eq!(
        kc_err("pk = :p AND attribute_exists(sk)", v.clone()),
        "Invalid operator used in KeyConditionExpression: attribute_exists"
    );
    assert_eq!(
        kc_err("pk = :p AND contains(sk, :b)", v.clone()),
        "Invalid operator used in KeyConditionExpression: contains"
    );
    assert_eq!(
        kc_err("pk = :p AND size(sk) = :s", v.clone()),
        "Invalid operator used in KeyConditionExpression: size"
    );
    assert_eq!(
        kc_err("pk = :p AND sk = :s AND sk = :s", v.clone()),
        "Conditions can be of length 1 or 2 only"
    );
    assert_eq!(
        kc_err("pk = :p AND pk = :p", v.clone()),
        "KeyConditionExpressions must only contain one condition per key"
    );
    assert_eq!(
        kc_err("pk < :p", v.clone()),
        "Query key condition not supported"
    );
    assert_eq!(
        kc_err("begins_with(pk, :p)", v.clone()),
        "Query key condition not supported"
    );
    assert_eq!(
        kc_err("pk = :p AND foo = :s", v.clone()),
        "Query condition missed key schema element: sk"
    );
    assert!(kc_err("pk = :p AND sk = pk", v.clone()).contains("Multiple attribute names"));
    assert!(kc_err("pk = :p AND begins_with(sk, :s)", v.clone())
        .contains("begins_with, operand type: N"));
    assert!(kc_err("pk.x = :p", v.clone()).contains("nested"));
    assert!(kc_err("", v.clone()).contains("The expression can not be empty"));
    let ctx = Context::from_maps([], [(":p".into(), s("a")), (":s".into(), n("1"))]);
    let e = parse_key_condition("pk = :p AND sk = :s", &ctx, &["pk"], &[]).unwrap_err();
    assert_eq!(e.message, "Query key condition not supported");
}

#[test]
fn key_condition_matching() {
    let k = |c: SortKeyCondition, v: KeyValue| c.matches(&v);
    let num = |x: &str| KeyValue::N(Number::parse(x).unwrap());
    assert!(k(SortKeyCondition::Eq(n("5")), num("5.0")));
    assert!(!k(SortKeyCondition::Eq(n("5")), KeyValue::S("5".into())));
    assert!(k(SortKeyCondition::Lt(n("10")), num("9")));
    assert!(!k(SortKeyCondition::Lt(s("10")), num("9")));
    assert!(k(SortKeyCondition::Le(n("10")), num("10")));
    assert!(k(SortKeyCondition::Gt(s("a")), KeyValue::S("b".into())));
    assert!(k(SortKeyCondition::Ge(s("b")), KeyValue::S("b".into())));
    assert!(k(SortKeyCondition::Between(n("1"), n("3")), num("3")));
    assert!(!k(SortKeyCondition::Between(n("1"), n("3")), num("3.01")));
    assert!(k(
        SortKeyCondition::BeginsWith(s("ab")),
        KeyValue::S("abc".into())
    ));
    assert!(k(
        SortKeyCondition::BeginsWith(Value::B(vec![1])),
        KeyValue::B(vec![1, 2])
    ));
    assert!(!k(
        SortKeyCondition::BeginsWith(s("ab")),
        KeyValue::B(b"abc".to_vec())
    ));

    let kc = KeyCondition {
        partition: vec![("pk".into(), s("a"))],
        sort: vec![("sk".into(), SortKeyCondition::Gt(n("1")))],
    };
    assert!(kc.matches(&[KeyValue::S("a".into())], &[num("2")]));
    assert!(!kc.matches(&[KeyValue::S("b".into())], &[num("2")]));
    assert!(kc.check_types(&["S"], &["N"]).is_ok());
    assert_eq!(
        kc.check_types(&["S"], &["S"]).unwrap_err().message,
        "One or more parameter values were invalid: Condition parameter type does not match schema type"
    );
    assert!(kc.check_types(&["N"], &["N"]).is_err());
}

// ----- legacy parameters -----

#[test]
fn legacy_expected() {
    let it = sample();
    let eval = |exp: Json, op: Option<Json>| -> Result<bool> {
        let c = legacy::expected(&exp, op.as_ref())?.unwrap();
        c.eval(&it)
    };
    assert!(eval(json!({"age": {"Value": {"N": "42"}}}), None).unwrap());
    assert!(eval(json!({"age": {"Exists": true, "Value": {"N": "42"}}}), None).unwrap());
    assert!(eval(json!({"nope": {"Exists": false}}), None).unwrap());
    assert!(!eval(json!({"age": {"Exists": false}}), None).unwrap());
    assert!(eval(
        json!({"age": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "50"}]}}),
        None
    )
    .unwrap());
    assert!(eval(
        json!({"age": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "50"}]},
               "nm": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "A"}]}}),
        Some(json!("OR"))
    )
    .unwrap());
    assert!(!eval(
        json!({"age": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "50"}]},
               "nm": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "A"}]}}),
        Some(json!("AND"))
    )
    .unwrap());
    for (op, args, want) in [
        ("NULL", json!([]), false),
        ("NOT_NULL", json!([]), true),
        ("NE", json!([{"N": "1"}]), true),
        ("IN", json!([{"N": "1"}, {"N": "42"}]), true),
        ("CONTAINS", json!([{"N": "42"}]), false),
        ("NOT_CONTAINS", json!([{"N": "42"}]), true),
        ("LE", json!([{"N": "42"}]), true),
        ("LT", json!([{"N": "42"}]), false),
        ("GE", json!([{"N": "42"}]), true),
        ("EQ", json!([{"N": "42"}]), true),
    ] {
        let got = eval(
            json!({"age": {"ComparisonOperator": op, "AttributeValueList": args}}),
            None,
        )
        .unwrap_or_else(|e| panic!("{op}: {e:?}"));
        assert_eq!(got, want, "{op}");
    }
    assert!(legacy::expected(&json!({}), None).unwrap().is_none());

    let err =
        |exp: Json, op: Option<Json>| legacy::expected(&exp, op.as_ref()).unwrap_err().message;
    assert!(
        err(json!({"a": {"Exists": false, "Value": {"S": "x"}}}), None).contains(
            "Cannot expect an attribute to have a specified value while expecting it to not exist"
        )
    );
    assert!(err(json!({"a": {"Exists": true}}), None)
        .contains("Value must be provided when Exists is true"));
    assert!(err(json!({"a": {}}), None).contains("Value must be provided when Exists is null"));
    assert!(err(
        json!({"a": {"ComparisonOperator": "EQ", "AttributeValueList": []}}),
        None
    )
    .contains("Invalid number of argument(s) for the EQ ComparisonOperator"));
    assert!(err(
        json!({"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"SS": ["x"]}]}}),
        None
    )
    .contains("ComparisonOperator LT is not valid for SS AttributeValue type"));
    assert!(err(
        json!({"a": {"ComparisonOperator": "XX", "AttributeValueList": []}}),
        None
    )
    .contains("Member must satisfy enum value set"));
    assert!(err(
        json!({"a": {"ComparisonOperator": "EQ", "Value": {"S": "x"}}}),
        None
    )
    .contains("cannot be used with ComparisonOperator"));
    assert!(err(json!({"a": {"Value": {"S": "x"}}}), Some(json!("XOR")))
        .contains("conditionalOperator"));
}

#[test]
fn legacy_filters_and_keys() {
    let it = sample();
    let f = legacy::filter(
        &json!({"age": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "40"}]},
                "tags": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "a"}]}}),
        None,
        "ScanFilter",
    )
    .unwrap()
    .unwrap();
    assert!(f.eval(&it).unwrap());
    let e = legacy::filter(&json!({"age": {}}), None, "QueryFilter").unwrap_err();
    assert!(
        e.message
            .contains("queryFilter.age.member.comparisonOperator"),
        "{}",
        e.message
    );

    let k = legacy::key_conditions(
        &json!({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}}),
        &["pk"],
        &["sk"],
    )
    .unwrap();
    assert_eq!(
        k.sort,
        vec![("sk".into(), SortKeyCondition::BeginsWith(s("x")))]
    );
    let e = legacy::key_conditions(
        &json!({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                "sk": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "x"}]}}),
        &["pk"],
        &["sk"],
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "Attempted conditional constraint is not an indexable operation"
    );
    let e = legacy::key_conditions(
        &json!({"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}),
        &["pk"],
        &["sk"],
    )
    .unwrap_err();
    assert_eq!(e.message, "Query condition missed key schema element: pk");
}

#[test]
fn legacy_projection_and_updates() {
    let p = legacy::attributes_to_get(&json!(["nm", "age", "nope"])).unwrap();
    assert_eq!(
        p.apply(&sample()),
        item(json!({"nm": {"S": "Ada"}, "age": {"N": "42"}}))
    );
    assert!(legacy::attributes_to_get(&json!(["a", "a"]))
        .unwrap_err()
        .message
        .contains("Duplicate value in attribute name: a"));
    assert!(legacy::attributes_to_get(&json!([])).is_err());

    let u = legacy::attribute_updates(&json!({
        "nm": {"Value": {"S": "Bob"}},
        "age": {"Action": "ADD", "Value": {"N": "1"}},
        "tags": {"Action": "DELETE", "Value": {"SS": ["a"]}},
        "flag": {"Action": "DELETE"},
        "cnt": {"Action": "ADD", "Value": {"N": "5"}}
    }))
    .unwrap();
    let mut it = sample();
    u.apply(&mut it).unwrap();
    assert_eq!(it["nm"], s("Bob"));
    assert_eq!(it["age"], n("43"));
    assert_eq!(it["tags"], Value::Ss(vec!["b".into()]));
    assert!(!it.contains_key("flag"));
    assert_eq!(it["cnt"], n("5"));
    for (bad, want) in [
        (
            json!({"a": {"Action": "PUT"}}),
            "Only DELETE action is allowed when no attribute value is specified",
        ),
        (
            json!({"a": {"Action": "ADD", "Value": {"S": "x"}}}),
            "ADD action is not supported for the type S",
        ),
        (
            json!({"a": {"Action": "DELETE", "Value": {"S": "x"}}}),
            "DELETE action with value is not supported for the type S",
        ),
        (
            json!({"a": {"Action": "MERGE", "Value": {"S": "x"}}}),
            "Member must satisfy enum value set: [ADD, PUT, DELETE]",
        ),
    ] {
        let e = legacy::attribute_updates(&bad).unwrap_err();
        assert!(e.message.contains(want), "{}", e.message);
    }
}

// ----- multi-attribute (global index) key conditions -----

fn multi(expr: &str) -> Result<KeyCondition> {
    let v = json!({":h": {"S": "o"}, ":g": {"N": "1"}, ":a": {"S": "T"}, ":b": {"S": "live"},
                   ":c": {"S": "c"}, ":d": {"S": "r"}, ":e": {"S": "s"}});
    let ctx = Context::new(None, Some(&v))?;
    parse_key_condition(expr, &ctx, &["h", "g"], &["a", "b", "c", "d"])
}

fn multi_err(expr: &str) -> String {
    multi(expr).unwrap_err().message
}

#[test]
fn multi_attribute_key_conditions() {
    let k = multi("g = :g AND h = :h").unwrap();
    // Partition values come back in key schema order, whatever order the clauses were written in.
    assert_eq!(
        k.partition,
        vec![("h".into(), s("o")), ("g".into(), n("1"))]
    );
    assert!(k.sort.is_empty());
    let k = multi("b = :b AND h = :h AND a = :a AND g = :g AND begins_with(c, :c)").unwrap();
    assert_eq!(
        k.sort,
        vec![
            ("a".into(), SortKeyCondition::Eq(s("T"))),
            ("b".into(), SortKeyCondition::Eq(s("live"))),
            ("c".into(), SortKeyCondition::BeginsWith(s("c"))),
        ]
    );
    let k = multi("h = :h AND g = :g AND a = :a AND b = :b AND c = :c AND d BETWEEN :d AND :e")
        .unwrap();
    assert_eq!(k.sort.len(), 4);
    let key = |v: &[&str]| {
        v.iter()
            .map(|x| KeyValue::S((*x).into()))
            .collect::<Vec<_>>()
    };
    assert!(k.matches_sort(&key(&["T", "live", "c", "rx"])));
    assert!(!k.matches_sort(&key(&["T", "live", "c", "t"])));
    assert!(!k.matches_sort(&key(&["T", "draft", "c", "rx"])));
    assert!(multi("h = :h AND g = :g AND a < :a").is_ok());
}

#[test]
fn multi_attribute_key_condition_errors() {
    assert_eq!(
        multi_err("h = :h AND a = :a"),
        "Query condition missed key schema element: g"
    );
    assert_eq!(
        multi_err("h = :h AND g > :g"),
        "Query key condition not supported"
    );
    assert_eq!(
        multi_err("h = :h AND g = :g AND b = :b"),
        "RANGE key attributes a must have equality conditions specified in the query because a condition is present on key attribute b"
    );
    assert_eq!(
        multi_err("h = :h AND g = :g AND a = :a AND c = :c"),
        "RANGE key attributes b must have equality conditions specified in the query because a condition is present on key attribute c"
    );
    assert_eq!(
        multi_err("h = :h AND g = :g AND a = :a AND b > :b AND c = :c"),
        "RANGE key attributes b must have equality conditions specified in the query because a condition is present on key attribute c"
    );
    assert_eq!(
        multi_err("h = :h AND g = :g AND a = :a AND a = :a"),
        "KeyConditionExpressions must only contain one condition per key"
    );
    assert_eq!(
        multi_err("h = :h AND g = :g AND x = :a"),
        "Query condition missed key schema element: a"
    );
    assert!(multi_err("h = :h AND g = :g AND begins_with(a, :g)").contains("operand type: N"));
    let k = multi("h = :h AND g = :g AND a = :a").unwrap();
    assert!(k.check_types(&["S", "N"], &["S", "S", "S", "S"]).is_ok());
    assert!(k.check_types(&["S", "S"], &["S", "S", "S", "S"]).is_err());
    assert!(k.check_types(&["S", "N"], &["N", "S", "S", "S"]).is_err());
    // Legacy KeyConditions follow the same rules.
    let e = legacy::key_conditions(
        &json!({"h": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "o"}]},
                "g": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]},
                "b": {"ComparisonOperator": "GT", "AttributeValueList": [{"S": "x"}]}}),
        &["h", "g"],
        &["a", "b"],
    )
    .unwrap_err();
    assert!(
        e.message.starts_with("RANGE key attributes a must"),
        "{}",
        e.message
    );
}
