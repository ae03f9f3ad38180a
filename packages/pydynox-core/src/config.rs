//! Client configuration: validated when the client is constructed (no I/O then), turned into an
//! `aws_sdk_dynamodb::Client` on the runtime at first use.
//!
//! When everything is explicit (region and static keys, no profile or role) the SDK config is built
//! directly; otherwise `aws-config` resolves the standard chain (environment, profile files, SSO,
//! web identity, container and instance metadata), and `role_arn` wraps it in an STS assume-role.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::config::{Region, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use pyo3::exceptions::PyValueError;
use pyo3::PyResult;

use crate::capture::RequestHooks;
use crate::errors::OpError;
use crate::events::{AttemptTracker, ClientFacts};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    Standard,
    Adaptive,
}

#[derive(Debug, Clone, Default)]
pub struct ClientConfig {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// `endpoint_url` as given to the client (not from the environment): KMS and S3 use it too.
    pub endpoint_arg: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub session_token: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub external_id: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub operation_timeout: Option<Duration>,
    pub max_attempts: Option<u32>,
    pub retry_mode: Option<RetryMode>,
    pub max_connections: Option<usize>,
    pub proxy_url: Option<String>,
}

fn non_empty(name: &str, value: Option<String>) -> PyResult<Option<String>> {
    match value {
        Some(v) if v.trim().is_empty() => {
            Err(PyValueError::new_err(format!("{name} must not be empty")))
        }
        other => Ok(other),
    }
}

pub fn seconds(name: &str, value: Option<f64>) -> PyResult<Option<Duration>> {
    match value {
        None => Ok(None),
        Some(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => {
            Ok(Some(Duration::from_secs_f64(v)))
        }
        Some(v) => Err(PyValueError::new_err(format!(
            "{name} must be a number of seconds greater than 0 (and at most 86400), got {v}"
        ))),
    }
}

/// Splits `http(s)://host[:port][/]` into its parts; anything else is refused.
pub fn parse_endpoint(url: &str) -> Result<(String, String, u16), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("endpoint_url must look like http://host:port, got {url:?}"))?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        "memory" => {
            let name =
                crate::local::parse_memory_url(url).unwrap_or_else(|| Ok("default".to_owned()))?;
            return Ok((scheme.to_owned(), name, 0));
        }
        other => {
            return Err(format!(
                "endpoint_url scheme must be http or https, got {other:?} in {url:?}"
            ))
        }
    };
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() {
        return Err(format!("endpoint_url has no host: {url:?}"));
    }
    let (host, port) = if let Some(stripped) = authority.strip_prefix('[') {
        // [IPv6]:port
        let (h, after) = stripped
            .split_once(']')
            .ok_or_else(|| format!("endpoint_url has a malformed IPv6 host: {url:?}"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| format!("endpoint_url has a bad port: {url:?}"))?,
            None => default_port,
        };
        (h.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                p.parse::<u16>()
                    .map_err(|_| format!("endpoint_url has a bad port: {url:?}"))?,
            ),
            None => (authority.to_owned(), default_port),
        }
    };
    if host.is_empty() {
        return Err(format!("endpoint_url has no host: {url:?}"));
    }
    Ok((scheme.to_owned(), host, port))
}

