//! BatchWriteItem and BatchGetItem: chunked (25 writes, 100 keys), chunks sent concurrently, and what
//! DynamoDB hands back unprocessed sent again with exponential backoff and full jitter. Whatever still
//! fails is raised with exactly those items (UnprocessedItemsException / UnprocessedKeysException):
//! nothing is dropped silently.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnConsumedCapacity, WriteRequest};
use bytes::Bytes;
use futures_util::future::join_all;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rand::Rng;
use tokio::sync::Semaphore;

use super::item::about_table;
use super::{key_from_py, paths_from_py, projection_from_paths, require_table, Names};
use crate::capture::OwnBody;
use crate::client::{CoreClient, Shared};
use crate::codec::{encode_item, Encode};
use crate::convert::wire::{parse_item, ReadError};
use crate::convert::{items_to_py, Item};
use crate::convert::{py_to_item_json, JsonSink};
use crate::errors::{from_sdk, no_extra, request_id_of, Extra, OpError};
use crate::events::{OpSpec, OpStats, ParamValue};
use crate::model::{item_to_write, Snapshot};
use crate::runtime;

pub const WRITE_CHUNK: usize = 25;
pub const GET_CHUNK: usize = 100;
/// Chunks in flight at once for one batch call.
const CONCURRENT_CHUNKS: usize = 8;

/// How unprocessed items and retryable failures are retried.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub max_rounds: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            max_rounds: 10,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(5),
        }
    }
}

impl Backoff {
    /// Full jitter: a random wait in [0, min(cap, base * 2^round)].
    fn delay(&self, round: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << round.min(20))
            .min(self.cap);
        let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

fn backoff_from_args(max_rounds: Option<u32>) -> PyResult<Backoff> {
    let mut b = Backoff::default();
    if let Some(n) = max_rounds {
        if n > 50 {
            return Err(PyValueError::new_err(format!(
                "max_retries must be from 0 to 50, got {n}"
            )));
        }
        b.max_rounds = n;
    }
    Ok(b)
}

// ---------------------------------------------------------------------------------------------------
// BatchWriteItem

enum WriteOp {
    Put(Item),
    /// A put of a plain dict, written as DynamoDB JSON when it was read from Python (no codec
    /// applies to a dict): the SDK's values are never built for it.
    PutJson(Vec<u8>),
    Delete(Item),
}

struct Write {
    table: String,
    op: WriteOp,
    encode: Option<Encode>,
}

impl Write {
    fn from_request(table: &str, req: WriteRequest) -> Option<Write> {
        let op = if let Some(put) = req.put_request {
            WriteOp::Put(put.item)
        } else {
            WriteOp::Delete(req.delete_request?.key)
        };
        Some(Write {
            table: table.to_owned(),
            op,
            encode: None,
        })
    }

