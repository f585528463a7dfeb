//! # minicloud-node
//!
//! The Node.js binding of minicloud (napi-rs). A thin layer: it converts JS values to the core's types,
//! delegates every call to [`minicloud_core::Client`], and converts the outcome back. The JS wrapper
//! (`index.js`) gives it the official SDK's shape (`BaaS.init`, `BaaS.invoke`, `BaaS.auth.*`) and the
//! `Client` class; this crate is the native part it loads.
//!
//! - Calls run on napi's tokio runtime (one per process); the Node event loop is never blocked.
//! - Each client owns one [`ReqwestTransport`] (pooled keep-alive connections) shared by all its calls.
//! - Calls never throw or reject from here: they resolve to an [`Outcome`] holding the result's JSON text or
//!   the core's [`HError`] fields, which the JS wrapper turns into a value or an `HError` instance.
//! - A panic never crosses into Node: exported functions are `catch_unwind`, and napi-rs turns a panicking
//!   future into a rejected promise.

#![deny(clippy::all)]
#![warn(missing_docs)]

pub mod log;
pub mod minapp_server;
pub mod wechat;

use std::sync::Arc;
use std::time::Duration;

use minicloud_core::machine::json;
use minicloud_core::{
    cancellable, limits, AutoLogin, BoxFuture, Client, ClientConfig, Credentials, CurrentUser, FileStore, FixedClock,
    HError, Host, Invocation, LoginCodeAnswer, MemoryStore, Platform, SessionStore,
};
use napi::bindgen_prelude::{Promise, PromiseRaw};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::{Env, JsValue, Status, Unknown, ValueType};
use napi_derive::napi;
use serde_json::Value;

/// The fields of the core's `HError`, as the JS wrapper receives them.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeError {
    /// The official SDK's code (an HTTP status or a 6xx code).
    pub code: u32,
    /// `"{code}: {text}"`, exactly as the core words it.
    pub message: String,
    /// Machine-readable kind (`network`, `timeout`, `cancelled`, `invalid_argument`, ...).
    pub kind: String,
    /// The HTTP status, when the server answered.
    pub status: Option<u32>,
    /// The server's request id, when it sent one.
    pub request_id: Option<String>,
    /// Whether sending the same call again may succeed.
    pub retryable: bool,
    /// The raw error body or the transport's cause, secrets removed.
    pub details: Option<Value>,
}

impl From<&HError> for NativeError {
    fn from(e: &HError) -> Self {
        NativeError {
            code: e.code(),
            message: e.message().to_owned(),
            kind: e.kind().as_str().to_owned(),
            status: e.status().map(u32::from),
            request_id: e.request_id().map(str::to_owned),
            retryable: e.retryable(),
            details: e.details(),
        }
    }
}

/// What a call ended with: `result` (JSON text of the resolved value) or `error`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The resolved value as JSON text (the server's body, unchanged, for invoke).
    pub result: Option<String>,
    /// The error, when the call failed.
    pub error: Option<NativeError>,
}

impl Outcome {
    fn from_result(result: Result<Value, HError>) -> Self {
        match result {
            Ok(value) => Outcome { result: Some(value.to_string()), error: None },
            Err(e) => Outcome::failed(&e),
        }
    }

    fn failed(e: &HError) -> Self {
        Outcome { result: None, error: Some(e.into()) }
    }
}

/// The core's HError 605 (`invalid_argument`) for a problem the JS wrapper found while converting an
/// argument (e.g. an options object of the wrong type), so every error comes from the core.
#[napi(catch_unwind)]
pub fn invalid_argument(text: String) -> NativeError {
    (&HError::invalid_argument(text)).into()
}

/// The core's HError 602: a `BaaS` call before `BaaS.init`.
#[napi(catch_unwind)]
pub fn uninitialized_error() -> NativeError {
    (&HError::uninitialized()).into()
}

/// The host's one-time login code hook: an async JS function resolving to a string.
type LoginCodeHook = ThreadsafeFunction<(), Promise<String>, (), Status, false, true>;

