//! `minicloud invoke`: call a cloud function through the core, on an embedded engine or a real server.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::secret::{self, Secret};
use clap::Args;
use minicloud_core::{
    AccountKind, AutoLogin, Client, ClientConfig, Credentials, FileStore, HError, Invocation, Platform, SessionStore,
};
use minicloud_engine::{Engine, EngineConfig};

/// Arguments of `minicloud invoke`. No `Debug`: it holds the password.
#[derive(Args)]
pub struct InvokeArgs {
    /// The cloud function's name.
    pub name: String,
    /// The params, as JSON (omit for none).
    pub params: Option<String>,
    /// Do not wait for the result (`sync: false`): the server answers {"status":"ok"}.
    #[arg(long = "async")]
    pub run_async: bool,
    /// A 知晓云 server (or `minicloud serve`) to call. Without it, an engine is started in-process on DIR.
    #[arg(long)]
    pub url: Option<String>,
    /// Functions directory of the embedded engine (default ./functions, else the bundled examples).
    #[arg(long, conflicts_with = "url")]
    pub dir: Option<PathBuf>,
    /// The client ID (with --url).
    #[arg(long, default_value = "minicloud-local")]
    pub client_id: String,
    /// The environment ID (X-Hydrogen-Env-ID).
    #[arg(long)]
    pub env: Option<String>,
    /// Sign in with this username (password from MINICLOUD_PASSWORD or --password-file) before the call
    /// when there is no live session.
    #[arg(long)]
    pub username: Option<String>,
    /// A file holding the password for --username (or set MINICLOUD_PASSWORD). Never on the command line.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub password: Option<String>,
    /// Sign in as an anonymous user when there is no live session.
    #[arg(long, conflicts_with = "username")]
    pub anonymous: bool,
    /// Keep the session in this JSON file between runs (same keys as the official SDK).
    #[arg(long)]
    pub session: Option<PathBuf>,
    /// Time limit of the call in milliseconds (default: 6000 sync, 305000 async).
    #[arg(long)]
    pub timeout_ms: Option<u64>,
}

/// Runs the call and prints the server's body as JSON on stdout.
pub async fn run(args: InvokeArgs) -> Result<(), String> {
    let params = match &args.params {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| format!("PARAMS is not valid JSON: {e}"))?),
        None => None,
    };
    let mut invocation =
        Invocation { function_name: args.name.clone(), params, sync: args.run_async.then_some(false), timeout: None };
    if let Some(ms) = args.timeout_ms {
        invocation = invocation.timeout(Duration::from_millis(ms));
    }

    let result = match &args.url {
        Some(url) => invoke_remote(&args, url, invocation).await,
        None => invoke_embedded(&args, invocation).await?,
    };
    match result {
        Ok(body) => {
            println!("{body}");
            Ok(())
        }
        Err(e) => Err(describe(&e)),
    }
}

/// Starts an engine in this process, signs in as a fresh local user, and invokes.
async fn invoke_embedded(
    args: &InvokeArgs,
    invocation: Invocation,
) -> Result<Result<serde_json::Value, HError>, String> {
    let dir = args.dir.clone().unwrap_or_else(crate::serve::default_dir);
    let engine = Engine::start(EngineConfig::new(&dir)).await.map_err(|e| e.to_string())?;
    let mut config = ClientConfig::new(engine.client_id(), Platform::Desktop).with_host(engine.url());
    config.env = args.env.clone();
    let client = Client::builder(config).build().map_err(|e| describe(&e))?;
    let local_user = Credentials::new(AccountKind::Username, "minicloud-cli", "minicloud-cli-local");
    let result = match client.register(&local_user).await {
        Ok(_) => client.invoke(invocation).await,
        Err(e) => Err(e),
    };
    // An accepted async job is never dropped: let it finish before the embedded engine stops.
    let limit = engine.config().async_time_limit + Duration::from_secs(5);
    for job in engine.jobs().into_iter().filter(|j| !j.status.is_final()) {
        engine.wait_for_job(&job.id, limit).await;
    }
    engine.shutdown().await;
    Ok(result)
}

/// Invokes on a real server, signing in as the flags say.
async fn invoke_remote(args: &InvokeArgs, url: &str, invocation: Invocation) -> Result<serde_json::Value, HError> {
    let mut config = ClientConfig::new(&args.client_id, Platform::Desktop).with_host(url);
    config.env = args.env.clone();
    let password = Secret {
        what: "password",
        env: "MINICLOUD_PASSWORD",
        file: secret::path(&args.password_file),
        refused_flag: ("--password", args.password.is_some()),
    };
    config.auto_login = match &args.username {
        Some(username) => {
            let password = password.required().map_err(HError::invalid_argument)?;
            AutoLogin::Password(Credentials::new(AccountKind::Username, username, password))
        }
        None if args.anonymous => AutoLogin::Anonymous,
        None => AutoLogin::Disabled,
    };
    let mut builder = Client::builder(config);
    if let Some(path) = &args.session {
        let store: Arc<dyn SessionStore> = Arc::new(FileStore::open(path)?);
        builder = builder.store(store);
    }
    builder.build()?.invoke(invocation).await
}

/// `"404: not found (kind not_found, request r-1)"`.
fn describe(error: &HError) -> String {
    let mut text = format!("{} (kind {}", error.message(), error.kind());
    if let Some(id) = error.request_id() {
        text.push_str(&format!(", request {id}"));
    }
    text.push(')');
    text
}
