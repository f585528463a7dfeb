//! Node worker processes and the warm pool of each function.
//!
//! Each worker is `node runner.js <socket> <function dir>`: jobs and results travel as
//! JSON lines over a Unix socket private to that worker, while the function's own
//! stdout/stderr are read line by line, logged (tagged with function name and job id)
//! and captured for the job. A worker runs one job at a time; a pool keeps up to
//! `pool_size` workers per function and queues further jobs.

use crate::cloud::config::{read_config, CloudConfig};
use crate::cloud::{CallHandler, CallRequest, Origin};
use crate::jobs::JobStatus;
use crate::sessions::Caller;
use crate::util::now_ms;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixListener;
use tokio::process::{Child, Command};
use tokio::sync::{watch, Semaphore};

const MAX_CAPTURE: usize = 1024 * 1024;
const SPAWN_TIMEOUT: Duration = Duration::from_secs(15);

/// The runner script, embedded in the engine.
const RUNNER_JS: &str = include_str!("runner.js");
/// The `wx-server-sdk` stand-in the runner loads (`cloud/wx_server_sdk.js`).
const WX_SERVER_SDK_JS: &str = include_str!("cloud/wx_server_sdk.js");

/// Which calling convention a function uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Contract {
    /// 知晓云: `main(event, callback)` or `async main(event)`.
    #[default]
    Minapp,
    /// WeChat cloud: `async main(event, context)`.
    Wechat,
}

/// What a function's `config.json` says.
#[derive(Debug, Clone, Default)]
pub(crate) struct FunctionMeta {
    pub contract: Contract,
    pub time_limit: Option<Duration>,
    /// Open-API permissions and other WeChat cloud keys.
    pub cloud: CloudConfig,
}

/// Whether `index.js` requires `wx-server-sdk` (a WeChat cloud function).
fn requires_wx_server_sdk(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("index.js"))
        .is_ok_and(|src| src.contains("require('wx-server-sdk')") || src.contains("require(\"wx-server-sdk\")"))
}

/// Reads `config.json`. The WeChat contract applies when it says `"contract": "wechat"`, or, without a
/// `contract` key, when it uses a WeChat-only key (`permissions`, `triggers`, `messagePush`) or
/// `index.js` requires `wx-server-sdk`: WeChat functions run unchanged.
fn load_meta(dir: &Path) -> FunctionMeta {
    let mut meta = FunctionMeta::default();
    let cfg = match read_config(dir) {
        Ok(Some(v)) => v,
        Ok(None) => Value::Null,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), "ignoring config.json: {e}");
            Value::Null
        }
    };
    meta.cloud = CloudConfig::from_value(&cfg);
    meta.contract = match cfg.get("contract").and_then(Value::as_str) {
        Some("wechat") => Contract::Wechat,
        Some(_) => Contract::Minapp,
        None if meta.cloud.wechat_keys || requires_wx_server_sdk(dir) => Contract::Wechat,
        None => Contract::Minapp,
    };
    if let Some(ms) = cfg.get("timeLimitInMS").and_then(Value::as_f64) {
        if ms > 0.0 {
            meta.time_limit = Some(Duration::from_millis(ms as u64));
        }
    } else if let Some(s) = cfg.get("timeout").and_then(Value::as_f64) {
        if s > 0.0 {
            meta.time_limit = Some(Duration::from_secs_f64(s));
        }
    }
    meta
}

/// Fingerprint of a function directory (paths, sizes and mtimes, `node_modules` excluded);
/// `None` when `index.js` is missing.
/// A hash of every file's path, size and mtime under `dir` (without `node_modules`), and how many files there
/// are; `None` when the function has no index.js.
fn fingerprint(dir: &Path) -> Option<(u64, usize)> {
    if !dir.join("index.js").is_file() {
        return None;
    }
    let mut entries = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            if entries.len() > 5000 {
                break;
            }
            let name = e.file_name();
            if name == "node_modules" {
                continue;
            }
            let Ok(md) = e.metadata() else { continue };
            if md.is_dir() {
                stack.push(e.path());
            } else {
                let mtime = md
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                entries.push((e.path(), md.len(), mtime));
            }
        }
    }
    entries.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    entries.hash(&mut h);
    Some((h.finish(), entries.len()))
}