/// A client's configuration as the JS wrapper passes it (already type-checked there; values are checked
/// again by the core).
#[napi(object, object_to_js = false)]
pub struct NativeConfig {
    /// The 知晓云 client ID.
    pub client_id: String,
    /// API base URL (`https://{clientId}.myminapp.com` when absent).
    pub host: Option<String>,
    /// `X-Hydrogen-Env-ID`.
    pub env: Option<String>,
    /// Platform short name (`node` when absent; `wx`, `web`, ...).
    pub platform: Option<String>,
    /// `disabled` (default), `silent`, `anonymous` or `password`.
    pub auto_login: Option<String>,
    /// With `auto_login: "password"`: the `{username|email|phone, password}` object as JSON text.
    pub auto_login_credentials: Option<String>,
    /// Keep the session in this JSON file instead of memory.
    pub session_file: Option<String>,
    /// Time limit of a sync invoke, ms.
    pub sync_timeout_ms: Option<f64>,
    /// Time limit of an async invoke, ms.
    pub async_timeout_ms: Option<f64>,
    /// Time limit of login and session requests, ms.
    pub auth_timeout_ms: Option<f64>,
    /// Largest request body sent, bytes.
    pub max_request_bytes: Option<f64>,
    /// Largest response body read, bytes.
    pub max_response_bytes: Option<f64>,
    /// Fixes the session clock at this epoch second (tests).
    pub now_secs: Option<f64>,
    /// ByteDance `appName`, sent lower-cased with `tt` silent login.
    pub app_name: Option<String>,
    /// The host's one-time login code (silent login): `async () => string`.
    #[napi(ts_type = "() => Promise<string>")]
    pub login_code: Option<LoginCodeHook>,
}

/// A non-negative whole number of seconds from a JS number (the test clock); anything else is HError 605.
fn whole_seconds(value: f64, name: &str) -> Result<i64, HError> {
    if !value.is_finite() || value < 0.0 || value.fract() != 0.0 || value > i64::MAX as f64 {
        return Err(HError::invalid_argument(format!("{name} must be a non-negative whole number, got {value}")));
    }
    Ok(value as i64)
}

/// A time limit in milliseconds, by the core's one rule for every binding.
fn millis(value: f64, name: &str) -> Result<Duration, HError> {
    limits::time_limit(name, value)
}

/// A size limit in bytes, by the core's one rule for every binding.
fn bytes(value: f64, name: &str) -> Result<usize, HError> {
    limits::size_limit(name, value).map(|n| n as usize)
}

/// The Node host: the optional login-code hook and app name; no network state (never reports offline).
struct NodeHost {
    login_code: Option<LoginCodeHook>,
    app_name: Option<String>,
}

impl Host for NodeHost {
    fn login_code(&self) -> BoxFuture<'_, LoginCodeAnswer> {
        Box::pin(async move {
            let Some(hook) = &self.login_code else {
                return LoginCodeAnswer::Unavailable;
            };
            let failed = |e: napi::Error| LoginCodeAnswer::Failed(format!("loginCode hook failed: {}", e.reason));
            let promise = match hook.call_async(()).await {
                Ok(promise) => promise,
                Err(e) => return failed(e),
            };
            match promise.await {
                Ok(code) => LoginCodeAnswer::Code { code, app_name: None },
                Err(e) => failed(e),
            }
        })
    }

    fn app_name(&self) -> Option<String> {
        self.app_name.clone()
    }
}

fn build_client(config: NativeConfig) -> Result<Client, HError> {
    let platform: Platform = match &config.platform {
        Some(p) => p.parse()?,
        None => Platform::Node,
    };
    let mut core = ClientConfig::new(config.client_id, platform);
    core.host = config.host;
    core.env = config.env;
    // The core's one parser of the option: a mode name, or the credentials object as JSON text.
    core.auto_login = match config.auto_login.as_deref() {
        None => AutoLogin::Disabled,
        Some("password") => AutoLogin::from_json(config.auto_login_credentials.as_deref().unwrap_or("null"))?,
        Some(mode) => AutoLogin::from_json(&json::string(mode))?,
    };
    if let Some(ms) = config.sync_timeout_ms {
        core.sync_timeout = millis(ms, "syncTimeoutMs")?;
    }
    if let Some(ms) = config.async_timeout_ms {
        core.async_timeout = millis(ms, "asyncTimeoutMs")?;
    }
    if let Some(ms) = config.auth_timeout_ms {
        core.auth_timeout = millis(ms, "authTimeoutMs")?;
    }
    if let Some(n) = config.max_request_bytes {
        core.max_request_bytes = bytes(n, "maxRequestBytes")?;
    }
    if let Some(n) = config.max_response_bytes {
        core.max_response_bytes = bytes(n, "maxResponseBytes")?;
    }
    let store: Arc<dyn SessionStore> = match &config.session_file {
        Some(path) => Arc::new(FileStore::open(path)?),
        None => Arc::new(MemoryStore::new()),
    };
    let mut builder = Client::builder(core)
        .store(store)
        .host(Arc::new(NodeHost { login_code: config.login_code, app_name: config.app_name }));
    if let Some(now) = config.now_secs {
        builder = builder.clock(Arc::new(FixedClock(whole_seconds(now, "nowSecs")?)));
    }
    builder.build()
}

