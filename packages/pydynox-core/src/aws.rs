//! The other AWS services a DynamoDB client uses for its models: KMS (encrypted attributes) and S3
//! (S3 attributes). Their clients are built from the same shared configuration as the DynamoDB
//! client (credentials and their cache, region, retries, timeouts, proxy), lazily, on the runtime.
//!
//! Endpoint, first found wins: the attribute's own `endpoint_url`; the client's `kms_endpoint_url` /
//! `s3_endpoint_url`; `AWS_ENDPOINT_URL_KMS` / `AWS_ENDPOINT_URL_S3`; the client's `endpoint_url`
//! when it was given explicitly (a local server that speaks several services, like moto); then
//! `AWS_ENDPOINT_URL`; else AWS's own endpoint for the region. The embedded engine (`memory://`)
//! serves DynamoDB only, so its clients reach KMS and S3 with the standard credential chain.

// A build without the `kms` and `s3` features keeps the configuration plumbing but never uses it.
#![cfg_attr(
    not(any(feature = "kms", feature = "s3")),
    allow(dead_code, unused_imports)
)]

use std::collections::HashMap;

use aws_types::SdkConfig;
use parking_lot::Mutex;
use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

use crate::client::Shared;
use crate::config::parse_endpoint;
use crate::errors::OpError;
use crate::runtime;

/// Where one attribute's service calls go when it overrides the client's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ServiceTarget {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

impl ServiceTarget {
    pub fn new(region: Option<String>, endpoint_url: Option<String>) -> PyResult<Self> {
        if let Some(r) = &region {
            if r.trim().is_empty() {
                return Err(PyValueError::new_err("region must not be empty"));
            }
        }
        if let Some(url) = &endpoint_url {
            check_endpoint("endpoint_url", url)?;
        }
        Ok(ServiceTarget {
            region,
            endpoint_url,
        })
    }
}

/// KMS and S3 endpoints are real HTTP servers: `memory://` serves DynamoDB only.
pub fn check_endpoint(what: &str, url: &str) -> PyResult<()> {
    match parse_endpoint(url) {
        Ok((scheme, _, _)) if scheme == "memory" => Err(PyValueError::new_err(format!(
            "{what} must be an http(s) URL; memory:// serves DynamoDB only, got {url:?}"
        ))),
        Ok(_) => Ok(()),
        Err(e) => Err(PyValueError::new_err(e.replace("endpoint_url", what))),
    }
}

#[derive(Default)]
pub struct Services {
    pub kms_endpoint_url: Option<String>,
    pub s3_endpoint_url: Option<String>,
    /// The shared configuration for clients of the embedded engine, whose DynamoDB configuration
    /// (fake credentials) cannot serve other services.
    own_base: tokio::sync::Mutex<Option<(u64, SdkConfig)>>,
    #[cfg(feature = "kms")]
    kms: Mutex<HashMap<ServiceTarget, (u64, aws_sdk_kms::Client)>>,
    #[cfg(feature = "s3")]
    s3: Mutex<HashMap<ServiceTarget, (u64, aws_sdk_s3::Client)>>,
    #[cfg(feature = "kms")]
    pub keys: crate::crypto::cache::KeyCache,
}

