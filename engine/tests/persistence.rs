//! Persistence: what the engine accepted outlives it (users, sessions, settings, the async queue).

mod common;

use common::*;
use minicloud_engine::{EngineConfig, JobStatus};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

fn config(data: &Path) -> EngineConfig {
    EngineConfig::new(fixtures()).admin_token(ADMIN).data_dir(data).pool_size(1).timer_triggers(false)
}

/// How many times each tag was written to `file`.
fn runs(file: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in std::fs::read_to_string(file).unwrap_or_default().lines() {
        *counts.entry(line.to_string()).or_insert(0) += 1;
    }
    counts
}

async fn queue_appends(h: &Harness, file: &Path, n: usize, ms: u64) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let body = json!({"sync": false, "data": {"file": file, "tag": format!("任务-{i}-🌏"), "ms": ms}});
        let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/appendLine/job/").json(&body)).await;
        assert_eq!(r.body, json!({"status": "ok"}), "{}", r.text);
        ids.push(r.request_id());
    }
    ids
}

async fn wait_all_final(h: &Harness, ids: &[String]) {
    for id in ids {
        let job = h.engine.wait_for_job(id, Duration::from_secs(60)).await.expect("the job finishes after restart");
        assert_eq!(job.status, JobStatus::Fulfilled, "{job:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_async_jobs_survive_a_shutdown_and_each_runs_exactly_once_after_restart() {
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("runs.txt");
    let h = start(config(data.path())).await;
    let ids = queue_appends(&h, &out, 20, 150).await;
    h.engine.shutdown().await;
    let before = runs(&out).len();
    assert!(before < 20, "the queue was still full at shutdown ({before} ran)");
    drop(h);

    let h = start(config(data.path())).await;
    wait_all_final(&h, &ids).await;
    let counts = runs(&out);
    assert_eq!(counts.len(), 20, "every job ran: {counts:?}");
    // With one worker, at most the job running at the stop may have run twice (at-least-once); every
    // job still waiting in the queue ran exactly once.
    assert!(counts.values().filter(|&&n| n > 1).count() <= 1, "{counts:?}");
    assert!(counts.values().all(|&n| n <= 2), "{counts:?}");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_sessions_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let h = start(config(data.path())).await;
    let r = h
        .post_client("/hserve/v2.1/register/username/", None, json!({"username": "小明😀", "password": "密码-pw"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.body["token"].as_str().unwrap().to_string();
    let uid = r.body["user_id"].clone();
    h.engine.shutdown().await;
    drop(h);

    let h = start(config(data.path())).await;
    let me = h.send(h.client(reqwest::Method::GET, &format!("/hserve/v2.5/user/info/{uid}/"), Some(&token))).await;
    assert_eq!(me.status, 200, "the old token still works: {}", me.text);
    assert_eq!(me.body["_username"], json!("小明😀"));
    let login =
        h.post_client("/hserve/v2.1/login/username/", None, json!({"username": "小明😀", "password": "密码-pw"})).await;
    assert_eq!(login.status, 201, "{}", login.text);
    assert_eq!(login.body["user_id"], uid);
    let fresh = h.post_client("/hserve/v2.0/login/anonymous/", None, json!({})).await;
    assert_ne!(fresh.body["user_id"], uid, "new users get new ids");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_remarks_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let functions = fixture_copy();
    let cfg = |d: &Path| config(d).functions_dir(functions.path());
    let h = start(cfg(data.path())).await;
    let r = h
        .send(h.admin(reqwest::Method::PATCH, "/oserve/v1.3/cloud-function/echo/").json(&json!({"remark": "回声 🔁"})))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    h.engine.shutdown().await;
    drop(h);
    let h = start(cfg(data.path())).await;
    let r = h.send(h.admin(reqwest::Method::GET, "/oserve/v1.3/cloud-function/echo/")).await;
    assert_eq!(r.body["remark"], json!("回声 🔁"));
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_records_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let h = start(config(data.path())).await;
    let r = h
        .send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/echo/job/").json(&json!({"data": "你好"})))
        .await;
    let id = r.request_id();
    h.engine.shutdown().await;
    drop(h);
    let h = start(config(data.path())).await;
    let job = h.engine.job(&id).expect("the record is still there");
    assert_eq!(job.status, JobStatus::Fulfilled);
    assert_eq!(job.result.unwrap()["data"]["data"], json!("你好"));
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_engine_cannot_use_a_data_dir_in_use() {
    let data = tempfile::tempdir().unwrap();
    let h = start(config(data.path())).await;
    let second = minicloud_engine::Engine::start(config(data.path())).await;
    let err = second.expect_err("the data dir is locked").to_string();
    assert!(err.contains("another engine is using it"), "{err}");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("state");
    let h = start(config(&dir)).await;
    let db = h.engine.database().expect("on disk").to_path_buf();
    assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_results_are_kept_in_records_as_their_size_and_listings_stay_small() {
    let h = start_default().await;
    for _ in 0..3 {
        let r = h
            .send(
                h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/echo/job/")
                    .json(&json!({"data": "大".repeat(700_000)})),
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["data"]["data"].as_str().unwrap().len(), 2_100_000, "the caller gets the whole result");
    }
    let list = h.send(h.admin(reqwest::Method::GET, "/oserve/v1.3/cloud-function/job/?limit=1000")).await;
    assert!(list.text.len() < 64 * 1024, "the listing is {} bytes", list.text.len());
    let first: &Value = &list.body["objects"][0];
    assert_eq!(first["result"]["truncated"], json!(true));
    assert_eq!(first["result"]["code"], json!(0));
    assert!(first["result"]["size"].as_u64().unwrap() > 2_100_000);
    assert_eq!(list.body["meta"]["limit"], json!(minicloud_engine::MAX_JOB_PAGE));
    h.engine.shutdown().await;
}
