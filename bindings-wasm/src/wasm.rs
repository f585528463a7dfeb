//! The wasm-bindgen surface: `Client` and the JS-callback implementations of the core's I/O traits.
//!
//! Values cross the boundary as JSON (`JSON.stringify` / `JSON.parse` on the JS side of `js_sys`), so the
//! core sees exactly the `serde_json::Value`s a JSON caller would give it, and key order is kept.

use std::sync::Arc;
use std::time::Duration;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array, JSON};
use minicloud_core::machine::{LogEvent, LogLevel};
use minicloud_core::{
    limits, AutoLogin, BoxFuture, Client as CoreClient, ClientConfig, Credentials, CurrentUser, HError, Host,
    HttpRequest, HttpResponse, Invocation, Logger, LoginCodeAnswer, Platform, SessionStore, Timer, Transport,
    TransportError, TransportErrorKind,
};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

// ---------------------------------------------------------------------------------------------------------
// JS value helpers

/// `obj[key]`, or `undefined` when `obj` is not an object or reading throws.
fn prop(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A short description of a thrown JS value (its `message`, or its text).
fn js_message(value: &JsValue) -> String {
    if let Some(m) = prop(value, "message").as_string() {
        return m;
    }
    if let Some(s) = value.as_string() {
        return s;
    }
    JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "unknown JS error".to_owned())
}

/// A JS value as JSON: `None` for `undefined`; HError 605 naming `what` when it cannot be encoded (a
/// `BigInt`, a cycle, a function).
fn to_json(value: &JsValue, what: &str) -> Result<Option<Value>, HError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let text = JSON::stringify(value)
        .map_err(|e| HError::invalid_argument(format!("{what} cannot be encoded as JSON: {}", js_message(&e))))?;
    let Some(text) = text.as_string() else {
        return Err(HError::invalid_argument(format!("{what} cannot be encoded as JSON")));
    };
    // from_slice, like the core, so one JSON reader is compiled in.
    serde_json::from_slice(text.as_bytes())
        .map(Some)
        .map_err(|e| HError::invalid_argument(format!("{what} cannot be encoded as JSON: {e}")))
}

/// A JSON value as a plain JS value.
fn from_json(value: &Value) -> JsValue {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    JSON::parse(&text).unwrap_or(JsValue::NULL)
}

/// The JS error of an HError: an `Error` named `HError` with the official `code` and `message`, plus
/// `kind`, `status`, `requestId`, `retryable` and `details` (already free of secrets).
fn herror_to_js(error: HError) -> JsValue {
    let e = js_sys::Error::new(error.message());
    e.set_name("HError");
    let obj: &Object = e.as_ref();
    set(obj, "code", &JsValue::from_f64(error.code().into()));
    set(obj, "kind", &JsValue::from_str(error.kind().as_str()));
    set(obj, "status", &error.status().map_or(JsValue::NULL, |s| JsValue::from_f64(s.into())));
    set(obj, "requestId", &error.request_id().map_or(JsValue::NULL, JsValue::from_str));
    set(obj, "retryable", &JsValue::from_bool(error.retryable()));
    set(obj, "details", &error.details().as_ref().map_or(JsValue::NULL, from_json));
    e.into()
}

fn function(obj: &JsValue, key: &str) -> Option<Function> {
    prop(obj, key).dyn_into::<Function>().ok()
}

fn required_function(obj: &JsValue, key: &str) -> Result<Function, HError> {
    function(obj, key).ok_or_else(|| HError::invalid_argument(format!("host adapter must supply a {key}() function")))
}

/// A time limit given in milliseconds, by the core's one rule (a non-number is NaN to it).
fn millis(value: &JsValue, what: &str) -> Result<Option<Duration>, HError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    limits::time_limit(what, value.as_f64().unwrap_or(f64::NAN)).map(Some)
}

/// A byte limit, by the core's one rule (a non-number is NaN to it).
fn byte_limit(value: &JsValue, what: &str) -> Result<Option<usize>, HError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    limits::size_limit(what, value.as_f64().unwrap_or(f64::NAN)).map(|n| Some(n as usize))
}

/// The current user a login resolves to: `{userId, openid, unionid, isAnonymous, expiresAt, profile}`.
fn login_result_to_js(user: CurrentUser) -> JsValue {
    let obj = Object::new();
    set(&obj, "userId", &user.user_id().as_ref().map_or(JsValue::NULL, from_json));
    set(&obj, "openid", &user.openid.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set(&obj, "unionid", &user.unionid.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set(&obj, "isAnonymous", &JsValue::from_bool(user.is_anonymous));
    set(&obj, "expiresAt", &user.expires_at.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)));
    set(&obj, "profile", &from_json(&user.profile()));
    obj.into()
}

