//! Job records: one per invocation, the last [`MAX_JOBS`] kept in the engine's database, each bounded:
//! a result over [`RECORD_RESULT_LIMIT`] bytes is kept as a summary (`{"truncated": true, "size", "code"}`)
//! and a log over [`RECORD_LOG_LIMIT`] bytes keeps its beginning and says how much was left out.

pub(crate) use crate::store::Detail;
use crate::store::{JobWrite, Store};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// A write waiting for the job writer, with whoever waits for its commit.
enum Queued {
    Write(Box<JobWrite>),
    /// Answered once every write sent before it is committed (the `Err` carries why a batch failed).
    Commit(tokio::sync::oneshot::Sender<Result<(), String>>),
    /// A write whose sender waits for its commit.
    WriteAndCommit(Box<JobWrite>, tokio::sync::oneshot::Sender<Result<(), String>>),
}

/// The job records, in the engine's database.
///
/// Writes leave the request path: a writer thread applies them in batches, one transaction each (group
/// commit), so a busy engine pays for one commit per batch rather than three per job. A sync job lives
/// in memory (`live`) from its start until its record is committed, once, at its end; reads look there
/// first. An async job is committed before its caller hears `ok` ([`JobStore::insert_queued`]).
pub(crate) struct JobStore {
    store: Arc<Store>,
    live: Arc<Mutex<HashMap<String, JobRecord>>>,
    writes: std::sync::mpsc::Sender<Queued>,
    finished: AtomicU64,
}

/// Most writes in one batch.
const BATCH: usize = 1024;
/// How long the writer gathers writes after the first of a batch when nobody waits for the commit: a busy
/// engine wakes it once per batch, not once per job. (Reads stay consistent meanwhile: unwritten sync
/// records are still in memory.)
const GATHER: std::time::Duration = std::time::Duration::from_millis(25);

impl JobStore {
    pub(crate) fn new(store: Arc<Store>) -> Self {
        let (writes, queue) = std::sync::mpsc::channel::<Queued>();
        let live: Arc<Mutex<HashMap<String, JobRecord>>> = Arc::default();
        let (db, committed) = (store.clone(), live.clone());
        let spawned = std::thread::Builder::new()
            .name("minicloud-job-writer".into())
            .spawn(move || write_batches(&db, &queue, &committed));
        if let Err(e) = spawned {
            tracing::error!("cannot start the job writer: {e}");
        }
        JobStore { store, live, writes, finished: AtomicU64::new(0) }
    }

    fn send(&self, write: JobWrite) {
        if self.writes.send(Queued::Write(Box::new(write))).is_err() {
            tracing::error!("the job writer has stopped: a job record was not saved");
        }
    }

    /// Waits until every write sent so far is committed.
    pub(crate) async fn flush(&self) -> Result<(), String> {
        let (done, committed) = tokio::sync::oneshot::channel();
        self.writes.send(Queued::Commit(done)).map_err(|_| "the job writer has stopped".to_string())?;
        committed.await.map_err(|_| "the job writer has stopped".to_string())?
    }

    /// Records a new sync job (kept in memory until its end).
    pub(crate) fn insert(&self, rec: JobRecord) {
        self.live.lock().unwrap().insert(rec.id.clone(), rec);
    }

    /// Records a new async job with its `input` and waits until that is committed: an error means the job
    /// was not accepted.
    pub(crate) async fn insert_queued(&self, rec: &JobRecord, input: String) -> Result<(), String> {
        let (done, committed) = tokio::sync::oneshot::channel();
        let write = Box::new(JobWrite::Insert(rec.clone(), Some(input)));
        let stopped = || "cannot queue the job: the job writer has stopped".to_string();
        self.writes.send(Queued::WriteAndCommit(write, done)).map_err(|_| stopped())?;
        committed.await.map_err(|_| stopped())?.map_err(|e| format!("cannot queue the job: {e}"))
    }

    /// A worker started job `id`.
    pub(crate) fn started(&self, id: &str, at: u64) {
        if let Some(rec) = self.live.lock().unwrap().get_mut(id) {
            rec.status = JobStatus::Executing;
            rec.started_at = Some(at);
            return;
        }
        self.send(JobWrite::Started(id.to_string(), at));
    }

