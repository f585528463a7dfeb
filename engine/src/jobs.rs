//! Job records: one per invocation, the last [`MAX_JOBS`] kept in the engine's database, each bounded:
//! a result over [`RECORD_RESULT_LIMIT`] bytes is kept as a summary (`{"truncated": true, "size", "code"}`)
//! and a log over [`RECORD_LOG_LIMIT`] bytes keeps its beginning and says how much was left out.

use crate::store::Store;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How many job records the engine keeps (oldest dropped first).
pub const MAX_JOBS: usize = 10_000;
/// The most job records one page of a listing holds (a larger `limit` is capped to it).
pub const MAX_JOB_PAGE: usize = 100;
/// The largest result (as JSON text, in bytes) a job record keeps whole.
pub const RECORD_RESULT_LIMIT: usize = 32 * 1024;
/// The most of a job's log (in bytes) its record keeps.
pub const RECORD_LOG_LIMIT: usize = 32 * 1024;

/// Status of a job, as 知晓云 names them (serialized in `snake_case`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Accepted, waiting for a free worker.
    Waiting,
    /// Running in a worker.
    Executing,
    /// The function completed successfully.
    Fulfilled,
    /// The function failed (threw, called back an error, exited, failed to load).
    ExecutionFailed,
    /// The function ran past its time limit and its worker was killed.
    DeadlineExceeded,
    /// The job could not be scheduled (e.g. Node could not be started).
    ScheduleFailed,
}

impl JobStatus {
    /// The status as 知晓云 spells it (`"fulfilled"`, `"deadline_exceeded"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Waiting => "waiting",
            JobStatus::Executing => "executing",
            JobStatus::Fulfilled => "fulfilled",
            JobStatus::ExecutionFailed => "execution_failed",
            JobStatus::DeadlineExceeded => "deadline_exceeded",
            JobStatus::ScheduleFailed => "schedule_failed",
        }
    }
    /// The status spelled as [`JobStatus::as_str`] does.
    pub fn parse(s: &str) -> Option<JobStatus> {
        [
            JobStatus::Waiting,
            JobStatus::Executing,
            JobStatus::Fulfilled,
            JobStatus::ExecutionFailed,
            JobStatus::DeadlineExceeded,
            JobStatus::ScheduleFailed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
    /// Whether the job has finished (successfully or not).
    pub fn is_final(self) -> bool {
        !matches!(self, JobStatus::Waiting | JobStatus::Executing)
    }
}

/// The record of one invocation.
///
/// Times are milliseconds since the Unix epoch.
#[derive(Debug, Clone, Serialize)]
pub struct JobRecord {
    /// Job id (also sent as `x-request-id` on the invocation's response, and as `event.jobId`).
    pub id: String,
    /// Name of the invoked function.
    pub function_name: String,
    /// Current status.
    pub status: JobStatus,
    /// Whether the caller waited for the result.
    pub sync: bool,
    /// What started the job, as WeChat names it (`SOURCE` of `cloud.getWXContext()`): `wx_client`
    /// (client call), `wx_http` (WeChat HTTP API or management API), `wx_trigger` (timer trigger),
    /// `wx_message` (pushed message), with `,scf` appended per `cloud.callFunction` hop.
    pub source: String,
    /// When the job was accepted.
    pub created_at: u64,
    /// When a worker started running it.
    pub started_at: Option<u64>,
    /// When it finished.
    pub finished_at: Option<u64>,
    /// Run time in the worker, in milliseconds.
    pub execution_time_ms: Option<u64>,
    /// The worker's resident memory at the end of the job, in bytes.
    pub mem_usage: Option<u64>,
    /// The invoke body (`{"code":..,"data":..,"error":..}`) once finished; over [`RECORD_RESULT_LIMIT`]
    /// bytes, `{"truncated": true, "size": <bytes>, "code": <code>}`.
    pub result: Option<Value>,
    /// What the function printed during the job (its first [`RECORD_LOG_LIMIT`] bytes).
    pub log: String,
}

/// How a job ended: the fields its record gets then.
pub(crate) struct JobEnd {
    pub status: JobStatus,
    pub started_at: Option<u64>,
    pub finished_at: u64,
    pub execution_time_ms: Option<u64>,
    pub mem_usage: Option<u64>,
    pub result: Option<Value>,
    pub log: String,
}

/// The job records, in the engine's database.
pub(crate) struct JobStore {
    store: Arc<Store>,
    inserts: AtomicU64,
}

impl JobStore {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        JobStore { store, inserts: AtomicU64::new(0) }
    }

    /// Records a new job (`input`: what an async job needs to run after a restart). An error means the job
    /// was not accepted.
    pub(crate) fn insert(&self, rec: &JobRecord, input: Option<&str>) -> Result<(), String> {
        self.store.insert_job(rec, input).map_err(|e| format!("cannot record the job: {e}"))?;
        if self.inserts.fetch_add(1, Ordering::Relaxed) % 256 == 255 {
            self.store.prune_jobs(MAX_JOBS);
        }
        Ok(())
    }

    /// A worker started job `id`.
    pub(crate) fn started(&self, id: &str, at: u64) {
        self.store.job_started(id, at);
    }

    /// Job `id` ended; its result and log are bounded before they are kept.
    pub(crate) fn finish(&self, id: &str, mut end: JobEnd) {
        end.result = end.result.map(bound_result);
        bound_log(&mut end.log);
        self.store.job_finished(id, &end);
    }

    /// Puts an interrupted async job back in the queue.
    pub(crate) fn requeue(&self, id: &str) {
        self.store.requeue_job(id);
    }

    pub(crate) fn get(&self, id: &str) -> Option<JobRecord> {
        self.store.job(id).unwrap_or_else(|e| {
            tracing::error!("cannot read job {id}: {e}");
            None
        })
    }

    /// How many records are kept (of `function` when given).
    pub(crate) fn count(&self, function: Option<&str>) -> u64 {
        self.store.job_count(function).unwrap_or(0)
    }

    /// Calls `each` with a page of records, newest first.
    pub(crate) fn page(&self, function: Option<&str>, limit: usize, offset: usize, each: impl FnMut(JobRecord)) {
        if let Err(e) = self.store.jobs_page(function, limit, offset, each) {
            tracing::error!("cannot list job records: {e}");
        }
    }
}

