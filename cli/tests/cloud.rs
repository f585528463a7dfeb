//! The `minicloud outbox` and `minicloud triggers` commands.

use minicloud_engine::{Engine, EngineConfig};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_minicloud");

fn cloud_fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/cloud_functions")
}

fn write_function(dir: &Path, name: &str, config: &str) {
    let f = dir.join(name);
    std::fs::create_dir_all(&f).unwrap();
    std::fs::write(f.join("index.js"), "const cloud = require('wx-server-sdk')\nexports.main = async () => 1\n")
        .unwrap();
    std::fs::write(f.join("config.json"), config).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_prints_the_open_api_calls_functions_made() {
    let engine =
        Engine::start(EngineConfig::new(cloud_fixtures()).admin_token("adm").timer_triggers(false)).await.unwrap();
    let http = reqwest::Client::new();
    let push = json!({"FromUserName": "o-cli-user", "MsgType": "text", "Content": "hi"});
    let r = http
        .post(format!("{}/dev/v1/message-push", engine.url()))
        .header("Authorization", "Bearer adm")
        .json(&push)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let out = Command::new(BIN)
        .args(["outbox", "--url", &engine.url()])
        .env("MINICLOUD_ADMIN_TOKEN", "adm")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].starts_with("#1 "), "{text}");
    assert!(lines[0].contains("onMessage -> customerServiceMessage.send [ok] openid=o-cli-user"), "{text}");
    assert!(lines[0].contains(r#""touser":"o-cli-user""#), "{text}");

    let out = Command::new(BIN)
        .args(["outbox", "--json", "--url", &engine.url()])
        .env("MINICLOUD_ADMIN_TOKEN", "adm")
        .output()
        .unwrap();
    let entry: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(entry["api"], "customerServiceMessage.send");
    assert_eq!(entry["function_name"], "onMessage");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_with_a_wrong_admin_token_fails_without_echoing_it() {
    let engine =
        Engine::start(EngineConfig::new(cloud_fixtures()).admin_token("adm").timer_triggers(false)).await.unwrap();
    let out = Command::new(BIN)
        .args(["outbox", "--url", &engine.url()])
        .env("MINICLOUD_ADMIN_TOKEN", "wrong-secret")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTP 401: invalid admin token"), "{err}");
    assert!(!err.contains("wrong-secret"), "{err}");
    engine.shutdown().await;
}

#[test]
fn triggers_prints_the_next_firings_in_utc_plus_8() {
    let dir = tempfile::tempdir().unwrap();
    write_function(
        dir.path(),
        "daily",
        r#"{"triggers": [{"name": "atTwo", "type": "timer", "config": "0 0 2 * * * *"}]}"#,
    );
    write_function(dir.path(), "plain", r#"{"timeout": 3}"#);
    let out = Command::new(BIN)
        .arg("triggers")
        .arg(dir.path())
        .args(["--count", "2", "--after", "2026-01-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text,
        "daily/atTwo  \"0 0 2 * * * *\"  (UTC+8)\n  2026-01-02 02:00:00 +08:00\n  2026-01-03 02:00:00 +08:00\n"
    );
}

#[test]
fn triggers_reports_a_bad_cron_expression_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    write_function(dir.path(), "broken", r#"{"triggers": [{"name": "t", "type": "timer", "config": "0 0 2 * *"}]}"#);
    let out = Command::new(BIN).arg("triggers").arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("broken/t  refused: cron expression \"0 0 2 * *\" has 5 fields"), "{text}");
}
