//! The 知晓云 open-API client (PROTOCOL.md §5.1–5.2) against a scripted 知晓云: the two-step token flow with
//! its redirects and cookies, the token cache, one flow for concurrent callers, one refresh on a 401, the
//! errors of each step, and the cloud-function calls' bytes. (End-to-end runs against the engine live in
//! `tests/e2e`.)

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use minicloud_core::minapp_server::{JobQuery, MinappServer, ServerConfig};
use minicloud_core::{
    BoxFuture, Clock, ErrorKind, HttpRequest, HttpResponse, Method, Timer, Transport, TransportError,
};

const SECRET: &str = "客户端-SECRET-🔑";
const AUTHORIZE: &str = "http://minapp.test/api/oauth2/hydrogen/openapi/authorize/";

/// How the scripted server answers open-API call `n` made with `token`: status and body.
type Api = Box<dyn Fn(usize, &str, &HttpRequest) -> (u16, String) + Send + Sync>;

/// A scripted 知晓云: the authorize step answers through two `302`s that set cookies and checks them; the
/// access-token step checks the form and hands out `tok-N`.
struct FakeMinapp {
    authorizes: AtomicUsize,
    tokens: AtomicUsize,
    calls: AtomicUsize,
    /// Replaces the authorize step's first answer.
    authorize_answer: Mutex<Option<HttpResponse>>,
    /// Replaces the access-token step's answer.
    token_answer: Mutex<Option<HttpResponse>>,
    api: Api,
    seen: Mutex<Vec<HttpRequest>>,
}

fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        body: body.as_bytes().to_vec(),
    }
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

impl FakeMinapp {
    fn new(api: impl Fn(usize, &str, &HttpRequest) -> (u16, String) + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(FakeMinapp {
            authorizes: AtomicUsize::new(0),
            tokens: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
            authorize_answer: Mutex::new(None),
            token_answer: Mutex::new(None),
            api: Box::new(api),
            seen: Mutex::new(Vec::new()),
        })
    }

