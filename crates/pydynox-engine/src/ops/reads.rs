//! Query and Scan: key conditions, index reads, filters, projections, Select, Limit, the 1 MB page,
//! ExclusiveStartKey/LastEvaluatedKey, reverse order and parallel-scan segments.

use std::borrow::Cow;

use serde_json::json;

use crate::engine::State;
use crate::error::{Error, Result};
use crate::expr::{self, Condition, Context, KeyCondition, Projection};
use crate::hash::{fnv1a, fnv1a_extend};
use crate::ops::items::{capacity, context, projection, read_units};
use crate::ops::Answer;
use crate::request::Request;
use crate::table::{
    Composite, Index, IndexEntry, KeySchema, PrimaryKey, ProjectionKind, ScalarType, Table,
};
use crate::value::{item_size, Item, KeyValue};
use crate::wire::{estimated_len, Out};

const PAGE_BYTES: usize = 1024 * 1024;

fn filter(req: &Request, ctx: &Context, legacy_name: &str) -> Result<Option<Condition>> {
    match (req.str("FilterExpression")?, req.get(legacy_name)) {
        (Some(_), Some(_)) => Err(Error::validation(format!(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{legacy_name}}} Expression parameters: {{FilterExpression}}"
        ))),
        (Some(text), None) => Ok(Some(expr::parse_condition(text, ctx, "FilterExpression")?)),
        (None, Some(legacy)) => expr::legacy::filter(legacy, req.get("ConditionalOperator"), legacy_name),
        (None, None) => Ok(None),
    }
}

/// What to return per item, from Select and the projection.
enum Shape {
    Count,
    All,
    Projected(Projection),
    /// Index attributes only (ALL_PROJECTED_ATTRIBUTES on an index).
    IndexOnly,
}

fn shape(req: &Request, projection: Option<Projection>, index: Option<&Index>) -> Result<Shape> {
    let select = req.str("Select")?;
    let shape = match (select, projection) {
        (Some("COUNT"), Some(_)) | (Some("ALL_ATTRIBUTES"), Some(_)) | (Some("ALL_PROJECTED_ATTRIBUTES"), Some(_)) => {
            return Err(Error::validation(
                "Cannot specify the AttributesToGet or ProjectionExpression when choosing to get ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES or COUNT",
            ))
        }
        (Some("SPECIFIC_ATTRIBUTES"), None) => {
            return Err(Error::validation(
                "One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires ProjectionExpression or AttributesToGet",
            ))
        }
        (Some("COUNT"), None) => Shape::Count,
        (Some("SPECIFIC_ATTRIBUTES") | None, Some(p)) => Shape::Projected(p),
        (Some("ALL_PROJECTED_ATTRIBUTES"), None) => {
            if index.is_none() {
                return Err(Error::validation(
                    "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is not supported unless an IndexName is specified",
                ));
            }
            Shape::IndexOnly
        }
        (Some("ALL_ATTRIBUTES"), None) => match index {
            Some(i) if i.global && i.projection != ProjectionKind::All => {
                return Err(Error::validation(format!(
                    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
                    i.name
                )))
            }
            _ => Shape::All,
        },
        (None, None) => match index {
            Some(_) => Shape::IndexOnly,
            None => Shape::All,
        },
        (Some(other), _) => {
            return Err(Error::validation(format!(
                "1 validation error detected: Value '{other}' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"
            )))
        }
    };
    Ok(shape)
}

