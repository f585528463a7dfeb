//! Test and development controls (`/dev/v1/...`, admin only): what the bindings' end-to-end tests and the
//! dashboard need from outside the process.

use super::auth::admin_only;
use super::reply::{err, page, paging, read_object, respond, ApiError};
use super::{no_content, S};
use crate::Shared;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The `/dev/v1` router (paths below the prefix), admin only.
pub(crate) fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/stats", get(stats))
        .route("/sessions/revoke", post(revoke_sessions))
        .route("/sessions/expire", post(expire_sessions))
        .route("/wechat/expire-tokens", post(expire_wechat_tokens))
        .route("/open-api/expire-tokens", post(expire_open_api_tokens))
        .route("/openapi/outbox", get(outbox).delete(clear_outbox))
        .route("/message-push", post(message_push))
        .merge(super::dashboard::api_router())
        .route_layer(axum::middleware::from_fn_with_state(shared, admin_only))
}

/// `GET /dev/v1/stats`: `{"login_count", "job_count", "wechat_token_fetches", "wechat_token_requests",
/// "open_api_token_fetches"}`.
async fn stats(State(s): S) -> Response {
    let body = json!({
        "login_count": s.login_count.load(Ordering::SeqCst),
        "job_count": s.jobs.count(None),
        "wechat_token_fetches": s.wechat_tokens.fetches.load(Ordering::SeqCst),
        "wechat_token_requests": s.wechat_tokens.requests.load(Ordering::SeqCst),
        "open_api_token_fetches": s.open_api_tokens.fetches.load(Ordering::SeqCst),
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// `POST /dev/v1/sessions/revoke`: every token becomes invalid (204).
async fn revoke_sessions(State(s): S) -> Response {
    s.sessions.lock().unwrap().revoke_all();
    no_content()
}

/// `POST /dev/v1/sessions/expire`: every token expires now (204).
async fn expire_sessions(State(s): S) -> Response {
    s.sessions.lock().unwrap().expire_all();
    no_content()
}

/// `POST /dev/v1/open-api/expire-tokens`: every open-API access token expires now (204).
async fn expire_open_api_tokens(State(s): S) -> Response {
    s.open_api_tokens.expire_all();
    no_content()
}

/// `POST /dev/v1/wechat/expire-tokens`: every WeChat access_token expires now (204).
async fn expire_wechat_tokens(State(s): S) -> Response {
    s.wechat_tokens.expire_all();
    no_content()
}

/// `GET /dev/v1/openapi/outbox?function_name=&api=&limit=&offset=`: the open-API calls functions
/// made, oldest first, as [`crate::OutboxEntry`] objects in a page.
async fn outbox(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let (limit, offset) = paging(&q, 100);
    let objects: Vec<Value> = s
        .outbox
        .all()
        .into_iter()
        .filter(|e| q.get("function_name").is_none_or(|f| &e.function_name == f))
        .filter(|e| q.get("api").is_none_or(|a| &e.api == a))
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    respond(200, &page(objects, limit, offset), None)
}

/// `DELETE /dev/v1/openapi/outbox`: empties the outbox (204).
async fn clear_outbox(State(s): S) -> Response {
    s.outbox.clear();
    no_content()
}

/// `POST /dev/v1/message-push` (a customer-service message as JSON): delivers it to the function
/// that declares `messagePush` for its `MsgType` (see `cloud::message_push`).
async fn message_push(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let message = read_object(&s, &headers, body, false).await?;
    match crate::cloud::message_push::deliver(s.clone(), message).await {
        Ok(answer) => {
            let job_id = answer["job_id"].as_str().map(str::to_string);
            Ok(respond(200, &answer, job_id.as_deref()))
        }
        Err((status, msg)) => Err(err(status, msg)),
    }
}
