//! The minicloud local cloud engine.
//!
//! A real local server that runs real cloud functions (Node child processes, a warm pool per function, and
//! one spare worker started ahead of need: [`EngineConfig::spare_worker`]) behind the 知晓云 protocol
//! (`/hserve/...`) plus the 知晓云 open API (`/api/oauth2/...` credentials, `/oserve/v1.3/cloud-function/...`) and WeChat's server API.
//!
//! ```no_run
//! # async fn demo() -> Result<(), minicloud_engine::EngineError> {
//! use minicloud_engine::{Engine, EngineConfig};
//! let engine = Engine::start(EngineConfig::new("examples/functions")).await?;
//! println!("listening on {} (client id {})", engine.url(), engine.client_id());
//! engine.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Decisions where the real service is not observable:
//! - Invalid function names answer HTTP 400; unknown functions 404.
//! - A wrong or missing `X-Hydrogen-Client-ID` answers 400 (not 401, so that clients
//!   with auto-login do not log in again for a configuration error).
//! - Anonymous callers are refused with 403 unless anonymous invocation is allowed.
//! - Wrong password answers 400 `invalid username or password`.
//! - Session-issuing answers (register, every login) are 201 and carry `token`,
//!   `expires_in`, `user_id`, `openid`, `unionid` and `user_info`.
//!
//! # State: nothing accepted is lost
//!
//! Users, sessions, function settings (remarks), job records and the async job queue live in a SQLite
//! database ([`EngineConfig::data_dir`]; `minicloud serve` uses `<functions dir>/.minicloud/` unless given
//! `--data-dir` or `--in-memory`; the library default is in memory). An async job is written with its input
//! before the caller hears `{"status":"ok"}` and stays queued until it finishes: it survives
//! [`RunningEngine::shutdown`] (SIGTERM), SIGKILL and restarts, and runs exactly once afterwards, except a
//! job that had already started when the engine stopped, which runs again from the beginning
//! (at-least-once, logged). Shutting down drains: no new work, running sync calls get their time limit,
//! interrupted async jobs go back to the queue (each logged). A sync job the engine died under is
//! recorded `execution_failed` at the next start. Job records keep at most [`MAX_JOBS`]; a record keeps a
//! result up to [`RECORD_RESULT_LIMIT`] bytes (a larger one as `{"truncated": true, "size", "code"}`) and
//! the first [`RECORD_LOG_LIMIT`] bytes of the log; listings are pages of at most [`MAX_JOB_PAGE`].
//!
//! # Containment
//!
//! - Workers start with a clean environment: only [`INHERITED_ENV`] (and `LC_*`) from the engine's, the
//!   function's own `config.json` `env` (`{"env": {"KEY": "value"}}`), and `MINICLOUD_WORKER` (a tag); never
//!   the engine's secrets.
//! - Killing a worker (time limit, memory limit, crash, reload, shutdown) kills every process its function
//!   started, detached ones included, also those that shed the worker's tag and process group (`setsid env -i
//!   …`, `spawn(cmd, args, {detached: true, env: {}})`): each worker is a child subreaper, so its function's
//!   processes stay in its subtree, which is killed first; every process carrying the worker's tag
//!   (`MINICLOUD_WORKER`) is killed; and what a worker that exited on its own left to the engine (a child
//!   subreaper too) is killed and reaped whenever a worker is killed or replaced and at shutdown. A program
//!   embedding the engine must not start processes of its own in a new process group: the engine would take
//!   them for such orphans.
//! - `memoryLimitInMB` ([`EngineConfig::memory_limit_mb`], 256 by default; `config.json` `memoryLimitInMB`,
//!   64–16384) caps V8's heap and a watchdog checks the worker's resident memory every 50 ms: over it,
//!   the job fails with `{"type": "MemoryLimitExceeded", "message": "... memory limit exceeded ..."}` and the
//!   worker is replaced. Functions see the limit as `event.memoryLimitInMB`.
//! - Connections: a request's headers must arrive within [`EngineConfig::header_read_timeout`] (10 s),
//!   which also closes idle keep-alive connections; at most [`EngineConfig::max_connections`] are served at
//!   once. One body limit, [`EngineConfig::max_body_bytes`] (6 MiB), for every route.
//! - Error stacks leave out the engine's own files.
//!
//! # Access rules
//!
//! Every route that runs code follows the same rule: a signed-in, non-anonymous caller, or anonymous
//! callers when [`EngineConfig::allow_anonymous`]. `/hserve` checks the session; `/oserve` needs an open-API
//! access token (from `/api/oauth2/`, for [`EngineConfig::client_id`] with [`EngineConfig::client_secret`];
//! the public [`DEFAULT_CLIENT_SECRET`] is refused on an engine listening beyond loopback) or the admin token
//! as a local shortcut; `/dev` needs the admin token; `/tcb` needs an access_token, and one obtained with the public
//! [`DEFAULT_WECHAT_SECRET`] counts as anonymous (errcode 48001 unless anonymous calls are allowed): give
//! the engine its own secret ([`EngineConfig::wechat_app`], `MINICLOUD_WECHAT_SECRET`). CORS headers are
//! answered on `/hserve/` only, the routes a browser legitimately calls. The engine binds 127.0.0.1 unless
//! told otherwise.
//!
//! # HTTP API
//!
//! Every answer carries `x-request-id` (the job id for invocations). Each family answers in its own
//! shape: `/hserve`, `/oserve` and `/dev` errors are `{"status":"error","error_msg":"..."}`; `/cgi-bin`
//! and `/tcb` always answer WeChat's `{"errcode","errmsg"}` (an unknown path 40066, a body over the limit
//! 47001 with HTTP 413). `/hserve/` calls need `X-Hydrogen-Client-ID` equal to the engine's client id
//! (else 400); `/oserve/` calls need `Authorization: Bearer <access token or admin token>` (401 `missing
//! access token`, `invalid access token`, `access token expired`); `/dev/` calls need exactly `Authorization:
//! Bearer <admin token>` (401 otherwise; 404 when no admin token is set).
//!
//! | method, path | success | failures |
//! | --- | --- | --- |
//! | `POST /hserve/v1/cloud-function/job/` `{function_name, sync?, data?}` + `Authorization: Hydrogen-r1 <token>` | 200 `{"code":0,"data":..,"error":{}}`; function failed: 200 `{"code":1,"data":null,"error":{"message","type","stack"}}`; `sync:false`: 200 `{"status":"ok"}` | 400 bad body/name/client id or schedule failed (incl. a sync call that found every worker busy for its whole time limit), 401 missing/invalid/expired token, 403 anonymous, 404 unknown function, 413 body over `max_body_bytes` |
//! | `POST /hserve/v2.1/register/{username,email,phone}/` `{<kind>, password}` | 201 session answer | 400 exists / missing fields |
//! | `POST /hserve/v2.1/login/{username,email,phone}/` `{<kind>, password}` | 201 session answer | 400 `invalid <kind> or password` |
//! | `POST /hserve/v2.1/login/sms/` `{phone, code, create_user}` | 201 session answer | 400 wrong code, 404 unknown phone without `create_user` |
//! | `POST /hserve/v2.0/login/anonymous/` | 201 session answer (`user_info._anonymous: true`) | |
//! | `POST /hserve/v2.5/idp/{wechat,qq,baidu,bytedance,jd,kuaishou,alipay}/silent-login/` `{code, create_user?}` | 201 session answer; same (provider, code) → same user and openid | 400 empty code, 404 unknown provider |
//! | `POST /hserve/v2.0/session/destroy/` | 204, token revoked | 401 |
//! | `GET /hserve/v2.5/user/info/{id}/` | 200 profile `{id, openid, unionid, nickname, avatar, ...}` | 401, 404 |
//! | `POST /api/oauth2/hydrogen/openapi/authorize/` `{client_id, client_secret}` | `302 Found` → `.../authorize/confirm/?grant=` with `Set-Cookie`, which answers `302` → `.../authorize/code/?grant=` (both need the cookies) → 200 `{"code","expires_in":600}` | 401 wrong client, 403 cookie lost or default secret beyond loopback, 400 unknown grant |
//! | `POST /api/oauth2/access_token/` multipart `client_id, client_secret, code, grant_type=authorization_code` | 200 `{"access_token","token_type":"Bearer","expires_in","refresh_token","scope"}`; tokens persist and expire ([`EngineConfig::open_api_token_expires_in`]) | 400 not multipart / grant_type / used or expired code, 401 wrong client |
//! | `GET /oserve/v1.3/cloud-function/` | 200 `{"meta":{limit,offset,next,previous,total_count},"objects":[function]}`; a function is `{audit_status: "approved", created_at, created_by, function_code, id, name, plan_circle: null, remark, updated_at, updated_by}` | |
//! | `POST /oserve/v1.3/cloud-function/` `{name, function_code, remark?, files?}` | 201 function object (+ `files`) | 400 bad name / exists / the reserved name `job` (its paths would be the job records') / a file path outside the function |
//! | `GET` / `PATCH {function_code?, remark?, files?}` / `DELETE /oserve/v1.3/cloud-function/{name}/` | 200 / 202 function object with `files` (the directory's other text files: minicloud's extension, what `deploy` and `pull` carry) / 204 | 400 bad name, 404 missing |
//! | `POST /oserve/v1.3/cloud-function/{name}/job/` `{data?, sync?}` | as the client invoke (no `request.user`) | |
//! | `GET /oserve/v1.3/cloud-function/{name}/job/?source=&status=&created_at__gte=&created_at__lte=&limit=&offset=` | 200 `{"meta", "objects":[{id, created_at, started_at, finished_at, mem_usage, service_type, source, status, user_log_url}]}` (times in Unix seconds; `time_sensitive` sync, `batch` async) | 400 bad filter |
//! | `POST /oserve/v1.3/cloud-function/{name}/debug/` `{data?}` | 200 invoke body + `job_id`, `execution_time`, `billing_time`, `mem_usage`, `log` (知晓云 functions' lines: `ISO time LEVEL message`) | |
//! | `GET /oserve/v1.3/cloud-function/job/?function_name=&limit=&offset=` | 200 `{"meta":..,"objects":[JobRecord..]}` newest first, `limit` at most [`MAX_JOB_PAGE`] | |
//! | `GET /oserve/v1.3/cloud-function/job/{id}/` | 200 [`JobRecord`] (a running job's `log`: what it printed so far) | 404 |
//! | `GET /cgi-bin/token?grant_type=client_credential&appid&secret` | `{"access_token","expires_in"}` (new token each time; older ones live 5 more minutes) | `{"errcode","errmsg"}`: 40002 grant_type, 41002/40013 appid, 41004/40001 secret |
//! | `POST /cgi-bin/stable_token` `{grant_type, appid, secret, force_refresh}` | the same token until it expires or `force_refresh` | as above |
//! | `POST /tcb/invokecloudfunction?access_token&env&name` (event as body) | `{"errcode":0,"errmsg":"ok","resp_data":"<JSON text>"}` | 41001, 40014, 42001, 43002, 44002, 47001, 40101, 48001 default secret while anonymous calls are refused, -501000 unknown env/function, -504002 failed, -501002 timed out, -604001 result over 1 MB |
//! | `GET /dev/v1/stats` (admin token; for other languages' tests) | 200 `{"login_count", "job_count", "wechat_token_fetches", "wechat_token_requests", "open_api_token_fetches"}` | 401, 404 |
//! | `POST /dev/v1/wechat/expire-tokens` (admin token) | 204: every access_token expired | 401, 404 |
//! | `POST /dev/v1/open-api/expire-tokens` (admin token) | 204: every open-API access token expired | 401, 404 |
//! | `POST /dev/v1/sessions/revoke` / `POST /dev/v1/sessions/expire` (admin token) | 204: every token invalid / expired | 401, 404 |
//! | `GET /dev/v1/openapi/outbox?function_name=&api=&limit=&offset=` (admin token) | 200 `{"meta":..,"objects":[OutboxEntry..]}` oldest first: every `cloud.openapi.*` call (`id, api, args, function_name, job_id, openid, source, time, err_code, err_msg`) | 401, 404 |
//! | `DELETE /dev/v1/openapi/outbox` (admin token) | 204: outbox emptied | 401, 404 |
//! | `GET /dev/v1/functions` (admin token) | 200 `{"objects":[{name, remark, contract, timeLimitInMS, memoryLimitInMB, config, triggers: [{name, cron, next}]}]}` | 401, 404 |
//! | `GET /dev/v1/users` (admin token) | 200 `{"objects":[profile + sessions: [{expires_at}]]}` (never a token) | 401, 404 |
//! | `POST /dev/v1/invoke` (admin token) `{function_name, data?, sync?, user_id?}` | as the client invoke, as user `user_id` (a server-side call without) | 400, 401, 404 |
//! | `GET /dashboard/` | the dashboard page (its data needs the admin token) | |
//! | `POST /dev/v1/message-push` (admin token) `{FromUserName, MsgType, Content?, Event?, ...}` | 200 `{"function_name","job_id","result":<invoke body>}`: the message ran the function whose `config.json` `messagePush` accepts its `MsgType`/`Event` | 400 missing `FromUserName`/`MsgType` or schedule failed, 401, 404 no receiving function, 409 several receiving functions |
//!
//! A session answer is `{"token": <40 hex>, "expires_in", "user_id", "openid", "unionid",
//! "user_info": {profile}}`.
//!
//! # Functions
//!
//! `<functions_dir>/<name>/index.js` (name `^[A-Za-z0-9_-]{1,64}$`), optional own
//! `package.json`/`node_modules`, optional `config.json`: `{"contract": "wechat"}` selects
//! the WeChat calling convention (`async main(event, context)`), `{"timeLimitInMS": N}` or
//! `{"timeout": seconds}` sets the function's time limit, `{"memoryLimitInMB": N}` its memory limit,
//! `{"env": {...}}` its environment variables. Edits take effect on the next invocation. With
//! [`EngineConfig::inspect`] workers start with the Node inspector on 127.0.0.1
//! ([`RunningEngine::inspectors`]).
//!
//! # 知晓云 functions (PROTOCOL.md §3.1, §5.4)
//!
//! `exports.main(event, callback)` or `async (event)`; `event` carries `data`, `request` (`meta.{ip_address,
//! user_agent}` and `user.{id, openid, unionid, nickname, avatar_url, ...}` for client calls, `{}` for
//! server-side ones), `eventType`, `jobId`, `miniappId` (the client id), `timeLimitInMS`, `memoryLimitInMB` and
//! `env` (`{id, name}` when the client sent `X-Hydrogen-Env-ID`). The global `BaaS` is there without `require`:
//! `BaaS.invoke(name, params, sync = true)` runs another function as a server-side call and resolves to its
//! `{code, data, error}` (`{status: "ok"}` async), rejecting with an `Error` whose `code` is the HTTP status
//! (`404: not found`, `400: ...` for a bad name, a chain deeper than [`MAX_CALL_DEPTH`] or a schedule
//! failure); the deprecated `BaaS.invokeFunction` resolves to `{status, statusText, data}`. `console.*` lines
//! are printed as the real runtime prints them: `2018-09-21T03:46:26.026Z LOG message` (`INFO`, `WARN`,
//! `ERROR`, `DEBUG`).
//!
//! # Cloud call (WeChat cloud functions, PROTOCOL.md §3.2)
//!
//! WeChat cloud functions run unchanged: without a `contract` key, a function whose
//! `config.json` has `permissions`, `triggers` or `messagePush`, or whose `index.js` requires
//! `wx-server-sdk`, gets the WeChat contract. A function that requires `wx-server-sdk` without
//! shipping it gets the engine's stand-in (a function's own `node_modules/wx-server-sdk` wins):
//! - `init()`, `DYNAMIC_CURRENT_ENV`, `getWXContext()` → `OPENID`, `APPID`, `UNIONID`, `ENV`,
//!   `SOURCE`, `CLIENTIP`. `SOURCE` is `wx_client` (client call; `CLIENTIP` is the caller's
//!   address), `wx_http` (WeChat HTTP API or management API), `wx_trigger` (timer trigger),
//!   `wx_message` (pushed message), with `,scf` appended per `callFunction` hop. The job record's
//!   `source` field carries the same value.
//! - `callFunction({name, data})` → `{result, errMsg: "callFunction:ok", requestID}` (the callee's job
//!   id); failures reject with an `Error` carrying `errCode`/`errMsg` (codes in the `cloud` module:
//!   `-504002` callee failed, `-501000` unknown function, `-501002` timeout, `-501007` bad name,
//!   `-501001` chain deeper than [`MAX_CALL_DEPTH`]).
//! - `openapi.<category>.<method>(args)`: must be declared in `config.json`
//!   `{"permissions": {"openapi": ["templateMessage.send"]}}`, else `errCode -604101` (`function has no
//!   permission to call this API`). Declared calls are answered by the open-API stand-in
//!   (`templateMessage.send`, `subscribeMessage.send`, `customerServiceMessage.send`,
//!   `security.msgSecCheck`, `wxacode.getUnlimited` (a PNG `Buffer`); others `-604100 API not
//!   found`). Every call is recorded in the outbox ([`RunningEngine::outbox`], `GET
//!   /dev/v1/openapi/outbox`, `minicloud outbox`).
//! - `database()`, storage and payment APIs throw a clear "not emulated" error.
//!
//! Timer triggers (`{"triggers": [{"name", "type": "timer", "config": "<7-field cron>"}]}`, see
//! [`triggers`]) run while the engine runs (unless [`EngineConfig::timer_triggers`] is off), with
//! the event `{"Type": "Timer", "TriggerName", "Time", "Message": ""}`. Message push:
//! `{"messagePush": true}` or `{"messagePush": [{"msgType": "text"}, {"msgType": "event", "event":
//! "..."}]}` makes a function receive the matching messages posted to `/dev/v1/message-push`.

