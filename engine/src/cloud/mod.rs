//! Cloud call (云调用, PROTOCOL.md §3.2): what WeChat-style functions reach through the
//! engine's `wx-server-sdk` stand-in, and the triggers that start them.
//!
//! - [`Origin`](crate::job::Origin): who started a job, as `cloud.getWXContext()` reports it (`SOURCE`, `OPENID`,
//!   `UNIONID`, `CLIENTIP`), chained along `callFunction` calls (`wx_client` → `wx_client,scf`).
//! - Calls from a running function (`cloud.callFunction`, `cloud.openapi.*`) arrive over the
//!   worker's socket as `{"call": {seq, job, kind, ...}}` lines; [`call_handler`] answers them.
//! - [`openapi`]: the open-API stand-in; [`outbox`]: the record of every open-API call.
//! - [`triggers`] and [`scheduler`]: timer triggers; [`message_push`]: pushed customer-service messages.
//! - [`baas`]: `BaaS.invoke` inside 知晓云 functions (the server SDK's global), through the same channel.
//!
//! Decisions where WeChat is not observable here:
//! - An undeclared API answers `errCode -604101`, `errMsg "openapi.<name>:fail -604101 function has
//!   no permission to call this API"`; an unknown API (declared or not, permission is checked first)
//!   `-604100 API not found`.
//! - `callFunction` errors: `-501007` bad `name` (not a non-empty string matching the function-name
//!   rule), `-501000` unknown function, `-504002` the callee failed (threw, rejected, exited),
//!   `-501002` the callee ran past its time limit, `-501001` the call chain is deeper than
//!   [`MAX_CALL_DEPTH`], `-1` the engine could not schedule the callee. `errMsg` is
//!   `callFunction:fail <code> <text>`.
//! - A callee waits for a free worker of its function like any job: a function that calls itself
//!   while all of its workers are busy waits until the caller's time limit ends the chain.

pub(crate) mod baas;
pub(crate) mod message_push;
pub(crate) mod openapi;
pub(crate) mod outbox;
pub(crate) mod scheduler;
pub(crate) mod triggers;

use crate::invoke::{execute, new_job};
use crate::job::{CallHandler, CallRequest, CallingJob};
use crate::jobs::JobStatus;
use crate::util::{now_ms, valid_function_name};
use crate::Shared;
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::sync::Arc;

/// How deep `callFunction` chains may nest (A → B is depth 1).
pub const MAX_CALL_DEPTH: u32 = 8;

/// The handler for calls from `job` (the engine's [`crate::job::CallRouter`]).
pub(crate) fn call_handler(shared: Arc<Shared>, job: CallingJob) -> CallHandler {
    Arc::new(move |req: CallRequest| -> BoxFuture<'static, Value> {
        Box::pin(handle_call(shared.clone(), job.clone(), req))
    })
}

fn fail(code: i64, msg: String) -> Value {
    json!({"ok": false, "errCode": code, "errMsg": msg})
}

async fn handle_call(shared: Arc<Shared>, job: CallingJob, req: CallRequest) -> Value {
    match req.call.get("kind").and_then(Value::as_str) {
        Some("callFunction") => call_function(shared, job, &req.call).await,
        Some("openapi") => call_openapi(&shared, &job, &req),
        Some("invoke") => baas::invoke(shared, job, &req.call).await,
        other => fail(-1, format!("unknown call kind {other:?}")),
    }
}

async fn call_function(shared: Arc<Shared>, job: CallingJob, call: &Value) -> Value {
    let f = |code: i64, text: String| fail(code, format!("callFunction:fail {code} {text}"));
    let name = match call.get("name") {
        Some(Value::String(n)) if valid_function_name(n) => n.clone(),
        Some(Value::String(n)) => {
            return f(-501007, format!("invalid parameter: {}", crate::util::invalid_name_message(n)))
        }
        _ => return f(-501007, "invalid parameter: name is required and must be a string".to_string()),
    };
    if !shared.config.functions_dir.join(&name).join("index.js").is_file() {
        return f(-501000, format!("function {name} not found"));
    }
    if job.origin.depth >= MAX_CALL_DEPTH {
        return f(
            -501001,
            format!("callFunction chain deeper than {MAX_CALL_DEPTH} calls (calling {name} from {})", job.function),
        );
    }
    let origin = job.origin.chained();
    let callee_job = new_job(&shared, &name, true, &origin.source);
    tracing::debug!(function = %job.function, job_id = %job.job_id, callee = %name, callee_job = %callee_job, "callFunction");
    let data = call.get("data").cloned();
    let outcome = execute(shared, callee_job.clone(), name.clone(), data, job.caller.clone(), true, origin).await;
    let body = outcome.body.unwrap_or(Value::Null);
    match outcome.status {
        JobStatus::Fulfilled => json!({"ok": true, "result": {
            "result": body.get("data").cloned().unwrap_or(Value::Null),
            "errMsg": "callFunction:ok",
            "requestID": callee_job,
        }}),
        JobStatus::DeadlineExceeded => f(-501002, format!("function {name} timed out (requestID {callee_job})")),
        JobStatus::ScheduleFailed => {
            f(-1, format!("system error: {} (requestID {callee_job})", outcome.error_msg.unwrap_or_default()))
        }
        _ => {
            let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("");
            f(-504002, format!("functions execute fail: {message} (requestID {callee_job})"))
        }
    }
}

fn call_openapi(shared: &Shared, job: &CallingJob, req: &CallRequest) -> Value {
    let api = req.call.get("api").and_then(Value::as_str).unwrap_or_default().to_string();
    let args = req.call.get("args").cloned().unwrap_or_else(|| json!({}));
    let answer = if !req.permissions.iter().any(|p| p == &api) {
        Err((-604101, "-604101 function has no permission to call this API".to_string()))
    } else {
        openapi::call(&api, &args).map_err(|(code, text)| {
            if code == openapi::API_NOT_FOUND {
                (code, format!("{code} {text}"))
            } else {
                (code, text)
            }
        })
    };
    let (reply, err_code, err_msg) = match answer {
        Ok(mut extra) => {
            let msg = format!("openapi.{api}:ok");
            let mut result = serde_json::Map::new();
            result.insert("errCode".into(), json!(0));
            result.insert("errMsg".into(), json!(msg));
            result.append(&mut extra);
            (json!({"ok": true, "result": result}), 0, msg)
        }
        Err((code, text)) => {
            let msg = format!("openapi.{api}:fail {text}");
            (fail(code, msg.clone()), code, msg)
        }
    };
    tracing::info!(function = %job.function, job_id = %job.job_id, api = %api, err_code, "open API call");
    shared.outbox.push(outbox::OutboxEntry {
        id: 0,
        api,
        args,
        function_name: job.function.clone(),
        job_id: job.job_id.clone(),
        openid: job.origin.openid.clone(),
        source: job.origin.source.clone(),
        time: now_ms(),
        err_code,
        err_msg,
    });
    reply
}