#[allow(clippy::too_many_arguments)]
impl ClientConfig {
    pub fn validate(
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
    ) -> PyResult<Self> {
        let region = non_empty("region", region)?;
        let endpoint_arg = non_empty("endpoint_url", endpoint_url)?;
        // The AWS SDKs' standard variables, read here so they hold on every configuration path.
        let endpoint_url = endpoint_arg.clone().or_else(|| {
            ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"]
                .iter()
                .filter_map(|k| std::env::var(k).ok())
                .find(|v| !v.trim().is_empty())
        });
        if let Some(url) = &endpoint_url {
            parse_endpoint(url).map_err(PyValueError::new_err)?;
        }
        let access_key = non_empty("access_key", access_key)?;
        let secret_key = non_empty("secret_key", secret_key)?;
        match (&access_key, &secret_key) {
            (Some(_), None) => {
                return Err(PyValueError::new_err(
                    "access_key was given without secret_key",
                ))
            }
            (None, Some(_)) => {
                return Err(PyValueError::new_err(
                    "secret_key was given without access_key",
                ))
            }
            _ => {}
        }
        if session_token.is_some() && access_key.is_none() {
            return Err(PyValueError::new_err(
                "session_token needs access_key and secret_key",
            ));
        }
        let role_arn = non_empty("role_arn", role_arn)?;
        if let Some(arn) = &role_arn {
            if !arn.starts_with("arn:") {
                return Err(PyValueError::new_err(format!(
                    "role_arn must be an IAM role ARN, got {arn:?}"
                )));
            }
        }
        if role_arn.is_none() && (role_session_name.is_some() || external_id.is_some()) {
            return Err(PyValueError::new_err(
                "role_session_name and external_id need role_arn",
            ));
        }
        if let Some(n) = max_attempts {
            if !(1..=100).contains(&n) {
                return Err(PyValueError::new_err(format!(
                    "max_attempts must be from 1 to 100, got {n}"
                )));
            }
        }
        let retry_mode = match retry_mode.as_deref() {
            None | Some("standard") => Some(RetryMode::Standard),
            Some("adaptive") => Some(RetryMode::Adaptive),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "retry_mode must be 'standard' or 'adaptive', got {other:?}"
                )))
            }
        };
        if let Some(n) = max_connections {
            if n == 0 {
                return Err(PyValueError::new_err("max_connections must be at least 1"));
            }
        }
        let proxy_url = non_empty("proxy_url", proxy_url)?;
        if let Some(url) = &proxy_url {
            aws_smithy_http_client::proxy::ProxyConfig::all(url.as_str()).map_err(|e| {
                PyValueError::new_err(format!("proxy_url {url:?} is not usable: {e}"))
            })?;
        }
        Ok(ClientConfig {
            region,
            endpoint_url,
            endpoint_arg,
            profile: non_empty("profile", profile)?,
            access_key,
            secret_key,
            session_token,
            role_arn,
            role_session_name: non_empty("role_session_name", role_session_name)?,
            external_id: non_empty("external_id", external_id)?,
            connect_timeout: seconds("connect_timeout", connect_timeout)?,
            read_timeout: seconds("read_timeout", read_timeout)?,
            operation_timeout: seconds("operation_timeout", operation_timeout)?,
            max_attempts,
            retry_mode,
            max_connections,
            proxy_url,
        })
    }

    /// The region as known without I/O (argument, then environment).
    pub fn static_region(&self) -> Option<String> {
        self.region.clone().or_else(|| {
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .iter()
                .filter_map(|k| std::env::var(k).ok())
                .find(|v| !v.trim().is_empty())
        })
    }

    pub fn facts(&self, client_id: u64) -> ClientFacts {
        let region = self.static_region();
        let (server_address, server_port) = match &self.endpoint_url {
            Some(url) => match parse_endpoint(url) {
                Ok((scheme, name, _)) if scheme == "memory" => (Some(name), None),
                Ok((_, host, port)) => (Some(host), Some(port)),
                Err(_) => (None, None),
            },
            None => (
                region
                    .as_ref()
                    .map(|r| format!("dynamodb.{r}.amazonaws.com")),
                Some(443),
            ),
        };
        ClientFacts {
            client_id,
            region,
            server_address,
            server_port,
        }
    }

    fn retry_config(&self) -> RetryConfig {
        let base = match self.retry_mode {
            Some(RetryMode::Adaptive) => RetryConfig::adaptive(),
            _ => RetryConfig::standard(),
        };
        match self.max_attempts {
            Some(n) => base.with_max_attempts(n),
            None => base,
        }
    }

    fn timeout_config(&self) -> TimeoutConfig {
        let mut b = TimeoutConfig::builder();
        if let Some(d) = self.connect_timeout {
            b = b.connect_timeout(d);
        }
        if let Some(d) = self.read_timeout {
            b = b.read_timeout(d);
        }
        if let Some(d) = self.operation_timeout {
            b = b.operation_timeout(d);
        }
        b.build()
    }

    fn static_credentials(&self) -> Option<Credentials> {
        match (&self.access_key, &self.secret_key) {
            (Some(ak), Some(sk)) => Some(Credentials::new(
                ak,
                sk,
                self.session_token.clone(),
                None,
                "pydynox-explicit",
            )),
            _ => None,
        }
    }

    /// What every AWS client of this DynamoDB client shares: region, credentials (one provider and one
    /// identity cache for DynamoDB, KMS and S3), retries, timeouts and the proxy. Runs on the runtime;
    /// may read profile files or reach credential endpoints when the configuration asks for the
    /// standard chain. `memory`: for the embedded engine, which needs no real credentials or region.
    pub async fn base_config(&self, memory: bool) -> Result<SdkConfig, OpError> {
        let explicit = self
            .static_credentials()
            .filter(|_| self.profile.is_none() && self.role_arn.is_none());
        // The embedded engine needs no credentials and no real region: never reach for the
        // credential chain (files, IMDS) just to sign requests nobody checks.
        let (explicit, region) = if memory {
            (
                explicit.or_else(|| {
                    Some(Credentials::new(
                        "memory",
                        "memory",
                        None,
                        None,
                        "pydynox-memory",
                    ))
                }),
                self.static_region()
                    .or_else(|| Some("us-east-1".to_owned())),
            )
        } else {
            (explicit, self.static_region())
        };
        let mut builder = match (explicit, region) {
            (Some(creds), Some(region)) => SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(region))
                .credentials_provider(SharedCredentialsProvider::new(creds)),
            _ => {
                let sdk_config = self.load_shared_config().await?;
                if sdk_config.region().is_none() {
                    return Err(OpError::config(
                        "no AWS region: pass region=..., or set AWS_REGION, or configure one in the AWS profile",
                    ));
                }
                let mut b = sdk_config.to_builder();
                if let Some(role) = &self.role_arn {
                    let mut assume = aws_config::sts::AssumeRoleProvider::builder(role)
                        .session_name(
                            self.role_session_name
                                .clone()
                                .unwrap_or_else(|| "pydynox".to_owned()),
                        );
                    if let Some(ext) = &self.external_id {
                        assume = assume.external_id(ext);
                    }
                    let provider = assume.configure(&sdk_config).build().await;
                    b.set_credentials_provider(Some(SharedCredentialsProvider::new(provider)));
                }
                b
            }
        };
        builder = builder
            .retry_config(self.retry_config())
            .timeout_config(self.timeout_config())
            .stalled_stream_protection(stalled_stream_protection());
        if let Some(proxy) = &self.proxy_url {
            builder = builder.http_client(proxy_http_client(proxy)?);
        }
        Ok(builder.build())
    }

    /// Builds the DynamoDB client, and hands back the shared configuration it was built from (None
    /// for the embedded engine, whose configuration is no use to other AWS services).
    pub async fn build(&self) -> Result<(aws_sdk_dynamodb::Client, Option<SdkConfig>), OpError> {
        let memory = self
            .endpoint_url
            .as_deref()
            .and_then(crate::local::parse_memory_url)
            .transpose()
            .map_err(OpError::config)?;
        let base = self.base_config(memory.is_some()).await?;
        let mut builder = aws_sdk_dynamodb::config::Builder::from(&base)
            .interceptor(AttemptTracker)
            .interceptor(RequestHooks);
        if let Some(name) = &memory {
            builder = builder.endpoint_url("http://localhost").http_client(
                crate::local::transport::http_client(crate::local::instance(name)),
            );
        } else if let Some(url) = &self.endpoint_url {
            builder = builder.endpoint_url(url.trim_end_matches('/'));
            if url.starts_with("http://") && self.proxy_url.is_none() && !proxy_in_environment() {
                // A plain-HTTP endpoint (a local server) needs no TLS. The SDK's default client
                // loads every system root certificate on the first request (milliseconds of a
                // cold start) for a handshake that never happens.
                builder = builder.http_client(aws_smithy_http_client::Builder::new().build_http());
            }
        }
        let client = aws_sdk_dynamodb::Client::from_conf(builder.build());
        Ok((client, memory.is_none().then_some(base)))
    }

    async fn load_shared_config(&self) -> Result<aws_config::SdkConfig, OpError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(creds) = self.static_credentials() {
            loader = loader.credentials_provider(creds);
        }
        Ok(loader.load().await)
    }
}

