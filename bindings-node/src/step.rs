//! What the JS driver (`lib/driver.js`) gets back from a machine at each step: the call's next action as a
//! plain JS object ([`NativeAction`]), the time every input carries ([`Clock`]), and the machine's outputs
//! applied on the spot (storage writes to the session file, log events to `tracing`, wake-ups queued for
//! `pollOutput`).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use minicloud_core::machine::{Action, CallId, Now, Output};
use minicloud_core::{
    FileStore, HttpResponse, Logger, SessionStore, TracingLogger, TransportError, TransportErrorKind,
};
use napi::bindgen_prelude::Either;
use napi_derive::napi;
use serde_json::Value;

use crate::wechat::NativeWeChatError;
use crate::NativeError;

/// One step of a call, as the JS driver performs it. `kind` says which fields are set:
/// - `send`: `method`, `url`, `headers` (flat `[name, value, ...]`, in the official order), `body` (JSON text,
///   or absent), `maxResponseBytes` — send it with `content-type: application/json`, then `onResponse` or
///   `onTransportError`;
/// - `loginCode`: ask the host's `loginCode` hook, then `onLoginCode`;
/// - `checkOffline`: ask the host whether it is offline, then `onOffline`;
/// - `fetchToken`: `forceRefresh` — ask the app's token service, then `onToken` (WeChat);
/// - `sleep`: `sleepMs` — call `next` again after that long;
/// - `wait`: parked behind another call; `pollOutput` names it when it can go on;
/// - `done`: `result` (JSON text; absent for nothing) or `error`.
///
/// Every action but `done` carries `deadlineInMs`: how long until the call's deadline, for its one timer
/// (when it fires, `onDeadline`).
#[napi(object, object_from_js = false)]
pub struct NativeAction {
    /// `send`, `loginCode`, `checkOffline`, `fetchToken`, `sleep`, `wait` or `done`.
    pub kind: String,
    /// Milliseconds until the call's deadline.
    pub deadline_in_ms: Option<f64>,
    /// `send`: `GET` or `POST`.
    pub method: Option<String>,
    /// `send`: the absolute URL.
    pub url: Option<String>,
    /// `send`: the SDK's headers as `[name, value, name, value, ...]`, in order.
    pub headers: Option<Vec<String>>,
    /// `send`: the JSON body.
    pub body: Option<String>,
    /// `send`: stop reading (and report `body_too_large`) past this many bytes.
    pub max_response_bytes: Option<f64>,
    /// `fetchToken`: the current token was rejected; ask for a new one.
    pub force_refresh: Option<bool>,
    /// `sleep`: how long.
    pub sleep_ms: Option<f64>,
    /// `done`: the result as JSON text.
    pub result: Option<String>,
    /// `done`: the error.
    #[napi(ts_type = "NativeError | NativeWeChatError")]
    pub error: Option<Either<NativeError, NativeWeChatError>>,
}

impl NativeAction {
    fn of(kind: &str, deadline_in_ms: Option<f64>) -> Self {
        NativeAction {
            kind: kind.to_owned(),
            deadline_in_ms,
            method: None,
            url: None,
            headers: None,
            body: None,
            max_response_bytes: None,
            force_refresh: None,
            sleep_ms: None,
            result: None,
            error: None,
        }
    }

    /// A finished call's failure.
    pub(crate) fn failed(error: Either<NativeError, NativeWeChatError>) -> Self {
        NativeAction { error: Some(error), ..Self::of("done", None) }
    }

    /// The JS form of `action`, with `deadline_in_ms` for every action but `done`; `result` and `error`
    /// convert a finished call's outcome.
    pub(crate) fn from_action<T, E>(
        action: Action<T, E>,
        now: Now,
        deadline_ms: Option<u64>,
        result: impl FnOnce(T) -> Option<String>,
        error: impl FnOnce(&E) -> Either<NativeError, NativeWeChatError>,
    ) -> Self {
        let left = deadline_ms.map(|at| at.saturating_sub(now.mono_ms) as f64);
        match action {
            Action::Send(request) => {
                let mut headers = Vec::with_capacity(request.headers.len() * 2);
                for (name, value) in request.headers {
                    headers.push(name);
                    headers.push(value);
                }
                NativeAction {
                    method: Some(request.method.as_str().to_owned()),
                    url: Some(request.url),
                    headers: Some(headers),
                    body: request.body.map(|b| String::from_utf8_lossy(&b).into_owned()),
                    max_response_bytes: Some(request.max_response_bytes as f64),
                    ..Self::of("send", left)
                }
            }
            Action::LoginCode => Self::of("loginCode", left),
            Action::CheckOffline => Self::of("checkOffline", left),
            Action::FetchToken { force_refresh } => {
                NativeAction { force_refresh: Some(force_refresh), ..Self::of("fetchToken", left) }
            }
            Action::Sleep { until_ms } => {
                NativeAction { sleep_ms: Some(until_ms.saturating_sub(now.mono_ms) as f64), ..Self::of("sleep", left) }
            }
            Action::Wait => Self::of("wait", left),
            Action::Done(Ok(value)) => NativeAction { result: result(value), ..Self::of("done", None) },
            Action::Done(Err(e)) => Self::failed(error(&e)),
        }
    }
}

