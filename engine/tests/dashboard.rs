//! The dashboard's page and the admin endpoints behind it (the page itself runs in Chromium in
//! tests/dashboard).

mod common;

use common::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_is_served_as_html_and_its_data_needs_the_admin_token() {
    let h = start_default().await;
    let page = h.send(h.http.get(h.url("/dashboard/"))).await;
    assert_eq!(page.status, 200);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text.contains("minicloud 控制台"));
    let anonymous = h.send(h.http.get(h.url("/dev/v1/functions"))).await;
    assert_eq!(anonymous.status, 401);
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_listed_with_their_sessions_but_never_their_tokens() {
    let h = start_default().await;
    let token = h.user_token().await;
    let r = h.send(h.admin(reqwest::Method::GET, "/dev/v1/users")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["objects"][0]["sessions"].as_array().unwrap().len(), 1, "{}", r.text);
    assert!(!r.text.contains(&token), "a session token is a secret");
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_invokes_as_a_chosen_user() {
    let h = start_default().await;
    let r =
        h.post_client("/hserve/v2.1/register/username/", None, json!({"username": "测试🙂", "password": "pw"})).await;
    let uid = r.body["user_id"].clone();
    let body = json!({"function_name": "echo", "data": "数据", "user_id": uid});
    let r = h.send(h.admin(reqwest::Method::POST, "/dev/v1/invoke").json(&body)).await;
    assert_eq!(r.body["data"]["data"], "数据", "{}", r.text);
    assert_eq!(r.body["data"]["user"]["id"], uid);
    let server = h.send(h.admin(reqwest::Method::POST, "/dev/v1/invoke").json(&json!({"function_name": "echo"}))).await;
    assert_eq!(server.body["data"]["user"], json!(null));
    h.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_are_listed_with_their_limits_config_and_next_trigger_firings() {
    let h = start(minicloud_engine::EngineConfig::new(cloud_fixtures()).admin_token(ADMIN).timer_triggers(false)).await;
    let r = h.send(h.admin(reqwest::Method::GET, "/dev/v1/functions")).await;
    let tick =
        r.body["objects"].as_array().unwrap().iter().find(|f| f["name"] == "tick").expect("tick is listed").clone();
    assert_eq!(tick["contract"], "wechat");
    assert_eq!(tick["triggers"][0]["next"].as_array().unwrap().len(), 3, "{tick}");
    assert!(tick["config"]["triggers"].is_array());
    h.engine.shutdown().await;
}
