//! What `mc_run` answers, as JSON text: a call's next action, the outputs to apply, an HError, the current
//! user. `js/driver.js` reads these shapes.
//!
//! Each reply is written into one `String` front to back: the keys are literals (no key escaping at run time,
//! no intermediate string per nested object), the values go through the machine's own writers
//! (`json::push_string`, `text::push_u64`). Written this way the replies cost less code than with
//! `json::ObjectWriter` (benches/README.md, "what was measured").

use minicloud_core::machine::json;
use minicloud_core::machine::text::{push_i64, push_u64};
use minicloud_core::machine::{Action, Answer, CallId, CurrentUser, LogLevel, Machine, Output};
use minicloud_core::HError;

/// A JSON string, or `null`.
fn push_optional(out: &mut String, text: Option<&str>) {
    match text {
        Some(text) => json::push_string(out, text),
        None => out.push_str("null"),
    }
}

fn push_bool(out: &mut String, value: bool) {
    out.push_str(if value { "true" } else { "false" });
}

/// `{"err": {...}}`: a command that failed as a whole.
pub fn error(error: &HError) -> String {
    let mut out = String::from("{\"err\":");
    herror(&mut out, error);
    out.push('}');
    out
}

/// An HError as JS builds its `Error` from it: `{code, message, kind, status, requestId, retryable, details}`
/// (`details` is JSON, secrets already removed by the machine).
fn herror(out: &mut String, error: &HError) {
    out.push_str("{\"code\":");
    push_u64(out, error.code().into());
    out.push_str(",\"message\":");
    json::push_string(out, error.message());
    out.push_str(",\"kind\":");
    json::push_string(out, error.kind().as_str());
    out.push_str(",\"status\":");
    match error.status() {
        Some(status) => push_u64(out, status.into()),
        None => out.push_str("null"),
    }
    out.push_str(",\"requestId\":");
    push_optional(out, error.request_id());
    out.push_str(",\"retryable\":");
    push_bool(out, error.retryable());
    out.push_str(",\"details\":");
    out.push_str(error.details_json().unwrap_or("null"));
    out.push('}');
}

/// The signed-in user: `{userId, openid, unionid, isAnonymous, expiresAt, profile}` (`profile` is what the
/// official current-user object's `toJSON()` gives).
fn user(out: &mut String, user: &CurrentUser) {
    out.push_str("{\"userId\":");
    out.push_str(user.id_json.as_deref().unwrap_or("null"));
    out.push_str(",\"openid\":");
    push_optional(out, user.openid.as_deref());
    out.push_str(",\"unionid\":");
    push_optional(out, user.unionid.as_deref());
    out.push_str(",\"isAnonymous\":");
    push_bool(out, user.is_anonymous);
    out.push_str(",\"expiresAt\":");
    match user.expires_at {
        Some(at) => push_i64(out, at),
        None => out.push_str("null"),
    }
    out.push_str(",\"profile\":");
    out.push_str(&user.profile_json);
    out.push('}');
}

/// A call's next action:
/// - `{"send": {method, url, headers: [[name, value]...], body?, timeoutMs, maxResponseBytes}}`;
/// - `{"code": true}` (ask the host for a login code), `{"offline": true}` (ask whether it is offline);
/// - `{"sleep": until_ms}`, `{"wait": true}` (parked until a wake-up);
/// - `{"done": {"body": <the server's JSON>}}`, `{"done": {"user": {...}}}`, `{"done": {"empty": true}}`,
///   `{"done": {"err": {...}}}`.
fn action(out: &mut String, action: Action<Answer, HError>) {
    match action {
        Action::Send(request) => {
            out.push_str("{\"send\":{\"method\":");
            json::push_string(out, request.method.as_str());
            out.push_str(",\"url\":");
            json::push_string(out, &request.url);
            out.push_str(",\"headers\":[");
            for (i, (name, value)) in request.headers.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                json::push_string(out, name);
                out.push(',');
                json::push_string(out, value);
                out.push(']');
            }
            out.push(']');
            if let Some(body) = request.body_text() {
                out.push_str(",\"body\":");
                json::push_string(out, body);
            }
            out.push_str(",\"timeoutMs\":");
            push_u64(out, request.timeout.as_millis() as u64);
            out.push_str(",\"maxResponseBytes\":");
            push_u64(out, request.max_response_bytes as u64);
            out.push('}');
        }
        Action::LoginCode => out.push_str("{\"code\":true"),
        Action::CheckOffline => out.push_str("{\"offline\":true"),
        Action::Sleep { until_ms } => {
            out.push_str("{\"sleep\":");
            push_u64(out, until_ms);
        }
        // FetchToken is WeChat's (not in this module); a 知晓云 call never asks for it.
        Action::Wait | Action::FetchToken { .. } => out.push_str("{\"wait\":true"),
        Action::Done(outcome) => {
            match outcome {
                Ok(Answer::Body(body)) => {
                    out.push_str("{\"done\":{\"body\":");
                    out.push_str(&body);
                }
                Ok(Answer::User(current)) => {
                    out.push_str("{\"done\":{\"user\":");
                    user(out, &current);
                }
                Ok(Answer::Empty) => out.push_str("{\"done\":{\"empty\":true"),
                Err(error) => {
                    out.push_str("{\"done\":{\"err\":");
                    herror(out, &error);
                }
            }
            out.push('}');
        }
    }
    out.push('}');
}

