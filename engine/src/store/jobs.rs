//! Job records and the async queue in the database (`jobs`). An async job's row carries its `input`
//! (event data, caller, origin) until it finishes, so an accepted job outlives the engine.

use super::Store;
use crate::jobs::{JobEnd, JobRecord, JobStatus};
use rusqlite::{OptionalExtension, Row};
use serde_json::Value;

/// An unfinished job found at start.
#[derive(Debug)]
pub(crate) struct QueuedJob {
    pub id: String,
    pub function_name: String,
    pub sync: bool,
    /// Whether a worker had started it.
    pub started: bool,
    /// Its input (JSON), for async jobs.
    pub input: Option<String>,
}

const COLUMNS: &str = "id, function_name, status, sync, source, created_at, started_at, finished_at, \
                       execution_time_ms, mem_usage, result, log";
/// [`COLUMNS`] without the result and the log (read as NULL and ''): SQLite then never reads their pages.
const SUMMARY_COLUMNS: &str = "id, function_name, status, sync, source, created_at, started_at, finished_at, \
                               execution_time_ms, mem_usage, NULL, ''";

/// How much of each record a listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Every field.
    Whole,
    /// Without the result and the log (left empty).
    Summary,
}

fn record(r: &Row<'_>) -> rusqlite::Result<JobRecord> {
    let status: String = r.get(2)?;
    let result: Option<String> = r.get(10)?;
    Ok(JobRecord {
        id: r.get(0)?,
        function_name: r.get(1)?,
        status: JobStatus::parse(&status).unwrap_or(JobStatus::ExecutionFailed),
        sync: r.get(3)?,
        source: r.get(4)?,
        created_at: r.get(5)?,
        started_at: r.get(6)?,
        finished_at: r.get(7)?,
        execution_time_ms: r.get(8)?,
        mem_usage: r.get(9)?,
        result: result.and_then(|t| serde_json::from_str::<Value>(&t).ok()),
        log: r.get(11)?,
    })
}

/// One write to the job records, applied by the job writer in a batch.
pub(crate) enum JobWrite {
    /// A new job (an async one with its input).
    Insert(JobRecord, Option<String>),
    /// A worker started the job.
    Started(String, u64),
    /// The job ended.
    Finished(String, JobEnd),
    /// A sync job ended: its whole record, written once.
    Record(JobRecord),
    /// An interrupted async job goes back to the queue.
    Requeue(String),
    /// Old records beyond the newest `keep` go.
    Prune(usize),
}

impl Store {
    /// Applies `writes` in one transaction.
    pub(crate) fn apply_job_writes(&self, writes: &[JobWrite]) -> rusqlite::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for w in writes {
            match w {
                JobWrite::Insert(rec, input) => insert(&tx, rec, input.as_deref())?,
                JobWrite::Started(id, at) => {
                    tx.prepare_cached("UPDATE jobs SET status = 'executing', started_at = ?2 WHERE id = ?1")?
                        .execute((id, at))?;
                }
                JobWrite::Finished(id, end) => finish(&tx, id, end)?,
                JobWrite::Record(rec) => insert_whole(&tx, rec)?,
                JobWrite::Requeue(id) => {
                    tx.prepare_cached(
                        "UPDATE jobs SET status = 'waiting', started_at = NULL WHERE id = ?1 AND input IS NOT NULL",
                    )?
                    .execute([id])?;
                }
                JobWrite::Prune(keep) => {
                    tx.prepare_cached(
                        "DELETE FROM jobs WHERE seq <= (SELECT MAX(seq) FROM jobs) - ?1
                         AND status NOT IN ('waiting', 'executing')",
                    )?
                    .execute([*keep as i64])?;
                }
            }
        }
        tx.commit()
    }

    /// One job record.
    pub(crate) fn job(&self, id: &str) -> rusqlite::Result<Option<JobRecord>> {
        let conn = self.read();
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"))?;
        stmt.query_row([id], record).optional()
    }

    /// How many records there are (of `function` when given).
    pub(crate) fn job_count(&self, function: Option<&str>) -> rusqlite::Result<u64> {
        let conn = self.read();
        match function {
            Some(f) => conn.query_row("SELECT COUNT(*) FROM jobs WHERE function_name = ?1", [f], |r| r.get(0)),
            None => conn.query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get(0)),
        }
    }

    /// Calls `each` with the records of a page, newest first.
    pub(crate) fn jobs_page(
        &self,
        function: Option<&str>,
        limit: usize,
        offset: usize,
        detail: Detail,
        mut each: impl FnMut(JobRecord),
    ) -> rusqlite::Result<()> {
        let conn = self.read();
        let filter = if function.is_some() { "WHERE function_name = ?3" } else { "WHERE ?3 IS NULL" };
        let columns = if detail == Detail::Whole { COLUMNS } else { SUMMARY_COLUMNS };
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {columns} FROM jobs {filter} ORDER BY seq DESC LIMIT ?1 OFFSET ?2"))?;
        let mut rows = stmt.query((limit as i64, offset as i64, function))?;
        while let Some(row) = rows.next()? {
            each(record(row)?);
        }
        Ok(())
    }

    /// Every unfinished job, oldest first.
    pub(crate) fn unfinished_jobs(&self) -> rusqlite::Result<Vec<QueuedJob>> {
        let conn = self.read();
        let mut stmt = conn.prepare(
            "SELECT id, function_name, sync, status, input FROM jobs
             WHERE status IN ('waiting', 'executing') ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            let status: String = r.get(3)?;
            Ok(QueuedJob {
                id: r.get(0)?,
                function_name: r.get(1)?,
                sync: r.get(2)?,
                started: status == "executing",
                input: r.get(4)?,
            })
        })?;
        rows.collect()
    }
}

