//! WeChat cloud development's server-side HTTP API: `invokeCloudFunction` with a managed access_token
//! (PROTOCOL.md §2), as a thin async loop over the protocol [`WeChatMachine`] (every rule lives there).
//! For servers only: an app secret must never ship inside a client, so the wasm bindings do not expose this.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use crate::machine::token::refresh_margin;
pub use crate::machine::wechat::{AccessToken, TokenMode, WeChatError, WeChatErrorKind, DEFAULT_BASE_URL};
use crate::machine::wechat::{Config, Tokens, WeChatMachine, WeChatOp, DEFAULT_TIMEOUT};

use crate::clock::{Clock, SystemClock};
use crate::drive::{Driver, Parts, TracingLogger};
use crate::host::NoHost;
use crate::timer::{default_timer, Timer};
use crate::transport::Transport;
use crate::BoxFuture;

/// Where tokens come from when not from WeChat itself: an app's own central token service.
pub trait TokenSource: crate::MaybeSend + crate::MaybeSync {
    /// Fetches a token. `force_refresh` asks for a new token even if the current one has not expired (sent when
    /// WeChat has said the current one is invalid).
    fn fetch_token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, WeChatError>>;
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
    /// Time limit of a whole call: token fetch, the call, a token refresh and retries together (the function
    /// itself has WeChat's 5 s limit).
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
            timeout: DEFAULT_TIMEOUT,
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

    /// The machine's form of this config (tokens from a source are asked for with `FetchToken`).
    fn to_machine(&self) -> Config {
        let tokens = match &self.credentials {
            Credentials::AppSecret { app_id, app_secret, mode } => {
                Tokens::AppSecret { app_id: app_id.clone(), app_secret: app_secret.clone(), mode: *mode }
            }
            Credentials::Source(_) => Tokens::External,
        };
        Config {
            tokens,
            env: self.env.clone(),
            base_url: self.base_url.clone(),
            timeout: self.timeout,
            max_system_retries: self.max_system_retries,
        }
    }
}

/// A WeChat cloud client: `invokeCloudFunction` with the token managed for you. Cheap to clone.
#[derive(Clone)]
pub struct WeChatCloud {
    driver: Arc<Driver<WeChatMachine>>,
    config: Arc<WeChatConfig>,
}

impl fmt::Debug for WeChatCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatCloud").field("config", &self.config).finish_non_exhaustive()
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

    /// Waits between retries, and ends calls at their deadline, with this timer.
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = Some(timer);
        self
    }

    /// Checks the config (an env, an app ID and secret when they are the credentials, an http(s) base URL,
    /// the time limit) and builds the client.
    // On wasm32 the host's parts are not Send/Sync (one JS thread); the Arc is for sharing, not threads.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<WeChatCloud, WeChatError> {
        let machine = WeChatMachine::new(self.config.to_machine())?;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        let tokens = match &self.config.credentials {
            Credentials::Source(source) => Some(source.clone()),
            Credentials::AppSecret { .. } => None,
        };
        let parts = Parts {
            transport,
            host: Arc::new(NoHost),
            tokens,
            store: None,
            timer: self.timer.or_else(default_timer),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            logger: Arc::new(TracingLogger),
        };
        Ok(WeChatCloud { driver: Arc::new(Driver::new(machine, parts)), config: Arc::new(self.config) })
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

impl WeChatCloud {
    /// Starts building a client.
    pub fn builder(config: WeChatConfig) -> WeChatCloudBuilder {
        WeChatCloudBuilder { config, transport: None, clock: None, timer: None }
    }

    /// The client's config.
    pub fn config(&self) -> &WeChatConfig {
        &self.config
    }

    async fn run(&self, op: WeChatOp) -> Result<String, WeChatError> {
        let call = self.driver.with(|machine, now| machine.start(op, now));
        self.driver.run(call).await
    }

    /// A valid access_token (cached; fetched once for all concurrent callers when due).
    pub async fn access_token(&self) -> Result<String, WeChatError> {
        self.run(WeChatOp::AccessToken).await
    }

    /// `invokeCloudFunction`: runs cloud function `name` with `event` (JSON text; `{}` when `None`) and returns
    /// `resp_data` decoded as JSON (its raw text as a JSON string when it is not JSON). On 40001/40014/42001 the
    /// token is refreshed once (one fetch for all concurrent callers) and the call retried once; -1/-1000 are
    /// retried with bounded backoff; every other errcode, and any non-2xx answer, is the caller's
    /// [`WeChatError`], final.
    pub async fn invoke_cloud_function(&self, name: &str, event: Option<&str>) -> Result<Value, WeChatError> {
        let op = WeChatOp::InvokeCloudFunction { name: name.to_owned(), event_json: event.map(str::to_owned) };
        let text = self.run(op).await?;
        serde_json::from_str(&text)
            .map_err(|e| WeChatError::local(WeChatErrorKind::InvalidResponse, format!("resp_data cannot be read: {e}")))
    }

    /// Forgets the cached token (the next call fetches one).
    pub fn clear_token(&self) {
        self.driver.with(|machine, _| machine.clear_token());
    }
}
