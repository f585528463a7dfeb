//! One worker: a Node process running `runner.js` for one function, one job at a time, spoken to over
//! the JSON-lines [`protocol`] on a Unix socket private to it. The function's own stdout/stderr are read
//! line by line, logged (tagged with function name and job id) and captured for the job.

pub(crate) mod protocol;
mod reaper;
mod spare;

pub(crate) use reaper::{become_subreaper, sweep_adopted};

use crate::function::FunctionMeta;
use crate::job::{CallHandler, CallRequest};
use crate::Phase;
use protocol::{FromWorker, JobResult, ToWorker};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixListener;
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// The most of a job's output kept for its log while it runs (its record keeps less:
/// [`crate::jobs::RECORD_LOG_LIMIT`]).
pub(crate) const MAX_CAPTURE: usize = 1024 * 1024;
/// How often a running job's resident memory is checked against its limit.
const MEMORY_CHECK_EVERY: Duration = Duration::from_millis(50);

fn page_size() -> u64 {
    // SAFETY: sysconf takes an integer and touches no memory.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|&s| s > 0).unwrap_or(4096)
}

/// How long an exited worker's last output may take to be read.
const OUTPUT_DRAIN_LIMIT: Duration = Duration::from_millis(500);
const SPAWN_TIMEOUT: Duration = Duration::from_secs(15);

/// The runner script, embedded in the engine.
const RUNNER_JS: &str = include_str!("../runner.js");
/// The `wx-server-sdk` stand-in the runner loads (`cloud/wx_server_sdk.js`).
const WX_SERVER_SDK_JS: &str = include_str!("../cloud/wx_server_sdk.js");

/// How workers are started: the Node executable, the private directory holding the runner script and the
/// workers' sockets, and this engine's worker tags. Shared with the task that starts the spare worker.
struct Launcher {
    dir: PathBuf,
    runner: PathBuf,
    node: PathBuf,
    /// This engine's part of every worker tag (see [`reaper`]).
    id: String,
    /// With `--inspect`: workers start with the Node inspector on 127.0.0.1.
    inspect: bool,
    /// The inspector URLs of the workers started so far.
    inspectors: Inspectors,
    counter: AtomicU64,
}

/// Process-level settings for spawning workers ([`Launcher`]), the spare worker, and the running jobs' output.
pub(crate) struct Runtime {
    launcher: Arc<Launcher>,
    /// A worker started ahead of need ([`spare`]); `None` when disabled.
    spare: Option<spare::Spare>,
    /// The inspector URLs of the workers started so far.
    pub(crate) inspectors: Inspectors,
    /// What each running job printed so far, by job id (the dashboard's live tail).
    live: Arc<Mutex<std::collections::HashMap<String, Arc<Mutex<OutputState>>>>>,
    pub(crate) shutdown: watch::Receiver<Phase>,
}

impl Runtime {
    /// Creates the private runtime directory and writes the runner script there. With `spare_memory_mb`,
    /// starts a spare worker with that memory limit (not with `inspect`).
    pub(crate) fn new(
        node: PathBuf,
        inspect: bool,
        spare_memory_mb: Option<u64>,
        shutdown: watch::Receiver<Phase>,
    ) -> std::io::Result<Self> {
        let dir = std::env::temp_dir().join(format!("minicloud-{}-{}", std::process::id(), crate::util::random_hex(4)));
        std::fs::create_dir_all(&dir)?;
        let runner = dir.join("runner.js");
        std::fs::write(&runner, RUNNER_JS)?;
        std::fs::write(dir.join("wx-server-sdk.js"), WX_SERVER_SDK_JS)?;
        let id = crate::util::random_hex(6);
        let inspectors: Inspectors = Arc::default();
        let live = Arc::default();
        let launcher = Arc::new(Launcher {
            dir,
            runner,
            node,
            id,
            inspect,
            inspectors: inspectors.clone(),
            counter: AtomicU64::new(0),
        });
        let spare = spare_memory_mb
            .filter(|_| !inspect)
            .map(|memory_mb| spare::Spare::start(launcher.clone(), memory_mb, shutdown.clone()));
        Ok(Runtime { launcher, spare, inspectors, live, shutdown })
    }

