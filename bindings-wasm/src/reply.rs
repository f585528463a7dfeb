//! What `mc_run` answers, as JSON text built by concatenation (the machine's own writer, no serde): a call's
//! next action, the outputs to apply, an HError, the current user. `js/driver.js` reads these shapes.

use minicloud_core::machine::json::{self, ObjectWriter};
use minicloud_core::machine::text::{push_i64, push_u64, u64_text};
use minicloud_core::machine::{Action, Answer, CallId, CurrentUser, LogLevel, Machine, Output};
use minicloud_core::HError;

/// `{"err": {...}}`: a command that failed as a whole.
pub fn error(error: &HError) -> String {
    ObjectWriter::new().raw("err", &herror(error)).finish()
}

/// An HError as JS builds its `Error` from it: `{code, message, kind, status, requestId, retryable, details}`
/// (`details` is JSON, secrets already removed by the machine).
pub fn herror(error: &HError) -> String {
    ObjectWriter::new()
        .raw("code", &u64_text(error.code().into()))
        .string("message", error.message())
        .string("kind", error.kind().as_str())
        .raw("status", &error.status().map_or_else(|| "null".to_owned(), |s| u64_text(s.into())))
        .raw("requestId", &error.request_id().map_or_else(|| "null".to_owned(), json::string))
        .boolean("retryable", error.retryable())
        .raw("details", error.details_json().unwrap_or("null"))
        .finish()
}

/// The signed-in user: `{userId, openid, unionid, isAnonymous, expiresAt, profile}` (`profile` is what the
/// official current-user object's `toJSON()` gives).
fn user(user: &CurrentUser) -> String {
    let optional = |text: &Option<String>| text.as_deref().map_or_else(|| "null".to_owned(), json::string);
    let mut expires = String::new();
    match user.expires_at {
        Some(at) => push_i64(&mut expires, at),
        None => expires.push_str("null"),
    }
    ObjectWriter::new()
        .raw("userId", user.id_json.as_deref().unwrap_or("null"))
        .raw("openid", &optional(&user.openid))
        .raw("unionid", &optional(&user.unionid))
        .boolean("isAnonymous", user.is_anonymous)
        .raw("expiresAt", &expires)
        .raw("profile", &user.profile_json)
        .finish()
}

/// A call's next action:
/// - `{"send": {method, url, headers: [[name, value]...], body?, timeoutMs, maxResponseBytes}}`;
/// - `{"code": true}` (ask the host for a login code), `{"offline": true}` (ask whether it is offline);
/// - `{"sleep": until_ms}`, `{"wait": true}` (parked until a wake-up);
/// - `{"done": {"body": <the server's JSON>}}`, `{"done": {"user": {...}}}`, `{"done": {"empty": true}}`,
///   `{"done": {"err": {...}}}`.
fn action(action: Action<Answer, HError>) -> String {
    let object = ObjectWriter::new();
    match action {
        Action::Send(request) => {
            let mut headers = String::from("[");
            for (i, (name, value)) in request.headers.iter().enumerate() {
                if i > 0 {
                    headers.push(',');
                }
                headers.push('[');
                json::push_string(&mut headers, name);
                headers.push(',');
                json::push_string(&mut headers, value);
                headers.push(']');
            }
            headers.push(']');
            let mut send = ObjectWriter::new()
                .string("method", request.method.as_str())
                .string("url", &request.url)
                .raw("headers", &headers);
            if let Some(body) = request.body_text() {
                send = send.string("body", body);
            }
            let send = send
                .raw("timeoutMs", &u64_text(request.timeout.as_millis() as u64))
                .raw("maxResponseBytes", &u64_text(request.max_response_bytes as u64))
                .finish();
            object.raw("send", &send)
        }
        Action::LoginCode => object.boolean("code", true),
        Action::CheckOffline => object.boolean("offline", true),
        Action::Sleep { until_ms } => object.raw("sleep", &u64_text(until_ms)),
        // FetchToken is WeChat's (not in this module); a 知晓云 call never asks for it.
        Action::Wait | Action::FetchToken { .. } => object.boolean("wait", true),
        Action::Done(outcome) => {
            let done = match outcome {
                Ok(Answer::Body(body)) => ObjectWriter::new().raw("body", &body),
                Ok(Answer::User(current)) => ObjectWriter::new().raw("user", &user(&current)),
                Ok(Answer::Empty) => ObjectWriter::new().boolean("empty", true),
                Err(error) => ObjectWriter::new().raw("err", &herror(&error)),
            };
            object.raw("done", &done.finish())
        }
    }
    .finish()
}

/// The machine's outputs, in order: `["s", key, value]` (a storage write), `["w", text]` (a warning for the
/// host's console; other log levels are dropped), `["k", call]` (a parked call can go on).
fn outputs(machine: &mut Machine) -> String {
    let mut out = String::from("[");
    let mut first = true;
    while let Some(output) = machine.poll_output() {
        let item = match output {
            Output::Store { key, value_json } => {
                let mut item = String::from("[\"s\",");
                json::push_string(&mut item, key);
                item.push(',');
                item.push_str(&value_json);
                item
            }
            Output::Log(event) if event.level == LogLevel::Warn => {
                let mut item = String::from("[\"w\",");
                json::push_string(&mut item, &event.message);
                item
            }
            Output::Log(_) => continue,
            Output::Wake(call) => {
                let mut item = String::from("[\"k\",");
                push_u64(&mut item, call.get());
                item
            }
        };
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&item);
        out.push(']');
    }
    out.push(']');
    out
}

/// `{"a": action, "o": outputs}`: what a call does next, and what to apply first.
pub fn step(machine: &mut Machine, next: Action<Answer, HError>) -> String {
    let action = action(next);
    ObjectWriter::new().raw("a", &action).raw("o", &outputs(machine)).finish()
}

/// `{"id", "deadline", "a", "o"}`: a call just started (its id and deadline for the JS timer), and its first
/// step.
pub fn started(machine: &mut Machine, call: CallId, deadline_ms: u64, next: Action<Answer, HError>) -> String {
    let action = action(next);
    ObjectWriter::new()
        .raw("id", &u64_text(call.get()))
        .raw("deadline", &u64_text(deadline_ms))
        .raw("a", &action)
        .raw("o", &outputs(machine))
        .finish()
}

/// `{"a": {"done": {"err": ...}}, "o": []}`: a call refused before it reached the machine.
pub fn refused(error: &HError) -> String {
    step_without_machine(Action::Done(Err(error.clone())))
}

fn step_without_machine(next: Action<Answer, HError>) -> String {
    ObjectWriter::new().raw("id", "0").raw("deadline", "0").raw("a", &action(next)).raw("o", "[]").finish()
}

/// `{"o": outputs}`: a command that only changes state (`clearSession`).
pub fn outputs_only(machine: &mut Machine) -> String {
    ObjectWriter::new().raw("o", &outputs(machine)).finish()
}

/// `{"ok": handle, "keys": [...], "version": "v…"}`: a new client, the storage keys to read before each call
/// (the official `ifx_baas_*` keys) and the `X-Hydrogen-Client-Version` it sends.
pub fn created(handle: usize, keys: &[&str], version: &str) -> String {
    let mut list = String::from("[");
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        json::push_string(&mut list, key);
    }
    list.push(']');
    ObjectWriter::new().raw("ok", &u64_text(handle as u64)).raw("keys", &list).string("version", version).finish()
}
