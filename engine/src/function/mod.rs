//! A function as it lies on disk: `<functions_dir>/<name>/index.js` plus an optional `config.json`,
//! read into [`FunctionMeta`], and a fingerprint of its files so edits take effect on the next call (taken
//! again only when a [`watch::DirWatch`] says the files may have changed).

pub(crate) mod config;
pub(crate) mod watch;

use config::{read_config, CloudConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::Duration;

/// Which calling convention a function uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Contract {
    /// 知晓云: `main(event, callback)` or `async main(event)`.
    #[default]
    Minapp,
    /// WeChat cloud: `async main(event, context)`.
    Wechat,
}

/// What a function's `config.json` says.
#[derive(Debug, Clone)]
pub(crate) struct FunctionMeta {
    pub contract: Contract,
    pub time_limit: Option<Duration>,
    /// `memoryLimitInMB` (else the engine's default).
    pub memory_limit_mb: u64,
    /// `env`: variables the function's workers get on top of the engine's allowlist.
    pub env: BTreeMap<String, String>,
    /// Open-API permissions and other WeChat cloud keys.
    pub cloud: CloudConfig,
}

/// The smallest and largest `memoryLimitInMB` accepted (Node needs some 40 MB to start).
pub(crate) const MIN_MEMORY_MB: u64 = 64;
pub(crate) const MAX_MEMORY_MB: u64 = 16 * 1024;

impl FunctionMeta {
    /// What a function without `config.json` gets.
    pub(crate) fn new(memory_limit_mb: u64) -> Self {
        FunctionMeta {
            contract: Contract::default(),
            time_limit: None,
            memory_limit_mb,
            env: BTreeMap::new(),
            cloud: CloudConfig::default(),
        }
    }
}

/// Whether `index.js` requires `wx-server-sdk` (a WeChat cloud function).
fn requires_wx_server_sdk(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("index.js"))
        .is_ok_and(|src| src.contains("require('wx-server-sdk')") || src.contains("require(\"wx-server-sdk\")"))
}

/// Reads `config.json`. The WeChat contract applies when it says `"contract": "wechat"`, or, without a
/// `contract` key, when it uses a WeChat-only key (`permissions`, `triggers`, `messagePush`) or
/// `index.js` requires `wx-server-sdk`: WeChat functions run unchanged.
pub(crate) fn load_meta(dir: &Path, default_memory_mb: u64) -> FunctionMeta {
    let mut meta = FunctionMeta::new(default_memory_mb);
    let cfg = match read_config(dir) {
        Ok(Some(v)) => v,
        Ok(None) => Value::Null,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), "ignoring config.json: {e}");
            Value::Null
        }
    };
    meta.cloud = CloudConfig::from_value(&cfg);
    meta.contract = match cfg.get("contract").and_then(Value::as_str) {
        Some("wechat") => Contract::Wechat,
        Some(_) => Contract::Minapp,
        None if meta.cloud.wechat_keys || requires_wx_server_sdk(dir) => Contract::Wechat,
        None => Contract::Minapp,
    };
    if let Some(ms) = cfg.get("timeLimitInMS").and_then(Value::as_f64) {
        if ms > 0.0 {
            meta.time_limit = Some(Duration::from_millis(ms as u64));
        }
    } else if let Some(s) = cfg.get("timeout").and_then(Value::as_f64) {
        if s > 0.0 {
            meta.time_limit = Some(Duration::from_secs_f64(s));
        }
    }
    match cfg.get("memoryLimitInMB").map(|v| (v, v.as_u64())) {
        Some((_, Some(mb))) if (MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&mb) => meta.memory_limit_mb = mb,
        Some((v, _)) => tracing::warn!(
            dir = %dir.display(),
            "ignoring memoryLimitInMB {v}: expected a whole number from {MIN_MEMORY_MB} to {MAX_MEMORY_MB}"
        ),
        None => {}
    }
    if let Some(env) = cfg.get("env").and_then(Value::as_object) {
        for (k, v) in env {
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => v.to_string(),
                _ => {
                    tracing::warn!(dir = %dir.display(), "ignoring env {k}: values are strings, numbers or booleans");
                    continue;
                }
            };
            if k.is_empty() || k.contains(['=', '\0']) || value.contains('\0') {
                tracing::warn!(dir = %dir.display(), "ignoring env {k:?}: not a valid environment variable");
                continue;
            }
            meta.env.insert(k.clone(), value);
        }
    }
    meta
}

/// A hash of every file's path, size and mtime under `dir` (without `node_modules`), and how many files there
/// are; `None` when the function has no index.js.
pub(crate) fn fingerprint(dir: &Path) -> Option<(u64, usize)> {
    if !dir.join("index.js").is_file() {
        return None;
    }
    let mut entries = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            if entries.len() > 5000 {
                break;
            }
            let name = e.file_name();
            if name == "node_modules" {
                continue;
            }
            let Ok(md) = e.metadata() else { continue };
            if md.is_dir() {
                stack.push(e.path());
            } else {
                let mtime = md
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                entries.push((e.path(), md.len(), mtime));
            }
        }
    }
    entries.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    entries.hash(&mut h);
    Some((h.finish(), entries.len()))
}
