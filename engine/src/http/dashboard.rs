//! The dashboard: one page (`GET /dashboard/`, plain HTML and JavaScript embedded in the binary, no build
//! step) over the admin API, and the admin endpoints only it needs (`/dev/v1/functions`, `/dev/v1/users`,
//! `/dev/v1/invoke`). The page asks for the admin token and keeps it in the tab's `sessionStorage`.

use super::auth::check_function;
use super::manage::list_names;
use super::reply::{err, parse_sync, read_object, respond, ApiError};
use super::{run_invocation, S};
use crate::cloud::triggers::timer_triggers;
use crate::function::config::read_config;
use crate::function::{load_meta, Contract};
use crate::job::Origin;
use crate::Shared;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};
use std::sync::Arc;

/// The page.
const PAGE: &str = include_str!("dashboard.html");

/// `GET /dashboard/` (public: the data behind it needs the admin token).
pub(crate) fn page_router() -> Router<Arc<Shared>> {
    Router::new().route("/dashboard", get(page)).route("/dashboard/", get(page))
}

/// The dashboard's admin endpoints, nested in the `/dev/v1` router.
pub(crate) fn api_router() -> Router<Arc<Shared>> {
    Router::new().route("/functions", get(functions)).route("/users", get(users)).route("/invoke", post(invoke))
}

async fn page() -> Response {
    let mut resp = PAGE.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // The page loads nothing from elsewhere and may not be framed.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    resp
}

/// `GET /dev/v1/functions`: every function with its contract, limits, `config.json` and timer triggers
/// (each with its next firings, UTC+8).
async fn functions(State(s): S) -> Response {
    let shared = s.clone();
    let list = tokio::task::spawn_blocking(move || {
        let dir = &shared.config.functions_dir;
        let triggers = timer_triggers(dir);
        let now = Utc::now();
        let objects: Vec<Value> = list_names(&shared)
            .into_iter()
            .map(|name| {
                let fn_dir = dir.join(&name);
                let meta = load_meta(&fn_dir, shared.config.memory_limit_mb);
                let config = read_config(&fn_dir).ok().flatten();
                let time_limit = meta.time_limit.unwrap_or(shared.config.sync_time_limit);
                let remark = shared.remarks.lock().unwrap().get(&name).cloned().unwrap_or_default();
                let triggers: Vec<Value> = triggers
                    .iter()
                    .filter(|t| t.function == name)
                    .map(|t| match &t.schedule {
                        Ok(schedule) => json!({
                            "name": t.name,
                            "cron": schedule.expression(),
                            "next": schedule.upcoming(now, 3).iter().map(|d| d.to_rfc3339()).collect::<Vec<_>>(),
                        }),
                        Err(e) => json!({"name": t.name, "error": e}),
                    })
                    .collect();
                json!({
                    "name": name,
                    "remark": remark,
                    "contract": if meta.contract == Contract::Wechat { "wechat" } else { "minapp" },
                    "timeLimitInMS": time_limit.as_millis() as u64,
                    "memoryLimitInMB": meta.memory_limit_mb,
                    "config": config,
                    "triggers": triggers,
                })
            })
            .collect();
        objects
    })
    .await
    .unwrap_or_default();
    respond(200, &json!({"objects": list}), None)
}

/// `GET /dev/v1/users`: every user's profile with the expiry times of their live sessions (never tokens).
async fn users(State(s): S) -> Response {
    let sessions = s.sessions.lock().unwrap();
    let objects: Vec<Value> = sessions
        .overview()
        .into_iter()
        .map(|(user, expiries)| {
            let mut profile = user.profile();
            profile["sessions"] = json!(expiries.iter().map(|e| json!({"expires_at": e})).collect::<Vec<_>>());
            profile
        })
        .collect();
    respond(200, &json!({"objects": objects}), None)
}

/// `POST /dev/v1/invoke {function_name, data?, sync?, user_id?}`: runs a function as the client endpoint
/// would for user `user_id` (as a server-side call when absent); answers the invoke body (or
/// `{"status":"ok"}`) with the job id in `x-request-id`.
async fn invoke(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let obj = read_object(&s, &headers, body, false).await?;
    let name = match obj.get("function_name") {
        Some(Value::String(n)) => n.clone(),
        _ => return Err(err(400, "function_name is required and must be a string")),
    };
    check_function(&s, &name)?;
    let sync = parse_sync(&obj)?;
    let caller = match obj.get("user_id") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let id = v.as_i64().ok_or_else(|| err(400, "user_id must be a number"))?;
            let sessions = s.sessions.lock().unwrap();
            Some(sessions.user(id).ok_or_else(|| err(404, format!("user {id} not found")))?.caller())
        }
    };
    let origin = match &caller {
        Some(c) => Origin::client(c, None),
        None => Origin::http(),
    };
    Ok(run_invocation(s.clone(), name, obj.get("data").cloned(), caller, sync, origin).await)
}
