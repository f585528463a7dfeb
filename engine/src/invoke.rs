//! Running one invocation end to end: job record, pool, logging.

use crate::event::RunSettings;
use crate::job::{CallingJob, JobInput, Origin, Outcome};
use crate::jobs::{JobRecord, JobStatus};
use crate::sessions::Caller;
use crate::util::{now_ms, random_hex};
use crate::Shared;
use serde_json::{json, Value};
use std::sync::Arc;

/// Records a new `waiting` job started from `source` (the `SOURCE` a WeChat-style function sees) and returns its id.
pub(crate) fn new_job(shared: &Shared, name: &str, sync: bool, source: &str) -> String {
    let id = random_hex(16);
    shared.jobs.insert(JobRecord {
        id: id.clone(),
        function_name: name.to_string(),
        status: JobStatus::Waiting,
        sync,
        source: source.to_string(),
        created_at: now_ms(),
        started_at: None,
        finished_at: None,
        execution_time_ms: None,
        result: None,
        log: String::new(),
    });
    id
}

/// Runs job `job_id` (already recorded by [`new_job`]) to completion and records the outcome.
/// The function may call back into the engine (`cloud.callFunction`, `cloud.openapi.*`) while it runs.
pub(crate) async fn execute(
    shared: Arc<Shared>,
    job_id: String,
    name: String,
    data: Option<Value>,
    caller: Option<Caller>,
    sync: bool,
    origin: Origin,
) -> Outcome {
    let pool = shared.pools.get(&name, shared.config.functions_dir.join(&name), shared.config.pool_size);
    let settings = RunSettings {
        app_id: &shared.config.wechat_app_id,
        env: &shared.config.wechat_env,
        sync_limit: shared.config.sync_time_limit,
        async_limit: shared.config.async_time_limit,
    };
    let calls = (shared.call_router)(
        shared.clone(),
        CallingJob { function: name.clone(), job_id: job_id.clone(), caller: caller.clone(), origin: origin.clone() },
    );
    let input = JobInput { job_id: job_id.clone(), data, caller, sync, origin, calls: Some(calls) };
    let jobs = &shared.jobs;
    let outcome = pool
        .run(&shared.runtime, &settings, input, || {
            jobs.update(&job_id, |j| {
                j.status = JobStatus::Executing;
                j.started_at = Some(now_ms());
            })
        })
        .await;
    let result = match (&outcome.body, &outcome.error_msg) {
        (Some(b), _) => Some(b.clone()),
        (None, Some(m)) => Some(json!({"status": "error", "error_msg": format!("schedule failed: {m}")})),
        (None, None) => None,
    };
    jobs.update(&job_id, |j| {
        j.status = outcome.status;
        j.started_at = j.started_at.or(outcome.started_at);
        j.finished_at = Some(now_ms());
        j.execution_time_ms = outcome.started_at.map(|_| outcome.exec_ms);
        j.result = result;
        j.log = outcome.log.clone();
    });
    match outcome.status {
        JobStatus::Fulfilled => tracing::info!(
            function = %name, job_id = %job_id, status = "fulfilled", ms = outcome.exec_ms, sync,
            "invocation finished"
        ),
        JobStatus::ScheduleFailed => tracing::warn!(
            function = %name, job_id = %job_id, status = "schedule_failed", sync,
            "invocation could not be scheduled: {}", outcome.error_msg.as_deref().unwrap_or("")
        ),
        other => {
            let msg =
                outcome.body.as_ref().and_then(|b| b.pointer("/error/message")).and_then(Value::as_str).unwrap_or("");
            tracing::warn!(
                function = %name, job_id = %job_id, status = other.as_str(), ms = outcome.exec_ms, sync,
                "invocation failed: {msg}"
            )
        }
    }
    outcome
}
