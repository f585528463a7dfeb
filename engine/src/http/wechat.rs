//! WeChat's server-side HTTP API (PROTOCOL.md §2): the access_token endpoints and `invokecloudfunction`,
//! answering with WeChat's errcodes, so `WeChatCloud` clients can run against the local engine.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::reply::{read_limited, BodyError};
use crate::config::DEFAULT_WECHAT_SECRET;
use crate::invoke::{execute, new_job};
use crate::jobs::JobStatus;
use crate::util::valid_function_name;
use crate::wechat_tokens::TokenStatus;
use crate::Shared;

/// WeChat refuses function results over 1 MB (-604001).
const MAX_RESULT_BYTES: usize = 1024 * 1024;

type S = State<Arc<Shared>>;

/// The WeChat routes (`/cgi-bin/...`, `/tcb/...`), merged into the engine's router. Every answer, unknown
/// paths and oversized bodies included, is WeChat's `{"errcode", "errmsg"}`.
pub(crate) fn router() -> Router<Arc<Shared>> {
    let cgi_bin = Router::new()
        .route("/token", get(classic_token))
        .route("/stable_token", post(stable_token))
        .fallback(unknown_api)
        .method_not_allowed_fallback(wrong_method);
    let tcb = Router::new().route("/invokecloudfunction", any(invoke_cloud_function)).fallback(unknown_api);
    Router::new().nest("/cgi-bin", cgi_bin).nest("/tcb", tcb)
}

/// `40066 invalid url` (HTTP 404), as WeChat answers a path it does not serve.
async fn unknown_api(uri: axum::http::Uri) -> Response {
    let mut r = wx(40066, format!("invalid url: {}", uri.path()));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

/// `43001 require GET method` / `43002 require POST method`.
async fn wrong_method(method: Method) -> Response {
    if method == Method::GET {
        wx(43002, "require POST method")
    } else {
        wx(43001, "require GET method")
    }
}

/// Reads a WeChat body under the engine's one body limit; too large is HTTP 413 with `47001`.
async fn read_wx_body(s: &Shared, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    read_limited(headers, body, s.config.max_body_bytes).await.map_err(|e| match e {
        BodyError::TooLarge(limit) => {
            let mut r = wx(47001, format!("data format error: the request body exceeds the {limit} byte limit"));
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            r
        }
        BodyError::Unreadable(e) => wx(47001, format!("data format error: cannot read the request body: {e}")),
    })
}

fn wx(errcode: i64, errmsg: impl Into<String>) -> Response {
    Json(json!({"errcode": errcode, "errmsg": errmsg.into()})).into_response()
}

/// Checks app ID and secret with WeChat's errcodes; `None` when they are right.
fn check_credentials(
    s: &Shared,
    grant_type: Option<&str>,
    appid: Option<&str>,
    secret: Option<&str>,
) -> Option<Response> {
    s.wechat_tokens.requests.fetch_add(1, Ordering::SeqCst);
    let config = &s.config;
    if grant_type != Some("client_credential") {
        return Some(wx(40002, "invalid grant_type"));
    }
    match appid {
        None | Some("") => return Some(wx(41002, "appid missing")),
        Some(a) if a != config.wechat_app_id => return Some(wx(40013, "invalid appid")),
        _ => {}
    }
    match secret {
        None | Some("") => Some(wx(41004, "appsecret missing")),
        Some(sec) if sec != config.wechat_app_secret => {
            Some(wx(40001, "invalid credential, access_token is invalid or not latest"))
        }
        _ => None,
    }
}

fn token_answer(s: &Shared, token: String) -> Response {
    s.wechat_tokens.fetches.fetch_add(1, Ordering::SeqCst);
    tracing::info!("wechat access_token issued");
    Json(json!({"access_token": token, "expires_in": s.config.wechat_token_expires_in})).into_response()
}

/// `GET /cgi-bin/token`: a new token on every fetch; earlier ones stay valid for 5 more minutes.
async fn classic_token(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str);
    if let Some(refusal) = check_credentials(&s, get("grant_type"), get("appid"), get("secret")) {
        return refusal;
    }
    let token = s.wechat_tokens.issue(s.config.wechat_token_expires_in);
    token_answer(&s, token)
}