#![warn(missing_docs)]

mod cloud;
mod config;
mod event;
mod function;
mod http;
mod invoke;
mod job;
mod jobs;
mod open_api_tokens;
mod pool;
mod queue;
pub mod request;
mod sessions;
mod store;
mod util;
mod wechat_tokens;
mod worker;

pub use cloud::outbox::{OutboxEntry, MAX_OUTBOX};
pub use cloud::MAX_CALL_DEPTH;
pub use config::{EngineConfig, DEFAULT_CLIENT_SECRET, DEFAULT_WECHAT_SECRET};
pub use worker::INHERITED_ENV;

/// Timer triggers as declared in functions' `config.json` (WeChat's 7-field cron, UTC+8).
pub mod triggers {
    pub use crate::cloud::triggers::{timer_triggers, trigger_time_zone, TimerSchedule, TimerTrigger};
}
pub use jobs::{JobRecord, JobStatus, MAX_JOBS, MAX_JOB_PAGE, RECORD_LOG_LIMIT, RECORD_RESULT_LIMIT};
pub use store::{StoreError, DATABASE_FILE};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The functions directory does not exist or is not a directory.
    #[error("functions directory {0} does not exist or is not a directory")]
    FunctionsDir(PathBuf),
    /// Node could not be run.
    #[error("cannot run node ({path}): {reason}; install Node.js or set MINICLOUD_NODE")]
    Node {
        /// The executable tried.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address tried.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// Another I/O failure (e.g. creating the runtime directory).
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// The database in the data directory could not be opened.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Where the engine is in its life: serving, draining (no new work; running sync calls finish), stopped
/// (workers killed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Serving,
    Draining,
    Stopped,
}

