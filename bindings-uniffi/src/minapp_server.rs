//! `MinappServer`: the 知晓云 open API from the server side — run functions as a server, debug them, manage
//! them, read job records — with the access token managed, delegated to [`minicloud_core::minapp_server`].
//! For servers and desktop tools only: a client secret must never ship inside an app. Errors are the shared
//! [`MinicloudError`] (an HError with the HTTP status as its code).

use std::sync::Arc;

use minicloud_core as core;
use minicloud_core::minapp_server::{ServerConfig, ServerOp};

use crate::{err, CancelToken, MinicloudError};

/// An open-API client secret. An opaque object whose text form is `[redacted]` in every language (Kotlin
/// `toString`, Python `str` and `repr`, Swift `description` and `debugDescription`), so a printed
/// [`MinappServerConfig`] never shows it; the value only reaches the core's token flow.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct ClientSecret(String);

#[uniffi::export]
impl ClientSecret {
    /// Wraps the client secret.
    #[uniffi::constructor]
    pub fn new(value: String) -> Arc<Self> {
        Arc::new(ClientSecret(value))
    }
}

impl std::fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(core::redact::REDACTED)
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientSecret({})", core::redact::REDACTED)
    }
}

/// The configuration of a [`MinappServer`]. Printing it never shows the secret, in any language.
#[derive(Clone, uniffi::Record)]
pub struct MinappServerConfig {
    /// The open-API client ID.
    pub client_id: String,
    /// The client secret ([`ClientSecret`], whose text form is `[redacted]`).
    pub client_secret: Arc<ClientSecret>,
    /// The open API's base URL (default `https://cloud.minapp.com`; a local engine in development).
    #[uniffi(default = None)]
    pub host: Option<String>,
    /// The environment to act on (`X-Hydrogen-Env-ID`).
    #[uniffi(default = None)]
    pub env: Option<String>,
    /// Time limit of each call in milliseconds (default 15000).
    #[uniffi(default = None)]
    pub timeout_ms: Option<u64>,
}

impl std::fmt::Debug for MinappServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinappServerConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &core::redact::REDACTED)
            .field("host", &self.host)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

/// Filters of a job listing; unset ones are not sent.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct JobQuery {
    /// What started the jobs.
    #[uniffi(default = None)]
    pub source: Option<String>,
    /// Their status (`fulfilled`, `execution_failed`, ...).
    #[uniffi(default = None)]
    pub status: Option<String>,
    /// Created at or after (Unix seconds).
    #[uniffi(default = None)]
    pub created_at_gte: Option<u64>,
    /// Created at or before (Unix seconds).
    #[uniffi(default = None)]
    pub created_at_lte: Option<u64>,
    /// Page size.
    #[uniffi(default = None)]
    pub limit: Option<u32>,
    /// Page start.
    #[uniffi(default = None)]
    pub offset: Option<u32>,
}

/// The 知晓云 open API from the server side, with the access token fetched through the two-step flow,
/// cached, renewed ahead of expiry, shared by concurrent calls and refreshed once on a 401. Every call
/// returns the server's answer as JSON text; cancelling the caller's coroutine or task stops it, and so does
/// `cancel`.
#[derive(Debug, uniffi::Object)]
pub struct MinappServer {
    inner: core::MinappServer,
}

impl MinappServer {
    async fn run(&self, op: ServerOp, cancel: Option<Arc<CancelToken>>) -> Result<String, Arc<MinicloudError>> {
        let call = self.inner.call(op, None);
        match cancel {
            Some(cancel) => core::cancellable(call, cancel.cancelled()).await.map_err(err),
            None => call.await.map_err(err),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MinappServer {
    /// Checks the config and builds the client (an empty client ID or secret, a bad URL or time limit is
    /// HError 605).
    #[uniffi::constructor]
    pub fn new(config: MinappServerConfig) -> Result<Arc<Self>, Arc<MinicloudError>> {
        let mut core_config = ServerConfig::new(config.client_id, config.client_secret.0.clone());
        if let Some(host) = config.host {
            core_config = core_config.with_host(host);
        }
        if let Some(env) = config.env {
            core_config = core_config.with_env(env);
        }
        if let Some(ms) = config.timeout_ms {
            core_config.timeout = core::limits::time_limit("timeoutMs", ms as f64).map_err(err)?;
        }
        Ok(Arc::new(MinappServer { inner: core::MinappServer::builder(core_config).build().map_err(err)? }))
    }

    /// Runs function `name` as a server with `data_json` as `event.data`: `{code, data, error}`, or
    /// `{status: "ok"}` when not `sync`.
    pub async fn invoke(
        &self,
        name: String,
        data_json: Option<String>,
        sync: bool,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String, Arc<MinicloudError>> {
        self.run(ServerOp::Invoke { name, data_json, sync }, cancel).await
    }

    /// Runs function `name` and returns its result with `job_id`, `execution_time`, `billing_time`,
    /// `mem_usage` and `log`.
    pub async fn debug(
        &self,
        name: String,
        data_json: Option<String>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<String, Arc<MinicloudError>> {
        self.run(ServerOp::Debug { name, data_json }, cancel).await
    }

    /// One page of functions: `{meta, objects}`.
    pub async fn list_functions(&self, limit: Option<u32>, offset: Option<u32>) -> Result<String, Arc<MinicloudError>> {
        self.run(ServerOp::ListFunctions { limit, offset }, None).await
    }

    /// One function (404 when there is none).
    pub async fn get_function(&self, name: String) -> Result<String, Arc<MinicloudError>> {
        self.run(ServerOp::GetFunction { name }, None).await
    }

    /// Creates function `name` whose `index.js` is `code`.
    pub async fn create_function(
        &self,
        name: String,
        code: String,
        remark: Option<String>,
    ) -> Result<String, Arc<MinicloudError>> {
        self.run(ServerOp::CreateFunction { name, code, remark, files: Vec::new() }, None).await
    }

    /// Changes function `name`'s code and/or remark.
    pub async fn update_function(
        &self,
        name: String,
        code: Option<String>,
        remark: Option<String>,
    ) -> Result<String, Arc<MinicloudError>> {
        self.run(ServerOp::UpdateFunction { name, code, remark, files: Vec::new() }, None).await
    }

    /// Deletes function `name`.
    pub async fn delete_function(&self, name: String) -> Result<(), Arc<MinicloudError>> {
        self.run(ServerOp::DeleteFunction { name }, None).await.map(drop)
    }

    /// Function `name`'s job records: `{meta, objects}`.
    pub async fn list_jobs(&self, name: String, query: JobQuery) -> Result<String, Arc<MinicloudError>> {
        let query = core::minapp_server::JobQuery {
            source: query.source,
            status: query.status,
            created_at_gte: query.created_at_gte,
            created_at_lte: query.created_at_lte,
            limit: query.limit,
            offset: query.offset,
        };
        self.run(ServerOp::ListJobs { name, query }, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_secret_and_a_config_holding_one_never_print_it() {
        let config = MinappServerConfig {
            client_id: "c".into(),
            client_secret: ClientSecret::new("秘密-secret-🔑".into()),
            host: None,
            env: None,
            timeout_ms: None,
        };
        for text in [config.client_secret.to_string(), format!("{:?}", config.client_secret), format!("{config:?}")] {
            assert!(!text.contains("秘密-secret-🔑"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }
}
