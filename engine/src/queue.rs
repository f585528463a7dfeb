//! The async job queue: an accepted async job is written to the database with its input before the
//! caller hears `{"status":"ok"}`, runs from there, and stays queued until it finishes, so it survives
//! SIGTERM, SIGKILL and restarts.
//!
//! At start the engine runs every job still queued, oldest first, once. A job that had started before the
//! engine was stopped runs again from the beginning: for those jobs delivery is at-least-once (whatever the
//! function did before the stop may happen twice); every other accepted job runs exactly once. (A sync job
//! is recorded when it ends; one found unfinished at start, its caller gone, is recorded `execution_failed`.)

use crate::invoke::{execute, job_record};
use crate::job::{failure_body, Origin};
use crate::jobs::{JobEnd, JobStatus};
use crate::sessions::Caller;
use crate::util::now_ms;
use crate::Shared;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// What an async job needs to run after a restart.
#[derive(Serialize, Deserialize)]
struct QueuedInput {
    data: Option<Value>,
    caller: Option<Caller>,
    origin: Origin,
}

/// Accepts an async job: records it with its input (committed) and starts it. `Err` when it could not be
/// recorded (the caller must not be told it was accepted).
pub(crate) async fn enqueue(
    shared: &Arc<Shared>,
    name: &str,
    data: Option<Value>,
    caller: Option<Caller>,
    origin: Origin,
) -> Result<String, String> {
    let rec = job_record(name, false, &origin.source);
    let input = QueuedInput { data, caller, origin };
    let text = serde_json::to_string(&input).map_err(|e| format!("cannot queue the job: {e}"))?;
    shared.jobs.insert_queued(&rec, text).await?;
    tokio::spawn(execute(
        shared.clone(),
        rec.id.clone(),
        name.to_string(),
        input.data,
        input.caller,
        false,
        input.origin,
    ));
    Ok(rec.id)
}

/// Runs the jobs left queued by the previous run; returns how many were resumed.
pub(crate) fn resume(shared: &Arc<Shared>) -> usize {
    let queued = match shared.store.unfinished_jobs() {
        Ok(q) => q,
        Err(e) => {
            tracing::error!("cannot read the job queue: {e}");
            return 0;
        }
    };
    let mut resumed = 0;
    for job in queued {
        let input = job.input.as_deref().and_then(|t| serde_json::from_str::<QueuedInput>(t).ok());
        let Some(input) = input.filter(|_| !job.sync) else {
            let msg = "the engine stopped before this job finished; its caller got no answer";
            shared.jobs.finish(
                &job.id,
                JobEnd {
                    status: JobStatus::ExecutionFailed,
                    started_at: None,
                    finished_at: now_ms(),
                    execution_time_ms: None,
                    mem_usage: None,
                    result: Some(failure_body(msg, "EngineStopped", "")),
                    log: String::new(),
                },
            );
            tracing::warn!(function = %job.function_name, job_id = %job.id, "{msg}");
            continue;
        };
        if job.started {
            tracing::warn!(
                function = %job.function_name, job_id = %job.id,
                "async job had started before the engine stopped; running it again from the beginning (at-least-once)"
            );
        } else {
            tracing::info!(function = %job.function_name, job_id = %job.id, "running queued async job");
        }
        tokio::spawn(execute(shared.clone(), job.id, job.function_name, input.data, input.caller, false, input.origin));
        resumed += 1;
    }
    resumed
}