/// State shared by the server, the pools and [`RunningEngine`].
pub(crate) struct Shared {
    pub(crate) config: EngineConfig,
    pub(crate) store: Arc<store::Store>,
    /// Running `execute`s, and of those the sync ones (the drain waits for them).
    pub(crate) in_flight: AtomicUsize,
    pub(crate) running_sync: AtomicUsize,
    pub(crate) allow_anonymous: AtomicBool,
    pub(crate) sessions: Mutex<sessions::Sessions>,
    pub(crate) jobs: jobs::JobStore,
    pub(crate) pools: pool::Pools,
    pub(crate) runtime: worker::Runtime,
    /// Answers the calls running functions make back to the engine (cloud call).
    pub(crate) call_router: job::CallRouter,
    pub(crate) remarks: Mutex<HashMap<String, String>>,
    pub(crate) login_count: AtomicU64,
    pub(crate) wechat_tokens: wechat_tokens::Tokens,
    pub(crate) outbox: cloud::outbox::Outbox,
    pub(crate) open_api_tokens: open_api_tokens::OpenApiTokens,
}

/// Entry point: starts engines.
pub struct Engine;

impl Engine {
    /// Checks the configuration (functions directory, Node), binds the listener and
    /// starts serving in the background on the current Tokio runtime.
    pub async fn start(config: EngineConfig) -> Result<RunningEngine, EngineError> {
        if !config.functions_dir.is_dir() {
            return Err(EngineError::FunctionsDir(config.functions_dir.clone()));
        }
        worker::become_subreaper();
        // The spare worker starts first: Node starts while the engine checks Node and opens its database.
        let (shutdown_tx, shutdown_rx) = watch::channel(Phase::Serving);
        let spare = config.spare_worker.then_some(config.memory_limit_mb);
        let runtime = worker::Runtime::new(config.node.clone(), config.inspect, spare, shutdown_rx.clone())?;
        check_node(&config.node).await?;
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| EngineError::Bind { addr: config.bind, source })?;
        let addr = listener.local_addr()?;
        let store = Arc::new(store::Store::open(config.data_dir.as_deref())?);
        let sessions = sessions::Sessions::load(config.session_expires_in, store.clone()).map_err(StoreError::from)?;
        let open_api_tokens = open_api_tokens::OpenApiTokens::load(store.clone()).map_err(StoreError::from)?;
        let remarks: HashMap<String, String> = store.remarks().map_err(StoreError::from)?.into_iter().collect();
        let shared = Arc::new(Shared {
            allow_anonymous: AtomicBool::new(config.allow_anonymous),
            sessions: Mutex::new(sessions),
            jobs: jobs::JobStore::new(store.clone()),
            store,
            in_flight: AtomicUsize::new(0),
            running_sync: AtomicUsize::new(0),
            pools: pool::Pools::default(),
            runtime,
            call_router: cloud::call_handler,
            remarks: Mutex::new(remarks),
            login_count: AtomicU64::new(0),
            wechat_tokens: wechat_tokens::Tokens::default(),
            outbox: cloud::outbox::Outbox::default(),
            open_api_tokens,
            config,
        });
        if shared.config.timer_triggers {
            tokio::spawn(cloud::scheduler::run(shared.clone(), shutdown_rx.clone()));
        }
        let app = http::router(shared.clone());
        let drain = shared.config.sync_time_limit + Duration::from_secs(2);
        let server = tokio::spawn(http::serve::serve(listener, app, shared.clone(), shutdown_rx, drain));
        let resumed = queue::resume(&shared);
        if resumed > 0 {
            tracing::info!(jobs = resumed, "resumed the async jobs queued before the last stop");
        }
        tracing::debug!(%addr, "engine started");
        Ok(RunningEngine { shared, addr, shutdown_tx, server: Mutex::new(Some(server)) })
    }
}

