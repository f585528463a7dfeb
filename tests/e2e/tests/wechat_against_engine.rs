//! The WeChat cloud client (core) against the engine's WeChat HTTP API over loopback (issue 7).

use std::sync::Arc;

use minicloud_core::wechat::{TokenMode, WeChatCloud, WeChatConfig, WeChatErrorKind};
use minicloud_e2e::engine_with;
use serde_json::json;

const APP_ID: &str = "wx-minicloud-local";
const SECRET: &str = "minicloud-local-secret";
const ENV: &str = "minicloud-local";

/// An engine whose WeChat API takes the public default secret (it counts as anonymous, so anonymous calls
/// are allowed here; the engine's own tests cover the rule).
async fn wechat_engine() -> minicloud_engine::RunningEngine {
    engine_with(|c| c.allow_anonymous(true)).await
}

fn wechat(engine: &minicloud_engine::RunningEngine, secret: &str) -> WeChatCloud {
    WeChatCloud::builder(WeChatConfig::new(APP_ID, secret, ENV).with_base_url(engine.url())).build().unwrap()
}

#[tokio::test]
async fn call_succeeds_and_decodes_resp_data() {
    let engine = wechat_engine().await;
    let result = wechat(&engine, SECRET).invoke_cloud_function("wechatStyle", Some(r#"{"x":1}"#)).await.unwrap();
    assert_eq!(result["event"]["x"], 1);
    assert_eq!(result["event"]["userInfo"], json!({"appId": APP_ID}));
}

#[tokio::test]
async fn http_api_calls_see_source_wx_http_and_no_openid() {
    let engine = wechat_engine().await;
    let context = wechat(&engine, SECRET).invoke_cloud_function("wxContext", None).await.unwrap();
    assert_eq!(context["SOURCE"], "wx_http");
    assert_eq!(context["APPID"], APP_ID);
    assert!(context["OPENID"].is_null(), "{context}");
}

#[tokio::test]
async fn classic_token_mode_works_too() {
    let engine = wechat_engine().await;
    let config = WeChatConfig::new(APP_ID, SECRET, ENV).with_base_url(engine.url()).with_token_mode(TokenMode::Classic);
    let client = WeChatCloud::builder(config).build().unwrap();
    assert_eq!(client.invoke_cloud_function("wechatStyle", None).await.unwrap()["event"]["userInfo"]["appId"], APP_ID);
}

#[tokio::test]
async fn token_that_expires_mid_run_is_refreshed_transparently() {
    let engine = wechat_engine().await;
    let client = wechat(&engine, SECRET);
    client.invoke_cloud_function("wechatStyle", None).await.unwrap();
    engine.expire_wechat_tokens();
    client.invoke_cloud_function("wechatStyle", None).await.unwrap();
    assert_eq!(engine.wechat_token_fetches(), 2);
}

#[tokio::test]
async fn thousand_concurrent_calls_with_a_stale_token_make_one_token_fetch() {
    let engine = wechat_engine().await;
    let client = wechat(&engine, SECRET);
    client.access_token().await.unwrap();
    engine.expire_wechat_tokens();
    let calls = (0..1000).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.invoke_cloud_function("wechatStyle", Some(&format!(r#"{{"i":{i}}}"#))).await })
    });
    let results = futures::future::join_all(calls).await;
    for (i, r) in results.into_iter().enumerate() {
        assert_eq!(r.unwrap().unwrap()["event"]["i"], i);
    }
    assert_eq!(engine.wechat_token_fetches(), 2, "one fetch before, exactly one after the tokens went stale");
}

#[tokio::test]
async fn wrong_secret_fails_once_with_a_configuration_error() {
    let engine = wechat_engine().await;
    let error = wechat(&engine, "not-the-secret").invoke_cloud_function("wechatStyle", None).await.unwrap_err();
    assert_eq!((error.errcode, error.kind), (Some(40001), WeChatErrorKind::Config));
    assert_eq!(engine.wechat_token_requests(), 1);
    assert!(!format!("{error:?}").contains("not-the-secret"));
}

#[tokio::test]
async fn failing_function_is_504002() {
    let engine = wechat_engine().await;
    let error = wechat(&engine, SECRET).invoke_cloud_function("throws", None).await.unwrap_err();
    assert_eq!((error.errcode, error.kind), (Some(-504002), WeChatErrorKind::Function));
    assert!(error.errmsg.contains("boom"), "{}", error.errmsg);
}

#[tokio::test]
async fn too_slow_function_is_501002() {
    let engine = wechat_engine().await;
    let error = wechat(&engine, SECRET).invoke_cloud_function("slow", Some(r#"{"hang":true}"#)).await.unwrap_err();
    assert_eq!((error.errcode, error.kind), (Some(-501002), WeChatErrorKind::Function));
}

#[tokio::test]
async fn unknown_function_and_wrong_env_are_cloud_errors() {
    let engine = wechat_engine().await;
    let error = wechat(&engine, SECRET).invoke_cloud_function("noSuchFunction", None).await.unwrap_err();
    assert_eq!(error.errcode, Some(-501000));
    let other_env =
        WeChatCloud::builder(WeChatConfig::new(APP_ID, SECRET, "other").with_base_url(engine.url())).build().unwrap();
    assert_eq!(other_env.invoke_cloud_function("wechatStyle", None).await.unwrap_err().errcode, Some(-501000));
}

#[tokio::test]
async fn app_supplied_token_source_is_used() {
    let engine = wechat_engine().await;
    let central = wechat(&engine, SECRET);
    struct Central(WeChatCloud);
    impl minicloud_core::wechat::TokenSource for Central {
        fn fetch_token(
            &self,
            _force: bool,
        ) -> minicloud_core::BoxFuture<
            '_,
            Result<minicloud_core::wechat::AccessToken, minicloud_core::wechat::WeChatError>,
        > {
            Box::pin(async move {
                Ok(minicloud_core::wechat::AccessToken { value: self.0.access_token().await?, expires_in: 600 })
            })
        }
    }
    let config = WeChatConfig::with_token_source(Arc::new(Central(central)), ENV).with_base_url(engine.url());
    let client = WeChatCloud::builder(config).build().unwrap();
    assert_eq!(client.invoke_cloud_function("wechatStyle", None).await.unwrap()["event"]["userInfo"]["appId"], APP_ID);
}
