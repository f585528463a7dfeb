//! The spare worker: started with the engine, it runs a function's first call (in the function's directory,
//! with its env), and the next spare starts after it is taken.

mod common;

use common::*;
use minicloud_engine::EngineConfig;
use serde_json::{json, Value};
use std::time::Duration;

/// Longer than a worker takes to start on a loaded machine, shorter than the wait before the call.
const UP_BEFORE_THE_CALL: f64 = 2.5;
const WAIT: Duration = Duration::from_secs(3);

/// The spareProbe function's directory, as its worker sees it (`cwd`, `process.argv[3]`).
fn probe_dir() -> Value {
    json!(std::fs::canonicalize(fixtures().join("spareProbe")).unwrap().to_str().unwrap())
}

async fn probe(h: &Harness, function: &str) -> Value {
    let path = format!("/oserve/v1.3/cloud-function/{function}/job/");
    let r = h.send(h.admin(reqwest::Method::POST, &path).json(&json!({}))).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    r.body["data"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_functions_first_call_runs_on_the_spare_in_its_directory_with_its_env() {
    let h = start(EngineConfig::new(fixtures()).admin_token(ADMIN)).await;
    tokio::time::sleep(WAIT).await;
    let data = probe(&h, "spareProbe").await;
    assert!(data["uptime"].as_f64().unwrap() > UP_BEFORE_THE_CALL, "not the spare: {data}");
    assert_eq!(data["cwd"], probe_dir());
    assert_eq!(data["dirArgument"], probe_dir(), "the runner's argv[3], as a worker started for it");
    assert_eq!(data["greeting"], "备用 🌱 spare");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_spare_starts_after_the_spare_is_taken() {
    let h = start(EngineConfig::new(fixtures()).admin_token(ADMIN)).await;
    tokio::time::sleep(WAIT).await;
    probe(&h, "spareProbe").await;
    tokio::time::sleep(WAIT).await;
    let data = probe(&h, "spareProbeToo").await;
    assert!(data["uptime"].as_f64().unwrap() > UP_BEFORE_THE_CALL, "not a spare: {data}");
    assert_eq!(data["greeting"], "备用 🌱 spare");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_with_its_own_memory_limit_starts_its_own_worker() {
    let h = start(EngineConfig::new(fixtures()).admin_token(ADMIN)).await;
    tokio::time::sleep(WAIT).await;
    let data = probe(&h, "spareProbeHeap").await;
    assert!(data["uptime"].as_f64().unwrap() < UP_BEFORE_THE_CALL, "V8's heap limit is set at start: {data}");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_spare_the_first_call_starts_its_worker() {
    let h = start(EngineConfig::new(fixtures()).admin_token(ADMIN).spare_worker(false)).await;
    tokio::time::sleep(WAIT).await;
    let data = probe(&h, "spareProbe").await;
    assert!(data["uptime"].as_f64().unwrap() < UP_BEFORE_THE_CALL, "{data}");
    assert_eq!(data["dirArgument"], probe_dir());
    assert_eq!(data["greeting"], "备用 🌱 spare");
    h.engine.shutdown().await;
}
