//! The one tokio runtime of the process, and the two ways Python waits on it.
//!
//! * Async: a Rust future is spawned on the runtime and resolves an `asyncio.Future` created on the
//!   caller's running loop, through the loop's inbox (`loop_inbox`: one wake-up per burst of
//!   completions, and runtime threads never wait for the GIL). Cancelling that future aborts the
//!   tokio task; a loop that closed meanwhile is ignored rather than called into.
//! * Sync: the caller's thread blocks on the future with the GIL released, waking every 100 ms to let
//!   Python deliver signals (Ctrl-C interrupts a long `sync_` call).
//!
//! The runtime is created lazily with a configurable worker count. After `fork()` its threads do not
//! exist in the child, so the child abandons it (dropping it would wait on threads that are gone) and
//! builds a new one; `generation()` lets clients notice and rebuild their connection pools too.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use parking_lot::Mutex;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};
use tokio::runtime::Runtime;

const WORKERS_ENV: &str = "PYDYNOX_WORKER_THREADS";

static RUNTIME: Mutex<Option<Arc<Runtime>>> = Mutex::new(None);
/// Set by an `atexit` hook: from then on runtime threads never enter Python again.
static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);
/// Runtime threads currently attached to (or about to attach to) the interpreter.
static ATTACHED: AtomicUsize = AtomicUsize::new(0);
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// 0 = not configured (use the environment variable or the default).
static CONFIGURED_WORKERS: AtomicUsize = AtomicUsize::new(0);
static STARTED_WORKERS: AtomicUsize = AtomicUsize::new(0);

/// `Box::pin(make())`, with the heap slot taken first so that the future is built where it stays.
///
/// A future's size is that of its largest state: the SDK's send futures are 5 – 7 KB, and an
/// operation's future holds its send future. Built on the stack and then boxed (or awaited: `.await`
/// moves the future into its caller's state), all of it is copied, though only the few captured
/// arguments were written. Written into a slot that already exists, the optimizer builds it there
/// (callgrind finds no copy left in the release build; nothing guarantees it, so this is speed only).
#[inline(always)]
pub fn pin_in_place<F>(make: impl FnOnce() -> F) -> std::pin::Pin<Box<F>> {
    Box::into_pin(Box::write(Box::new_uninit(), make()))
}

fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
}

fn workers_from_env() -> PyResult<Option<usize>> {
    match std::env::var(WORKERS_ENV) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<usize>() {
            Ok(n) if (1..=256).contains(&n) => Ok(Some(n)),
            _ => Err(PyValueError::new_err(format!(
                "{WORKERS_ENV} must be a whole number from 1 to 256, got {v:?}"
            ))),
        },
        _ => Ok(None),
    }
}

fn wanted_workers() -> PyResult<usize> {
    match CONFIGURED_WORKERS.load(Ordering::Relaxed) {
        0 => Ok(workers_from_env()?.unwrap_or_else(default_workers)),
        n => Ok(n),
    }
}

/// The shared runtime, created on first use.
pub fn runtime() -> PyResult<Arc<Runtime>> {
    let mut guard = RUNTIME.lock();
    if let Some(rt) = guard.as_ref() {
        return Ok(rt.clone());
    }
    let workers = wanted_workers()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("pydynox-worker")
        // The SDK's resolver may need a blocking thread; keep them few and short-lived.
        .max_blocking_threads(8)
        .thread_keep_alive(Duration::from_secs(5))
        .enable_all()
        .build()
        .map_err(|e| {
            PyRuntimeError::new_err(format!("could not start the pydynox runtime: {e}"))
        })?;
    let rt = Arc::new(rt);
    STARTED_WORKERS.store(workers, Ordering::Relaxed);
    *guard = Some(rt.clone());
    Ok(rt)
}

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Sets the worker count before the runtime starts (`pydynox.configure_runtime`).
#[pyfunction]
#[pyo3(signature = (worker_threads))]
pub fn configure_runtime(worker_threads: usize) -> PyResult<()> {
    if !(1..=256).contains(&worker_threads) {
        return Err(PyValueError::new_err(format!(
            "worker_threads must be from 1 to 256, got {worker_threads}"
        )));
    }
    let guard = RUNTIME.lock();
    if guard.is_some() {
        let started = STARTED_WORKERS.load(Ordering::Relaxed);
        if started != worker_threads {
            return Err(PyRuntimeError::new_err(format!(
                "the pydynox runtime is already running with {started} worker threads; \
                 call configure_runtime() before the first DynamoDB call"
            )));
        }
        return Ok(());
    }
    CONFIGURED_WORKERS.store(worker_threads, Ordering::Relaxed);
    Ok(())
}

