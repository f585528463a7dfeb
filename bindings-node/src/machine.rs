//! [`NativeMachine`]: the core's 知晓云 protocol machine ([`Machine`]) for the JS event-loop driver. Every
//! method is synchronous and runs on the JS thread: the driver starts a call, asks for its next action,
//! performs it with Node's own HTTP client, timers and the app's hooks, and feeds the outcome back. Every
//! decision — bodies, headers, sessions, logins, the 401 rule, deadlines, errors — is the machine's; this
//! file converts JS values to its types and back.

use minicloud_core::machine::StoredSession;
use minicloud_core::machine::{json, Answer, CallId, Invoke, LoginCodeAnswer, Machine, Now, Op, SilentLogin};
use minicloud_core::{limits, session, AutoLogin, ClientConfig, Credentials, FileStore, HError, Platform};
use napi::bindgen_prelude::Uint8ArraySlice;
use napi::{JsValue, Unknown, ValueType};
use napi_derive::napi;

use crate::step::{self, call_id, herror_json, Clock, Outputs, Step};
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

/// The machine, its session file and its clock.
struct Parts {
    machine: Machine,
    outputs: Outputs,
    clock: Clock,
    app_name: Option<String>,
}

fn build(config: NativeConfig) -> Result<Parts, HError> {
    let core = client_config(&config)?;
    let fixed_secs = config.now_secs.map(|s| whole_seconds(s, "nowSecs")).transpose()?;
    let store = config.session_file.as_deref().map(FileStore::open).transpose()?;
    let stored = store.as_ref().map_or_else(StoredSession::new, |s| session::read(s));
    let machine = Machine::new(core, &stored)?;
    Ok(Parts { machine, outputs: Outputs::new(store), clock: Clock::new(fixed_secs), app_name: config.app_name })
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
    parts: Result<Parts, HError>,
}

#[napi]
impl NativeMachine {
    /// Builds the machine from the JS config, restoring the session from the session file. A bad
    /// configuration does not throw here: [`NativeMachine::init_error`] reports it.
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeConfig) -> Self {
        NativeMachine { parts: build(config) }
    }

    /// The configuration error, if the machine could not be built.
    #[napi(catch_unwind)]
    pub fn init_error(&self) -> Option<NativeError> {
        self.parts.as_ref().err().map(NativeError::from)
    }

    /// The `X-Hydrogen-Client-Version` value this client sends.
    #[napi(getter)]
    pub fn client_version(&self) -> Option<String> {
        self.parts.as_ref().ok().map(|p| p.machine.config().client_version.clone())
    }

    /// Starts `op` (with `timeout_ms` replacing its default limit) and answers its first action; an `op` that
    /// could not be made, or a bad `timeout_ms`, is `DONE` with that error (no call).
    fn start(&mut self, op: Result<Op, HError>, timeout_ms: Option<f64>) -> String {
        let parts = match &mut self.parts {
            Ok(parts) => parts,
            Err(e) => return Step::failed(&herror_json(e)).finish(),
        };
        let timeout = timeout_ms.map(|ms| limits::time_limit("timeoutMs", ms)).transpose();
        match (op, timeout) {
            (Ok(op), Ok(timeout)) => {
                let now = parts.clock.now();
                let call = parts.machine.start(op, timeout, now);
                let deadline = parts.machine.deadline_ms(call);
                parts.step(call, now).first_of(call, now, deadline).finish()
            }
            (Err(e), _) | (_, Err(e)) => Step::failed(&herror_json(&e)).finish(),
        }
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
        match &mut self.parts {
            Ok(parts) => {
                parts.machine.clear_session();
                parts.apply_outputs();
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
        self.feed(call, |_, _, _| {})
    }

    /// Feeds the answer to a `SEND` — the status, Node's `res.rawHeaders` joined with `\n`, the whole body — and
    /// answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_response(&mut self, call: f64, status: u32, raw_headers: String, body: Uint8ArraySlice<'_>) -> String {
        let response = step::response(status, &raw_headers, &body);
        self.feed(call, |m, call, now| m.on_response(call, response, now))
    }

    /// Feeds the failure of a `SEND` — `kind` is `connect` (refused, reset, DNS, TLS, a truncated answer),
    /// `timeout`, `offline` or `body_too_large` (with the request's `limit`); `message` is Node's own words —
    /// and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_transport_error(&mut self, call: f64, kind: String, message: String, limit: Option<f64>) -> String {
        let error = step::transport_error(&kind, &message, limit);
        self.feed(call, |m, call, now| m.on_transport_error(call, error, now))
    }

    /// Feeds the `loginCode` hook's answer — the code, or `failure` (the hook's own words), or neither (no
    /// hook) — and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_login_code(&mut self, call: f64, code: Option<String>, failure: Option<String>) -> String {
        let app_name = self.parts.as_ref().ok().and_then(|p| p.app_name.clone());
        let answer = match (code, failure) {
            (Some(code), _) => LoginCodeAnswer::Code { code, app_name },
            (None, Some(words)) => LoginCodeAnswer::Failed(words),
            (None, None) => LoginCodeAnswer::Unavailable,
        };
        self.feed(call, |m, call, now| m.on_login_code(call, answer, now))
    }

    /// Feeds whether the host is offline (the answer to `CHECK_OFFLINE`) and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_offline(&mut self, call: f64, offline: bool) -> String {
        self.feed(call, |m, call, now| m.on_offline(call, offline, now))
    }

    /// The call's deadline timer fired: the machine ends it (`DONE` with 601 `timeout`).
    #[napi(catch_unwind)]
    pub fn on_deadline(&mut self, call: f64) -> String {
        let parts = match &mut self.parts {
            Ok(parts) => parts,
            Err(e) => return Step::failed(&herror_json(e)).finish(),
        };
        let call = call_id(call);
        let now = parts.clock.at_deadline(parts.machine.deadline_ms(call));
        parts.machine.on_deadline(call, now);
        parts.step(call, now).finish()
    }

    /// The caller cancelled the call (its `AbortSignal`): the machine forgets it, and this is the error to
    /// reject it with (kind `cancelled`). A login it led passes to a waiting call: `pollOutput` names it.
    #[napi(catch_unwind)]
    pub fn cancel(&mut self, call: f64) -> NativeError {
        if let Ok(parts) = &mut self.parts {
            parts.machine.cancel(call_id(call));
            parts.apply_outputs();
        }
        (&HError::cancelled()).into()
    }

    /// The parked calls that can go on now (after a `cancel`), if any.
    #[napi(catch_unwind)]
    pub fn poll_output(&mut self) -> Option<Vec<f64>> {
        self.parts.as_mut().ok().and_then(|p| p.outputs.take_wakes())
    }

    /// Feeds an outcome to `call` (with the time now) and answers its next action.
    fn feed(&mut self, call: f64, input: impl FnOnce(&mut Machine, CallId, Now)) -> String {
        let parts = match &mut self.parts {
            Ok(parts) => parts,
            Err(e) => return Step::failed(&herror_json(e)).finish(),
        };
        let call = call_id(call);
        let now = parts.clock.now();
        input(&mut parts.machine, call, now);
        parts.step(call, now).finish()
    }
}

impl Parts {
    /// The call's next action, after applying the machine's outputs.
    fn step(&mut self, call: CallId, now: Now) -> Step {
        let action = self.machine.next(call, now);
        self.apply_outputs();
        Step::from_action(action, now, answer_json, herror_json).waking(self.outputs.take_wakes())
    }

    fn apply_outputs(&mut self) {
        let machine = &mut self.machine;
        self.outputs.apply(|| machine.poll_output());
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