// ---------------------------------------------------------------------------------------------------------
// Timer over setTimeout, log events over console.warn

/// The host's `setTimeout`: ends a call at its deadline while it waits for the host or another call.
struct JsTimer;

/// One `setTimeout`, cleared when the sleep is dropped early (a call that ended before its deadline must
/// not leave a timer keeping the host's event loop alive).
struct JsSleep {
    done: JsFuture,
    handle: JsValue,
}

impl std::future::Future for JsSleep {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        std::pin::Pin::new(&mut self.done).poll(cx).map(drop)
    }
}

impl Drop for JsSleep {
    fn drop(&mut self) {
        if let Some(clear) = function(&js_sys::global(), "clearTimeout") {
            let _ = clear.call1(&JsValue::NULL, &self.handle);
        }
    }
}

impl Timer for JsTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        let ms = duration.as_millis().min(i32::MAX as u128) as f64;
        let mut handle = JsValue::UNDEFINED;
        let promise = Promise::new(&mut |resolve, _reject| {
            if let Some(set_timeout) = function(&js_sys::global(), "setTimeout") {
                handle =
                    set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from_f64(ms)).unwrap_or(JsValue::UNDEFINED);
            }
        });
        Box::pin(JsSleep { done: JsFuture::from(promise), handle })
    }
}

/// The core's warnings (a deprecated API) on the host's `console.warn`.
struct ConsoleLogger;

impl Logger for ConsoleLogger {
    fn log(&self, event: &LogEvent) {
        if event.level != LogLevel::Warn {
            return;
        }
        if let Some(warn) = function(&prop(&js_sys::global(), "console"), "warn") {
            let _ = warn.call1(&JsValue::NULL, &JsValue::from_str(&event.message));
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Transport over the adapter's request(req) → {promise, abort}

/// The host's request API, as the adapter exposes it: `request({method, url, headers: [[name, value]...],
/// body?, timeoutMs, maxResponseBytes})` returns `{promise, abort}`; the promise resolves to
/// `{status, headers, body}` or `{error: 'timeout' | 'offline' | 'connect' | 'too_large', message}`.
struct JsTransport {
    request: Function,
}

/// Calls the adapter's `abort()` if the exchange is dropped before it ends (a cancelled call).
struct AbortOnDrop(Option<Function>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(abort) = self.0.take() {
            let _ = abort.call0(&JsValue::NULL);
        }
    }
}

fn request_to_js(request: &HttpRequest) -> JsValue {
    let obj = Object::new();
    set(&obj, "method", &JsValue::from_str(request.method.as_str()));
    set(&obj, "url", &JsValue::from_str(&request.url));
    let headers = Array::new();
    for (name, value) in &request.headers {
        headers.push(&Array::of2(&JsValue::from_str(name), &JsValue::from_str(value)));
    }
    set(&obj, "headers", &headers);
    if let Some(body) = &request.body {
        set(&obj, "body", &JsValue::from_str(&String::from_utf8_lossy(body)));
    }
    set(&obj, "timeoutMs", &JsValue::from_f64(request.timeout.as_secs_f64() * 1000.0));
    set(&obj, "maxResponseBytes", &JsValue::from_f64(request.max_response_bytes as f64));
    obj.into()
}

fn headers_from_js(value: &JsValue) -> Vec<(String, String)> {
    let pair_text = |v: JsValue| v.as_string().unwrap_or_else(|| js_message(&v));
    if Array::is_array(value) {
        return Array::from(value)
            .iter()
            .map(|pair| {
                let pair = Array::from(&pair);
                (pair_text(pair.get(0)), pair_text(pair.get(1)))
            })
            .collect();
    }
    match value.dyn_ref::<Object>() {
        Some(obj) => Object::entries(obj)
            .iter()
            .map(|entry| {
                let entry = Array::from(&entry);
                (pair_text(entry.get(0)), pair_text(entry.get(1)))
            })
            .collect(),
        None => Vec::new(),
    }
}

fn body_from_js(value: &JsValue) -> Vec<u8> {
    if value.is_undefined() || value.is_null() {
        Vec::new()
    } else if let Some(text) = value.as_string() {
        text.into_bytes()
    } else if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        bytes.to_vec()
    } else if value.is_instance_of::<js_sys::ArrayBuffer>() {
        Uint8Array::new(value).to_vec()
    } else {
        // A host that parsed the JSON answer despite `dataType: 'text'`: encode it back.
        JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_default().into_bytes()
    }
}

fn outcome_from_js(outcome: &JsValue, max_response_bytes: usize) -> Result<HttpResponse, TransportError> {
    if let Some(error) = prop(outcome, "error").as_string() {
        let message = prop(outcome, "message").as_string().unwrap_or_else(|| error.clone());
        let kind = match error.as_str() {
            "timeout" => TransportErrorKind::Timeout,
            "offline" => TransportErrorKind::Offline,
            "too_large" => return Err(TransportError::body_too_large(max_response_bytes)),
            _ => TransportErrorKind::Connect,
        };
        return Err(TransportError::new(kind, message));
    }
    let status = prop(outcome, "status").as_f64().filter(|s| s.fract() == 0.0 && (100.0..=599.0).contains(s));
    let Some(status) = status else {
        return Err(TransportError::new(TransportErrorKind::Connect, "the host answered without a valid HTTP status"));
    };
    let body = body_from_js(&prop(outcome, "body"));
    if body.len() > max_response_bytes {
        return Err(TransportError::body_too_large(max_response_bytes));
    }
    Ok(HttpResponse { status: status as u16, headers: headers_from_js(&prop(outcome, "headers")), body })
}

impl Transport for JsTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let connect = |e: &JsValue| TransportError::new(TransportErrorKind::Connect, js_message(e));
            let task = self.request.call1(&JsValue::NULL, &request_to_js(&request)).map_err(|e| connect(&e))?;
            let mut guard = AbortOnDrop(function(&task, "abort"));
            let promise = prop(&task, "promise").dyn_into::<Promise>().map_err(|_| {
                TransportError::new(TransportErrorKind::Connect, "host adapter request() must return {promise, abort}")
            })?;
            let outcome = JsFuture::from(promise).await;
            guard.0 = None; // finished: nothing to abort
            outcome_from_js(&outcome.map_err(|e| connect(&e))?, request.max_response_bytes)
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Session store over getItem(key) / setItem(key, value)

/// The host's synchronous storage: `getItem(key)` → the stored value (`undefined`, `null` or `''` when
/// absent), `setItem(key, value)`. Values are plain JS values, as the official SDK stores them.
struct JsStore {
    get: Function,
    set: Function,
}

impl SessionStore for JsStore {
    fn get(&self, key: &str) -> Option<Value> {
        let value = self.get.call1(&JsValue::NULL, &JsValue::from_str(key)).ok()?;
        to_json(&value, "stored value").ok().flatten()
    }

