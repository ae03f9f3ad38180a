//! Field encryption: KMS envelope encryption with cached data keys (`EncryptedAttribute`).
//!
//! A value is encrypted locally with AES-256-GCM under a data key from KMS GenerateDataKey; the
//! wrapped data key travels with the value (see `envelope`). Reading a page of items unwraps each
//! distinct data key once (concurrently, and only those the cache does not hold), then decrypts every
//! value locally: a 1000-item query costs a handful of KMS calls, not 1000.

pub mod cache;
pub mod envelope;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use futures_util::future::join_all;

use crate::aws::ServiceTarget;
use crate::client::Shared;
use crate::errors::{from_sdk, no_extra, OpError};
use crate::runtime;
use cache::{DataKey, GroupKey, Policy};

pub static GENERATE_CALLS: AtomicU64 = AtomicU64::new(0);
pub static DECRYPT_CALLS: AtomicU64 = AtomicU64::new(0);

/// Unwrapping concurrently is bounded: a scan over years of data may meet many data keys at once.
const CONCURRENT_UNWRAPS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    ReadWrite,
    WriteOnly,
    ReadOnly,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "ReadWrite" => Ok(Mode::ReadWrite),
            "WriteOnly" => Ok(Mode::WriteOnly),
            "ReadOnly" => Ok(Mode::ReadOnly),
            other => Err(format!(
                "mode must be ReadWrite, WriteOnly or ReadOnly, got {other:?}"
            )),
        }
    }
}

/// How one attribute is encrypted.
#[derive(Debug)]
pub struct EncryptSpec {
    pub key_id: String,
    pub context: BTreeMap<String, String>,
    pub mode: Mode,
    pub target: ServiceTarget,
    pub policy: Policy,
    pub group: Arc<GroupKey>,
}

impl EncryptSpec {
    pub fn new(
        key_id: String,
        context: BTreeMap<String, String>,
        mode: Mode,
        target: ServiceTarget,
        policy: Policy,
    ) -> Self {
        let group = Arc::new(GroupKey {
            target: (target.region.clone(), target.endpoint_url.clone()),
            key_id: key_id.clone(),
            context: context
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        });
        EncryptSpec {
            key_id,
            context,
            mode,
            target,
            policy,
            group,
        }
    }

