//! The 知晓云 open-API client (core `MinappServer`) against the engine over loopback (issue 14): the real
//! token flow (two 302s with a cookie, the multipart exchange) through the default transport, which must not
//! follow redirects itself; invoke, debug, management and job records; one token for many calls; expiry.

use minicloud_core::minapp_server::{JobQuery, MinappServer, ServerConfig};
use minicloud_core::ErrorKind;
use minicloud_e2e::engine_with;
use minicloud_engine::{RunningEngine, DEFAULT_CLIENT_SECRET};
use serde_json::json;

fn server(engine: &RunningEngine, secret: &str) -> MinappServer {
    let config = ServerConfig::new(engine.client_id(), secret).with_host(engine.url());
    MinappServer::builder(config).build().unwrap()
}

#[tokio::test]
async fn invoke_runs_the_function_as_a_server() {
    let engine = engine_with(|c| c).await;
    let result =
        server(&engine, DEFAULT_CLIENT_SECRET).invoke("echo", Some(r#"{"名字":"小明 🌏"}"#), true).await.unwrap();
    assert_eq!(result["data"]["data"], json!({"名字": "小明 🌏"}));
    assert_eq!(result["data"]["user"], serde_json::Value::Null, "no user on a server-side call");
}

#[tokio::test]
async fn debug_returns_the_result_with_the_runs_facts_and_log() {
    let engine = engine_with(|c| c).await;
    let answer = server(&engine, DEFAULT_CLIENT_SECRET).debug("eventDump", Some(r#"{"k":"值"}"#)).await.unwrap();
    assert_eq!(answer["code"], 0);
    assert_eq!(answer["data"]["data"], json!({"k": "值"}));
    assert!(answer["job_id"].is_string() && answer["billing_time"].as_u64().unwrap() >= 100);
    assert!(answer["log"].as_str().unwrap().contains(" WARN 小心 ⚠️"), "{answer}");
}

#[tokio::test]
async fn an_unknown_function_is_404_and_a_name_the_engine_refuses_400() {
    let engine = engine_with(|c| c).await;
    let server = server(&engine, DEFAULT_CLIENT_SECRET);
    let missing = server.invoke("noSuchFunction", None, true).await.unwrap_err();
    assert_eq!((missing.message(), missing.kind()), ("404: not found", ErrorKind::NotFound));
    let refused = server.invoke("函数", None, true).await.unwrap_err();
    assert_eq!(refused.code(), 400);
    assert!(refused.message().contains("函数"), "{}", refused.message());
}

#[tokio::test]
async fn a_hundred_concurrent_calls_fetch_one_token() {
    let engine = engine_with(|c| c).await;
    let server = server(&engine, DEFAULT_CLIENT_SECRET);
    let calls = (0..100).map(|i| {
        let server = server.clone();
        async move { server.invoke("echo", Some(&format!("{{\"i\":{i}}}")), true).await }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(engine.open_api_token_fetches(), 1);
}

#[tokio::test]
async fn an_expired_token_is_replaced_and_the_call_sent_again() {
    let engine = engine_with(|c| c).await;
    let server = server(&engine, DEFAULT_CLIENT_SECRET);
    server.list_functions(None, None).await.unwrap();
    engine.expire_open_api_tokens();
    server.list_functions(None, None).await.unwrap();
    assert_eq!(engine.open_api_token_fetches(), 2);
}

#[tokio::test]
async fn a_wrong_secret_is_401_naming_the_authorize_step() {
    let engine = engine_with(|c| c).await;
    let error = server(&engine, "错的").invoke("echo", None, true).await.unwrap_err();
    assert_eq!(error.code(), 401);
    assert!(error.message().contains("authorize step failed"), "{}", error.message());
    assert_eq!(engine.open_api_token_fetches(), 0);
}

#[tokio::test]
async fn functions_are_created_updated_listed_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_with(|c| c.functions_dir(dir.path())).await;
    let server = server(&engine, DEFAULT_CLIENT_SECRET);
    let created = server.create_function("made", "exports.main = async () => '做好了 ✅'", Some("备注")).await.unwrap();
    assert_eq!((created["name"].as_str(), created["audit_status"].as_str()), (Some("made"), Some("approved")));
    server.update_function("made", None, Some("新备注 🎉")).await.unwrap();
    assert_eq!(server.get_function("made").await.unwrap()["remark"], "新备注 🎉");
    assert_eq!(server.invoke("made", None, true).await.unwrap()["data"], "做好了 ✅");
    let jobs =
        server.list_jobs("made", JobQuery { status: Some("fulfilled".into()), ..Default::default() }).await.unwrap();
    assert_eq!(jobs["meta"]["total_count"], 1);
    let names = server.list_functions(None, None).await.unwrap();
    assert_eq!(names["objects"][0]["name"], "made");
    server.delete_function("made").await.unwrap();
    assert_eq!(server.get_function("made").await.unwrap_err().code(), 404);
}