/// The machine's outputs, in order: `["s", key, value]` (a storage write), `["w", text]` (a warning for the
/// host's console; other log levels are dropped), `["k", call]` (a parked call can go on).
fn outputs(out: &mut String, machine: &mut Machine) {
    out.push('[');
    let mut first = true;
    while let Some(output) = machine.poll_output() {
        if matches!(&output, Output::Log(event) if event.level != LogLevel::Warn) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        match output {
            Output::Store { key, value_json } => {
                out.push_str("[\"s\",");
                json::push_string(out, key);
                out.push(',');
                out.push_str(&value_json);
            }
            Output::Log(event) => {
                out.push_str("[\"w\",");
                json::push_string(out, &event.message);
            }
            Output::Wake(call) => {
                out.push_str("[\"k\",");
                push_u64(out, call.get());
            }
        }
        out.push(']');
    }
    out.push(']');
}

/// `…"a": action, "o": outputs}`: the end every step reply shares.
fn finish_step(mut out: String, machine: Option<&mut Machine>, next: Action<Answer, HError>) -> String {
    out.push_str("\"a\":");
    action(&mut out, next);
    out.push_str(",\"o\":");
    match machine {
        Some(machine) => outputs(&mut out, machine),
        None => out.push_str("[]"),
    }
    out.push('}');
    out
}

/// `{"a": action, "o": outputs}`: what a call does next, and what to apply first.
pub fn step(machine: &mut Machine, next: Action<Answer, HError>) -> String {
    finish_step(String::from("{"), Some(machine), next)
}

/// `{"id", "deadline", "a", "o"}`: a call just started (its id and deadline for the JS timer), and its first
/// step.
pub fn started(machine: &mut Machine, call: CallId, deadline_ms: u64, next: Action<Answer, HError>) -> String {
    let mut out = String::from("{\"id\":");
    push_u64(&mut out, call.get());
    out.push_str(",\"deadline\":");
    push_u64(&mut out, deadline_ms);
    out.push(',');
    finish_step(out, Some(machine), next)
}

/// `{"id": 0, "deadline": 0, "a": {"done": {"err": ...}}, "o": []}`: a call refused before it reached the
/// machine.
pub fn refused(error: HError) -> String {
    finish_step(String::from("{\"id\":0,\"deadline\":0,"), None, Action::Done(Err(error)))
}

/// `{"o": outputs}`: a command that only changes state (`clearSession`).
pub fn outputs_only(machine: &mut Machine) -> String {
    let mut out = String::from("{\"o\":");
    outputs(&mut out, machine);
    out.push('}');
    out
}

/// `{"ok": handle, "keys": [...], "version": "v…"}`: a new client, the storage keys to read before each call
/// (the official `ifx_baas_*` keys) and the `X-Hydrogen-Client-Version` it sends.
pub fn created(handle: usize, keys: &[&str], version: &str) -> String {
    let mut out = String::from("{\"ok\":");
    push_u64(&mut out, handle as u64);
    out.push_str(",\"keys\":[");
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json::push_string(&mut out, key);
    }
    out.push_str("],\"version\":");
    json::push_string(&mut out, version);
    out.push('}');
    out
}