/// The two clocks every machine input carries: a monotonic millisecond count from the machine's creation,
/// and the wall clock's Unix seconds (or the fixed second a test gives with `nowSecs`).
pub(crate) struct Clock {
    epoch: Instant,
    fixed_secs: Option<i64>,
}

impl Clock {
    pub(crate) fn new(fixed_secs: Option<i64>) -> Self {
        Clock { epoch: Instant::now(), fixed_secs }
    }

    pub(crate) fn now(&self) -> Now {
        let mono_ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let unix_secs = self.fixed_secs.unwrap_or_else(|| {
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
        Now::new(mono_ms, unix_secs)
    }

    /// The time when a call's deadline timer fired: at least the deadline (a JS timer may fire a fraction of a
    /// millisecond early by this clock).
    pub(crate) fn at_deadline(&self, deadline_ms: Option<u64>) -> Now {
        let now = self.now();
        Now { mono_ms: now.mono_ms.max(deadline_ms.unwrap_or(0)), ..now }
    }
}

/// Where a machine's outputs go: storage writes to the session file (one write per batch), log events to
/// `tracing` (which `setLogger` forwards to JS), wake-ups kept for `pollOutput`.
pub(crate) struct Outputs {
    store: Option<FileStore>,
    wakes: Vec<f64>,
}

impl Outputs {
    pub(crate) fn new(store: Option<FileStore>) -> Self {
        Outputs { store, wakes: Vec::new() }
    }

    /// Applies every output `poll` gives, in order.
    pub(crate) fn apply(&mut self, mut poll: impl FnMut() -> Option<Output>) {
        let mut writes: Vec<(&str, Value)> = Vec::new();
        while let Some(output) = poll() {
            match output {
                Output::Store { key, value_json } => {
                    if let Ok(value) = serde_json::from_str(&value_json) {
                        writes.push((key, value));
                    }
                }
                Output::Log(event) => TracingLogger.log(&event),
                Output::Wake(call) => self.wakes.push(call.get() as f64),
            }
        }
        if let (Some(store), false) = (&self.store, writes.is_empty()) {
            store.set_all(writes);
        }
    }

    /// The calls to wake since the last time, if any.
    pub(crate) fn take_wakes(&mut self) -> Option<Vec<f64>> {
        (!self.wakes.is_empty()).then(|| std::mem::take(&mut self.wakes))
    }
}

/// A call id as JS holds it (a number below 2^53).
pub(crate) fn call_id(call: f64) -> CallId {
    CallId::from_raw(call as u64)
}

/// An answer as Node's HTTP client gives it (`res.statusCode`, `res.rawHeaders`, the body) in the core's form.
pub(crate) fn response(status: u32, raw_headers: Vec<String>, body: &[u8]) -> HttpResponse {
    let mut headers = Vec::with_capacity(raw_headers.len() / 2);
    let mut raw = raw_headers.into_iter();
    while let (Some(name), Some(value)) = (raw.next(), raw.next()) {
        headers.push((name, value));
    }
    HttpResponse { status: u16::try_from(status).unwrap_or(0), headers, body: body.to_vec() }
}

/// A failed exchange as the JS transport reports it: `kind` is `connect` (refused, reset, DNS, TLS, a
/// truncated answer), `timeout`, `offline` or `body_too_large` (then `limit` is the request's
/// `maxResponseBytes`); `message` is Node's own words.
pub(crate) fn transport_error(kind: &str, message: &str, limit: Option<f64>) -> TransportError {
    match kind {
        "body_too_large" => TransportError::body_too_large(limit.unwrap_or(0.0) as usize),
        "timeout" => TransportError::new(TransportErrorKind::Timeout, message),
        "offline" => TransportError::new(TransportErrorKind::Offline, message),
        _ => TransportError::new(TransportErrorKind::Connect, message),
    }
}
