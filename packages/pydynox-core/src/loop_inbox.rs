//! Where finished operations wait for their event loop's thread.
//!
//! A runtime thread that finishes an async operation must not take the GIL to hand the result over:
//! while the loop thread runs Python it holds the GIL, and a tokio worker blocked on it stops driving
//! every other request's I/O. So a worker only pushes the finished operation (still Rust values)
//! into the loop's inbox and, if no wake-up is pending, writes one byte to a socket the loop watches
//! (`loop.add_reader`). The loop thread then drains the whole inbox in one callback: it builds the
//! Python results there, under the GIL it already holds, and resolves the futures. A burst of
//! completions costs one wake-up, not one `call_soon_threadsafe` each.
//!
//! One inbox per loop, kept in a `WeakKeyDictionary` so it lives exactly as long as the loop. Loops
//! without `add_reader` (Windows' proactor loop) or without weak references fall back to scheduling
//! the drain with `call_soon_threadsafe`, still once per burst.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// A finished operation: turns its output into Python and resolves its future (on the loop thread).
pub type Ready = Box<dyn FnOnce(Python<'_>) + Send>;

pub struct Inbox {
    ready: Mutex<Vec<Ready>>,
    /// A wake-up was sent and the drain has not started yet: later pushes need not send another.
    scheduled: AtomicBool,
    wake: Wake,
}

enum Wake {
    #[cfg(unix)]
    Socket {
        tx: std::os::unix::net::UnixStream,
        rx: std::os::unix::net::UnixStream,
    },
    Threadsafe,
}

impl Inbox {
    fn new(wake: Wake) -> Arc<Self> {
        Arc::new(Inbox {
            ready: Mutex::new(Vec::new()),
            scheduled: AtomicBool::new(false),
            wake,
        })
    }

    /// Called on a runtime thread. `event_loop` is only used by the fallback wake-up.
    pub fn push(self: &Arc<Self>, ready: Ready, event_loop: &Py<PyAny>) {
        self.ready.lock().push(ready);
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        match &self.wake {
            #[cfg(unix)]
            Wake::Socket { tx, .. } => {
                use std::io::Write;
                // WouldBlock means the socket already holds unread bytes, so the loop will wake.
                let _ = (&*tx).write(&[1]);
            }
            Wake::Threadsafe => {
                let drain = InboxDrain {
                    inbox: self.clone(),
                };
                crate::runtime::attach_from_runtime(|py| {
                    let scheduled = Bound::new(py, drain).and_then(|drain| {
                        event_loop
                            .bind(py)
                            .call_method1(pyo3::intern!(py, "call_soon_threadsafe"), (drain,))
                    });
                    // A closed loop raises RuntimeError: nobody is waiting any more.
                    drop(scheduled);
                });
            }
        }
    }

    fn drain(&self, py: Python<'_>) {
        #[cfg(unix)]
        if let Wake::Socket { rx, .. } = &self.wake {
            use std::io::Read;
            let mut buf = [0u8; 64];
            while let Ok(n) = (&*rx).read(&mut buf) {
                if n < buf.len() {
                    break;
                }
            }
        }
        // Cleared before the take: a push that lands after the take sends a new wake-up.
        self.scheduled.store(false, Ordering::Release);
        let batch = std::mem::take(&mut *self.ready.lock());
        for ready in batch {
            ready(py);
        }
    }
}

/// The callable the loop runs (as a reader callback or a scheduled callback) to drain an inbox.
#[pyclass(module = "pydynox._core", frozen)]
pub struct InboxDrain {
    inbox: Arc<Inbox>,
}

#[pymethods]
impl InboxDrain {
    fn __call__(&self, py: Python<'_>) {
        self.inbox.drain(py);
    }
}

static INBOXES: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The inbox of the running loop `event_loop` (called on its thread), created on first use.
pub fn inbox_for(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Inbox>> {
    let inboxes = INBOXES
        .get_or_try_init(py, || {
            py.import(pyo3::intern!(py, "weakref"))?
                .call_method0(pyo3::intern!(py, "WeakKeyDictionary"))
                .map(Bound::unbind)
        })?
        .bind(py);
    let known = match inboxes.call_method1(pyo3::intern!(py, "get"), (event_loop,)) {
        Ok(found) => found,
        // Not weakly referenceable: a fresh fallback inbox per call, nothing registered anywhere.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyTypeError>(py) => {
            return Ok(Inbox::new(Wake::Threadsafe));
        }
        Err(e) => return Err(e),
    };
    if let Ok(drain) = known.cast::<InboxDrain>() {
        return Ok(drain.get().inbox.clone());
    }
    let drain = Bound::new(
        py,
        InboxDrain {
            inbox: register(py, event_loop)?,
        },
    )?;
    let inbox = drain.get().inbox.clone();
    inboxes.set_item(event_loop, drain)?;
    Ok(inbox)
}

/// A new inbox for `event_loop`, its wake-up socket watched by the loop when the loop can watch one.
#[cfg(unix)]
fn register(py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Inbox>> {
    use std::os::fd::AsRawFd;
    let socket = std::os::unix::net::UnixStream::pair().and_then(|(tx, rx)| {
        tx.set_nonblocking(true)?;
        rx.set_nonblocking(true)?;
        Ok((tx, rx))
    });
    let Ok((tx, rx)) = socket else {
        return Ok(Inbox::new(Wake::Threadsafe));
    };
    let fd = rx.as_raw_fd();
    let inbox = Inbox::new(Wake::Socket { tx, rx });
    // The reader callback shares the inbox; the dictionary's drain object is a second handle on it.
    let reader = InboxDrain {
        inbox: inbox.clone(),
    };
    match event_loop.call_method1(pyo3::intern!(py, "add_reader"), (fd, reader)) {
        Ok(_) => Ok(inbox),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyNotImplementedError>(py) => {
            Ok(Inbox::new(Wake::Threadsafe))
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn register(_py: Python<'_>, _event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<Inbox>> {
    Ok(Inbox::new(Wake::Threadsafe))
}