    /// What running job `job_id` printed so far; `None` when it is not running.
    pub(crate) fn live_log(&self, job_id: &str) -> Option<String> {
        let output = self.live.lock().unwrap().get(job_id).cloned()?;
        let text = output.lock().unwrap().buf.clone();
        Some(text)
    }

    /// Makes `worker`'s output readable as job `job_id`'s live log until the returned guard is dropped.
    pub(crate) fn watch_output(&self, job_id: &str, worker: &Worker) -> LiveLog {
        self.live.lock().unwrap().insert(job_id.to_string(), worker.output.clone());
        LiveLog { live: self.live.clone(), job_id: job_id.to_string() }
    }

    /// Stops the spare worker (the engine is stopping).
    pub(crate) fn stop_spare(&self) {
        if let Some(spare) = &self.spare {
            spare.stop();
        }
    }

    /// Stops the spare worker and removes the runtime directory.
    pub(crate) fn cleanup(&self) {
        self.stop_spare();
        let _ = std::fs::remove_dir_all(&self.launcher.dir);
    }

    /// A worker for function `name` in `fn_dir` with the function's `meta` (environment, memory limit);
    /// `generation` is the pool's generation it belongs to. The spare worker when it fits, else a new one.
    pub(crate) async fn spawn(
        &self,
        name: &str,
        fn_dir: &Path,
        meta: &FunctionMeta,
        generation: u64,
    ) -> Result<Worker, String> {
        let fn_dir = std::fs::canonicalize(fn_dir).unwrap_or_else(|_| fn_dir.to_path_buf());
        if let Some(spare) = self.spare.as_ref().filter(|s| s.fits(meta)) {
            if let Some(mut worker) = spare.take().await {
                if worker.bind(name, &fn_dir, meta, generation).await.is_ok() {
                    tracing::debug!(function = %name, pid = ?worker.pid, "spare worker given to the function");
                    return Ok(worker);
                }
            }
        }
        self.launcher.launch(Some((name, &fn_dir)), meta.memory_limit_mb, &meta.env, generation).await
    }
}