fn limit(req: &Request) -> Result<Option<usize>> {
    match req.int("Limit")? {
        None => Ok(None),
        Some(n) if n >= 1 => Ok(Some(n as usize)),
        Some(n) => Err(Error::validation(format!(
            "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ))),
    }
}

fn key_part(item: &Item, name: &str) -> Result<KeyValue> {
    item.get(name)
        .and_then(KeyValue::from_value)
        .ok_or_else(invalid_start)
}

fn invalid_start() -> Error {
    Error::validation(
        "The provided starting key is invalid: The provided key element does not match the schema",
    )
}

fn key_parts(item: &Item, parts: &[(String, ScalarType)]) -> Result<Composite> {
    parts.iter().map(|(n, _)| key_part(item, n)).collect()
}

/// Where a read resumes: the table key, and the index entry when reading an index.
type StartKey = (PrimaryKey, Option<IndexEntry>);

/// ExclusiveStartKey as a table key, and as an index entry when reading an index.
fn start_key(req: &Request, table: &Table, index: Option<&Index>) -> Result<Option<StartKey>> {
    let Some(start) = req.item("ExclusiveStartKey")? else {
        return Ok(None);
    };
    let expected = table
        .schema
        .names()
        .chain(index.iter().flat_map(|i| i.schema.names()));
    let mut names: Vec<&str> = expected.collect();
    names.sort_unstable();
    names.dedup();
    if start.len() != names.len() || !names.iter().all(|n| start.contains_key(*n)) {
        return Err(invalid_start());
    }
    let key = (
        key_part(&start, &table.schema.partition_key().0)?,
        table
            .schema
            .sort_key()
            .map(|(n, _)| key_part(&start, n))
            .transpose()?,
    );
    let position = match index {
        Some(i) => Some((
            key_parts(&start, &i.schema.partition)?,
            (
                key_parts(&start, &i.schema.sort)?,
                key.0.clone(),
                key.1.clone(),
            ),
        )),
        None => None,
    };
    Ok(Some((key, position)))
}

/// The items a read evaluates, in order (a LastEvaluatedKey is built from the last one only).
type Evaluated<'a> = Box<dyn Iterator<Item = &'a Item> + 'a>;

fn last_key(table: &Table, index: Option<&Index>, item: &Item) -> Item {
    let mut key = Item::new();
    for name in table
        .schema
        .names()
        .chain(index.iter().flat_map(|i| i.schema.names()))
    {
        if let Some(v) = item.get(name) {
            key.insert(name.to_owned(), v.clone());
        }
    }
    key
}

struct Page<'t> {
    /// The items to answer with: the table's own when shown whole, else their projections.
    items: Vec<Cow<'t, Item>>,
    count: usize,
    scanned: usize,
    scanned_bytes: usize,
    last: Option<Item>,
}

fn collect<'t>(
    evaluated: Evaluated<'t>,
    filter: Option<&Condition>,
    shape: &Shape,
    index: Option<&Index>,
    table: &Table,
    limit: Option<usize>,
) -> Result<Page<'t>> {
    let mut page = Page {
        items: Vec::new(),
        count: 0,
        scanned: 0,
        scanned_bytes: 0,
        last: None,
    };
    let mut evaluated = evaluated.peekable();
    while let Some(item) = evaluated.next() {
        // Only an index read sees a projection of the item; a table read uses it as stored.
        let visible = match index {
            Some(i) if i.projection != ProjectionKind::All => {
                Cow::Owned(i.project(item, &table.schema))
            }
            _ => Cow::Borrowed(item),
        };
        page.scanned += 1;
        page.scanned_bytes += item_size(&visible);
        let keep = match filter {
            Some(f) => f.eval(&visible)?,
            None => true,
        };
        if keep {
            page.count += 1;
            match shape {
                Shape::Count => {}
                Shape::All => page.items.push(Cow::Borrowed(item)),
                Shape::IndexOnly => page.items.push(visible),
                Shape::Projected(p) => page.items.push(Cow::Owned(p.apply(match index {
                    // A local index reads missing attributes from the table; a global one cannot.
                    Some(i) if i.global => &visible,
                    _ => item,
                }))),
            }
        }
        let full = limit.is_some_and(|l| page.scanned >= l) || page.scanned_bytes >= PAGE_BYTES;
        if full {
            if evaluated.peek().is_some() || limit.is_some() {
                page.last = Some(last_key(table, index, item));
            }
            break;
        }
    }
    Ok(page)
}

fn respond(
    req: &Request,
    table: &Table,
    page: Page<'_>,
    consistent: bool,
    shape: &Shape,
) -> Result<Answer> {
    let items: usize = page.items.iter().map(|i| estimated_len(i)).sum();
    let mut out = Out::with_capacity(items + 256);
    if !matches!(shape, Shape::Count) {
        out.items("Items", page.items.iter().map(|i| &**i));
    }
    out.json("Count", &json!(page.count));
    out.json("ScannedCount", &json!(page.scanned));
    if let Some(last) = &page.last {
        out.item("LastEvaluatedKey", last);
    }
    if let Some(c) = capacity(req, table, read_units(page.scanned_bytes, consistent), true)? {
        out.json("ConsumedCapacity", &c);
    }
    Ok(out.finish().into())
}

fn index_of<'a>(req: &Request, table: &'a Table) -> Result<Option<&'a Index>> {
    req.str("IndexName")?
        .map(|name| table.index(name))
        .transpose()
}