    fn set(&self, key: &str, value: Value) {
        // A failed write costs a login later, nothing more (SessionStore contract).
        let _ = self.set.call2(&JsValue::NULL, &JsValue::from_str(key), &from_json(&value));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Host over loginCode() / appName() / isOffline()

/// The host's own APIs: `loginCode()` → Promise of the one-time code, `appName()` → ByteDance's app name,
/// `isOffline()` → Promise of a boolean that always settles. Each is optional.
struct JsHost {
    login_code: Option<Function>,
    app_name: Option<Function>,
    is_offline: Option<Function>,
}

async fn call_async(f: &Function) -> Result<JsValue, JsValue> {
    let value = f.call0(&JsValue::NULL)?;
    JsFuture::from(Promise::resolve(&value)).await
}

impl Host for JsHost {
    fn login_code(&self) -> BoxFuture<'_, LoginCodeAnswer> {
        Box::pin(async move {
            let Some(f) = &self.login_code else {
                return LoginCodeAnswer::Unavailable;
            };
            // The host refused to give a code (user denied, no network, ...): the core makes it 614 with the
            // host's words; a code that is not a string counts as none.
            match call_async(f).await {
                Ok(code) => LoginCodeAnswer::Code { code: code.as_string().unwrap_or_default(), app_name: None },
                Err(e) => LoginCodeAnswer::Failed(js_message(&e)),
            }
        })
    }

    fn app_name(&self) -> Option<String> {
        self.app_name.as_ref()?.call0(&JsValue::NULL).ok()?.as_string()
    }

    fn is_offline(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            match &self.is_offline {
                Some(f) => call_async(f).await.ok().and_then(|v| v.as_bool()).unwrap_or(false),
                None => false,
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Config

fn config_from_js(config: &JsValue) -> Result<ClientConfig, HError> {
    let client_id = prop(config, "clientId");
    let Some(client_id) = client_id.as_string() else {
        return Err(HError::incorrect_parameter("clientID must be a string"));
    };
    let platform: Platform = prop(config, "platform")
        .as_string()
        .ok_or_else(|| HError::invalid_argument("host adapter must name its platform"))?
        .parse()?;
    let mut cfg = ClientConfig::new(client_id, platform);
    let host = prop(config, "host");
    if !host.is_undefined() && !host.is_null() {
        cfg.host = Some(host.as_string().ok_or_else(|| HError::invalid_argument("host must be a string"))?);
    }
    let env = prop(config, "env");
    if !env.is_undefined() && !env.is_null() {
        cfg.env = Some(env.as_string().ok_or_else(|| HError::invalid_argument("env must be a string"))?);
    }
    // The core's one parser of the option.
    if let Some(auto) = to_json(&prop(config, "autoLogin"), "autoLogin")? {
        cfg.auto_login = AutoLogin::from_json(&auto.to_string())?;
    }
    if let Some(d) = millis(&prop(config, "syncTimeoutMs"), "syncTimeoutMs")? {
        cfg.sync_timeout = d;
    }
    if let Some(d) = millis(&prop(config, "asyncTimeoutMs"), "asyncTimeoutMs")? {
        cfg.async_timeout = d;
    }
    if let Some(d) = millis(&prop(config, "authTimeoutMs"), "authTimeoutMs")? {
        cfg.auth_timeout = d;
    }
    if let Some(n) = byte_limit(&prop(config, "maxRequestBytes"), "maxRequestBytes")? {
        cfg.max_request_bytes = n;
    }
    if let Some(n) = byte_limit(&prop(config, "maxResponseBytes"), "maxResponseBytes")? {
        cfg.max_response_bytes = n;
    }
    Ok(cfg)
}

/// A Promise that resolves when `signal` (an `AbortSignal` or any object with `aborted` and
/// `addEventListener('abort', fn)`) aborts; `None` without a signal.
fn abort_promise(signal: &JsValue) -> Result<Option<Promise>, HError> {
    if signal.is_undefined() || signal.is_null() {
        return Ok(None);
    }
    let Some(listen) = function(signal, "addEventListener") else {
        return Err(HError::invalid_argument("signal must be an AbortSignal"));
    };
    let signal = signal.clone();
    let mut failed = None;
    let promise = Promise::new(&mut |resolve, _reject| {
        if prop(&signal, "aborted").as_bool() == Some(true) {
            let _ = resolve.call0(&JsValue::NULL);
        } else if let Err(e) = listen.call2(&signal, &JsValue::from_str("abort"), &resolve) {
            failed = Some(js_message(&e));
        }
    });
    match failed {
        Some(e) => Err(HError::invalid_argument(format!("signal must be an AbortSignal: {e}"))),
        None => Ok(Some(promise)),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The exported client

/// The core's HError 602 (`"602: uninitialized"`), for calls made before `BaaS.init`.
#[wasm_bindgen(js_name = uninitializedError)]
pub fn uninitialized_error() -> JsValue {
    herror_to_js(HError::uninitialized())
}

/// A minicloud client for one host: `new Client(config, host)`.
///
/// `config`: `{clientId, platform, host?, env?, autoLogin?, syncTimeoutMs?, asyncTimeoutMs?, authTimeoutMs?,
/// maxRequestBytes?, maxResponseBytes?}`. `host`: the adapter's `{request, getItem, setItem, loginCode?,
/// appName?, isOffline?}`. Every method returns a Promise that rejects with an `HError`.
#[wasm_bindgen(js_name = Client)]
pub struct WasmClient {
    inner: CoreClient,
}

#[wasm_bindgen(js_class = Client)]
impl WasmClient {
    /// Builds a client; throws an HError (605) for a bad config or adapter.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, host: JsValue) -> Result<WasmClient, JsValue> {
        Self::build(&config, &host).map_err(herror_to_js)
    }

    fn build(config: &JsValue, host: &JsValue) -> Result<WasmClient, HError> {
        let config = config_from_js(config)?;
        let transport = JsTransport { request: required_function(host, "request")? };
        let store = JsStore { get: required_function(host, "getItem")?, set: required_function(host, "setItem")? };
        let js_host = JsHost {
            login_code: function(host, "loginCode"),
            app_name: function(host, "appName"),
            is_offline: function(host, "isOffline"),
        };
        let inner = CoreClient::builder(config)
            .transport(Arc::new(transport))
            .store(Arc::new(store))
            .host(Arc::new(js_host))
            .timer(Arc::new(JsTimer))
            .logger(Arc::new(ConsoleLogger))
            .build()?;
        Ok(WasmClient { inner })
    }

    /// The `X-Hydrogen-Client-Version` this client sends (`v{version}`).
    #[wasm_bindgen(getter, js_name = clientVersion)]
    pub fn client_version(&self) -> String {
        self.inner.config().client_version.clone()
    }

    /// Starts call `op` with up to four JS arguments and returns a Promise of its value, rejected with an
    /// HError. One entry point for every call keeps the JS↔wasm boundary (and the package) small; `js/baas.js`
    /// names the operations:
    /// - 0 `invoke(name, params, sync, {timeoutMs, signal})`: the server's body unchanged; an aborted `signal`
    ///   rejects with kind `cancelled` and closes the request; `timeoutMs` replaces the mode's time limit;
    /// - 1 `invokeFunction(...)`: the deprecated name of `invoke`;
    /// - 2 `login(credentials)` and 3 `register(credentials)`, with `{username | email | phone, password}`;
    /// - 4 `loginWithSmsVerificationCode(phone, code, {createUser = true})`;
    /// - 5 `anonymousLogin()`; 6 `silentLogin({createUser = true})` (HError 611 on the web); 7 `logout()`.
    pub fn call(&self, op: u32, a: JsValue, b: JsValue, c: JsValue, d: JsValue) -> Promise {
        let op = match op {
            0 | 1 => Op::Invoke { name: a, params: b, sync: c, options: d, deprecated: op == 1 },
            2 | 3 => Op::Login { credentials: a, register: op == 3 },
            4 => Op::Sms { phone: a, code: b, options: c },
            5 => Op::Anonymous,
            6 => Op::Silent { options: a },
            7 => Op::Logout,
            _ => return Promise::reject(&herror_to_js(HError::invalid_argument("unknown client operation"))),
        };
        self.start(op)
    }

    /// Runs a call as a JS Promise that resolves to its value or rejects with an HError. Every call goes
    /// through this one future type, which keeps the wasm small.
    fn start(&self, op: Op) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move { run(client, op).await.map_err(herror_to_js) })
    }

    /// `clearSession`: forgets the session locally (the official keys).
    #[wasm_bindgen(js_name = clearSession)]
    pub fn clear_session(&self) {
        self.inner.clear_session();
    }
}

/// A call of the exported client, with its JS arguments.
enum Op {
    Invoke { name: JsValue, params: JsValue, sync: JsValue, options: JsValue, deprecated: bool },
    Login { credentials: JsValue, register: bool },
    Sms { phone: JsValue, code: JsValue, options: JsValue },
    Anonymous,
    Silent { options: JsValue },
    Logout,
}

async fn run(client: CoreClient, op: Op) -> Result<JsValue, HError> {
    match op {
        Op::Invoke { name, params, sync, options, deprecated } => {
            let name = to_json(&name, "function name")?.unwrap_or(Value::Null);
            let params = to_json(&params, "params")?;
            let sync = to_json(&sync, "sync")?;
            let mut call = Invocation::from_args(&name, params, sync.as_ref())?;
            call.timeout = millis(&prop(&options, "timeoutMs"), "timeoutMs")?;
            let cancel = abort_promise(&prop(&options, "signal"))?;
            let invoke = async {
                if deprecated {
                    client.invoke_function(call).await
                } else {
                    client.invoke(call).await
                }
            };
            let result = match cancel {
                Some(p) => minicloud_core::cancellable(invoke, async move { drop(JsFuture::from(p).await) }).await,
                None => invoke.await,
            };
            result.map(|v| from_json(&v))
        }
        Op::Login { credentials, register } => {
            let credentials = Credentials::from_value(&to_json(&credentials, "credentials")?.unwrap_or(Value::Null))?;
            let result = if register { client.register(&credentials).await } else { client.login(&credentials).await };
            result.map(login_result_to_js)
        }
        Op::Sms { phone, code, options } => {
            // Non-strings reach the core as empty, which it refuses with a 605 naming both arguments.
            let phone = phone.as_string().unwrap_or_default();
            let code = code.as_string().unwrap_or_default();
            let create_user = prop(&options, "createUser").as_bool().unwrap_or(true);
            client.login_with_sms(&phone, &code, create_user).await.map(login_result_to_js)
        }
        Op::Anonymous => client.anonymous_login().await.map(login_result_to_js),
        Op::Silent { options } => {
            let create_user = prop(&options, "createUser").as_bool().unwrap_or(true);
            client.silent_login(create_user).await.map(login_result_to_js)
        }
        Op::Logout => client.logout().await.map(|()| JsValue::UNDEFINED),
    }
}
