//! What the JS driver (`lib/driver.js`) gets back from a machine at each step: the call's next action as JSON
//! text ([`Step`]), the time every input carries ([`Clock`]), and the machine's outputs
//! applied on the spot (storage writes to the session file, log events to `tracing`, wake-ups handed to JS
//! with the next action).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use minicloud_core::machine::text::{push_u64, u64_text};
use minicloud_core::machine::{json, Action, CallId, Now, Output};
use minicloud_core::{
    FileStore, HError, HttpResponse, Logger, SessionStore, TracingLogger, TransportError, TransportErrorKind,
};
use serde_json::Value;

/// What an action asks for: its `kind`. The JS driver names the same numbers (`lib/driver.js`).
pub mod kind {
    /// Send `method` `url` with `headers` and `body`, then `onResponse` or `onTransportError`.
    pub const SEND: u64 = 1;
    /// Ask the host's `loginCode` hook, then `onLoginCode`.
    pub const LOGIN_CODE: u64 = 2;
    /// Ask the host whether it is offline, then `onOffline`.
    pub const CHECK_OFFLINE: u64 = 3;
    /// Ask the app's token service (`forceRefresh`), then `onToken` (WeChat).
    pub const FETCH_TOKEN: u64 = 4;
    /// Call `next` again after `sleepMs`.
    pub const SLEEP: u64 = 5;
    /// Parked behind another call: an action's `wake` (or `pollOutput`) names it when it can go on.
    pub const WAIT: u64 = 6;
    /// The call is over: `result` (absent for nothing) or `error`.
    pub const DONE: u64 = 7;
}

/// One step of a call, as the JS driver performs it: a JSON object (`JSON.parse` makes it in one go, far
/// cheaper than setting each property through napi) saying what to do now — `kind`, one of [`kind`]'s numbers —
/// with that kind's fields:
/// - `SEND`: `method`, `url`, `headers` (`[name, value, name, value, ...]`, in the official order), `body` (JSON
///   text or the open API's form, absent for none) with its `contentType` (the core's `HttpRequest::content_type`),
///   `timeoutMs` (the rest of the call's time), `maxResponseBytes`;
/// - `FETCH_TOKEN`: `forceRefresh`; `SLEEP`: `sleepMs`;
/// - `DONE`: `result` (the value itself, already JSON: the server's body for an invoke, the current user's own
///   properties for a login, `resp_data` for WeChat; absent for nothing) or `error` (the core's error fields).
///
/// The first action of a call (the one its start answers) names the call (`call`; absent when it could not
/// start: then `DONE` with the error) and carries `deadlineInMs`: how long until the call's deadline, for its
/// one timer (when it fires, `onDeadline`). Any action may carry `wake`: other calls, parked with `WAIT`, that
/// can go on now. Starting a call and feeding an outcome both answer the call's next action, so a plain invoke
/// is two calls into Rust: start (→ `SEND`), `onResponse` (→ `DONE`).
pub(crate) struct Step {
    json: String,
}

impl Step {
    fn of(kind: u64) -> Self {
        let mut json = String::with_capacity(256);
        json.push_str("{\"kind\":");
        push_u64(&mut json, kind);
        Step { json }
    }

    fn key(&mut self, key: &str) {
        self.json.push_str(",\"");
        self.json.push_str(key);
        self.json.push_str("\":");
    }

    fn number(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        push_u64(&mut self.json, value);
        self
    }

    fn string(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        json::push_string(&mut self.json, value);
        self
    }

    /// `value` is JSON text already (checked by the machine, or written by this crate).
    fn raw(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        self.json.push_str(value);
        self
    }

    /// A call that could not start (or a machine that could not be built): `DONE` with this error (its JSON).
    pub(crate) fn failed(error_json: &str) -> Self {
        Self::of(kind::DONE).raw("error", error_json)
    }

    /// The step of an action; `result` gives a finished call's value as JSON text, `error` its error's fields.
    pub(crate) fn from_action<T, E>(
        action: Action<T, E>,
        now: Now,
        result: impl FnOnce(T) -> Option<String>,
        error: impl FnOnce(&E) -> String,
    ) -> Self {
        match action {
            Action::Send(request) => {
                let mut headers = String::with_capacity(192);
                headers.push('[');
                for (i, (name, value)) in request.headers.iter().enumerate() {
                    if i > 0 {
                        headers.push(',');
                    }
                    json::push_string(&mut headers, name);
                    headers.push(',');
                    json::push_string(&mut headers, value);
                }
                headers.push(']');
                let step = Self::of(kind::SEND)
                    .string("method", request.method.as_str())
                    .string("url", &request.url)
                    .raw("headers", &headers)
                    .number("timeoutMs", u64::try_from(request.timeout.as_millis()).unwrap_or(u64::MAX))
                    .number("maxResponseBytes", request.max_response_bytes as u64);
                match request.body_text() {
                    Some(body) => step.string("body", body).string("contentType", request.content_type()),
                    None => step,
                }
            }
            Action::LoginCode => Self::of(kind::LOGIN_CODE),
            Action::CheckOffline => Self::of(kind::CHECK_OFFLINE),
            Action::FetchToken { force_refresh } => {
                Self::of(kind::FETCH_TOKEN).raw("forceRefresh", if force_refresh { "true" } else { "false" })
            }
            Action::Sleep { until_ms } => Self::of(kind::SLEEP).number("sleepMs", until_ms.saturating_sub(now.mono_ms)),
            Action::Wait => Self::of(kind::WAIT),
            Action::Done(Ok(value)) => match result(value) {
                Some(json) => Self::of(kind::DONE).raw("result", &json),
                None => Self::of(kind::DONE),
            },
            Action::Done(Err(e)) => Self::failed(&error(&e)),
        }
    }

