//! [`NativeMachine`]: the core's 知晓云 protocol machine ([`Machine`]) for the JS event-loop driver. Every
//! method is synchronous and runs on the JS thread: the driver starts a call, asks for its next action,
//! performs it with Node's own HTTP client, timers and the app's hooks, and feeds the outcome back. Every
//! decision — bodies, headers, sessions, logins, the 401 rule, deadlines, errors — is the machine's; this
//! file converts JS values to its types and back.

use minicloud_core::machine::StoredSession;
use minicloud_core::machine::{json, Answer, Invoke, LoginCodeAnswer, Machine, Op, SilentLogin};
use minicloud_core::{limits, session, AutoLogin, ClientConfig, Credentials, FileStore, HError, Platform};
use napi::bindgen_prelude::Uint8ArraySlice;
use napi::{JsValue, Unknown, ValueType};
use napi_derive::napi;

use crate::driven::{self, or_unbuilt, Driven};
use crate::step::{herror_json, Clock, Outputs};
use crate::NativeError;

/// A client's configuration as the JS wrapper passes it (type-checked there; every value is checked again by
/// the core's rules).
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
    /// The `autoLogin` option as JSON text (`false`, `true`, `"silent"`, `"anonymous"`, `{username|email|phone,
    /// password}`), read by the core's one parser; absent means `false`.
    pub auto_login_json: Option<String>,
    /// Whether the app gave a `loginCode` hook (the host's silent-login code).
    pub has_login_code: Option<bool>,
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
}

/// A non-negative whole number of seconds from a JS number (the test clock); anything else is HError 605.
fn whole_seconds(value: f64, name: &str) -> Result<i64, HError> {
    if !value.is_finite() || value < 0.0 || value.fract() != 0.0 || value > i64::MAX as f64 {
        return Err(HError::invalid_argument(format!("{name} must be a non-negative whole number, got {value}")));
    }
    Ok(value as i64)
}

/// The core's config from the JS one, by the core's rules (limits, the `autoLogin` parser, platforms).
fn client_config(config: &NativeConfig) -> Result<ClientConfig, HError> {
    let platform: Platform = match &config.platform {
        Some(p) => p.parse()?,
        None => Platform::Node,
    };
    let mut core = ClientConfig::new(config.client_id.clone(), platform);
    core.host = config.host.clone();
    core.env = config.env.clone();
    if let Some(text) = &config.auto_login_json {
        core.auto_login = AutoLogin::from_json(text)?;
    }
    // Node has no host login API: `true` (the mini-program hosts' silent login) needs the app's hook.
    if config.auto_login_json.as_deref() == Some("true") && config.has_login_code != Some(true) {
        return Err(HError::invalid_argument(
            "autoLogin: true means silent login, which needs a loginCode hook in Node; use autoLogin: 'anonymous' \
             or {username|email|phone, password}",
        ));
    }
    for (value, slot, name) in [
        (config.sync_timeout_ms, &mut core.sync_timeout, "syncTimeoutMs"),
        (config.async_timeout_ms, &mut core.async_timeout, "asyncTimeoutMs"),
        (config.auth_timeout_ms, &mut core.auth_timeout, "authTimeoutMs"),
    ] {
        if let Some(ms) = value {
            *slot = limits::time_limit(name, ms)?;
        }
    }
    for (value, slot, name) in [
        (config.max_request_bytes, &mut core.max_request_bytes, "maxRequestBytes"),
        (config.max_response_bytes, &mut core.max_response_bytes, "maxResponseBytes"),
    ] {
        if let Some(n) = value {
            *slot = limits::size_limit(name, n)? as usize;
        }
    }
    Ok(core)
}

fn build(config: &NativeConfig) -> Result<Driven<Machine>, HError> {
    let core = client_config(config)?;
    let fixed_secs = config.now_secs.map(|s| whole_seconds(s, "nowSecs")).transpose()?;
    let store = config.session_file.as_deref().map(FileStore::open).transpose()?;
    let stored = store.as_ref().map_or_else(StoredSession::new, |s| session::read(s));
    let machine = Machine::new(core, &stored)?;
    Ok(Driven::new(machine, Outputs::new(store), Clock::new(fixed_secs), answer_json, herror_json))
}

