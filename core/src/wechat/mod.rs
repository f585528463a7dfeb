//! WeChat cloud development's server-side HTTP API: `invokeCloudFunction` with a managed access_token
//! (PROTOCOL.md §2). For servers only: an app secret must never ship inside a client, so the wasm bindings
//! do not expose this.

mod error;
mod token;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use error::{WeChatError, WeChatErrorKind};
pub use token::{refresh_margin, AccessToken, TokenCache, TokenEndpoint, TokenMode, TokenSource};

use crate::clock::{Clock, SystemClock};
use crate::timer::Timer;
use crate::transport::{HttpRequest, Method, Transport};

/// WeChat's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// Percent-encodes query pairs (`application/x-www-form-urlencoded`).
pub(crate) fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// Where the client gets its tokens.
#[derive(Clone)]
pub enum Credentials {
    /// From WeChat's token endpoint with the app's ID and secret.
    AppSecret {
        /// The mini-program's app ID.
        app_id: String,
        /// The app secret (never printed).
        app_secret: String,
        /// Stable (default) or classic token.
        mode: TokenMode,
    },
    /// From the app's own token service (a team's central token server).
    Source(Arc<dyn TokenSource>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AppSecret { app_id, mode, .. } => f
                .debug_struct("AppSecret")
                .field("app_id", app_id)
                .field("app_secret", &crate::redact::REDACTED)
                .field("mode", mode)
                .finish(),
            Credentials::Source(_) => f.write_str("Source(..)"),
        }
    }
}

/// The configuration of a [`WeChatCloud`] client.
#[derive(Debug, Clone)]
pub struct WeChatConfig {
    /// Where tokens come from.
    pub credentials: Credentials,
    /// The cloud environment ID.
    pub env: String,
    /// WeChat's API base URL (default [`DEFAULT_BASE_URL`]; a local engine in development).
    pub base_url: String,
    /// Time limit of each request (the function itself has WeChat's 5 s limit).
    pub timeout: Duration,
    /// How many times a system error (-1, -1000) is retried, with doubling backoff from 200 ms.
    pub max_system_retries: u32,
}

impl WeChatConfig {
    /// A config with the app's ID and secret, the stable token, and the defaults.
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<String>, env: impl Into<String>) -> Self {
        WeChatConfig {
            credentials: Credentials::AppSecret {
                app_id: app_id.into(),
                app_secret: app_secret.into(),
                mode: TokenMode::Stable,
            },
            env: env.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: Duration::from_secs(10),
            max_system_retries: 3,
        }
    }

    /// A config whose tokens come from the app's own token service.
    pub fn with_token_source(source: Arc<dyn TokenSource>, env: impl Into<String>) -> Self {
        WeChatConfig { credentials: Credentials::Source(source), ..Self::new("", "", env) }
    }

    /// Sets the API base URL.
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Uses the classic token endpoint instead of the stable one.
    pub fn with_token_mode(mut self, mode: TokenMode) -> Self {
        if let Credentials::AppSecret { mode: m, .. } = &mut self.credentials {
            *m = mode;
        }
        self
    }
}

/// A WeChat cloud client: `invokeCloudFunction` with the token managed for you. Cheap to clone.
#[derive(Clone)]
pub struct WeChatCloud {
    inner: Arc<Inner>,
}

struct Inner {
    config: WeChatConfig,
    transport: Arc<dyn Transport>,
    tokens: TokenCache,
    timer: Option<Arc<dyn Timer>>,
}

impl fmt::Debug for WeChatCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatCloud").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// Builds a [`WeChatCloud`]; unset parts default to the reqwest transport, the system clock and the tokio
/// timer on native targets.
pub struct WeChatCloudBuilder {
    config: WeChatConfig,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
    timer: Option<Arc<dyn Timer>>,
}

impl WeChatCloudBuilder {
    /// Uses this transport.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Expires tokens by this clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Waits between retries with this timer.
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = Some(timer);
        self
    }

    /// Checks the config (an env, an app ID and secret when they are the credentials, an http(s) base URL) and
    /// builds the client.
    // On wasm32 the host's parts are not Send/Sync (one JS thread); the Arc is for sharing, not threads.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<WeChatCloud, WeChatError> {
        let config = self.config;
        let invalid = |m: &str| Err(WeChatError::local(WeChatErrorKind::InvalidArgument, m));
        if config.env.is_empty() {
            return invalid("env must be a non-empty string");
        }
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return invalid("base URL must start with http:// or https://");
        }
        if config.timeout.is_zero() {
            return invalid("time limit must be greater than zero");
        }
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let source: Arc<dyn TokenSource> = match &config.credentials {
            Credentials::AppSecret { app_id, app_secret, mode } => {
                if app_id.is_empty() || app_secret.is_empty() {
                    return invalid("app ID and app secret must be non-empty strings");
                }
                Arc::new(TokenEndpoint {
                    transport: transport.clone(),
                    base_url: config.base_url.clone(),
                    app_id: app_id.clone(),
                    app_secret: app_secret.clone(),
                    mode: *mode,
                    timeout: config.timeout,
                })
            }
            Credentials::Source(source) => source.clone(),
        };
        Ok(WeChatCloud {
            inner: Arc::new(Inner {
                tokens: TokenCache::new(source, clock),
                timer: self.timer.or_else(default_timer),
                config,
                transport,
            }),
        })
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
fn default_transport() -> Result<Arc<dyn Transport>, WeChatError> {
    Ok(Arc::new(crate::transport::ReqwestTransport::new()?))
}