    /// `{"PutRequest":{"Item":...}}` or `{"DeleteRequest":{"Key":...}}`.
    fn write_json(&self, sink: &mut JsonSink) -> Result<(), String> {
        let (head, item) = match &self.op {
            WriteOp::PutJson(json) => {
                sink.out.extend_from_slice(br#"{"PutRequest":{"Item":"#);
                sink.out.extend_from_slice(json);
                sink.out.extend_from_slice(b"}}");
                return Ok(());
            }
            WriteOp::Put(item) => (&br#"{"PutRequest":{"Item":"#[..], item),
            WriteOp::Delete(key) => (&br#"{"DeleteRequest":{"Key":"#[..], key),
        };
        sink.out.extend_from_slice(head);
        sink.item(item)?;
        sink.out.extend_from_slice(b"}}");
        Ok(())
    }

    /// What an error reports for a write that was not done: (table, is a put, item or key).
    fn into_unwritten(self) -> Result<(String, bool, Item), String> {
        Ok(match self.op {
            WriteOp::Put(item) => (self.table, true, item),
            // Bytes this module wrote; reading them back cannot fail short of a bug, and a bug
            // is reported (by the caller), not papered over.
            WriteOp::PutJson(json) => {
                let item = parse_item(&json).map_err(|e| match e {
                    ReadError::Wire(w) => w.to_string(),
                    ReadError::Py(p) => p.to_string(),
                })?;
                (self.table, true, item)
            }
            WriteOp::Delete(key) => (self.table, false, key),
        })
    }
}

/// A BatchWriteItem body: the writes grouped by table, in their order within each table.
fn request_body(writes: &[Write]) -> Result<Bytes, String> {
    let mut tables: Vec<&str> = Vec::new();
    for w in writes {
        if !tables.contains(&w.table.as_str()) {
            tables.push(&w.table);
        }
    }
    // Sized up front: grown by doubling, a 400 KB body would be copied several times over.
    let size: usize = writes
        .iter()
        .map(|w| match &w.op {
            WriteOp::PutJson(json) => json.len() + 32,
            // Not written yet: an item's size is a guess, a key is small.
            WriteOp::Put(_) => 1024,
            WriteOp::Delete(_) => 256,
        })
        .sum();
    let names: usize = tables.iter().map(|t| t.len() + 8).sum();
    let mut sink = JsonSink {
        out: Vec::with_capacity(64 + names + size),
    };
    sink.out.extend_from_slice(br#"{"RequestItems":{"#);
    let mut first_table = true;
    for table in tables {
        sink.member(&mut first_table, table);
        sink.out.push(b'[');
        for (i, w) in writes.iter().filter(|w| w.table == table).enumerate() {
            if i > 0 {
                sink.out.push(b',');
            }
            w.write_json(&mut sink)?;
        }
        sink.out.push(b']');
    }
    sink.out
        .extend_from_slice(br#"},"ReturnConsumedCapacity":"TOTAL"}"#);
    Ok(Bytes::from(sink.out))
}

struct ChunkFailure {
    unwritten: Vec<Write>,
    cause: Option<OpError>,
}

/// One BatchWriteItem request (up to 25 writes, any number of tables), sent until every write is
/// done or the retries are spent.
async fn write_chunk(
    shared: &Shared,
    chunk: Vec<Write>,
    backoff: Backoff,
    stats: &mut OpStats,
) -> Result<(), ChunkFailure> {
    let mut pending = chunk;
    let mut failed = None;
    for w in pending.iter_mut() {
        if let (Some((codecs, passthrough)), WriteOp::Put(item)) = (w.encode.take(), &mut w.op) {
            if let Err(e) = encode_item(shared, &w.table, &codecs, item, &passthrough, stats).await
            {
                failed = Some(e);
                break;
            }
        }
    }
    if let Some(e) = failed {
        return Err(ChunkFailure {
            unwritten: pending,
            cause: Some(e),
        });
    }
    let mut round = 0u32;
    loop {
        let client = match shared.sdk().await {
            Ok(c) => c,
            Err(e) => {
                return Err(ChunkFailure {
                    unwritten: pending,
                    cause: Some(e),
                })
            }
        };
        // The body is written here, from the writes, which stay ours: a failed send leaves them
        // in hand to report or send again. The SDK gets a placeholder input (its serializer would
        // otherwise walk every item once more) and the body replaces what it made of it.
        let body = match request_body(&pending) {
            Ok(body) => body,
            Err(why) => {
                return Err(ChunkFailure {
                    unwritten: pending,
                    cause: Some(OpError::new(
                        "ValidationException",
                        "ValidationException",
                        why,
                    )),
                })
            }
        };
        let placeholder = HashMap::from([(pending[0].table.clone(), Vec::new())]);
        let sent = {
            let _permit = shared.permit().await;
            let request = client
                .batch_write_item()
                .set_request_items(Some(placeholder));
            OwnBody::new(body).send(|| request.send()).await
        };
        match sent {
            Ok(out) => {
                stats.request_id = request_id_of(&out);
                stats.add_capacities(out.consumed_capacity(), true);
                pending = out
                    .unprocessed_items
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|(table, reqs)| {
                        reqs.into_iter()
                            .filter_map(move |r| Write::from_request(&table, r))
                            .collect::<Vec<_>>()
                    })
                    .collect();
                if pending.is_empty() {
                    return Ok(());
                }
            }
            Err(err) => {
                let err = from_sdk(err, no_extra);
                let first = &pending[0].table;
                let err = if pending.iter().all(|w| &w.table == first) {
                    about_table(err, first)
                } else {
                    err
                };
                if !err.is_retryable() || round >= backoff.max_rounds {
                    return Err(ChunkFailure {
                        unwritten: pending,
                        cause: Some(err),
                    });
                }
            }
        }
        if round >= backoff.max_rounds {
            return Err(ChunkFailure {
                unwritten: pending,
                cause: None,
            });
        }
        stats.unprocessed_retries += 1;
        tokio::time::sleep(backoff.delay(round)).await;
        round += 1;
    }
}

async fn batch_write_all(
    shared: Arc<Shared>,
    writes: Vec<Write>,
    backoff: Backoff,
) -> (Result<(), OpError>, OpStats) {
    let total = writes.len();
    let mut chunks: Vec<Vec<Write>> = Vec::new();
    let mut iter = writes.into_iter().peekable();
    while iter.peek().is_some() {
        chunks.push(iter.by_ref().take(WRITE_CHUNK).collect());
    }
    let gate = Arc::new(Semaphore::new(CONCURRENT_CHUNKS));
    let runs = chunks.into_iter().map(|chunk| {
        let shared = shared.clone();
        let gate = gate.clone();
        async move {
            let _slot = gate.acquire_owned().await.ok();
            let mut stats = OpStats::default();
            let out = write_chunk(&shared, chunk, backoff, &mut stats).await;
            (out, stats)
        }
    });
    let mut stats = OpStats::default();
    let mut unwritten: Vec<(String, bool, Item)> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut cause: Option<OpError> = None;
    let mut failed = false;
    for (out, chunk_stats) in join_all(runs).await {
        stats.merge(chunk_stats);
        if let Err(failure) = out {
            failed = true;
            for w in failure.unwritten {
                match w.into_unwritten() {
                    Ok(entry) => unwritten.push(entry),
                    Err(why) => unreadable.push(why),
                }
            }
            if cause.is_none() {
                cause = failure.cause;
            }
        }
    }
    if unwritten.is_empty() && unreadable.is_empty() {
        // A failed chunk always lists its writes; should one not, the call still fails.
        return match cause.filter(|_| failed) {
            Some(cause) => (Err(cause), stats),
            None => (Ok(()), stats),
        };
    }
    let tables: std::collections::BTreeSet<&str> =
        unwritten.iter().map(|(t, _, _)| t.as_str()).collect();
    let reason = match &cause {
        Some(c) => format!("last error: {}: {}", c.code, c.message),
        None => format!(
            "DynamoDB kept returning them as UnprocessedItems after {} retries",
            backoff.max_rounds
        ),
    };
    let where_ = if tables.len() == 1 {
        format!("to table {:?}", tables.iter().next().copied().unwrap_or(""))
    } else {
        format!("to tables {tables:?}")
    };
    let unreadable = match unreadable.first() {
        Some(why) => format!(
            "; {} more were not written and could not be listed: {why}",
            unreadable.len()
        ),
        None => String::new(),
    };
    let mut err = OpError::new(
        "UnprocessedItemsException",
        "UnprocessedItems",
        format!(
            "{} of {total} write requests {where_} were not written ({reason}{unreadable})",
            unwritten.len()
        ),
    );
    if tables.len() == 1 {
        err.table = tables.iter().next().map(|t| (*t).to_owned());
    }
    err.extra = Extra::Unwritten {
        writes: unwritten,
        cause: cause.map(Box::new),
    };
    (Err(err), stats)
}

/// Each entry of a list of items or keys (`what[i]` in errors); None is an empty list.
fn list_entries<T>(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
    mut each: impl FnMut(&Bound<'_, PyAny>, &str) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    let list = obj
        .try_iter()
        .map_err(|_| PyTypeError::new_err(format!("{what} must be a list of dicts")))?;
    let mut out = Vec::new();
    for (i, entry) in list.enumerate() {
        out.push(each(&entry?, &format!("{what}[{i}]"))?);
    }
    Ok(out)
}

/// The writes of one table from a list of put items or delete keys.
fn writes_from_list(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
    table: &str,
    put: bool,
) -> PyResult<Vec<Write>> {
    let mut json_size = JsonSize::default();
    list_entries(obj, what, |entry, label| {
        let (op, encode) = if put {
            put_from_py(entry, label, &mut json_size)?
        } else {
            (WriteOp::Delete(key_from_py(entry, label)?), None)
        };
        Ok(Write {
            table: table.to_owned(),
            op,
            encode,
        })
    })
}

/// The size to give the next item's JSON buffer: the items of one batch are mostly alike, so the
/// last one's size (and a little more) saves growing the buffer, and copying it, several times.
#[derive(Default)]
struct JsonSize(usize);

impl JsonSize {
    fn guess(&self) -> usize {
        if self.0 == 0 {
            256
        } else {
            self.0 + self.0 / 8
        }
    }

    fn saw(&mut self, json: &[u8]) {
        self.0 = json.len();
    }
}

/// A put: a dict, or the Snapshot a model dumped, is written as JSON straight away; a Snapshot
/// with compressed or encrypted attributes keeps its values, encoded before it is sent.
fn put_from_py(
    entry: &Bound<'_, PyAny>,
    label: &str,
    json_size: &mut JsonSize,
) -> PyResult<(WriteOp, Option<Encode>)> {
    let empty = || PyValueError::new_err(format!("{label} is empty"));
    if let Ok(dict) = entry.cast::<PyDict>() {
        if dict.is_empty() {
            return Err(empty());
        }
        let json = py_to_item_json(entry, label, json_size.guess())?;
        json_size.saw(&json);
        return Ok((WriteOp::PutJson(json), None));
    }
    if let Ok(snapshot) = entry.cast::<Snapshot>() {
        let snapshot = snapshot.get();
        if !snapshot.needs_encoding() {
            // Written from the snapshot's values in place: the model keeps them, uncopied.
            let item = snapshot.item()?;
            if item.is_empty() {
                return Err(empty());
            }
            let mut sink = JsonSink {
                out: Vec::with_capacity(json_size.guess()),
            };
            sink.item(item)
                .map_err(|why| PyValueError::new_err(format!("{label}: {why}")))?;
            json_size.saw(&sink.out);
            return Ok((WriteOp::PutJson(sink.out), None));
        }
    }
    let (item, encode) = item_to_write(entry, label)?;
    if item.is_empty() {
        return Err(empty());
    }
    Ok((WriteOp::Put(item), encode))
}

/// `[(table, "put" | "delete", item or key), ...]` from Python.
fn writes_from_py(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Write>> {
    let list = obj.try_iter().map_err(|_| {
        PyTypeError::new_err("writes must be a list of (table, \"put\" | \"delete\", item) tuples")
    })?;
    let mut out = Vec::new();
    let mut json_size = JsonSize::default();
    for (i, entry) in list.enumerate() {
        let entry = entry?;
        let label = format!("writes[{i}]");
        let (table, kind, value): (String, String, Bound<'_, PyAny>) =
            entry.extract().map_err(|_| {
                PyTypeError::new_err(format!(
                    "{label} must be a (table, \"put\" | \"delete\", item) tuple"
                ))
            })?;
        require_table(&table)?;
        let (op, encode) = match kind.as_str() {
            "put" => put_from_py(&value, &label, &mut json_size)?,
            "delete" => (WriteOp::Delete(key_from_py(&value, &label)?), None),
            other => {
                return Err(PyValueError::new_err(format!(
                    "{label}: the kind is \"put\" or \"delete\", got {other:?}"
                )))
            }
        };
        out.push(Write { table, op, encode });
    }
    Ok(out)
}

fn batch_write_spec(writes: &[Write]) -> OpSpec {
    let tables: std::collections::BTreeSet<&str> =
        writes.iter().map(|w| w.table.as_str()).collect();
    let table = (tables.len() == 1)
        .then(|| tables.iter().next().copied())
        .flatten();
    let mut spec = OpSpec::new("BatchWriteItem", table);
    spec.batch_size = Some(writes.len());
    if tables.len() > 1 {
        spec.param("table_names", || {
            Some(ParamValue::Strs(
                tables.iter().map(|t| (*t).to_owned()).collect(),
            ))
        });
    }
    spec
}

// ---------------------------------------------------------------------------------------------------
// BatchGetItem

/// A hashable identity for a key (AttributeValue is not Hash).
fn key_identity(key: &Item) -> String {
    let mut parts: Vec<(&String, &AttributeValue)> = key.iter().collect();
    parts.sort_by(|a, b| a.0.cmp(b.0));
    format!("{parts:?}")
}

struct GetPlan {
    table: String,
    key_names: Vec<String>,
    consistent_read: bool,
    projection: Option<String>,
    names: Option<Names>,
    /// Key attributes added to the projection only to match items to keys; removed afterwards.
    strip: Vec<String>,
}

async fn get_chunk(
    shared: &Shared,
    plan: &GetPlan,
    keys: Vec<Item>,
    backoff: Backoff,
    stats: &mut OpStats,
) -> (Vec<Item>, Vec<Item>, Option<OpError>) {
    let mut pending = keys;
    let mut found = Vec::new();
    let mut round = 0u32;
    loop {
        let client = match shared.sdk().await {
            Ok(c) => c,
            Err(e) => return (found, pending, Some(e)),
        };
        let request = match KeysAndAttributes::builder()
            .set_keys(Some(pending.clone()))
            .consistent_read(plan.consistent_read)
            .set_projection_expression(plan.projection.clone())
            .set_expression_attribute_names(plan.names.clone())
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let err = OpError::new("ValidationException", "ValidationException", e.to_string());
                return (found, pending, Some(err));
            }
        };
        let sent = {
            let _permit = shared.permit().await;
            let request = client
                .batch_get_item()
                .request_items(&plan.table, request)
                .return_consumed_capacity(ReturnConsumedCapacity::Total);
            runtime::pin_in_place(|| request.send()).await
        };
        match sent {
            Ok(out) => {
                stats.request_id = request_id_of(&out);
                stats.add_capacities(out.consumed_capacity(), false);
                let items = out
                    .responses
                    .and_then(|mut r| r.remove(&plan.table))
                    .unwrap_or_default();
                stats.add_counts(items.len() as i32, items.len() as i32);
                found.extend(items);
                let left = out
                    .unprocessed_keys
                    .and_then(|mut m| m.remove(&plan.table))
                    .map(|k| k.keys)
                    .unwrap_or_default();
                if left.is_empty() {
                    return (found, Vec::new(), None);
                }
                pending = left;
            }
            Err(err) => {
                let err = about_table(from_sdk(err, no_extra), &plan.table);
                if !err.is_retryable() || round >= backoff.max_rounds {
                    return (found, pending, Some(err));
                }
            }
        }
        if round >= backoff.max_rounds {
            return (found, pending, None);
        }
        stats.unprocessed_retries += 1;
        tokio::time::sleep(backoff.delay(round)).await;
        round += 1;
    }
}

async fn batch_get_all(
    shared: Arc<Shared>,
    plan: GetPlan,
    keys: Vec<Item>,
    backoff: Backoff,
) -> (Result<Vec<Item>, OpError>, OpStats) {
    let plan = Arc::new(plan);
    let gate = Arc::new(Semaphore::new(CONCURRENT_CHUNKS));
    let runs = keys.chunks(GET_CHUNK).map(|chunk| {
        let shared = shared.clone();
        let plan = plan.clone();
        let gate = gate.clone();
        let chunk = chunk.to_vec();
        async move {
            let _slot = gate.acquire_owned().await.ok();
            let mut stats = OpStats::default();
            let out = get_chunk(&shared, &plan, chunk, backoff, &mut stats).await;
            (out, stats)
        }
    });
    let mut stats = OpStats::default();
    let mut by_key: HashMap<String, Item> = HashMap::with_capacity(keys.len());
    let mut unread = Vec::new();
    let mut cause = None;
    for ((found, left, err), chunk_stats) in join_all(runs).await {
        stats.merge(chunk_stats);
        for mut item in found {
            let key: Item = plan
                .key_names
                .iter()
                .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
                .collect();
            for name in &plan.strip {
                item.remove(name);
            }
            by_key.insert(key_identity(&key), item);
        }
        unread.extend(left);
        if cause.is_none() {
            cause = err;
        }
    }
    // Input order, each key once; keys without an item are simply absent (as in DynamoDB).
    let ordered: Vec<Item> = keys
        .iter()
        .filter_map(|k| by_key.remove(&key_identity(k)))
        .collect();
    if unread.is_empty() {
        return (Ok(ordered), stats);
    }
    let reason = match &cause {
        Some(c) => format!("last error: {}: {}", c.code, c.message),
        None => format!(
            "DynamoDB kept returning them as UnprocessedKeys after {} retries",
            backoff.max_rounds
        ),
    };
    let mut err = OpError::new(
        "UnprocessedKeysException",
        "UnprocessedKeys",
        format!(
            "{} of {} keys of table {:?} were not read ({reason})",
            unread.len(),
            keys.len(),
            plan.table
        ),
    );
    err.table = Some(plan.table.clone());
    err.extra = Extra::Unread {
        items: ordered,
        keys: unread,
        cause: cause.map(Box::new),
    };
    (Err(err), stats)
}

impl CoreClient {
    fn send_writes<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        spec: OpSpec,
        writes: Vec<Write>,
        backoff: Backoff,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                if writes.is_empty() {
                    return (Ok(()), OpStats::default());
                }
                batch_write_all(shared, writes, backoff).await
            },
            |py, (), _metrics| Ok(py.None()),
        )
    }
}

#[pymethods]
impl CoreClient {
    #[pyo3(signature = (is_async, table, put_items=None, delete_keys=None, max_retries=None))]
    fn batch_write<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        put_items: Option<&Bound<'py, PyAny>>,
        delete_keys: Option<&Bound<'py, PyAny>>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table)?;
        let backoff = backoff_from_args(max_retries)?;
        let mut writes = writes_from_list(put_items, "put_items", &table, true)?;
        writes.extend(writes_from_list(delete_keys, "delete_keys", &table, false)?);
        let mut spec = batch_write_spec(&writes);
        if writes.is_empty() {
            spec.table = Some(table);
        }
        self.send_writes(py, is_async, spec, writes, backoff)
    }

    /// Writes to any number of tables: ``[(table, "put" | "delete", item or key), ...]``.
    #[pyo3(signature = (is_async, writes, max_retries=None))]
    fn batch_write_many<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        writes: &Bound<'py, PyAny>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let backoff = backoff_from_args(max_retries)?;
        let writes = writes_from_py(writes)?;
        let spec = batch_write_spec(&writes);
        self.send_writes(py, is_async, spec, writes, backoff)
    }