/// The JSON stand-in of a JS argument whose type the core checks (the function name, `sync`), for the core's
/// own check: the exact text for a string or a boolean, a value of the same JSON kind otherwise; `None` for
/// `undefined`. JS types JSON has no value for (bigint, symbol, function) are refused here, naming the
/// argument.
fn json_stand_in(value: &Unknown<'_>, what: &str, expected: &str) -> Result<Option<String>, HError> {
    let read = |e: napi::Error| HError::invalid_argument(format!("{what}: {}", e.reason));
    Ok(Some(match value.get_type().map_err(read)? {
        ValueType::Undefined => return Ok(None),
        ValueType::Null => "null".to_owned(),
        ValueType::Boolean => unsafe { value.cast::<bool>() }.map_err(read)?.to_string(),
        ValueType::Number => "0".to_owned(),
        ValueType::String => json::string(&unsafe { value.cast::<String>() }.map_err(read)?),
        ValueType::Object if value.is_array().map_err(read)? => "[]".to_owned(),
        ValueType::Object => "{}".to_owned(),
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

/// The core's 知晓云 machine, driven step by step from JS (the native half of the JS `Client`). Starting a
/// call and feeding an outcome answer the call's next action.
#[napi]
pub struct NativeMachine {
    driven: Result<Driven<Machine>, HError>,
    /// ByteDance `appName`, sent with `tt` silent login.
    app_name: Option<String>,
}

#[napi]
impl NativeMachine {
    /// Builds the machine from the JS config, restoring the session from the session file. A bad
    /// configuration does not throw here: [`NativeMachine::init_error`] reports it.
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeConfig) -> Self {
        NativeMachine { driven: build(&config), app_name: config.app_name }
    }

    /// The configuration error, if the machine could not be built.
    #[napi(catch_unwind)]
    pub fn init_error(&self) -> Option<NativeError> {
        self.driven.as_ref().err().map(NativeError::from)
    }

    /// The `X-Hydrogen-Client-Version` value this client sends.
    #[napi(getter)]
    pub fn client_version(&self) -> Option<String> {
        self.driven.as_ref().ok().map(|d| d.machine_ref().config().client_version.clone())
    }

    /// Starts `op` (with `timeout_ms` replacing its default limit) and answers its first action; an `op` that
    /// could not be made, or a bad `timeout_ms`, is `DONE` with that error (no call).
    fn start(&mut self, op: Result<Op, HError>, timeout_ms: Option<f64>) -> String {
        driven::start(&mut self.driven, op, timeout_ms, Machine::start)
    }

    /// Starts `invoke` / `invokeFunction` (`deprecated`). `name` and `sync` are checked by the core;
    /// `params_json` is the params as JSON text (absent: no `data`), or `params_problem` says why the JS value
    /// has no JSON form; `timeout_ms` replaces the mode's time limit.
    #[napi(catch_unwind)]
    pub fn invoke(
        &mut self,
        name: Unknown<'_>,
        params_json: Option<String>,
        params_problem: Option<String>,
        sync: Unknown<'_>,
        timeout_ms: Option<f64>,
        deprecated: bool,
    ) -> String {
        let op = invoke_op(&name, params_json, params_problem, &sync, deprecated);
        self.start(op, timeout_ms)
    }

    /// Starts a password login (`register`: a registration); `credentials_json` is `{username|email|phone,
    /// password}` as JSON text.
    #[napi(catch_unwind)]
    pub fn login(&mut self, credentials_json: String, register: bool) -> String {
        let op =
            Credentials::from_json(&credentials_json).map(|c| if register { Op::Register(c) } else { Op::Login(c) });
        self.start(op, None)
    }

    /// Starts an SMS login with a verification code.
    #[napi(catch_unwind)]
    pub fn login_with_sms(&mut self, phone: String, code: String, create_user: bool) -> String {
        self.start(Ok(Op::LoginWithSms { phone, code, create_user }), None)
    }

    /// Starts an anonymous login.
    #[napi(catch_unwind)]
    pub fn anonymous_login(&mut self) -> String {
        self.start(Ok(Op::AnonymousLogin), None)
    }

    /// Starts `loginWithWechat(authData, options)` / `silentLogin(options)`: both arguments as JSON text
    /// (absent when `undefined`), read by the core's rule.
    #[napi(catch_unwind)]
    pub fn silent_login(&mut self, auth_data_json: Option<String>, options_json: Option<String>) -> String {
        let op =
            SilentLogin::login_with_wechat(auth_data_json.as_deref(), options_json.as_deref()).map(Op::SilentLogin);
        self.start(op, None)
    }

    /// Starts `getCurrentUser` (the server's profile of the signed-in user).
    #[napi(catch_unwind)]
    pub fn get_current_user(&mut self) -> String {
        self.start(Ok(Op::GetCurrentUser), None)
    }

    /// Starts a logout.
    #[napi(catch_unwind)]
    pub fn logout(&mut self) -> String {
        self.start(Ok(Op::Logout), None)
    }

    /// `clearSession`: forgets the session (the official keys are emptied in the session file).
    #[napi(catch_unwind)]
    pub fn clear_session(&mut self) -> Option<NativeError> {
        match &mut self.driven {
            Ok(driven) => {
                driven.machine().clear_session();
                driven.apply_outputs();
                None
            }
            Err(e) => Some((&*e).into()),
        }
    }

    /// The call's next action (after a `SLEEP`, or for a call a `wake` named). `DONE` results are JSON text:
    /// the server's body for an invoke, the current user's own properties for a login or `getCurrentUser`
    /// (the core's `CurrentUser::js_object_json`), absent for a logout.
    #[napi(catch_unwind)]
    pub fn next(&mut self, call: f64) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.next(call))
    }

    /// Feeds the answer to a `SEND` — the status, Node's `res.rawHeaders` joined with `\n`, the whole body — and
    /// answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_response(&mut self, call: f64, status: u32, raw_headers: String, body: Uint8ArraySlice<'_>) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.on_response(call, status, &raw_headers, &body))
    }

    /// Feeds the failure of a `SEND` — `kind` is `connect` (refused, reset, DNS, TLS, a truncated answer),
    /// `timeout`, `offline` or `body_too_large` (with the request's `limit`); `message` is Node's own words —
    /// and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_transport_error(&mut self, call: f64, kind: String, message: String, limit: Option<f64>) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.on_transport_error(call, &kind, &message, limit))
    }

    /// Feeds the `loginCode` hook's answer — the code, or `failure` (the hook's own words), or neither (no
    /// hook) — and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_login_code(&mut self, call: f64, code: Option<String>, failure: Option<String>) -> String {
        let app_name = self.app_name.clone();
        let answer = match (code, failure) {
            (Some(code), _) => LoginCodeAnswer::Code { code, app_name },
            (None, Some(words)) => LoginCodeAnswer::Failed(words),
            (None, None) => LoginCodeAnswer::Unavailable,
        };
        or_unbuilt(&mut self.driven, herror_json, |d| d.feed(call, |m, call, now| m.on_login_code(call, answer, now)))
    }

    /// Feeds whether the host is offline (the answer to `CHECK_OFFLINE`) and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_offline(&mut self, call: f64, offline: bool) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.feed(call, |m, call, now| m.on_offline(call, offline, now)))
    }

    /// The call's deadline timer fired: the machine ends it (`DONE` with 601 `timeout`).
    #[napi(catch_unwind)]
    pub fn on_deadline(&mut self, call: f64) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.on_deadline(call))
    }

    /// The caller cancelled the call (its `AbortSignal`): the machine forgets it, and this is the error to
    /// reject it with (kind `cancelled`). A login it led passes to a waiting call: `pollOutput` names it.
    #[napi(catch_unwind)]
    pub fn cancel(&mut self, call: f64) -> NativeError {
        if let Ok(driven) = &mut self.driven {
            driven.cancel(call);
        }
        (&HError::cancelled()).into()
    }

    /// The parked calls that can go on now (after a `cancel`), if any.
    #[napi(catch_unwind)]
    pub fn poll_output(&mut self) -> Option<Vec<f64>> {
        self.driven.as_mut().ok().and_then(Driven::take_wakes)
    }
}

