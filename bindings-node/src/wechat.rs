//! [`NativeWeChatMachine`]: the core's WeChat `invokeCloudFunction` machine ([`WeChatMachine`]: the
//! access_token cache and its one fetch, the errcode rules, backoff) for the JS event-loop driver, the same
//! way [`NativeMachine`](crate::machine::NativeMachine) serves the 知晓云 client. (Server-side only: an app
//! secret must never ship inside a client.)

use minicloud_core::machine::json;
use minicloud_core::machine::text::push_i64;
use minicloud_core::machine::wechat::{WeChatMachine, WeChatOp};
use minicloud_core::wechat::{AccessToken, TokenMode, WeChatConfig, WeChatError, WeChatErrorKind};
use napi::bindgen_prelude::Uint8ArraySlice;
use napi_derive::napi;

use crate::driven::{or_unbuilt, Driven};
use crate::step::{Clock, Outputs};

/// The configuration of a [`NativeWeChatMachine`], as the JS wrapper passes it.
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
    /// Time limit of a whole call, in milliseconds.
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
            message: e.describe(),
        }
    }
}

fn invalid(text: impl AsRef<str>) -> WeChatError {
    WeChatError::local(WeChatErrorKind::InvalidArgument, text)
}

/// The core's invalid-argument `WeChatError` for a value the JS wrapper cannot convert.
#[napi(catch_unwind)]
pub fn wechat_invalid_argument(text: String) -> NativeWeChatError {
    NativeWeChatError::from(&invalid(text))
}

fn build(config: NativeWeChatConfig) -> Result<WeChatMachine, WeChatError> {
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
    WeChatMachine::new(core.to_machine())
}

/// The fields of a `WeChatError` as JSON (the JS `WeChatError`'s): `errcode`, `errmsg`, `kind`, `retryable`,
/// `message`.
fn wechat_error_json(e: &WeChatError) -> String {
    json::ObjectWriter::new()
        .raw(
            "errcode",
            &e.errcode.map_or_else(
                || "null".to_owned(),
                |code| {
                    let mut text = String::new();
                    push_i64(&mut text, code);
                    text
                },
            ),
        )
        .string("errmsg", &e.errmsg)
        .string("kind", e.kind.as_str())
        .boolean("retryable", e.retryable())
        .string("message", &e.describe())
        .finish()
}

/// The core's WeChat machine, driven step by step from JS (the native half of the JS `WeChatCloud`).
/// Starting a call and feeding an outcome answer the call's next action.
#[napi]
pub struct NativeWeChatMachine {
    driven: Result<Driven<WeChatMachine>, WeChatError>,
}

#[napi]
impl NativeWeChatMachine {
    /// Builds the machine; a bad configuration is reported by [`NativeWeChatMachine::init_error`].
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeWeChatConfig) -> Self {
        let driven = build(config)
            .map(|machine| Driven::new(machine, Outputs::new(None), Clock::new(None), Some, wechat_error_json));
        NativeWeChatMachine { driven }
    }

    /// The configuration error, if the machine could not be built.
    #[napi(catch_unwind)]
    pub fn init_error(&self) -> Option<NativeWeChatError> {
        self.driven.as_ref().err().map(NativeWeChatError::from)
    }

    /// Starts `invokeCloudFunction(name, event)` — `event_json` is the event as JSON text (`{}` when absent) —
    /// and answers its first action (bad arguments: `DONE` with the error).
    #[napi(catch_unwind)]
    pub fn invoke_cloud_function(&mut self, name: String, event_json: Option<String>) -> String {
        or_unbuilt(&mut self.driven, wechat_error_json, |driven| {
            let now = driven.now();
            let call = driven.machine().start(WeChatOp::InvokeCloudFunction { name, event_json }, now);
            driven.first(call, now)
        })
    }

    /// The call's next action (after a `SLEEP`, or for a call a `wake` named); a `DONE` result is
    /// `resp_data` decoded, as JSON text.
    #[napi(catch_unwind)]
    pub fn next(&mut self, call: f64) -> String {
        or_unbuilt(&mut self.driven, wechat_error_json, |d| d.next(call))
    }

    /// Feeds the answer to a `SEND` (the status, Node's `res.rawHeaders` joined with `\n`, the whole body) and
    /// answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_response(&mut self, call: f64, status: u32, raw_headers: String, body: Uint8ArraySlice<'_>) -> String {
        or_unbuilt(&mut self.driven, wechat_error_json, |d| d.on_response(call, status, &raw_headers, &body))
    }

    /// Feeds the failure of a `SEND` (`kind` as for the 知晓云 machine) and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_transport_error(&mut self, call: f64, kind: String, message: String, limit: Option<f64>) -> String {
        or_unbuilt(&mut self.driven, wechat_error_json, |d| d.on_transport_error(call, &kind, &message, limit))
    }

    /// Feeds the app's token service's answer to `FETCH_TOKEN` (the token and its lifetime, or `failure`; neither:
    /// no token service) and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_token(
        &mut self,
        call: f64,
        token: Option<String>,
        expires_in: Option<f64>,
        failure: Option<String>,
    ) -> String {
        let answer = match (token, failure) {
            (Some(value), None) => Ok(AccessToken { value, expires_in: expires_in.unwrap_or(0.0) as i64 }),
            (_, failure) => Err(WeChatError::local(
                WeChatErrorKind::Config,
                failure.unwrap_or_else(|| "no token service configured".to_owned()),
            )),
        };
        or_unbuilt(&mut self.driven, wechat_error_json, |d| d.feed(call, |m, call, now| m.on_token(call, answer, now)))
    }

    /// The call's deadline timer fired: the machine ends it (`DONE` with a `timeout` error).
    #[napi(catch_unwind)]
    pub fn on_deadline(&mut self, call: f64) -> String {
        or_unbuilt(&mut self.driven, wechat_error_json, |d| d.on_deadline(call))
    }

    /// The caller cancelled the call: the machine forgets it (a token fetch it led passes to a waiting call:
    /// `pollOutput` names it), and this is the error to reject it with (kind `cancelled`).
    #[napi(catch_unwind)]
    pub fn cancel(&mut self, call: f64) -> NativeWeChatError {
        if let Ok(driven) = &mut self.driven {
            driven.cancel(call);
        }
        (&WeChatError::cancelled()).into()
    }

    /// The parked calls that can go on now (after a `cancel`), if any.
    #[napi(catch_unwind)]
    pub fn poll_output(&mut self) -> Option<Vec<f64>> {
        self.driven.as_mut().ok().and_then(Driven::take_wakes)
    }
}