    fn kms_context(&self) -> Option<HashMap<String, String>> {
        (!self.context.is_empty()).then(|| {
            self.context
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
    }
}

/// A KMS failure as the exception users see: `EncryptionException` with KMS's error code, unless
/// it is about credentials or the connection (those keep their own classes).
fn kms_error<E>(
    err: aws_sdk_kms::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
    what: &str,
    key_id: &str,
) -> OpError
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut e = from_sdk(err, no_extra);
    e.message = e.message.replace("DynamoDB", "KMS");
    if e.class != "CredentialsException" && e.class != "ConnectionException" {
        e.class = "EncryptionException";
        e.message = format!(
            "KMS {what} with key {key_id:?} failed ({}): {}",
            e.code, e.message
        );
    }
    e
}

async fn generate(shared: &Shared, spec: &EncryptSpec) -> Result<DataKey, OpError> {
    let kms = shared.aws_kms(&spec.target).await?;
    GENERATE_CALLS.fetch_add(1, Ordering::Relaxed);
    let request = kms
        .generate_data_key()
        .key_id(&spec.key_id)
        .key_spec(DataKeySpec::Aes256)
        .set_encryption_context(spec.kms_context());
    // In a box: the reads and writes that may encrypt would otherwise carry its state in theirs.
    let out = runtime::pin_in_place(|| request.send())
        .await
        .map_err(|e| kms_error(e, "GenerateDataKey", &spec.key_id))?;
    let (Some(plaintext), Some(wrapped)) = (out.plaintext, out.ciphertext_blob) else {
        return Err(OpError::new(
            "EncryptionException",
            "InvalidResponse",
            "KMS GenerateDataKey returned no data key",
        ));
    };
    DataKey::new(plaintext.into_inner(), wrapped.into_inner())
        .map_err(|m| OpError::new("EncryptionException", "InvalidResponse", m))
}

async fn unwrap(shared: &Shared, spec: &EncryptSpec, wrapped: &[u8]) -> Result<DataKey, OpError> {
    let kms = shared.aws_kms(&spec.target).await?;
    DECRYPT_CALLS.fetch_add(1, Ordering::Relaxed);
    let request = kms
        .decrypt()
        .key_id(&spec.key_id)
        .ciphertext_blob(Blob::new(wrapped.to_vec()))
        .set_encryption_context(spec.kms_context());
    let out = runtime::pin_in_place(|| request.send())
        .await
        .map_err(|e| kms_error(e, "Decrypt", &spec.key_id))?;
    let plaintext = out.plaintext.ok_or_else(|| {
        OpError::new(
            "EncryptionException",
            "InvalidResponse",
            "KMS Decrypt returned no plaintext",
        )
    })?;
    DataKey::new(plaintext.into_inner(), wrapped.to_vec())
        .map_err(|m| OpError::new("EncryptionException", "InvalidResponse", m))
}

/// The data key to encrypt one value of `len` bytes with: the cached one, or a new one from KMS
/// (asked for once however many writers miss at the same time). Adds the KMS calls to `kms_calls`.
pub async fn key_for_encrypt(
    shared: &Shared,
    spec: &EncryptSpec,
    len: usize,
    kms_calls: &mut u32,
) -> Result<Arc<DataKey>, OpError> {
    let cache = shared.key_cache();
    if let Some(key) = cache.for_encrypt(&spec.group, &spec.policy, len, true) {
        return Ok(key);
    }
    let lock = cache.fill_lock(&spec.group, None);
    let result = async {
        let _filling = lock.lock().await;
        if let Some(key) = cache.for_encrypt(&spec.group, &spec.policy, len, false) {
            return Ok(key);
        }
        *kms_calls += 1;
        let key = Arc::new(generate(shared, spec).await?);
        cache.store_for_encrypt(&spec.group, &spec.policy, key.clone(), len);
        Ok(key)
    }
    .await;
    cache.release_fill(&spec.group, None, lock);
    result
}

async fn key_for_decrypt(
    shared: &Shared,
    spec: &EncryptSpec,
    wrapped: Arc<[u8]>,
) -> Result<(Arc<DataKey>, u32), OpError> {
    let cache = shared.key_cache();
    if let Some(key) = cache.for_decrypt(&spec.group, &spec.policy, &wrapped, true) {
        return Ok((key, 0));
    }
    let lock = cache.fill_lock(&spec.group, Some(&wrapped));
    let result = async {
        let _filling = lock.lock().await;
        if let Some(key) = cache.for_decrypt(&spec.group, &spec.policy, &wrapped, false) {
            return Ok((key, 0));
        }
        let key = Arc::new(unwrap(shared, spec, &wrapped).await?);
        cache.store_for_decrypt(&spec.group, &spec.policy, key.clone());
        Ok((key, 1))
    }
    .await;
    cache.release_fill(&spec.group, Some(&wrapped), lock);
    result
}

/// Identifies an unwrapped data key: its group (KMS target, key id, context) and its wrapped bytes.
pub type UnwrapKey = (Arc<GroupKey>, Arc<[u8]>);

/// Unwraps every distinct data key once, at most `CONCURRENT_UNWRAPS` at a time.
pub async fn keys_for_decrypt(
    shared: &Shared,
    wanted: Vec<(Arc<EncryptSpec>, Arc<[u8]>)>,
    kms_calls: &mut u32,
) -> Result<HashMap<UnwrapKey, Arc<DataKey>>, OpError> {
    let mut out = HashMap::with_capacity(wanted.len());
    let mut rest = wanted.into_iter().peekable();
    while rest.peek().is_some() {
        let batch: Vec<_> = rest.by_ref().take(CONCURRENT_UNWRAPS).collect();
        let results = join_all(
            batch
                .iter()
                .map(|(spec, wrapped)| key_for_decrypt(shared, spec, wrapped.clone())),
        )
        .await;
        for ((spec, wrapped), result) in batch.into_iter().zip(results) {
            let (key, calls) = result?;
            *kms_calls += calls;
            out.insert((spec.group.clone(), wrapped), key);
        }
    }
    Ok(out)
}
