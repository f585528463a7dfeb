//! [`NativeMinappServerMachine`]: the core's 知晓云 open-API machine ([`MinappServerMachine`]: invoke, debug,
//! function management, job records, the access token fetched, cached, renewed and refreshed once on a 401)
//! for the JS event-loop driver, the same way [`NativeMachine`](crate::machine::NativeMachine) serves the
//! 知晓云 client. Server-side only: a client secret must never ship inside a client.

use minicloud_core::minapp_server::{JobQuery, ServerConfig, ServerOp};
use minicloud_core::{HError, MinappServerMachine};
use napi::bindgen_prelude::Uint8ArraySlice;
use napi_derive::napi;

use crate::driven::{self, or_unbuilt, Driven};
use crate::step::{herror_json, Clock, Outputs};
use crate::NativeError;

/// The configuration of a [`NativeMinappServerMachine`], as the JS wrapper passes it.
#[napi(object, object_to_js = false)]
pub struct NativeServerConfig {
    /// The open-API client ID.
    pub client_id: String,
    /// The client secret (never printed or echoed).
    pub client_secret: String,
    /// The open API's base URL (default `https://cloud.minapp.com`).
    pub host: Option<String>,
    /// The environment to act on (`X-Hydrogen-Env-ID`).
    pub env: Option<String>,
    /// Time limit of each call, in milliseconds.
    pub timeout_ms: Option<f64>,
}

/// Filters of a job listing.
#[napi(object, object_to_js = false)]
pub struct NativeJobQuery {
    /// What started the jobs.
    pub source: Option<String>,
    /// Their status.
    pub status: Option<String>,
    /// Created at or after (Unix seconds).
    pub created_at_gte: Option<f64>,
    /// Created at or before (Unix seconds).
    pub created_at_lte: Option<f64>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page start.
    pub offset: Option<u32>,
}

fn build(config: NativeServerConfig) -> Result<MinappServerMachine, HError> {
    let mut core = ServerConfig::new(config.client_id, config.client_secret);
    if let Some(host) = config.host {
        core = core.with_host(host);
    }
    if let Some(env) = config.env {
        core = core.with_env(env);
    }
    if let Some(ms) = config.timeout_ms {
        core.timeout = minicloud_core::limits::time_limit("timeoutMs", ms)?;
    }
    MinappServerMachine::new(core)
}

/// The core's open-API machine, driven step by step from JS (the native half of the JS `MinappServer`).
/// Starting a call and feeding an outcome answer the call's next action; a `DONE` result is the call's
/// value as JSON text.
#[napi]
pub struct NativeMinappServerMachine {
    driven: Result<Driven<MinappServerMachine>, HError>,
}

/// A Unix time from JS (a whole, non-negative number of seconds), or 605 naming the option.
fn seconds(option: &str, value: Option<f64>) -> Result<Option<u64>, HError> {
    match value {
        None => Ok(None),
        Some(v) if v >= 0.0 && v.fract() == 0.0 && v <= 9.0e15 => Ok(Some(v as u64)),
        Some(v) => Err(HError::invalid_argument(format!("{option} must be whole Unix seconds, got {v}"))),
    }
}

