//! Takes the items out of a successful response before the SDK deserializes them (a Query or Scan
//! page's list, GetItem's one item), so that `convert::wire` reads them from the bytes instead (the
//! why is there).
//!
//! The SDK still reads the rest of the body (counts, LastEvaluatedKey, capacity), and every error
//! response whole: only a 2xx body holding the member as a JSON array (or object, for one item) is
//! touched. The body is cut while the SDK reads it (a wrapping body), so its timeouts,
//! stalled-stream protection and retries apply as they do to any response.
//!
//! The other way round, [`OwnBody`] sends a request body pydynox wrote itself.
//!
//! Both reach the SDK through one interceptor registered on the client, [`RequestHooks`], which
//! applies the hook of the call being sent on the current task (a task-local). A per-call
//! `.customize().interceptor(...)` would do the same, but costs a configuration layer per call and
//! two copies of the SDK's send future (its `Box::pin`, then its await; 5 – 7 KB each).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame};
use parking_lot::Mutex;

use crate::convert::wire::{split_member, WireItems};

tokio::task_local! {
    /// The hook of the SDK call being sent on this task.
    static HOOK: Hook;
}

enum Hook {
    Capture(Capture),
    OwnBody(OwnBody),
}

/// Awaits the SDK call `make` builds (its `.send()`), with `hook` applied to it. The send future
/// is built in place on the heap (see [`crate::runtime::pin_in_place`]).
async fn hooked<F: Future>(hook: Hook, make: impl FnOnce() -> F) -> F::Output {
    HOOK.scope(hook, crate::runtime::pin_in_place(make)).await
}

/// The client's interceptor for the per-call hooks above; calls sent without one pass untouched.
#[derive(Debug)]
pub struct RequestHooks;

impl Intercept for RequestHooks {
    fn name(&self) -> &'static str {
        "pydynox::request_hooks"
    }

    fn modify_before_retry_loop(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = HOOK.try_with(|hook| {
            if let Hook::OwnBody(own) = hook {
                own.replace(context);
            }
        });
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let _ = HOOK.try_with(|hook| {
            if let Hook::Capture(capture) = hook {
                capture.cut(context);
            }
        });
        Ok(())
    }
}

/// One operation's capture: send the call through [`Capture::send`], then `take()` the items.
#[derive(Clone, Debug)]
pub struct Capture {
    member: &'static str,
    /// Whether the member holds one item (an object) rather than a list of them.
    single: bool,
    slot: Arc<Mutex<Option<WireItems>>>,
}

impl Capture {
    /// The `Items` of a Query or Scan page.
    pub fn items() -> Self {
        Capture {
            member: "Items",
            single: false,
            slot: Arc::default(),
        }
    }

    /// The `Item` of a GetItem answer.
    pub fn item() -> Self {
        Capture {
            member: "Item",
            single: true,
            slot: Arc::default(),
        }
    }

    /// Awaits the SDK call `make` builds, capturing the items of its response.
    pub async fn send<F: Future>(&self, make: impl FnOnce() -> F) -> F::Output {
        hooked(Hook::Capture(self.clone()), make).await
    }

    /// The items of the successful attempt; None when the body held no such member (the SDK's
    /// output then has whatever the body held).
    pub fn take(&self) -> Option<WireItems> {
        self.slot.lock().take()
    }

    /// Cuts the member out of a successful response's body, as the SDK reads it.
    fn cut(&self, context: &mut BeforeDeserializationInterceptorContextMut<'_>) {
        let response = context.response_mut();
        if !response.status().is_success() {
            return;
        }
        // A body already in memory (the `memory://` transport) is cut at once.
        if let Some(bytes) = response.body().bytes() {
            let rest = self.keep(Bytes::copy_from_slice(bytes));
            *response.body_mut() = SdkBody::from(rest);
            return;
        }
        // Sized once from Content-Length, so a megabyte page is not copied again while it grows.
        let size = response
            .headers()
            .get("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
            .min(16 << 20);
        let inner = response.take_body();
        *response.body_mut() = SdkBody::from_body_1_x(Cutting {
            inner: Box::pin(inner),
            buffer: Vec::with_capacity(size),
            capture: self.clone(),
            done: false,
            trailers: None,
        });
    }

    fn keep(&self, body: Bytes) -> Bytes {
        match split_member(&body, self.member, self.single) {
            Some((rest, items)) => {
                *self.slot.lock() = Some(items);
                Bytes::from(rest)
            }
            None => body,
        }
    }
}

/// Buffers the whole body as the SDK reads it, then hands on the body without the member.
struct Cutting {
    inner: Pin<Box<SdkBody>>,
    buffer: Vec<u8>,
    capture: Capture,
    done: bool,
    trailers: Option<Frame<Bytes>>,
}

impl Body for Cutting {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(this.trailers.take().map(Ok));
        }
        loop {
            let trailers = match ready!(this.inner.as_mut().poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => {
                        this.buffer.extend_from_slice(&data);
                        continue;
                    }
                    // Trailers (DynamoDB sends none) end the data; they follow it.
                    Err(trailers) => Some(trailers),
                },
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => None,
            };
            this.done = true;
            this.trailers = trailers;
            if this.buffer.is_empty() {
                return Poll::Ready(this.trailers.take().map(Ok));
            }
            let body = Bytes::from(std::mem::take(&mut this.buffer));
            return Poll::Ready(Some(Ok(Frame::data(this.capture.keep(body)))));
        }
    }
}

