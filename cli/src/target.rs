//! Which 知晓云 the open-API commands (`list`, `deploy`, `invoke`, `pull`, `delete`) talk to, and with what
//! credentials — one code path for the local engine and a real 知晓云:
//!
//! 1. `--url URL`: that server, with the client secret from `MINICLOUD_CLIENT_SECRET` or
//!    `--client-secret-file`, else the saved login when it is for that URL, else the admin token
//!    (`MINICLOUD_ADMIN_TOKEN` or `--admin-token-file`: a local engine's shortcut);
//! 2. else the saved login (`minicloud login`);
//! 3. else an engine started in this process on `--dir` (default `./functions`, else the bundled examples),
//!    in memory, with its default client secret.

use crate::rc;
use crate::secret::{self, Secret};
use clap::Args;
use minicloud_core::minapp_server::{MinappServer, ServerConfig};
use minicloud_engine::{Engine, EngineConfig, RunningEngine, DEFAULT_CLIENT_SECRET};
use std::path::PathBuf;

/// The client id of the local engine.
pub const LOCAL_CLIENT_ID: &str = "minicloud-local";

/// Where to send open-API commands. No `Debug`: it can name a secret's file and hold refused secrets.
#[derive(Args)]
pub struct TargetArgs {
    /// The 知晓云 open API to use (`https://cloud.minapp.com`, or `minicloud serve`'s URL). Default: the saved
    /// login, else an engine in this process.
    #[arg(long)]
    pub url: Option<String>,
    /// The open-API client ID (default: the saved login's, else minicloud-local).
    #[arg(long)]
    pub client_id: Option<String>,
    /// A file holding the client secret (or set MINICLOUD_CLIENT_SECRET). Never on the command line.
    #[arg(long)]
    pub client_secret_file: Option<PathBuf>,
    /// Refused: secrets are not taken on the command line (except by `login`, as mincloud does).
    #[arg(long, hide = true)]
    pub client_secret: Option<String>,
    /// A file holding a local engine's admin token (or set MINICLOUD_ADMIN_TOKEN), used with --url when no
    /// client secret is given.
    #[arg(long)]
    pub admin_token_file: Option<PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub admin_token: Option<String>,
    /// The environment ID to act on (X-Hydrogen-Env-ID).
    #[arg(short = 'e', long)]
    pub env: Option<String>,
    /// Functions directory of the in-process engine (default ./functions, else the bundled examples).
    #[arg(long, conflicts_with = "url")]
    pub dir: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(short = 'j', long)]
    pub json: bool,
}

/// A connected open-API client, and the engine it runs on when in this process.
pub struct Target {
    /// The client.
    pub server: MinappServer,
    /// Where it points, for messages.
    pub url: String,
    /// The in-process engine (stopped by [`Target::close`]).
    engine: Option<RunningEngine>,
    _examples: Option<tempfile::TempDir>,
}

impl TargetArgs {
    /// Whether these flags (or the environment) name open-API credentials.
    pub fn names_credentials(&self) -> bool {
        self.client_secret_file.is_some() || std::env::var_os("MINICLOUD_CLIENT_SECRET").is_some_and(|v| !v.is_empty())
    }

    fn client_secret(&self) -> Result<Option<String>, String> {
        Secret {
            what: "client secret",
            env: "MINICLOUD_CLIENT_SECRET",
            file: secret::path(&self.client_secret_file),
            refused_flag: ("--client-secret", self.client_secret.is_some()),
        }
        .read()
    }

    fn admin_token(&self) -> Result<Option<String>, String> {
        Secret {
            what: "admin token",
            env: "MINICLOUD_ADMIN_TOKEN",
            file: secret::path(&self.admin_token_file),
            refused_flag: ("--admin-token", self.admin_token.is_some()),
        }
        .read()
    }

    /// Connects as the flags say (see the module's docs).
    pub async fn connect(&self) -> Result<Target, String> {
        let secret = self.client_secret()?;
        let saved = rc::load()?;
        let (config, engine, examples) = if let Some(url) = &self.url {
            let client_id = self.client_id.clone().or_else(|| saved.as_ref().map(|l| l.client_id.clone()));
            let client_id = client_id.unwrap_or_else(|| LOCAL_CLIENT_ID.to_owned());
            let config = match (secret, saved.filter(|l| same_url(&l.url, url)), self.admin_token()?) {
                (Some(secret), _, _) => ServerConfig::new(client_id, secret),
                (None, Some(login), _) => ServerConfig::new(login.client_id, login.client_secret),
                (None, None, Some(token)) => ServerConfig::with_access_token(client_id, token),
                (None, None, None) => {
                    return Err(format!(
                        "no credentials for {url}: run `minicloud login CLIENT_ID --url {url}`, or set \
                         MINICLOUD_CLIENT_SECRET (or --client-secret-file)"
                    ))
                }
            };
            (config.with_host(url), None, None)
        } else if let Some(login) = saved {
            let secret = secret.unwrap_or(login.client_secret);
            let client_id = self.client_id.clone().unwrap_or(login.client_id);
            (ServerConfig::new(client_id, secret).with_host(&login.url), None, None)
        } else {
            let (dir, examples) = match &self.dir {
                Some(dir) => (dir.clone(), None),
                None => crate::examples::default_dir()?,
            };
            let engine = Engine::start(EngineConfig::new(&dir)).await.map_err(|e| e.to_string())?;
            let config = ServerConfig::new(engine.client_id(), DEFAULT_CLIENT_SECRET).with_host(engine.url());
            (config, Some(engine), examples)
        };
        let config = match &self.env {
            Some(env) => config.with_env(env),
            None => config,
        };
        let url = config.base_url.clone();
        let server = MinappServer::builder(config).build().map_err(|e| crate::describe(&e))?;
        Ok(Target { server, url, engine, _examples: examples })
    }
}

/// Whether two base URLs name the same server (trailing `/` aside).
fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

impl Target {
    /// Whether the commands run on an engine in this process (nothing deployed there lasts).
    pub fn in_process(&self) -> bool {
        self.engine.is_some()
    }

    /// Stops the in-process engine, if any, letting accepted async jobs finish first.
    pub async fn close(self) {
        if let Some(engine) = self.engine {
            let limit = engine.config().async_time_limit + std::time::Duration::from_secs(5);
            for job in engine.jobs().into_iter().filter(|j| !j.status.is_final()) {
                engine.wait_for_job(&job.id, limit).await;
            }
            engine.shutdown().await;
        }
    }
}