    #[pyo3(signature = (is_async, table, keys, consistent_read=false, projection=None, max_retries=None))]
    #[allow(clippy::too_many_arguments)]
    fn batch_get<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        table: String,
        keys: &Bound<'py, PyAny>,
        consistent_read: bool,
        projection: Option<&Bound<'py, PyAny>>,
        max_retries: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        require_table(&table)?;
        let backoff = backoff_from_args(max_retries)?;
        let all_keys = list_entries(Some(keys), "keys", key_from_py)?;
        // DynamoDB rejects duplicate keys in one request; asking twice for one item is not an error.
        let mut seen = std::collections::HashSet::new();
        let keys: Vec<Item> = all_keys
            .into_iter()
            .filter(|k| seen.insert(key_identity(k)))
            .collect();
        let key_names: Vec<String> = keys
            .first()
            .map(|k| k.keys().cloned().collect())
            .unwrap_or_default();
        if let Some(bad) = keys
            .iter()
            .find(|k| k.len() != key_names.len() || !key_names.iter().all(|n| k.contains_key(n)))
        {
            return Err(PyValueError::new_err(format!(
                "every key must name the same key attributes; expected {key_names:?}, got {:?}",
                bad.keys().collect::<Vec<_>>()
            )));
        }
        let mut names = Names::new();
        let (projection, strip) = match paths_from_py(projection)? {
            Some(mut paths) => {
                let strip: Vec<String> = key_names
                    .iter()
                    .filter(|k| !paths.contains(k))
                    .cloned()
                    .collect();
                paths.extend(strip.iter().cloned());
                (Some(projection_from_paths(&paths, &mut names)?), strip)
            }
            None => (None, Vec::new()),
        };
        let mut spec = OpSpec::new("BatchGetItem", Some(&table));
        spec.batch_size = Some(keys.len());
        spec.param("consistent_read", || {
            Some(ParamValue::Bool(consistent_read))
        });
        spec.param("projection", || projection.clone().map(ParamValue::Str));
        let plan = GetPlan {
            table,
            key_names,
            consistent_read,
            projection,
            names: (!names.is_empty()).then_some(names),
            strip,
        };
        self.run(
            py,
            is_async,
            spec,
            move |shared| async move {
                if keys.is_empty() {
                    return (Ok(Vec::new()), OpStats::default());
                }
                batch_get_all(shared, plan, keys, backoff).await
            },
            |py, items, _metrics| Ok(items_to_py(py, &items)?.into_any().unbind()),
        )
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::primitives::Blob;