/// Sends a request body pydynox wrote itself (a batch write's, see `convert::json`) in place of the
/// one the SDK serialized from a placeholder input. Swapped once, before the retry loop, so every
/// attempt sends it, signs it (the signature covers the body) and rewinds to it.
#[derive(Clone, Debug)]
pub struct OwnBody {
    body: Bytes,
}

impl OwnBody {
    pub fn new(body: Bytes) -> Self {
        OwnBody { body }
    }

    /// Awaits the SDK call `make` builds, sending this body in place of the one it serialized.
    pub async fn send<F: Future>(self, make: impl FnOnce() -> F) -> F::Output {
        hooked(Hook::OwnBody(self), make).await
    }

    fn replace(&self, context: &mut BeforeTransmitInterceptorContextMut<'_>) {
        let request = context.request_mut();
        *request.body_mut() = SdkBody::from(self.body.clone());
        request
            .headers_mut()
            .insert("content-length", self.body.len().to_string());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::{
        AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
        ScalarAttributeType,
    };
    use aws_sdk_dynamodb::Client;

    use super::*;

    /// A client of an embedded engine of its own, with the hooks' interceptor.
    fn client(engine: &str) -> Client {
        let config = aws_sdk_dynamodb::config::Builder::new()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_types::region::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .endpoint_url("http://localhost")
            .http_client(crate::local::transport::http_client(
                crate::local::instance(engine),
            ))
            .interceptor(RequestHooks);
        Client::from_conf(config.build())
    }

    async fn table_with_one_item(client: &Client) {
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap()
        };
        let key = KeySchemaElement::builder()
            .attribute_name("pk")
            .key_type(KeyType::Hash)
            .build()
            .unwrap();
        client
            .create_table()
            .table_name("hooks")
            .attribute_definitions(attribute("pk"))
            .key_schema(key)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap();
        client
            .put_item()
            .table_name("hooks")
            .item("pk", AttributeValue::S("a".into()))
            .item("n", AttributeValue::N("1".into()))
            .send()
            .await
            .unwrap();
    }

    fn run<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_capture_applies_to_its_own_call_only() {
        run(async {
            let client = client("capture-own-call");
            table_with_one_item(&client).await;
            let get = || {
                client
                    .get_item()
                    .table_name("hooks")
                    .key("pk", AttributeValue::S("a".into()))
                    .send()
            };
            // Through the capture: the item is taken out of the body, the SDK sees none.
            let capture = Capture::item();
            let out = capture.send(get).await.unwrap();
            assert_eq!(out.item, None);
            let wire = capture.take().expect("the item was captured");
            let mut items = 0;
            let read = wire.each_item(|_| {
                items += 1;
                Ok(())
            });
            assert!(read.is_ok());
            assert_eq!(items, 1);
            // Sent without one, on the same client: untouched.
            let out = get().await.unwrap();
            assert_eq!(out.item.unwrap()["n"], AttributeValue::N("1".into()));
        });
    }

    #[test]
    fn an_own_body_replaces_the_serialized_one() {
        run(async {
            let client = client("capture-own-body");
            table_with_one_item(&client).await;
            let body = r#"{"RequestItems":{"hooks":[{"PutRequest":{"Item":{"pk":{"S":"b"}}}}]}}"#;
            let placeholder = HashMap::from([("hooks".to_owned(), Vec::new())]);
            let request = client
                .batch_write_item()
                .set_request_items(Some(placeholder));
            OwnBody::new(Bytes::from_static(body.as_bytes()))
                .send(|| request.send())
                .await
                .unwrap();
            let out = client
                .get_item()
                .table_name("hooks")
                .key("pk", AttributeValue::S("b".into()))
                .send()
                .await
                .unwrap();
            assert!(out.item.is_some(), "the item of the body pydynox wrote");
        });
    }
}
