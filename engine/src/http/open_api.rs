//! The open API's credentials (PROTOCOL.md §5.1), as the real 知晓云 hands them out: `POST
//! /api/oauth2/hydrogen/openapi/authorize/` with JSON `{client_id, client_secret}` answers through two `302
//! Found` redirects that set cookies and check them, ending in `{code, expires_in}`; `POST
//! /api/oauth2/access_token/` takes the code as `multipart/form-data` and answers `{access_token, token_type,
//! expires_in, refresh_token, scope}`. The token opens `/oserve/` (`Authorization: Bearer`; the layer in
//! [`super::auth::open_api_or_admin`]).
//!
//! Decisions where the real server is not observable: a wrong client ID or secret answers 401 `invalid
//! client_id or client_secret`; a redirect followed without its cookie 403; an unknown, used or expired code
//! 400; a `grant_type` other than `authorization_code` 400; the public default secret on an engine listening
//! beyond loopback 403.

use super::reply::{err, header, read_object, respond, ApiError};
use super::S;
use crate::config::DEFAULT_CLIENT_SECRET;
use crate::open_api_tokens::{GrantStep, CODE_SECS};
use crate::Shared;
use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

const AUTHORIZE: &str = "/api/oauth2/hydrogen/openapi/authorize/";
const CONFIRM: &str = "/api/oauth2/hydrogen/openapi/authorize/confirm/";
const CODE: &str = "/api/oauth2/hydrogen/openapi/authorize/code/";
/// The cookie binding a grant to the client that started it.
const GRANT_COOKIE: &str = "minicloud_oauth";
/// The cookie the first redirect adds.
const CONFIRMED_COOKIE: &str = "minicloud_oauth_confirmed";

/// The `/api/oauth2` routes.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(AUTHORIZE, post(authorize))
        .route(CONFIRM, get(confirm))
        .route(CODE, get(code))
        .route("/api/oauth2/access_token/", post(access_token))
}

/// Whether `client_id` and `client_secret` are the engine's (401 otherwise; 403 for the public default
/// secret beyond loopback).
fn check_client(s: &Shared, client_id: &str, client_secret: &str) -> Result<(), ApiError> {
    let id_ok = client_id == s.config.client_id;
    let secret_ok = super::auth::constant_time_eq(client_secret.as_bytes(), s.config.client_secret.as_bytes());
    if !(id_ok && secret_ok) {
        return Err(err(401, "invalid client_id or client_secret"));
    }
    if client_secret == DEFAULT_CLIENT_SECRET && !s.config.bind.ip().is_loopback() {
        return Err(err(
            403,
            "the public default client secret is refused on an engine listening beyond loopback: \
             give the engine its own (MINICLOUD_CLIENT_SECRET or --client-secret-file)",
        ));
    }
    Ok(())
}

/// A `302 Found` to `location`, setting `cookie`.
fn found(location: &str, cookie: &str) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert("location", v);
    }
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().insert("set-cookie", v);
    }
    resp
}

/// The value of cookie `name` in the request.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn string_field<'a>(obj: &'a Map<String, Value>, field: &str) -> &'a str {
    obj.get(field).and_then(Value::as_str).unwrap_or_default()
}

async fn authorize(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let obj = read_object(&s, &headers, body, false).await?;
    check_client(&s, string_field(&obj, "client_id"), string_field(&obj, "client_secret"))?;
    let (grant, value) = s.open_api_tokens.start_grant();
    let location = format!("{CONFIRM}?grant={grant}");
    Ok(found(&location, &format!("{GRANT_COOKIE}={value}; Path=/api/oauth2/; HttpOnly; SameSite=Lax")))
}

fn grant_error(step: GrantStep) -> ApiError {
    match step {
        GrantStep::CookieLost => {
            err(403, "the authorize redirect was followed without its cookie: follow the redirects keeping cookies")
        }
        _ => err(400, "unknown or expired authorize grant: start again at the authorize step"),
    }
}

async fn confirm(
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let grant = q.get("grant").map(String::as_str).unwrap_or_default();
    match s.open_api_tokens.confirm(grant, cookie(&headers, GRANT_COOKIE)) {
        GrantStep::Next => {
            let location = format!("{CODE}?grant={grant}");
            Ok(found(&location, &format!("{CONFIRMED_COOKIE}=1; Path=/api/oauth2/; HttpOnly; SameSite=Lax")))
        }
        other => Err(grant_error(other)),
    }
}

async fn code(State(s): S, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let grant = q.get("grant").map(String::as_str).unwrap_or_default();
    let confirmed = cookie(&headers, CONFIRMED_COOKIE) == Some("1");
    let code = s.open_api_tokens.code(grant, cookie(&headers, GRANT_COOKIE), confirmed).map_err(grant_error)?;
    Ok(respond(200, &json!({"code": code, "expires_in": CODE_SECS}), None))
}

async fn access_token(State(s): S, form: Result<Multipart, MultipartRejection>) -> Result<Response, ApiError> {
    let mut form = form.map_err(|e| err(400, format!("the access_token step takes multipart/form-data: {e}")))?;
    let mut fields = HashMap::new();
    while let Some(field) = form.next_field().await.map_err(|e| err(400, format!("malformed multipart form: {e}")))? {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field.text().await.map_err(|e| err(400, format!("malformed multipart form: {e}")))?;
        fields.insert(name, value);
    }
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "authorization_code" {
        return Err(err(400, "grant_type must be authorization_code"));
    }
    check_client(&s, field("client_id"), field("client_secret"))?;
    if !s.open_api_tokens.redeem(field("code")) {
        return Err(err(400, "invalid, used or expired code: start again at the authorize step"));
    }
    let expires_in = s.config.open_api_token_expires_in;
    let token = s.open_api_tokens.issue(expires_in);
    tracing::debug!(client_id = %s.config.client_id, "open-API access token issued");
    let body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": crate::util::random_hex(20),
        "scope": "all",
    });
    Ok(respond(200, &body, None))
}

/// The caller's open-API token from `Authorization: Bearer <token>`, if it is one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    header(headers, "authorization").and_then(|a| a.strip_prefix("Bearer "))
}
