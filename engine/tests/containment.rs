//! Containment: function code cannot see the engine's secrets, escape its worker, or hog the engine; bad
//! clients cannot hold it.

mod common;

use common::*;
use minicloud_engine::{EngineConfig, JobStatus};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn process_runs(pid: u32) -> bool {
    // A zombie has exited; only its parent's wait is missing.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().and_then(|r| r.split_whitespace().next()) != Some("Z"))
}

/// Whether `pid` is gone and reaped (no zombie left behind), within 5 s.
async fn wait_reaped(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

async fn wait_gone(pid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_runs(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    !process_runs(pid)
}

fn read_pid(file: &std::path::Path) -> u32 {
    std::fs::read_to_string(file).unwrap().trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_get_a_clean_environment_plus_the_functions_own_env() {
    // The variables `minicloud serve` and `minicloud invoke` read their secrets from (no other test here reads
    // them), and one of the engine process's own.
    std::env::set_var("MINICLOUD_ADMIN_TOKEN", "admin-token-never-in-a-worker");
    std::env::set_var("MINICLOUD_PASSWORD", "password-never-in-a-worker");
    std::env::set_var("MINICLOUD_CONTAINMENT_TEST_SECRET", "engine-only-secret");
    let h = start_default().await;
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/envDump/job/").json(&json!({}))).await;
    let env = r.body["data"]["env"].as_object().expect("the env object").clone();
    assert_eq!(env["GREETING"], json!("你好 🌏"), "config.json env reaches the function");
    assert!(!env.contains_key("MINICLOUD_CONTAINMENT_TEST_SECRET"), "engine env leaked: {env:?}");
    assert!(!env.contains_key("CARGO_MANIFEST_DIR"), "engine env leaked: {env:?}");
    assert!(env.contains_key("PATH"));
    for secret in ["admin-token-never-in-a-worker", "password-never-in-a-worker", ADMIN] {
        assert!(!r.text.contains(secret), "{}", r.text);
    }
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detached_grandchild_dies_with_its_worker_at_the_time_limit() {
    let h = start_default().await;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let body = json!({"data": {"pidFile": pid_file, "hang": true}});
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/detachedChild/job/").json(&body)).await;
    assert_eq!(r.body["error"]["type"], "DeadlineExceeded", "{}", r.text);
    let pid = read_pid(&pid_file);
    assert!(wait_gone(pid).await, "detached grandchild {pid} outlived its killed worker");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detached_grandchild_dies_when_the_engine_shuts_down() {
    let h = start_default().await;
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let body = json!({"data": {"pidFile": pid_file}});
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/detachedChild/job/").json(&body)).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    let pid = read_pid(&pid_file);
    assert!(process_runs(pid));
    h.engine.shutdown().await;
    assert!(wait_gone(pid).await, "detached grandchild {pid} outlived the engine");
}

/// Runs `untaggedChild` with `data` and returns its grandchild's pid, checked to carry no worker tag (so
/// only a rule that does not rely on the tag can catch it).
async fn untagged_grandchild(h: &Harness, data: serde_json::Value, pid_file: &std::path::Path) -> (Resp, u32) {
    let mut data = data;
    data["pidFile"] = json!(pid_file);
    let body = json!({ "data": data });
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/untaggedChild/job/").json(&body)).await;
    let pid = read_pid(pid_file);
    // `setsid env -i sleep` reports its pid before it has exec'd `sleep`: until then the process still has its
    // parent's environment (the tag included). Read it once it is `sleep`.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() != "sleep")
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&environ).contains("MINICLOUD_WORKER"), "the grandchild kept the worker tag");
    (r, pid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detached_grandchild_with_an_empty_environment_dies_with_its_worker_at_the_time_limit() {
    let h = start_default().await;
    let dir = tempfile::tempdir().unwrap();
    let (r, pid) = untagged_grandchild(&h, json!({"hang": true}), &dir.path().join("pid")).await;
    assert_eq!(r.body["error"]["type"], "DeadlineExceeded", "{}", r.text);
    assert!(wait_gone(pid).await, "untagged grandchild {pid} outlived its killed worker");
    assert!(wait_reaped(pid).await, "untagged grandchild {pid} was left a zombie");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grandchild_started_with_setsid_env_i_dies_when_the_engine_shuts_down() {
    let h = start_default().await;
    let dir = tempfile::tempdir().unwrap();
    let (r, pid) = untagged_grandchild(&h, json!({"shell": true}), &dir.path().join("pid")).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    assert!(process_runs(pid), "the grandchild {pid} runs while its worker is warm");
    h.engine.shutdown().await;
    assert!(wait_gone(pid).await, "untagged grandchild {pid} outlived the engine");
    assert!(wait_reaped(pid).await, "untagged grandchild {pid} was left a zombie");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untagged_grandchild_dies_when_its_worker_exits_on_its_own() {
    let h = start_default().await;
    let dir = tempfile::tempdir().unwrap();
    let (r, pid) = untagged_grandchild(&h, json!({"exit": true}), &dir.path().join("pid")).await;
    assert_eq!(r.body["error"]["type"], "ProcessExit", "{}", r.text);
    assert!(wait_gone(pid).await, "untagged grandchild {pid} outlived its worker, which exited");
    assert!(wait_reaped(pid).await, "untagged grandchild {pid} was left a zombie");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_over_its_memory_limit_fails_clearly_and_its_worker_is_replaced() {
    let h = start_default().await;
    let t = Instant::now();
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/memoryHog/job/").json(&json!({}))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["code"], 1, "{}", r.text);
    assert_eq!(r.body["error"]["type"], "MemoryLimitExceeded", "{}", r.text);
    let msg = r.body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("memory limit exceeded") && msg.contains("128 MB"), "{msg}");
    assert!(t.elapsed() < Duration::from_secs(15), "stopped by the watchdog, not the time limit");
    let job = h.engine.job(&r.request_id()).unwrap();
    assert_eq!(job.status, JobStatus::ExecutionFailed);
    // The next job gets a fresh worker.
    let again =
        h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/memoryHog/job/").json(&json!({}))).await;
    assert_eq!(again.body["error"]["type"], "MemoryLimitExceeded", "{}", again.text);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_carries_the_memory_limit_from_config_json_or_the_engine_default() {
    let h = start(EngineConfig::new(fixtures()).admin_token(ADMIN).memory_limit_mb(200)).await;
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/limits/job/").json(&json!({}))).await;
    assert_eq!(r.body["data"]["memoryLimitInMB"], 64, "{}", r.text);
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "echo"})).await;
    let job = h.engine.job(&r.request_id()).unwrap();
    assert!(job.mem_usage.unwrap() > 0, "the record keeps the job's memory");
    h.engine.shutdown().await;
    let h = start(EngineConfig::new(fixtures()).admin_token(ADMIN).memory_limit_mb(200)).await;
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/envDump/job/").json(&json!({}))).await;
    let argv = r.body["data"]["argv"].to_string();
    assert!(!argv.contains("max-old-space"), "V8 flags are not the function's business: {argv}");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_and_idle_sockets_are_closed_and_never_starve_other_clients() {
    let cfg = EngineConfig::new(fixtures()).header_read_timeout(Duration::from_millis(300)).max_connections(8);
    let h = start(cfg).await;
    let mut idle = Vec::new();
    for i in 0..24 {
        let mut s = tokio::net::TcpStream::connect(h.engine.addr()).await.unwrap();
        if i % 2 == 0 {
            s.write_all(b"POST /hserve/v1/cloud-function/job/ HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        }
        idle.push(s);
    }
    let t = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(5), h.http.get(h.url("/hserve/v1/latest-sdk-version/")).send())
        .await
        .expect("a health check is answered while idle sockets are open")
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    for mut s in idle {
        let mut buf = [0u8; 512];
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "the engine closed the idle socket");
    }
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_padded_admin_token_is_refused() {
    let h = start_default().await;
    // (Trailing blanks are not part of a header value in HTTP, so only inner padding can be tried.)
    for padded in [format!("Bearer  {ADMIN}"), format!("Bearer \t{ADMIN}"), format!("Bearer {ADMIN} x")] {
        let r = h.send(h.http.get(h.url("/dev/v1/stats")).header("Authorization", padded.clone())).await;
        assert_eq!(r.status, 401, "{padded:?}");
    }
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_stacks_do_not_show_the_engines_files() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "throws"})).await;
    let stack = r.body["error"]["stack"].as_str().unwrap();
    assert!(stack.contains("boom") && stack.contains("throws/index.js"), "{stack}");
    assert!(!stack.contains("runner.js") && !stack.contains(&*std::env::temp_dir().to_string_lossy()), "{stack}");
    h.engine.shutdown().await;
}
