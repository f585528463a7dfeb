//! The HTTP surface: one router per API family, nested under the app.
//!
//! | family | prefix | errors | CORS | auth |
//! | --- | --- | --- | --- | --- |
//! | 知晓云 client ([`client`]) | `/hserve` | JSON `{"status":"error","error_msg"}` | yes | client id + session token |
//! | 知晓云 open API: credentials ([`open_api`]) | `/api/oauth2` | JSON | no | client id + client secret → code → access token |
//! | 知晓云 open API: cloud functions ([`manage`]) | `/oserve/v1.3` | JSON | no | open-API access token, or the admin token |
//! | development controls ([`dev`]) | `/dev/v1` | JSON | no | admin token |
//! | WeChat server API ([`wechat`]) | `/cgi-bin`, `/tcb` | WeChat `{"errcode","errmsg"}` | no | app secret → access_token |
//! | the dashboard page ([`dashboard`]) | `/dashboard/` | — | no | none (its data: admin token) |

mod auth;
mod client;
mod dashboard;
mod dev;
mod function_files;
mod manage;
mod open_api;
mod reply;
pub(crate) mod serve;
mod wechat;

use crate::invoke::{execute, new_job};
use crate::job::Origin;
use crate::sessions::Caller;
use crate::util::random_hex;
use crate::Shared;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
pub(crate) use reply::no_content;
use reply::{err, respond, ApiError};
use serde_json::{json, Value};
use std::sync::Arc;

type S = State<Arc<Shared>>;

/// Adds a random `x-request-id` to responses that have none.
async fn request_id(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if !resp.headers().contains_key("x-request-id") {
        if let Ok(v) = HeaderValue::from_str(&random_hex(16)) {
            resp.headers_mut().insert("x-request-id", v);
        }
    }
    resp
}

async fn fallback(method: Method, uri: Uri) -> ApiError {
    err(404, format!("not found: {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    err(405, format!("method {method} is not allowed on {}", uri.path()))
}

/// Browsers (the web SDK build) call the 知晓云 client endpoints cross-origin; no other family is a
/// browser's business (admin tokens, app secrets), so only `/hserve/` answers with CORS headers.
fn client_cors() -> tower_http::cors::CorsLayer {
    let client_paths =
        tower_http::cors::AllowOrigin::predicate(|_origin, request| request.uri.path().starts_with("/hserve/"));
    tower_http::cors::CorsLayer::permissive().allow_origin(client_paths)
}

/// The engine's app: every family's router under its prefix.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/hserve", client::router())
        .nest("/oserve/v1.3", manage::router(shared.clone()))
        .nest("/dev/v1", dev::router(shared.clone()))
        .merge(open_api::router())
        .merge(wechat::router())
        .merge(dashboard::page_router())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(request_id))
        .layer(client_cors())
        .with_state(shared)
}

/// Runs an invocation and builds the answer (sync: the invoke body; async: `{"status":"ok"}`).
async fn run_invocation(
    shared: Arc<Shared>,
    name: String,
    data: Option<Value>,
    caller: Option<Caller>,
    sync: bool,
    origin: Origin,
) -> Response {
    if !sync {
        return match crate::queue::enqueue(&shared, &name, data, caller, origin).await {
            Ok(job_id) => respond(200, &json!({"status": "ok"}), Some(&job_id)),
            Err(e) => err(500, e).into_response(),
        };
    }
    let job_id = new_job(&shared, &name, sync, &origin.source);
    let outcome = execute(shared, job_id.clone(), name, data, caller, true, origin).await;
    match outcome.body {
        Some(body) => respond(200, &body, Some(&job_id)),
        None => {
            let mut e = err(400, format!("schedule failed: {}", outcome.error_msg.unwrap_or_default()));
            e.request_id = Some(job_id);
            e.into_response()
        }
    }
}
