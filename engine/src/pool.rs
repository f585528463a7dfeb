//! Scheduling: the warm pool of each function. A pool keeps up to `pool_size` workers per function, runs
//! one job per worker at a time and queues further jobs; it reloads a function whose files changed and
//! enforces the time limit. Processes are the [`worker`](crate::worker)'s business, events the
//! [`event`](crate::event) module's.

use crate::event::{job_message, RunSettings};
use crate::function::watch::DirWatch;
use crate::function::{fingerprint, load_meta, FunctionMeta};
use crate::job::{failure_body, JobInput, Outcome};
use crate::jobs::JobStatus;
use crate::util::now_ms;
use crate::worker::{log_function_output, RunOutcome, Runtime, Worker, MAX_CAPTURE};
use crate::Phase;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Semaphore;

/// Up to this many files, a function's fingerprint is taken on the async thread (a few `stat`s); larger
/// directories are scanned on the blocking pool so one big function cannot stall the engine.
const INLINE_SCAN_FILES: usize = 64;

struct PoolInner {
    fingerprint: Option<u64>,
    /// How many files the last fingerprint saw.
    files: usize,
    /// Says whether the files may have changed since the last fingerprint.
    watch: DirWatch,
    generation: u64,
    idle: Vec<Worker>,
    meta: Arc<FunctionMeta>,
}

/// The warm pool of one function.
pub(crate) struct Pool {
    name: String,
    dir: PathBuf,
    /// The engine's `memoryLimitInMB` for functions that set none.
    default_memory_mb: u64,
    sem: Arc<Semaphore>,
    inner: Mutex<PoolInner>,
}

impl Pool {
    fn new(name: &str, dir: PathBuf, size: usize, default_memory_mb: u64) -> Self {
        Pool {
            name: name.to_string(),
            dir,
            default_memory_mb,
            sem: Arc::new(Semaphore::new(size.max(1))),
            inner: Mutex::new(PoolInner {
                fingerprint: None,
                files: 0,
                watch: DirWatch::default(),
                generation: 0,
                idle: Vec::new(),
                meta: Arc::new(FunctionMeta::new(default_memory_mb)),
            }),
        }
    }

    fn retire_all(&self) {
        let drained: Vec<Worker> = {
            let mut inner = self.inner.lock().unwrap();
            inner.generation += 1;
            inner.fingerprint = None;
            inner.watch = DirWatch::default();
            std::mem::take(&mut inner.idle)
        };
        drop(drained);
    }

    /// The function's meta as last read, reloaded when its files changed; `Err` when it is gone.
    async fn refresh(&self) -> Result<(Arc<FunctionMeta>, u64), String> {
        let (known, files) = {
            let mut inner = self.inner.lock().unwrap();
            // Nothing changed since the last scan: no need to scan again.
            if inner.fingerprint.is_some() && !inner.watch.maybe_changed() {
                return Ok((inner.meta.clone(), inner.generation));
            }
            (inner.fingerprint, inner.files)
        };
        // The watch is armed before the scan, so a change made during the scan is seen at the next call.
        let scan = |dir: &Path| (DirWatch::arm(dir), fingerprint(dir));
        let (watch, scanned) = if files <= INLINE_SCAN_FILES {
            scan(&self.dir)
        } else {
            let dir = self.dir.clone();
            tokio::task::spawn_blocking(move || scan(&dir))
                .await
                .map_err(|_| "cannot read the function directory".to_string())?
        };
        let Some((fp, files)) = scanned else {
            return Err(format!("function {} not found", self.name));
        };
        {
            let mut inner = self.inner.lock().unwrap();
            inner.files = files;
            inner.watch = watch;
        }
        let mut fresh_meta = None;
        if known != Some(fp) {
            let dir = self.dir.clone();
            let memory = self.default_memory_mb;
            fresh_meta = Some(
                tokio::task::spawn_blocking(move || load_meta(&dir, memory))
                    .await
                    .map_err(|_| "cannot read the function directory".to_string())?,
            );
        }
        let drained;
        let result = {
            let mut inner = self.inner.lock().unwrap();
            let mut stale = Vec::new();
            if inner.fingerprint != Some(fp) {
                if inner.fingerprint.is_some() {
                    tracing::info!(function = %self.name, "function files changed; reloading");
                }
                inner.generation += 1;
                inner.fingerprint = Some(fp);
                inner.meta =
                    Arc::new(fresh_meta.take().unwrap_or_else(|| load_meta(&self.dir, self.default_memory_mb)));
                stale = std::mem::take(&mut inner.idle);
            }
            drained = stale;
            (inner.meta.clone(), inner.generation)
        };
        drop(drained);
        Ok(result)
    }

