//! `WeChatCloud`: WeChat cloud's server-side `invokeCloudFunction` with a managed access_token, delegated to
//! [`minicloud_core::wechat`]. (Server-side only: an app secret must never ship inside a client.)

use minicloud_core::cancellable;
use minicloud_core::wechat::{TokenMode, WeChatCloud, WeChatConfig, WeChatError, WeChatErrorKind};
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::CancelToken;

/// The configuration of a [`NativeWeChatCloud`], as the JS wrapper passes it.
#[napi(object, object_to_js = false)]
pub struct NativeWeChatConfig {
    /// The mini-program's app ID.
    pub app_id: String,
    /// The app secret (never printed or echoed).
    pub app_secret: String,
    /// The cloud environment ID.
    pub env: String,
    /// WeChat's API base URL (default `https://api.weixin.qq.com`).
    pub base_url: Option<String>,
    /// `"stable"` (default) or `"classic"`.
    pub token_mode: Option<String>,
    /// Time limit of each request, in milliseconds.
    pub timeout_ms: Option<f64>,
}

/// The fields of the core's `WeChatError`, as the JS wrapper receives them.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeWeChatError {
    /// WeChat's errcode (`null` when WeChat never answered).
    pub errcode: Option<i64>,
    /// WeChat's errmsg, or the cause.
    pub errmsg: String,
    /// `auth`, `config`, `quota`, `system`, `function`, `invalid_argument`, `network`, `timeout`, `cancelled`, ...
    pub kind: String,
    /// Whether trying again later may succeed.
    pub retryable: bool,
    /// The whole message (`"-504002: ... (function)"`).
    pub message: String,
}

impl From<&WeChatError> for NativeWeChatError {
    fn from(e: &WeChatError) -> Self {
        NativeWeChatError {
            errcode: e.errcode,
            errmsg: e.errmsg.clone(),
            kind: e.kind.as_str().to_owned(),
            retryable: e.retryable(),
            message: e.to_string(),
        }
    }
}

/// What a WeChat call ended with: `result` (the decoded `resp_data` as JSON text) or `error`.
#[napi(object)]
pub struct WeChatOutcome {
    /// `resp_data` decoded, as JSON text.
    pub result: Option<String>,
    /// The error, when the call failed.
    pub error: Option<NativeWeChatError>,
}

fn invalid(text: impl std::fmt::Display) -> WeChatError {
    WeChatError::local(WeChatErrorKind::InvalidArgument, text.to_string())
}

fn build(config: NativeWeChatConfig) -> Result<WeChatCloud, WeChatError> {
    let mut core = WeChatConfig::new(config.app_id, config.app_secret, config.env);
    if let Some(url) = config.base_url {
        core = core.with_base_url(url);
    }
    match config.token_mode.as_deref() {
        None | Some("stable") => {}
        Some("classic") => core = core.with_token_mode(TokenMode::Classic),
        Some(other) => return Err(invalid(format!("tokenMode must be \"stable\" or \"classic\", got {other:?}"))),
    }
    if let Some(ms) = config.timeout_ms {
        // The core's one rule for time limits.
        core.timeout = minicloud_core::limits::time_limit("timeoutMs", ms).map_err(|e| invalid(e.message()))?;
    }
    WeChatCloud::builder(core).build()
}

/// The core's invalid-argument `WeChatError` for a value the JS wrapper cannot convert.
#[napi(catch_unwind)]
pub fn wechat_invalid_argument(text: String) -> NativeWeChatError {
    NativeWeChatError::from(&invalid(text))
}

/// A WeChat cloud client (the native half of the JS `WeChatCloud` class).
#[napi]
pub struct NativeWeChatCloud {
    client: Result<WeChatCloud, WeChatError>,
}

#[napi]
impl NativeWeChatCloud {
    /// Builds a client; a bad configuration is reported by [`NativeWeChatCloud::init_error`].
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeWeChatConfig) -> Self {
        NativeWeChatCloud { client: build(config) }
    }

    /// The configuration error, if the client could not be built.
    #[napi(catch_unwind)]
    pub fn init_error(&self) -> Option<NativeWeChatError> {
        self.client.as_ref().err().map(NativeWeChatError::from)
    }

    /// `invokeCloudFunction(name, event)`: `event_json` is the event as JSON text (`{}` when absent).
    #[napi(ts_return_type = "Promise<WeChatOutcome>", catch_unwind)]
    pub fn invoke_cloud_function<'env>(
        &self,
        env: &'env Env,
        name: String,
        event_json: Option<String>,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, WeChatOutcome>> {
        let client = self.client.clone();
        let cancelled = cancel.map(CancelToken::cancelled);
        env.spawn_future(async move {
            let result = match client {
                Err(e) => Err(e),
                Ok(client) => {
                    let run = client.invoke_cloud_function(&name, event_json.as_deref());
                    match cancelled {
                        Some(cancelled) => cancellable(run, cancelled).await,
                        None => run.await,
                    }
                }
            };
            Ok(match result {
                Ok(value) => WeChatOutcome { result: Some(value.to_string()), error: None },
                Err(e) => WeChatOutcome { result: None, error: Some(NativeWeChatError::from(&e)) },
            })
        })
    }
}
