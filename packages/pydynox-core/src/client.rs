//! `CoreClient`: the Rust half of `pydynox.DynamoDBClient`.
//!
//! Every operation method takes `is_async` first and follows the same three steps: prepare (with the
//! GIL: Python arguments → an SDK request), execute (without the GIL, on the runtime), convert (with
//! the GIL: the output → Python values). `run` owns the parts all operations share: timing, the attempt
//! trace, metrics, the operation event, and the async/sync split.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::ClientConfig;
use crate::errors::OpError;
use crate::events::{
    copy_context, dispatch_later, dispatch_now, listening, traced, ClientFacts, OpSpec, OpStats,
    OperationEvent, OperationMetrics, Timing,
};
use crate::rate_limit::{limiter_from_py, Capacity, RateLimiter};
use crate::runtime::{self, Completion};

static NEXT_CLIENT_ID: AtomicU64 = AtomicU64::new(1);

/// State shared by a client and its in-flight operations.
pub struct Shared {
    pub config: ClientConfig,
    pub facts: ClientFacts,
    /// The SDK client, the shared configuration it was built from (for KMS and S3), and the runtime
    /// generation they were built for (rebuilt in a forked child).
    sdk: Mutex<Option<SdkSlot>>,
    build_lock: tokio::sync::Mutex<()>,
    limiter: Option<Arc<Semaphore>>,
    pub rate_limit: Option<Arc<RateLimiter>>,
    /// KMS and S3 clients and the data-key cache (see aws.rs).
    pub aws: crate::aws::Services,
}

type SdkSlot = (u64, aws_sdk_dynamodb::Client, Option<aws_types::SdkConfig>);

impl Shared {
    pub async fn sdk(&self) -> Result<aws_sdk_dynamodb::Client, OpError> {
        self.pick_sdk_slot(|slot| slot.1.clone()).await
    }

    /// The shared configuration the DynamoDB client was built from; None for the embedded engine.
    pub async fn sdk_base(&self) -> Result<Option<aws_types::SdkConfig>, OpError> {
        self.pick_sdk_slot(|slot| slot.2.clone()).await
    }

    /// `pick` of the client built for this runtime generation, building it first if need be.
    async fn pick_sdk_slot<T>(&self, pick: fn(&SdkSlot) -> T) -> Result<T, OpError> {
        let generation = runtime::generation();
        if let Some(slot) = self.sdk.lock().as_ref() {
            if slot.0 == generation {
                return Ok(pick(slot));
            }
        }
        // Boxed: building the client is a future of about 14 KB, and unboxed it would be part of
        // every operation's future (copied whole each time one is built and awaited), though it
        // runs once per client.
        Box::pin(self.build_sdk(generation))
            .await
            .map(|slot| pick(&slot))
    }

    async fn build_sdk(&self, generation: u64) -> Result<SdkSlot, OpError> {
        let _building = self.build_lock.lock().await;
        if let Some(slot) = self.sdk.lock().as_ref() {
            if slot.0 == generation {
                return Ok(slot.clone());
            }
        }
        let (client, base) = self.config.build().await?;
        let mut slot = self.sdk.lock();
        if let Some(stale) = slot.take() {
            // Built for the parent's runtime before a fork: its connection pool refers to threads
            // that do not exist here, so it is abandoned rather than dropped.
            std::mem::forget(stale);
        }
        let built = (generation, client, base);
        *slot = Some(built.clone());
        Ok(built)
    }

    /// Bounds concurrent requests when `max_connections` is set (each in-flight request holds one
    /// connection of the pool).
    pub async fn permit(&self) -> Option<OwnedSemaphorePermit> {
        match &self.limiter {
            Some(sem) => sem.clone().acquire_owned().await.ok(),
            None => None,
        }
    }
}

/// What an operation's future yields: its value or error, and what it measured either way.
pub type OpOutput<T> = (Result<T, OpError>, OpStats);

#[pyclass(module = "pydynox._core", frozen)]
pub struct CoreClient {
    pub shared: Arc<Shared>,
}

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static WARN_BLOCKING: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

impl CoreClient {
    /// Runs one logical operation. `make` builds the future from the shared state; `convert` turns its
    /// value into Python (it also gets the call's metrics, which some operations return).
    pub fn run<'py, T, Fut, Conv>(
        &self,
        py: Python<'py>,
        is_async: bool,
        spec: OpSpec,
        make: impl FnOnce(Arc<Shared>) -> Fut,
        convert: Conv,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        T: Send + 'static,
        Fut: Future<Output = OpOutput<T>> + Send + 'static,
        Conv: FnOnce(Python<'_>, T, OperationMetrics) -> PyResult<Py<PyAny>> + Send + 'static,
    {
        if !is_async {
            warn_if_loop_running(py, spec.operation)?;
        }
        let shared = self.shared.clone();
        let facts = shared.facts.clone();
        let listen = listening();
        let timing = Timing::start();
        let rate_limit = shared.rate_limit.clone();
        let capacity = Capacity::of(spec.operation);
        let estimate = spec.batch_size.unwrap_or(1).max(1) as f64;
        // The SDK's futures are kilobytes of state; every move copies all of it. Boxed once here
        // (built in place), the layers below (tracing, rate limiting, block_on, spawn) move a
        // pointer.
        let inner = runtime::pin_in_place(|| make(shared));
        let fut = async move {
            if let Some(limit) = &rate_limit {
                limit.acquire(capacity, estimate).await;
            }
            let (out, trace) = traced(inner).await;
            if let Some(limit) = &rate_limit {
                limit.settle(capacity, estimate, &out.1, &trace);
            }
            (out, trace, Instant::now())
        };
        let finish =
            move |py: Python<'_>, ((result, stats), trace, ended): (OpOutput<T>, _, Instant)| {
                let event = listen.then(|| {
                    OperationEvent::build(
                        spec,
                        &facts,
                        &timing,
                        ended,
                        &stats,
                        &trace,
                        result.as_ref().err(),
                    )
                });
                let value = match result {
                    Ok(v) => convert(
                        py,
                        v,
                        OperationMetrics::build(&timing, ended, &stats, &trace),
                    ),
                    Err(e) => Err(e.to_pyerr(py)),
                };
                (value, event)
            };
        if is_async {
            let context = if listen {
                Some(copy_context(py)?)
            } else {
                None
            };
            runtime::spawn_for_asyncio(py, fut, context, move |py, out| {
                let (result, event) = finish(py, out);
                let after = match event.map(|ev| dispatch_later(py, ev)).transpose() {
                    Ok(after) => after,
                    Err(e) => {
                        e.write_unraisable(py, None);
                        None
                    }
                };
                Completion { result, after }
            })
        } else {
            let out = runtime::block_on(py, fut)?;
            let (result, event) = finish(py, out);
            if let Some(ev) = event {
                dispatch_now(py, ev);
            }
            result.map(|v| v.into_bound(py))
        }
    }
}