#[napi]
impl NativeMinappServerMachine {
    /// Builds the machine; a bad configuration is reported by [`NativeMinappServerMachine::init_error`].
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeServerConfig) -> Self {
        let driven =
            build(config).map(|machine| Driven::new(machine, Outputs::new(None), Clock::new(None), Some, herror_json));
        NativeMinappServerMachine { driven }
    }

    /// The configuration error, if the machine could not be built.
    #[napi(catch_unwind)]
    pub fn init_error(&self) -> Option<NativeError> {
        self.driven.as_ref().err().map(NativeError::from)
    }

    /// Starts `op` (`timeout_ms` replacing the configured limit) and answers its first action.
    fn start(&mut self, op: Result<ServerOp, HError>, timeout_ms: Option<f64>) -> String {
        driven::start(&mut self.driven, op, timeout_ms, MinappServerMachine::start)
    }

    /// Starts running function `name` as a server with `data_json` as `event.data`.
    #[napi(catch_unwind)]
    pub fn invoke(&mut self, name: String, data_json: Option<String>, sync: bool, timeout_ms: Option<f64>) -> String {
        self.start(Ok(ServerOp::Invoke { name, data_json, sync }), timeout_ms)
    }

    /// Starts running function `name` for its result with the run's facts and log.
    #[napi(catch_unwind)]
    pub fn debug(&mut self, name: String, data_json: Option<String>, timeout_ms: Option<f64>) -> String {
        self.start(Ok(ServerOp::Debug { name, data_json }), timeout_ms)
    }

    /// Starts reading one page of functions.
    #[napi(catch_unwind)]
    pub fn list_functions(&mut self, limit: Option<u32>, offset: Option<u32>) -> String {
        self.start(Ok(ServerOp::ListFunctions { limit, offset }), None)
    }

    /// Starts reading one function.
    #[napi(catch_unwind)]
    pub fn get_function(&mut self, name: String) -> String {
        self.start(Ok(ServerOp::GetFunction { name }), None)
    }

    /// Starts creating a function whose `index.js` is `code`.
    #[napi(catch_unwind)]
    pub fn create_function(&mut self, name: String, code: String, remark: Option<String>) -> String {
        self.start(Ok(ServerOp::CreateFunction { name, code, remark, files: Vec::new() }), None)
    }

    /// Starts changing a function's code and/or remark.
    #[napi(catch_unwind)]
    pub fn update_function(&mut self, name: String, code: Option<String>, remark: Option<String>) -> String {
        self.start(Ok(ServerOp::UpdateFunction { name, code, remark, files: Vec::new() }), None)
    }

    /// Starts deleting a function.
    #[napi(catch_unwind)]
    pub fn delete_function(&mut self, name: String) -> String {
        self.start(Ok(ServerOp::DeleteFunction { name }), None)
    }

    /// Starts reading a function's job records, filtered.
    #[napi(catch_unwind)]
    pub fn list_jobs(&mut self, name: String, query: NativeJobQuery) -> String {
        let op = (|| {
            Ok(ServerOp::ListJobs {
                name,
                query: JobQuery {
                    source: query.source,
                    status: query.status,
                    created_at_gte: seconds("createdAtGte", query.created_at_gte)?,
                    created_at_lte: seconds("createdAtLte", query.created_at_lte)?,
                    limit: query.limit,
                    offset: query.offset,
                },
            })
        })();
        self.start(op, None)
    }

    /// The call's next action (after a `SLEEP`, or for a call a `wake` named).
    #[napi(catch_unwind)]
    pub fn next(&mut self, call: f64) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.next(call))
    }

    /// Feeds the answer to a `SEND` (the status, Node's `res.rawHeaders` joined with `\n`, the whole body) and
    /// answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_response(&mut self, call: f64, status: u32, raw_headers: String, body: Uint8ArraySlice<'_>) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.on_response(call, status, &raw_headers, &body))
    }

    /// Feeds the failure of a `SEND` (`kind` as for the 知晓云 client) and answers the call's next action.
    #[napi(catch_unwind)]
    pub fn on_transport_error(&mut self, call: f64, kind: String, message: String, limit: Option<f64>) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.on_transport_error(call, &kind, &message, limit))
    }

    /// The call's deadline timer fired: the machine ends it (`DONE` with 601 `timeout`).
    #[napi(catch_unwind)]
    pub fn on_deadline(&mut self, call: f64) -> String {
        or_unbuilt(&mut self.driven, herror_json, |d| d.on_deadline(call))
    }

    /// The caller cancelled the call (its `AbortSignal`): the machine forgets it (a token fetch it led passes
    /// to a waiting call: `pollOutput` names it), and this is the error to reject it with (kind `cancelled`).
    #[napi(catch_unwind)]
    pub fn cancel(&mut self, call: f64) -> NativeError {
        if let Ok(driven) = &mut self.driven {
            driven.cancel(call);
        }
        (&HError::cancelled()).into()
    }

    /// The parked calls that can go on now (after a `cancel`), if any.
    #[napi(catch_unwind)]
    pub fn poll_output(&mut self) -> Option<Vec<f64>> {
        self.driven.as_mut().ok().and_then(Driven::take_wakes)
    }
}
