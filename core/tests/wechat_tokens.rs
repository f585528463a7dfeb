//! The WeChat client's token rules (PROTOCOL.md §2.1) against a scripted WeChat: caching, single flight,
//! refresh-and-retry once, configuration errors without loops, system-error backoff, `resp_data` decoding.
//! (End-to-end runs against the local engine live with the engine.)

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use minicloud_core::wechat::{TokenMode, WeChatCloud, WeChatConfig, WeChatErrorKind};
use minicloud_core::{BoxFuture, Clock, HttpRequest, HttpResponse, Timer, Transport, TransportError};

/// How the scripted WeChat answers business call `n` made with `token`.
type Business = Box<dyn Fn(usize, &str) -> String + Send + Sync>;

/// A scripted WeChat: answers token requests with `tok-N` and business calls through `business`.
struct FakeWeChat {
    token_fetches: AtomicUsize,
    calls: AtomicUsize,
    token_answer: Mutex<Option<String>>,
    business: Business,
    seen: Mutex<Vec<HttpRequest>>,
}

impl FakeWeChat {
    fn new(business: impl Fn(usize, &str) -> String + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(FakeWeChat {
            token_fetches: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
            token_answer: Mutex::new(None),
            business: Box::new(business),
            seen: Mutex::new(Vec::new()),
        })
    }
}

fn ok(body: &str) -> HttpResponse {
    HttpResponse { status: 200, headers: vec![], body: body.as_bytes().to_vec() }
}

impl Transport for FakeWeChat {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.seen.lock().unwrap().push(request.clone());
            if request.url.contains("/cgi-bin/") {
                let n = self.token_fetches.fetch_add(1, Ordering::SeqCst) + 1;
                let scripted = self.token_answer.lock().unwrap().clone();
                return Ok(ok(
                    &scripted.unwrap_or_else(|| format!(r#"{{"access_token":"tok-{n}","expires_in":7200}}"#))
                ));
            }
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let token = request.url.split("access_token=").nth(1).unwrap().split('&').next().unwrap().to_owned();
            Ok(ok(&(self.business)(n, &token)))
        })
    }
}