#[cfg(not(all(not(target_arch = "wasm32"), feature = "reqwest-transport")))]
fn default_transport() -> Result<Arc<dyn Transport>, WeChatError> {
    Err(WeChatError::local(WeChatErrorKind::InvalidArgument, "no transport: this build has no default transport"))
}

#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
fn default_timer() -> Option<Arc<dyn Timer>> {
    Some(Arc::new(crate::timer::TokioTimer))
}

#[cfg(not(all(not(target_arch = "wasm32"), feature = "reqwest-transport")))]
fn default_timer() -> Option<Arc<dyn Timer>> {
    None
}

/// Whether a cloud function name is one WeChat accepts (letters, digits, `_`, `-`; 1 to 64 characters).
fn valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl WeChatCloud {
    /// Starts building a client.
    pub fn builder(config: WeChatConfig) -> WeChatCloudBuilder {
        WeChatCloudBuilder { config, transport: None, clock: None, timer: None }
    }

    /// The client's config.
    pub fn config(&self) -> &WeChatConfig {
        &self.inner.config
    }

    /// A valid access_token (cached; fetched once for all concurrent callers when due).
    pub async fn access_token(&self) -> Result<String, WeChatError> {
        self.with_system_retries(|| self.inner.tokens.token()).await
    }

    /// `invokeCloudFunction`: runs cloud function `name` with `event` (JSON text; `{}` when `None`) and returns
    /// `resp_data` decoded as JSON (its raw text as a JSON string when it is not JSON). On 40001/40014/42001 the
    /// token is refreshed once (one fetch for all concurrent callers) and the call retried once; -1/-1000 are
    /// retried with bounded backoff; everything else is the caller's [`WeChatError`].
    pub async fn invoke_cloud_function(&self, name: &str, event: Option<&str>) -> Result<Value, WeChatError> {
        if !valid_function_name(name) {
            return Err(WeChatError::local(
                WeChatErrorKind::InvalidArgument,
                format!("function name {name:?} is not valid: use 1-64 letters, digits, _ or -"),
            ));
        }
        let body = match event {
            None => b"{}".to_vec(),
            Some(text) => {
                let value: Value = serde_json::from_str(text).map_err(|e| {
                    WeChatError::local(WeChatErrorKind::InvalidArgument, format!("event is not valid JSON: {e}"))
                })?;
                serde_json::to_vec(&value).unwrap_or_default()
            }
        };
        let mut token = self.access_token().await?;
        let mut refreshed = false;
        let mut system_retries = 0;
        loop {
            match self.call_once(name, &token, &body).await {
                Err(e) if matches!(e.errcode, Some(40001 | 40014 | 42001)) && !refreshed => {
                    refreshed = true;
                    let force = e.errcode != Some(42001);
                    tracing::debug!(errcode = e.errcode, "access_token rejected; fetching a fresh one");
                    token = self.with_system_retries(|| self.inner.tokens.refresh(&token, force)).await?;
                }
                Err(e)
                    if e.kind == WeChatErrorKind::System && system_retries < self.inner.config.max_system_retries =>
                {
                    let Some(timer) = &self.inner.timer else { return Err(e) };
                    timer.sleep(backoff(system_retries)).await;
                    system_retries += 1;
                }
                other => return other,
            }
        }
    }

    async fn with_system_retries<'a, F, Fut>(&'a self, mut attempt: F) -> Result<String, WeChatError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<String, WeChatError>> + 'a,
    {
        let mut retries = 0;
        loop {
            match attempt().await {
                Err(e) if e.kind == WeChatErrorKind::System && retries < self.inner.config.max_system_retries => {
                    let Some(timer) = &self.inner.timer else { return Err(e) };
                    timer.sleep(backoff(retries)).await;
                    retries += 1;
                }
                other => return other,
            }
        }
    }

    async fn call_once(&self, name: &str, token: &str, body: &[u8]) -> Result<Value, WeChatError> {
        let config = &self.inner.config;
        let query = query(&[("access_token", token), ("env", &config.env), ("name", name)]);
        let request = HttpRequest {
            method: Method::Post,
            url: format!("{}/tcb/invokecloudfunction?{query}", config.base_url.trim_end_matches('/')),
            headers: Vec::new(),
            body: Some(body.to_vec()),
            timeout: config.timeout,
            max_response_bytes: 8 * 1024 * 1024,
        };
        let response = self.inner.transport.send(request).await?;
        let answer: Value = serde_json::from_slice(&response.body).map_err(|_| {
            WeChatError::local(
                WeChatErrorKind::InvalidResponse,
                format!("invokecloudfunction answered HTTP {} with a body that is not JSON", response.status),
            )
        })?;
        let errcode = answer.get("errcode").and_then(Value::as_i64).unwrap_or(0);
        if errcode != 0 {
            let errmsg = answer.get("errmsg").and_then(Value::as_str).unwrap_or("");
            return Err(WeChatError::from_errcode(errcode, errmsg));
        }
        Ok(match answer.get("resp_data") {
            Some(Value::String(text)) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())),
            Some(other) => other.clone(),
            None => Value::Null,
        })
    }
}

/// 200 ms, 400 ms, 800 ms, ... capped at 5 s.
fn backoff(retry: u32) -> Duration {
    Duration::from_millis(200u64.saturating_mul(1 << retry.min(5)).min(5000))
}
