//! What a job is, independent of who runs it: who started it ([`Origin`]), what to run ([`JobInput`]),
//! how it ended ([`Outcome`]), and the channel through which a running function calls back into the
//! engine ([`CallHandler`]). The worker, the pool, the invoke path and cloud call all speak these types,
//! so none of them needs to import another's internals.

use crate::jobs::JobStatus;
use crate::sessions::Caller;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

/// `SOURCE` of jobs started by a pushed message. WeChat does not document one; `wx_message` follows
/// its `wx_*` naming.
pub(crate) const SOURCE_MESSAGE: &str = "wx_message";

/// Who started a job, as `cloud.getWXContext()` reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Origin {
    /// `SOURCE`: `wx_client`, `wx_http`, `wx_trigger`, `wx_message`, chained with `,scf` per `callFunction`.
    pub source: String,
    /// `OPENID` of the user the job acts for.
    pub openid: Option<String>,
    /// `UNIONID` of that user.
    pub unionid: Option<String>,
    /// `CLIENTIP`: the caller's address for client calls.
    pub client_ip: Option<String>,
    /// `callFunction` / `BaaS.invoke` nesting depth (0 for a job started from outside).
    pub depth: u32,
    /// The caller's `User-Agent` for client calls (知晓云 `event.request.meta.user_agent`).
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The environment the client named (`X-Hydrogen-Env-ID`; 知晓云 `event.env`).
    #[serde(default)]
    pub env_id: Option<String>,
}

impl Origin {
    fn new(source: &str) -> Self {
        Origin {
            source: source.to_string(),
            openid: None,
            unionid: None,
            client_ip: None,
            depth: 0,
            user_agent: None,
            env_id: None,
        }
    }
    /// A client call (`/hserve/...`) by a signed-in user.
    pub(crate) fn client(caller: &Caller, ip: Option<std::net::IpAddr>) -> Self {
        Origin {
            openid: caller.openid.clone(),
            unionid: caller.unionid.clone(),
            client_ip: ip.map(|ip| ip.to_string()),
            ..Origin::new("wx_client")
        }
    }
    /// A server-side call: WeChat's HTTP API or the management API.
    pub(crate) fn http() -> Self {
        Origin::new("wx_http")
    }
    /// A timer trigger.
    pub(crate) fn trigger() -> Self {
        Origin::new("wx_trigger")
    }
    /// A pushed message from user `openid`.
    pub(crate) fn message(openid: &str) -> Self {
        Origin { openid: Some(openid.to_string()), ..Origin::new(SOURCE_MESSAGE) }
    }
    /// The origin of a job started by `BaaS.invoke` (the server SDK inside a 知晓云 function) from a job of this
    /// origin: a server-side call, so no user, counted in the same chain as `callFunction`.
    pub(crate) fn baas_chained(&self) -> Self {
        Origin { depth: self.depth + 1, env_id: self.env_id.clone(), ..Origin::new(&format!("{},scf", self.source)) }
    }
    /// The origin of a job started by `cloud.callFunction` from a job of this origin.
    pub(crate) fn chained(&self) -> Self {
        Origin { source: format!("{},scf", self.source), depth: self.depth + 1, ..self.clone() }
    }
}

/// A call from a running function, with the caller's declared open APIs.
pub(crate) struct CallRequest {
    /// The `call` object the worker sent (`kind` plus the call's fields).
    pub call: Value,
    /// The calling function's `permissions.openapi`.
    pub permissions: Arc<[String]>,
}

/// Answers calls from one job: returns the reply object (`{ok, result}` or `{ok: false, errCode, errMsg}`).
pub(crate) type CallHandler = Arc<dyn Fn(CallRequest) -> BoxFuture<'static, Value> + Send + Sync>;

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
    /// The engine stopped the job (shutting down) before it completed: an async job goes back to the queue.
    pub interrupted: bool,
}

impl Outcome {
    pub(crate) fn schedule_failed(msg: String) -> Self {
        Outcome {
            status: JobStatus::ScheduleFailed,
            body: None,
            error_msg: Some(msg),
            log: String::new(),
            mem: 0,
            started_at: None,
            exec_ms: 0,
            interrupted: false,
        }
    }

    /// The engine is shutting down and did not start the job.
    pub(crate) fn not_started_shutting_down() -> Self {
        Outcome { interrupted: true, ..Outcome::schedule_failed("engine is shutting down".to_string()) }
    }
}

/// The failure body of a job: `{"code": 1, "data": null, "error": {"message", "type", "stack"}}`.
pub(crate) fn failure_body(message: &str, kind: &str, stack: &str) -> Value {
    json!({"code": 1, "data": null, "error": {"message": message, "type": kind, "stack": stack}})
}

/// The job a call comes from.
#[derive(Clone)]
pub(crate) struct CallingJob {
    pub function: String,
    pub job_id: String,
    pub caller: Option<Caller>,
    pub origin: Origin,
}

/// Builds the [`CallHandler`] of a job. Cloud call provides it ([`crate::cloud::call_handler`]); the engine
/// hands it to the invoke path at start, so running a job never depends on cloud call's internals.
pub(crate) type CallRouter = fn(Arc<crate::Shared>, CallingJob) -> CallHandler;
