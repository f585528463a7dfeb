//! The engine's WeChat HTTP API answers with WeChat's errcodes.

mod common;

use common::*;
use serde_json::{json, Value};

/// An engine whose WeChat API accepts the public default credentials (anonymous calls allowed): these tests
/// are about WeChat's wire, the access rule has its own in access.rs.
async fn start_wechat() -> Harness {
    start(minicloud_engine::EngineConfig::new(fixtures()).admin_token(ADMIN).allow_anonymous(true)).await
}

async fn stable_token(h: &Harness, force_refresh: bool) -> String {
    let r: Value = h
        .http
        .post(h.url("/cgi-bin/stable_token"))
        .json(&json!({"grant_type": "client_credential", "appid": "wx-minicloud-local", "secret": "minicloud-local-secret", "force_refresh": force_refresh}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"].as_str().unwrap().to_owned()
}

async fn token(h: &Harness) -> String {
    stable_token(h, false).await
}

async fn call(h: &Harness, query: &str, body: &str) -> Value {
    h.http
        .post(h.url(&format!("/tcb/invokecloudfunction?{query}")))
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_token_is_41001() {
    let h = start_wechat().await;
    assert_eq!(call(&h, "env=minicloud-local&name=echo", "{}").await["errcode"], 41001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_token_is_40014() {
    let h = start_wechat().await;
    assert_eq!(call(&h, "access_token=nope&env=minicloud-local&name=echo", "{}").await["errcode"], 40014);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_42001() {
    let h = start_wechat().await;
    let t = token(&h).await;
    h.engine.expire_wechat_tokens();
    assert_eq!(call(&h, &format!("access_token={t}&env=minicloud-local&name=echo"), "{}").await["errcode"], 42001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_is_43002() {
    let h = start_wechat().await;
    let r: Value =
        h.http.get(h.url("/tcb/invokecloudfunction?access_token=x")).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["errcode"], 43002);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_body_is_44002() {
    let h = start_wechat().await;
    let t = token(&h).await;
    assert_eq!(call(&h, &format!("access_token={t}&env=minicloud-local&name=echo"), "").await["errcode"], 44002);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_env_or_name_is_40101() {
    let h = start_wechat().await;
    let t = token(&h).await;
    assert_eq!(call(&h, &format!("access_token={t}&name=echo"), "{}").await["errcode"], 40101);
    assert_eq!(call(&h, &format!("access_token={t}&env=minicloud-local"), "{}").await["errcode"], 40101);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_carries_resp_data_as_json_text() {
    let h = start_wechat().await;
    let t = token(&h).await;
    let r = call(&h, &format!("access_token={t}&env=minicloud-local&name=wechatStyle"), r#"{"a":1}"#).await;
    assert_eq!((r["errcode"].clone(), r["errmsg"].clone()), (json!(0), json!("ok")));
    let data: Value = serde_json::from_str(r["resp_data"].as_str().unwrap()).unwrap();
    assert_eq!(data["event"]["a"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_app_id_and_secret_get_wechat_errcodes() {
    let h = start_wechat().await;
    let classic = |q: &str| h.http.get(h.url(&format!("/cgi-bin/token?grant_type=client_credential&{q}"))).send();
    let r: Value = classic("appid=wx-other&secret=minicloud-local-secret").await.unwrap().json().await.unwrap();
    assert_eq!(r["errcode"], 40013);
    let r: Value = classic("appid=wx-minicloud-local&secret=wrong").await.unwrap().json().await.unwrap();
    assert_eq!(r["errcode"], 40001);
    assert_eq!(h.engine.wechat_token_fetches(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stable_token_is_reused_until_force_refresh() {
    let h = start_wechat().await;
    let a = token(&h).await;
    assert_eq!(token(&h).await, a);
    assert_ne!(stable_token(&h, true).await, a);
}