    /// An idle worker of `generation` that is still alive, else a new one.
    async fn take_worker(&self, rt: &Runtime, meta: &FunctionMeta, generation: u64) -> Result<Worker, String> {
        let (idle, drained) = {
            let mut inner = self.inner.lock().unwrap();
            let mut drained = Vec::new();
            let mut idle = None;
            // An idle worker that has exited since its last job fails before acknowledging the next one,
            // which then runs on a fresh worker (see `run`), so no per-call liveness check is needed.
            while let Some(w) = inner.idle.pop() {
                if w.generation == inner.generation {
                    idle = Some(w);
                    break;
                }
                drained.push(w);
            }
            (idle, drained)
        };
        drop(drained);
        match idle {
            Some(w) => Ok(w),
            None => rt.spawn(&self.name, &self.dir, meta, generation).await,
        }
    }

    /// Runs one job: waits for a slot, reloads the function if its files changed, takes
    /// or starts a worker, and enforces the time limit. `on_start` is called when the
    /// job starts executing.
    pub(crate) async fn run(
        &self,
        rt: &Runtime,
        settings: &RunSettings<'_>,
        job: JobInput,
        on_start: impl FnOnce(),
    ) -> Outcome {
        let mut shutdown = rt.shutdown.clone();
        if *shutdown.borrow() != Phase::Serving {
            return Outcome::not_started_shutting_down();
        }
        // A sync call waits for a free worker no longer than its time limit (the function's own, as last read,
        // else the engine's sync limit): a caller is never left waiting behind long jobs without an answer.
        // Async jobs queue until a worker frees up, like the cloud's job queue.
        let wait_limit = job.sync.then(|| self.inner.lock().unwrap().meta.time_limit.unwrap_or(settings.sync_limit));
        let wait = async {
            match wait_limit {
                Some(limit) => tokio::time::timeout(limit, self.sem.clone().acquire_owned()).await.ok(),
                None => Some(self.sem.clone().acquire_owned().await),
            }
        };
        let _permit = tokio::select! {
            p = wait => match p {
                Some(Ok(p)) => p,
                Some(Err(_)) => return Outcome::schedule_failed("pool closed".to_string()),
                None => {
                    let ms = wait_limit.unwrap_or_default().as_millis();
                    return Outcome::schedule_failed(format!(
                        "no free worker for {} within {ms} ms: all its workers are busy",
                        self.name
                    ));
                }
            },
            _ = shutdown.wait_for(|p| *p != Phase::Serving) => return Outcome::not_started_shutting_down(),
        };
        let (meta, generation) = match self.refresh().await {
            Ok(m) => m,
            Err(e) => return Outcome::schedule_failed(e),
        };
        let mut worker = match self.take_worker(rt, &meta, generation).await {
            Ok(w) => w,
            Err(e) => return Outcome::schedule_failed(e),
        };
        let limit = meta.time_limit.unwrap_or(if job.sync { settings.sync_limit } else { settings.async_limit });
        let limit_ms = limit.as_millis() as u64;
        let msg = job_message(&meta, &self.name, &job, settings, limit_ms);
        on_start();
        let started_at = now_ms();
        let t0 = Instant::now();
        let calls = job.calls.as_ref().map(|h| (h, &meta.cloud.openapi));
        let live = rt.watch_output(&job.job_id, &worker);
        let mut outcome = worker.run(&msg, &job.job_id, limit, &mut shutdown, calls).await;
        if let RunOutcome::Exited(_, false) = outcome {
            // The worker died before it started the job (e.g. it was exiting while idle):
            // the job never ran, so run it once more on a fresh worker.
            tracing::debug!(function = %self.name, job_id = %job.job_id, "worker gone before the job started; retrying on a fresh worker");
            worker = match rt.spawn(&self.name, &self.dir, &meta, generation).await {
                Ok(w) => w,
                Err(e) => return Outcome::schedule_failed(e),
            };
            let _live = rt.watch_output(&job.job_id, &worker);
            outcome = worker.run(&msg, &job.job_id, limit, &mut shutdown, calls).await;
        }
        drop(live);
        let exec_ms = t0.elapsed().as_millis() as u64;
        let engine_log = worker.stop_capture();
        let mut out = Outcome {
            status: JobStatus::Fulfilled,
            body: None,
            error_msg: None,
            log: engine_log,
            mem: 0,
            started_at: Some(started_at),
            exec_ms,
            interrupted: false,
        };
        match outcome {
            RunOutcome::Done(result) => {
                if !result.tail.is_empty() {
                    log_function_output(&self.name, &job.job_id, &result.tail);
                }
                out.mem = result.mem;
                // The job's log: what arrived while it ran (`log` messages), then what it printed last.
                if out.log.len() < MAX_CAPTURE {
                    out.log.push_str(&result.tail);
                }
                if result.ok {
                    out.body = Some(json!({"code": 0, "data": result.data, "error": {}}));
                } else {
                    let err = result.error.unwrap_or_default();
                    let kind = if err.kind.is_empty() { "Error" } else { &err.kind };
                    out.status = JobStatus::ExecutionFailed;
                    out.body = Some(failure_body(&err.message, kind, &err.stack));
                }
                let mut inner = self.inner.lock().unwrap();
                if !worker.retire && worker.generation == inner.generation && *shutdown.borrow() != Phase::Stopped {
                    inner.idle.push(worker);
                }
            }
            RunOutcome::Timeout => {
                worker.kill();
                out.status = JobStatus::DeadlineExceeded;
                let msg = format!("function {} exceeded its {} ms time limit", self.name, limit_ms);
                out.body = Some(failure_body(&msg, "DeadlineExceeded", ""));
            }
            RunOutcome::MemoryExceeded(rss) => {
                worker.kill();
                out.status = JobStatus::ExecutionFailed;
                out.mem = rss;
                out.body = Some(self.memory_failure(&meta, &format!("resident memory reached {} MB", rss >> 20)));
            }
            RunOutcome::Exited(_, _) if out.log.contains("heap out of memory") => {
                out.status = JobStatus::ExecutionFailed;
                out.body = Some(self.memory_failure(&meta, "the JavaScript heap is full"));
            }
            RunOutcome::Exited(desc, _) => {
                out.status = JobStatus::ExecutionFailed;
                let msg =
                    format!("the process running function {} exited ({desc}) before the job completed", self.name);
                out.body = Some(failure_body(&msg, "ProcessExit", ""));
            }
            RunOutcome::Shutdown => {
                worker.kill();
                out.interrupted = true;
                out.status = JobStatus::ExecutionFailed;
                out.body = Some(failure_body("the engine shut down while the function was running", "ProcessExit", ""));
            }
        }
        out
    }
}