    use super::*;

    fn write(table: &str, op: WriteOp) -> Write {
        Write {
            table: table.to_owned(),
            op,
            encode: None,
        }
    }

    #[test]
    fn a_chunk_body_groups_the_writes_by_table_in_order() {
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("a\"b".into()));
        item.insert("b".into(), AttributeValue::B(Blob::new(vec![0u8, 1])));
        let mut key = Item::new();
        key.insert("pk".into(), AttributeValue::S("gone".into()));
        let writes = vec![
            write("t1", WriteOp::Put(item)),
            write("t2", WriteOp::PutJson(br#"{"pk":{"S":"x"}}"#.to_vec())),
            write("t1", WriteOp::Delete(key)),
        ];
        let body = request_body(&writes).expect("known value kinds");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
        assert_eq!(json["ReturnConsumedCapacity"], "TOTAL");
        let t1 = json["RequestItems"]["t1"].as_array().expect("t1");
        assert_eq!(t1.len(), 2);
        assert_eq!(t1[0]["PutRequest"]["Item"]["pk"]["S"], "a\"b");
        assert_eq!(t1[0]["PutRequest"]["Item"]["b"]["B"], "AAE=");
        assert_eq!(t1[1]["DeleteRequest"]["Key"]["pk"]["S"], "gone");
        let t2 = json["RequestItems"]["t2"].as_array().expect("t2");
        assert_eq!(t2[0]["PutRequest"]["Item"]["pk"]["S"], "x");
    }

    #[test]
    fn unwritten_json_puts_are_reported_as_items() {
        let w = write(
            "t",
            WriteOp::PutJson(br#"{"pk":{"S":"x"},"n":{"N":"1.5"}}"#.to_vec()),
        );
        let (table, is_put, item) = w.into_unwritten().expect("readable");
        assert_eq!((table.as_str(), is_put), ("t", true));
        assert_eq!(item["n"], AttributeValue::N("1.5".into()));
        let broken = write("t", WriteOp::PutJson(b"{".to_vec()));
        assert!(broken.into_unwritten().is_err());
    }
}
