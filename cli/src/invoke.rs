//! `minicloud invoke`: call a cloud function through the core, in one of two forms.
//!
//! - **As an app user** (the client SDK's `BaaS.invoke`, through [`Client`]): prints the answer's JSON body
//!   alone, e.g. `{"code":0,"data":"hello allen","error":{}}`. Without `--url` an engine runs in this process
//!   and a local user is signed in; with `--url`, `--username`/`--anonymous`/`--session` say who calls.
//! - **As a server** (the open API, like `mincloud invoke`): runs the function through
//!   `/oserve/v1.3/cloud-function/{name}/debug/` and prints the result, then the job id, run time, billing
//!   time, memory, then the log (`--json`: the whole answer).
//!
//! The server form is used with `--server`, or when open-API credentials are at hand (a saved login,
//! `MINICLOUD_CLIENT_SECRET`, `--client-secret-file`) and no user flag (`--username`, `--anonymous`,
//! `--session`, `--as-user`) asks for the user form. So the first command of the README stays the user form
//! until you log in, and a `mincloud` user's habits work after `minicloud login`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::secret::{self, Secret};
use crate::target::{TargetArgs, LOCAL_CLIENT_ID};
use clap::Args;
use minicloud_core::minapp_server::ServerOp;
use minicloud_core::{
    AccountKind, AutoLogin, Client, ClientConfig, Credentials, FileStore, HError, Invocation, Platform, SessionStore,
};
use minicloud_engine::{Engine, EngineConfig};
use serde_json::Value;

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
    /// Run as a server through the open API (mincloud's form): result, job id, times, memory, log.
    #[arg(long, conflicts_with_all = ["as_user", "username", "anonymous", "session"])]
    pub server: bool,
    /// Run as an app user (the client SDK's form) even when open-API credentials are at hand.
    #[arg(long)]
    pub as_user: bool,
    #[command(flatten)]
    pub target: TargetArgs,
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

/// Whether this call runs in the server form (see the module's docs).
fn server_form(args: &InvokeArgs) -> Result<bool, String> {
    let user_flags = args.as_user || args.username.is_some() || args.anonymous || args.session.is_some();
    Ok(args.server || (!user_flags && (args.target.names_credentials() || crate::rc::load()?.is_some())))
}

/// Runs the call and prints the result as the form says.
pub async fn run(args: InvokeArgs) -> Result<(), String> {
    if server_form(&args)? {
        return run_as_server(args).await;
    }
    let params = match &args.params {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| format!("PARAMS is not valid JSON: {e}"))?),
        None => None,
    };
    let mut invocation =
        Invocation { function_name: args.name.clone(), params, sync: args.run_async.then_some(false), timeout: None };
    if let Some(ms) = args.timeout_ms {
        invocation = invocation.timeout(Duration::from_millis(ms));
    }

    let result = match &args.target.url {
        Some(url) => invoke_remote(&args, url, invocation).await,
        None => invoke_embedded(&args, invocation).await?,
    };
    match result {
        Ok(body) => {
            println!("{body}");
            Ok(())
        }
        Err(e) => Err(crate::describe(&e)),
    }
}

/// Starts an engine in this process, signs in as a fresh local user, and invokes.
async fn invoke_embedded(
    args: &InvokeArgs,
    invocation: Invocation,
) -> Result<Result<serde_json::Value, HError>, String> {
    let (dir, _examples) = match &args.target.dir {
        Some(dir) => (dir.clone(), None),
        None => crate::examples::default_dir()?,
    };
    let engine = Engine::start(EngineConfig::new(&dir)).await.map_err(|e| e.to_string())?;
    let mut config = ClientConfig::new(engine.client_id(), Platform::Desktop).with_host(engine.url());
    config.env = args.target.env.clone();
    let client = Client::builder(config).build().map_err(|e| crate::describe(&e))?;
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
    let client_id = args.target.client_id.as_deref().unwrap_or(LOCAL_CLIENT_ID);
    let mut config = ClientConfig::new(client_id, Platform::Desktop).with_host(url);
    config.env = args.target.env.clone();
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

/// The server form: `debug` (or `invoke` with `--async`) through the open API, printed as `mincloud` prints
/// it.
async fn run_as_server(args: InvokeArgs) -> Result<(), String> {
    let target = args.target.connect().await?;
    let (name, data_json) = (args.name.clone(), args.params.clone());
    let op = match args.run_async {
        true => ServerOp::Invoke { name, data_json, sync: false },
        false => ServerOp::Debug { name, data_json },
    };
    let result = target.server.call(op, args.timeout_ms.map(Duration::from_millis)).await;
    target.close().await;
    let text = result.map_err(|e| crate::describe(&e))?;
    let mut answer: Value = serde_json::from_str(&text).map_err(|e| format!("the answer is not JSON: {e}"))?;
    if args.target.json || args.run_async {
        println!("{answer}");
        return Ok(());
    }
    let mut facts = serde_json::Map::new();
    if let Some(body) = answer.as_object_mut() {
        for key in ["job_id", "execution_time", "billing_time", "mem_usage", "log"] {
            if let Some(v) = body.remove(key) {
                facts.insert(key.to_owned(), v);
            }
        }
    }
    println!("{answer}");
    let number = |k: &str| facts.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    println!("job id: {}", facts.get("job_id").and_then(Value::as_str).unwrap_or("-"));
    println!("run time: {} ms", number("execution_time"));
    println!("billing time: {} ms", number("billing_time"));
    println!("memory: {:.1} MB", number("mem_usage") / (1024.0 * 1024.0));
    println!("log:");
    print!("{}", facts.get("log").and_then(Value::as_str).unwrap_or_default());
    Ok(())
}
