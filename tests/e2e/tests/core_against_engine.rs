//! The core against the real local engine over loopback: every outcome of an invoke, the session rules, and
//! bad input, as a user of the SDK meets them.

use std::time::Duration;

use minicloud_core::session::keys;
use minicloud_core::{cancellable, AutoLogin, ErrorKind, Invocation, SessionStore};
use minicloud_e2e::{client, client_with, engine, engine_with, signed_in, user};
use serde_json::{json, Value};

fn call(name: &str, params: Value) -> Invocation {
    Invocation::new(name).params(params)
}

#[tokio::test]
async fn hello_world_answers_the_seed_body() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "hello").await;
    let result = client.invoke(call("helloWorld", json!({"name": "allen"}))).await.unwrap();
    assert_eq!(result.to_string(), r#"{"code":0,"data":"hello allen","error":{}}"#);
}

#[tokio::test]
async fn function_sees_params_caller_and_time_limit() {
    let engine = engine().await;
    let (client, store) = signed_in(&engine, "echo").await;
    let result = client.invoke(call("echo", json!({"k": [1, 2]}))).await.unwrap();
    assert_eq!(result["data"]["data"], json!({"k": [1, 2]}));
    assert_eq!(result["data"]["user"]["id"], store.get(keys::UID).unwrap());
    assert_eq!(result["data"]["timeLimitInMS"], json!(5000));
}

#[tokio::test]
async fn absent_params_reach_the_function_as_absent() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "absent").await;
    let result = client.invoke(Invocation::new("echo")).await.unwrap();
    assert_eq!(result["data"]["data"], json!("absent"));
}

#[tokio::test]
async fn callback_error_resolves_with_code_1() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "cberr").await;
    let result = client.invoke(Invocation::new("callbackError")).await.unwrap();
    assert_eq!((result["code"].clone(), result["data"].clone()), (json!(1), Value::Null));
    assert_eq!(result["error"]["message"], "bad input");
    assert_eq!(result["error"]["type"], "RangeError");
}

#[tokio::test]
async fn thrown_error_resolves_with_code_1_and_a_stack() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "throws").await;
    let result = client.invoke(Invocation::new("throws")).await.unwrap();
    assert_eq!(result["code"], 1);
    assert_eq!(result["error"]["message"], "boom");
    assert!(result["error"]["stack"].as_str().unwrap().contains("Error: boom"));
}

#[tokio::test]
async fn syntax_error_resolves_with_code_1_syntax_error() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "syntax").await;
    let result = client.invoke(Invocation::new("syntaxError")).await.unwrap();
    assert_eq!((result["code"].clone(), result["error"]["type"].clone()), (json!(1), json!("SyntaxError")));
}

#[tokio::test]
async fn process_exit_resolves_with_code_1_and_the_engine_keeps_serving() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "exits").await;
    let result = client.invoke(Invocation::new("exits")).await.unwrap();
    assert_eq!(result["code"], 1);
    assert!(result["error"]["message"].as_str().unwrap().contains('3'), "{result}");
    let after = client.invoke(call("helloWorld", json!({"name": "again"}))).await.unwrap();
    assert_eq!(after["data"], "hello again");
}

#[tokio::test]
async fn function_past_its_time_limit_is_stopped_and_replaced() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "slow").await;
    let result = client.invoke(call("slow", json!({"hang": true}))).await.unwrap();
    assert_eq!(result["code"], 1);
    let job = engine.jobs().into_iter().find(|j| j.function_name == "slow").unwrap();
    assert_eq!(job.status.as_str(), "deadline_exceeded");
    assert_eq!(client.invoke(call("slow", json!({}))).await.unwrap()["data"], "quick");
}

#[tokio::test]
async fn async_invoke_answers_at_once_and_the_job_completes() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "async").await;
    let result = client.invoke(call("asyncEcho", json!({"n": 7})).sync(false)).await.unwrap();
    assert_eq!(result, json!({"status": "ok"}));
    let job = engine.jobs().into_iter().find(|j| j.function_name == "asyncEcho" && !j.sync).expect("job recorded");
    let done = engine.wait_for_job(&job.id, Duration::from_secs(20)).await.expect("job finishes");
    assert_eq!(done.status.as_str(), "fulfilled");
}

#[tokio::test]
async fn unknown_function_is_404_not_found() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "unknown").await;
    let error = client.invoke(Invocation::new("noSuchFunction")).await.unwrap_err();
    assert_eq!((error.code(), error.message(), error.kind()), (404, "404: not found", ErrorKind::NotFound));
    assert!(error.request_id().is_some());
}

#[tokio::test]
async fn path_traversal_names_are_refused() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "traversal").await;
    for name in [
        "..",
        "../helloWorld",
        "%2e%2e",
        "..%2fhelloWorld",
        "/etc/passwd",
        "hello\0World",
        "a/b",
        "C:\\x",
        &"a".repeat(65),
    ] {
        let error = client.invoke(Invocation::new(name)).await.unwrap_err();
        assert!(matches!(error.code(), 400 | 404), "{name:?}: {error}");
    }
}

#[tokio::test]
async fn missing_token_is_401() {
    let engine = engine().await;
    let (client, _) = client(&engine, AutoLogin::Disabled);
    let error = client.invoke(call("helloWorld", json!({"name": "x"}))).await.unwrap_err();
    assert_eq!((error.code(), error.kind()), (401, ErrorKind::Unauthenticated));
}

