//! Invoking functions through the 知晓云 client endpoint.

mod common;

use common::*;
use minicloud_engine::{EngineConfig, JobStatus};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_world_success_body_bytes() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "sync": true, "data": {"name": "allen"}})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, r#"{"code":0,"data":"hello allen","error":{}}"#);
    let job = h.engine.job(&r.request_id()).expect("job recorded under x-request-id");
    assert_eq!(job.status, JobStatus::Fulfilled);
    assert!(job.sync);
    assert!(job.log.contains("allen"), "console.log(event) captured: {}", job.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_carries_data_caller_and_job_metadata() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "echo", "data": {"a": [1, 2]}})).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    let d = &r.body["data"];
    assert_eq!(d["data"], json!({"a": [1, 2]}));
    assert_eq!(d["eventType"], "invoke_cloud_function");
    assert_eq!(d["jobId"], r.request_id());
    assert_eq!(d["timeLimitInMS"], 5000);
    assert!(d["user"]["id"].is_i64());
    assert_eq!(d["user"]["is_anonymous"], false);
    for key in ["openid", "unionid", "nickname"] {
        assert!(d["user"].get(key).is_some(), "user.{key} present");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_data_stays_absent_and_null_stays_null() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "echo", "sync": true})).await;
    assert_eq!(r.body["data"]["data"], "absent");
    let r = h.invoke(&t, json!({"function_name": "echo", "sync": true, "data": null})).await;
    assert_eq!(r.body["data"]["data"], serde_json::Value::Null);
}

