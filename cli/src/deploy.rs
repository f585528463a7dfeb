//! `minicloud deploy`: upload a function through the management API.
//!
//! The management API carries only `function_code` (the text of index.js): a function's
//! own `package.json` / `node_modules` / `config.json` are not uploaded, and `deploy`
//! says so when the directory has them.

use crate::secret::{self, Secret};
use clap::Args;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Arguments of `minicloud deploy`.
#[derive(Args)]
pub struct DeployArgs {
    /// Function name (^[A-Za-z0-9_-]{1,64}$).
    pub name: String,
    /// A directory containing index.js, or a .js file.
    pub path: PathBuf,
    /// Base URL of the engine, e.g. http://127.0.0.1:8000.
    #[arg(long)]
    pub url: String,
    /// A file holding the engine's admin token (or set MINICLOUD_ADMIN_TOKEN). Never on the command line.
    #[arg(long)]
    pub admin_token_file: Option<std::path::PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub admin_token: Option<String>,
    /// Remark stored with the function.
    #[arg(long)]
    pub remark: Option<String>,
}

fn read_code(path: &Path) -> Result<(String, Vec<String>), String> {
    let (file, extras) = if path.is_dir() {
        let extras = ["package.json", "node_modules", "config.json"]
            .iter()
            .filter(|f| path.join(f).exists())
            .map(|f| f.to_string())
            .collect();
        (path.join("index.js"), extras)
    } else {
        (path.to_path_buf(), Vec::new())
    };
    let code = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    Ok((code, extras))
}

/// The engine's rule for function names (checked here before anything is sent).
fn valid_function_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

fn failure(what: &str, status: u16, body: &Value) -> String {
    let msg = body["error_msg"].as_str().unwrap_or("unexpected answer");
    format!("{what} failed: HTTP {status}: {msg}")
}

/// The admin token of `deploy` and `outbox`.
pub(crate) fn admin_token(file: &Option<std::path::PathBuf>, flag_given: bool) -> Result<String, String> {
    Secret {
        what: "admin token",
        env: "MINICLOUD_ADMIN_TOKEN",
        file: secret::path(file),
        refused_flag: ("--admin-token", flag_given),
    }
    .required()
}

/// Creates the function, or updates it when it exists.
pub async fn run(args: DeployArgs) -> Result<(), String> {
    if !valid_function_name(&args.name) {
        let shown: String = args.name.chars().take(80).collect();
        return Err(format!("invalid function name {shown:?}: a function name must match ^[A-Za-z0-9_-]{{1,64}}$"));
    }
    let (code, extras) = read_code(&args.path)?;
    let base = format!("{}/oserve/v1.3/cloud-function/", args.url.trim_end_matches('/'));
    let http = reqwest::Client::new();
    let auth = format!("Bearer {}", admin_token(&args.admin_token_file, args.admin_token.is_some())?);
    let send = |req: reqwest::RequestBuilder| async {
        req.header("Authorization", &auth).send().await.map_err(|e| format!("cannot reach {}: {e}", args.url))
    };
    let item = format!("{base}{}/", args.name);
    let (status, body) = answer(send(http.get(&item)).await?).await;
    let bytes = code.len();
    match status {
        200 => {
            let mut patch = json!({"function_code": code});
            if let Some(r) = &args.remark {
                patch["remark"] = json!(r);
            }
            let (status, body) = answer(send(http.patch(&item).json(&patch)).await?).await;
            if status != 202 && status != 200 {
                return Err(failure("update", status, &body));
            }
            println!("updated function {} ({bytes} bytes of index.js) on {}", args.name, args.url);
        }
        404 if body["error_msg"].as_str().is_some_and(|m| m.ends_with("not found")) => {
            let create = json!({
                "name": args.name,
                "function_code": code,
                "remark": args.remark.clone().unwrap_or_default(),
            });
            let (status, body) = answer(send(http.post(&base).json(&create)).await?).await;
            if status != 201 {
                return Err(failure("create", status, &body));
            }
            println!("created function {} ({bytes} bytes of index.js) on {}", args.name, args.url);
        }
        _ => return Err(failure("looking up the function", status, &body)),
    }
    if !extras.is_empty() {
        println!("note: only index.js is uploaded; not uploaded: {}", extras.join(", "));
    }
    Ok(())
}