fn insert(conn: &rusqlite::Connection, rec: &JobRecord, input: Option<&str>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO jobs (id, function_name, status, sync, source, created_at, input)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute((&rec.id, &rec.function_name, rec.status.as_str(), rec.sync, &rec.source, rec.created_at, input))?;
    Ok(())
}

/// A finished sync job's record, in one statement.
fn insert_whole(conn: &rusqlite::Connection, rec: &JobRecord) -> rusqlite::Result<()> {
    let result_text = rec.result.as_ref().map(|v| v.to_string());
    conn.prepare_cached(&format!(
        "INSERT INTO jobs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(rusqlite::params![
        rec.id,
        rec.function_name,
        rec.status.as_str(),
        rec.sync,
        rec.source,
        rec.created_at,
        rec.started_at,
        rec.finished_at,
        rec.execution_time_ms,
        rec.mem_usage,
        result_text,
        rec.log
    ])?;
    Ok(())
}

fn finish(conn: &rusqlite::Connection, id: &str, rec: &JobEnd) -> rusqlite::Result<()> {
    let result_text = rec.result.as_ref().map(|v| v.to_string());
    conn.prepare_cached(
        "UPDATE jobs SET status = ?2, started_at = ?3, finished_at = ?4, execution_time_ms = ?5,
         mem_usage = ?6, result = ?7, log = ?8, input = NULL WHERE id = ?1",
    )?
    .execute(rusqlite::params![
        id,
        rec.status.as_str(),
        rec.started_at,
        rec.finished_at,
        rec.execution_time_ms,
        rec.mem_usage,
        result_text,
        rec.log
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finished(id: &str) -> JobRecord {
        let mut rec = crate::invoke::job_record("echo", true, "wx_client");
        rec.id = id.to_string();
        rec.status = JobStatus::Fulfilled;
        rec.finished_at = Some(rec.created_at + 5);
        rec.mem_usage = Some(42 << 20);
        rec.result = Some(json!({"code": 0, "data": "你好 🌏", "error": {}}));
        rec.log = "日志 line 📜\n".to_string();
        rec
    }

    fn listed(store: &Store, detail: Detail) -> Vec<JobRecord> {
        let mut all = Vec::new();
        store.jobs_page(Some("echo"), 10, 0, detail, |j| all.push(j)).unwrap();
        all
    }

    #[test]
    fn a_summary_listing_leaves_out_the_result_and_the_log_only() {
        let store = Store::open(None).unwrap();
        store.apply_job_writes(&[JobWrite::Record(finished("j1"))]).unwrap();
        let summary = listed(&store, Detail::Summary);
        assert_eq!(summary.len(), 1);
        assert_eq!((summary[0].result.clone(), summary[0].log.as_str()), (None, ""));
        assert_eq!((summary[0].id.as_str(), summary[0].status), ("j1", JobStatus::Fulfilled));
        assert_eq!(summary[0].mem_usage, Some(42 << 20));
        let whole = listed(&store, Detail::Whole);
        assert_eq!(whole[0].result, Some(json!({"code": 0, "data": "你好 🌏", "error": {}})));
        assert_eq!(whole[0].log, "日志 line 📜\n");
    }
}
