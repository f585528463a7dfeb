//! The management API under /oserve/v1.3/cloud-function/.

mod common;

use common::*;
use minicloud_engine::EngineConfig;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_admin_token_configured_the_admin_token_opens_nothing() {
    let h = start(EngineConfig::new(fixtures())).await;
    let r = h.send(h.admin(Method::GET, "/oserve/v1.3/cloud-function/")).await;
    assert_eq!((r.status, r.error_msg().as_str()), (401, "invalid access token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_requires_the_bearer_token() {
    let h = start_default().await;
    let r = h.send(h.http.get(h.url("/oserve/v1.3/cloud-function/"))).await;
    assert_eq!(r.status, 401);
    assert!(r.error_msg().starts_with("missing access token"), "{}", r.text);
    let r = h.send(h.http.get(h.url("/oserve/v1.3/cloud-function/")).header("Authorization", "Bearer nope")).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_msg(), "invalid access token");
    assert!(!r.text.contains(ADMIN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_list_get_patch_invoke_delete() {
    let h = start_writable().await;
    let base = "/oserve/v1.3/cloud-function/";
    let r = h
        .send(h.admin(Method::POST, base).json(&json!({
            "name": "made",
            "function_code": "exports.main = async (event) => 'made ' + event.data.n",
            "remark": "first",
        })))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["name"], "made");
    assert_eq!(r.body["remark"], "first");

    let r = h.send(h.admin(Method::GET, base)).await;
    assert_eq!(r.status, 200);
    let names: Vec<&str> = r.body["objects"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"made") && names.contains(&"helloWorld"), "{names:?}");
    assert_eq!(r.body["meta"]["total_count"], names.len());

    let r =
        h.send(h.admin(Method::POST, "/oserve/v1.3/cloud-function/made/job/").json(&json!({"data": {"n": 1}}))).await;
    assert_eq!(r.text, r#"{"code":0,"data":"made 1","error":{}}"#);

    let r = h
        .send(h.admin(Method::PATCH, "/oserve/v1.3/cloud-function/made/").json(&json!({
            "function_code": "exports.main = async (event) => 'patched ' + event.data.n",
            "remark": "second",
        })))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["remark"], "second");
    let r = h.send(h.admin(Method::GET, "/oserve/v1.3/cloud-function/made/")).await;
    assert_eq!(r.status, 200);
    assert!(r.body["function_code"].as_str().unwrap().contains("patched"));
    let r =
        h.send(h.admin(Method::POST, "/oserve/v1.3/cloud-function/made/job/").json(&json!({"data": {"n": 2}}))).await;
    assert_eq!(r.body["data"], "patched 2");

    let r = h.send(h.admin(Method::DELETE, "/oserve/v1.3/cloud-function/made/")).await;
    assert_eq!(r.status, 204);
    let r = h.send(h.admin(Method::GET, "/oserve/v1.3/cloud-function/made/")).await;
    assert_eq!(r.status, 404);
    let r = h.send(h.admin(Method::DELETE, "/oserve/v1.3/cloud-function/made/")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_refuses_bad_names_and_duplicates() {
    let h = start_writable().await;
    for name in ["..", "../evil", "a/b", "", "x\u{0}"] {
        let r = h
            .send(h.admin(Method::POST, "/oserve/v1.3/cloud-function/").json(&json!({
                "name": name, "function_code": "exports.main = async () => 1",
            })))
            .await;
        assert_eq!(r.status, 400, "{name:?}");
        assert!(r.error_msg().contains("invalid function name"));
    }
    let r = h
        .send(h.admin(Method::POST, "/oserve/v1.3/cloud-function/").json(&json!({
            "name": "helloWorld", "function_code": "exports.main = async () => 1",
        })))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_msg(), "function helloWorld already exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_refuses_the_name_job_whose_paths_are_the_job_records() {
    let h = start_writable().await;
    let r = h
        .send(h.admin(Method::POST, "/oserve/v1.3/cloud-function/").json(&json!({
            "name": "job", "function_code": "exports.main = async () => 1",
        })))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.error_msg().starts_with("function name \"job\" is reserved"), "{}", r.text);
    assert!(!h.engine.config().functions_dir.join("job").exists(), "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_paths_refuse_encoded_traversal() {
    let h = start_default().await;
    for path in [
        "/oserve/v1.3/cloud-function/%2e%2e/debug/",
        "/oserve/v1.3/cloud-function/%2E%2E/",
        "/oserve/v1.3/cloud-function/..%2Fetc/job/",
        "/oserve/v1.3/cloud-function/%00/",
    ] {
        let method = if path.ends_with("/debug/") || path.ends_with("/job/") { "POST" } else { "GET" };
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        );
        let answer = raw_http(h.engine.addr(), &req).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
        assert!(answer.contains("invalid function name"), "{path}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_invoke_has_no_request_user() {
    let h = start_default().await;
    let r = h.send(h.admin(Method::POST, "/oserve/v1.3/cloud-function/echo/job/").json(&json!({"data": 1}))).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    assert_eq!(r.body["data"]["user"], Value::Null);
    assert_eq!(r.body["data"]["data"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_async_invoke_answers_ok() {
    let h = start_default().await;
    let r = h
        .send(
            h.admin(Method::POST, "/oserve/v1.3/cloud-function/asyncEcho/job/")
                .json(&json!({"data": 2, "sync": false})),
        )
        .await;
    assert_eq!(r.text, r#"{"status":"ok"}"#);
    let job = h.engine.wait_for_job(&r.request_id(), std::time::Duration::from_secs(20)).await.unwrap();
    assert_eq!(job.result.unwrap()["data"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_returns_result_with_log_timing_and_memory() {
    let h = start_default().await;
    let r = h
        .send(
            h.admin(Method::POST, "/oserve/v1.3/cloud-function/helloWorld/debug/")
                .json(&json!({"data": {"name": "dbg"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let keys: Vec<&str> = r.body.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["code", "data", "error", "job_id", "execution_time", "billing_time", "mem_usage", "log"]);
    assert_eq!(r.body["data"], "hello dbg");
    assert_eq!(r.body["job_id"], r.request_id());
    assert!(r.body["execution_time"].is_u64());
    assert!(r.body["billing_time"].as_u64().unwrap() >= 100);
    assert!(r.body["mem_usage"].as_u64().unwrap() > 0);
    assert!(r.body["log"].as_str().unwrap().contains("dbg"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_queries_list_newest_first_filter_and_get() {
    let h = start_default().await;
    for f in ["helloWorld", "echo", "helloWorld"] {
        h.send(
            h.admin(Method::POST, &format!("/oserve/v1.3/cloud-function/{f}/job/"))
                .json(&json!({"data": {"name": "j"}})),
        )
        .await;
    }
    let r = h.send(h.admin(Method::GET, "/oserve/v1.3/cloud-function/job/")).await;
    assert_eq!(r.status, 200);
    let objs = r.body["objects"].as_array().unwrap();
    assert_eq!(objs.len(), 3);
    assert_eq!(objs[0]["function_name"], "helloWorld");
    assert_eq!(objs[1]["function_name"], "echo");
    assert_eq!(objs[0]["status"], "fulfilled");
    let r = h.send(h.admin(Method::GET, "/oserve/v1.3/cloud-function/job/?function_name=echo")).await;
    assert_eq!(r.body["meta"]["total_count"], 1);
    let id = r.body["objects"][0]["id"].as_str().unwrap().to_string();
    let r = h.send(h.admin(Method::GET, &format!("/oserve/v1.3/cloud-function/job/{id}/"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["id"], id.as_str());
    for key in [
        "function_name",
        "status",
        "sync",
        "created_at",
        "started_at",
        "finished_at",
        "execution_time_ms",
        "result",
        "log",
    ] {
        assert!(r.body.get(key).is_some(), "{key}");
    }
    let r = h.send(h.admin(Method::GET, "/oserve/v1.3/cloud-function/job/nope/")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_controls_count_logins_and_revoke_sessions_over_http() {
    let h = start_default().await;
    let before = h.send(h.admin(Method::GET, "/dev/v1/stats")).await.body["login_count"].as_u64().unwrap();
    let token = h.user_token().await;
    let after = h.send(h.admin(Method::GET, "/dev/v1/stats")).await.body["login_count"].as_u64().unwrap();
    assert_eq!(after, before + 1);
    assert_eq!(h.send(h.admin(Method::POST, "/dev/v1/sessions/revoke")).await.status, 204);
    let r = h.invoke(&token, json!({"function_name": "helloWorld", "data": {"name": "x"}})).await;
    assert_eq!(r.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_expire_makes_tokens_expired() {
    let h = start_default().await;
    let token = h.user_token().await;
    assert_eq!(h.send(h.admin(Method::POST, "/dev/v1/sessions/expire")).await.status, 204);
    let r = h.invoke(&token, json!({"function_name": "helloWorld", "data": {"name": "x"}})).await;
    assert_eq!((r.status, r.error_msg()), (401, "token expired".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_controls_need_the_admin_token() {
    let h = start_default().await;
    let r = h.send(h.http.post(h.url("/dev/v1/sessions/expire"))).await;
    assert_eq!(r.status, 401);
}
