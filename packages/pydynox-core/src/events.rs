//! One structured event per logical operation (DESIGN §3): the hook for logging, metrics, OTel,
//! Powertools and per-request usage.
//!
//! Attempts are counted by an SDK interceptor into a task-local trace that wraps the operation's
//! future, so retries inside the SDK (and the batch retries around it) all land in one event.
//! Nothing is built for Python unless somebody listens: `LISTENING` is one atomic load per call.
//! Events are handed to listeners on the caller's thread, in the caller's `contextvars` context
//! (for async calls: on the loop thread, in a copy of the context taken when the call started), so
//! a span or a request-scoped counter sees the right parent.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::ConsumedCapacity;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use pyo3::IntoPyObjectExt;

use crate::errors::{is_throttling_code, OpError};

static LISTENING: AtomicBool = AtomicBool::new(false);

pub fn listening() -> bool {
    LISTENING.load(Ordering::Relaxed)
}

/// Called by `pydynox.events` when the first listener subscribes or the last one leaves.
#[pyfunction]
pub fn _set_listening(on: bool) {
    LISTENING.store(on, Ordering::Relaxed);
}

// ---------------------------------------------------------------------------------------------------
// Per-operation trace, filled by the interceptor

#[derive(Debug, Default, Clone)]
pub struct AttemptRecord {
    pub status_code: Option<u16>,
    pub error_code: Option<String>,
}

#[derive(Debug, Default)]
pub struct Trace {
    pub attempts: Vec<AttemptRecord>,
}

tokio::task_local! {
    static TRACE: RefCell<Trace>;
}

/// Runs `fut` with a fresh trace and returns the trace with the output.
pub async fn traced<F: Future>(fut: F) -> (F::Output, Trace) {
    TRACE
        .scope(RefCell::new(Trace::default()), async move {
            let out = fut.await;
            let trace = TRACE.with(|t| std::mem::take(&mut *t.borrow_mut()));
            (out, trace)
        })
        .await
}

macro_rules! error_code_of {
    ($err:expr, $($op:ident :: $ty:ident),* $(,)?) => {{
        let err = $err;
        let mut code: Option<String> = None;
        $(
            if code.is_none() {
                if let Some(e) = err.downcast_ref::<aws_sdk_dynamodb::operation::$op::$ty>() {
                    code = e.code().map(str::to_owned);
                }
            }
        )*
        code
    }};
}

/// Counts attempts and records each failed attempt's status and error code.
#[derive(Debug)]
pub struct AttemptTracker;

impl Intercept for AttemptTracker {
    fn name(&self) -> &'static str {
        "pydynox.AttemptTracker"
    }

    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = TRACE.try_with(|t| t.borrow_mut().attempts.push(AttemptRecord::default()));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let status = ctx.response().map(|r| r.status().as_u16());
        let error_code = match ctx.output_or_error() {
            Some(Err(err)) => match err.as_operation_error() {
                Some(op_err) => error_code_of!(
                    op_err,
                    get_item::GetItemError,
                    put_item::PutItemError,
                    update_item::UpdateItemError,
                    delete_item::DeleteItemError,
                    query::QueryError,
                    scan::ScanError,
                    batch_get_item::BatchGetItemError,
                    batch_write_item::BatchWriteItemError,
                    transact_get_items::TransactGetItemsError,
                    transact_write_items::TransactWriteItemsError,
                    execute_statement::ExecuteStatementError,
                    describe_table::DescribeTableError,
                    create_table::CreateTableError,
                    delete_table::DeleteTableError,
                    update_time_to_live::UpdateTimeToLiveError,
                    list_tables::ListTablesError,
                ),
                None => Some(
                    if err.is_timeout_error() {
                        "Timeout"
                    } else {
                        "ConnectionError"
                    }
                    .to_owned(),
                ),
            },
            _ => None,
        };
        let _ = TRACE.try_with(|t| {
            let mut t = t.borrow_mut();
            if t.attempts.is_empty() {
                t.attempts.push(AttemptRecord::default());
            }
            if let Some(last) = t.attempts.last_mut() {
                last.status_code = status;
                last.error_code = error_code;
            }
        });
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------
// What an operation reports

/// Describes the call before it runs. `params` is only filled when somebody listens.
#[derive(Debug, Default, Clone)]
pub struct OpSpec {
    pub operation: &'static str,
    pub table: Option<String>,
    pub index: Option<String>,
    pub batch_size: Option<usize>,
    pub params: Option<BTreeMap<&'static str, ParamValue>>,
}

#[derive(Debug, Clone)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    Str(String),
    Strs(Vec<String>),
}

