//! The open API the engine speaks (PROTOCOL.md §5): the two-step credentials with their redirects and
//! cookies, `Bearer` tokens that expire, the cloud-function routes' shapes, and the 知晓云 runtime inside
//! functions (`BaaS`, the event, log lines). Spoken here over plain HTTP, step by step; the core's client
//! drives the same engine in `tests/e2e`.

mod common;

use common::*;
use minicloud_engine::{EngineConfig, DEFAULT_CLIENT_SECRET};
use reqwest::Method;
use serde_json::{json, Value};

const AUTHORIZE: &str = "/api/oauth2/hydrogen/openapi/authorize/";

/// A client that never follows redirects, so each step is seen.
fn manual() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn location(r: &Resp) -> String {
    r.headers["location"].to_str().unwrap().to_owned()
}

fn set_cookie(r: &Resp) -> String {
    r.headers["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// Runs the authorize step to its code, following both redirects with their cookies.
async fn code(h: &Harness, secret: &str) -> String {
    let http = manual();
    let body = json!({"client_id": h.engine.client_id(), "client_secret": secret});
    let first = h.send(http.post(h.url(AUTHORIZE)).json(&body)).await;
    assert_eq!(first.status, 302, "{}", first.text);
    let cookie = set_cookie(&first);
    let second = h.send(http.get(h.url(&location(&first))).header("cookie", &cookie)).await;
    assert_eq!(second.status, 302, "{}", second.text);
    let cookies = format!("{cookie}; {}", set_cookie(&second));
    let last = h.send(http.get(h.url(&location(&second))).header("cookie", cookies)).await;
    assert_eq!(last.status, 200, "{}", last.text);
    last.body["code"].as_str().unwrap().to_owned()
}

async fn exchange(h: &Harness, code: &str, secret: &str) -> Resp {
    let form = reqwest::multipart::Form::new()
        .text("client_id", h.engine.client_id().to_owned())
        .text("client_secret", secret.to_owned())
        .text("code", code.to_owned())
        .text("grant_type", "authorization_code");
    h.send(manual().post(h.url("/api/oauth2/access_token/")).multipart(form)).await
}

async fn token(h: &Harness) -> String {
    let c = code(h, DEFAULT_CLIENT_SECRET).await;
    let r = exchange(h, &c, DEFAULT_CLIENT_SECRET).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["access_token"].as_str().unwrap().to_owned()
}

fn bearer(h: &Harness, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    h.http.request(method, h.url(path)).header("Authorization", format!("Bearer {token}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_comes_after_two_302_redirects_and_the_token_from_a_multipart_form() {
    let h = start(EngineConfig::new(fixtures())).await;
    let c = code(&h, DEFAULT_CLIENT_SECRET).await;
    let r = exchange(&h, &c, DEFAULT_CLIENT_SECRET).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut keys: Vec<&str> = r.body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["access_token", "expires_in", "refresh_token", "scope", "token_type"]);
    assert_eq!((r.body["token_type"].as_str(), r.body["expires_in"].as_u64()), (Some("Bearer"), Some(7200)));
    assert_eq!(h.engine.open_api_token_fetches(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_followed_without_its_cookie_is_refused() {
    let h = start(EngineConfig::new(fixtures())).await;
    let body = json!({"client_id": h.engine.client_id(), "client_secret": DEFAULT_CLIENT_SECRET});
    let first = h.send(manual().post(h.url(AUTHORIZE)).json(&body)).await;
    let r = h.send(manual().get(h.url(&location(&first)))).await;
    assert_eq!(r.status, 403);
    assert!(r.error_msg().contains("keeping cookies"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_client_secret_is_401_at_the_authorize_step() {
    let h = start(EngineConfig::new(fixtures())).await;
    let body = json!({"client_id": h.engine.client_id(), "client_secret": "错误的 secret"});
    let r = h.send(manual().post(h.url(AUTHORIZE)).json(&body)).await;
    assert_eq!((r.status, r.error_msg().as_str()), (401, "invalid client_id or client_secret"));
    assert!(!r.text.contains("错误的"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_is_good_for_one_token_only() {
    let h = start(EngineConfig::new(fixtures())).await;
    let c = code(&h, DEFAULT_CLIENT_SECRET).await;
    assert_eq!(exchange(&h, &c, DEFAULT_CLIENT_SECRET).await.status, 200);
    let again = exchange(&h, &c, DEFAULT_CLIENT_SECRET).await;
    assert_eq!(again.status, 400);
    assert!(again.error_msg().contains("used"), "{}", again.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engines_own_client_secret_replaces_the_default() {
    let h = start(EngineConfig::new(fixtures()).client_secret("我的-secret-🔑")).await;
    let body = json!({"client_id": h.engine.client_id(), "client_secret": DEFAULT_CLIENT_SECRET});
    assert_eq!(h.send(manual().post(h.url(AUTHORIZE)).json(&body)).await.status, 401);
    let c = code(&h, "我的-secret-🔑").await;
    assert_eq!(exchange(&h, &c, "我的-secret-🔑").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_token_opens_the_cloud_function_api_until_it_expires() {
    let h = start(EngineConfig::new(fixtures())).await;
    let t = token(&h).await;
    let r = h
        .send(
            bearer(&h, Method::POST, "/oserve/v1.3/cloud-function/helloWorld/job/", &t)
                .json(&json!({"data": {"name": "allen"}})),
        )
        .await;
    assert_eq!(r.text, r#"{"code":0,"data":"hello allen","error":{}}"#);
    h.engine.expire_open_api_tokens();
    let r = h.send(bearer(&h, Method::GET, "/oserve/v1.3/cloud-function/", &t)).await;
    assert_eq!((r.status, r.error_msg().as_str()), (401, "access token expired"));
    let r = h.send(h.http.get(h.url("/oserve/v1.3/cloud-function/"))).await;
    assert_eq!(r.status, 401);
    assert!(r.error_msg().starts_with("missing access token"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_outlives_an_engine_restart() {
    let data = tempfile::tempdir().unwrap();
    let t = {
        let h = start(EngineConfig::new(fixtures()).data_dir(data.path())).await;
        let t = token(&h).await;
        h.engine.shutdown().await;
        t
    };
    let h = start(EngineConfig::new(fixtures()).data_dir(data.path())).await;
    let r = h.send(bearer(&h, Method::GET, "/oserve/v1.3/cloud-function/helloWorld/", &t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_answers_201_with_the_real_fields_and_keeps_config_json() {
    let tmp = fixture_copy();
    let h = start(EngineConfig::new(tmp.path())).await;
    let t = token(&h).await;
    let body = json!({
        "name": "fresh",
        "function_code": "exports.main = async () => require('./config.json').greeting",
        "remark": "第一版 ✨",
        "files": {"config.json": "{\"greeting\": \"你好 👋\"}"},
    });
    let r = h.send(bearer(&h, Method::POST, "/oserve/v1.3/cloud-function/", &t).json(&body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    for key in [
        "audit_status",
        "created_at",
        "created_by",
        "function_code",
        "id",
        "name",
        "plan_circle",
        "remark",
        "updated_at",
        "updated_by",
    ] {
        assert!(r.body.get(key).is_some(), "{key} missing: {}", r.text);
    }
    assert_eq!(r.body["remark"], "第一版 ✨");
    assert_eq!(r.body["files"]["config.json"], "{\"greeting\": \"你好 👋\"}");
    let r = h.send(bearer(&h, Method::POST, "/oserve/v1.3/cloud-function/fresh/job/", &t).json(&json!({}))).await;
    assert_eq!(r.body["data"], "你好 👋", "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_outside_the_function_directory_are_refused() {
    let tmp = fixture_copy();
    let h = start(EngineConfig::new(tmp.path())).await;
    let t = token(&h).await;
    let body = json!({"name": "sneaky", "function_code": "exports.main = () => 1", "files": {"../escape.js": "x"}});
    let r = h.send(bearer(&h, Method::POST, "/oserve/v1.3/cloud-function/", &t).json(&body)).await;
    assert_eq!(r.status, 400);
    assert!(!tmp.path().join("escape.js").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_separators_dots_nul_or_over_64_bytes_are_400() {
    let h = start(EngineConfig::new(fixtures())).await;
    let t = token(&h).await;
    let long = "a".repeat(65);
    for path in ["a%2Fb", "a..b", "a%00b", long.as_str(), "%E5%87%BD%E6%95%B0"] {
        let r = h
            .send(bearer(&h, Method::POST, &format!("/oserve/v1.3/cloud-function/{path}/job/"), &t).json(&json!({})))
            .await;
        assert_eq!(r.status, 400, "{path}: {}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_answers_the_run_facts_and_log_lines_with_iso_time_and_level() {
    let h = start(EngineConfig::new(fixtures())).await;
    let t = token(&h).await;
    let r = h
        .send(
            bearer(&h, Method::POST, "/oserve/v1.3/cloud-function/eventDump/debug/", &t)
                .json(&json!({"data": {"名字": "小明"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["code"], 0);
    assert!(r.body["job_id"].is_string() && r.body["execution_time"].is_number() && r.body["mem_usage"].is_number());
    let log = r.body["log"].as_str().unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    let (time, rest) = lines[0].split_once(' ').unwrap();
    assert!(chrono_like(time), "{time}");
    assert_eq!(rest, "LOG event.data:  { '名字': '小明' }");
    assert!(lines[1].ends_with(" WARN 小心 ⚠️"), "{}", lines[1]);
}

/// `2018-09-21T03:46:26.026Z`.
fn chrono_like(text: &str) -> bool {
    text.len() == 24 && text.ends_with('Z') && text.as_bytes()[10] == b'T' && text.as_bytes()[19] == b'.'
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_list_has_meta_and_objects_and_filters_by_status_source_and_time() {
    let h = start(EngineConfig::new(fixtures())).await;
    let t = token(&h).await;
    for data in [json!({"x": 1}), json!({"x": 2})] {
        h.send(bearer(&h, Method::POST, "/oserve/v1.3/cloud-function/echo/job/", &t).json(&json!({"data": data})))
            .await;
    }
    h.send(bearer(&h, Method::POST, "/oserve/v1.3/cloud-function/throws/job/", &t).json(&json!({}))).await;
    let r = h.send(bearer(&h, Method::GET, "/oserve/v1.3/cloud-function/echo/job/", &t)).await;
    assert_eq!(r.body["meta"]["total_count"], 2, "{}", r.text);
    let job = &r.body["objects"][0];
    let mut keys: Vec<&str> = job.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created_at",
            "finished_at",
            "id",
            "mem_usage",
            "service_type",
            "source",
            "started_at",
            "status",
            "user_log_url"
        ]
    );
    assert_eq!((job["service_type"].as_str(), job["status"].as_str()), (Some("time_sensitive"), Some("fulfilled")));
    let now = job["created_at"].as_u64().unwrap();
    let q =
        |query: String| h.send(bearer(&h, Method::GET, &format!("/oserve/v1.3/cloud-function/echo/job/?{query}"), &t));
    assert_eq!(q("status=execution_failed".into()).await.body["meta"]["total_count"], 0);
    assert_eq!(q(format!("created_at__gte={}", now + 100)).await.body["meta"]["total_count"], 0);
    assert_eq!(q(format!("created_at__lte={}&source=wx_http", now + 1)).await.body["meta"]["total_count"], 2);
    let r =
        h.send(bearer(&h, Method::GET, "/oserve/v1.3/cloud-function/throws/job/?status=execution_failed", &t)).await;
    assert_eq!(r.body["meta"]["total_count"], 1, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_calls_another_through_the_global_baas() {
    let h = start_default().await;
    let user = h.user_token().await;
    let r = h.invoke(&user, json!({"function_name": "baasChain", "data": {"n": 7}})).await;
    assert_eq!(r.body["code"], 0, "{}", r.text);
    let res = &r.body["data"]["res"];
    assert_eq!(res["code"], 0);
    assert_eq!(res["data"]["data"], json!({"from": "链式调用 🔗", "n": 7}));
    assert_eq!(res["data"]["user"], Value::Null, "a BaaS.invoke is a server-side call");
    assert_eq!(r.body["data"]["wholeStatus"], 200, "invokeFunction resolves the whole response");
    assert_eq!(r.body["data"]["wholeData"]["data"], json!({"old": true}));
    let callee = h.engine.jobs().into_iter().find(|j| j.function_name == "echo").unwrap();
    assert!(callee.source.ends_with(",scf"), "{}", callee.source);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baas_invoke_of_an_unknown_function_rejects_with_404_and_of_a_bad_name_with_400() {
    let h = start_default().await;
    let user = h.user_token().await;
    let r = h.invoke(&user, json!({"function_name": "baasMissing"})).await;
    assert_eq!(r.body["data"]["unknown"], json!({"code": 404, "message": "404: not found"}), "{}", r.text);
    let bad = &r.body["data"]["badName"];
    assert_eq!(bad["code"], 400);
    assert!(bad["message"].as_str().unwrap().starts_with("400: invalid function name \"没有这个函数\""), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baas_invoke_chains_are_limited_like_call_function() {
    let h = start(EngineConfig::new(fixtures()).admin_token(ADMIN).pool_size(10)).await;
    let user = h.user_token().await;
    let r = h.invoke(&user, json!({"function_name": "baasLoop"})).await;
    let stopped = &r.body["data"];
    assert_eq!(
        (stopped["stoppedAt"].as_u64(), stopped["code"].as_u64()),
        (Some(minicloud_engine::MAX_CALL_DEPTH as u64), Some(400)),
        "{}",
        r.text
    );
    assert!(stopped["message"].as_str().unwrap().contains("chain deeper than"), "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_call_gives_the_event_its_request_meta_user_env_and_app() {
    let h = start_default().await;
    let user = h.user_token().await;
    let r = h
        .send(
            h.client(Method::POST, "/hserve/v1/cloud-function/job/", Some(&user))
                .header("User-Agent", "小程序/1.0 🌏")
                .header("X-Hydrogen-Env-ID", "test-env")
                .body(json!({"function_name": "eventDump", "data": {"k": "值"}}).to_string()),
        )
        .await;
    let event = &r.body["data"];
    assert_eq!(
        event["request"]["meta"],
        json!({"ip_address": "127.0.0.1", "user_agent": "小程序/1.0 🌏"}),
        "{}",
        r.text
    );
    let user_fields = event["request"]["user"].as_object().unwrap();
    for key in ["id", "openid", "unionid", "nickname", "avatar_url"] {
        assert!(user_fields.contains_key(key), "{key}: {}", r.text);
    }
    assert_eq!(event["env"], json!({"id": "test-env", "name": "test-env"}));
    assert_eq!(event["miniappId"], h.engine.client_id());
    assert_eq!(event["eventType"], "invoke_cloud_function");
    assert_eq!((event["memoryLimitInMB"].as_u64(), event["timeLimitInMS"].as_u64()), (Some(256), Some(5000)));
    assert_eq!(event["jobId"], r.request_id());
}
