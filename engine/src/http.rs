//! The HTTP surface: 知晓云 client endpoints (`/hserve/...`) and the management API
//! (`/oserve/v1.3/cloud-function/...`).

use crate::cloud::Origin;
use crate::invoke::{execute, new_job};
use crate::sessions::{Caller, Ident};
use crate::util::{invalid_name_message, now_s, random_hex, valid_function_name};
use crate::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures::StreamExt;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

type S = State<Arc<Shared>>;

/// Bodies larger than this are not even drained before answering 413.
const DRAIN_CAP: usize = 64 * 1024 * 1024;

/// Providers accepted by `/hserve/v2.5/idp/{provider}/silent-login/`.
const PROVIDERS: &[&str] = &["wechat", "qq", "baidu", "bytedance", "jd", "kuaishou", "alipay"];

/// An error answer: `{"status":"error","error_msg":...}`.
pub(crate) struct ApiError {
    status: StatusCode,
    msg: String,
    request_id: Option<String>,
}

fn err(status: u16, msg: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        msg: msg.into(),
        request_id: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"status": "error", "error_msg": self.msg});
        respond(self.status.as_u16(), &body, self.request_id.as_deref())
    }
}

fn respond(status: u16, body: &Value, request_id: Option<&str>) -> Response {
    let mut resp = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        h.insert("x-request-id", id);
    }
    resp
}

fn no_content() -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

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

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/hserve/v1/cloud-function/job/", post(client_invoke))
        .route("/hserve/v2.1/register/{kind}/", post(register))
        .route("/hserve/v2.1/login/sms/", post(login_sms))
        .route("/hserve/v2.1/login/{kind}/", post(login))
        .route("/hserve/v2.0/login/anonymous/", post(login_anonymous))
        .route("/hserve/v2.5/idp/{provider}/silent-login/", post(silent_login))
        .route("/hserve/v2.0/session/destroy/", post(destroy_session))
        .route("/hserve/v2.5/user/info/{uid}/", get(user_info))
        .route("/hserve/v1/latest-sdk-version/", get(latest_sdk_version))
        .route("/hserve/v2.0/template-message/event-report/", post(template_message_report))
        .route("/oserve/v1.3/cloud-function/", get(admin_list).post(admin_create))
        .route("/oserve/v1.3/cloud-function/job/", get(admin_jobs))
        .route("/oserve/v1.3/cloud-function/job/{id}/", get(admin_job))
        .route("/oserve/v1.3/cloud-function/{name}/", get(admin_get).patch(admin_patch).delete(admin_delete))
        .route("/oserve/v1.3/cloud-function/{name}/job/", post(admin_invoke))
        .route("/oserve/v1.3/cloud-function/{name}/debug/", post(admin_debug))
        .route("/dev/v1/stats", get(dev_stats))
        .route("/dev/v1/sessions/revoke", post(dev_revoke_sessions))
        .route("/dev/v1/sessions/expire", post(dev_expire_sessions))
        .route("/dev/v1/wechat/expire-tokens", post(dev_expire_wechat_tokens))
        .route("/dev/v1/openapi/outbox", get(dev_outbox).delete(dev_clear_outbox))
        .route("/dev/v1/message-push", post(dev_message_push))
        .merge(crate::wechat::router())
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(request_id))
        // Browsers (the web SDK build) call a local engine cross-origin.
        .layer(tower_http::cors::CorsLayer::permissive())
        .with_state(shared)
}

// ---------- helpers ----------

