//! `BaaS.invoke(name, params, sync)` inside a 知晓云 function (PROTOCOL.md §5.4): the server SDK's call to
//! another function, run by the engine as a server-side call (no user, like the open API's invoke) and
//! counted in the same chain as `cloud.callFunction` ([`super::MAX_CALL_DEPTH`]).
//!
//! The reply the worker turns into the promise's outcome: `{ok: true, result: <invoke body>}` — `{code, data,
//! error}`, a failed function included (`code: 1`), or `{status: "ok"}` for `sync: false` — or `{ok: false,
//! errCode: <HTTP status>, errMsg: "<status>: <text>"}` as the client SDK's HError words it: `400` a bad name
//! or a chain too deep or a schedule failure, `404` an unknown function (`"404: not found"`).

use super::MAX_CALL_DEPTH;
use crate::invoke::{execute, new_job};
use crate::job::CallingJob;
use crate::util::{invalid_name_message, valid_function_name};
use crate::Shared;
use serde_json::{json, Value};
use std::sync::Arc;

fn refused(status: u16, text: &str) -> Value {
    json!({"ok": false, "errCode": status, "errMsg": format!("{status}: {text}")})
}

/// Runs the `invoke` call `call` (`{name, data?, sync?}`) made by `job`.
pub(crate) async fn invoke(shared: Arc<Shared>, job: CallingJob, call: &Value) -> Value {
    let name = match call.get("name") {
        Some(Value::String(n)) if valid_function_name(n) => n.clone(),
        Some(Value::String(n)) => return refused(400, &invalid_name_message(n)),
        _ => return refused(400, "function name must be a non-empty string"),
    };
    if !shared.config.functions_dir.join(&name).join("index.js").is_file() {
        return refused(404, "not found");
    }
    if job.origin.depth >= MAX_CALL_DEPTH {
        let text =
            format!("BaaS.invoke chain deeper than {MAX_CALL_DEPTH} calls (calling {name} from {})", job.function);
        return refused(400, &text);
    }
    let sync = call.get("sync").and_then(Value::as_bool).unwrap_or(true);
    let data = call.get("data").cloned();
    let origin = job.origin.baas_chained();
    tracing::debug!(function = %job.function, job_id = %job.job_id, callee = %name, sync, "BaaS.invoke");
    if !sync {
        return match crate::queue::enqueue(&shared, &name, data, None, origin).await {
            Ok(_) => json!({"ok": true, "result": {"status": "ok"}}),
            Err(e) => refused(500, &e),
        };
    }
    let callee_job = new_job(&shared, &name, true, &origin.source);
    let outcome = execute(shared, callee_job, name, data, None, true, origin).await;
    match outcome.body {
        Some(body) => json!({"ok": true, "result": body}),
        None => refused(400, &format!("schedule failed: {}", outcome.error_msg.unwrap_or_default())),
    }
}