    fn ok() -> Arc<Self> {
        Self::new(|_, _, _| (200, r#"{"code":0,"data":"hello allen","error":{}}"#.to_owned()))
    }

    fn seen(&self) -> Vec<HttpRequest> {
        self.seen.lock().unwrap().clone()
    }

    fn answer(&self, request: &HttpRequest) -> HttpResponse {
        let path = request.path();
        if path == "/api/oauth2/hydrogen/openapi/authorize/" {
            let n = self.authorizes.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(scripted) = self.authorize_answer.lock().unwrap().clone() {
                return scripted;
            }
            let body = format!(r#"{{"client_id":"client-1","client_secret":"{SECRET}"}}"#);
            if request.method != Method::Post || request.body_text() != Some(body.as_str()) {
                return answer(401, &[], r#"{"error_msg":"invalid client"}"#);
            }
            let location = format!("/api/oauth2/hydrogen/openapi/authorize/step/?n={n}");
            return answer(302, &[("Location", &location), ("Set-Cookie", "sessionid=s-1; Path=/; HttpOnly")], "");
        }
        if path.starts_with("/api/oauth2/hydrogen/openapi/authorize/step/") {
            if header(request, "cookie") != Some("sessionid=s-1") || request.method != Method::Get {
                return answer(403, &[], r#"{"error_msg":"no session cookie"}"#);
            }
            let n = path.rsplit('=').next().unwrap();
            let location = format!("http://minapp.test/api/oauth2/hydrogen/openapi/authorize/code/?n={n}");
            return answer(302, &[("location", &location), ("set-cookie", "csrftoken=c-1; Secure")], "");
        }
        if path.starts_with("/api/oauth2/hydrogen/openapi/authorize/code/") {
            if header(request, "cookie") != Some("sessionid=s-1; csrftoken=c-1") {
                return answer(403, &[], r#"{"error_msg":"cookies lost"}"#);
            }
            let n = path.rsplit('=').next().unwrap();
            return answer(200, &[], &format!(r#"{{"code":"code-{n}","expires_in":10}}"#));
        }
        if path == "/api/oauth2/access_token/" {
            let n = self.tokens.fetch_add(1, Ordering::SeqCst) + 1;
            if let Some(scripted) = self.token_answer.lock().unwrap().clone() {
                return scripted;
            }
            let form = request.body_text().unwrap_or_default();
            if !form.contains(&format!("name=\"code\"\r\n\r\ncode-{n}\r\n")) {
                return answer(400, &[], r#"{"error_msg":"invalid code"}"#);
            }
            let body = format!(
                r#"{{"access_token":"tok-{n}","token_type":"Bearer","expires_in":7200,"refresh_token":"r-{n}","scope":"all"}}"#
            );
            return answer(200, &[], &body);
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let token = header(request, "authorization").and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("");
        let (status, body) = (self.api)(n, token, request);
        answer(status, &[("x-request-id", "req-7")], &body)
    }
}

impl Transport for FakeMinapp {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.seen.lock().unwrap().push(request.clone());
            Ok(self.answer(&request))
        })
    }
}

struct NoWait;
impl Timer for NoWait {
    fn sleep(&self, _: Duration) -> BoxFuture<'_, ()> {
        Box::pin(std::future::pending())
    }
}

struct ManualClock(AtomicI64);
impl Clock for ManualClock {
    fn now_secs(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn server_with_clock(fake: &Arc<FakeMinapp>, clock: Arc<dyn Clock>) -> MinappServer {
    let config = ServerConfig::new("client-1", SECRET).with_host("http://minapp.test");
    MinappServer::builder(config).transport(fake.clone()).timer(Arc::new(NoWait)).clock(clock).build().unwrap()
}

fn server(fake: &Arc<FakeMinapp>) -> MinappServer {
    server_with_clock(fake, Arc::new(ManualClock(AtomicI64::new(1_700_000_000))))
}

#[tokio::test]
async fn the_token_flow_follows_two_redirects_keeping_cookies_then_sends_the_code_as_a_multipart_form() {
    let fake = FakeMinapp::ok();
    server(&fake).invoke("helloWorld", Some(r#"{"name":"allen"}"#), true).await.unwrap();
    let seen = fake.seen();
    let steps: Vec<(Method, &str)> = seen.iter().map(|r| (r.method, r.url.as_str())).collect();
    assert_eq!(
        steps,
        vec![
            (Method::Post, AUTHORIZE),
            (Method::Get, "http://minapp.test/api/oauth2/hydrogen/openapi/authorize/step/?n=1"),
            (Method::Get, "http://minapp.test/api/oauth2/hydrogen/openapi/authorize/code/?n=1"),
            (Method::Post, "http://minapp.test/api/oauth2/access_token/"),
            (Method::Post, "http://minapp.test/oserve/v1.3/cloud-function/helloWorld/job/"),
        ]
    );
    assert_eq!(header(&seen[0], "content-type"), Some("application/json"));
    assert_eq!(seen[1].body, None, "a 302 is followed with GET and no body");
    let exchange = &seen[3];
    let boundary = "minicloud-form-boundary-7d3f9a";
    assert_eq!(header(exchange, "content-type"), Some(format!("multipart/form-data; boundary={boundary}").as_str()));
    let part = |name: &str, value: &str| {
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let expected = [
        part("client_id", "client-1"),
        part("client_secret", SECRET),
        part("code", "code-1"),
        part("grant_type", "authorization_code"),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    assert_eq!(exchange.body_text(), Some(expected.as_str()));
}

#[tokio::test]
async fn invoke_posts_data_and_sync_with_the_bearer_token_and_returns_the_body() {
    let fake =
        FakeMinapp::new(|_, _, r| (200, format!(r#"{{"code":0,"data":{},"error":{{}}}}"#, r.body_text().unwrap())));
    let result = server(&fake).invoke("问候", Some(r#"{"name":"小明 🌏"}"#), false).await.unwrap();
    assert_eq!(result["data"], serde_json::json!({"data": {"name": "小明 🌏"}, "sync": false}));
    let call = fake.seen().pop().unwrap();
    assert_eq!(call.url, "http://minapp.test/oserve/v1.3/cloud-function/%E9%97%AE%E5%80%99/job/");
    assert_eq!(header(&call, "authorization"), Some("Bearer tok-1"));
}

#[tokio::test]
async fn the_token_is_cached_and_renewed_ahead_of_expiry() {
    let fake = FakeMinapp::ok();
    let clock = Arc::new(ManualClock(AtomicI64::new(1_700_000_000)));
    let server = server_with_clock(&fake, clock.clone());
    server.invoke("f", None, true).await.unwrap();
    server.invoke("f", None, true).await.unwrap();
    assert_eq!(fake.tokens.load(Ordering::SeqCst), 1);
    clock.0.fetch_add(7200 - 300 - 1, Ordering::SeqCst);
    server.invoke("f", None, true).await.unwrap();
    assert_eq!(fake.tokens.load(Ordering::SeqCst), 1, "still 301 s left");
    clock.0.fetch_add(1, Ordering::SeqCst);
    server.invoke("f", None, true).await.unwrap();
    assert_eq!(fake.tokens.load(Ordering::SeqCst), 2, "renewed 300 s before expiry");
}

#[tokio::test]
async fn a_401_fetches_a_fresh_token_once_and_sends_the_call_again() {
    let fake = FakeMinapp::new(|_, token, _| match token {
        "tok-1" => (401, r#"{"status":"error","error_msg":"token expired"}"#.to_owned()),
        _ => (200, r#"{"code":0,"data":1,"error":{}}"#.to_owned()),
    });
    let result = server(&fake).invoke("f", None, true).await.unwrap();
    assert_eq!(result["data"], 1);
    assert_eq!((fake.tokens.load(Ordering::SeqCst), fake.calls.load(Ordering::SeqCst)), (2, 2));
}

#[tokio::test]
async fn a_second_401_is_the_callers_error() {
    let fake = FakeMinapp::new(|_, _, _| (401, r#"{"status":"error","error_msg":"invalid token"}"#.to_owned()));
    let error = server(&fake).invoke("f", None, true).await.unwrap_err();
    assert_eq!((error.code(), error.message(), error.kind()), (401, "401: invalid token", ErrorKind::Unauthenticated));
    assert_eq!((fake.tokens.load(Ordering::SeqCst), fake.calls.load(Ordering::SeqCst)), (2, 2));
}

#[tokio::test]
async fn a_thousand_concurrent_calls_share_one_token_flow() {
    let fake = FakeMinapp::ok();
    let server = server(&fake);
    let calls = (0..1000).map(|_| server.invoke("f", None, true));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!((fake.authorizes.load(Ordering::SeqCst), fake.tokens.load(Ordering::SeqCst)), (1, 1));
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1000);
}

#[tokio::test]
async fn a_wrong_client_secret_is_one_error_naming_the_authorize_step_without_retries() {
    let fake = FakeMinapp::ok();
    let config = ServerConfig::new("client-1", "wrong-secret").with_host("http://minapp.test");
    let server = MinappServer::builder(config).transport(fake.clone()).build().unwrap();
    let error = server.invoke("f", None, true).await.unwrap_err();
    assert_eq!(error.code(), 401);
    assert_eq!(
        error.message(),
        "401: open API authorize step failed: HTTP 401: invalid client (check the client ID and client secret)"
    );
    assert_eq!(error.status(), Some(401));
    assert_eq!((fake.authorizes.load(Ordering::SeqCst), fake.calls.load(Ordering::SeqCst)), (1, 0));
    assert!(!format!("{error:?}").contains("wrong-secret"));
}

#[tokio::test]
async fn an_html_answer_to_the_authorize_step_is_an_error_with_its_status() {
    let fake = FakeMinapp::ok();
    *fake.authorize_answer.lock().unwrap() = Some(answer(502, &[], "<html><body>Bad Gateway 网关</body></html>"));
    let error = server(&fake).invoke("f", None, true).await.unwrap_err();
    assert_eq!(error.code(), 502);
    assert_eq!(error.message(), "502: open API authorize step failed: HTTP 502 with a body that is not JSON (HTML?)");
    assert_eq!((error.kind(), error.retryable()), (ErrorKind::Server, true));
}

#[tokio::test]
async fn a_5xx_from_the_access_token_step_names_that_step() {
    let fake = FakeMinapp::ok();
    *fake.token_answer.lock().unwrap() = Some(answer(500, &[], r#"{"error_msg":"服务器内部错误 💥"}"#));
    let error = server(&fake).invoke("f", None, true).await.unwrap_err();
    assert_eq!(error.message(), "500: open API access_token step failed: HTTP 500: 服务器内部错误 💥");
}

#[tokio::test]
async fn an_access_token_answer_without_a_token_is_an_invalid_response() {
    let fake = FakeMinapp::ok();
    *fake.token_answer.lock().unwrap() = Some(answer(200, &[], r#"{"token_type":"Bearer"}"#));
    let error = server(&fake).invoke("f", None, true).await.unwrap_err();
    assert_eq!((error.code(), error.kind()), (601, ErrorKind::InvalidResponse));
    assert!(error.message().contains("without an access_token"), "{}", error.message());
}

#[tokio::test]
async fn redirects_past_the_limit_end_the_flow() {
    let fake = FakeMinapp::ok();
    *fake.authorize_answer.lock().unwrap() = Some(answer(302, &[("Location", AUTHORIZE)], ""));
    let error = server(&fake).invoke("f", None, true).await.unwrap_err();
    assert!(error.message().contains("one redirect too many (the limit is 5)"), "{}", error.message());
    assert_eq!(fake.authorizes.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn bad_function_names_are_refused_before_anything_is_sent() {
    let fake = FakeMinapp::ok();
    let server = server(&fake);
    for (name, problem) in [
        ("../etc", "contains a path separator"),
        ("a\\b", "contains a path separator"),
        ("a..b", "contains \"..\""),
        ("a\0b", "contains a NUL character"),
        ("", "must be a non-empty string"),
    ] {
        let error = server.invoke(name, None, true).await.unwrap_err();
        assert_eq!((error.code(), error.kind()), (605, ErrorKind::InvalidArgument));
        assert!(error.message().ends_with(problem), "{}", error.message());
    }
    let long = "函".repeat(22);
    assert!(server.delete_function(&long).await.unwrap_err().message().ends_with("is longer than 64 bytes"));
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn an_unknown_function_is_404_and_a_failed_schedule_400_with_the_servers_words() {
    let fake = FakeMinapp::new(|_, _, r| {
        if r.url.contains("/missing/") {
            (404, r#"{"status":"error","error_msg":"function missing not found"}"#.to_owned())
        } else {
            (400, r#"{"status":"error","error_msg":"schedule failed: 工作进程忙 🐢"}"#.to_owned())
        }
    });
    let server = server(&fake);
    let missing = server.invoke("missing", None, true).await.unwrap_err();
    assert_eq!(
        (missing.message(), missing.kind(), missing.request_id()),
        ("404: not found", ErrorKind::NotFound, Some("req-7"))
    );
    let busy = server.invoke("busy", None, true).await.unwrap_err();
    assert_eq!(busy.message(), "400: schedule failed: 工作进程忙 🐢");
}

#[tokio::test]
async fn function_management_uses_the_documented_methods_paths_and_bodies() {
    let fake = FakeMinapp::new(|_, _, r| match r.method {
        Method::Delete => (204, String::new()),
        _ => (200, r#"{"meta":{},"objects":[]}"#.to_owned()),
    });
    let server = server(&fake);
    server.create_function("f", "exports.main = () => '你好'", Some("备注 ✨")).await.unwrap();
    server.update_function("f", None, Some("新备注")).await.unwrap();
    server.delete_function("f").await.unwrap();
    let query =
        JobQuery { status: Some("fulfilled".into()), created_at_gte: Some(10), limit: Some(5), ..Default::default() };
    server.list_jobs("f", query).await.unwrap();
    server.list_functions(Some(20), None).await.unwrap();
    let seen = fake.seen();
    let api: Vec<(Method, String, Option<String>)> =
        seen[4..].iter().map(|r| (r.method, r.path().to_owned(), r.body_text().map(str::to_owned))).collect();
    assert_eq!(
        api,
        vec![
            (
                Method::Post,
                "/oserve/v1.3/cloud-function/".into(),
                Some(r#"{"name":"f","function_code":"exports.main = () => '你好'","remark":"备注 ✨"}"#.into())
            ),
            (Method::Patch, "/oserve/v1.3/cloud-function/f/".into(), Some(r#"{"remark":"新备注"}"#.into())),
            (Method::Delete, "/oserve/v1.3/cloud-function/f/".into(), None),
            (
                Method::Get,
                "/oserve/v1.3/cloud-function/f/job/?status=fulfilled&created_at__gte=10&limit=5".into(),
                None
            ),
            (Method::Get, "/oserve/v1.3/cloud-function/?limit=20".into(), None),
        ]
    );
}

#[tokio::test]
async fn a_printed_client_never_shows_the_secret_or_the_token() {
    let fake = FakeMinapp::ok();
    let server = server(&fake);
    server.invoke("f", None, true).await.unwrap();
    let text = format!("{server:?} {:?}", fake.seen());
    assert!(!text.contains(SECRET) && !text.contains("tok-1"), "{text}");
}

#[tokio::test]
async fn a_fixed_access_token_skips_the_token_flow_and_a_401_with_it_is_final() {
    let fake = FakeMinapp::new(|_, token, _| match token {
        "admin-1" => (200, r#"{"meta":{},"objects":[]}"#.to_owned()),
        _ => (401, r#"{"error_msg":"invalid access token"}"#.to_owned()),
    });
    let config =
        ServerConfig::with_access_token("client-1", "admin-1").with_host("http://minapp.test").with_env("测试环境");
    let server = MinappServer::builder(config).transport(fake.clone()).build().unwrap();
    server.list_functions(None, None).await.unwrap();
    assert_eq!(header(&fake.seen()[0], "x-hydrogen-env-id"), Some("测试环境"));
    let config = ServerConfig::with_access_token("client-1", "stale").with_host("http://minapp.test");
    let error = MinappServer::builder(config).transport(fake.clone()).build().unwrap().list_functions(None, None).await;
    assert_eq!(error.unwrap_err().code(), 401);
    assert_eq!((fake.authorizes.load(Ordering::SeqCst), fake.calls.load(Ordering::SeqCst)), (0, 2));
}

#[tokio::test]
async fn an_authorize_answer_that_echoes_the_client_secret_does_not_carry_it() {
    let fake = FakeMinapp::ok();
    let echo = format!(r#"{{"error_msg":"客户端密钥 {SECRET} 无效 🔑","echo":"client_secret={SECRET}&x={SECRET}"}}"#);
    *fake.authorize_answer.lock().unwrap() = Some(answer(400, &[], &echo));
    let error = server(&fake).invoke("f", None, true).await.unwrap_err();
    assert_eq!(
        error.message(),
        "400: open API authorize step failed: HTTP 400: 客户端密钥 [redacted] 无效 🔑 (check the client ID and client secret)"
    );
    let shown = format!("{error:?} {}", error.details_json().unwrap_or_default());
    assert!(!shown.contains(SECRET), "{shown}");
}
