//! Who may call what: the client id of `/hserve`, session tokens, the open-API access token (or the admin
//! token) of `/oserve`, and the admin token of `/dev` (layers on those routers, so no handler checks it by
//! hand).

use super::reply::{err, header, ApiError};
use crate::open_api_tokens::OpenApiTokenStatus;
use crate::sessions::Caller;
use crate::util::{invalid_name_message, valid_function_name};
use crate::Shared;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Refuses a request without the engine's `X-Hydrogen-Client-ID` (400: a configuration error, not a reason
/// to log in again).
pub(crate) fn check_client_id(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
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

/// The caller of a `Authorization: Hydrogen-r1 <token>` request (401 without a live session).
pub(crate) fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, ApiError> {
    shared.sessions.lock().unwrap().authenticate(header(headers, "authorization")).map_err(|e| err(401, e.message()))
}

fn check_admin(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = shared.config.admin_token.as_deref() else {
        return Err(err(404, "the management API is disabled: start the engine with an admin token"));
    };
    let Some(auth) = header(headers, "authorization") else {
        return Err(err(401, "missing admin token"));
    };
    // Exactly `Bearer <token>`: a padded token is a different token.
    let given = auth.strip_prefix("Bearer ").unwrap_or("");
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(err(401, "invalid admin token"));
    }
    Ok(())
}

/// Layer of the admin-only routers: `Authorization: Bearer <admin token>` (401), 404 when the engine has
/// no admin token.
pub(crate) async fn admin_only(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    match check_admin(&shared, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Who may use `/oserve`: a live open-API access token (`Authorization: Bearer`, from the token flow of
/// `/api/oauth2/`), or the admin token as a local shortcut. 401 names what is wrong: missing, invalid or
/// expired.
fn check_open_api(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(token) = super::open_api::bearer(headers) else {
        return Err(err(
            401,
            "missing access token: send Authorization: Bearer <token> (from /api/oauth2/access_token/, or the admin token)",
        ));
    };
    if let Some(admin) = shared.config.admin_token.as_deref() {
        if constant_time_eq(token.as_bytes(), admin.as_bytes()) {
            return Ok(());
        }
    }
    match shared.open_api_tokens.status(token) {
        OpenApiTokenStatus::Live => Ok(()),
        OpenApiTokenStatus::Expired => Err(err(401, "access token expired")),
        OpenApiTokenStatus::Invalid => Err(err(401, "invalid access token")),
    }
}

/// Layer of the open-API router (`/oserve`): an open-API access token or the admin token (401).
pub(crate) async fn open_api_or_admin(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    match check_open_api(&shared, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether function `name` exists (has an `index.js`): known without a `stat` while its pool's watch has seen
/// no change since it was loaded.
pub(crate) fn function_exists(shared: &Shared, name: &str) -> bool {
    shared.pools.unchanged_since_loaded(name) || shared.config.functions_dir.join(name).join("index.js").is_file()
}

/// Validates a function name (400) and checks that the function exists (404).
pub(crate) fn check_function(shared: &Shared, name: &str) -> Result<(), ApiError> {
    if !valid_function_name(name) {
        return Err(err(400, invalid_name_message(name)));
    }
    if !function_exists(shared, name) {
        return Err(err(404, format!("function {name} not found")));
    }
    Ok(())
}
