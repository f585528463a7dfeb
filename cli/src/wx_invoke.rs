//! `minicloud wx-invoke`: WeChat cloud's server-side `invokeCloudFunction`, with the access_token managed.

use crate::secret::{self, Secret};
use clap::{Args, ValueEnum};
use minicloud_core::wechat::{TokenMode, WeChatCloud, WeChatConfig, WeChatError, DEFAULT_BASE_URL};

/// Which token endpoint to use.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Mode {
    /// `POST /cgi-bin/stable_token` (recommended).
    Stable,
    /// `GET /cgi-bin/token`.
    Classic,
}

/// Arguments of `minicloud wx-invoke`. No `Debug`: it holds the app secret.
#[derive(Args)]
pub struct WxInvokeArgs {
    /// The cloud function's name.
    pub name: String,
    /// The event, as JSON (default `{}`).
    pub body: Option<String>,
    /// The mini-program's app ID.
    #[arg(long)]
    pub appid: String,
    /// A file holding the app secret (or set MINICLOUD_WX_SECRET). Never on the command line.
    #[arg(long)]
    pub secret_file: Option<std::path::PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub secret: Option<String>,
    /// The cloud environment ID.
    #[arg(long)]
    pub env: String,
    /// WeChat's API base URL; point it at `minicloud serve` to develop locally.
    #[arg(long, default_value = DEFAULT_BASE_URL)]
    pub url: String,
    /// Token endpoint.
    #[arg(long, value_enum, default_value_t = Mode::Stable)]
    pub token_mode: Mode,
}

/// Calls the function and prints `resp_data` (decoded) as JSON.
pub async fn run(args: WxInvokeArgs) -> Result<(), String> {
    let mode = match args.token_mode {
        Mode::Stable => TokenMode::Stable,
        Mode::Classic => TokenMode::Classic,
    };
    let secret = Secret {
        what: "app secret",
        env: "MINICLOUD_WX_SECRET",
        file: secret::path(&args.secret_file),
        refused_flag: ("--secret", args.secret.is_some()),
    }
    .required()?;
    let config = WeChatConfig::new(&args.appid, &secret, &args.env).with_base_url(&args.url).with_token_mode(mode);
    let client = WeChatCloud::builder(config).build().map_err(|e| describe(&e))?;
    let result = client.invoke_cloud_function(&args.name, args.body.as_deref()).await.map_err(|e| describe(&e))?;
    println!("{result}");
    Ok(())
}

/// WeChat's errcode, errmsg and the kind, e.g. `"-504002: functions execute fail: boom (function)"`.
fn describe(error: &WeChatError) -> String {
    error.to_string()
}