async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_big = || err(413, format!("request body exceeds the {limit} byte limit (max_body_bytes)"));
    let declared = headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_CAP) {
        return Err(too_big());
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| err(400, format!("cannot read request body: {e}")))?;
        total += chunk.len();
        if total > limit {
            // Keep draining (up to a cap) so the client sees the answer, not a reset.
            if total > DRAIN_CAP {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if total > limit {
        return Err(too_big());
    }
    Ok(Bytes::from(buf))
}

/// Reads a JSON object body; an empty body counts as `{}` when `empty_ok`.
async fn read_object(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
    empty_ok: bool,
) -> Result<Map<String, Value>, ApiError> {
    let bytes = read_body(headers, body, shared.config.max_body_bytes).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        if empty_ok {
            return Ok(Map::new());
        }
        return Err(err(400, "request body must be a JSON object"));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(err(400, "request body must be a JSON object")),
        Err(e) => Err(err(400, format!("malformed JSON body: {e}"))),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn check_client_id(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    match header(headers, "x-hydrogen-client-id") {
        None => Err(err(400, "missing X-Hydrogen-Client-ID header")),
        Some(id) if id == shared.config.client_id => Ok(()),
        Some(id) => {
            let shown: String = id.chars().take(80).collect();
            Err(err(
                400,
                format!("unknown client id {shown:?}: this engine serves client id {:?}", shared.config.client_id),
            ))
        }
    }
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, ApiError> {
    shared.sessions.lock().unwrap().authenticate(header(headers, "authorization")).map_err(|e| err(401, e.message()))
}

fn check_admin(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = shared.config.admin_token.as_deref() else {
        return Err(err(404, "the management API is disabled: start the engine with an admin token"));
    };
    let Some(auth) = header(headers, "authorization") else {
        return Err(err(401, "missing admin token"));
    };
    let given = auth.strip_prefix("Bearer ").unwrap_or("").trim();
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(err(401, "invalid admin token"));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn function_exists(shared: &Shared, name: &str) -> bool {
    shared.config.functions_dir.join(name).join("index.js").is_file()
}

/// Validates a function name and checks that the function exists.
fn check_function(shared: &Shared, name: &str) -> Result<(), ApiError> {
    if !valid_function_name(name) {
        return Err(err(400, invalid_name_message(name)));
    }
    if !function_exists(shared, name) {
        return Err(err(404, format!("function {name} not found")));
    }
    Ok(())
}

fn parse_sync(obj: &Map<String, Value>) -> Result<bool, ApiError> {
    match obj.get("sync") {
        None => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err(400, "sync must be a boolean")),
    }
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
    let job_id = new_job(&shared, &name, sync, &origin.source);
    if !sync {
        tokio::spawn(execute(shared.clone(), job_id.clone(), name, data, caller, false, origin));
        return respond(200, &json!({"status": "ok"}), Some(&job_id));
    }
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

// ---------- 知晓云 client endpoints ----------

async fn client_invoke(
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
    let obj = read_object(&s, &headers, body, false).await?;
    let name = match obj.get("function_name") {
        Some(Value::String(n)) => n.clone(),
        _ => return Err(err(400, "function_name is required and must be a string")),
    };
    let sync = parse_sync(&obj)?;
    check_function(&s, &name)?;
    let data = obj.get("data").cloned();
    let origin = Origin::client(&caller, Some(peer.ip()));
    Ok(run_invocation(s.clone(), name, data, Some(caller), sync, origin).await)
}

fn session_answer(s: &Shared, body: Value) -> Response {
    s.login_count.fetch_add(1, Ordering::SeqCst);
    respond(201, &body, None)
}

fn required_str<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    match obj.get(field) {
        Some(Value::String(v)) if !v.trim().is_empty() => Ok(v),
        _ => Err(err(400, format!("{field} is required and must be a non-empty string"))),
    }
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
    read_body(&headers, body, s.config.max_body_bytes).await?;
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
    s.sessions.lock().unwrap().destroy(header(&headers, "authorization")).map_err(|e| err(401, e.message()))?;
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
    let _ = read_body(&headers, body, s.config.max_body_bytes).await;
    respond(201, &json!({}), None)
}

// ---------- management API ----------

fn function_object(s: &Shared, name: &str) -> Value {
    let dir = s.config.functions_dir.join(name);
    let code = std::fs::read_to_string(dir.join("index.js")).unwrap_or_default();
    let secs = |t: std::io::Result<std::time::SystemTime>| {
        t.ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs()).unwrap_or_else(now_s)
    };
    let md = std::fs::metadata(dir.join("index.js")).ok();
    let updated = md.as_ref().map(|m| secs(m.modified())).unwrap_or_else(now_s);
    let created = md.as_ref().map(|m| secs(m.created().or_else(|_| m.modified()))).unwrap_or(updated);
    let remark = s.remarks.lock().unwrap().get(name).cloned().unwrap_or_default();
    json!({
        "name": name,
        "remark": remark,
        "function_code": code,
        "created_at": created,
        "updated_at": updated,
    })
}

fn list_names(s: &Shared) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&s.config.functions_dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| valid_function_name(n) && function_exists(s, n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn paging(q: &HashMap<String, String>, default_limit: usize) -> (usize, usize) {
    let limit = q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(default_limit).clamp(1, 1000);
    let offset = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    (limit, offset)
}

fn page(objects: Vec<Value>, limit: usize, offset: usize) -> Value {
    let total = objects.len();
    let objects: Vec<Value> = objects.into_iter().skip(offset).take(limit).collect();
    json!({
        "meta": {"limit": limit, "offset": offset, "next": null, "previous": null, "total_count": total},
        "objects": objects,
    })
}

async fn admin_list(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let (limit, offset) = paging(&q, 100);
    let objects = list_names(&s).iter().map(|n| function_object(&s, n)).collect();
    Ok(respond(200, &page(objects, limit, offset), None))
}

fn optional_str(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone())),
        Some(_) => Err(err(400, format!("{field} must be a string"))),
    }
}