impl Launcher {
    /// Starts a worker: for `function` (name, directory), or a spare one that learns its function later
    /// ([`Worker::bind`]); with `env` on top of the allowlist, and a V8 heap limit of `memory_mb`.
    async fn launch(
        &self,
        function: Option<(&str, &Path)>,
        memory_mb: u64,
        env: &std::collections::BTreeMap<String, String>,
        generation: u64,
    ) -> Result<Worker, String> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let sock = self.dir.join(format!("w{n}.sock"));
        let _ = std::fs::remove_file(&sock);
        let listener = UnixListener::bind(&sock).map_err(|e| format!("cannot create worker socket: {e}"))?;
        // A spare worker waits in the runtime directory; `bind` moves it to its function's.
        let (name, fn_dir) = function.unwrap_or(("-", &self.dir));
        let tag = format!("{}.{n}", self.id);
        let mut command = Command::new(&self.node);
        // A clean environment: the allowlist, the function's own `env`, and the worker's tag; never the
        // engine's (its secrets included).
        command.env_clear();
        for (key, value) in std::env::vars_os() {
            if key.to_str().is_some_and(inherited) {
                command.env(key, value);
            }
        }
        command.envs(env).env(reaper::TAG_VAR, &tag);
        command.arg(format!("--max-old-space-size={memory_mb}"));
        if self.inspect {
            command.arg("--inspect=127.0.0.1:0");
        }
        command
            .arg(&self.runner)
            .arg(&sock)
            .arg(if function.is_some() { fn_dir.as_os_str() } else { std::ffi::OsStr::new("") })
            .arg(page_size().to_string())
            .current_dir(fn_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // Its own process group, so killing the worker also kills every process its function started.
            .process_group(0);
        let mut child = reaper::spawn_worker(&mut command, Command::spawn, Child::id).map_err(|e| {
            let _ = std::fs::remove_file(&sock);
            format!("cannot start node ({}): {e}", self.node.display())
        })?;
        let pid = child.id();
        let output = Arc::new(Mutex::new(OutputState { function: name.to_string(), ..OutputState::default() }));
        let mut pumps = Vec::with_capacity(2);
        if let Some(out) = child.stdout.take() {
            pumps.push(tokio::spawn(pump(out, "stdout", output.clone(), None)));
        }
        if let Some(err) = child.stderr.take() {
            let inspectors = self.inspect.then(|| self.inspectors.clone());
            pumps.push(tokio::spawn(pump(err, "stderr", output.clone(), inspectors)));
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
            pid,
            tag,
            memory_limit: memory_mb * 1024 * 1024,
            child,
            reader: BufReader::new(r),
            writer: w,
            output,
            pumps,
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

/// Keeps a running job's output readable ([`Runtime::watch_output`]).
pub(crate) struct LiveLog {
    live: Arc<Mutex<std::collections::HashMap<String, Arc<Mutex<OutputState>>>>>,
    job_id: String,
}

impl Drop for LiveLog {
    fn drop(&mut self) {
        self.live.lock().unwrap().remove(&self.job_id);
    }
}

#[derive(Default)]
struct OutputState {
    /// The function the worker runs (`-` for a spare worker not yet given one).
    function: String,
    job: Option<String>,
    capturing: bool,
    buf: String,
}

/// The inspector URL of each worker started with one: (function, `ws://127.0.0.1:<port>/<id>`).
pub(crate) type Inspectors = Arc<Mutex<Vec<(String, String)>>>;

/// Node's line announcing its inspector.
const INSPECTOR_LINE: &str = "Debugger listening on ";

async fn pump(
    stream: impl AsyncRead + Unpin,
    which: &'static str,
    output: Arc<Mutex<OutputState>>,
    inspectors: Option<Inspectors>,
) {
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
        if let (Some(list), Some(url)) = (&inspectors, text.strip_prefix(INSPECTOR_LINE)) {
            let name = output.lock().unwrap().function.clone();
            tracing::info!(function = %name, %url, "worker inspector listening (attach chrome://inspect or VS Code)");
            list.lock().unwrap().push((name, url.to_string()));
            continue;
        }
        let (name, job) = {
            let mut o = output.lock().unwrap();
            if o.capturing && o.buf.len() < MAX_CAPTURE {
                o.buf.push_str(text);
                o.buf.push('\n');
            }
            (o.function.clone(), o.job.clone().unwrap_or_else(|| "-".to_string()))
        };
        tracing::info!(target: "minicloud::function", function = %name, job_id = %job, stream = which, "{text}");
    }
}

/// Logs what a function printed during a job, one event per line, tagged with function and job id.
pub(crate) fn log_function_output(name: &str, job_id: &str, text: &str) {
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

/// The engine's environment variables a worker inherits (everything else is withheld): the command
/// search path, home and temporary directories, locale and time zone, and Node's extra CA certificates.
pub const INHERITED_ENV: &[&str] =
    &["PATH", "HOME", "TMPDIR", "LANG", "LANGUAGE", "TZ", "NODE_EXTRA_CA_CERTS", "SYSTEMROOT"];

fn inherited(key: &str) -> bool {
    INHERITED_ENV.contains(&key) || key.starts_with("LC_")
}

/// A running worker process.
pub(crate) struct Worker {
    /// The function this worker runs.
    name: String,
    /// Its process id, as spawned (see [`reaper`]).
    pid: Option<u32>,
    /// Its processes' tag (see [`reaper`]).
    tag: String,
    /// Resident memory above which the job is stopped, in bytes.
    memory_limit: u64,
    child: Child,
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    output: Arc<Mutex<OutputState>>,
    /// The tasks reading its stdout and stderr into `output`.
    pumps: Vec<tokio::task::JoinHandle<()>>,
    /// The pool generation it was started for (a worker of an older generation runs stale code).
    pub(crate) generation: u64,
    /// Set when the worker must not be reused.
    pub(crate) retire: bool,
}

/// How running a job on a worker ended.
pub(crate) enum RunOutcome {
    /// The worker reported the job's result.
    Done(Box<JobResult>),
    /// The time limit passed first.
    Timeout,
    /// The process exited; `bool`: whether it had acknowledged the job (started it).
    Exited(String, bool),
    /// Its resident memory (bytes) went over the limit.
    MemoryExceeded(u64),
    /// The engine stopped.
    Shutdown,
}

impl Worker {
    async fn send(&mut self, msg: &ToWorker) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.writer.write_all(&line).await
    }

    /// Gives a spare worker its function: `name` in `dir` (its working directory from now on), with the
    /// function's `env`; `generation` is the pool's generation it now belongs to.
    async fn bind(&mut self, name: &str, dir: &Path, meta: &FunctionMeta, generation: u64) -> std::io::Result<()> {
        let dir = dir.to_str().ok_or_else(|| std::io::Error::other("the function's path is not UTF-8"))?;
        self.send(&ToWorker::Bind { dir: dir.to_string(), env: meta.env.clone() }).await?;
        self.name = name.to_string();
        self.output.lock().unwrap().function = name.to_string();
        self.generation = generation;
        Ok(())
    }

    /// Sends the job and reads the worker's messages until its result. Calls the function makes
    /// meanwhile are answered through `calls` concurrently, each reply sent back as a `reply` message;
    /// replies still pending when the job ends are dropped.
    pub(crate) async fn run(
        &mut self,
        msg: &ToWorker,
        job_id: &str,
        limit: Duration,
        shutdown: &mut watch::Receiver<Phase>,
        calls: Option<(&CallHandler, &Arc<[String]>)>,
    ) -> RunOutcome {
        {
            let mut o = self.output.lock().unwrap();
            o.job = Some(job_id.to_string());
            o.capturing = true;
            o.buf.clear();
        }
        if self.send(msg).await.is_err() {
            return RunOutcome::Exited(self.exit_description().await, false);
        }
        let mut acked = false;
        let deadline = tokio::time::Instant::now() + limit;
        let mut watchdog =
            tokio::time::interval_at(tokio::time::Instant::now() + MEMORY_CHECK_EVERY, MEMORY_CHECK_EVERY);
        let (reply_tx, mut reply_rx) = tokio::sync::mpsc::unbounded_channel::<ToWorker>();
        // `read_until` keeps partial input in `buf` when another branch wins, so no line is lost.
        let mut buf = Vec::new();
        loop {
            // Biased: a result already received wins over a stop that comes at the same time.
            let event = tokio::select! {
                biased;
                r = tokio::time::timeout_at(deadline, self.reader.read_until(b'\n', &mut buf)) => Ok(r),
                Some(reply) = reply_rx.recv() => Err(Some(reply)),
                _ = shutdown.wait_for(|p| *p == Phase::Stopped) => Err(None),
                _ = watchdog.tick() => {
                    if let Some(rss) = self.resident_memory().filter(|&rss| rss > self.memory_limit) {
                        return RunOutcome::MemoryExceeded(rss);
                    }
                    continue;
                }
            };
            let read = match event {
                Ok(r) => r,
                Err(Some(reply)) => {
                    if self.send(&reply).await.is_err() {
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
            let message = match serde_json::from_slice::<FromWorker>(&line) {
                Ok(m) => m,
                Err(e) => {
                    tracing::debug!(function = %self.name, "ignoring an unreadable worker message: {e}");
                    continue;
                }
            };
            match message {
                FromWorker::Call(call) => {
                    let seq = call.get("seq").cloned().unwrap_or(Value::Null);
                    match calls {
                        Some((handler, permissions)) if call.get("job").and_then(Value::as_str) == Some(job_id) => {
                            let reply = handler(CallRequest { call, permissions: permissions.clone() });
                            let tx = reply_tx.clone();
                            tokio::spawn(async move {
                                let body = reply.await;
                                let _ = tx.send(ToWorker::Reply { seq, body });
                            });
                        }
                        _ => {
                            let body = json!({"ok": false, "errCode": -1,
                                "errMsg": "the job that made this call has already finished"});
                            let _ = reply_tx.send(ToWorker::Reply { seq, body });
                        }
                    }
                }
                FromWorker::Ack { id } => acked |= id == job_id,
                FromWorker::Log { id, text } if id == job_id => {
                    log_function_output(&self.name, job_id, &text);
                    // Kept for the job record too: a job that never answers (time limit, crash) has no result
                    // to carry its log, and its output is what its developer needs most.
                    let mut o = self.output.lock().unwrap();
                    if o.capturing && o.buf.len() < MAX_CAPTURE {
                        o.buf.push_str(&text);
                    }
                }
                FromWorker::Log { .. } => {}
                FromWorker::Retire {} => self.retire = true,
                FromWorker::Result(result) => {
                    self.retire |= result.retire;
                    if result.id == job_id {
                        return RunOutcome::Done(Box::new(result));
                    }
                }
            }
        }
    }

    /// The worker's resident memory in bytes (Linux: `/proc/<pid>/statm`).
    pub(crate) fn resident_memory(&self) -> Option<u64> {
        let statm = std::fs::read_to_string(format!("/proc/{}/statm", self.child.id()?)).ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * page_size())
    }

    /// Waits (briefly) until what the exited worker wrote to stdout/stderr has been read: its last lines
    /// (a `console.log` just before `process.exit`) belong to the job's log. A descendant still holding the
    /// pipes open cannot make this wait longer than [`OUTPUT_DRAIN_LIMIT`].
    async fn drain_output(&mut self) {
        let pumps = std::mem::take(&mut self.pumps);
        let _ = tokio::time::timeout(OUTPUT_DRAIN_LIMIT, futures::future::join_all(pumps)).await;
    }

    /// Ends capturing the job's output and returns what was captured.
    pub(crate) fn stop_capture(&self) -> String {
        let mut o = self.output.lock().unwrap();
        o.capturing = false;
        std::mem::take(&mut o.buf)
    }

    async fn exit_description(&mut self) -> String {
        match tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await {
            Ok(st) => {
                self.drain_output().await;
                describe_status(st.ok())
            }
            Err(_) => {
                self.kill();
                "closed its result channel".to_string()
            }
        }
    }

    /// Kills the worker and every process its function started and left running, detached or not: its
    /// subtree, its process group, every process carrying its tag, and the orphans it left to the engine (see
    /// [`reaper`]).
    pub(crate) fn kill(&mut self) {
        if let Some(pid) = self.child.id() {
            // Not reaped, so the pid is still the worker's and its subtree is the function's.
            reaper::kill_subtree(pid);
        }
        reaper::kill_tagged(&self.tag, self.child.id());
        // `id()` is `None` once the worker has been reaped: its pid, and so its group id, may then belong to
        // someone else, and only then is the group left alone.
        if let Some(group) = self.child.id().and_then(|pid| i32::try_from(pid).ok()) {
            // SAFETY: kill(2) with a negative pid signals a process group and touches no memory of ours. The
            // worker is not reaped, so its pid is still reserved and the group is the one it leads.
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
        }
        let alive = self.child.id();
        let _ = self.child.start_kill();
        reaper::sweep_adopted_soon(alive);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
        if let Some(pid) = self.pid {
            reaper::forget_worker(pid);
        }
    }
}