async fn check_node(node: &PathBuf) -> Result<(), EngineError> {
    let fail = |reason: String| EngineError::Node { path: node.clone(), reason };
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new(node)
            .arg("--version")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| fail("`node --version` did not answer".into()))?
    .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(format!("`node --version` failed ({})", out.status)));
    }
    Ok(())
}

/// A started engine. Dropping it stops the server and kills idle workers; prefer
/// [`RunningEngine::shutdown`], which also waits for the server to stop.
pub struct RunningEngine {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown_tx: watch::Sender<Phase>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl RunningEngine {
    /// Base URL, e.g. `http://127.0.0.1:39123` (loopback when bound to an unspecified address).
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The client ID callers must send.
    pub fn client_id(&self) -> &str {
        &self.shared.config.client_id
    }

    /// The configuration the engine runs with.
    pub fn config(&self) -> &EngineConfig {
        &self.shared.config
    }

    /// Invalidates every session token (later calls answer 401 `invalid token`).
    pub fn revoke_sessions(&self) {
        self.shared.sessions.lock().unwrap().revoke_all();
    }

    /// Makes every current session token expired (later calls answer 401 `token expired`).
    pub fn expire_sessions(&self) {
        self.shared.sessions.lock().unwrap().expire_all();
    }

    /// All kept job records (at most [`MAX_JOBS`]), oldest first.
    pub fn jobs(&self) -> Vec<JobRecord> {
        let mut all = Vec::new();
        self.shared.jobs.page(None, MAX_JOBS, 0, jobs::Detail::Whole, |j| all.push(j));
        all.reverse();
        all
    }

