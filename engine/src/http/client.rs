//! The 知晓云 client endpoints (`/hserve/...`, PROTOCOL.md §1): sessions and invoke. The only family a
//! browser legitimately calls.

use super::auth::{authenticate, check_client_id, check_function};
use super::reply::{err, header, read_body, read_object, required_str, respond, ApiError};
use super::{no_content, run_invocation, S};
use crate::job::Origin;
use crate::sessions::Ident;
use crate::Shared;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Providers accepted by `/hserve/v2.5/idp/{provider}/silent-login/`.
const PROVIDERS: &[&str] = &["wechat", "qq", "baidu", "bytedance", "jd", "kuaishou", "alipay"];

/// The `/hserve` router (paths below the prefix).
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/cloud-function/job/", post(invoke))
        .route("/v2.1/register/{kind}/", post(register))
        .route("/v2.1/login/sms/", post(login_sms))
        .route("/v2.1/login/{kind}/", post(login))
        .route("/v2.0/login/anonymous/", post(login_anonymous))
        .route("/v2.5/idp/{provider}/silent-login/", post(silent_login))
        .route("/v2.0/session/destroy/", post(destroy_session))
        .route("/v2.5/user/info/{uid}/", get(user_info))
        .route("/v1/latest-sdk-version/", get(latest_sdk_version))
        .route("/v2.0/template-message/event-report/", post(template_message_report))
}

async fn invoke(
    State(s): S,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    let caller = authenticate(&s, &headers)?;
    if caller.is_anonymous && !s.allow_anonymous.load(Ordering::SeqCst) {
        return Err(err(403, "anonymous user is not allowed to invoke cloud functions"));
    }
    let request = crate::request::invoke_request(&read_body(&s, &headers, body).await?)?;
    check_function(&s, &request.function_name)?;
    let mut origin = Origin::client(&caller, Some(peer.ip()));
    // A user agent may carry non-ASCII text (a host's Chinese app name): kept as UTF-8.
    origin.user_agent = headers.get("user-agent").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    origin.env_id = header(&headers, "x-hydrogen-env-id").map(str::to_owned);
    Ok(run_invocation(s.clone(), request.function_name, request.data, Some(caller), request.sync, origin).await)
}

fn session_answer(s: &Shared, body: Value) -> Response {
    s.login_count.fetch_add(1, Ordering::SeqCst);
    respond(201, &body, None)
}

fn parse_ident(kind: &str) -> Result<Ident, ApiError> {
    Ident::parse(kind).ok_or_else(|| err(404, format!("unknown account kind {kind:?}")))
}

fn create_user_flag(obj: &Map<String, Value>) -> bool {
    obj.get("create_user").and_then(Value::as_bool).unwrap_or(true)
}

async fn register(State(s): S, Path(kind): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    let ident = parse_ident(&kind)?;
    let obj = read_object(&s, &headers, body, false).await?;
    let value = required_str(&obj, ident.field())?;
    let password = required_str(&obj, "password")?;
    let answer = s.sessions.lock().unwrap().register(ident, value, password).map_err(|(code, msg)| err(code, msg))?;
    Ok(session_answer(&s, answer))
}

async fn login(State(s): S, Path(kind): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    let ident = parse_ident(&kind)?;
    let obj = read_object(&s, &headers, body, false).await?;
    let value = required_str(&obj, ident.field())?;
    let password = required_str(&obj, "password")?;
    let answer = s.sessions.lock().unwrap().login(ident, value, password).map_err(|(code, msg)| err(code, msg))?;
    Ok(session_answer(&s, answer))
}

async fn login_sms(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    let obj = read_object(&s, &headers, body, false).await?;
    let phone = required_str(&obj, "phone")?;
    let code = match obj.get("code") {
        Some(Value::String(c)) => c.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(err(400, "code is required")),
    };
    if code != s.config.sms_dev_code {
        return Err(err(400, "invalid verification code"));
    }
    let answer =
        s.sessions.lock().unwrap().login_sms(phone, create_user_flag(&obj)).map_err(|(code, msg)| err(code, msg))?;
    Ok(session_answer(&s, answer))
}

async fn login_anonymous(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    read_body(&s, &headers, body).await?;
    let answer = s.sessions.lock().unwrap().login_anonymous();
    Ok(session_answer(&s, answer))
}

async fn silent_login(
    State(s): S,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    if !PROVIDERS.contains(&provider.as_str()) {
        return Err(err(404, format!("unsupported login provider {provider:?} (supported: {})", PROVIDERS.join(", "))));
    }
    let obj = read_object(&s, &headers, body, false).await?;
    let code = required_str(&obj, "code")?;
    let answer = s
        .sessions
        .lock()
        .unwrap()
        .silent_login(&provider, code, create_user_flag(&obj))
        .map_err(|(code, msg)| err(code, msg))?;
    Ok(session_answer(&s, answer))
}

async fn destroy_session(State(s): S, headers: HeaderMap) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    s.sessions
        .lock()
        .unwrap()
        .destroy(super::reply::header(&headers, "authorization"))
        .map_err(|e| err(401, e.message()))?;
    Ok(no_content())
}

async fn user_info(State(s): S, Path(uid): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_client_id(&s, &headers)?;
    authenticate(&s, &headers)?;
    let not_found = || err(404, format!("user {uid} not found"));
    let id: i64 = uid.parse().map_err(|_| not_found())?;
    let sessions = s.sessions.lock().unwrap();
    let user = sessions.user(id).ok_or_else(not_found)?;
    Ok(respond(200, &user.profile(), None))
}

/// Side request of the official SDK (devtools only): answered so it does not fail.
async fn latest_sdk_version() -> Response {
    respond(200, &json!({"wechat_miniapp": "3.23.6"}), None)
}

/// Side request of the official SDK (template-message statistics): accepted and ignored.
async fn template_message_report(State(s): S, headers: HeaderMap, body: Body) -> Response {
    let _ = read_body(&s, &headers, body).await;
    respond(201, &json!({}), None)
}