/// Up to this many files, a function's fingerprint is taken on the async thread (a few `stat`s); larger
/// directories are scanned on the blocking pool so one big function cannot stall the engine.
const INLINE_SCAN_FILES: usize = 64;

/// Shared process-level settings for spawning workers.
pub(crate) struct Runtime {
    dir: PathBuf,
    runner: PathBuf,
    node: PathBuf,
    counter: AtomicU64,
    shutdown: watch::Receiver<bool>,
}

impl Runtime {
    /// Creates the private runtime directory and writes the runner script there.
    pub(crate) fn new(node: PathBuf, shutdown: watch::Receiver<bool>) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("minicloud-{}-{}", std::process::id(), crate::util::random_hex(4)));
        std::fs::create_dir_all(&dir)?;
        let runner = dir.join("runner.js");
        std::fs::write(&runner, RUNNER_JS)?;
        std::fs::write(dir.join("wx-server-sdk.js"), WX_SERVER_SDK_JS)?;
        Ok(Runtime { dir, runner, node, counter: AtomicU64::new(0), shutdown })
    }

    /// Removes the runtime directory.
    pub(crate) fn cleanup(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    async fn spawn(&self, name: &str, fn_dir: &Path, generation: u64) -> Result<Worker, String> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let sock = self.dir.join(format!("w{n}.sock"));
        let _ = std::fs::remove_file(&sock);
        let listener = UnixListener::bind(&sock).map_err(|e| format!("cannot create worker socket: {e}"))?;
        let fn_dir = std::fs::canonicalize(fn_dir).unwrap_or_else(|_| fn_dir.to_path_buf());
        let mut child = Command::new(&self.node)
            .arg(&self.runner)
            .arg(&sock)
            .arg(&fn_dir)
            .current_dir(&fn_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // Its own process group, so killing the worker also kills every process its function started.
            .process_group(0)
            .spawn()
            .map_err(|e| {
                let _ = std::fs::remove_file(&sock);
                format!("cannot start node ({}): {e}", self.node.display())
            })?;
        let output = Arc::new(Mutex::new(OutputState::default()));
        if let Some(out) = child.stdout.take() {
            tokio::spawn(pump(out, name.to_string(), "stdout", output.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(pump(err, name.to_string(), "stderr", output.clone()));
        }
        let accepted = tokio::select! {
            r = tokio::time::timeout(SPAWN_TIMEOUT, listener.accept()) => match r {
                Ok(Ok((stream, _))) => Ok(stream),
                Ok(Err(e)) => Err(format!("worker did not connect: {e}")),
                Err(_) => Err("worker did not start in time".to_string()),
            },
            st = child.wait() => Err(format!("worker exited during start-up ({})", describe_status(st.ok()))),
        };
        let _ = std::fs::remove_file(&sock);
        let stream = accepted?;
        let (r, w) = stream.into_split();
        tracing::debug!(function = %name, pid = ?child.id(), "worker started");
        Ok(Worker {
            name: name.to_string(),
            child,
            reader: BufReader::new(r),
            writer: w,
            output,
            generation,
            retire: false,
        })
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.cleanup();
    }
}

#[derive(Default)]
struct OutputState {
    job: Option<String>,
    capturing: bool,
    buf: String,
}

async fn pump(stream: impl AsyncRead + Unpin, name: String, which: &'static str, output: Arc<Mutex<OutputState>>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        let job = {
            let mut o = output.lock().unwrap();
            if o.capturing && o.buf.len() < MAX_CAPTURE {
                o.buf.push_str(text);
                o.buf.push('\n');
            }
            o.job.clone().unwrap_or_else(|| "-".to_string())
        };
        tracing::info!(target: "minicloud::function", function = %name, job_id = %job, stream = which, "{text}");
    }
}