impl Services {
    pub fn new(
        kms_endpoint_url: Option<String>,
        s3_endpoint_url: Option<String>,
    ) -> PyResult<Self> {
        if let Some(url) = &kms_endpoint_url {
            check_endpoint("kms_endpoint_url", url)?;
        }
        if let Some(url) = &s3_endpoint_url {
            check_endpoint("s3_endpoint_url", url)?;
        }
        Ok(Services {
            kms_endpoint_url,
            s3_endpoint_url,
            ..Default::default()
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A client from `map` for this runtime generation, or a new one from `build`.
#[cfg(any(feature = "kms", feature = "s3"))]
fn cached<C: Clone>(
    map: &Mutex<HashMap<ServiceTarget, (u64, C)>>,
    target: &ServiceTarget,
    build: impl FnOnce() -> C,
) -> C {
    let generation = runtime::generation();
    let mut map = map.lock();
    if let Some((g, client)) = map.get(target) {
        if *g == generation {
            return client.clone();
        }
    }
    let client = build();
    if let Some((_, stale)) = map.insert(target.clone(), (generation, client.clone())) {
        // Built for the parent's runtime before a fork: abandoned, not dropped (see client.rs).
        std::mem::forget(stale);
    }
    client
}

impl Shared {
    /// The shared configuration for KMS and S3 clients.
    async fn aws_base(&self) -> Result<SdkConfig, OpError> {
        if let Some(base) = self.sdk_base().await? {
            return Ok(base);
        }
        let generation = runtime::generation();
        let mut slot = self.aws.own_base.lock().await;
        if let Some((g, base)) = slot.as_ref() {
            if *g == generation {
                return Ok(base.clone());
            }
        }
        // Boxed, as in `Shared::sdk`: loading the configuration is a large future that runs once.
        let base = Box::pin(self.config.base_config(false)).await?;
        *slot = Some((generation, base.clone()));
        Ok(base)
    }

    fn service_endpoint(
        &self,
        service_env: &str,
        client_override: Option<&String>,
        target: &ServiceTarget,
    ) -> Option<String> {
        let explicit = self
            .config
            .endpoint_arg
            .as_ref()
            .filter(|url| !url.starts_with("memory:"));
        target
            .endpoint_url
            .clone()
            .or_else(|| client_override.cloned())
            .or_else(|| env(service_env))
            .or_else(|| explicit.cloned())
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .map(|url| url.trim_end_matches('/').to_owned())
    }

    #[cfg(feature = "kms")]
    pub async fn aws_kms(&self, target: &ServiceTarget) -> Result<aws_sdk_kms::Client, OpError> {
        let base = self.aws_base().await?;
        let endpoint = self.service_endpoint(
            "AWS_ENDPOINT_URL_KMS",
            self.aws.kms_endpoint_url.as_ref(),
            target,
        );
        Ok(cached(&self.aws.kms, target, || {
            let mut b = aws_sdk_kms::config::Builder::from(&base);
            if let Some(url) = endpoint {
                b = b.endpoint_url(url);
            }
            if let Some(region) = &target.region {
                b = b.region(aws_types::region::Region::new(region.clone()));
            }
            aws_sdk_kms::Client::from_conf(b.build())
        }))
    }

    #[cfg(feature = "s3")]
    pub async fn aws_s3(&self, target: &ServiceTarget) -> Result<aws_sdk_s3::Client, OpError> {
        let base = self.aws_base().await?;
        let endpoint = self.service_endpoint(
            "AWS_ENDPOINT_URL_S3",
            self.aws.s3_endpoint_url.as_ref(),
            target,
        );
        Ok(cached(&self.aws.s3, target, || {
            let mut b = aws_sdk_s3::config::Builder::from(&base);
            if let Some(url) = endpoint {
                // A custom endpoint (a local server) rarely resolves bucket.host names.
                b = b.endpoint_url(url).force_path_style(true);
            }
            if let Some(region) = &target.region {
                b = b.region(aws_types::region::Region::new(region.clone()));
            }
            aws_sdk_s3::Client::from_conf(b.build())
        }))
    }

    #[cfg(feature = "kms")]
    pub fn key_cache(&self) -> &crate::crypto::cache::KeyCache {
        &self.aws.keys
    }
}

/// Process-wide counters of the calls to other services and of the data-key cache, for tests,
/// benchmarks and diagnostics.
#[pyo3::pyfunction]
pub fn aws_stats(py: pyo3::Python<'_>) -> PyResult<pyo3::Bound<'_, pyo3::types::PyDict>> {
    use pyo3::types::PyDictMethods;
    use std::sync::atomic::Ordering::Relaxed;
    let out = pyo3::types::PyDict::new(py);
    #[cfg(feature = "kms")]
    {
        use crate::crypto::{cache, DECRYPT_CALLS, GENERATE_CALLS};
        out.set_item("kms_generate_data_key", GENERATE_CALLS.load(Relaxed))?;
        out.set_item("kms_decrypt", DECRYPT_CALLS.load(Relaxed))?;
        out.set_item("key_cache_hits", cache::HITS.load(Relaxed))?;
        out.set_item("key_cache_misses", cache::MISSES.load(Relaxed))?;
    }
    #[cfg(feature = "s3")]
    out.set_item("s3_requests", crate::s3::REQUESTS.load(Relaxed))?;
    let _ = Relaxed;
    Ok(out)
}

#[cfg(feature = "kms")]
#[pyo3::pymethods]
impl crate::client::CoreClient {
    /// (data keys held for encryption, data keys held for decryption) in this client's cache.
    #[getter]
    fn key_cache_size(&self) -> (usize, usize) {
        self.shared.aws.keys.sizes()
    }
}
