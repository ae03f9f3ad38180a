//! The AWS SDK's HTTP client for `memory://`: requests go straight to an engine instance, no
//! sockets, so the SDK's whole pipeline (serialisation, signing, retries, deserialisation) runs
//! exactly as it does against DynamoDB.

use std::sync::Arc;

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use serde_json::{json, Value as Json};

use super::faults::Fault;
use super::Instance;

/// An engine's answer, or a dropped connection.
pub enum Answer {
    Reply {
        status: u16,
        body: Vec<u8>,
        request_id: String,
    },
    Reset,
}

fn request_id() -> String {
    let n: u128 = rand::random();
    format!("{n:032X}")
}

fn error_body(code: &str, message: &str) -> Vec<u8> {
    json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": message})
        .to_string()
        .into_bytes()
}

/// The batch handed back whole: every item (or key) unprocessed, nothing applied.
fn all_unprocessed(operation: &str, body: &[u8]) -> Vec<u8> {
    let request: Json = serde_json::from_slice(body).unwrap_or(Json::Null);
    let items = request
        .get("RequestItems")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let answer = if operation == "BatchGetItem" {
        let empty: serde_json::Map<String, Json> = items
            .as_object()
            .map(|m| m.keys().map(|k| (k.clone(), json!([]))).collect())
            .unwrap_or_default();
        json!({"Responses": empty, "UnprocessedKeys": items})
    } else {
        json!({"UnprocessedItems": items})
    };
    answer.to_string().into_bytes()
}

/// Runs one request through the armed faults and the engine.
pub async fn answer(instance: &Instance, target: &str, body: &[u8]) -> Answer {
    let operation = target.rsplit('.').next().unwrap_or(target);
    let plan = instance.faults.plan(operation);
    if let Some(delay) = plan.delay {
        tokio::time::sleep(delay).await;
    }
    let request_id = request_id();
    let (status, body) = match plan.outcome {
        Some(Fault::ConnectionReset) => return Answer::Reset,
        Some(Fault::Throttle(code)) => (
            400,
            error_body(
                &code,
                "The level of configured provisioned throughput for the table was exceeded (injected by a test fault)",
            ),
        ),
        Some(Fault::ServerError) => (500, error_body("InternalServerError", "Internal server error (injected by a test fault)")),
        Some(Fault::Unprocessed) if operation.starts_with("Batch") => (200, all_unprocessed(operation, body)),
        _ => {
            let response = instance.engine.handle(operation, body);
            (response.status, response.body)
        }
    };
    Answer::Reply {
        status,
        body,
        request_id,
    }
}

#[derive(Clone)]
struct MemoryConnector {
    instance: Arc<Instance>,
}

impl std::fmt::Debug for MemoryConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryConnector({:?})", self.instance.name)
    }
}

impl HttpConnector for MemoryConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let instance = self.instance.clone();
        let target = request
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_owned();
        // The SDK builds DynamoDB request bodies in memory, so they are always available as bytes.
        let body = request.body().bytes().map(<[u8]>::to_vec);
        HttpConnectorFuture::new(async move {
            let Some(body) = body else {
                return Err(ConnectorError::other(
                    "memory:// needs an in-memory request body".into(),
                    None,
                ));
            };
            match answer(&instance, &target, &body).await {
                Answer::Reset => Err(ConnectorError::io(
                    "connection reset by peer (injected by a test fault)".into(),
                )),
                Answer::Reply {
                    status,
                    body,
                    request_id,
                } => {
                    let status = StatusCode::try_from(status)
                        .map_err(|e| ConnectorError::other(Box::new(e), None))?;
                    let mut response = Response::new(status, SdkBody::from(body));
                    response
                        .headers_mut()
                        .insert("content-type", "application/x-amz-json-1.0");
                    response
                        .headers_mut()
                        .insert("x-amzn-requestid", request_id);
                    Ok(response)
                }
            }
        })
    }
}

#[derive(Debug)]
struct MemoryClient {
    connector: MemoryConnector,
}

impl HttpClient for MemoryClient {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.connector.clone())
    }
}

/// The SDK HTTP client bound to one engine instance.
pub fn http_client(instance: Arc<Instance>) -> SharedHttpClient {
    SharedHttpClient::new(MemoryClient {
        connector: MemoryConnector { instance },
    })
}
