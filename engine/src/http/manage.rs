//! The 知晓云 management API (`/oserve/v1.3/cloud-function/...`, PROTOCOL.md §3.3, §5.2): functions and
//! job records, behind an open-API access token or the admin token (the layer in
//! [`super::auth::open_api_or_admin`]).

use super::auth::{check_function, function_exists, open_api_or_admin};
use super::function_files;
use super::reply::{err, optional_str, page, paging, parse_sync, read_object, respond, ApiError};
use super::{no_content, run_invocation, S};
use crate::invoke::{execute, new_job};
use crate::job::Origin;
use crate::jobs::Detail;
use crate::util::{invalid_name_message, now_s, valid_function_name};
use crate::Shared;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The `/oserve/v1.3` router (paths below the prefix): an open-API access token or the admin token.
pub(crate) fn router(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/cloud-function/", get(list).post(create))
        .route("/cloud-function/job/", get(jobs))
        .route("/cloud-function/job/{id}/", get(job))
        .route("/cloud-function/{name}/", get(get_one).patch(patch).delete(delete))
        .route("/cloud-function/{name}/job/", post(invoke).get(function_jobs))
        .route("/cloud-function/{name}/debug/", post(debug))
        .route_layer(axum::middleware::from_fn_with_state(shared, open_api_or_admin))
}

/// A function as the open API shows it (PROTOCOL.md §5.2): `{audit_status, created_at, created_by,
/// function_code, id, name, plan_circle, remark, updated_at, updated_by}`. A local engine audits nothing
/// (`audit_status: "approved"`), has no plans (`plan_circle: null`) and no accounts (`created_by` and
/// `updated_by` are the client id); `id` is a number fixed by the name. With `with_files`, minicloud adds
/// `files`: the function directory's other text files (`config.json`, helpers), by relative path.
fn function_object(s: &Shared, name: &str, with_files: bool) -> Value {
    let dir = s.config.functions_dir.join(name);
    let code = std::fs::read_to_string(dir.join("index.js")).unwrap_or_default();
    let secs = |t: std::io::Result<std::time::SystemTime>| {
        t.ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs()).unwrap_or_else(now_s)
    };
    let md = std::fs::metadata(dir.join("index.js")).ok();
    let updated = md.as_ref().map(|m| secs(m.modified())).unwrap_or_else(now_s);
    let created = md.as_ref().map(|m| secs(m.created().or_else(|_| m.modified()))).unwrap_or(updated);
    let remark = s.remarks.lock().unwrap().get(name).cloned().unwrap_or_default();
    let mut object = json!({
        "audit_status": "approved",
        "created_at": created,
        "created_by": s.config.client_id,
        "function_code": code,
        "id": function_id(name),
        "name": name,
        "plan_circle": null,
        "remark": remark,
        "updated_at": updated,
        "updated_by": s.config.client_id,
    });
    if with_files {
        object["files"] = Value::Object(function_files::read(&dir));
    }
    object
}

/// A function's `id`: a positive number fixed by its name (the first 6 bytes of its SHA-256).
fn function_id(name: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    digest.iter().take(6).fold(0u64, |n, b| (n << 8) | u64::from(*b))
}

/// The names of the functions in the functions directory, sorted.
pub(crate) fn list_names(s: &Shared) -> Vec<String> {
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

async fn list(State(s): S, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let (limit, offset) = paging(&q, 100);
    let objects = list_names(&s).iter().map(|n| function_object(&s, n, false)).collect();
    Ok(respond(200, &page(objects, limit, offset), None))
}

async fn create(State(s): S, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
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
    let files = function_files::parse(obj.get("files"))?;
    let dir = s.config.functions_dir.join(&name);
    if dir.exists() {
        return Err(err(400, format!("function {name} already exists")));
    }
    std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::write(dir.join("index.js"), code))
        .and_then(|_| function_files::write(&dir, &files))
        .map_err(|e| err(500, format!("cannot write function {name}: {e}")))?;
    s.store.set_remark(&name, Some(&remark));
    s.remarks.lock().unwrap().insert(name.clone(), remark);
    tracing::info!(function = %name, "function created");
    Ok(respond(201, &function_object(&s, &name, true), None))
}

async fn get_one(State(s): S, Path(name): Path<String>) -> Result<Response, ApiError> {
    check_function(&s, &name)?;
    Ok(respond(200, &function_object(&s, &name, true), None))
}

async fn patch(State(s): S, Path(name): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_function(&s, &name)?;
    let obj = read_object(&s, &headers, body, false).await?;
    let code = optional_str(&obj, "function_code")?;
    let remark = optional_str(&obj, "remark")?;
    let files = function_files::parse(obj.get("files"))?;
    let dir = s.config.functions_dir.join(&name);
    if let Some(code) = code {
        std::fs::write(dir.join("index.js"), code)
            .map_err(|e| err(500, format!("cannot write function {name}: {e}")))?;
    }
    function_files::write(&dir, &files).map_err(|e| err(500, format!("cannot write function {name}: {e}")))?;
    if let Some(remark) = remark {
        s.store.set_remark(&name, Some(&remark));
        s.remarks.lock().unwrap().insert(name.clone(), remark);
    }
    tracing::info!(function = %name, "function updated");
    Ok(respond(202, &function_object(&s, &name, true), None))
}