/// Cancels the calls it is passed to: the JS wrapper calls [`CancelToken::cancel`] when the caller's
/// `AbortSignal` fires. A call whose token is already cancelled sends nothing.
#[napi]
pub struct CancelToken {
    sender: tokio::sync::watch::Sender<bool>,
}

#[napi]
impl CancelToken {
    /// A token not cancelled yet.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelToken { sender: tokio::sync::watch::channel(false).0 }
    }

    /// Cancels every call this token was passed to.
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.sender.send_replace(true);
    }
}

impl CancelToken {
    /// A future that completes when the token is cancelled (never, if the token is gone first).
    fn cancelled(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut receiver = self.sender.subscribe();
        async move {
            if receiver.wait_for(|cancelled| *cancelled).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// The JSON stand-in of a JS argument whose type the core checks (`name`, `sync`); `None` for `undefined`.
/// JS types JSON has no value for (bigint, symbol, function) are refused here, naming the argument.
fn json_arg(value: &Unknown<'_>, what: &str, expected: &str) -> Result<Option<Value>, HError> {
    let kind = value.get_type().map_err(|e| HError::invalid_argument(format!("{what}: {}", e.reason)))?;
    let read = |e: napi::Error| HError::invalid_argument(format!("{what}: {}", e.reason));
    Ok(Some(match kind {
        ValueType::Undefined => return Ok(None),
        ValueType::Null => Value::Null,
        ValueType::Boolean => Value::Bool(unsafe { value.cast::<bool>() }.map_err(read)?),
        ValueType::Number => {
            let n = unsafe { value.cast::<f64>() }.map_err(read)?;
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
        ValueType::String => Value::String(unsafe { value.cast::<String>() }.map_err(read)?),
        ValueType::Object => {
            if value.is_array().map_err(read)? {
                Value::Array(Vec::new())
            } else {
                Value::Object(serde_json::Map::new())
            }
        }
        other => {
            let name = match other {
                ValueType::Symbol => "a symbol",
                ValueType::Function => "a function",
                ValueType::BigInt => "a bigint",
                _ => "a value JSON cannot hold",
            };
            return Err(HError::incorrect_parameter(format!("{what} must be {expected}, got {name}")));
        }
    }))
}

/// The current user a login resolves to (the core's shape): `{userId, openid, unionid, isAnonymous,
/// expiresAt, profile}`, `profile` being what the official object's `toJSON()` gives.
fn login_json(user: CurrentUser) -> Value {
    serde_json::json!({
        "userId": user.user_id(),
        "openid": user.openid,
        "unionid": user.unionid,
        "isAnonymous": user.is_anonymous,
        "expiresAt": user.expires_at,
        "profile": user.profile(),
    })
}

/// A minicloud client (the native half of the JS `Client` class).
#[napi]
pub struct NativeClient {
    client: Result<Client, HError>,
}

#[napi]
impl NativeClient {
    /// Builds a client. A bad configuration does not throw here: [`NativeClient::init_error`] reports it,
    /// so the JS wrapper can throw an `HError`.
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeConfig) -> Self {
        NativeClient { client: build_client(config) }
    }

    /// The configuration error, if the client could not be built.
    #[napi(catch_unwind)]
    pub fn init_error(&self) -> Option<NativeError> {
        self.client.as_ref().err().map(NativeError::from)
    }

    /// The `X-Hydrogen-Client-Version` value this client sends.
    #[napi(getter)]
    pub fn client_version(&self) -> Option<String> {
        self.client.as_ref().ok().map(|c| c.config().client_version.clone())
    }

    fn client(&self) -> Result<Client, HError> {
        self.client.clone()
    }

    /// `invoke` / `invokeFunction`. `name` and `sync` are checked by the core (`Invocation::from_args`);
    /// `params_json` is the params as JSON text (absent: no `data`), or `params_problem` says why the JS
    /// value has no JSON form. `timeout_ms` overrides the mode's time limit; `cancel` cancels the call.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn invoke<'env>(
        &self,
        env: &'env Env,
        name: Unknown<'_>,
        params_json: Option<String>,
        params_problem: Option<String>,
        sync: Unknown<'_>,
        timeout_ms: Option<f64>,
        cancel: Option<&CancelToken>,
        deprecated_alias: Option<bool>,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        let prepared = (|| {
            let client = self.client()?;
            let name = json_arg(&name, "function name", "a string")?.unwrap_or(Value::Null);
            let sync = json_arg(&sync, "sync", "a boolean")?;
            if let Some(problem) = params_problem {
                return Err(HError::invalid_argument(format!("params cannot be encoded as JSON: {problem}")));
            }
            let params = match params_json {
                Some(text) => Some(
                    serde_json::from_str(&text)
                        .map_err(|e| HError::invalid_argument(format!("params cannot be encoded as JSON: {e}")))?,
                ),
                None => None,
            };
            let mut call = Invocation::from_args(&name, params, sync.as_ref())?;
            if let Some(ms) = timeout_ms {
                call = call.timeout(millis(ms, "timeoutMs")?);
            }
            Ok((client, call))
        })();
        let cancelled = cancel.map(CancelToken::cancelled);
        env.spawn_future(async move {
            let (client, call) = match prepared {
                Ok(p) => p,
                Err(e) => return Ok(Outcome::failed(&e)),
            };
            let run = async {
                if deprecated_alias == Some(true) {
                    client.invoke_function(call).await
                } else {
                    client.invoke(call).await
                }
            };
            let result = match cancelled {
                Some(cancelled) => cancellable(run, cancelled).await,
                None => run.await,
            };
            Ok(Outcome::from_result(result))
        })
    }

    /// Password login; `credentials_json` is `{username|email|phone, password}` as JSON text.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn login<'env>(&self, env: &'env Env, credentials_json: String) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.account_call(env, credentials_json, false)
    }

    /// Registration; `credentials_json` is `{username|email|phone, password}` as JSON text.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn register<'env>(&self, env: &'env Env, credentials_json: String) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.account_call(env, credentials_json, true)
    }

