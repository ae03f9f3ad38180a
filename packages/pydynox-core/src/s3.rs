//! S3 transfers for `S3Attribute`: uploads (one PutObject, or a multipart upload whose parts are
//! read from the file in place and sent concurrently), downloads (to memory, or streamed to a file),
//! presigned URLs and deletes. All of it runs on the runtime; the Python side decides the order of
//! operations around the DynamoDB write (see `pydynox/_s3.py`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;
use futures_util::future::join_all;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

use crate::aws::ServiceTarget;
use crate::client::CoreClient;
use crate::errors::{from_sdk, no_extra, OpError};

pub static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// S3's own limits: parts of at least 5 MiB (but the last), at most 10,000 of them.
const MIN_PART: u64 = 5 * 1024 * 1024;
const MAX_PART: u64 = 5 * 1024 * 1024 * 1024;
const MAX_PARTS: u64 = 10_000;

fn s3_error<E>(
    err: aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
    what: &str,
    bucket: &str,
    key: &str,
) -> OpError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut e = from_sdk(err, no_extra);
    e.message = e.message.replace("DynamoDB", "S3");
    if e.class != "CredentialsException" && e.class != "ConnectionException" {
        e.class = "S3AttributeException";
        e.message = format!(
            "S3 {what} of s3://{bucket}/{key} failed ({}): {}",
            e.code, e.message
        );
    }
    e
}

fn io_error(what: &str, path: &std::path::Path, err: impl std::fmt::Display) -> OpError {
    OpError::new(
        "S3AttributeException",
        "FileError",
        format!("{what} {}: {err}", path.display()),
    )
}

fn count() {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
}

/// What is uploaded: bytes held in memory, or a file read in place.
enum Source {
    Bytes(Bytes),
    File(PathBuf),
}

impl Source {
    async fn len(&self) -> Result<u64, OpError> {
        match self {
            Source::Bytes(b) => Ok(b.len() as u64),
            Source::File(p) => tokio::fs::metadata(p)
                .await
                .map(|m| m.len())
                .map_err(|e| io_error("cannot read", p, e)),
        }
    }

    /// `len` bytes from `offset`, as a body that reads the file only while it is sent.
    async fn body(&self, offset: u64, len: u64) -> Result<ByteStream, OpError> {
        match self {
            Source::Bytes(b) => Ok(ByteStream::from(
                b.slice(offset as usize..(offset + len) as usize),
            )),
            Source::File(p) => ByteStream::read_from()
                .path(p)
                .offset(offset)
                .length(Length::Exact(len))
                .build()
                .await
                .map_err(|e| io_error("cannot read", p, e)),
        }
    }
}

#[derive(Clone, Copy)]
struct Multipart {
    threshold: u64,
    part_size: u64,
    concurrency: usize,
}

struct Uploaded {
    size: u64,
    etag: Option<String>,
    version_id: Option<String>,
    parts: u64,
}

/// Aborts a multipart upload that did not complete, also when the task is cancelled mid-way (the
/// parts already sent would otherwise be billed until a lifecycle rule removes them).
struct AbortOnDrop {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    upload_id: String,
    armed: bool,
}