struct NoWait;
impl Timer for NoWait {
    fn sleep(&self, _: Duration) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

struct ManualClock(AtomicI64);
impl Clock for ManualClock {
    fn now_secs(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

const OK_CALL: &str = r#"{"errcode":0,"errmsg":"ok","resp_data":"{\"sum\":3}"}"#;

fn client(fake: &Arc<FakeWeChat>) -> WeChatCloud {
    client_with_clock(fake, Arc::new(ManualClock(AtomicI64::new(1_700_000_000))))
}

fn client_with_clock(fake: &Arc<FakeWeChat>, clock: Arc<dyn Clock>) -> WeChatCloud {
    let config = WeChatConfig::new("wx-app", "app-SECRET-1", "env-1").with_base_url("http://wechat.test");
    WeChatCloud::builder(config).transport(fake.clone()).timer(Arc::new(NoWait)).clock(clock).build().unwrap()
}

#[tokio::test]
async fn resp_data_is_decoded_as_json() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    let result = client(&fake).invoke_cloud_function("add", Some(r#"{"a":1,"b":2}"#)).await.unwrap();
    assert_eq!(result, serde_json::json!({"sum": 3}));
    let seen = fake.seen.lock().unwrap();
    let call = seen.last().unwrap();
    assert!(call.url.ends_with("/tcb/invokecloudfunction?access_token=tok-1&env=env-1&name=add"), "{}", call.url);
    assert_eq!(call.body.as_deref(), Some(&br#"{"a":1,"b":2}"#[..]));
}

#[tokio::test]
async fn resp_data_that_is_not_json_is_returned_as_text() {
    let fake = FakeWeChat::new(|_, _| r#"{"errcode":0,"errmsg":"ok","resp_data":"plain words"}"#.to_owned());
    let result = client(&fake).invoke_cloud_function("f", None).await.unwrap();
    assert_eq!(result, serde_json::json!("plain words"));
    assert_eq!(fake.seen.lock().unwrap().last().unwrap().body.as_deref(), Some(&b"{}"[..]));
}

#[tokio::test]
async fn token_is_fetched_once_and_reused() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    let wechat = client(&fake);
    for _ in 0..3 {
        wechat.invoke_cloud_function("f", None).await.unwrap();
    }
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn stable_token_request_carries_app_id_and_no_force_refresh() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    client(&fake).invoke_cloud_function("f", None).await.unwrap();
    let seen = fake.seen.lock().unwrap();
    assert!(seen[0].url.ends_with("/cgi-bin/stable_token"));
    assert_eq!(
        seen[0].body.as_deref(),
        Some(
            &br#"{"grant_type":"client_credential","appid":"wx-app","secret":"app-SECRET-1","force_refresh":false}"#[..]
        )
    );
}

#[tokio::test]
async fn classic_token_mode_uses_get_cgi_bin_token() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    let config = WeChatConfig::new("wx-app", "s", "env-1")
        .with_base_url("http://wechat.test")
        .with_token_mode(TokenMode::Classic);
    let wechat = WeChatCloud::builder(config).transport(fake.clone()).build().unwrap();
    wechat.invoke_cloud_function("f", None).await.unwrap();
    let url = fake.seen.lock().unwrap()[0].url.clone();
    assert!(
        url.starts_with("http://wechat.test/cgi-bin/token?grant_type=client_credential&appid=wx-app&secret="),
        "{url}"
    );
}

#[tokio::test]
async fn concurrent_calls_share_one_token_fetch() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    let wechat = client(&fake);
    let calls = (0..200).map(|_| wechat.invoke_cloud_function("f", None));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn expired_token_is_refreshed_once_and_the_call_retried() {
    let fake = FakeWeChat::new(|_, token| {
        if token == "tok-1" {
            r#"{"errcode":42001,"errmsg":"access_token expired"}"#.to_owned()
        } else {
            OK_CALL.to_owned()
        }
    });
    let result = client(&fake).invoke_cloud_function("f", None).await.unwrap();
    assert_eq!(result, serde_json::json!({"sum": 3}));
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn invalidated_token_refresh_asks_for_force_refresh() {
    let fake = FakeWeChat::new(|_, token| {
        if token == "tok-1" {
            r#"{"errcode":40001,"errmsg":"invalid credential"}"#.to_owned()
        } else {
            OK_CALL.to_owned()
        }
    });
    client(&fake).invoke_cloud_function("f", None).await.unwrap();
    let seen = fake.seen.lock().unwrap();
    let refresh = seen.iter().filter(|r| r.url.contains("/cgi-bin/")).nth(1).unwrap();
    assert!(String::from_utf8_lossy(refresh.body.as_ref().unwrap()).contains(r#""force_refresh":true"#));
}

#[tokio::test]
async fn concurrent_rejections_of_one_stale_token_cause_one_refresh() {
    let fake = FakeWeChat::new(|_, token| {
        if token == "tok-1" {
            r#"{"errcode":42001,"errmsg":"expired"}"#.to_owned()
        } else {
            OK_CALL.to_owned()
        }
    });
    let wechat = client(&fake);
    let results = futures::future::join_all((0..100).map(|_| wechat.invoke_cloud_function("f", None))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_second_auth_failure_goes_to_the_caller() {
    let fake = FakeWeChat::new(|_, _| r#"{"errcode":40014,"errmsg":"invalid access_token"}"#.to_owned());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!((error.errcode, error.kind), (Some(40014), WeChatErrorKind::Auth));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn wrong_secret_is_a_configuration_error_without_retries() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    *fake.token_answer.lock().unwrap() =
        Some(r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}"#.into());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!((error.errcode, error.kind), (Some(40001), WeChatErrorKind::Config));
    assert!(!error.retryable());
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn system_errors_are_retried_then_succeed() {
    let fake = FakeWeChat::new(|n, _| {
        if n < 2 {
            r#"{"errcode":-1,"errmsg":"system error"}"#.to_owned()
        } else {
            OK_CALL.to_owned()
        }
    });
    client(&fake).invoke_cloud_function("f", None).await.unwrap();
    assert_eq!(fake.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn system_errors_stop_after_the_retry_budget() {
    let fake = FakeWeChat::new(|_, _| r#"{"errcode":-1000,"errmsg":"system error"}"#.to_owned());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!(error.kind, WeChatErrorKind::System);
    assert_eq!(fake.calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn function_failure_is_a_function_error() {
    let fake = FakeWeChat::new(|_, _| r#"{"errcode":-504002,"errmsg":"functions execute fail"}"#.to_owned());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!((error.errcode, error.kind), (Some(-504002), WeChatErrorKind::Function));
}

#[tokio::test]
async fn token_is_renewed_ahead_of_expiry() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    let clock = Arc::new(ManualClock(AtomicI64::new(1_700_000_000)));
    let wechat = client_with_clock(&fake, clock.clone());
    wechat.invoke_cloud_function("f", None).await.unwrap();
    clock.0.fetch_add(7200 - 301, Ordering::SeqCst);
    wechat.invoke_cloud_function("f", None).await.unwrap();
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 1);
    clock.0.fetch_add(2, Ordering::SeqCst);
    wechat.invoke_cloud_function("f", None).await.unwrap();
    assert_eq!(fake.token_fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn bad_function_name_and_bad_event_are_refused_before_sending() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    let wechat = client(&fake);
    for name in ["", "../x", "a b", "名字"] {
        let error = wechat.invoke_cloud_function(name, None).await.unwrap_err();
        assert_eq!(error.kind, WeChatErrorKind::InvalidArgument, "{name}");
    }
    let error = wechat.invoke_cloud_function("f", Some("{not json")).await.unwrap_err();
    assert_eq!(error.kind, WeChatErrorKind::InvalidArgument);
    assert!(fake.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_errors() {
    let fake = FakeWeChat::new(|_, _| r#"{"errcode":40014,"errmsg":"invalid access_token=tok-1 rid: 1"}"#.to_owned());
    let wechat = client(&fake);
    let error = wechat.invoke_cloud_function("f", None).await.unwrap_err();
    let shown = format!("{wechat:?} {error:?} {error}");
    assert!(!shown.contains("SECRET") && !shown.contains("tok-1") && !shown.contains("tok-2"), "{shown}");
}

#[tokio::test]
async fn an_errcode_outside_the_table_is_sent_once_and_final() {
    let fake =
        FakeWeChat::new(|_, _| r#"{"errcode":47001,"errmsg":"data format error hint: [数据格式错误]"}"#.to_owned());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!(error.errcode, Some(47001));
    assert!(!error.retryable());
    assert_eq!(error.errmsg, "data format error hint: [数据格式错误]");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unknown_positive_errcode_is_never_retried() {
    let fake = FakeWeChat::new(|_, _| r#"{"errcode":61007,"errmsg":"api unauthorized 🚫"}"#.to_owned());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!((error.errcode, error.kind), (Some(61007), WeChatErrorKind::Rejected));
    assert!(!error.retryable());
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

/// A WeChat that answers business calls with this HTTP status and body.
struct StatusWeChat(u16, &'static str, AtomicUsize);

impl Transport for StatusWeChat {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            if request.url.contains("/cgi-bin/") {
                return Ok(ok(r#"{"access_token":"tok-1","expires_in":7200}"#));
            }
            self.2.fetch_add(1, Ordering::SeqCst);
            Ok(HttpResponse { status: self.0, headers: vec![], body: self.1.as_bytes().to_vec() })
        })
    }
}

#[tokio::test]
async fn a_502_with_a_json_body_without_errcode_is_an_error_naming_502() {
    let wechat = Arc::new(StatusWeChat(502, r#"{"message":"bad gateway 网关错误"}"#, AtomicUsize::new(0)));
    let config = WeChatConfig::new("wx-app", "s", "env-1").with_base_url("http://wechat.test");
    let client = WeChatCloud::builder(config).transport(wechat.clone()).timer(Arc::new(NoWait)).build().unwrap();
    let error = client.invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!((error.kind, error.status, error.errcode), (WeChatErrorKind::Http, Some(502), None));
    assert!(error.errmsg.contains("HTTP 502"), "{}", error.errmsg);
    assert_eq!(wechat.2.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_chinese_function_error_keeps_its_text() {
    let fake = FakeWeChat::new(|_, _| r#"{"errcode":-504002,"errmsg":"Error: 余额不足:100 💸"}"#.to_owned());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert_eq!(error.to_string(), "-504002: Error: 余额不足:100 💸 (function)");
}

#[tokio::test]
async fn a_token_error_that_echoes_the_app_secret_does_not_carry_it() {
    let fake = FakeWeChat::new(|_, _| OK_CALL.to_owned());
    // Found by fuzzing: an answer quoting the request back put the secret's value into the error text.
    *fake.token_answer.lock().unwrap() =
        Some(r#"{"errcode":40125,"errmsg":"无效的 appsecret app-SECRET-1 🔑, hints: [app-SECRET-1]"}"#.to_owned());
    let error = client(&fake).invoke_cloud_function("f", None).await.unwrap_err();
    assert!(!error.errmsg.contains("app-SECRET-1"), "{error:?}");
    assert_eq!(error.errmsg, "无效的 appsecret [redacted] 🔑, hints: [[redacted]]");
}