/// `POST /cgi-bin/stable_token`: the same token until it expires, a new one on `force_refresh`.
async fn stable_token(State(s): S, headers: HeaderMap, body: Body) -> Response {
    let body = match read_wx_body(&s, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let request = match crate::request::stable_token_request(&body) {
        Ok(request) => request,
        Err(refusal) => {
            s.wechat_tokens.requests.fetch_add(1, Ordering::SeqCst);
            return wx(refusal.errcode, refusal.errmsg);
        }
    };
    let (grant_type, appid, secret) =
        (request.grant_type.as_deref(), request.appid.as_deref(), request.secret.as_deref());
    if let Some(refusal) = check_credentials(&s, grant_type, appid, secret) {
        return refusal;
    }
    let force = request.force_refresh;
    let mut stable = s.wechat_tokens.stable.lock().unwrap();
    let reuse = stable.as_ref().filter(|t| !force && matches!(s.wechat_tokens.status(t), TokenStatus::Live)).cloned();
    let token = match reuse {
        Some(t) => t,
        None => {
            let t = s.wechat_tokens.issue(s.config.wechat_token_expires_in);
            *stable = Some(t.clone());
            t
        }
    };
    drop(stable);
    token_answer(&s, token)
}

/// `POST /tcb/invokecloudfunction?access_token&env&name`: runs the function with the body as its event
/// (WeChat-style functions get `userInfo: {appId}` and `SOURCE = wx_http`) under the 5 s limit.
async fn invoke_cloud_function(
    State(s): S,
    method: Method,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST {
        return wx(43002, "require POST method");
    }
    let body = match read_wx_body(&s, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let token = match q.get("access_token").map(String::as_str) {
        None | Some("") => return wx(41001, "access_token missing"),
        Some(t) => t,
    };
    match s.wechat_tokens.status(token) {
        TokenStatus::Live => {}
        TokenStatus::Expired => return wx(42001, "access_token expired"),
        TokenStatus::Invalid => return wx(40014, "invalid access_token"),
    }
    let (env, name) = match (q.get("env"), q.get("name")) {
        (Some(env), Some(name)) if !env.is_empty() && !name.is_empty() => (env, name),
        _ => return wx(40101, "missing parameter: env and name are required"),
    };
    let event = match crate::request::wechat_event(&body) {
        Ok(event) => event,
        Err(refusal) => return wx(refusal.errcode, refusal.errmsg),
    };
    if s.config.wechat_app_secret == DEFAULT_WECHAT_SECRET && !s.allow_anonymous.load(Ordering::SeqCst) {
        // Anyone can read the default secret, so a token got with it proves nothing: such calls follow the
        // anonymous rule of every route that runs code.
        return wx(
            48001,
            "api unauthorized: this engine's WeChat app secret is the public default, so its tokens count as \
             anonymous and anonymous calls are not allowed; start the engine with its own secret \
             (--wechat-secret-file or MINICLOUD_WECHAT_SECRET) or with --allow-anonymous",
        );
    }
    if env != &s.config.wechat_env {
        return wx(-501000, format!("env {env} not found"));
    }
    if !valid_function_name(name) || !s.config.functions_dir.join(name).join("index.js").is_file() {
        return wx(-501000, format!("function {name} not found"));
    }
    let origin = crate::job::Origin::http();
    let job_id = new_job(&s, name, true, &origin.source);
    let outcome = execute(s.clone(), job_id, name.clone(), Some(event), None, true, origin).await;
    let body = outcome.body.unwrap_or(Value::Null);
    match outcome.status {
        JobStatus::Fulfilled => {
            let resp_data = serde_json::to_string(&body["data"]).unwrap_or_default();
            if resp_data.len() > MAX_RESULT_BYTES {
                return wx(-604001, "function result exceeds 1MB");
            }
            Json(json!({"errcode": 0, "errmsg": "ok", "resp_data": resp_data})).into_response()
        }
        JobStatus::DeadlineExceeded => wx(-501002, format!("function {name} timed out")),
        JobStatus::ScheduleFailed => wx(-1, "system error"),
        _ => {
            let message = body.pointer("/error/message").and_then(Value::as_str).unwrap_or("");
            wx(-504002, format!("functions execute fail: {message}"))
        }
    }
}