/// The machine's `invoke` op from the JS arguments.
fn invoke_op(
    name: &Unknown<'_>,
    params_json: Option<String>,
    params_problem: Option<String>,
    sync: &Unknown<'_>,
    deprecated: bool,
) -> Result<Op, HError> {
    if let Some(problem) = params_problem {
        return Err(HError::invalid_argument(format!("params cannot be encoded as JSON: {problem}")));
    }
    let name_text = match name.get_type() {
        Ok(ValueType::String) => unsafe { name.cast::<String>() }.ok(),
        _ => None,
    };
    let sync_value = match sync.get_type() {
        Ok(ValueType::Undefined) => Some(None),
        Ok(ValueType::Boolean) => unsafe { sync.cast::<bool>() }.ok().map(Some),
        _ => None,
    };
    let invoke = match (name_text, sync_value) {
        // Already of the types the core checks for (its `Invoke::body` still refuses an empty name).
        (Some(function_name), Some(sync)) => Invoke { function_name, params_json, sync, deprecated_alias: deprecated },
        // Else the core's own check, on JSON stand-ins, words the error.
        _ => {
            let name = json_stand_in(name, "function name", "a string")?.unwrap_or_else(|| "null".to_owned());
            let sync = json_stand_in(sync, "sync", "a boolean")?;
            Invoke::from_json_args(&name, params_json.as_deref(), sync.as_deref())?
        }
    };
    Ok(Op::Invoke(Invoke { deprecated_alias: deprecated, ..invoke }))
}

fn answer_json(answer: Answer) -> Option<String> {
    match answer {
        Answer::Body(text) => Some(text),
        Answer::User(user) => Some(user.js_object_json()),
        Answer::Empty => None,
    }
}
