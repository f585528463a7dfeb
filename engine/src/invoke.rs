//! Running one invocation end to end: job record, pool, logging.

use crate::event::RunSettings;
use crate::job::{CallingJob, JobInput, Origin, Outcome};
use crate::jobs::{JobEnd, JobRecord, JobStatus};
use crate::sessions::Caller;
use crate::util::{now_ms, random_hex};
use crate::Shared;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A new `waiting` record for function `name` started from `source` (the `SOURCE` a WeChat-style function
/// sees).
pub(crate) fn job_record(name: &str, sync: bool, source: &str) -> JobRecord {
    JobRecord {
        id: random_hex(16),
        function_name: name.to_string(),
        status: JobStatus::Waiting,
        sync,
        source: source.to_string(),
        created_at: now_ms(),
        started_at: None,
        finished_at: None,
        execution_time_ms: None,
        mem_usage: None,
        result: None,
        log: String::new(),
    }
}

/// Records a new `waiting` sync job and returns its id.
pub(crate) fn new_job(shared: &Shared, name: &str, sync: bool, source: &str) -> String {
    let rec = job_record(name, sync, source);
    let id = rec.id.clone();
    shared.jobs.insert(rec);
    id
}

/// Counts a running `execute` while alive (the engine's drain waits for them).
struct Running<'a>(&'a Shared, bool);

impl<'a> Running<'a> {
    fn new(shared: &'a Shared, sync: bool) -> Self {
        shared.in_flight.fetch_add(1, Ordering::SeqCst);
        if sync {
            shared.running_sync.fetch_add(1, Ordering::SeqCst);
        }
        Running(shared, sync)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.running_sync.fetch_sub(1, Ordering::SeqCst);
        }
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs job `job_id` (already recorded) to completion and records the outcome. The function may call back
/// into the engine (`cloud.callFunction`, `cloud.openapi.*`) while it runs. An async job the engine
/// interrupts by shutting down goes back to the queue instead of failing.
pub(crate) async fn execute(
    shared: Arc<Shared>,
    job_id: String,
    name: String,
    data: Option<Value>,
    caller: Option<Caller>,
    sync: bool,
    origin: Origin,
) -> Outcome {
    let _running = Running::new(&shared, sync);
    let config = &shared.config;
    let pool = shared.pools.get(&name, config.functions_dir.join(&name), config.pool_size, config.memory_limit_mb);
    let settings = RunSettings {
        app_id: &shared.config.wechat_app_id,
        env: &shared.config.wechat_env,
        miniapp_id: &shared.config.client_id,
        sync_limit: shared.config.sync_time_limit,
        async_limit: shared.config.async_time_limit,
    };
    let calls = (shared.call_router)(
        shared.clone(),
        CallingJob { function: name.clone(), job_id: job_id.clone(), caller: caller.clone(), origin: origin.clone() },
    );
    let input = JobInput { job_id: job_id.clone(), data, caller, sync, origin, calls: Some(calls) };
    let jobs = &shared.jobs;
    let outcome = pool.run(&shared.runtime, &settings, input, || jobs.started(&job_id, now_ms())).await;
    if outcome.interrupted && !sync {
        jobs.requeue(&job_id);
        tracing::warn!(
            function = %name, job_id = %job_id, started = outcome.started_at.is_some(),
            "the engine is stopping: async job kept in the queue; it runs at the next start"
        );
        return outcome;
    }
    let result = match (&outcome.body, &outcome.error_msg) {
        (Some(b), _) => Some(b.clone()),
        (None, Some(m)) => Some(json!({"status": "error", "error_msg": format!("schedule failed: {m}")})),
        (None, None) => None,
    };
    jobs.finish(
        &job_id,
        JobEnd {
            status: outcome.status,
            started_at: outcome.started_at,
            finished_at: now_ms(),
            execution_time_ms: outcome.started_at.map(|_| outcome.exec_ms),
            mem_usage: outcome.started_at.map(|_| outcome.mem),
            result,
            log: outcome.log.clone(),
        },
    );
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
