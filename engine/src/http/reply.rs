//! Answers and request bodies shared by the 知晓云 families (`/hserve`, `/oserve`, `/dev`): JSON errors
//! `{"status":"error","error_msg":...}`, the one body limit, pages of listings.

use crate::request::{self, Refusal};
use crate::Shared;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{json, Map, Value};

/// Bodies larger than this are not even drained before answering 413.
const DRAIN_CAP: usize = 64 * 1024 * 1024;

/// An error answer: `{"status":"error","error_msg":...}`.
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) msg: String,
    pub(crate) request_id: Option<String>,
}

/// An error answer with HTTP `status`.
pub(crate) fn err(status: u16, msg: impl Into<String>) -> ApiError {
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

/// A JSON answer, with `x-request-id` when given.
pub(crate) fn respond(status: u16, body: &Value, request_id: Option<&str>) -> Response {
    let mut resp = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        h.insert("x-request-id", id);
    }
    resp
}

/// 204 No Content.
pub(crate) fn no_content() -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

/// Why a body could not be read: too large for `limit`, or the connection failed.
pub(crate) enum BodyError {
    TooLarge(usize),
    Unreadable(String),
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge(limit) => {
                err(413, format!("request body exceeds the {limit} byte limit (max_body_bytes)"))
            }
            BodyError::Unreadable(e) => err(400, format!("cannot read request body: {e}")),
        }
    }
}

/// Reads a whole body of at most `limit` bytes. A larger body is drained (up to a cap) so the client sees
/// the answer, not a reset.
pub(crate) async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let declared = headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_CAP) {
        return Err(BodyError::TooLarge(limit));
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Unreadable(e.to_string()))?;
        total += chunk.len();
        if total > limit {
            if total > DRAIN_CAP {
                break;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if total > limit {
        return Err(BodyError::TooLarge(limit));
    }
    Ok(Bytes::from(buf))
}

/// Reads a body under the engine's `max_body_bytes`.
pub(crate) async fn read_body(shared: &Shared, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    Ok(read_limited(headers, body, shared.config.max_body_bytes).await?)
}

/// Reads a JSON object body ([`request::json_object`]); an empty body counts as `{}` when `empty_ok`.
pub(crate) async fn read_object(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
    empty_ok: bool,
) -> Result<Map<String, Value>, ApiError> {
    let bytes = read_body(shared, headers, body).await?;
    Ok(request::json_object(&bytes, empty_ok)?)
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        err(refusal.status, refusal.message)
    }
}

/// A header's value as text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) use crate::request::paging;

/// A page of `objects`: `{"meta": {limit, offset, next, previous, total_count}, "objects": [...]}`.
pub(crate) fn page(objects: Vec<Value>, limit: usize, offset: usize) -> Value {
    let total = objects.len();
    let objects: Vec<Value> = objects.into_iter().skip(offset).take(limit).collect();
    json!({
        "meta": {"limit": limit, "offset": offset, "next": null, "previous": null, "total_count": total},
        "objects": objects,
    })
}

/// An optional string field.
pub(crate) fn optional_str(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone())),
        Some(_) => Err(err(400, format!("{field} must be a string"))),
    }
}

/// A required non-empty string field.
pub(crate) fn required_str<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    match obj.get(field) {
        Some(Value::String(v)) if !v.trim().is_empty() => Ok(v),
        _ => Err(err(400, format!("{field} is required and must be a non-empty string"))),
    }
}

/// `sync` of an invoke body (default `true`).
pub(crate) fn parse_sync(obj: &Map<String, Value>) -> Result<bool, ApiError> {
    Ok(request::sync_flag(obj)?)
}