impl AbortOnDrop {
    fn abort(&mut self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        if !self.armed {
            return None;
        }
        self.armed = false;
        let request = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&self.upload_id);
        Some(async move {
            count();
            let _ = request.send().await;
        })
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(abort) = self.abort() {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(abort);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn upload(
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    source: Source,
    content_type: Option<String>,
    metadata: Option<HashMap<String, String>>,
    multipart: Multipart,
) -> Result<Uploaded, OpError> {
    let size = source.len().await?;
    if size < multipart.threshold {
        count();
        let out = client
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .body(source.body(0, size).await?)
            .content_length(size as i64)
            .set_content_type(content_type)
            .set_metadata(metadata)
            .send()
            .await
            .map_err(|e| s3_error(e, "PutObject", &bucket, &key))?;
        return Ok(Uploaded {
            size,
            etag: out.e_tag,
            version_id: out.version_id,
            parts: 1,
        });
    }
    let part_size = multipart
        .part_size
        .max(size.div_ceil(MAX_PARTS))
        .clamp(MIN_PART, MAX_PART);
    count();
    let created = client
        .create_multipart_upload()
        .bucket(&bucket)
        .key(&key)
        .set_content_type(content_type)
        .set_metadata(metadata)
        .send()
        .await
        .map_err(|e| s3_error(e, "CreateMultipartUpload", &bucket, &key))?;
    let upload_id = created.upload_id.ok_or_else(|| {
        OpError::new(
            "S3AttributeException",
            "InvalidResponse",
            "S3 CreateMultipartUpload returned no upload id",
        )
    })?;
    let mut guard = AbortOnDrop {
        client: client.clone(),
        bucket: bucket.clone(),
        key: key.clone(),
        upload_id: upload_id.clone(),
        armed: true,
    };
    let parts = size.div_ceil(part_size);
    let gate = Arc::new(Semaphore::new(multipart.concurrency));
    let source = Arc::new(source);
    let sends = (0..parts).map(|n| {
        let (client, bucket, key, upload_id) = (
            client.clone(),
            bucket.clone(),
            key.clone(),
            upload_id.clone(),
        );
        let (gate, source) = (gate.clone(), source.clone());
        async move {
            // A part's body is opened only once its turn comes: at most `concurrency` parts are
            // being read and sent at any time.
            let _slot = gate.acquire_owned().await.ok();
            let offset = n * part_size;
            let len = part_size.min(size - offset);
            let number = (n + 1) as i32;
            count();
            let out = client
                .upload_part()
                .bucket(&bucket)
                .key(&key)
                .upload_id(&upload_id)
                .part_number(number)
                .content_length(len as i64)
                .body(source.body(offset, len).await?)
                .send()
                .await
                .map_err(|e| s3_error(e, "UploadPart", &bucket, &key))?;
            Ok::<_, OpError>(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(out.e_tag)
                    .set_checksum_crc32(out.checksum_crc32)
                    .set_checksum_crc32_c(out.checksum_crc32_c)
                    .set_checksum_crc64_nvme(out.checksum_crc64_nvme)
                    .set_checksum_sha1(out.checksum_sha1)
                    .set_checksum_sha256(out.checksum_sha256)
                    .build(),
            )
        }
    });
    let mut completed = Vec::with_capacity(parts as usize);
    let mut failure = None;
    for result in join_all(sends).await {
        match result {
            Ok(part) => completed.push(part),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    if let Some(e) = failure {
        if let Some(abort) = guard.abort() {
            abort.await;
        }
        return Err(e);
    }
    completed.sort_by_key(|p| p.part_number);
    count();
    let done = client
        .complete_multipart_upload()
        .bucket(&bucket)
        .key(&key)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await;
    let done = match done {
        Ok(out) => out,
        Err(e) => {
            if let Some(abort) = guard.abort() {
                abort.await;
            }
            return Err(s3_error(e, "CompleteMultipartUpload", &bucket, &key));
        }
    };
    guard.armed = false;
    Ok(Uploaded {
        size,
        etag: done.e_tag,
        version_id: done.version_id,
        parts,
    })
}

/// Streams the object into `path`: written to a temporary file beside it and renamed when
/// complete, so a failed download never leaves a truncated file under the name asked for.
async fn download_to(
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    path: PathBuf,
) -> Result<u64, OpError> {
    count();
    let out = client
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .send()
        .await
        .map_err(|e| s3_error(e, "GetObject", &bucket, &key))?;
    let mut partial = path.clone().into_os_string();
    partial.push(".pydynox-partial");
    let partial = PathBuf::from(partial);
    let written =
        async {
            let mut file = tokio::fs::File::create(&partial)
                .await
                .map_err(|e| io_error("cannot write", &partial, e))?;
            let mut body = out.body;
            let mut size = 0u64;
            while let Some(chunk) = body.try_next().await.map_err(|e| {
                OpError::connection(format!("S3 GetObject of s3://{bucket}/{key}: {e}"))
            })? {
                size += chunk.len() as u64;
                file.write_all(&chunk)
                    .await
                    .map_err(|e| io_error("cannot write", &partial, e))?;
            }
            file.flush()
                .await
                .map_err(|e| io_error("cannot write", &partial, e))?;
            tokio::fs::rename(&partial, &path)
                .await
                .map_err(|e| io_error("cannot write", &path, e))?;
            Ok(size)
        }
        .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
    }
    written
}

fn multipart_settings(threshold: u64, part_size: u64, concurrency: usize) -> PyResult<Multipart> {
    if !(MIN_PART..=MAX_PART).contains(&part_size) {
        return Err(PyValueError::new_err(format!(
            "part_size must be from 5 MiB to 5 GiB (S3's limits), got {part_size} bytes"
        )));
    }
    if threshold == 0 {
        return Err(PyValueError::new_err(
            "multipart_threshold must be at least 1 byte",
        ));
    }
    if !(1..=64).contains(&concurrency) {
        return Err(PyValueError::new_err(format!(
            "max_concurrency must be from 1 to 64, got {concurrency}"
        )));
    }
    Ok(Multipart {
        threshold,
        part_size,
        concurrency,
    })
}

#[pymethods]
impl CoreClient {
    /// Uploads `data` (bytes) or the file at `path` to `bucket`/`key`. Returns `{"bucket", "key",
    /// "size", "etag", "version_id", "parts"}`.
    #[pyo3(signature = (
        is_async, bucket, key, data=None, path=None, content_type=None, metadata=None,
        multipart_threshold=8 * 1024 * 1024, part_size=8 * 1024 * 1024, max_concurrency=4,
        region=None, endpoint_url=None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn s3_upload<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        bucket: String,
        key: String,
        data: Option<Vec<u8>>,
        path: Option<PathBuf>,
        content_type: Option<String>,
        metadata: Option<HashMap<String, String>>,
        multipart_threshold: u64,
        part_size: u64,
        max_concurrency: usize,
        region: Option<String>,
        endpoint_url: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let source = match (data, path) {
            (Some(d), None) => Source::Bytes(Bytes::from(d)),
            (None, Some(p)) => Source::File(p),
            _ => {
                return Err(PyValueError::new_err(
                    "s3_upload takes data or path, exactly one of them",
                ))
            }
        };
        let multipart = multipart_settings(multipart_threshold, part_size, max_concurrency)?;
        let target = ServiceTarget::new(region, endpoint_url)?;
        self.run_plain(
            py,
            is_async,
            "S3 upload",
            move |shared| async move {
                let client = shared.aws_s3(&target).await?;
                let up = upload(
                    client,
                    bucket.clone(),
                    key.clone(),
                    source,
                    content_type,
                    metadata,
                    multipart,
                )
                .await?;
                Ok((bucket, key, up))
            },
            |py, (bucket, key, up)| {
                let out = PyDict::new(py);
                out.set_item("bucket", bucket)?;
                out.set_item("key", key)?;
                out.set_item("size", up.size)?;
                out.set_item("etag", up.etag)?;
                out.set_item("version_id", up.version_id)?;
                out.set_item("parts", up.parts)?;
                Ok(out.into_any().unbind())
            },
        )
    }

    /// The object's bytes; with `path`, streamed into that file instead (returns its size).
    #[pyo3(signature = (is_async, bucket, key, path=None, region=None, endpoint_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn s3_download<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        bucket: String,
        key: String,
        path: Option<PathBuf>,
        region: Option<String>,
        endpoint_url: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = ServiceTarget::new(region, endpoint_url)?;
        self.run_plain(
            py,
            is_async,
            "S3 download",
            move |shared| async move {
                let client = shared.aws_s3(&target).await?;
                match path {
                    Some(path) => Ok(Err(download_to(client, bucket, key, path).await?)),
                    None => {
                        count();
                        let out = client
                            .get_object()
                            .bucket(&bucket)
                            .key(&key)
                            .send()
                            .await
                            .map_err(|e| s3_error(e, "GetObject", &bucket, &key))?;
                        let data = out.body.collect().await.map_err(|e| {
                            OpError::connection(format!("S3 GetObject of s3://{bucket}/{key}: {e}"))
                        })?;
                        Ok(Ok(data.into_bytes()))
                    }
                }
            },
            |py, out| match out {
                Ok(data) => Ok(PyBytes::new(py, &data).into_any().unbind()),
                Err(size) => Ok(size.into_pyobject(py)?.into_any().unbind()),
            },
        )
    }

    /// A presigned GET URL valid for `expires` seconds (up to 7 days); made locally, no request.
    #[pyo3(signature = (is_async, bucket, key, expires, region=None, endpoint_url=None))]
    #[allow(clippy::too_many_arguments)]
    fn s3_presign<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        bucket: String,
        key: String,
        expires: f64,
        region: Option<String>,
        endpoint_url: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !(expires.is_finite() && (1.0..=604_800.0).contains(&expires)) {
            return Err(PyValueError::new_err(format!(
                "expires must be from 1 second to 7 days (604800 seconds), got {expires}"
            )));
        }
        let config = PresigningConfig::expires_in(Duration::from_secs_f64(expires))
            .map_err(|e| PyValueError::new_err(format!("expires: {e}")))?;
        let target = ServiceTarget::new(region, endpoint_url)?;
        self.run_plain(
            py,
            is_async,
            "S3 presigned URL",
            move |shared| async move {
                let client = shared.aws_s3(&target).await?;
                let request = client
                    .get_object()
                    .bucket(&bucket)
                    .key(&key)
                    .presigned(config)
                    .await
                    .map_err(|e| s3_error(e, "presigning", &bucket, &key))?;
                Ok(request.uri().to_owned())
            },
            |py, url| Ok(url.into_pyobject(py)?.into_any().unbind()),
        )
    }

    /// Deletes the objects (S3 answers success for a key that does not exist).
    #[pyo3(signature = (is_async, bucket, keys, region=None, endpoint_url=None))]
    fn s3_delete<'py>(
        &self,
        py: Python<'py>,
        is_async: bool,
        bucket: String,
        keys: Vec<String>,
        region: Option<String>,
        endpoint_url: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let target = ServiceTarget::new(region, endpoint_url)?;
        self.run_plain(
            py,
            is_async,
            "S3 delete",
            move |shared| async move {
                let client = shared.aws_s3(&target).await?;
                let bucket = &bucket;
                let deletes = keys.iter().map(|key| {
                    let request = client.delete_object().bucket(bucket).key(key);
                    async move {
                        count();
                        request
                            .send()
                            .await
                            .map_err(|e| s3_error(e, "DeleteObject", bucket, key))
                    }
                });
                for result in join_all(deletes).await {
                    result?;
                }
                Ok(())
            },
            |py, ()| Ok(py.None()),
        )
    }
}
