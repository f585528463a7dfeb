//! End-to-end tests of the `minicloud` binary.

use minicloud_engine::{Engine, EngineConfig};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_minicloud");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_url_and_client_id_then_serves_the_bundled_hello_world() {
    let cwd = tempfile::tempdir().unwrap(); // no ./functions here: falls back to examples/functions
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--client-id", "cli-test", "--in-memory"])
        .current_dir(cwd.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("minicloud engine listening on ").expect("first line names the URL").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(second, "client id: cli-test");

    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{url}/hserve/v2.5/idp/wechat/silent-login/"))
        .header("X-Hydrogen-Client-ID", "cli-test")
        .json(&json!({"code": "abc", "create_user": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap();
    let body = http
        .post(format!("{url}/hserve/v1/cloud-function/job/"))
        .header("X-Hydrogen-Client-ID", "cli-test")
        .header("Authorization", format!("Hydrogen-r1 {token}"))
        .body(r#"{"function_name":"helloWorld","sync":true,"data":{"name":"allen"}}"#)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, r#"{"code":0,"data":"hello allen","error":{}}"#);

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_creates_then_updates_a_function() {
    let functions = tempfile::tempdir().unwrap();
    let engine = Engine::start(EngineConfig::new(functions.path()).admin_token("adm")).await.unwrap();
    let src = tempfile::tempdir().unwrap();
    let fn_dir = src.path().join("greet");
    std::fs::create_dir_all(&fn_dir).unwrap();
    std::fs::write(fn_dir.join("index.js"), "exports.main = async () => 'v1'\n").unwrap();

    let deploy = |path: &std::path::Path| {
        let out = Command::new(BIN)
            .args(["deploy", "greet"])
            .arg(path)
            .args(["--url", &engine.url()])
            .env("MINICLOUD_ADMIN_TOKEN", "adm")
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (ok, out) = deploy(&fn_dir);
    assert!(ok, "{out}");
    assert!(out.starts_with("created function greet"), "{out}");

    let single = src.path().join("v2.js");
    std::fs::write(&single, "exports.main = async () => 'v2'\n").unwrap();
    let (ok, out) = deploy(&single);
    assert!(ok, "{out}");
    assert!(out.starts_with("updated function greet"), "{out}");

    let body = reqwest::Client::new()
        .post(format!("{}/oserve/v1.3/cloud-function/greet/job/", engine.url()))
        .header("Authorization", "Bearer adm")
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, r#"{"code":0,"data":"v2","error":{}}"#);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_with_a_wrong_admin_token_fails_clearly() {
    let functions = tempfile::tempdir().unwrap();
    let engine = Engine::start(EngineConfig::new(functions.path()).admin_token("adm")).await.unwrap();
    let file = functions.path().join("f.js");
    std::fs::write(&file, "exports.main = async () => 1\n").unwrap();
    let out = Command::new(BIN)
        .args(["deploy", "f"])
        .arg(&file)
        .args(["--url", &engine.url()])
        .env("MINICLOUD_ADMIN_TOKEN", "wrong")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("401: invalid access token"), "{err}");
    assert!(!err.contains("wrong"), "token not echoed: {err}");
    engine.shutdown().await;
}