async fn admin_create(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let obj = read_object(&s, &headers, body, false).await?;
    let name = match obj.get("name") {
        Some(Value::String(n)) => n.clone(),
        _ => return Err(err(400, "name is required and must be a string")),
    };
    if !valid_function_name(&name) {
        return Err(err(400, invalid_name_message(&name)));
    }
    if name == "job" {
        // `/oserve/v1.3/cloud-function/job/...` are the job-record paths, so a function named `job` could never
        // be read, changed, invoked or deleted through this API once created.
        return Err(err(
            400,
            "function name \"job\" is reserved: /oserve/v1.3/cloud-function/job/ is the job records' path".to_string(),
        ));
    }
    let code = optional_str(&obj, "function_code")?
        .ok_or_else(|| err(400, "function_code is required and must be a string"))?;
    let remark = optional_str(&obj, "remark")?.unwrap_or_default();
    let dir = s.config.functions_dir.join(&name);
    if dir.exists() {
        return Err(err(400, format!("function {name} already exists")));
    }
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(dir.join("index.js"), code))
        .map_err(|e| err(500, format!("cannot write function {name}: {e}")))?;
    s.remarks.lock().unwrap().insert(name.clone(), remark);
    tracing::info!(function = %name, "function created");
    Ok(respond(201, &function_object(&s, &name), None))
}

async fn admin_get(State(s): S, Path(name): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    check_function(&s, &name)?;
    Ok(respond(200, &function_object(&s, &name), None))
}

async fn admin_patch(
    State(s): S,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    check_function(&s, &name)?;
    let obj = read_object(&s, &headers, body, false).await?;
    let code = optional_str(&obj, "function_code")?;
    let remark = optional_str(&obj, "remark")?;
    if let Some(code) = code {
        std::fs::write(s.config.functions_dir.join(&name).join("index.js"), code)
            .map_err(|e| err(500, format!("cannot write function {name}: {e}")))?;
    }
    if let Some(remark) = remark {
        s.remarks.lock().unwrap().insert(name.clone(), remark);
    }
    tracing::info!(function = %name, "function updated");
    Ok(respond(202, &function_object(&s, &name), None))
}

async fn admin_delete(State(s): S, Path(name): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    check_function(&s, &name)?;
    s.pools.remove(&name);
    std::fs::remove_dir_all(s.config.functions_dir.join(&name))
        .map_err(|e| err(500, format!("cannot delete function {name}: {e}")))?;
    s.remarks.lock().unwrap().remove(&name);
    tracing::info!(function = %name, "function deleted");
    Ok(no_content())
}

async fn admin_invoke(
    State(s): S,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    check_function(&s, &name)?;
    let obj = read_object(&s, &headers, body, true).await?;
    let sync = parse_sync(&obj)?;
    let data = obj.get("data").cloned();
    Ok(run_invocation(s.clone(), name, data, None, sync, Origin::http()).await)
}