    fn account_call<'env>(
        &self,
        env: &'env Env,
        credentials_json: String,
        register: bool,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        let prepared = self.client().and_then(|client| Ok((client, Credentials::from_json(&credentials_json)?)));
        env.spawn_future(async move {
            let (client, credentials) = match prepared {
                Ok(p) => p,
                Err(e) => return Ok(Outcome::failed(&e)),
            };
            let result = if register { client.register(&credentials).await } else { client.login(&credentials).await };
            Ok(Outcome::from_result(result.map(login_json)))
        })
    }

    /// SMS login with a verification code.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn login_with_sms<'env>(
        &self,
        env: &'env Env,
        phone: String,
        code: String,
        create_user: bool,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        let client = self.client();
        env.spawn_future(async move {
            let result = match client {
                Ok(client) => client.login_with_sms(&phone, &code, create_user).await.map(login_json),
                Err(e) => Err(e),
            };
            Ok(Outcome::from_result(result))
        })
    }

    /// Anonymous login.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn anonymous_login<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Outcome>> {
        let client = self.client();
        env.spawn_future(async move {
            let result = match client {
                Ok(client) => client.anonymous_login().await.map(login_json),
                Err(e) => Err(e),
            };
            Ok(Outcome::from_result(result))
        })
    }

    /// Silent login with the `loginCode` hook's code (HError 611 on platforms without silent login).
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn silent_login<'env>(&self, env: &'env Env, create_user: bool) -> napi::Result<PromiseRaw<'env, Outcome>> {
        let client = self.client();
        env.spawn_future(async move {
            let result = match client {
                Ok(client) => client.silent_login(create_user).await.map(login_json),
                Err(e) => Err(e),
            };
            Ok(Outcome::from_result(result))
        })
    }

    /// Logout: destroys the session on the server, then clears it locally.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn logout<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Outcome>> {
        let client = self.client();
        env.spawn_future(async move {
            let result = match client {
                Ok(client) => client.logout().await.map(|()| Value::Null),
                Err(e) => Err(e),
            };
            Ok(Outcome::from_result(result))
        })
    }

    /// `clearSession`: forgets the session locally.
    #[napi(catch_unwind)]
    pub fn clear_session(&self) -> Option<NativeError> {
        match &self.client {
            Ok(client) => {
                client.clear_session();
                None
            }
            Err(e) => Some(e.into()),
        }
    }
}