    /// The database file, when the engine keeps its state on disk ([`EngineConfig::data_dir`]).
    pub fn database(&self) -> Option<&std::path::Path> {
        self.shared.store.location()
    }

    /// One job record by id (the `x-request-id` of an invocation).
    pub fn job(&self, id: &str) -> Option<JobRecord> {
        self.shared.jobs.get(id)
    }

    /// Waits until job `id` has finished (polling), up to `timeout`; returns its record
    /// then, or `None` if it is unknown or still running at the timeout.
    pub async fn wait_for_job(&self, id: &str, timeout: Duration) -> Option<JobRecord> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.job(id) {
                Some(j) if j.status.is_final() => return Some(j),
                None => return None,
                Some(_) if tokio::time::Instant::now() >= deadline => return None,
                Some(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    /// With [`EngineConfig::inspect`]: the Node inspector URL of every worker started so far, as
    /// `(function, "ws://127.0.0.1:<port>/<id>")`.
    pub fn inspectors(&self) -> Vec<(String, String)> {
        self.shared.runtime.inspectors.lock().unwrap().clone()
    }

    /// The open-API calls functions made (`cloud.openapi.*`), oldest first.
    pub fn outbox(&self) -> Vec<OutboxEntry> {
        self.shared.outbox.all()
    }

    /// Number of access_tokens the WeChat token endpoints handed out (classic and stable).
    pub fn wechat_token_fetches(&self) -> u64 {
        self.shared.wechat_tokens.fetches.load(Ordering::SeqCst)
    }

    /// Number of requests the WeChat token endpoints received, refused ones included.
    pub fn wechat_token_requests(&self) -> u64 {
        self.shared.wechat_tokens.requests.load(Ordering::SeqCst)
    }

    /// Number of open-API access tokens handed out (`/api/oauth2/access_token/`).
    pub fn open_api_token_fetches(&self) -> u64 {
        self.shared.open_api_tokens.fetches.load(Ordering::SeqCst)
    }

    /// Makes every open-API access token expired (the next `/oserve` call answers 401 `access token expired`).
    pub fn expire_open_api_tokens(&self) {
        self.shared.open_api_tokens.expire_all();
    }

    /// Makes every WeChat access_token expired (the next business call answers 42001).
    pub fn expire_wechat_tokens(&self) {
        self.shared.wechat_tokens.expire_all();
    }

    /// Number of successful session-issuing answers so far (register, password, SMS,
    /// anonymous and silent logins).
    pub fn login_count(&self) -> u64 {
        self.shared.login_count.load(Ordering::SeqCst)
    }

    /// Allows or refuses invocations by anonymous users from now on.
    pub fn set_allow_anonymous(&self, allow: bool) {
        self.shared.allow_anonymous.store(allow, Ordering::SeqCst);
    }

    /// Stops the engine the way SIGTERM does: no new work is accepted, running sync calls get up to the
    /// sync time limit (plus a second) to finish, then workers are killed; async jobs that did not finish
    /// stay queued in the database (and are logged) and run at the next start. Waits for the server task to
    /// end. Idempotent.
    pub async fn shutdown(&self) {
        if *self.shutdown_tx.borrow() == Phase::Serving {
            let _ = self.shutdown_tx.send(Phase::Draining);
            let grace = self.shared.config.sync_time_limit + Duration::from_secs(1);
            let deadline = tokio::time::Instant::now() + grace;
            while self.shared.running_sync.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        self.signal_stop();
        // The interrupted jobs record themselves (requeued or failed) as they end.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        while self.shared.in_flight.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if let Err(e) = self.shared.jobs.flush().await {
            tracing::error!("job records may be incomplete: {e}");
        }
        let handle = self.server.lock().unwrap().take();
        if let Some(mut h) = handle {
            if tokio::time::timeout(Duration::from_secs(5), &mut h).await.is_err() {
                h.abort();
            }
            let queued = self.shared.store.unfinished_jobs().map(|q| q.len()).unwrap_or(0);
            if queued > 0 {
                tracing::info!(jobs = queued, "async jobs kept in the queue for the next start");
            }
            if let Err(e) = self.shared.jobs.flush().await {
                tracing::error!("job records may be incomplete: {e}");
            }
            self.shared.store.release();
        }
        self.shared.pools.retire_all();
        self.shared.runtime.stop_spare();
        // What workers that exited on their own left to this process (see the worker's reaper).
        let _ = tokio::task::spawn_blocking(|| worker::sweep_adopted(None, Duration::from_secs(1))).await;
    }

    fn signal_stop(&self) {
        let _ = self.shutdown_tx.send(Phase::Stopped);
        self.shared.pools.retire_all();
        self.shared.runtime.stop_spare();
    }
}

impl Drop for RunningEngine {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

impl std::fmt::Debug for RunningEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningEngine").field("url", &self.url()).field("client_id", &self.client_id()).finish()
    }
}