async fn admin_debug(
    State(s): S,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    check_function(&s, &name)?;
    let obj = read_object(&s, &headers, body, true).await?;
    let data = obj.get("data").cloned();
    let origin = Origin::http();
    let job_id = new_job(&s, &name, true, &origin.source);
    let outcome = execute(s.clone(), job_id.clone(), name, data, None, true, origin).await;
    let Some(Value::Object(mut body)) = outcome.body else {
        let mut e = err(400, format!("schedule failed: {}", outcome.error_msg.unwrap_or_default()));
        e.request_id = Some(job_id);
        return Err(e);
    };
    let billing = outcome.exec_ms.div_ceil(100).max(1) * 100;
    body.insert("job_id".into(), json!(job_id));
    body.insert("execution_time".into(), json!(outcome.exec_ms));
    body.insert("billing_time".into(), json!(billing));
    body.insert("mem_usage".into(), json!(outcome.mem));
    body.insert("log".into(), json!(outcome.log));
    Ok(respond(200, &Value::Object(body), Some(&job_id)))
}

async fn admin_jobs(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let (limit, offset) = paging(&q, 100);
    let filter = q.get("function_name");
    let objects: Vec<Value> = s
        .jobs
        .all()
        .into_iter()
        .rev()
        .filter(|j| filter.is_none_or(|f| &j.function_name == f))
        .filter_map(|j| serde_json::to_value(j).ok())
        .collect();
    Ok(respond(200, &page(objects, limit, offset), None))
}

async fn admin_job(State(s): S, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let job = s.jobs.get(&id).ok_or_else(|| err(404, format!("job {id} not found")))?;
    Ok(respond(200, &serde_json::to_value(job).unwrap_or(Value::Null), None))
}

// --- Test controls (admin token): what the bindings' end-to-end tests need from outside the process. ---

/// `GET /dev/v1/stats`: `{"login_count", "job_count", "wechat_token_fetches", "wechat_token_requests"}`.
async fn dev_stats(State(s): S, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let body = json!({
        "login_count": s.login_count.load(Ordering::SeqCst),
        "job_count": s.jobs.all().len(),
        "wechat_token_fetches": s.wechat_tokens.fetches.load(Ordering::SeqCst),
        "wechat_token_requests": s.wechat_tokens.requests.load(Ordering::SeqCst),
    });
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}

/// `POST /dev/v1/sessions/revoke`: every token becomes invalid (204).
async fn dev_revoke_sessions(State(s): S, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    s.sessions.lock().unwrap().revoke_all();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /dev/v1/sessions/expire`: every token expires now (204).
async fn dev_expire_sessions(State(s): S, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    s.sessions.lock().unwrap().expire_all();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /dev/v1/wechat/expire-tokens`: every WeChat access_token expires now (204).
async fn dev_expire_wechat_tokens(State(s): S, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    s.wechat_tokens.expire_all();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /dev/v1/openapi/outbox?function_name=&api=&limit=&offset=`: the open-API calls functions
/// made, oldest first, as [`crate::OutboxEntry`] objects in a page.
async fn dev_outbox(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let (limit, offset) = paging(&q, 100);
    let objects: Vec<Value> = s
        .outbox
        .all()
        .into_iter()
        .filter(|e| q.get("function_name").is_none_or(|f| &e.function_name == f))
        .filter(|e| q.get("api").is_none_or(|a| &e.api == a))
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    Ok(respond(200, &page(objects, limit, offset), None))
}

/// `DELETE /dev/v1/openapi/outbox`: empties the outbox (204).
async fn dev_clear_outbox(State(s): S, headers: HeaderMap) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    s.outbox.clear();
    Ok(no_content())
}

/// `POST /dev/v1/message-push` (a customer-service message as JSON): delivers it to the function
/// that declares `messagePush` for its `MsgType` (see `cloud::message_push`).
async fn dev_message_push(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_admin(&s, &headers)?;
    let message = read_object(&s, &headers, body, false).await?;
    match crate::cloud::message_push::deliver(s.clone(), message).await {
        Ok(answer) => {
            let job_id = answer["job_id"].as_str().map(str::to_string);
            Ok(respond(200, &answer, job_id.as_deref()))
        }
        Err((status, msg)) => Err(err(status, msg)),
    }
}