/// Facts about the runtime, for tests and diagnostics: `{"started", "worker_threads", "generation"}`.
#[pyfunction]
pub fn runtime_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let info = PyDict::new(py);
    let started = RUNTIME.lock().is_some();
    info.set_item("started", started)?;
    let workers = if started {
        STARTED_WORKERS.load(Ordering::Relaxed)
    } else {
        wanted_workers()?
    };
    info.set_item("worker_threads", workers)?;
    info.set_item("generation", generation())?;
    if let Some(rt) = RUNTIME.lock().as_ref() {
        info.set_item("alive_tasks", rt.metrics().num_alive_tasks())?;
    }
    Ok(info)
}

/// Attaches a runtime thread to Python, unless the interpreter is shutting down.
///
/// During finalization CPython ends any thread that takes the GIL with `pthread_exit`, which cannot
/// unwind through Rust frames and aborts the process. So the `atexit` hook (which runs before
/// finalization) closes this gate and waits for the threads already inside to leave.
pub(crate) fn attach_from_runtime<R>(f: impl FnOnce(Python<'_>) -> R) -> Option<R> {
    ATTACHED.fetch_add(1, Ordering::SeqCst);
    let out = if SHUTTING_DOWN.load(Ordering::SeqCst) {
        None
    } else {
        Some(Python::attach(f))
    };
    ATTACHED.fetch_sub(1, Ordering::SeqCst);
    out
}

/// Registered with `atexit`: stops runtime threads from entering Python and lets the ones inside
/// finish (with the GIL released, so they can), for at most two seconds.
#[pyfunction]
pub fn _shutdown(py: Python<'_>) {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    py.detach(|| {
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while ATTACHED.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Registered with `os.register_at_fork(after_in_child=...)`.
#[pyfunction]
pub fn _after_fork_in_child() {
    // The parent's worker threads do not exist here: leak the runtime instead of dropping it.
    if let Some(rt) = RUNTIME.lock().take() {
        std::mem::forget(rt);
    }
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

// ---------------------------------------------------------------------------------------------------
// Sync waits

/// How often a sync call that is still waiting lets Python handle signals (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(250);

pub fn block_on<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(PyRuntimeError::new_err(
            "a pydynox sync_ method was called from inside the pydynox runtime; use the async method",
        ));
    }
    let rt = runtime()?;
    py.detach(|| {
        // The operation runs on a runtime thread, as an async call's does, so the responses to its
        // requests wake that thread; this one waits for the result alone. Polled here instead, a
        // batch of forty requests woke this thread forty times, each a switch between threads.
        // Dropped (Ctrl-C), the guard aborts the operation.
        let mut task = AbortOnDrop(rt.spawn(fut));
        rt.block_on(async move {
            // Off the main thread check_signals() is a no-op, so one loop serves every thread.
            // Every check wakes a runtime thread and this one (on a virtual machine, about a
            // hundred microseconds of CPU each): a quarter of a second keeps Ctrl-C prompt without
            // making a long wait cost much more than a short one.
            loop {
                tokio::select! {
                    out = &mut task.0 => {
                        // A panic reads as it does for an async call; nothing else cancels the task.
                        return out.map_err(|e| match e.try_into_panic() {
                            Ok(panic) => panic_to_pyerr(panic),
                            Err(e) => PyRuntimeError::new_err(format!("the pydynox operation stopped: {e}")),
                        });
                    }
                    _ = tokio::time::sleep(SIGNAL_CHECK) => {
                        if !SHUTTING_DOWN.load(Ordering::SeqCst) {
                            Python::attach(|py| py.check_signals())?;
                        }
                    }
                }
            }
        })
    })
}

/// Aborts the task when dropped (a no-op once it has finished).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Whether `name` is in `sys.modules` (already imported), without importing it.
pub fn module_loaded(py: Python<'_>, name: &str) -> PyResult<bool> {
    py.import(pyo3::intern!(py, "sys"))?
        .getattr(pyo3::intern!(py, "modules"))?
        .contains(name)
}

// ---------------------------------------------------------------------------------------------------
// Async bridge

static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// What a finished operation hands back to the loop thread: the value or the exception, and the
/// callbacks to run there first (operation events, dispatched in the caller's context).
pub struct Completion {
    pub result: PyResult<Py<PyAny>>,
    pub after: Option<Py<PyAny>>,
}

/// Spawns `fut` on the runtime and returns an `asyncio.Future` of the caller's running loop.
/// `finish` turns the output into Python objects; it runs on the loop thread, when the loop drains
/// its inbox (see `loop_inbox`), so runtime threads never wait for the GIL. `context` (a
/// `contextvars.Context`) is where `Completion::after` and the resolution run.
pub fn spawn_for_asyncio<'py, F, T, C>(
    py: Python<'py>,
    fut: F,
    context: Option<Py<PyAny>>,
    finish: C,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
    C: FnOnce(Python<'_>, T) -> Completion + Send + 'static,
{
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()
        .map_err(|_| {
            PyRuntimeError::new_err(
                "pydynox async methods must be awaited inside a running event loop; \
                 outside one, use the sync_ twin",
            )
        })?;
    let py_future = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    let inbox = crate::loop_inbox::inbox_for(py, &event_loop)?;
    let rt = runtime()?;
    let loop_ref = event_loop.unbind();
    let future_ref = py_future.clone().unbind();
    let canceller = Bound::new(py, CancelOnDone { abort: None })?;
    let canceller_ref = canceller.clone().unbind();
    let handle = rt.spawn(async move {
        // A panic must not leave the awaiting task hanging forever: it becomes an exception.
        let out = std::panic::AssertUnwindSafe(fut).catch_unwind().await;
        let ready: crate::loop_inbox::Ready = Box::new(move |py| {
            let completion = match out {
                Ok(out) => finish(py, out),
                Err(panic) => Completion {
                    result: Err(panic_to_pyerr(panic)),
                    after: None,
                },
            };
            deliver(py, future_ref, canceller_ref, completion, context);
        });
        inbox.push(ready, &loop_ref);
        // The loop reference is only needed by the fallback wake-up; dropping it here, off the
        // GIL, goes through PyO3's deferred pool.
    });
    // Set after the spawn, but before the task can deliver anything: delivery runs on this thread.
    canceller.borrow_mut().abort = Some(handle.abort_handle());
    py_future.call_method1(pyo3::intern!(py, "add_done_callback"), (canceller,))?;
    Ok(py_future)
}

fn panic_to_pyerr(panic: Box<dyn std::any::Any + Send>) -> PyErr {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    PyRuntimeError::new_err(format!(
        "internal error in pydynox (please report it): {text}"
    ))
}

/// On the loop thread: resolves `future`, inside `context` when the caller's context was captured.
fn deliver(
    py: Python<'_>,
    future: Py<PyAny>,
    canceller: Py<CancelOnDone>,
    completion: Completion,
    context: Option<Py<PyAny>>,
) {
    // The task is over, so its canceller has nothing left to abort: taken off the future, it is not
    // scheduled as one more loop callback per operation when the result is set. (A future that is
    // already done keeps its callbacks; removing then is a no-op.)
    if let Err(e) = future
        .bind(py)
        .call_method1(pyo3::intern!(py, "remove_done_callback"), (canceller,))
    {
        e.write_unraisable(py, Some(future.bind(py)));
    }
    let (ok, value) = match completion.result {
        Ok(v) => (true, v),
        Err(e) => (false, e.into_value(py).into_any()),
    };
    let future = future.into_bound(py);
    let value = value.into_bound(py);
    let after = completion.after.map(|a| a.into_bound(py));
    let resolved = match context {
        Some(ctx) => wrap_pyfunction!(resolve_future, py).and_then(|resolver| {
            ctx.bind(py)
                .call_method1(
                    pyo3::intern!(py, "run"),
                    (resolver, &future, ok, &value, after),
                )
                .map(|_| ())
        }),
        None => resolve_future(py, future.clone(), ok, value, after),
    };
    if let Err(e) = resolved {
        e.write_unraisable(py, Some(&future));
    }
}

/// Runs on the loop thread: the `after` callbacks first (so listeners see the operation end before
/// the awaiting code resumes), then the future's result unless it was cancelled meanwhile.
#[pyfunction]
fn resolve_future(
    py: Python<'_>,
    future: Bound<'_, PyAny>,
    ok: bool,
    value: Bound<'_, PyAny>,
    after: Option<Bound<'_, PyAny>>,
) -> PyResult<()> {
    if let Some(after) = after {
        if let Err(e) = after.call0() {
            e.write_unraisable(py, Some(&after));
        }
    }
    if future
        .call_method0(pyo3::intern!(py, "done"))?
        .is_truthy()?
    {
        return Ok(());
    }
    if ok {
        future.call_method1(pyo3::intern!(py, "set_result"), (value,))?;
    } else {
        future.call_method1(pyo3::intern!(py, "set_exception"), (value,))?;
    }
    Ok(())
}

/// Done-callback on the asyncio future: when the awaiting task was cancelled, abort the tokio task so
/// the request stops and nothing is delivered later.
#[pyclass(module = "pydynox._core")]
struct CancelOnDone {
    abort: Option<tokio::task::AbortHandle>,
}

#[pymethods]
impl CancelOnDone {
    #[pyo3(signature = (*args))]
    fn __call__(&mut self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<()> {
        let future = args.get_item(0)?;
        if future
            .call_method0(pyo3::intern!(py, "cancelled"))?
            .is_truthy()?
        {
            if let Some(abort) = self.abort.take() {
                abort.abort();
            }
        }
        self.abort = None;
        Ok(())
    }
}
