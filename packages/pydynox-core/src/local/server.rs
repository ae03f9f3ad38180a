//! `pydynox local`: the engine served over HTTP/1.1 (the DynamoDB JSON protocol) on the shared
//! runtime, usable from boto3, the AWS CLI or any SDK. Binds loopback unless told otherwise.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::transport::{answer, Answer};
use super::Instance;
use crate::runtime::runtime;

/// Requests larger than DynamoDB's own limit (16 MB for a batch) are refused before reading them.
const MAX_BODY: usize = 16 * 1024 * 1024;

async fn serve(
    instance: Arc<Instance>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let too_big = request
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY);
    let reply = |status: u16, body: Vec<u8>, request_id: &str| {
        Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amzn-requestid", request_id)
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    };
    if too_big {
        let body = br#"{"__type":"com.amazon.coral.service#RequestEntityTooLarge","message":"Request body too large"}"#;
        return Ok(reply(413, body.to_vec(), ""));
    }
    if target.is_empty() {
        // A health check or a browser: say what this is rather than a protocol error.
        return Ok(reply(
            200,
            br#"{"service":"pydynox local","protocol":"DynamoDB JSON 1.0"}"#.to_vec(),
            "",
        ));
    }
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(reply(400, Vec::new(), "")),
    };
    match answer(&instance, &target, &body).await {
        Answer::Reply {
            status,
            body,
            request_id,
        } => Ok(reply(status, body, &request_id)),
        // hyper cannot drop a connection from a service; the closest is an empty 500 with close.
        Answer::Reset => Ok(Response::builder()
            .status(500)
            .header("connection", "close")
            .body(Full::new(Bytes::new()))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))),
    }
}

/// A running server: its address, and the means to stop it and wait for it.
#[pyclass(module = "pydynox._core", frozen)]
pub struct LocalServer {
    address: SocketAddr,
    stop: watch::Sender<bool>,
    done: parking_lot::Mutex<Option<tokio::sync::oneshot::Receiver<()>>>,
}

#[pymethods]
impl LocalServer {
    /// Binds `host:port` (port 0 picks a free one) and serves `instance` until stopped.
    #[new]
    #[pyo3(signature = (host, port, engine))]
    fn new(py: Python<'_>, host: String, port: u16, engine: &str) -> PyResult<LocalServer> {
        let instance = super::instance(engine);
        let rt = runtime()?;
        let listener = py
            .detach(|| rt.block_on(TcpListener::bind((host.as_str(), port))))
            .map_err(|e| {
                PyOSError::new_err(format!(
                    "pydynox local could not listen on {host}:{port}: {e}"
                ))
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| PyOSError::new_err(format!("pydynox local: {e}")))?;
        let (stop, mut stopped) = watch::channel(false);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        rt.spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        let instance = instance.clone();
                        let mut stop_conn = stopped.clone();
                        connections.spawn(async move {
                            let service = service_fn(move |req| serve(instance.clone(), req));
                            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                            tokio::pin!(conn);
                            tokio::select! {
                                _ = conn.as_mut() => {}
                                _ = stop_conn.changed() => {
                                    conn.as_mut().graceful_shutdown();
                                    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                                }
                            }
                        });
                    }
                }
                while connections.try_join_next().is_some() {}
            }
            // In-flight requests finish (bounded) before the server reports it is done.
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while connections.join_next().await.is_some() {}
            })
            .await;
            let _ = done_tx.send(());
        });
        Ok(LocalServer {
            address,
            stop,
            done: parking_lot::Mutex::new(Some(done_rx)),
        })
    }

    #[getter]
    fn host(&self) -> String {
        self.address.ip().to_string()
    }

    #[getter]
    fn port(&self) -> u16 {
        self.address.port()
    }

    /// Stops accepting connections and lets in-flight requests finish.
    fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits until the server has stopped, at most `timeout` seconds; True if it has.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let rt = runtime()?;
        let mut guard = self.done.lock();
        let Some(rx) = guard.as_mut() else {
            return Ok(true);
        };
        let finished = py.detach(|| {
            rt.block_on(async {
                match timeout {
                    Some(t) => tokio::time::timeout(Duration::from_secs_f64(t.max(0.0)), rx)
                        .await
                        .is_ok(),
                    None => {
                        let _ = rx.await;
                        true
                    }
                }
            })
        });
        if finished {
            *guard = None;
        }
        Ok(finished)
    }

    fn __repr__(&self) -> String {
        format!("LocalServer(http://{})", self.address)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