impl OpSpec {
    pub fn new(operation: &'static str, table: Option<&str>) -> Self {
        OpSpec {
            operation,
            table: table.map(str::to_owned),
            params: if listening() {
                Some(BTreeMap::new())
            } else {
                None
            },
            ..Default::default()
        }
    }

    pub fn index(mut self, index: Option<&str>) -> Self {
        self.index = index.map(str::to_owned);
        self
    }

    /// Records a request parameter for listeners (cheap no-op when nobody listens).
    pub fn param(&mut self, name: &'static str, value: impl FnOnce() -> Option<ParamValue>) {
        if let Some(params) = self.params.as_mut() {
            if let Some(v) = value() {
                params.insert(name, v);
            }
        }
    }
}

/// Measured results, filled by the operation.
#[derive(Debug, Default, Clone)]
pub struct OpStats {
    pub request_id: Option<String>,
    pub item_count: Option<u64>,
    pub scanned_count: Option<u64>,
    pub consumed: BTreeMap<String, (f64, f64)>,
    /// Write/read requests DynamoDB handed back unprocessed and that were sent again.
    pub unprocessed_retries: u32,
    /// KMS requests made to encrypt or decrypt attributes (cache misses only).
    pub kms_calls: u32,
}

impl OpStats {
    pub fn add_capacity(&mut self, cc: Option<&ConsumedCapacity>, is_write: bool) {
        if let Some(cc) = cc {
            let table = cc.table_name().unwrap_or("").to_owned();
            let entry = self.consumed.entry(table).or_insert((0.0, 0.0));
            let (read, write) = match (cc.read_capacity_units(), cc.write_capacity_units()) {
                (None, None) => {
                    let total = cc.capacity_units().unwrap_or(0.0);
                    if is_write {
                        (0.0, total)
                    } else {
                        (total, 0.0)
                    }
                }
                (r, w) => (r.unwrap_or(0.0), w.unwrap_or(0.0)),
            };
            entry.0 += read;
            entry.1 += write;
        }
    }

    pub fn add_capacities(&mut self, ccs: &[ConsumedCapacity], is_write: bool) {
        for cc in ccs {
            self.add_capacity(Some(cc), is_write);
        }
    }

    /// Folds in what a concurrent part of the same operation (a chunk, a segment) measured.
    pub fn merge(&mut self, other: OpStats) {
        for (table, (r, w)) in other.consumed {
            let entry = self.consumed.entry(table).or_insert((0.0, 0.0));
            entry.0 += r;
            entry.1 += w;
        }
        if let Some(n) = other.item_count {
            *self.item_count.get_or_insert(0) += n;
        }
        if let Some(n) = other.scanned_count {
            *self.scanned_count.get_or_insert(0) += n;
        }
        self.unprocessed_retries += other.unprocessed_retries;
        self.kms_calls += other.kms_calls;
        if other.request_id.is_some() {
            self.request_id = other.request_id;
        }
    }

    pub fn add_counts(&mut self, items: i32, scanned: i32) {
        *self.item_count.get_or_insert(0) += items.max(0) as u64;
        *self.scanned_count.get_or_insert(0) += scanned.max(0) as u64;
    }

    fn totals(&self) -> (Option<f64>, Option<f64>) {
        if self.consumed.is_empty() {
            return (None, None);
        }
        let (r, w) = self
            .consumed
            .values()
            .fold((0.0, 0.0), |acc, v| (acc.0 + v.0, acc.1 + v.1));
        (Some(r), Some(w))
    }
}

/// Clock readings around the operation.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub started_unix_ns: u128,
    pub started: Instant,
}

impl Timing {
    pub fn start() -> Self {
        Timing {
            started_unix_ns: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
            started: Instant::now(),
        }
    }
}

/// Connection facts the client knows, shared by all its events.
#[derive(Debug, Clone, Default)]
pub struct ClientFacts {
    pub client_id: u64,
    pub region: Option<String>,
    pub server_address: Option<String>,
    pub server_port: Option<u16>,
}

// ---------------------------------------------------------------------------------------------------
// Python classes

/// Client-side metrics of one call (the 1.x `OperationMetrics` names).
#[pyclass(module = "pydynox._core", frozen, get_all)]
#[derive(Clone)]
pub struct OperationMetrics {
    pub duration_ms: f64,
    pub consumed_rcu: Option<f64>,
    pub consumed_wcu: Option<f64>,
    pub request_id: Option<String>,
    pub items_count: Option<u64>,
    pub scanned_count: Option<u64>,
    pub attempts: u32,
}