impl CoreClient {
    /// Runs work that is not a DynamoDB operation (S3 transfers, decoding stored items): no
    /// operation event, no rate limiting; the same async/sync split as `run`.
    pub fn run_plain<'py, T, Fut, Conv>(
        &self,
        py: Python<'py>,
        is_async: bool,
        what: &'static str,
        make: impl FnOnce(Arc<Shared>) -> Fut,
        convert: Conv,
    ) -> PyResult<Bound<'py, PyAny>>
    where
        T: Send + 'static,
        Fut: Future<Output = Result<T, OpError>> + Send + 'static,
        Conv: FnOnce(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + 'static,
    {
        if !is_async {
            warn_if_loop_running(py, what)?;
        }
        let fut = runtime::pin_in_place(|| make(self.shared.clone()));
        let finish = move |py: Python<'_>, out: Result<T, OpError>| match out {
            Ok(v) => convert(py, v),
            Err(e) => Err(e.to_pyerr(py)),
        };
        if is_async {
            runtime::spawn_for_asyncio(py, fut, None, move |py, out| Completion {
                result: finish(py, out),
                after: None,
            })
        } else {
            let out = runtime::block_on(py, fut)?;
            finish(py, out).map(|v| v.into_bound(py))
        }
    }
}

/// A blocking call inside a running event loop stalls every other task: almost always a bug.
fn warn_if_loop_running(py: Python<'_>, what: &str) -> PyResult<()> {
    let get_running_loop = match GET_RUNNING_LOOP.get(py) {
        Some(f) => f.bind(py),
        // No event loop can run in a process that has not imported asyncio, and importing it here
        // would cost a sync-only program (a sync Lambda handler) tens of milliseconds at cold start.
        None if !crate::runtime::module_loaded(py, "asyncio.events")? => return Ok(()),
        None => GET_RUNNING_LOOP.import(py, "asyncio.events", "_get_running_loop")?,
    };
    let running = get_running_loop.call0()?;
    if running.is_none() {
        return Ok(());
    }
    WARN_BLOCKING
        .import(py, "pydynox._warnings", "warn_blocking_call")?
        .call1((what,))?;
    Ok(())
}

#[pymethods]
impl CoreClient {
    #[new]
    #[pyo3(signature = (
        region=None, endpoint_url=None, profile=None, access_key=None, secret_key=None,
        session_token=None, role_arn=None, role_session_name=None, external_id=None,
        connect_timeout=None, read_timeout=None, operation_timeout=None, max_attempts=None,
        retry_mode=None, max_connections=None, proxy_url=None, rate_limit=None,
        kms_endpoint_url=None, s3_endpoint_url=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        region: Option<String>,
        endpoint_url: Option<String>,
        profile: Option<String>,
        access_key: Option<String>,
        secret_key: Option<String>,
        session_token: Option<String>,
        role_arn: Option<String>,
        role_session_name: Option<String>,
        external_id: Option<String>,
        connect_timeout: Option<f64>,
        read_timeout: Option<f64>,
        operation_timeout: Option<f64>,
        max_attempts: Option<u32>,
        retry_mode: Option<String>,
        max_connections: Option<usize>,
        proxy_url: Option<String>,
        rate_limit: Option<&Bound<'_, PyAny>>,
        kms_endpoint_url: Option<String>,
        s3_endpoint_url: Option<String>,
    ) -> PyResult<Self> {
        let aws = crate::aws::Services::new(kms_endpoint_url, s3_endpoint_url)?;
        let rate_limit = limiter_from_py(rate_limit)?;
        let config = ClientConfig::validate(
            region,
            endpoint_url,
            profile,
            access_key,
            secret_key,
            session_token,
            role_arn,
            role_session_name,
            external_id,
            connect_timeout,
            read_timeout,
            operation_timeout,
            max_attempts,
            retry_mode,
            max_connections,
            proxy_url,
        )?;
        let id = NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed);
        let facts = config.facts(id);
        let limiter = config.max_connections.map(|n| Arc::new(Semaphore::new(n)));
        Ok(CoreClient {
            shared: Arc::new(Shared {
                config,
                facts,
                sdk: Mutex::new(None),
                build_lock: tokio::sync::Mutex::new(()),
                limiter,
                rate_limit,
                aws,
            }),
        })
    }

    #[getter]
    fn client_id(&self) -> u64 {
        self.shared.facts.client_id
    }

    #[getter]
    fn region(&self) -> Option<String> {
        self.shared.facts.region.clone()
    }

    #[getter]
    fn endpoint_url(&self) -> Option<String> {
        self.shared.config.endpoint_url.clone()
    }
}
