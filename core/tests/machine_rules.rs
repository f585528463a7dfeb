//! The machine's rules one behaviour at a time, driven synchronously: the current user and silent login,
//! `getCurrentUser`, single flight under cancellation and deadlines, the 401 rule with a replaced token,
//! explicit logins behind an auto-login, one deadline per call, redacted details, and the deprecation notice
//! (process-wide: one test here calls invokeFunction).

use std::time::Duration;

use minicloud_core::machine::{
    Action, Answer, CallId, Invoke, LogLevel, LoginCodeAnswer, Machine, Now, Op, Output, SilentLogin, StoredSession,
};
use minicloud_core::{AccountKind, AutoLogin, ClientConfig, Credentials, HError, HttpRequest, HttpResponse, Platform};

const NOW: i64 = 1_700_000_000;

fn now(ms: u64) -> Now {
    Now::new(ms, NOW)
}

fn config(auto_login: AutoLogin) -> ClientConfig {
    ClientConfig::new("app", Platform::Wx).with_host("http://rules.test").with_auto_login(auto_login)
}

fn live(token: &str, uid: &str) -> StoredSession {
    StoredSession::new()
        .with("ifx_baas_auth_token", &format!("\"{token}\""))
        .with("ifx_baas_session_expires_at", "1700003600")
        .with("ifx_baas_uid", uid)
        .with("ifx_baas_openid", "\"oid-微信\"")
        .with("ifx_baas_userinfo", r#"{"id":7,"nickname":"小明 🚀"}"#)
}

fn answer(status: u16, body: &str) -> HttpResponse {
    HttpResponse { status, headers: vec![], body: body.as_bytes().to_vec() }
}

fn send(action: Action<Answer, HError>) -> HttpRequest {
    match action {
        Action::Send(request) => request,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn done(action: Action<Answer, HError>) -> Result<Answer, HError> {
    match action {
        Action::Done(result) => result,
        other => panic!("expected the end of the call, got {other:?}"),
    }
}

fn outputs(machine: &mut Machine) -> Vec<Output> {
    std::iter::from_fn(|| machine.poll_output()).collect()
}

fn woken(machine: &mut Machine) -> Vec<CallId> {
    outputs(machine)
        .into_iter()
        .filter_map(|o| match o {
            Output::Wake(call) => Some(call),
            _ => None,
        })
        .collect()
}

fn invoke(machine: &mut Machine, at: Now) -> CallId {
    machine.start(Op::Invoke(Invoke::new("f")), None, at)
}

const OK: &str = r#"{"code":0,"data":null,"error":{}}"#;

#[test]
fn invoke_function_is_reported_deprecated_once_per_process() {
    // The only test of this binary that calls invokeFunction: the notice is process-wide.
    let mut first = Machine::new(config(AutoLogin::Disabled), &StoredSession::new()).unwrap();
    let mut second = Machine::new(config(AutoLogin::Disabled), &StoredSession::new()).unwrap();
    let deprecated = || Op::Invoke(Invoke { deprecated_alias: true, ..Invoke::new("f") });
    first.start(deprecated(), None, now(0));
    first.start(deprecated(), None, now(0));
    second.start(deprecated(), None, now(0));
    let warnings: Vec<_> = outputs(&mut first)
        .into_iter()
        .chain(outputs(&mut second))
        .filter_map(|o| match o {
            Output::Log(event) if event.level == LogLevel::Warn => Some(event),
            _ => None,
        })
        .collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        (warnings[0].code, warnings[0].message.as_str()),
        ("invoke_function_deprecated", "invokeFunction is deprecated; use invoke")
    );
}

#[test]
fn silent_login_with_a_live_session_sends_nothing_and_resolves_the_stored_user() {
    let mut machine = Machine::new(config(AutoLogin::Disabled), &live("tok-live", "7")).unwrap();
    let call = machine.start(Op::SilentLogin(SilentLogin::default()), None, now(0));
    let Ok(Answer::User(user)) = done(machine.next(call, now(0))) else { panic!("no user") };
    assert_eq!((user.id_json.as_deref(), user.openid.as_deref()), (Some("7"), Some("oid-微信")));
    assert_eq!(user.profile_json, r#"{"id":7,"nickname":"小明 🚀","openid":"oid-微信"}"#);
    assert_eq!(user.expires_at, Some(1_700_003_600));
}

#[test]
fn login_with_wechat_asks_for_the_unionid_and_respects_create_user_false() {
    let options =
        SilentLogin::login_with_wechat(Some("null"), Some(r#"{"createUser":false,"withUnionID":true}"#)).unwrap();
    let mut machine = Machine::new(config(AutoLogin::Disabled), &StoredSession::new()).unwrap();
    let call = machine.start(Op::SilentLogin(options), None, now(0));
    assert!(matches!(machine.next(call, now(0)), Action::LoginCode));
    machine.on_login_code(call, LoginCodeAnswer::Code { code: "码-1".into(), app_name: None }, now(1));
    let request = send(machine.next(call, now(1)));
    assert_eq!(request.path(), "/hserve/v2.5/idp/wechat/silent-login/");
    assert_eq!(request.body_text(), Some(r#"{"create_user":false,"code":"码-1","login_with_unionid":true}"#));
}

#[test]
fn login_with_wechat_options_are_checked() {
    let e = SilentLogin::login_with_wechat(None, Some(r#"{"createUser":"no"}"#)).unwrap_err();
    assert_eq!(e.message(), "605: createUser must be a boolean, got a string");
    let e = SilentLogin::login_with_wechat(Some(r#"{"detail":{"encryptedData":"x"}}"#), None).unwrap_err();
    assert_eq!(e.code(), 611);
}

#[test]
fn get_current_user_asks_the_server_for_the_stored_uid() {
    let mut machine = Machine::new(config(AutoLogin::Disabled), &live("tok-live", "\"用户 7\"")).unwrap();
    let call = machine.start(Op::GetCurrentUser, None, now(0));
    let request = send(machine.next(call, now(0)));
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(request.path(), "/hserve/v2.5/user/info/%E7%94%A8%E6%88%B7%207/");
    assert!(request.headers.contains(&("Authorization".into(), "Hydrogen-r1 tok-live".into())));
    assert_eq!(request.body, None);
    let profile = r#"{"id":"用户 7","nickname":"小明","openid":"oid-2","_anonymous":false}"#;
    machine.on_response(call, answer(200, profile), now(1));
    let Ok(Answer::User(user)) = done(machine.next(call, now(1))) else { panic!("no user") };
    assert_eq!((user.profile_json.as_str(), user.openid.as_deref()), (profile, Some("oid-2")));
}

#[test]
fn get_current_user_without_a_live_session_is_604() {
    let mut machine = Machine::new(config(AutoLogin::Disabled), &StoredSession::new()).unwrap();
    let call = machine.start(Op::GetCurrentUser, None, now(0));
    let error = done(machine.next(call, now(0))).unwrap_err();
    assert_eq!(error.message(), "604: session missing");
}

#[test]
fn a_cancelled_login_leader_hands_the_login_to_a_waiting_call() {
    let mut machine = Machine::new(config(AutoLogin::Silent), &StoredSession::new()).unwrap();
    let leader = invoke(&mut machine, now(0));
    let waiter = invoke(&mut machine, now(0));
    assert!(matches!(machine.next(leader, now(0)), Action::LoginCode));
    assert!(matches!(machine.next(waiter, now(0)), Action::Wait));
    machine.cancel(leader);
    assert_eq!(woken(&mut machine), vec![waiter]);
    assert!(matches!(machine.next(waiter, now(1)), Action::LoginCode), "the waiter leads a fresh login");
}

#[test]
fn a_login_leader_out_of_time_ends_the_login_for_its_waiters() {
    let mut machine = Machine::new(config(AutoLogin::Silent), &StoredSession::new()).unwrap();
    let leader = machine.start(Op::Invoke(Invoke::new("f")), Some(Duration::from_millis(1500)), now(0));
    let waiter = invoke(&mut machine, now(0));
    machine.next(leader, now(0));
    machine.next(waiter, now(0));
    assert!(machine.on_deadline(leader, now(1500)));
    assert_eq!(woken(&mut machine), vec![waiter]);
    assert_eq!(done(machine.next(leader, now(1500))).unwrap_err().message(), "601: request timeout");
    assert_eq!(done(machine.next(waiter, now(1500))).unwrap_err().kind().as_str(), "timeout");
}

#[test]
fn a_401_for_a_token_already_replaced_is_resent_without_a_login() {
    let mut machine = Machine::new(config(AutoLogin::Silent), &live("tok-0", "7")).unwrap();
    let first = invoke(&mut machine, now(0));
    let second = invoke(&mut machine, now(0));
    send(machine.next(first, now(0)));
    send(machine.next(second, now(0)));
    // The first 401 logs in again.
    machine.on_response(first, answer(401, r#"{"error_msg":"invalid token"}"#), now(1));
    assert!(matches!(machine.next(first, now(1)), Action::LoginCode));
    machine.on_login_code(first, LoginCodeAnswer::Code { code: "c".into(), app_name: None }, now(2));
    send(machine.next(first, now(2)));
    machine.on_response(first, answer(201, r#"{"token":"tok-1","expires_in":7200,"user_id":7}"#), now(3));
    let resent = send(machine.next(first, now(3)));
    assert!(resent.headers.contains(&("Authorization".into(), "Hydrogen-r1 tok-1".into())));
    // The second call's 401 was for tok-0, already replaced: it is resent with tok-1 at once.
    machine.on_response(second, answer(401, r#"{"error_msg":"invalid token"}"#), now(4));
    let resent = send(machine.next(second, now(4)));
    assert_eq!(resent.path(), "/hserve/v1/cloud-function/job/");
    assert!(resent.headers.contains(&("Authorization".into(), "Hydrogen-r1 tok-1".into())));
}

#[test]
fn an_explicit_login_waits_for_the_auto_login_in_flight() {
    let mut machine = Machine::new(config(AutoLogin::Silent), &StoredSession::new()).unwrap();
    let auto = invoke(&mut machine, now(0));
    assert!(matches!(machine.next(auto, now(0)), Action::LoginCode));
    let login = machine.start(Op::Login(Credentials::new(AccountKind::Phone, "13800000000", "密码")), None, now(0));
    assert!(matches!(machine.next(login, now(0)), Action::Wait));
    machine.on_login_code(auto, LoginCodeAnswer::Failed("login:fail".into()), now(1));
    assert_eq!(woken(&mut machine), vec![login]);
    let request = send(machine.next(login, now(1)));
    assert_eq!(request.path(), "/hserve/v2.1/login/phone/");
    assert_eq!(request.body_text(), Some(r#"{"phone":"13800000000","password":"密码"}"#));
}

#[test]
fn each_request_carries_the_time_left_of_its_call() {
    let mut machine = Machine::new(config(AutoLogin::Anonymous), &StoredSession::new()).unwrap();
    let call = invoke(&mut machine, now(0));
    let login = send(machine.next(call, now(0)));
    assert_eq!(login.timeout, Duration::from_millis(6000));
    machine.on_response(call, answer(201, r#"{"token":"t","expires_in":7200}"#), now(2500));
    let request = send(machine.next(call, now(2500)));
    assert_eq!(request.timeout, Duration::from_millis(3500));
}

#[test]
fn a_login_answer_with_an_absurd_lifetime_fails_the_login() {
    let mut machine = Machine::new(config(AutoLogin::Anonymous), &StoredSession::new()).unwrap();
    let call = invoke(&mut machine, now(0));
    send(machine.next(call, now(0)));
    machine.on_response(call, answer(201, r#"{"token":"t","expires_in":-5}"#), now(1));
    let error = done(machine.next(call, now(1))).unwrap_err();
    assert_eq!((error.code(), error.kind().as_str()), (601, "invalid_response"));
    assert!(machine.session().is_none(), "nothing is stored from a broken answer");
}

#[test]
fn the_preview_of_a_2xx_body_that_is_not_json_keeps_no_secret() {
    let mut machine = Machine::new(config(AutoLogin::Disabled), &live("tok-live", "7")).unwrap();
    let call = invoke(&mut machine, now(0));
    send(machine.next(call, now(0)));
    machine.on_response(call, answer(200, r#"{"token":"SECRET-1","user":"小明","data":"#), now(1));
    let error = done(machine.next(call, now(1))).unwrap_err();
    assert_eq!(error.message(), "601: response body is not valid JSON");
    let details = error.details_json().unwrap();
    assert!(!details.contains("SECRET-1") && details.contains("小明"), "{details}");
}

#[test]
fn a_host_login_failure_keeps_its_words_but_not_its_secrets() {
    let mut machine = Machine::new(config(AutoLogin::Silent), &StoredSession::new()).unwrap();
    let call = invoke(&mut machine, now(0));
    machine.next(call, now(0));
    machine.on_login_code(call, LoginCodeAnswer::Failed("login:fail 用户拒绝 🙅 token=SECRET-2".into()), now(1));
    let error = done(machine.next(call, now(1))).unwrap_err();
    assert_eq!(error.message(), "614: third party auth failed");
    let details = error.details_json().unwrap();
    assert!(details.contains("用户拒绝 🙅") && !details.contains("SECRET-2"), "{details}");
}

#[test]
fn a_non_json_error_body_loses_its_secrets() {
    let mut machine = Machine::new(config(AutoLogin::Disabled), &live("tok-live", "7")).unwrap();
    let call = invoke(&mut machine, now(0));
    send(machine.next(call, now(0)));
    machine.on_response(call, answer(502, "upstream said: password=hunter2, 网关错误"), now(1));
    let error = done(machine.next(call, now(1))).unwrap_err();
    assert_eq!(error.message(), "502: unknown error");
    let details = error.details_json().unwrap();
    assert!(!details.contains("hunter2") && details.contains("网关错误"), "{details}");
}

#[test]
fn a_call_is_forgotten_once_done() {
    let mut machine = Machine::new(config(AutoLogin::Disabled), &live("tok-live", "7")).unwrap();
    let call = invoke(&mut machine, now(0));
    send(machine.next(call, now(0)));
    machine.on_response(call, answer(200, OK), now(1));
    assert_eq!(done(machine.next(call, now(1))).unwrap(), Answer::Body(OK.into()));
    assert_eq!(machine.calls_in_progress(), 0);
    assert_eq!(done(machine.next(call, now(2))).unwrap_err().code(), 605);
}