#[pymethods]
impl OperationMetrics {
    /// The totals of several calls that together made one logical read (a parallel scan's pages):
    /// capacity, counts and attempts summed, `duration_ms` the wall time the caller measured, and no
    /// request id (there were several).
    #[staticmethod]
    fn _total(parts: Vec<PyRef<'_, OperationMetrics>>, duration_ms: f64) -> OperationMetrics {
        fn add<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            }
        }
        let mut total = OperationMetrics {
            duration_ms,
            consumed_rcu: None,
            consumed_wcu: None,
            request_id: None,
            items_count: None,
            scanned_count: None,
            attempts: 0,
        };
        for part in &parts {
            total.consumed_rcu = add(total.consumed_rcu, part.consumed_rcu);
            total.consumed_wcu = add(total.consumed_wcu, part.consumed_wcu);
            total.items_count = add(total.items_count, part.items_count);
            total.scanned_count = add(total.scanned_count, part.scanned_count);
            total.attempts += part.attempts;
        }
        total
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "OperationMetrics(duration_ms={:.3}, consumed_rcu={}, consumed_wcu={}, items_count={}, \
             scanned_count={}, attempts={}, request_id={})",
            self.duration_ms,
            py_repr(py, self.consumed_rcu)?,
            py_repr(py, self.consumed_wcu)?,
            py_repr(py, self.items_count)?,
            py_repr(py, self.scanned_count)?,
            self.attempts,
            py_repr(py, self.request_id.as_deref())?
        ))
    }
}

impl OperationMetrics {
    pub fn build(timing: &Timing, ended: Instant, stats: &OpStats, trace: &Trace) -> Self {
        let (rcu, wcu) = stats.totals();
        OperationMetrics {
            duration_ms: ended.duration_since(timing.started).as_secs_f64() * 1000.0,
            consumed_rcu: rcu,
            consumed_wcu: wcu,
            request_id: stats.request_id.clone(),
            items_count: stats.item_count,
            scanned_count: stats.scanned_count,
            attempts: trace.attempts.len() as u32,
        }
    }
}

/// One logical operation as it happened: what was asked, how long it took, how many attempts it
/// needed, what it consumed and how it ended. Never carries item or key values.
#[pyclass(module = "pydynox._core", frozen)]
pub struct OperationEvent {
    /// DynamoDB's operation name, e.g. "GetItem".
    #[pyo3(get)]
    pub operation: &'static str,
    #[pyo3(get)]
    pub table: Option<String>,
    #[pyo3(get)]
    pub index: Option<String>,
    #[pyo3(get)]
    pub client_id: u64,
    #[pyo3(get)]
    pub region: Option<String>,
    #[pyo3(get)]
    pub server_address: Option<String>,
    #[pyo3(get)]
    pub server_port: Option<u16>,
    #[pyo3(get)]
    pub start_time_ns: u128,
    #[pyo3(get)]
    pub end_time_ns: u128,
    #[pyo3(get)]
    pub duration: f64,
    #[pyo3(get)]
    pub attempts: u32,
    /// Error codes of the attempts that failed and were retried (throttles included), in order.
    #[pyo3(get)]
    pub retry_errors: Vec<String>,
    #[pyo3(get)]
    pub throttles: u32,
    #[pyo3(get)]
    pub unprocessed_retries: u32,
    /// KMS requests this operation made for encrypted attributes (data keys the cache lacked).
    #[pyo3(get)]
    pub kms_calls: u32,
    #[pyo3(get)]
    pub consumed_rcu: Option<f64>,
    #[pyo3(get)]
    pub consumed_wcu: Option<f64>,
    /// {table: (rcu, wcu)}
    #[pyo3(get)]
    pub consumed_by_table: BTreeMap<String, (f64, f64)>,
    #[pyo3(get)]
    pub item_count: Option<u64>,
    #[pyo3(get)]
    pub scanned_count: Option<u64>,
    #[pyo3(get)]
    pub batch_size: Option<usize>,
    #[pyo3(get)]
    pub request_id: Option<String>,
    #[pyo3(get)]
    pub error_code: Option<String>,
    /// The exception class name raised to the caller, if any.
    #[pyo3(get)]
    pub error_type: Option<&'static str>,
    #[pyo3(get)]
    pub status_code: Option<u16>,
    params: Option<BTreeMap<&'static str, ParamValue>>,
}