/// Logs what a function printed during a job, one event per line, tagged with function and job id.
fn log_function_output(name: &str, job_id: &str, text: &str) {
    for line in text.lines() {
        tracing::info!(target: "minicloud::function", function = %name, job_id = %job_id, "{line}");
    }
}

fn describe_status(st: Option<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match st {
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(sig)) => format!("signal {sig}"),
            _ => "unknown status".to_string(),
        },
        None => "unknown status".to_string(),
    }
}

struct Worker {
    /// The function this worker runs.
    name: String,
    child: Child,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    output: Arc<Mutex<OutputState>>,
    generation: u64,
    retire: bool,
}

enum RunOutcome {
    Done(Value),
    Timeout,
    /// The process exited; `bool`: whether it had acknowledged the job (started it).
    Exited(String, bool),
    Shutdown,
}

impl Worker {
    /// Sends the job and reads the worker's lines until its result. Calls the function makes
    /// meanwhile (`{"call": ..}`) are answered through `calls` concurrently, each reply written
    /// back as `{"reply": seq, ..}`; replies still pending when the job ends are dropped.
    async fn run(
        &mut self,
        msg: &Value,
        job_id: &str,
        limit: Duration,
        shutdown: &mut watch::Receiver<bool>,
        calls: Option<(&CallHandler, &Arc<[String]>)>,
    ) -> RunOutcome {
        {
            let mut o = self.output.lock().unwrap();
            o.job = Some(job_id.to_string());
            o.capturing = true;
            o.buf.clear();
        }
        let mut line = serde_json::to_string(msg).unwrap_or_default();
        line.push('\n');
        if self.writer.write_all(line.as_bytes()).await.is_err() {
            return RunOutcome::Exited(self.exit_description().await, false);
        }
        let mut acked = false;
        let deadline = tokio::time::Instant::now() + limit;
        let (reply_tx, mut reply_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
        // `read_until` keeps partial input in `buf` when another branch wins, so no line is lost.
        let mut buf = Vec::new();
        loop {
            let event = tokio::select! {
                r = tokio::time::timeout_at(deadline, self.reader.read_until(b'\n', &mut buf)) => Ok(r),
                Some(reply) = reply_rx.recv() => Err(Some(reply)),
                _ = shutdown.wait_for(|s| *s) => Err(None),
            };
            let read = match event {
                Ok(r) => r,
                Err(Some(reply)) => {
                    let mut line = serde_json::to_string(&reply).unwrap_or_default();
                    line.push('\n');
                    if self.writer.write_all(line.as_bytes()).await.is_err() {
                        return RunOutcome::Exited(self.exit_description().await, acked);
                    }
                    continue;
                }
                Err(None) => return RunOutcome::Shutdown,
            };
            match read {
                Err(_) => return RunOutcome::Timeout,
                Ok(Ok(0)) | Ok(Err(_)) => return RunOutcome::Exited(self.exit_description().await, acked),
                Ok(Ok(_)) => {}
            }
            let line = std::mem::take(&mut buf);
            let Ok(v) = serde_json::from_slice::<Value>(&line) else {
                continue;
            };
            if let Some(call) = v.get("call") {
                let seq = call.get("seq").cloned().unwrap_or(Value::Null);
                match calls {
                    Some((handler, permissions)) if call.get("job").and_then(Value::as_str) == Some(job_id) => {
                        let reply = handler(CallRequest { call: call.clone(), permissions: permissions.clone() });
                        let tx = reply_tx.clone();
                        tokio::spawn(async move {
                            let mut reply = reply.await;
                            reply["reply"] = seq;
                            let _ = tx.send(reply);
                        });
                    }
                    _ => {
                        let reply = json!({"reply": seq, "ok": false, "errCode": -1,
                            "errMsg": "the job that made this call has already finished"});
                        let _ = reply_tx.send(reply);
                    }
                }
                continue;
            }
            if v.get("ack").and_then(Value::as_str) == Some(job_id) {
                acked = true;
                continue;
            }
            if v.get("log").and_then(Value::as_str) == Some(job_id) {
                let text = v.get("text").and_then(Value::as_str).unwrap_or("");
                log_function_output(&self.name, job_id, text);
                // Kept for the job record too: a job that never answers (time limit, crash) has no result to
                // carry its log, and its output is what its developer needs most.
                let mut o = self.output.lock().unwrap();
                if o.capturing && o.buf.len() < MAX_CAPTURE {
                    o.buf.push_str(text);
                }
                continue;
            }
            if v.get("retire").and_then(Value::as_bool) == Some(true) {
                self.retire = true;
            }
            if v.get("id").and_then(Value::as_str) == Some(job_id) {
                return RunOutcome::Done(v);
            }
        }
    }

    fn stop_capture(&self) -> String {
        let mut o = self.output.lock().unwrap();
        o.capturing = false;
        std::mem::take(&mut o.buf)
    }

    async fn exit_description(&mut self) -> String {
        match tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await {
            Ok(st) => describe_status(st.ok()),
            Err(_) => {
                self.kill();
                "closed its result channel".to_string()
            }
        }
    }

    /// Kills the worker and every process in its group (children its function started and left running).
    fn kill(&mut self) {
        // `id()` is `None` once the worker has been reaped: its pid, and so its group id, may then belong to
        // someone else, and only then is the group left alone.
        if let Some(group) = self.child.id().and_then(|pid| i32::try_from(pid).ok()) {
            // SAFETY: kill(2) with a negative pid signals a process group and touches no memory of ours. The
            // worker is not reaped, so its pid is still reserved and the group is the one it leads.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let _ = self.child.start_kill();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What to run.
pub(crate) struct JobInput {
    pub job_id: String,
    pub data: Option<Value>,
    pub caller: Option<Caller>,
    pub sync: bool,
    /// Who started the job (`getWXContext()`).
    pub origin: Origin,
    /// Answers the function's calls back to the engine (`callFunction`, `openapi`).
    pub calls: Option<CallHandler>,
}

/// Engine-wide limits and identity passed to a pool.
pub(crate) struct RunSettings<'a> {
    /// The WeChat app ID functions see (`userInfo.appId`, `APPID`).
    pub app_id: &'a str,
    /// The cloud environment functions see (`ENV`).
    pub env: &'a str,
    pub sync_limit: Duration,
    pub async_limit: Duration,
}

/// The result of running a job.
pub(crate) struct Outcome {
    pub status: JobStatus,
    /// The invoke body; `None` for `schedule_failed`.
    pub body: Option<Value>,
    /// Why scheduling failed.
    pub error_msg: Option<String>,
    pub log: String,
    pub mem: u64,
    pub started_at: Option<u64>,
    pub exec_ms: u64,
}

impl Outcome {
    fn schedule_failed(msg: String) -> Self {
        Outcome {
            status: JobStatus::ScheduleFailed,
            body: None,
            error_msg: Some(msg),
            log: String::new(),
            mem: 0,
            started_at: None,
            exec_ms: 0,
        }
    }
}

fn failure_body(message: &str, kind: &str, stack: &str) -> Value {
    json!({"code": 1, "data": null, "error": {"message": message, "type": kind, "stack": stack}})
}

struct PoolInner {
    fingerprint: Option<u64>,
    /// How many files the last fingerprint saw.
    files: usize,
    generation: u64,
    idle: Vec<Worker>,
    meta: FunctionMeta,
}

/// The warm pool of one function.
pub(crate) struct Pool {
    name: String,
    dir: PathBuf,
    sem: Arc<Semaphore>,
    inner: Mutex<PoolInner>,
}

impl Pool {
    fn new(name: &str, dir: PathBuf, size: usize) -> Self {
        Pool {
            name: name.to_string(),
            dir,
            sem: Arc::new(Semaphore::new(size.max(1))),
            inner: Mutex::new(PoolInner {
                fingerprint: None,
                files: 0,
                generation: 0,
                idle: Vec::new(),
                meta: FunctionMeta::default(),
            }),
        }
    }

    fn retire_all(&self) {
        let drained: Vec<Worker> = {
            let mut inner = self.inner.lock().unwrap();
            inner.generation += 1;
            inner.fingerprint = None;
            std::mem::take(&mut inner.idle)
        };
        drop(drained);
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
        if *shutdown.borrow() {
            return Outcome::schedule_failed("engine is shutting down".to_string());
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
            _ = shutdown.wait_for(|s| *s) => return Outcome::schedule_failed("engine is shutting down".to_string()),
        };
        // The function's meta (config.json, whether it requires wx-server-sdk) is read again only when the
        // files changed.
        let (known, files) = {
            let inner = self.inner.lock().unwrap();
            (inner.fingerprint, inner.files)
        };
        let scanned = if files <= INLINE_SCAN_FILES {
            fingerprint(&self.dir)
        } else {
            let dir = self.dir.clone();
            match tokio::task::spawn_blocking(move || fingerprint(&dir)).await {
                Ok(scan) => scan,
                Err(_) => return Outcome::schedule_failed("cannot read the function directory".to_string()),
            }
        };
        let Some((fp, files)) = scanned else {
            return Outcome::schedule_failed(format!("function {} not found", self.name));
        };
        self.inner.lock().unwrap().files = files;
        let mut fresh_meta = None;
        if known != Some(fp) {
            let dir = self.dir.clone();
            match tokio::task::spawn_blocking(move || load_meta(&dir)).await {
                Ok(meta) => fresh_meta = Some(meta),
                Err(_) => return Outcome::schedule_failed("cannot read the function directory".to_string()),
            }
        }
        let (idle, generation, meta, drained) = {
            let mut inner = self.inner.lock().unwrap();
            let mut drained = Vec::new();
            if inner.fingerprint != Some(fp) {
                if inner.fingerprint.is_some() {
                    tracing::info!(function = %self.name, "function files changed; reloading");
                }
                inner.generation += 1;
                inner.fingerprint = Some(fp);
                inner.meta = fresh_meta.take().unwrap_or_else(|| load_meta(&self.dir));
                drained = std::mem::take(&mut inner.idle);
            }
            // Skip idle workers that have exited since their last job.
            let mut idle = None;
            while let Some(mut w) = inner.idle.pop() {
                if matches!(w.child.try_wait(), Ok(None)) {
                    idle = Some(w);
                    break;
                }
                drained.push(w);
            }
            (idle, inner.generation, inner.meta.clone(), drained)
        };
        drop(drained);
        let mut worker = match idle {
            Some(w) => w,
            None => match rt.spawn(&self.name, &self.dir, generation).await {
                Ok(w) => w,
                Err(e) => return Outcome::schedule_failed(e),
            },
        };
        let limit = meta.time_limit.unwrap_or(if job.sync { settings.sync_limit } else { settings.async_limit });
        let limit_ms = limit.as_millis() as u64;
        let msg = match meta.contract {
            Contract::Minapp => {
                let mut event = serde_json::Map::new();
                if let Some(d) = &job.data {
                    event.insert("data".into(), d.clone());
                }
                let request = match &job.caller {
                    Some(c) => json!({"user": c.to_json()}),
                    None => json!({}),
                };
                event.insert("request".into(), request);
                event.insert("eventType".into(), json!("invoke_cloud_function"));
                event.insert("jobId".into(), json!(job.job_id));
                event.insert("timeLimitInMS".into(), json!(limit_ms));
                json!({"type": "job", "id": job.job_id, "contract": "minapp", "event": event})
            }
            Contract::Wechat => {
                let mut event = match &job.data {
                    Some(Value::Object(m)) => m.clone(),
                    _ => serde_json::Map::new(),
                };
                let origin = &job.origin;
                let user_info = if job.caller.is_some() || origin.openid.is_some() {
                    json!({"appId": settings.app_id, "openId": origin.openid})
                } else {
                    json!({"appId": settings.app_id})
                };
                event.insert("userInfo".into(), user_info);
                let context = json!({
                    "function_name": self.name,
                    "request_id": job.job_id,
                    "time_limit_in_ms": limit_ms,
                });
                let wx_context = json!({
                    "OPENID": origin.openid,
                    "APPID": settings.app_id,
                    "UNIONID": origin.unionid,
                    "ENV": settings.env,
                    "SOURCE": origin.source,
                    "CLIENTIP": origin.client_ip,
                });
                json!({"type": "job", "id": job.job_id, "contract": "wechat", "event": event, "context": context, "wxContext": wx_context})
            }
        };
        on_start();
        let started_at = now_ms();
        let t0 = Instant::now();
        let calls = job.calls.as_ref().map(|h| (h, &meta.cloud.openapi));
        let mut outcome = worker.run(&msg, &job.job_id, limit, &mut shutdown, calls).await;
        if let RunOutcome::Exited(_, false) = outcome {
            // The worker died before it started the job (e.g. it was exiting while idle):
            // the job never ran, so run it once more on a fresh worker.
            tracing::debug!(function = %self.name, job_id = %job.job_id, "worker gone before the job started; retrying on a fresh worker");
            worker = match rt.spawn(&self.name, &self.dir, generation).await {
                Ok(w) => w,
                Err(e) => return Outcome::schedule_failed(e),
            };
            outcome = worker.run(&msg, &job.job_id, limit, &mut shutdown, calls).await;
        }
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
        };
        match outcome {
            RunOutcome::Done(v) => {
                if let Some(tail) = v.get("tail").and_then(Value::as_str) {
                    log_function_output(&self.name, &job.job_id, tail);
                }
                out.mem = v.get("mem").and_then(Value::as_u64).unwrap_or(0);
                if let Some(log) = v.get("log").and_then(Value::as_str) {
                    out.log = log.to_string();
                }
                if v.get("ok").and_then(Value::as_bool) == Some(true) {
                    let data = v.get("data").cloned().unwrap_or(Value::Null);
                    out.body = Some(json!({"code": 0, "data": data, "error": {}}));
                } else {
                    let err = v.get("error").cloned().unwrap_or(Value::Null);
                    let s = |k: &str| err.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    let kind = s("type");
                    out.status = JobStatus::ExecutionFailed;
                    out.body =
                        Some(failure_body(&s("message"), if kind.is_empty() { "Error" } else { &kind }, &s("stack")));
                }
                let mut inner = self.inner.lock().unwrap();
                if !worker.retire && worker.generation == inner.generation && !*shutdown.borrow() {
                    inner.idle.push(worker);
                }
            }
            RunOutcome::Timeout => {
                worker.kill();
                out.status = JobStatus::DeadlineExceeded;
                let msg = format!("function {} exceeded its {} ms time limit", self.name, limit_ms);
                out.body = Some(failure_body(&msg, "DeadlineExceeded", ""));
            }
            RunOutcome::Exited(desc, _) => {
                out.status = JobStatus::ExecutionFailed;
                let msg =
                    format!("the process running function {} exited ({desc}) before the job completed", self.name);
                out.body = Some(failure_body(&msg, "ProcessExit", ""));
            }
            RunOutcome::Shutdown => {
                worker.kill();
                out.status = JobStatus::ExecutionFailed;
                out.body = Some(failure_body("the engine shut down while the function was running", "ProcessExit", ""));
            }
        }
        out
    }
}

/// All pools, by function name.
#[derive(Default)]
pub(crate) struct Pools {
    map: Mutex<HashMap<String, Arc<Pool>>>,
}

impl Pools {
    /// The pool of `name` (created on first use).
    pub(crate) fn get(&self, name: &str, dir: PathBuf, size: usize) -> Arc<Pool> {
        let mut map = self.map.lock().unwrap();
        map.entry(name.to_string()).or_insert_with(|| Arc::new(Pool::new(name, dir, size))).clone()
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
