//! Sessions: register, the login endpoints, logout, user info.

mod common;

use common::*;
use serde_json::{json, Value};

fn assert_session_answer(body: &Value) {
    let token = body["token"].as_str().expect("token");
    assert_eq!(token.len(), 40);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(body["expires_in"], 2_592_000);
    assert!(body["user_id"].is_i64());
    assert_eq!(body["user_info"]["id"], body["user_id"]);
    for key in ["openid", "unionid", "nickname", "avatar", "is_authorized", "_anonymous"] {
        assert!(body["user_info"].get(key).is_some(), "user_info.{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_then_login_with_username_email_and_phone() {
    let h = start_default().await;
    for (kind, value) in [
        ("username", format!("alice{}", rand_suffix())),
        ("email", format!("a{}@example.com", rand_suffix())),
        ("phone", "13800138000".to_string()),
    ] {
        let r = h
            .post_client(&format!("/hserve/v2.1/register/{kind}/"), None, json!({kind: value, "password": "pw1"}))
            .await;
        assert_eq!(r.status, 201, "{kind}: {}", r.text);
        assert_session_answer(&r.body);
        let uid = r.body["user_id"].clone();
        let r =
            h.post_client(&format!("/hserve/v2.1/login/{kind}/"), None, json!({kind: value, "password": "pw1"})).await;
        assert_eq!(r.status, 201, "{kind}: {}", r.text);
        assert_session_answer(&r.body);
        assert_eq!(r.body["user_id"], uid);
        assert_eq!(r.body["user_info"]["_anonymous"], false);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_existing_or_incomplete_is_400() {
    let h = start_default().await;
    let body = json!({"username": "bob", "password": "pw"});
    let r = h.post_client("/hserve/v2.1/register/username/", None, body.clone()).await;
    assert_eq!(r.status, 201);
    let r = h.post_client("/hserve/v2.1/register/username/", None, body).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_msg(), "username already exists");
    let r = h.post_client("/hserve/v2.1/register/username/", None, json!({"username": "carol"})).await;
    assert_eq!(r.status, 400);
    assert!(r.error_msg().contains("password"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_or_unknown_user_is_400() {
    let h = start_default().await;
    h.post_client("/hserve/v2.1/register/username/", None, json!({"username": "dan", "password": "right"})).await;
    for body in [json!({"username": "dan", "password": "wrong"}), json!({"username": "nobody", "password": "right"})] {
        let r = h.post_client("/hserve/v2.1/login/username/", None, body).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.error_msg(), "invalid username or password");
        assert!(!r.text.contains("right"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_login_accepts_dev_code_only() {
    let h = start_default().await;
    let r = h
        .post_client(
            "/hserve/v2.1/login/sms/",
            None,
            json!({"phone": "13900000000", "code": "000000", "create_user": true}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_msg(), "invalid verification code");
    let r = h
        .post_client(
            "/hserve/v2.1/login/sms/",
            None,
            json!({"phone": "13900000000", "code": "123456", "create_user": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_session_answer(&r.body);
    let uid = r.body["user_id"].clone();
    let r = h
        .post_client(
            "/hserve/v2.1/login/sms/",
            None,
            json!({"phone": "13900000000", "code": "123456", "create_user": false}),
        )
        .await;
    assert_eq!(r.body["user_id"], uid);
    let r = h
        .post_client(
            "/hserve/v2.1/login/sms/",
            None,
            json!({"phone": "13900000001", "code": "123456", "create_user": false}),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_login_creates_anonymous_user() {
    let h = start_default().await;
    let r = h.post_client("/hserve/v2.0/login/anonymous/", None, json!({})).await;
    assert_eq!(r.status, 201);
    assert_session_answer(&r.body);
    assert_eq!(r.body["user_info"]["_anonymous"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_login_maps_same_code_to_same_user_and_openid() {
    let h = start_default().await;
    for provider in ["wechat", "qq", "baidu", "bytedance", "jd", "kuaishou", "alipay"] {
        let path = format!("/hserve/v2.5/idp/{provider}/silent-login/");
        let a = h.post_client(&path, None, json!({"create_user": true, "code": "code-1"})).await;
        assert_eq!(a.status, 201, "{provider}: {}", a.text);
        assert_session_answer(&a.body);
        let openid = a.body["user_info"]["openid"].as_str().unwrap().to_string();
        assert!(!openid.is_empty());
        let b = h.post_client(&path, None, json!({"create_user": true, "code": "code-1"})).await;
        assert_eq!(b.body["user_info"]["openid"], openid.as_str());
        assert_eq!(b.body["user_id"], a.body["user_id"]);
        assert_ne!(b.body["token"], a.body["token"]);
        let c = h.post_client(&path, None, json!({"create_user": true, "code": "code-2"})).await;
        assert_ne!(c.body["user_info"]["openid"], openid.as_str());
        assert_ne!(c.body["user_id"], a.body["user_id"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_login_refuses_empty_code_and_unknown_provider() {
    let h = start_default().await;
    let r = h.post_client("/hserve/v2.5/idp/wechat/silent-login/", None, json!({"code": ""})).await;
    assert_eq!(r.status, 400);
    let r = h.post_client("/hserve/v2.5/idp/myspace/silent-login/", None, json!({"code": "x"})).await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_destroy_revokes_the_token() {
    let h = start_default().await;
    let t = h.user_token().await;
    let r = h.post_client("/hserve/v2.0/session/destroy/", Some(&t), json!({})).await;
    assert_eq!(r.status, 204);
    let r = h.invoke(&t, json!({"function_name": "helloWorld", "data": {"name": "a"}})).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error_msg(), "invalid token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_info_returns_profile_for_live_token() {
    let h = start_default().await;
    let r = h.post_client("/hserve/v2.1/register/username/", None, json!({"username": "erin", "password": "pw"})).await;
    let t = r.body["token"].as_str().unwrap().to_string();
    let uid = r.body["user_id"].as_i64().unwrap();
    let path = format!("/hserve/v2.5/user/info/{uid}/");
    let r = h.send(h.client(reqwest::Method::GET, &path, Some(&t))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], uid);
    assert_eq!(r.body["_username"], "erin");
    assert!(r.body.get("openid").is_some());
    let r = h.send(h.client(reqwest::Method::GET, &path, None)).await;
    assert_eq!(r.status, 401);
    let r = h.send(h.client(reqwest::Method::GET, "/hserve/v2.5/user/info/999999/", Some(&t))).await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_count_counts_session_answers() {
    let h = start_default().await;
    assert_eq!(h.engine.login_count(), 0);
    h.user_token().await;
    h.anonymous_token().await;
    h.post_client("/hserve/v2.5/idp/qq/silent-login/", None, json!({"code": "q"})).await;
    h.post_client("/hserve/v2.1/login/username/", None, json!({"username": "x", "password": "y"})).await; // fails: not counted
    assert_eq!(h.engine.login_count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_are_not_echoed() {
    let h = start_default().await;
    let r = h
        .post_client("/hserve/v2.1/register/username/", None, json!({"username": "fay", "password": "hunter2-secret"}))
        .await;
    assert!(!r.text.contains("hunter2-secret"));
}