    /// Job `id` ended; its result and log are bounded before they are kept.
    pub(crate) fn finish(&self, id: &str, mut end: JobEnd) {
        end.result = end.result.map(bound_result);
        bound_log(&mut end.log);
        let live = {
            let mut live = self.live.lock().unwrap();
            live.get_mut(id).map(|rec| {
                rec.status = end.status;
                rec.started_at = end.started_at.or(rec.started_at);
                rec.finished_at = Some(end.finished_at);
                rec.execution_time_ms = end.execution_time_ms;
                rec.mem_usage = end.mem_usage;
                rec.result = end.result.take();
                rec.log = std::mem::take(&mut end.log);
                rec.clone()
            })
        };
        self.send(match live {
            Some(rec) => JobWrite::Record(rec),
            None => JobWrite::Finished(id.to_string(), end),
        });
        if self.finished.fetch_add(1, Ordering::Relaxed) % 256 == 255 {
            self.send(JobWrite::Prune(MAX_JOBS));
        }
    }

    /// Puts an interrupted async job back in the queue.
    pub(crate) fn requeue(&self, id: &str) {
        self.send(JobWrite::Requeue(id.to_string()));
    }

    pub(crate) fn get(&self, id: &str) -> Option<JobRecord> {
        if let Some(rec) = self.live.lock().unwrap().get(id) {
            return Some(rec.clone());
        }
        self.store.job(id).unwrap_or_else(|e| {
            tracing::error!("cannot read job {id}: {e}");
            None
        })
    }

    /// The sync jobs not yet committed (of `function` when given), newest first.
    fn live(&self, function: Option<&str>) -> Vec<JobRecord> {
        let mut live: Vec<JobRecord> = self
            .live
            .lock()
            .unwrap()
            .values()
            .filter(|j| function.is_none_or(|f| j.function_name == f))
            .cloned()
            .collect();
        live.sort_by_key(|j| std::cmp::Reverse(j.created_at));
        live
    }

    /// How many records are kept (of `function` when given).
    pub(crate) fn count(&self, function: Option<&str>) -> u64 {
        self.store.job_count(function).unwrap_or(0) + self.live(function).len() as u64
    }

    /// Calls `each` with a page of records, newest first: the sync jobs still in memory, then the
    /// database's.
    pub(crate) fn page(
        &self,
        function: Option<&str>,
        limit: usize,
        offset: usize,
        detail: Detail,
        mut each: impl FnMut(JobRecord),
    ) {
        let live = self.live(function);
        let ids: std::collections::HashSet<String> = live.iter().map(|j| j.id.clone()).collect();
        let mut left = limit;
        for mut rec in live.into_iter().skip(offset).take(limit) {
            left -= 1;
            if detail == Detail::Summary {
                rec.result = None;
                rec.log = String::new();
            }
            each(rec);
        }
        if left == 0 {
            return;
        }
        let db_offset = offset.saturating_sub(ids.len());
        let result = self.store.jobs_page(function, left, db_offset, detail, |rec| {
            if !ids.contains(&rec.id) {
                each(rec)
            }
        });
        if let Err(e) = result {
            tracing::error!("cannot list job records: {e}");
        }
    }
}

/// The job writer: applies queued writes in batches until every sender is gone.
fn write_batches(store: &Store, queue: &std::sync::mpsc::Receiver<Queued>, live: &Mutex<HashMap<String, JobRecord>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        let drain = |batch: &mut Vec<Queued>| {
            while batch.len() < BATCH {
                match queue.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
        };
        drain(&mut batch);
        // Someone waiting for a commit (an async job's caller) is not kept waiting for more writes.
        if !batch.iter().any(|q| matches!(q, Queued::Commit(_) | Queued::WriteAndCommit(..))) {
            std::thread::sleep(GATHER);
            drain(&mut batch);
        }
        let mut writes = Vec::new();
        let mut waiting = Vec::new();
        for q in batch {
            match q {
                Queued::Write(w) => writes.push(*w),
                Queued::Commit(done) => waiting.push(done),
                Queued::WriteAndCommit(w, done) => {
                    writes.push(*w);
                    waiting.push(done);
                }
            }
        }
        let result = if writes.is_empty() { Ok(()) } else { store.apply_job_writes(&writes) };
        match &result {
            Ok(()) => {
                let mut live = live.lock().unwrap();
                for w in &writes {
                    if let JobWrite::Record(rec) = w {
                        live.remove(&rec.id);
                    }
                }
            }
            Err(e) => tracing::error!("cannot save {} job record changes in the database: {e}", writes.len()),
        }
        for done in waiting {
            let _ = done.send(result.as_ref().map(|_| ()).map_err(|e| e.to_string()));
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