fn bound_result(result: Value) -> Value {
    let size = serde_json::to_string(&result).map(|t| t.len()).unwrap_or(0);
    if size <= RECORD_RESULT_LIMIT {
        return result;
    }
    json!({"truncated": true, "size": size, "code": result.get("code").cloned().unwrap_or(Value::Null)})
}

fn bound_log(log: &mut String) {
    if log.len() <= RECORD_LOG_LIMIT {
        return;
    }
    let mut cut = RECORD_LOG_LIMIT;
    while !log.is_char_boundary(cut) {
        cut -= 1;
    }
    let left_out = log.len() - cut;
    log.truncate(cut);
    log.push_str(&format!("\n… [{left_out} more bytes not kept in the job record]\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_result_is_kept_as_its_size_and_code() {
        let big = json!({"code": 0, "data": "数".repeat(RECORD_RESULT_LIMIT), "error": {}});
        let kept = bound_result(big.clone());
        assert_eq!(kept["truncated"], json!(true));
        assert_eq!(kept["code"], json!(0));
        assert_eq!(kept["size"], json!(big.to_string().len()));
        let small = json!({"code": 0, "data": "hello 🌏", "error": {}});
        assert_eq!(bound_result(small.clone()), small);
    }

    #[test]
    fn a_long_log_keeps_its_beginning_on_a_character_boundary() {
        let mut log = "日志🌏".repeat(RECORD_LOG_LIMIT);
        let total = log.len();
        bound_log(&mut log);
        assert!(log.starts_with("日志🌏"));
        assert!(log.len() < RECORD_LOG_LIMIT + 100);
        assert!(log.contains("more bytes not kept"), "{}", &log[log.len() - 80..]);
        assert!(total > log.len());
    }
}