#[pymethods]
impl OperationEvent {
    /// Request parameters (consistent_read, limit, projection, select, expressions with placeholders,
    /// ...): never values.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        if let Some(params) = &self.params {
            for (k, v) in params.iter() {
                match v {
                    ParamValue::Bool(b) => dict.set_item(k, b)?,
                    ParamValue::Int(i) => dict.set_item(k, i)?,
                    ParamValue::Str(s) => dict.set_item(k, s)?,
                    ParamValue::Strs(s) => dict.set_item(k, s)?,
                }
            }
        }
        Ok(dict)
    }

    #[getter]
    fn ok(&self) -> bool {
        self.error_type.is_none()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "OperationEvent(operation={}, table={}, duration={:.6}, attempts={}, error_code={})",
            py_repr(py, self.operation)?,
            py_repr(py, self.table.as_deref())?,
            self.duration,
            self.attempts,
            py_repr(py, self.error_code.as_deref())?
        ))
    }
}

impl OperationEvent {
    pub fn build(
        spec: OpSpec,
        facts: &ClientFacts,
        timing: &Timing,
        ended: Instant,
        stats: &OpStats,
        trace: &Trace,
        error: Option<&OpError>,
    ) -> Self {
        let duration = ended.duration_since(timing.started);
        let (rcu, wcu) = stats.totals();
        let failed_attempts: Vec<&AttemptRecord> = {
            let n = trace.attempts.len();
            // The last attempt's error is the operation's error, not a retry.
            let retried = if error.is_some() {
                n.saturating_sub(1)
            } else {
                n
            };
            trace.attempts[..retried]
                .iter()
                .filter(|a| a.error_code.is_some())
                .collect()
        };
        let retry_errors: Vec<String> = failed_attempts
            .iter()
            .filter_map(|a| a.error_code.clone())
            .collect();
        let throttles = trace
            .attempts
            .iter()
            .filter(|a| a.error_code.as_deref().is_some_and(is_throttling_code))
            .count() as u32;
        OperationEvent {
            operation: spec.operation,
            table: spec.table,
            index: spec.index,
            client_id: facts.client_id,
            region: facts.region.clone(),
            server_address: facts.server_address.clone(),
            server_port: facts.server_port,
            start_time_ns: timing.started_unix_ns,
            end_time_ns: timing.started_unix_ns + duration.as_nanos(),
            duration: duration.as_secs_f64(),
            attempts: trace.attempts.len() as u32,
            retry_errors,
            throttles,
            unprocessed_retries: stats.unprocessed_retries,
            kms_calls: stats.kms_calls,
            consumed_rcu: rcu,
            consumed_wcu: wcu,
            consumed_by_table: stats.consumed.clone(),
            item_count: stats.item_count,
            scanned_count: stats.scanned_count,
            batch_size: spec.batch_size,
            request_id: error
                .and_then(|e| e.request_id.clone())
                .or_else(|| stats.request_id.clone()),
            error_code: error.map(|e| e.code.clone()),
            error_type: error.map(|e| e.class),
            status_code: error.and_then(|e| e.status_code).or(if error.is_none() {
                Some(200)
            } else {
                None
            }),
            params: spec.params,
        }
    }
}

static DISPATCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static COPY_CONTEXT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static PARTIAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `pydynox.events._dispatch`, which calls every listener and reports (never raises) their errors.
pub fn dispatcher(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    DISPATCH.import(py, "pydynox.events", "_dispatch")
}

/// A copy of the caller's context, for async calls whose events are delivered later.
pub fn copy_context(py: Python<'_>) -> PyResult<Py<PyAny>> {
    Ok(COPY_CONTEXT
        .import(py, "contextvars", "copy_context")?
        .call0()?
        .unbind())
}

/// Hands an event to the listeners now (sync calls, on the caller's thread).
pub fn dispatch_now(py: Python<'_>, event: OperationEvent) {
    let result = dispatcher(py).and_then(|d| {
        let ev = Bound::new(py, event)?;
        d.call1((ev,)).map(|_| ())
    });
    if let Err(e) = result {
        e.write_unraisable(py, None);
    }
}

/// A zero-argument callable that dispatches the event when called (async calls, on the loop thread).
pub fn dispatch_later(py: Python<'_>, event: OperationEvent) -> PyResult<Py<PyAny>> {
    let ev = Bound::new(py, event)?;
    let partial = PARTIAL.import(py, "functools", "partial")?;
    Ok(partial.call1((dispatcher(py)?, ev))?.unbind())
}

/// A field as Python's `repr` spells it (`None`, `'id'`, `1.0`), not as Rust's `Some("id")`.
fn py_repr<'py>(py: Python<'py>, value: impl IntoPyObject<'py>) -> PyResult<String> {
    Ok(value.into_bound_py_any(py)?.repr()?.to_string())
}
