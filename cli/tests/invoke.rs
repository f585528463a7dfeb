//! `minicloud invoke`: the README's main job, and calls to a running engine.

use minicloud_engine::{Engine, EngineConfig};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_minicloud");

fn run(args: &[&str], cwd: &std::path::Path) -> std::process::Output {
    Command::new(BIN).args(args).current_dir(cwd).output().unwrap()
}

#[test]
fn invoke_on_the_embedded_engine_prints_the_seed_result() {
    let cwd = tempfile::tempdir().unwrap(); // no ./functions: the bundled examples are used
    let out = run(&["invoke", "helloWorld", r#"{"name":"allen"}"#], cwd.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"code\":0,\"data\":\"hello allen\",\"error\":{}}\n");
}

#[test]
fn invoke_uses_a_functions_directory_in_the_working_directory() {
    let cwd = tempfile::tempdir().unwrap();
    let dir = cwd.path().join("functions/local");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.js"), "exports.main = async (event) => event.data.n * 2").unwrap();
    let out = run(&["invoke", "local", r#"{"n":21}"#], cwd.path());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"code":0,"data":42,"error":{}}"#);
}

#[test]
fn invoke_async_prints_the_acknowledgement_and_lets_the_job_finish() {
    let cwd = tempfile::tempdir().unwrap();
    let dir = cwd.path().join("functions/writeFile");
    std::fs::create_dir_all(&dir).unwrap();
    let marker = cwd.path().join("done.txt");
    let code = format!(
        "exports.main = async () => {{ await new Promise(r => setTimeout(r, 200)); require('fs').writeFileSync({:?}, 'done') }}",
        marker.to_str().unwrap()
    );
    std::fs::write(dir.join("index.js"), code).unwrap();
    let out = run(&["invoke", "writeFile", "--async"], cwd.path());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"status":"ok"}"#);
    assert_eq!(std::fs::read_to_string(marker).unwrap(), "done");
}

#[test]
fn invoke_of_an_unknown_function_fails_with_the_herror() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run(&["invoke", "noSuchFunction"], cwd.path());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("404: not found (kind not_found"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn invoke_refuses_params_that_are_not_json() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run(&["invoke", "helloWorld", "{name: allen}"], cwd.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARAMS is not valid JSON"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_with_url_signs_in_anonymously_and_keeps_the_session_file() {
    let functions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/functions");
    let engine = Engine::start(EngineConfig::new(functions).client_id("cli-url").allow_anonymous(true)).await.unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let session = cwd.path().join("session.json");
    let args = ["invoke", "helloWorld", r#"{"name":"url"}"#, "--url", &engine.url(), "--client-id", "cli-url"];
    let with_login = [&args[..], &["--anonymous", "--session", session.to_str().unwrap()]].concat();
    let out = tokio::task::spawn_blocking({
        let cwd = cwd.path().to_owned();
        let args: Vec<String> = with_login.iter().map(|s| s.to_string()).collect();
        move || Command::new(BIN).args(&args).current_dir(cwd).output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"code":0,"data":"hello url","error":{}}"#);
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&session).unwrap()).unwrap();
    assert!(stored["ifx_baas_auth_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(engine.login_count(), 1);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wx_invoke_calls_the_engines_wechat_api_and_prints_resp_data() {
    let functions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/functions");
    // The public default WeChat secret counts as anonymous on /tcb.
    let engine = Engine::start(EngineConfig::new(functions).allow_anonymous(true)).await.unwrap();
    let url = engine.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args([
                "wx-invoke",
                "wechatStyle",
                r#"{"x":7}"#,
                "--appid",
                "wx-minicloud-local",
                "--env",
                "minicloud-local",
            ])
            .args(["--url", &url])
            .env("MINICLOUD_WX_SECRET", "minicloud-local-secret")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["event"]["x"], 7);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wx_invoke_with_a_wrong_secret_says_configuration_and_hides_the_secret() {
    let functions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/functions");
    // The public default WeChat secret counts as anonymous on /tcb.
    let engine = Engine::start(EngineConfig::new(functions).allow_anonymous(true)).await.unwrap();
    let url = engine.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["wx-invoke", "wechatStyle", "--appid", "wx-minicloud-local", "--env", "minicloud-local"])
            .args(["--url", &url])
            .env("MINICLOUD_WX_SECRET", "wrong-SECRET")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("40001") && stderr.contains("(config)"), "{stderr}");
    assert!(!stderr.contains("wrong-SECRET"), "{stderr}");
    engine.shutdown().await;
}

/// A functions directory holding one function, `name`, with `code` as its `index.js`.
fn functions_with(name: &str, code: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let function = dir.path().join(name);
    std::fs::create_dir_all(&function).unwrap();
    std::fs::write(function.join("index.js"), code).unwrap();
    dir
}

/// Runs `minicloud wx-invoke NAME` against the engine at `url` with the engine's local credentials.
async fn wx_invoke(url: String, name: &'static str) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["wx-invoke", name, "--appid", "wx-minicloud-local", "--env", "minicloud-local", "--url", &url])
            .env("MINICLOUD_WX_SECRET", "minicloud-local-secret")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wx_invoke_of_a_function_throwing_chinese_text_reports_its_errmsg() {
    let functions = functions_with(
        "pay",
        "const cloud = require('wx-server-sdk')\nexports.main = async () => { throw new Error('余额不足:100 💸') }",
    );
    // The public default WeChat secret counts as anonymous on /tcb.
    let engine = Engine::start(EngineConfig::new(functions.path()).allow_anonymous(true)).await.unwrap();
    let out = wx_invoke(engine.url(), "pay").await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("-504002: functions execute fail: 余额不足:100 💸"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wx_invoke_of_a_chinese_function_name_is_refused_naming_it() {
    let functions = functions_with("pay", "exports.main = async () => 1");
    let engine = Engine::start(EngineConfig::new(functions.path())).await.unwrap();
    let out = wx_invoke(engine.url(), "名=x").await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(r#"function name "名=x" is not valid"#), "{stderr}");
    assert!(stderr.contains("(invalid_argument)"), "{stderr}");
    engine.shutdown().await;
}

#[test]
fn invoke_of_a_function_failing_in_chinese_and_emoji_prints_its_message() {
    let cwd = tempfile::tempdir().unwrap();
    let dir = cwd.path().join("functions/pay");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.js"), "exports.main = async () => { throw new Error('余额不足:100 💸 token=x') }")
        .unwrap();
    let out = run(&["invoke", "pay"], cwd.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["code"], 1);
    assert_eq!(printed["error"]["message"], "余额不足:100 💸 token=x");
}