fn consistent(req: &Request, index: Option<&Index>) -> Result<bool> {
    let consistent = req.bool("ConsistentRead")?;
    if consistent && index.is_some_and(|i| i.global) {
        return Err(Error::validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    Ok(consistent)
}

fn key_condition(req: &Request, ctx: &Context, schema: &KeySchema) -> Result<KeyCondition> {
    let partition: Vec<&str> = schema.partition.iter().map(|(n, _)| n.as_str()).collect();
    let sort: Vec<&str> = schema.sort.iter().map(|(n, _)| n.as_str()).collect();
    let keys = match (req.str("KeyConditionExpression")?, req.get("KeyConditions")) {
        (Some(_), Some(_)) => return Err(Error::validation(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
        )),
        (Some(text), None) => expr::parse_key_condition(text, ctx, &partition, &sort)?,
        (None, Some(legacy)) => expr::legacy::key_conditions(legacy, &partition, &sort)?,
        (None, None) => return Err(Error::validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")),
    };
    let types = |parts: &[(String, ScalarType)]| -> Vec<&'static str> {
        parts.iter().map(|(_, t)| t.name()).collect()
    };
    keys.check_types(&types(&schema.partition), &types(&schema.sort))?;
    Ok(keys)
}

pub fn query(state: &State, req: &Request) -> Result<Answer> {
    let table = state.table(req.table_name()?)?;
    let index = index_of(req, table)?;
    let schema = index.map_or(&table.schema, |i| &i.schema);
    let ctx = context(req)?;
    let keys = key_condition(req, &ctx, schema)?;
    let filter = filter(req, &ctx, "QueryFilter")?;
    let projection = projection(req, &ctx)?;
    ctx.finish()?;
    let shape = shape(req, projection, index)?;
    let consistent = consistent(req, index)?;
    let limit = limit(req)?;
    let forward = req.get("ScanIndexForward").is_none() || req.bool("ScanIndexForward")?;
    let start = start_key(req, table, index)?;
    let partition = keys.partition_key().ok_or_else(|| {
        Error::validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
    })?;
    let evaluated: Evaluated<'_> = match index {
        None => {
            let start = start.map(|(k, _)| k);
            if start.as_ref().is_some_and(|s| partition != [s.0.clone()]) {
                return Err(invalid_start());
            }
            let Some(partition) = partition.into_iter().next() else {
                return Err(invalid_start());
            };
            let iter = table.partition(&partition, start.as_ref().map(|s| &s.1), forward);
            Box::new(
                iter.filter(move |(s, _)| keys.matches_sort(s.as_slice()))
                    .map(|(_, item)| item),
            )
        }
        Some(i) => {
            let position = start.and_then(|(_, p)| p);
            if position.as_ref().is_some_and(|p| p.0 != partition) {
                return Err(invalid_start());
            }
            let iter = i
                .partition(&partition, position.as_ref().map(|p| &p.1), forward)
                .filter(move |pos| keys.matches_sort(&pos.0));
            Box::new(iter.filter_map(move |pos| table.get_parts(&pos.1, &pos.2)))
        }
    };
    let page = collect(evaluated, filter.as_ref(), &shape, index, table, limit)?;
    respond(req, table, page, consistent, &shape)
}

/// Which parallel-scan segment a partition belongs to: a stable hash of its partition key values.
fn segment_of(key: &[KeyValue], total: u64) -> u64 {
    let mut hash = fnv1a(&[]);
    for (i, value) in key.iter().enumerate() {
        if i > 0 {
            // Separates the values, so ("ab", "c") and ("a", "bc") may land apart.
            hash = fnv1a_extend(hash, &[0xff]);
        }
        hash = match value {
            KeyValue::S(s) => fnv1a_extend(hash, s.as_bytes()),
            KeyValue::N(n) => fnv1a_extend(hash, n.to_string().as_bytes()),
            KeyValue::B(b) => fnv1a_extend(hash, b),
        };
    }
    hash % total
}

pub fn scan(state: &State, req: &Request) -> Result<Answer> {
    let table = state.table(req.table_name()?)?;
    let index = index_of(req, table)?;
    let ctx = context(req)?;
    let filter = filter(req, &ctx, "ScanFilter")?;
    let projection = projection(req, &ctx)?;
    ctx.finish()?;
    let shape = shape(req, projection, index)?;
    let consistent = consistent(req, index)?;
    let limit = limit(req)?;
    let segment = req.int("Segment")?;
    let total = req.int("TotalSegments")?;
    let segments = match (segment, total) {
        (None, None) => None,
        (Some(s), Some(t)) => {
            if !(1..=1_000_000).contains(&t) {
                return Err(Error::validation(format!(
                    "1 validation error detected: Value '{t}' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000"
                )));
            }
            if s < 0 || s >= t {
                return Err(Error::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                )));
            }
            Some((s as u64, t as u64))
        }
        (Some(_), None) => {
            return Err(Error::validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present"))
        }
        (None, Some(_)) => {
            return Err(Error::validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present"))
        }
    };
    let in_segment = move |key: &[KeyValue]| segments.is_none_or(|(s, t)| segment_of(key, t) == s);
    let start = start_key(req, table, index)?;
    let evaluated: Evaluated<'_> = match index {
        None => {
            let start = start.map(|(k, _)| k);
            Box::new(
                table
                    .all(start.as_ref())
                    .filter(move |((p, _), _)| in_segment(std::slice::from_ref(*p)))
                    .map(|(_, item)| item),
            )
        }
        Some(i) => {
            let position = start.and_then(|(_, p)| p);
            Box::new(
                i.all(position.as_ref())
                    .filter(move |(p, _)| in_segment(p))
                    .filter_map(move |(_, pos)| table.get_parts(&pos.1, &pos.2)),
            )
        }
    };
    let page = collect(evaluated, filter.as_ref(), &shape, index, table, limit)?;
    respond(req, table, page, consistent, &shape)
}
