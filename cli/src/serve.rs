//! `minicloud serve`: the engine in the foreground.

use crate::secret::{self, Secret};
use clap::Args;
use minicloud_engine::{Engine, EngineConfig, DEFAULT_CLIENT_SECRET, DEFAULT_WECHAT_SECRET};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `minicloud serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Functions directory (one sub-directory per function with an index.js). Defaults to
    /// ./functions if present, else the bundled examples (written to a temporary directory).
    pub dir: Option<PathBuf>,
    /// Port to listen on (0 picks a free port; the URL is printed on the first line).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The client ID callers must send in X-Hydrogen-Client-ID.
    #[arg(long, default_value = "minicloud-local")]
    pub client_id: String,
    /// Let anonymous users invoke cloud functions.
    #[arg(long)]
    pub allow_anonymous: bool,
    /// Enable the management API (/oserve/...) and the dashboard with the bearer token in this file (or set
    /// MINICLOUD_ADMIN_TOKEN). Never on the command line.
    #[arg(long)]
    pub admin_token_file: Option<PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub admin_token: Option<String>,
    /// Warm workers (and concurrent jobs) per function.
    #[arg(long, default_value_t = 4)]
    pub pool_size: usize,
    /// Time limit of synchronous invocations, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub sync_time_limit_ms: u64,
    /// Time limit of asynchronous invocations, in milliseconds.
    #[arg(long, default_value_t = 300_000)]
    pub async_time_limit_ms: u64,
    /// Do not run the timer triggers declared in functions' config.json.
    #[arg(long)]
    pub no_triggers: bool,
    /// Where users, sessions, function settings, job records and the async job queue are kept (a SQLite
    /// database). Default: DIR/.minicloud.
    #[arg(long, conflicts_with = "in_memory")]
    pub data_dir: Option<PathBuf>,
    /// Keep all state in memory only (gone when the engine stops), e.g. for tests.
    #[arg(long)]
    pub in_memory: bool,
    /// The WeChat app ID the WeChat HTTP API (/cgi-bin/token, /tcb/...) accepts and functions see as APPID.
    #[arg(long, default_value = "wx-minicloud-local")]
    pub wechat_appid: String,
    /// A file holding the WeChat app secret (or set MINICLOUD_WECHAT_SECRET). Without one the public default
    /// secret is accepted, and /tcb calls made with it count as anonymous (see --allow-anonymous).
    #[arg(long)]
    pub wechat_secret_file: Option<PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub wechat_secret: Option<String>,
    /// A file holding the open-API client secret (or set MINICLOUD_CLIENT_SECRET) that `minicloud login`,
    /// `MinappServer` and other open-API clients use with --client-id. Without one the public default
    /// "minicloud-local-secret" is accepted (on loopback only).
    #[arg(long)]
    pub client_secret_file: Option<PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub client_secret: Option<String>,
    /// The cloud environment ID the WeChat HTTP API accepts (functions see it as ENV).
    #[arg(long, default_value = "minicloud-local")]
    pub wechat_env: String,
    /// Start workers with the Node inspector on 127.0.0.1 (each worker's ws:// URL is logged); attach from
    /// chrome://inspect or VS Code. Time limits still apply: raise them while stepping through code.
    #[arg(long)]
    pub inspect: bool,
}

/// Runs the engine until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let (dir, _examples) = match args.dir {
        Some(dir) => (dir, None),
        None => crate::examples::default_dir()?,
    };
    let mut config = EngineConfig::new(&dir)
        .bind(SocketAddr::new(args.host, args.port))
        .client_id(args.client_id)
        .allow_anonymous(args.allow_anonymous)
        .pool_size(args.pool_size.max(1))
        .sync_time_limit(Duration::from_millis(args.sync_time_limit_ms))
        .async_time_limit(Duration::from_millis(args.async_time_limit_ms))
        .timer_triggers(!args.no_triggers);
    if !args.in_memory {
        config.data_dir = Some(args.data_dir.clone().unwrap_or_else(|| dir.join(".minicloud")));
    }
    config.admin_token = Secret {
        what: "admin token",
        env: "MINICLOUD_ADMIN_TOKEN",
        file: secret::path(&args.admin_token_file),
        refused_flag: ("--admin-token", args.admin_token.is_some()),
    }
    .read()?;
    let wechat_secret = Secret {
        what: "WeChat app secret",
        env: "MINICLOUD_WECHAT_SECRET",
        file: secret::path(&args.wechat_secret_file),
        refused_flag: ("--wechat-secret", args.wechat_secret.is_some()),
    }
    .read()?;
    let default_secret = wechat_secret.is_none();
    let client_secret = Secret {
        what: "client secret",
        env: "MINICLOUD_CLIENT_SECRET",
        file: secret::path(&args.client_secret_file),
        refused_flag: ("--client-secret", args.client_secret.is_some()),
    }
    .read()?;
    let default_client_secret = client_secret.is_none();
    if let Some(secret) = client_secret {
        config = config.client_secret(secret);
    }
    config = config
        .wechat_app(args.wechat_appid.clone(), wechat_secret.unwrap_or_else(|| DEFAULT_WECHAT_SECRET.to_string()))
        .wechat_env(args.wechat_env.clone())
        .inspect(args.inspect);
    let management = config.admin_token.is_some();
    let engine = Engine::start(config).await.map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "minicloud engine listening on {}", engine.url());
        let _ = writeln!(out, "client id: {}", engine.client_id());
        let token_hint = if management { "" } else { " (needs an admin token: MINICLOUD_ADMIN_TOKEN)" };
        let _ = writeln!(out, "dashboard: {}/dashboard/{token_hint}", engine.url());
        let secret_line = if default_client_secret {
            format!("{DEFAULT_CLIENT_SECRET} (the public default; set MINICLOUD_CLIENT_SECRET for your own)")
        } else {
            "from MINICLOUD_CLIENT_SECRET / --client-secret-file (not shown)".to_string()
        };
        let _ = writeln!(out, "open-API client secret: {secret_line}");
        let _ = out.flush();
    }
    tracing::info!(
        functions_dir = %dir.display(),
        management_api = management,
        database = %engine.database().map_or("in memory".to_string(), |p| p.display().to_string()),
        "serving functions"
    );
    if default_secret {
        tracing::info!(
            appid = %args.wechat_appid,
            "WeChat API: the public default secret {DEFAULT_WECHAT_SECRET:?} is accepted; /tcb calls made with it \
             count as anonymous (set MINICLOUD_WECHAT_SECRET or --wechat-secret-file for your own)"
        );
    }
    if args.inspect {
        tracing::info!("--inspect: each worker's inspector URL (ws://127.0.0.1:PORT/...) is logged when it starts");
    }
    wait_for_signal().await;
    tracing::info!("shutting down: no new work; running sync calls may finish, queued async jobs are kept");
    engine.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
