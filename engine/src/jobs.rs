//! Job records: one per invocation, the last [`MAX_JOBS`] kept in memory.

use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many job records the engine keeps (oldest dropped first).
pub const MAX_JOBS: usize = 10_000;

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
    /// The invoke body (`{"code":..,"data":..,"error":..}`) once finished.
    pub result: Option<Value>,
    /// What the function printed during the job.
    pub log: String,
}

/// In-memory job store.
#[derive(Default)]
pub(crate) struct JobStore {
    jobs: Mutex<VecDeque<JobRecord>>,
}

impl JobStore {
    pub(crate) fn insert(&self, rec: JobRecord) {
        let mut jobs = self.jobs.lock().unwrap();
        if jobs.len() >= MAX_JOBS {
            jobs.pop_front();
        }
        jobs.push_back(rec);
    }

    pub(crate) fn update(&self, id: &str, f: impl FnOnce(&mut JobRecord)) {
        let mut jobs = self.jobs.lock().unwrap();
        if let Some(rec) = jobs.iter_mut().rev().find(|j| j.id == id) {
            f(rec);
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<JobRecord> {
        let jobs = self.jobs.lock().unwrap();
        jobs.iter().rev().find(|j| j.id == id).cloned()
    }

    /// All jobs, oldest first.
    pub(crate) fn all(&self) -> Vec<JobRecord> {
        self.jobs.lock().unwrap().iter().cloned().collect()
    }
}