async fn delete(State(s): S, Path(name): Path<String>) -> Result<Response, ApiError> {
    check_function(&s, &name)?;
    s.pools.remove(&name);
    std::fs::remove_dir_all(s.config.functions_dir.join(&name))
        .map_err(|e| err(500, format!("cannot delete function {name}: {e}")))?;
    s.store.set_remark(&name, None);
    s.remarks.lock().unwrap().remove(&name);
    tracing::info!(function = %name, "function deleted");
    Ok(no_content())
}

async fn invoke(State(s): S, Path(name): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    check_function(&s, &name)?;
    let obj = read_object(&s, &headers, body, true).await?;
    let sync = parse_sync(&obj)?;
    let data = obj.get("data").cloned();
    Ok(run_invocation(s.clone(), name, data, None, sync, Origin::http()).await)
}

async fn debug(State(s): S, Path(name): Path<String>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
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

async fn jobs(State(s): S, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let (limit, offset) = paging(&q, 100);
    let limit = limit.min(crate::MAX_JOB_PAGE);
    // Reading records is database work: off the thread that serves calls.
    let body = tokio::task::spawn_blocking(move || {
        let filter = q.get("function_name").map(String::as_str);
        let total = s.jobs.count(filter);
        let mut objects = Vec::new();
        s.jobs.page(filter, limit, offset, Detail::Whole, |j| objects.extend(serde_json::to_value(j)));
        json!({
            "meta": {"limit": limit, "offset": offset, "next": null, "previous": null, "total_count": total},
            "objects": objects,
        })
    })
    .await
    .map_err(|_| err(500, "listing the job records failed"))?;
    Ok(respond(200, &body, None))
}

async fn job(State(s): S, Path(id): Path<String>) -> Result<Response, ApiError> {
    let mut job = s.jobs.get(&id).ok_or_else(|| err(404, format!("job {id} not found")))?;
    if !job.status.is_final() {
        // A running job's record has no log yet: show what it printed so far.
        job.log = s.runtime.live_log(&id).unwrap_or_default();
    }
    Ok(respond(200, &serde_json::to_value(job).unwrap_or(Value::Null), None))
}

/// `GET /cloud-function/{name}/job/?source=&status=&created_at__gte=&created_at__lte=&limit=&offset=`: the
/// function's job records in the open API's shape (PROTOCOL.md §5.2), newest first: `{id, created_at,
/// started_at, finished_at (Unix seconds), mem_usage, service_type (time_sensitive for sync calls, batch for
/// async ones), source, status, user_log_url}` — `user_log_url` is the record with its log,
/// `/oserve/v1.3/cloud-function/job/{id}/`.
async fn function_jobs(
    State(s): S,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    check_function(&s, &name)?;
    let (limit, offset) = paging(&q, 20);
    let limit = limit.min(crate::MAX_JOB_PAGE);
    let bound = |key: &str| -> Result<Option<u64>, ApiError> {
        q.get(key)
            .map(|v| v.parse::<u64>().map_err(|_| err(400, format!("{key} must be Unix seconds, got {v:?}"))))
            .transpose()
    };
    let (gte, lte) = (bound("created_at__gte")?, bound("created_at__lte")?);
    if let Some(status) = q.get("status") {
        if crate::JobStatus::parse(status).is_none() {
            return Err(err(400, format!("unknown status {status:?}")));
        }
    }
    // Reading every record of the function is database work: off the thread that serves calls.
    let objects = tokio::task::spawn_blocking(move || {
        let mut objects = Vec::new();
        // Its answer shows no result or log: they are not read.
        s.jobs.page(Some(&name), crate::MAX_JOBS, 0, Detail::Summary, |j| {
            let created = j.created_at / 1000;
            let keep = q.get("source").is_none_or(|src| &j.source == src)
                && q.get("status").is_none_or(|st| j.status.as_str() == st)
                && gte.is_none_or(|t| created >= t)
                && lte.is_none_or(|t| created <= t);
            if keep {
                objects.push(json!({
                    "id": j.id,
                    "created_at": created,
                    "started_at": j.started_at.map(|t| t / 1000),
                    "finished_at": j.finished_at.map(|t| t / 1000),
                    "mem_usage": j.mem_usage,
                    "service_type": if j.sync { "time_sensitive" } else { "batch" },
                    "source": j.source,
                    "status": j.status,
                    "user_log_url": format!("/oserve/v1.3/cloud-function/job/{}/", j.id),
                }));
            }
        });
        objects
    })
    .await
    .map_err(|_| err(500, "listing the job records failed"))?;
    Ok(respond(200, &page(objects, limit, offset), None))
}
