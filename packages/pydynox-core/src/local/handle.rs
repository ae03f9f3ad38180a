//! `LocalEngine`: a Python handle on one named in-process engine, for tests and tools: reset,
//! stream records, TTL sweeps, fault injection, persistence, and raw requests.

use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::faults::Fault;
use super::Instance;

#[pyclass(module = "pydynox._core", frozen)]
pub struct LocalEngine {
    instance: Arc<Instance>,
}

#[pymethods]
impl LocalEngine {
    /// The engine called `name` (what `memory://name` reaches), created empty on first use.
    #[new]
    #[pyo3(signature = (name="default"))]
    fn new(name: &str) -> PyResult<LocalEngine> {
        match super::parse_memory_url(&format!("memory://{name}")) {
            Some(Ok(name)) => Ok(LocalEngine {
                instance: super::instance(&name),
            }),
            Some(Err(message)) => Err(PyValueError::new_err(message)),
            None => Err(PyValueError::new_err("invalid engine name")),
        }
    }

    #[getter]
    fn name(&self) -> &str {
        &self.instance.name
    }

    #[getter]
    fn endpoint_url(&self) -> String {
        format!("memory://{}", self.instance.name)
    }

    /// Drops every table and armed fault, and forgets the calls seen.
    fn reset(&self) {
        self.instance.engine.reset();
        self.instance.faults.clear();
        self.instance.faults.reset_calls();
    }

    /// Removes the engine from the registry; `memory://name` then reaches a new, empty one.
    fn discard(&self) -> bool {
        super::discard(&self.instance.name)
    }

    #[staticmethod]
    fn names() -> Vec<String> {
        super::names()
    }

    fn table_names(&self) -> Vec<String> {
        self.instance
            .engine
            .with_state(|s| s.tables.keys().cloned().collect())
    }

    /// Stream records of `table` as Lambda receives them, as JSON text; `drain` clears them.
    #[pyo3(signature = (table, drain=false))]
    fn stream_records_json(&self, table: &str, drain: bool) -> PyResult<String> {
        self.instance
            .engine
            .stream_records(table, drain)
            .map(|records| serde_json::Value::Array(records).to_string())
            .map_err(|e| PyValueError::new_err(e.message))
    }

    /// Deletes the items whose TTL has passed (as of `now`, epoch seconds, default the clock).
    #[pyo3(signature = (now=None))]
    fn expire_ttl(&self, now: Option<f64>) -> usize {
        self.instance.engine.expire_ttl(now)
    }

    /// Arms a fault for the next `count` calls of `operations` (all operations when None).
    #[pyo3(signature = (kind, count=1, operations=None, seconds=None, code=None))]
    fn inject(
        &self,
        kind: &str,
        count: u64,
        operations: Option<Vec<String>>,
        seconds: Option<f64>,
        code: Option<String>,
    ) -> PyResult<()> {
        let fault = match kind {
            "throttle" => Fault::Throttle(code.unwrap_or_else(|| "ProvisionedThroughputExceededException".into())),
            "unprocessed" => Fault::Unprocessed,
            "server_error" => Fault::ServerError,
            "connection_reset" => Fault::ConnectionReset,
            "latency" => {
                let s = seconds.ok_or_else(|| PyValueError::new_err("latency needs seconds="))?;
                if !(s.is_finite() && (0.0..=60.0).contains(&s)) {
                    return Err(PyValueError::new_err(format!("latency seconds must be between 0 and 60, got {s}")));
                }
                Fault::Latency(Duration::from_secs_f64(s))
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown fault {other:?}: expected throttle, unprocessed, latency, server_error or connection_reset"
                )))
            }
        };
        if count == 0 {
            return Err(PyValueError::new_err("count must be at least 1"));
        }
        self.instance.faults.add(fault, count, operations);
        Ok(())
    }

    fn clear_faults(&self) {
        self.instance.faults.clear();
    }

    /// How many faulted calls are still armed.
    #[getter]
    fn pending_faults(&self) -> u64 {
        self.instance.faults.pending()
    }

    /// Operation names of the calls that reached this engine (retries included), oldest first.
    fn calls(&self) -> Vec<String> {
        self.instance.faults.calls()
    }

    fn reset_calls(&self) {
        self.instance.faults.reset_calls();
    }

    /// Keeps this engine in `directory`: replays what is there, then logs every acknowledged write
    /// (fsync before the answer). Returns the number of writes replayed.
    fn persist_to(&self, py: Python<'_>, directory: std::path::PathBuf) -> PyResult<usize> {
        py.detach(|| pydynox_engine::persist::attach(&self.instance.engine, &directory))
            .map_err(|e| PyOSError::new_err(format!("data directory {}: {e}", directory.display())))
    }

    /// Rewrites the data directory's log as one write per stored item (compaction).
    fn compact(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| pydynox_engine::persist::compact(&self.instance.engine))
            .map_err(|e| PyOSError::new_err(format!("compaction failed: {e}")))
    }

    /// Sends one raw JSON API request (`target` such as "PutItem"); returns (status, body).
    fn request<'py>(
        &self,
        py: Python<'py>,
        target: &str,
        body: &[u8],
    ) -> (u16, Bound<'py, PyBytes>) {
        let response = py.detach(|| self.instance.engine.handle(target, body));
        (response.status, PyBytes::new(py, &response.body))
    }

    fn __repr__(&self) -> String {
        format!("LocalEngine({:?})", self.instance.name)
    }
}