impl Pool {
    /// The failure body of a job stopped at its memory limit.
    fn memory_failure(&self, meta: &FunctionMeta, what: &str) -> serde_json::Value {
        let msg = format!(
            "function {} exceeded its memory limit of {} MB (memory limit exceeded: {what}); its worker was replaced",
            self.name, meta.memory_limit_mb
        );
        failure_body(&msg, "MemoryLimitExceeded", "")
    }
}

/// All pools, by function name.
#[derive(Default)]
pub(crate) struct Pools {
    map: Mutex<HashMap<String, Arc<Pool>>>,
}

impl Pools {
    /// The pool of `name` (created on first use).
    pub(crate) fn get(&self, name: &str, dir: PathBuf, size: usize, default_memory_mb: u64) -> Arc<Pool> {
        let mut map = self.map.lock().unwrap();
        map.entry(name.to_string()).or_insert_with(|| Arc::new(Pool::new(name, dir, size, default_memory_mb))).clone()
    }

    /// Whether function `name` has a pool that loaded it and whose watch has seen no change since: it exists.
    pub(crate) fn unchanged_since_loaded(&self, name: &str) -> bool {
        let pool = self.map.lock().unwrap().get(name).cloned();
        pool.is_some_and(|p| {
            let mut inner = p.inner.lock().unwrap();
            inner.fingerprint.is_some() && !inner.watch.maybe_changed()
        })
    }

    /// Kills the idle workers of `name` and forgets its pool.
    pub(crate) fn remove(&self, name: &str) {
        let pool = self.map.lock().unwrap().remove(name);
        if let Some(p) = pool {
            p.retire_all();
        }
    }

    /// Kills every idle worker (busy ones stop via the shutdown signal).
    pub(crate) fn retire_all(&self) {
        let pools: Vec<Arc<Pool>> = self.map.lock().unwrap().values().cloned().collect();
        for p in pools {
            p.retire_all();
        }
    }
}