/// The SDK's protection against stalled streams, for response bodies only. DynamoDB request bodies
/// are in memory and at most a few megabytes, handed to the socket at once; the upload check adds
/// nothing for them, yet it wakes the runtime every 100 ms for as long as an answer is awaited (the
/// SDK measures upload throughput until the response starts), which cost about 2.5 ms of CPU per
/// second of waiting. A server that does not answer is bounded by `read_timeout` and
/// `operation_timeout`.
fn stalled_stream_protection() -> StalledStreamProtectionConfig {
    StalledStreamProtectionConfig::enabled()
        .upload_enabled(false)
        .grace_period(Duration::from_secs(5))
        .build()
}

/// Whether a proxy is configured through the environment, which the SDK's default client honours
/// (and which may itself need TLS): then the default client is kept.
fn proxy_in_environment() -> bool {
    [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()))
}

fn proxy_http_client(
    url: &str,
) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, OpError> {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, Connector};
    let proxy =
        ProxyConfig::all(url).map_err(|e| OpError::config(format!("proxy_url {url:?}: {e}")))?;
    Ok(
        Builder::new().build_with_connector_fn(move |settings, _components| {
            let mut b = Connector::builder()
                .proxy_config(proxy.clone())
                .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new());
            if let Some(s) = settings {
                b = b.connector_settings(s.clone());
            }
            b.tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build()
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_endpoint;

    #[test]
    fn endpoints() {
        assert_eq!(parse_endpoint("http://127.0.0.1:8000").unwrap().2, 8000);
        assert_eq!(
            parse_endpoint("https://dynamodb.eu-west-1.amazonaws.com/")
                .unwrap()
                .2,
            443
        );
        assert_eq!(parse_endpoint("http://[::1]:9000").unwrap().1, "::1");
        assert!(parse_endpoint("localhost:8000").is_err());
        assert!(parse_endpoint("ftp://x").is_err());
        assert!(parse_endpoint("http://:80").is_err());
        assert!(parse_endpoint("http://h:notaport").is_err());
    }
}
