//! `minicloud outbox`: the open-API calls (`cloud.openapi.*`) functions made on an engine.

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use serde_json::Value;

/// Arguments of `minicloud outbox`.
#[derive(Args)]
pub struct OutboxArgs {
    /// Base URL of the engine, e.g. http://127.0.0.1:8000.
    #[arg(long)]
    pub url: String,
    /// A file holding the engine's admin token (or set MINICLOUD_ADMIN_TOKEN). Never on the command line.
    #[arg(long)]
    pub admin_token_file: Option<std::path::PathBuf>,
    /// Refused: secrets are not taken on the command line.
    #[arg(long, hide = true)]
    pub admin_token: Option<String>,
    /// Only calls made by this function.
    #[arg(long)]
    pub function: Option<String>,
    /// Only calls of this API (e.g. templateMessage.send).
    #[arg(long)]
    pub api: Option<String>,
    /// Print each entry as one line of JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Fetches every entry (oldest first) from `GET /dev/v1/openapi/outbox`.
async fn fetch(args: &OutboxArgs) -> Result<Vec<Value>, String> {
    let token = crate::secret::Secret {
        what: "admin token",
        env: "MINICLOUD_ADMIN_TOKEN",
        file: crate::secret::path(&args.admin_token_file),
        refused_flag: ("--admin-token", args.admin_token.is_some()),
    }
    .required()?;
    let http = reqwest::Client::new();
    let url = format!("{}/dev/v1/openapi/outbox", args.url.trim_end_matches('/'));
    let mut entries = Vec::new();
    loop {
        let mut query = vec![("limit", "1000".to_string()), ("offset", entries.len().to_string())];
        if let Some(f) = &args.function {
            query.push(("function_name", f.clone()));
        }
        if let Some(a) = &args.api {
            query.push(("api", a.clone()));
        }
        let resp = http
            .get(&url)
            .query(&query)
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .map_err(|e| format!("cannot reach {}: {e}", args.url))?;
        let status = resp.status().as_u16();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        if status != 200 {
            let msg = body["error_msg"].as_str().unwrap_or("unexpected answer");
            return Err(format!("listing the outbox failed: HTTP {status}: {msg}"));
        }
        let page = body["objects"].as_array().cloned().unwrap_or_default();
        let total = body["meta"]["total_count"].as_u64().unwrap_or(0) as usize;
        let empty = page.is_empty();
        entries.extend(page);
        if empty || entries.len() >= total {
            return Ok(entries);
        }
    }
}

fn line(e: &Value) -> String {
    let time = e["time"]
        .as_i64()
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default();
    let status = match e["err_code"].as_i64() {
        Some(0) => "ok".to_string(),
        Some(code) => format!("errCode {code}"),
        None => "?".to_string(),
    };
    format!(
        "#{} {time} {} -> {} [{status}] openid={} source={} job={} args={}",
        e["id"],
        e["function_name"].as_str().unwrap_or("?"),
        e["api"].as_str().unwrap_or("?"),
        e["openid"].as_str().unwrap_or("-"),
        e["source"].as_str().unwrap_or("-"),
        e["job_id"].as_str().unwrap_or("-"),
        e["args"],
    )
}

/// Prints the outbox, oldest call first.
pub async fn run(args: OutboxArgs) -> Result<(), String> {
    let entries = fetch(&args).await?;
    if entries.is_empty() && !args.json {
        println!("the outbox is empty");
    }
    for e in &entries {
        if args.json {
            println!("{e}");
        } else {
            println!("{}", line(e));
        }
    }
    Ok(())
}
