//! What the two vector runners share (`vectors.rs` through the native driver, `machine_vectors.rs` through the
//! machine directly): finding the vectors, reading their config and numbers, and judging outcomes and storage.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use minicloud_core::{AutoLogin, ClientConfig, HError, Platform};
use serde_json::Value;

/// Runs `run` on every vector file as one test each. `MINICLOUD_VECTORS=dir` replays another directory (e.g.
/// mutated copies, to see the runner fail).
pub fn run_each_vector(run: fn(&Path) -> Result<(), Failed>) {
    let args = Arguments::from_args();
    let dir = std::env::var_os("MINICLOUD_VECTORS")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors"), PathBuf::from);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the vectors directory exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vectors in {}", dir.display());
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || run(&path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// A number as vectors write it: JSON numbers, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub fn vector_number(value: &Value) -> f64 {
    match value.as_str() {
        Some("NaN") => f64::NAN,
        Some("Infinity") => f64::INFINITY,
        Some("-Infinity") => f64::NEG_INFINITY,
        _ => value.as_f64().expect("a number"),
    }
}

/// The client config a vector describes.
pub fn config_of(v: &Value) -> ClientConfig {
    let c = &v["config"];
    let platform: Platform = c["platform"].as_str().unwrap().parse().unwrap();
    let mut config =
        ClientConfig::new(c["clientId"].as_str().unwrap(), platform).with_host(c["host"].as_str().unwrap());
    if let Some(env) = c.get("env").and_then(Value::as_str) {
        config = config.with_env(env);
    }
    if c["autoLogin"].as_bool() == Some(true) {
        config.auto_login = AutoLogin::Silent;
    }
    if let Some(n) = c.get("maxRequestBytes").and_then(Value::as_u64) {
        config.max_request_bytes = n as usize;
    }
    if let Some(n) = c.get("maxResponseBytes").and_then(Value::as_u64) {
        config.max_response_bytes = n as usize;
    }
    config
}

/// Whether call `index` ended as `expect` says: `result` (compared), `ok`, or `error` (the fields given).
pub fn check_outcome(index: usize, expect: &Value, outcome: &Result<Option<Value>, HError>) -> Result<(), String> {
    match (expect, outcome) {
        (e, Ok(value)) if e.get("result").is_some() => {
            if value.as_ref() != Some(&e["result"]) {
                return Err(format!("call {index}: resolved {value:?}, expected {}", e["result"]));
            }
        }
        (e, Ok(_)) if e.get("ok").is_some() => {}
        (e, Err(error)) if e.get("error").is_some() => {
            let want = &e["error"];
            let got = serde_json::json!({
                "code": error.code(), "message": error.message(), "kind": error.kind().as_str(),
                "status": error.status(), "retryable": error.retryable(),
            });
            for field in ["code", "message", "kind", "status", "retryable"] {
                if want.get(field).is_some() && want[field] != got[field] {
                    return Err(format!("call {index}: error {got}, expected {want}"));
                }
            }
        }
        (e, outcome) => return Err(format!("call {index}: got {outcome:?}, expected {e}")),
    }
    Ok(())
}

/// The vector's `storageAfter` against what is stored (`null` = absent or emptied).
pub fn check_storage(v: &Value, stored: impl Fn(&str) -> Option<Value>) -> Vec<String> {
    let mut problems = Vec::new();
    for (key, want) in v.get("storageAfter").and_then(Value::as_object).into_iter().flatten() {
        let got = stored(key);
        let empty = matches!(&got, None | Some(Value::Null)) || got == Some(Value::String(String::new()));
        let ok = if want.is_null() { empty } else { got.as_ref() == Some(want) };
        if !ok {
            problems.push(format!("storage {key}: {got:?}, expected {want}"));
        }
    }
    problems
}