#[tokio::test]
async fn invalid_token_is_401_and_kept_without_auto_login() {
    let engine = engine().await;
    let (client, store) = client(&engine, AutoLogin::Disabled);
    store.set(keys::AUTH_TOKEN, json!("not-a-real-token"));
    let error = client.invoke(Invocation::new("helloWorld")).await.unwrap_err();
    assert_eq!(error.code(), 401);
    assert_eq!(store.get(keys::AUTH_TOKEN), Some(json!("not-a-real-token")));
}

#[tokio::test]
async fn expired_session_is_401_without_auto_login() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "expired").await;
    engine.expire_sessions();
    assert_eq!(client.invoke(Invocation::new("helloWorld")).await.unwrap_err().code(), 401);
}

#[tokio::test]
async fn revoked_session_is_renewed_by_auto_login_and_the_call_resent() {
    let engine = engine().await;
    let credentials = user("relogin");
    let (client, _) = client(&engine, AutoLogin::Password(credentials.clone()));
    client.register(&credentials).await.unwrap();
    let logins = engine.login_count();
    engine.revoke_sessions();
    let result = client.invoke(call("helloWorld", json!({"name": "back"}))).await.unwrap();
    assert_eq!(result["data"], "hello back");
    assert_eq!(engine.login_count(), logins + 1);
}

#[tokio::test]
async fn concurrent_calls_on_an_expired_session_make_one_login() {
    let engine = engine_with(|c| c.allow_anonymous(true)).await;
    let (client, store) = client(&engine, AutoLogin::Anonymous);
    client.anonymous_login().await.unwrap();
    store.set(keys::SESSION_EXPIRES_AT, json!(0));
    let logins = engine.login_count();
    let calls = (0..50).map(|i| client.invoke(call("helloWorld", json!({"name": i}))));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|v| v["code"] == 0)), "{results:?}");
    assert_eq!(engine.login_count(), logins + 1);
}

#[tokio::test]
async fn anonymous_user_is_refused_by_default() {
    let engine = engine().await;
    let (client, _) = client(&engine, AutoLogin::Disabled);
    client.anonymous_login().await.unwrap();
    let error = client.invoke(Invocation::new("helloWorld")).await.unwrap_err();
    assert_eq!((error.code(), error.kind()), (403, ErrorKind::PermissionDenied));
}

#[tokio::test]
async fn anonymous_user_is_served_when_allowed() {
    let engine = engine().await;
    engine.set_allow_anonymous(true);
    let (client, _) = client(&engine, AutoLogin::Disabled);
    client.anonymous_login().await.unwrap();
    assert_eq!(client.invoke(call("helloWorld", json!({"name": "anon"}))).await.unwrap()["data"], "hello anon");
}

#[tokio::test]
async fn hundred_concurrent_calls_all_succeed() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "hundred").await;
    let calls = (0..100).map(|i| client.invoke(call("echo", json!({ "i": i }))));
    let results = futures::future::join_all(calls).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result.unwrap()["data"]["data"]["i"], i);
    }
}

#[tokio::test]
async fn body_over_the_client_limit_is_refused_before_sending() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "oversize").await;
    let jobs = engine.jobs().len();
    let error = client.invoke(call("echo", json!("x".repeat(7 * 1024 * 1024)))).await.unwrap_err();
    assert_eq!((error.code(), error.kind()), (605, ErrorKind::PayloadTooLarge));
    assert_eq!(engine.jobs().len(), jobs);
}

#[tokio::test]
async fn body_over_the_engine_limit_is_413() {
    let engine = engine_with(|c| c.max_body_bytes(1024)).await;
    let (client, _) = signed_in(&engine, "engine413").await;
    let error = client.invoke(call("echo", json!("x".repeat(4096)))).await.unwrap_err();
    assert_eq!((error.code(), error.kind()), (413, ErrorKind::PayloadTooLarge));
    assert!(error.message().contains("1024"), "{}", error.message());
}

#[tokio::test]
async fn cancelled_call_is_cancelled_and_the_engine_keeps_serving() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "cancel").await;
    let started =
        cancellable(client.invoke(call("slow", json!({"hang": true}))), tokio::time::sleep(Duration::from_millis(100)));
    let error = started.await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(client.invoke(call("helloWorld", json!({"name": "still"}))).await.unwrap()["data"], "hello still");
}

#[tokio::test]
async fn per_call_time_limit_is_a_timeout_not_a_cancellation() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "deadline").await;
    let error =
        client.invoke(call("slow", json!({"hang": true})).timeout(Duration::from_millis(100))).await.unwrap_err();
    assert_eq!((error.code(), error.kind()), (601, ErrorKind::Timeout));
}

#[tokio::test]
async fn login_with_wrong_password_is_the_servers_error() {
    let engine = engine().await;
    let (client, _) = signed_in(&engine, "wrongpw").await;
    let mut wrong = user("wrongpw");
    wrong.password = "nope".into();
    let error = client.login(&wrong).await.unwrap_err();
    assert_eq!(error.code(), 400);
    assert!(!format!("{error:?}").contains("nope"));
}

#[tokio::test]
async fn logout_clears_the_session_and_revokes_the_token() {
    let engine = engine().await;
    let (client, store) = signed_in(&engine, "logout").await;
    let token = store.get(keys::AUTH_TOKEN).unwrap();
    client.logout().await.unwrap();
    assert_eq!(store.get(keys::AUTH_TOKEN), Some(json!("")));
    let (other, other_store) = client_with(&engine, |c| c);
    other_store.set(keys::AUTH_TOKEN, token);
    assert_eq!(other.invoke(Invocation::new("helloWorld")).await.unwrap_err().code(), 401);
}