async fn expect_failure(function: &str, kind: &str, message_part: &str) {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": function})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["code"], 1, "{}", r.text);
    assert_eq!(r.body["data"], serde_json::Value::Null);
    let keys: Vec<&str> = r.body.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["code", "data", "error"]);
    assert_eq!(r.body["error"]["type"], kind, "{}", r.text);
    let msg = r.body["error"]["message"].as_str().unwrap();
    assert!(msg.contains(message_part), "{msg:?} should contain {message_part:?}");
    assert!(r.body["error"]["stack"].is_string());
    let job = h.engine.job(&r.request_id()).unwrap();
    assert_eq!(job.status, JobStatus::ExecutionFailed);
    // The engine keeps serving.
    let ok = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "x"}})).await;
    assert_eq!(ok.body["data"], "hello x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_error_is_code_1() {
    expect_failure("callbackError", "RangeError", "bad input").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_with_non_error_value_is_code_1_type_error() {
    expect_failure("callbackString", "Error", "plain failure").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thrown_error_is_code_1() {
    expect_failure("throws", "Error", "boom").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_promise_is_code_1() {
    expect_failure("rejects", "TypeError", "async boom").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syntax_error_is_code_1_syntax_error() {
    expect_failure("syntaxError", "SyntaxError", "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_main_is_code_1_type_error() {
    expect_failure("noMain", "TypeError", "exports.main is not a function").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn process_exit_is_reported_and_worker_replaced() {
    let h = start_default().await;
    let t = h.user_token().await;
    for _ in 0..2 {
        let r = h.invoke(&t, json!({"function_name": "exits"})).await;
        assert_eq!(r.body["code"], 1, "{}", r.text);
        assert_eq!(r.body["error"]["type"], "ProcessExit");
        let msg = r.body["error"]["message"].as_str().unwrap();
        assert!(msg.contains("exit code 3"), "{msg}");
        let job = h.engine.job(&r.request_id()).unwrap();
        assert!(job.log.contains("about to exit"), "{:?}", job.log);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_printed_just_before_process_exit_reaches_the_job_log() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "exitsLoud"})).await;
    assert_eq!(r.body["error"]["type"], "ProcessExit", "{}", r.text);
    let job = h.engine.job(&r.request_id()).unwrap();
    assert!(
        job.log.contains("last line before exit 🚪"),
        "log ends with {:?}",
        job.log.chars().rev().take(80).collect::<String>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_limit_kills_worker_and_next_call_succeeds() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "slow", "data": {"hang": true}})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["code"], 1, "{}", r.text);
    assert_eq!(r.body["error"]["type"], "DeadlineExceeded");
    assert_eq!(r.body["error"]["message"], "function slow exceeded its 300 ms time limit");
    let job = h.engine.job(&r.request_id()).unwrap();
    assert_eq!(job.status, JobStatus::DeadlineExceeded);
    let r = h.invoke(&t, json!({"function_name": "slow", "data": {"hang": false}})).await;
    assert_eq!(r.text, r#"{"code":0,"data":"quick","error":{}}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_sync_time_limit_is_reported_in_event() {
    let h = start(EngineConfig::new(fixtures()).sync_time_limit(Duration::from_millis(200))).await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "echo"})).await;
    assert_eq!(r.body["data"]["timeLimitInMS"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_invocation_answers_ok_and_job_is_fulfilled() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "asyncEcho", "sync": false, "data": {"v": 7}})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, r#"{"status":"ok"}"#);
    let job = h.engine.wait_for_job(&r.request_id(), Duration::from_secs(20)).await.expect("async job finishes");
    assert_eq!(job.status, JobStatus::Fulfilled);
    assert!(!job.sync);
    assert_eq!(job.result.unwrap(), json!({"code": 0, "data": {"v": 7}, "error": {}}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_function_returning_undefined_gives_null_data() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "asyncEcho"})).await;
    assert_eq!(r.text, r#"{"code":0,"data":null,"error":{}}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_function_is_404() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "doesNotExist"})).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, json!({"status": "error", "error_msg": "function doesNotExist not found"}));
    assert!(r.headers.contains_key("x-request-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_traversal_names_are_refused() {
    let h = start_default().await;
    let t = h.user_token().await;
    for name in [
        "..",
        ".",
        "../helloWorld",
        "%2e%2e",
        "/etc/passwd",
        "helloWorld/../echo",
        "hello\u{0}World",
        "",
        "a b",
        "ｈｅｌｌｏ",
        &"a".repeat(65),
    ] {
        let r = h.invoke(&t, json!({"function_name": name})).await;
        assert_eq!(r.status, 400, "{name:?}: {}", r.text);
        assert!(r.error_msg().contains("invalid function name"), "{}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_token_is_401() {
    let h = start_default().await;
    let r = h.post_client("/hserve/v1/cloud-function/job/", None, json!({"function_name": "helloWorld"})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, json!({"status": "error", "error_msg": "missing token"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_token_is_401() {
    let h = start_default().await;
    let r = h.invoke("0123456789abcdef0123456789abcdef01234567", json!({"function_name": "helloWorld"})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, json!({"status": "error", "error_msg": "invalid token"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_token_is_401() {
    let h = start_default().await;
    let t = h.user_token().await;
    h.engine.revoke_sessions();
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_msg(), "invalid token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_401() {
    let h = start_default().await;
    let t = h.user_token().await;
    h.engine.expire_sessions();
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_msg(), "token expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_user_is_refused_by_default() {
    let h = start_default().await;
    let t = h.anonymous_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.error_msg(), "anonymous user is not allowed to invoke cloud functions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_user_is_allowed_when_enabled() {
    let h = start_default().await;
    let t = h.anonymous_token().await;
    h.engine.set_allow_anonymous(true);
    let r = h.invoke(&t, json!({"function_name": "echo"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["user"]["is_anonymous"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_calls_all_succeed() {
    let h = std::sync::Arc::new(start_default().await);
    let t = h.user_token().await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let h = h.clone();
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": format!("n{i}")}})).await;
            (i, r.status, r.body)
        }));
    }
    for task in tasks {
        let (i, status, body) = task.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(body, json!({"code": 0, "data": format!("hello n{i}"), "error": {}}));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_body_is_413() {
    let h = start(EngineConfig::new(fixtures()).max_body_bytes(1024)).await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "echo", "data": "x".repeat(2000)})).await;
    assert_eq!(r.status, 413);
    assert!(r.error_msg().contains("1024 byte limit"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_over_default_6_mib_limit_is_413() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "echo", "data": "x".repeat(6 * 1024 * 1024)})).await;
    assert_eq!(r.status, 413);
    assert!(r.error_msg().contains("6291456 byte limit"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_400() {
    let h = start_default().await;
    let t = h.user_token().await;
    let bad =
        h.send(h.client(reqwest::Method::POST, "/hserve/v1/cloud-function/job/", Some(&t)).body("{not json")).await;
    assert_eq!(bad.status, 400);
    assert!(bad.error_msg().contains("malformed JSON"), "{}", bad.text);
    let r = h.invoke(&t, json!({"sync": true})).await;
    assert_eq!(r.status, 400);
    assert!(r.error_msg().contains("function_name"));
    let r = h.invoke(&t, json!({"function_name": 5})).await;
    assert_eq!(r.status, 400);
    let r = h.invoke(&t, json!({"function_name": "echo", "sync": "yes"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_msg(), "sync must be a boolean");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_client_id_is_400() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h
        .send(
            h.http
                .post(h.url("/hserve/v1/cloud-function/job/"))
                .header("X-Hydrogen-Client-ID", "someone-else")
                .header("Authorization", format!("Hydrogen-r1 {t}"))
                .body(r#"{"function_name":"helloWorld"}"#),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.error_msg().contains("unknown client id"), "{}", r.text);
    let r = h
        .send(
            h.http
                .post(h.url("/hserve/v1/cloud-function/job/"))
                .header("Authorization", format!("Hydrogen-r1 {t}"))
                .body(r#"{"function_name":"helloWorld"}"#),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_msg(), "missing X-Hydrogen-Client-ID header");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_index_js_takes_effect_without_restart() {
    let h = start_writable().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.body["data"], "hello a");
    let file = h._tmp.as_ref().unwrap().path().join("helloWorld/index.js");
    std::fs::write(
        &file,
        "exports.main = function (event, callback) { callback(null, `bonjour ${event.data.name}!`) }\n",
    )
    .unwrap();
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.body["data"], "bonjour a!", "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_in_a_new_subdirectory_takes_effect_on_the_next_call() {
    let h = start_writable().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.body["data"], "hello a");
    let dir = h._tmp.as_ref().unwrap().path().join("helloWorld");
    // A directory that did not exist when the function was first loaded, then a file inside it edited.
    std::fs::create_dir_all(dir.join("lib/问候")).unwrap();
    std::fs::write(dir.join("lib/问候/words.js"), "module.exports = '你好'\n").unwrap();
    std::fs::write(
        dir.join("index.js"),
        "exports.main = (event, callback) => callback(null, `${require('./lib/问候/words.js')} ${event.data.name}`)\n",
    )
    .unwrap();
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.body["data"], "你好 a", "{}", r.text);
    std::fs::write(dir.join("lib/问候/words.js"), "module.exports = '👋 hello'\n").unwrap();
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.body["data"], "👋 hello a", "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_removed_after_its_first_call_is_not_found() {
    let h = start_writable().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.body["data"], "hello a");
    std::fs::remove_dir_all(h._tmp.as_ref().unwrap().path().join("helloWorld")).unwrap();
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.error_msg(), "function helloWorld not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_uses_its_own_node_modules() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "usesOwnModule", "data": {"name": "bob"}})).await;
    assert_eq!(r.body["data"], "greetings, bob (from tiny-greeter)", "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_style_function_gets_flattened_event_and_context() {
    let h = start_default().await;
    let r =
        h.post_client("/hserve/v2.5/idp/wechat/silent-login/", None, json!({"code": "c1", "create_user": true})).await;
    let t = r.body["token"].as_str().unwrap().to_string();
    let openid = r.body["user_info"]["openid"].clone();
    let r = h.invoke(&t, json!({"function_name": "wechatStyle", "data": {"x": 1}})).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    let ev = &r.body["data"]["event"];
    assert_eq!(ev["x"], 1);
    assert_eq!(ev["userInfo"]["appId"], h.engine.config().wechat_app_id);
    assert_eq!(ev["userInfo"]["openId"], openid);
    let ctx = &r.body["data"]["context"];
    assert_eq!(ctx["function_name"], "wechatStyle");
    assert_eq!(ctx["request_id"], r.request_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_output_is_captured_in_job_log() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "logs"})).await;
    assert_eq!(r.body["data"], "logged");
    let job = h.engine.job(&r.request_id()).unwrap();
    assert!(job.log.contains("line one"), "{:?}", job.log);
    assert!(job.log.contains("line two"), "{:?}", job.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_that_ends_its_process_while_running_is_run_once() {
    let h = start_default().await;
    let t = h.user_token().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("runs.txt");
    let r = h.invoke(&t, json!({"function_name": "appendThenExit", "data": {"file": file}})).await;
    assert_eq!(r.body["error"]["type"], "ProcessExit", "{}", r.text);
    let runs = std::fs::read_to_string(&file).unwrap();
    assert_eq!(runs.lines().count(), 1, "the job ran {} times: {runs:?}", runs.lines().count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_sent_while_running_and_at_the_end_is_in_the_job_log_once_and_in_order() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "logsAcrossFlush"})).await;
    assert_eq!(r.body["data"], "printed twice", "{}", r.text);
    let log = h.engine.job(&r.request_id()).unwrap().log;
    assert_eq!(log.matches("first part 你好").count(), 1, "{log:?}");
    assert_eq!(log.matches("second part 🌏 mixed ایران").count(), 1, "{log:?}");
    assert!(log.find("first part").unwrap() < log.find("second part").unwrap(), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_a_request_id() {
    let h = start_default().await;
    let r = h.send(h.http.get(h.url("/no/such/route/"))).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["status"], "error");
    assert!(!r.request_id().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_serving() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.status, 200);
    let url = h.url("/hserve/v1/cloud-function/job/");
    h.engine.shutdown().await;
    let after = reqwest::Client::new().post(url).send().await;
    assert!(after.is_err(), "no longer listening");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_worker_is_reused_between_jobs() {
    let h = start(EngineConfig::new(fixtures()).pool_size(1)).await;
    let t = h.user_token().await;
    for expected in 1..=3 {
        let r = h.invoke(&t, json!({"function_name": "counter"})).await;
        assert_eq!(r.body["data"], expected, "{}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_completion_wins() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "twice"})).await;
    assert_eq!(r.text, r#"{"code":0,"data":"first","error":{}}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncaught_async_error_fails_the_job_and_worker_is_replaced() {
    let h = start(EngineConfig::new(fixtures()).pool_size(1)).await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "asyncThrow"})).await;
    assert_eq!(r.body["code"], 1, "{}", r.text);
    assert_eq!(r.body["error"]["message"], "thrown later");
    let r = h.invoke(&t, json!({"function_name": "asyncThrow", "data": {"ok": true}})).await;
    assert_eq!(r.body["data"], "fine", "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_that_cannot_start_is_schedule_failed_400() {
    let node = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bin/broken-node");
    let h = start(EngineConfig::new(fixtures()).node(node)).await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error_msg().starts_with("schedule failed: "), "{}", r.text);
    let job = h.engine.job(&r.request_id()).unwrap();
    assert_eq!(job.status, JobStatus::ScheduleFailed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_refuses_a_missing_functions_dir() {
    let err = minicloud_engine::Engine::start(EngineConfig::new("/definitely/not/here")).await.unwrap_err();
    assert!(matches!(err, minicloud_engine::EngineError::FunctionsDir(_)));
    assert!(err.to_string().contains("/definitely/not/here"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wx_server_sdk_stand_in_gives_wx_context() {
    let h = start_default().await;
    let r = h.post_client("/hserve/v2.5/idp/wechat/silent-login/", None, json!({"code": "ctx"})).await;
    let t = r.body["token"].as_str().unwrap().to_string();
    let r2 = h.invoke(&t, json!({"function_name": "wxContext"})).await;
    assert_eq!(r2.body["code"], 0, "{}", r2.text);
    let d = &r2.body["data"];
    assert_eq!(d["OPENID"], r.body["user_info"]["openid"]);
    assert_eq!(d["UNIONID"], r.body["user_info"]["unionid"]);
    assert_eq!(d["APPID"], h.engine.config().wechat_app_id);
    assert_eq!(d["SOURCE"], "wx_client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_exiting_while_idle_is_not_reused() {
    let h = start(EngineConfig::new(fixtures()).pool_size(1)).await;
    let t = h.user_token().await;
    for _ in 0..3 {
        let r = h.invoke(&t, json!({"function_name": "exitsAfterAnswer"})).await;
        assert_eq!(r.body["data"], "answered", "{}", r.text);
        // Whether or not the idle worker has exited yet, the job must not be lost.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflight_is_answered_for_browser_clients() {
    let h = start_default().await;
    let r = h
        .send(
            h.http
                .request(reqwest::Method::OPTIONS, h.url("/hserve/v1/cloud-function/job/"))
                .header("Origin", "http://localhost:3000")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type,x-hydrogen-client-id"),
        )
        .await;
    assert!(r.status < 300, "{}", r.status);
    assert_eq!(r.headers["access-control-allow-origin"], "http://localhost:3000", "the origin is allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_job_past_its_limit_is_recorded_deadline_exceeded() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "slow", "sync": false, "data": {"hang": true}})).await;
    assert_eq!(r.text, r#"{"status":"ok"}"#);
    let job = h.engine.wait_for_job(&r.request_id(), Duration::from_secs(20)).await.expect("job finishes");
    assert_eq!(job.status, JobStatus::DeadlineExceeded);
    assert_eq!(job.result.unwrap()["error"]["type"], "DeadlineExceeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_call_waiting_past_its_limit_for_a_busy_pool_is_schedule_failed_400() {
    let cfg = EngineConfig::new(fixtures())
        .pool_size(1)
        .sync_time_limit(Duration::from_millis(400))
        .async_time_limit(Duration::from_secs(20));
    let h = start(cfg).await;
    let t = h.user_token().await;
    let long = h.invoke(&t, json!({"function_name": "sleepy", "sync": false, "data": {"ms": 3000}})).await;
    assert_eq!(long.text, r#"{"status":"ok"}"#);
    let long_id = long.request_id();
    while h.engine.job(&long_id).map(|j| j.status) != Some(JobStatus::Executing) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let r = h.invoke(&t, json!({"function_name": "sleepy"})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.error_msg(), "schedule failed: no free worker for sleepy within 400 ms: all its workers are busy");
    assert_eq!(h.engine.job(&r.request_id()).unwrap().status, JobStatus::ScheduleFailed);
    // The job holding the worker is not disturbed.
    let job = h.engine.wait_for_job(&long_id, Duration::from_secs(20)).await.expect("job finishes");
    assert_eq!(job.status, JobStatus::Fulfilled);
}

/// Whether process `pid` still runs (a zombie, killed but not yet reaped by its new parent, does not).
fn process_runs(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: `pid (comm) S ...`.
        Ok(stat) => stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_worker_also_kills_the_processes_its_function_started() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "spawnsChild"})).await;
    assert_eq!(r.body["error"]["type"], "DeadlineExceeded", "{}", r.text);
    let log = h.engine.job(&r.request_id()).unwrap().log;
    let pid: u32 = log
        .split("child pid ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the job logs its child's pid: {log:?}"));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while process_runs(pid) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!process_runs(pid), "child {pid} outlived its killed worker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_past_its_limit_keeps_what_it_printed_in_its_record() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "slow", "data": {"hang": true}})).await;
    assert_eq!(r.body["error"]["type"], "DeadlineExceeded", "{}", r.text);
    let job = h.engine.job(&r.request_id()).unwrap();
    assert!(job.log.ends_with(" LOG hanging on purpose\n"), "{:?}", job.log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_inspect_each_worker_listens_for_a_debugger_on_loopback() {
    let h = start(minicloud_engine::EngineConfig::new(fixtures()).inspect(true)).await;
    let t = h.user_token().await;
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "调试"}})).await;
    assert_eq!(r.body["data"], "hello 调试", "{}", r.text);
    let inspectors = h.engine.inspectors();
    let (function, url) = inspectors.first().expect("the worker's inspector URL is known").clone();
    assert_eq!(function, "helloWorld");
    let port: u16 = url.strip_prefix("ws://127.0.0.1:").and_then(|r| r.split('/').next()).unwrap().parse().unwrap();
    let json = reqwest::get(format!("http://127.0.0.1:{port}/json/list")).await.unwrap().text().await.unwrap();
    assert!(json.contains("webSocketDebuggerUrl"), "{json}");
    h.engine.shutdown().await;
}