    /// Marks the first action of `call`: its id, and (unless it is `DONE`) the time left until its deadline
    /// (`deadline_ms`, on the clock of `now`).
    pub(crate) fn first_of(self, call: CallId, now: Now, deadline_ms: Option<u64>) -> Self {
        let done = self.json.starts_with("{\"kind\":7");
        let step = self.number("call", call.get());
        match deadline_ms.filter(|_| !done) {
            Some(at) => step.number("deadlineInMs", at.saturating_sub(now.mono_ms)),
            None => step,
        }
    }

    /// Adds the parked calls that can go on now, if any.
    pub(crate) fn waking(mut self, wakes: Option<Vec<f64>>) -> Self {
        if let Some(wakes) = wakes {
            self.key("wake");
            self.json.push('[');
            for (i, call) in wakes.iter().enumerate() {
                if i > 0 {
                    self.json.push(',');
                }
                push_u64(&mut self.json, *call as u64);
            }
            self.json.push(']');
        }
        self
    }

    /// The step's JSON text.
    pub(crate) fn finish(mut self) -> String {
        self.json.push('}');
        self.json
    }
}

/// The fields of an `HError` as JSON (the JS `HError`'s): `code`, `message`, `kind`, `status`, `requestId`,
/// `retryable`, `details`.
pub(crate) fn herror_json(e: &HError) -> String {
    let optional = |text: Option<&str>| text.map_or_else(|| "null".to_owned(), json::string);
    json::ObjectWriter::new()
        .raw("code", &u64_text(e.code().into()))
        .string("message", e.message())
        .string("kind", e.kind().as_str())
        .raw("status", &e.status().map_or_else(|| "null".to_owned(), |s| u64_text(s.into())))
        .raw("requestId", &optional(e.request_id()))
        .boolean("retryable", e.retryable())
        .raw("details", e.details_json().unwrap_or("null"))
        .finish()
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

/// An answer as Node's HTTP client gives it (`res.statusCode`, `res.rawHeaders.join('\n')` — names and values
/// alternate; HTTP forbids a line break inside either —, the body) in the core's form.
pub(crate) fn response(status: u32, raw_headers: &str, body: &[u8]) -> HttpResponse {
    let mut headers = Vec::new();
    let mut raw = raw_headers.split('\n');
    while let (Some(name), Some(value)) = (raw.next(), raw.next()) {
        headers.push((name.to_owned(), value.to_owned()));
    }
    HttpResponse { status: u16::try_from(status).unwrap_or(0), headers, body: body.to_vec() }
}

/// A failed exchange as the JS transport reports it: `kind` is `connect` (refused, reset, DNS, TLS, a
/// truncated answer), `timeout`, `offline` or `body_too_large` (then `limit` is the request's
/// `maxResponseBytes`); `message` is Node's own words.
pub(crate) fn transport_error(kind: &str, message: &str, limit: Option<f64>) -> TransportError {
    match TRANSPORT_FAILURES.iter().find(|(name, _)| *name == kind).map_or(TransportErrorKind::Connect, |(_, k)| *k) {
        TransportErrorKind::BodyTooLarge => TransportError::body_too_large(limit.unwrap_or(0.0) as usize),
        other => TransportError::new(other, message),
    }
}

/// The names JS gives a failed exchange's kind, both ways (the pooled transport names the core's kinds with them).
pub(crate) const TRANSPORT_FAILURES: [(&str, TransportErrorKind); 4] = [
    ("connect", TransportErrorKind::Connect),
    ("timeout", TransportErrorKind::Timeout),
    ("offline", TransportErrorKind::Offline),
    ("body_too_large", TransportErrorKind::BodyTooLarge),
];

/// The JS name of a failed exchange's kind.
pub(crate) fn transport_failure_name(kind: TransportErrorKind) -> &'static str {
    TRANSPORT_FAILURES.iter().find(|(_, k)| *k == kind).map_or("connect", |(name, _)| name)
}
