//! `MinappServer`: the 知晓云 open API from the server side (invoke, debug, function management, job
//! records, the managed token), delegated to [`minicloud_core::minapp_server`]. Server-side only: a client
//! secret must never ship inside a client.

use std::time::Duration;

use minicloud_core::cancellable;
use minicloud_core::minapp_server::{JobQuery, MinappServer, ServerConfig, ServerOp};
use minicloud_core::HError;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;

use super::{CancelToken, NativeError, Outcome};

/// The configuration of a [`NativeMinappServer`], as the JS wrapper passes it.
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

fn build(config: NativeServerConfig) -> Result<MinappServer, HError> {
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
    MinappServer::builder(core).build()
}

/// A 知晓云 open-API client (the native half of the JS `MinappServer` class).
#[napi]
pub struct NativeMinappServer {
    server: Result<MinappServer, HError>,
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
impl NativeMinappServer {
    /// Builds a client; a bad configuration is reported by [`NativeMinappServer::init_error`].
    #[napi(constructor, catch_unwind)]
    pub fn new(config: NativeServerConfig) -> Self {
        NativeMinappServer { server: build(config) }
    }

    /// The configuration error, if the client could not be built.
    #[napi(catch_unwind)]
    pub fn init_error(&self) -> Option<NativeError> {
        self.server.as_ref().err().map(NativeError::from)
    }

    fn spawn<'env>(
        &self,
        env: &'env Env,
        op: Result<ServerOp, HError>,
        timeout_ms: Option<f64>,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        let server = self.server.clone();
        let cancelled = cancel.map(CancelToken::cancelled);
        env.spawn_future(async move {
            let timeout: Result<Option<Duration>, HError> =
                timeout_ms.map(|ms| minicloud_core::limits::time_limit("timeoutMs", ms)).transpose();
            let result = match (server, op, timeout) {
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
                (Ok(server), Ok(op), Ok(timeout)) => {
                    let run = server.call(op, timeout);
                    match cancelled {
                        Some(cancelled) => cancellable(run, cancelled).await,
                        None => run.await,
                    }
                }
            };
            Ok(match result {
                Ok(text) => Outcome { result: Some(text), error: None },
                Err(e) => Outcome::failed(&e),
            })
        })
    }

    /// Runs function `name` as a server with `data_json` as `event.data`.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn invoke<'env>(
        &self,
        env: &'env Env,
        name: String,
        data_json: Option<String>,
        sync: bool,
        timeout_ms: Option<f64>,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.spawn(env, Ok(ServerOp::Invoke { name, data_json, sync }), timeout_ms, cancel)
    }

    /// Runs function `name` and returns its result with the run's facts and log.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn debug<'env>(
        &self,
        env: &'env Env,
        name: String,
        data_json: Option<String>,
        timeout_ms: Option<f64>,
        cancel: Option<&CancelToken>,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.spawn(env, Ok(ServerOp::Debug { name, data_json }), timeout_ms, cancel)
    }

    /// One page of functions.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn list_functions<'env>(
        &self,
        env: &'env Env,
        limit: Option<u32>,
        offset: Option<u32>,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.spawn(env, Ok(ServerOp::ListFunctions { limit, offset }), None, None)
    }

    /// One function.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn get_function<'env>(&self, env: &'env Env, name: String) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.spawn(env, Ok(ServerOp::GetFunction { name }), None, None)
    }

    /// Creates a function.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn create_function<'env>(
        &self,
        env: &'env Env,
        name: String,
        code: String,
        remark: Option<String>,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.spawn(env, Ok(ServerOp::CreateFunction { name, code, remark, files: Vec::new() }), None, None)
    }

    /// Changes a function's code and/or remark.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn update_function<'env>(
        &self,
        env: &'env Env,
        name: String,
        code: Option<String>,
        remark: Option<String>,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.spawn(env, Ok(ServerOp::UpdateFunction { name, code, remark, files: Vec::new() }), None, None)
    }

    /// Deletes a function.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn delete_function<'env>(&self, env: &'env Env, name: String) -> napi::Result<PromiseRaw<'env, Outcome>> {
        self.spawn(env, Ok(ServerOp::DeleteFunction { name }), None, None)
    }

    /// A function's job records, filtered.
    #[napi(ts_return_type = "Promise<Outcome>", catch_unwind)]
    pub fn list_jobs<'env>(
        &self,
        env: &'env Env,
        name: String,
        query: NativeJobQuery,
    ) -> napi::Result<PromiseRaw<'env, Outcome>> {
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
        self.spawn(env, op, None, None)
    }
}
