//! The 知晓云 open API from the server side (PROTOCOL.md §5): [`MinappServer`] invokes and debugs cloud
//! functions as a server, manages them and reads their job records, with the access token fetched through
//! the two-step flow, cached, renewed and refreshed once on a 401 for you. A thin async loop over the
//! protocol [`MinappServerMachine`] (every rule lives there).
//!
//! For servers and tools only: the client secret must never ship inside a mini-program, web page or app,
//! so the wasm bindings do not expose this.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::machine::minapp_server::MinappServerMachine;
pub use crate::machine::minapp_server::{
    check_function_name, JobQuery, ServerConfig, ServerOp, DEFAULT_BASE_URL, DEFAULT_TIMEOUT,
};

use crate::clock::{Clock, SystemClock};
use crate::drive::{Driver, Logger, Parts, TracingLogger};
use crate::host::NoHost;
use crate::timer::{default_timer, Timer};
use crate::transport::Transport;
use crate::HError;

/// A 知晓云 open-API client. Cheap to clone; clones share the token.
#[derive(Clone)]
pub struct MinappServer {
    driver: Arc<Driver<MinappServerMachine>>,
    config: Arc<ServerConfig>,
}

impl fmt::Debug for MinappServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MinappServer").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Builds a [`MinappServer`]; unset parts default to the reqwest transport (which never follows redirects),
/// the system clock and the tokio timer on native targets.
pub struct MinappServerBuilder {
    config: ServerConfig,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
    timer: Option<Arc<dyn Timer>>,
    logger: Option<Arc<dyn Logger>>,
}

impl MinappServerBuilder {
    /// Uses this transport. It must not follow redirects (the token flow follows them itself).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Expires tokens by this clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Ends calls at their deadline with this timer.
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = Some(timer);
        self
    }

    /// Sends the machine's log events here (default: `tracing`).
    pub fn logger(mut self, logger: Arc<dyn Logger>) -> Self {
        self.logger = Some(logger);
        self
    }

    /// Checks the config (a client ID and secret, an http(s) host, the time limit) and builds the client.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<MinappServer, HError> {
        let machine = MinappServerMachine::new(self.config.clone())?;
        let transport = match self.transport {
            Some(t) => t,
            None => crate::client::default_transport()?,
        };
        let parts = Parts {
            transport,
            host: Arc::new(NoHost),
            tokens: None,
            store: None,
            timer: self.timer.or_else(default_timer),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            logger: self.logger.unwrap_or_else(|| Arc::new(TracingLogger)),
        };
        Ok(MinappServer { driver: Arc::new(Driver::new(machine, parts)), config: Arc::new(self.config) })
    }
}

/// The answer's JSON text as a value (the machine checked it is JSON).
fn value(text: String) -> Result<Value, HError> {
    serde_json::from_str(&text).map_err(|e| HError::invalid_response(format!("the answer cannot be read: {e}")))
}

impl MinappServer {
    /// Starts building a client.
    pub fn builder(config: ServerConfig) -> MinappServerBuilder {
        MinappServerBuilder { config, transport: None, clock: None, timer: None, logger: None }
    }

    /// The client's config (its `Debug` hides the secret).
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Runs one open-API call and returns the server's answer as JSON text (`null` for an empty one).
    /// `timeout` replaces the config's limit for this call. Bindings use this; the methods below wrap it.
    pub async fn call(&self, op: ServerOp, timeout: Option<Duration>) -> Result<String, HError> {
        let call = self.driver.with(|machine, now| machine.start(op, timeout, now));
        self.driver.run(call).await
    }

    /// Runs cloud function `name` as a server (`POST /oserve/v1.3/cloud-function/{name}/job/`) with `data`
    /// (JSON text) as `event.data`: `{code, data, error}`, or `{status: "ok"}` when not `sync`. A function
    /// that failed still answers (`code: 1`); an unknown function is HError 404, a schedule failure 400.
    pub async fn invoke(&self, name: &str, data: Option<&str>, sync: bool) -> Result<Value, HError> {
        let op = ServerOp::Invoke { name: name.to_owned(), data_json: data.map(str::to_owned), sync };
        value(self.call(op, None).await?)
    }

    /// Runs cloud function `name` and returns its result with the run's facts: `job_id`, `execution_time`
    /// (ms), `billing_time`, `mem_usage` (bytes) and `log` (`ISO time + level + message` lines).
    pub async fn debug(&self, name: &str, data: Option<&str>) -> Result<Value, HError> {
        let op = ServerOp::Debug { name: name.to_owned(), data_json: data.map(str::to_owned) };
        value(self.call(op, None).await?)
    }

    /// The functions, one page: `{meta: {limit, offset, next, previous, total_count}, objects: [...]}`.
    pub async fn list_functions(&self, limit: Option<u32>, offset: Option<u32>) -> Result<Value, HError> {
        value(self.call(ServerOp::ListFunctions { limit, offset }, None).await?)
    }

    /// One function (`name`, `function_code`, `remark`, `audit_status`, ...); 404 when there is none.
    pub async fn get_function(&self, name: &str) -> Result<Value, HError> {
        value(self.call(ServerOp::GetFunction { name: name.to_owned() }, None).await?)
    }

    /// Creates function `name` with `code` (its `index.js`) and `remark`: the created function.
    pub async fn create_function(&self, name: &str, code: &str, remark: Option<&str>) -> Result<Value, HError> {
        let op = ServerOp::CreateFunction {
            name: name.to_owned(),
            code: code.to_owned(),
            remark: remark.map(str::to_owned),
            files: Vec::new(),
        };
        value(self.call(op, None).await?)
    }

    /// Changes function `name`'s code and/or remark: the updated function.
    pub async fn update_function(&self, name: &str, code: Option<&str>, remark: Option<&str>) -> Result<Value, HError> {
        let op = ServerOp::UpdateFunction {
            name: name.to_owned(),
            code: code.map(str::to_owned),
            remark: remark.map(str::to_owned),
            files: Vec::new(),
        };
        value(self.call(op, None).await?)
    }

    /// Deletes function `name` (404 when there is none).
    pub async fn delete_function(&self, name: &str) -> Result<(), HError> {
        self.call(ServerOp::DeleteFunction { name: name.to_owned() }, None).await.map(drop)
    }

    /// Function `name`'s job records, filtered: `{meta, objects: [{id, created_at, status, source, ...}]}`.
    pub async fn list_jobs(&self, name: &str, query: JobQuery) -> Result<Value, HError> {
        value(self.call(ServerOp::ListJobs { name: name.to_owned(), query }, None).await?)
    }

    /// A valid access token (cached; one flow for all concurrent callers when due).
    pub async fn access_token(&self) -> Result<String, HError> {
        let text = self.call(ServerOp::AccessToken, None).await?;
        match value(text)? {
            Value::String(token) => Ok(token),
            _ => Err(HError::invalid_response("the access token is not a string")),
        }
    }

    /// Forgets the cached token (the next call runs the token flow).
    pub fn clear_token(&self) {
        self.driver.with(|machine, _| machine.clear_token());
    }
}
