//! Access rules: who may run code on which route, and which routes a browser may call.

mod common;

use common::*;
use minicloud_engine::EngineConfig;
use serde_json::{json, Value};

async fn preflight(h: &Harness, path: &str) -> Option<String> {
    let r = h
        .http
        .request(reqwest::Method::OPTIONS, h.url(path))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type, x-hydrogen-client-id")
        .send()
        .await
        .unwrap();
    r.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_may_call_the_client_endpoints_and_nothing_else() {
    let h = start_default().await;
    assert!(preflight(&h, "/hserve/v1/cloud-function/job/").await.is_some(), "the web SDK calls /hserve");
    for path in [
        "/tcb/invokecloudfunction?access_token=x&env=e&name=n",
        "/cgi-bin/token",
        "/cgi-bin/stable_token",
        "/oserve/v1.3/cloud-function/",
        "/dev/v1/stats",
    ] {
        assert_eq!(preflight(&h, path).await, None, "{path} answers no CORS");
        let r = h.http.get(h.url(path)).header("Origin", "https://evil.example").send().await.unwrap();
        assert!(r.headers().get("access-control-allow-origin").is_none(), "{path}");
    }
    h.engine.shutdown().await;
}

/// The answer of `/cgi-bin/stable_token` for `appid` and `secret`.
async fn stable_token(h: &Harness, appid: &str, secret: &str) -> Value {
    let body = json!({"grant_type": "client_credential", "appid": appid, "secret": secret});
    h.http.post(h.url("/cgi-bin/stable_token")).json(&body).send().await.unwrap().json().await.unwrap()
}

async fn wechat_token(h: &Harness, appid: &str, secret: &str) -> String {
    let r = stable_token(h, appid, secret).await;
    r["access_token"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
}

async fn tcb(h: &Harness, token: &str) -> Value {
    let url = h.url(&format!("/tcb/invokecloudfunction?access_token={token}&env=minicloud-local&name=wechatStyle"));
    h.http.post(url).body(r#"{"x":"微信"}"#).send().await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_default_wechat_secret_counts_as_anonymous_on_tcb() {
    let h = start(EngineConfig::new(fixtures())).await;
    let token = wechat_token(&h, "wx-minicloud-local", "minicloud-local-secret").await;
    let r = tcb(&h, &token).await;
    assert_eq!(r["errcode"], 48001, "{r}");
    let msg = r["errmsg"].as_str().unwrap();
    assert!(msg.contains("anonymous") && msg.contains("--wechat-secret"), "{msg}");
    h.engine.set_allow_anonymous(true);
    assert_eq!(tcb(&h, &token).await["errcode"], 0, "allowed once anonymous calls are");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_wechat_secret_runs_code_without_anonymous_access() {
    let h = start(EngineConfig::new(fixtures()).wechat_app("wx-my-app", "my-own-secret")).await;
    let token = wechat_token(&h, "wx-my-app", "my-own-secret").await;
    let r = tcb(&h, &token).await;
    assert_eq!(r["errcode"], 0, "{r}");
    let refused = stable_token(&h, "wx-my-app", "minicloud-local-secret").await;
    assert_eq!(refused["errcode"], 40001, "the default secret no longer works: {refused}");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_family_answers_an_oversized_body_in_its_own_shape_under_one_limit() {
    let h = start(EngineConfig::new(fixtures()).allow_anonymous(true).admin_token(ADMIN).max_body_bytes(1024)).await;
    let big = format!(r#"{{"x":"{}"}}"#, "长".repeat(1000));
    let token = wechat_token(&h, "wx-minicloud-local", "minicloud-local-secret").await;
    let url = h.url(&format!("/tcb/invokecloudfunction?access_token={token}&env=minicloud-local&name=wechatStyle"));
    let r = h.send(h.http.post(url).body(big.clone())).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.body["errcode"], 47001, "{}", r.text);
    assert!(r.body["errmsg"].as_str().unwrap().contains("1024 byte limit"), "{}", r.text);
    let r = h.send(h.http.post(h.url("/cgi-bin/stable_token")).body(big.clone())).await;
    assert_eq!((r.status, r.body["errcode"].clone()), (413, json!(47001)), "{}", r.text);

    let t = h.anonymous_token().await;
    let r = h.send(h.client(reqwest::Method::POST, "/hserve/v1/cloud-function/job/", Some(&t)).body(big.clone())).await;
    assert_eq!(r.status, 413);
    assert!(r.error_msg().contains("1024 byte limit"), "{}", r.text);
    let r = h.send(h.admin(reqwest::Method::POST, "/oserve/v1.3/cloud-function/echo/job/").body(big)).await;
    assert_eq!(r.status, 413);
    assert!(r.error_msg().contains("1024 byte limit"), "{}", r.text);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_wechat_paths_answer_a_wechat_errcode() {
    let h = start_default().await;
    let r = h.send(h.http.get(h.url("/cgi-bin/no-such-api"))).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["errcode"], 40066, "{}", r.text);
    let r = h.send(h.http.get(h.url("/hserve/v9/nothing/"))).await;
    assert!(r.body["error_msg"].is_string(), "{}", r.text);
    h.engine.shutdown().await;
}
