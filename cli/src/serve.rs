//! `minicloud serve`: the engine in the foreground.

use clap::Args;
use minicloud_engine::{Engine, EngineConfig};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `minicloud serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Functions directory (one sub-directory per function with an index.js). Defaults to
    /// ./functions if present, else the bundled examples/functions.
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
    /// Enable the management API (/oserve/...) with this bearer token.
    #[arg(long, env = "MINICLOUD_ADMIN_TOKEN", hide_env_values = true)]
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
}

/// Where functions are served from when no DIR is given.
pub(crate) fn default_dir() -> PathBuf {
    let candidates = [
        PathBuf::from("functions"),
        PathBuf::from("examples/functions"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/functions"),
    ];
    candidates.iter().find(|p| p.is_dir()).cloned().unwrap_or_else(|| candidates[0].clone())
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
    let dir = args.dir.unwrap_or_else(default_dir);
    let mut config = EngineConfig::new(&dir)
        .bind(SocketAddr::new(args.host, args.port))
        .client_id(args.client_id)
        .allow_anonymous(args.allow_anonymous)
        .pool_size(args.pool_size.max(1))
        .sync_time_limit(Duration::from_millis(args.sync_time_limit_ms))
        .async_time_limit(Duration::from_millis(args.async_time_limit_ms))
        .timer_triggers(!args.no_triggers);
    config.admin_token = args.admin_token.filter(|t| !t.is_empty());
    let management = config.admin_token.is_some();
    let engine = Engine::start(config).await.map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "minicloud engine listening on {}", engine.url());
        let _ = writeln!(out, "client id: {}", engine.client_id());
        let _ = out.flush();
    }
    tracing::info!(
        functions_dir = %dir.display(),
        management_api = management,
        "serving functions"
    );
    wait_for_signal().await;
    tracing::info!("shutting down");
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
