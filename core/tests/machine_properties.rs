//! Properties of the protocol machines, for any sequence of answers: 2xx, 401, 5xx, bodies that are not
//! JSON, transport failures, login codes that fail or never come, hangs that only a deadline ends, and
//! cancellations. Every call ends exactly once, a call's request is resent at most once, concurrent calls
//! share one login (never two at a time), waiters share a failed login, the WeChat machine never retries a
//! final errcode, and nothing panics.

use std::collections::BTreeMap;
use std::time::Duration;

use minicloud_core::machine::wechat::{Config, Tokens, WeChatMachine, WeChatOp, DEFAULT_BASE_URL};
use minicloud_core::machine::{Action, CallId, Invoke, LoginCodeAnswer, Machine, Now, Op, Output, StoredSession};
use minicloud_core::{AutoLogin, ClientConfig, HttpResponse, Platform, TransportError, TransportErrorKind};
use proptest::prelude::*;

/// What the driver does with a call's outstanding action, chosen by the test.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Ok,
    NotJson,
    Unauthorized,
    ServerError,
    Connect,
    Timeout,
    /// Nothing ever answers: the call's deadline passes.
    Hang,
    Cancel,
    LoginFails,
    LoginUnavailable,
    Offline(bool),
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        4 => Just(Answer::Ok),
        1 => Just(Answer::NotJson),
        2 => Just(Answer::Unauthorized),
        1 => Just(Answer::ServerError),
        1 => Just(Answer::Connect),
        1 => Just(Answer::Timeout),
        1 => Just(Answer::Hang),
        1 => Just(Answer::Cancel),
        1 => Just(Answer::LoginFails),
        1 => Just(Answer::LoginUnavailable),
        1 => any::<bool>().prop_map(Answer::Offline),
    ]
}

fn auto_login() -> impl Strategy<Value = AutoLogin> {
    prop_oneof![Just(AutoLogin::Disabled), Just(AutoLogin::Silent), Just(AutoLogin::Anonymous)]
}

/// The stored session: none, live, or expired.
fn stored() -> impl Strategy<Value = StoredSession> {
    (0..3u8).prop_map(|kind| match kind {
        0 => StoredSession::new(),
        1 => StoredSession::new()
            .with("ifx_baas_auth_token", "\"tok-0\"")
            .with("ifx_baas_session_expires_at", "1700003600"),
        _ => StoredSession::new()
            .with("ifx_baas_auth_token", "\"tok-0\"")
            .with("ifx_baas_session_expires_at", "1699999999"),
    })
}

const NOW: i64 = 1_700_000_000;

/// A test driver for the 知晓云 machine that records what happened.
struct Harness {
    machine: Machine,
    now: Now,
    pending: BTreeMap<CallId, Action<minicloud_core::machine::Answer, minicloud_core::HError>>,
    done: BTreeMap<CallId, usize>,
    errors: BTreeMap<CallId, minicloud_core::HError>,
    invoke_sends: BTreeMap<CallId, usize>,
    logins_out: usize,
    max_logins_out: usize,
    login_attempts: usize,
    login_outstanding: BTreeMap<CallId, bool>,
    tokens: usize,
}

impl Harness {
    fn new(machine: Machine) -> Self {
        Harness {
            machine,
            now: Now::new(0, NOW),
            pending: BTreeMap::new(),
            done: BTreeMap::new(),
            errors: BTreeMap::new(),
            invoke_sends: BTreeMap::new(),
            logins_out: 0,
            max_logins_out: 0,
            login_attempts: 0,
            login_outstanding: BTreeMap::new(),
            tokens: 0,
        }
    }

    fn login_started(&mut self, call: CallId) {
        self.login_attempts += 1;
        self.logins_out += 1;
        self.max_logins_out = self.max_logins_out.max(self.logins_out);
        self.login_outstanding.insert(call, true);
    }

    fn login_ended(&mut self, call: CallId) {
        if self.login_outstanding.remove(&call).is_some() {
            self.logins_out -= 1;
        }
    }

    /// Asks the machine what `call` needs next and records it.
    fn advance(&mut self, call: CallId) {
        let action = self.machine.next(call, self.now);
        match &action {
            Action::Done(result) => {
                // A leader that ends (its deadline may have passed while its login was out) ends its login.
                self.login_ended(call);
                *self.done.entry(call).or_default() += 1;
                if let Err(e) = result {
                    self.errors.insert(call, e.clone());
                }
                self.pending.remove(&call);
                self.drain();
                return;
            }
            Action::Send(request) if request.path().contains("/cloud-function/") => {
                *self.invoke_sends.entry(call).or_default() += 1;
            }
            Action::Send(_) if !self.login_outstanding.contains_key(&call) => self.login_started(call),
            Action::LoginCode => self.login_started(call),
            _ => {}
        }
        self.pending.insert(call, action);
        self.drain();
    }

    fn drain(&mut self) {
        let mut woken = Vec::new();
        while let Some(output) = self.machine.poll_output() {
            if let Output::Wake(call) = output {
                woken.push(call);
            }
        }
        for call in woken {
            if matches!(self.pending.get(&call), Some(Action::Wait)) {
                self.advance(call);
            }
        }
    }

    fn response(&mut self, status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: vec![], body: body.as_bytes().to_vec() }
    }

    /// Answers `call`'s outstanding action as `answer` says (where it applies), then moves it on.
    fn answer(&mut self, call: CallId, answer: Answer) {
        let Some(action) = self.pending.remove(&call) else { return };
        if let Answer::Cancel = answer {
            self.login_ended(call);
            self.machine.cancel(call);
            *self.done.entry(call).or_default() += 1;
            self.drain();
            return;
        }
        if let Answer::Hang = answer {
            // Nothing answers: the driver's timer fires at the call's deadline.
            let deadline = self.machine.deadline_ms(call).unwrap_or(self.now.mono_ms);
            self.now.mono_ms = self.now.mono_ms.max(deadline);
            self.login_ended(call);
            self.machine.on_deadline(call, self.now);
            self.advance(call);
            return;
        }
        self.now.mono_ms += 1;
        match action {
            Action::Send(request) => {
                let login = !request.path().contains("/cloud-function/");
                if login {
                    self.login_ended(call);
                }
                match answer {
                    Answer::Ok if login => {
                        self.tokens += 1;
                        let body = format!(r#"{{"token":"tok-{}","expires_in":7200,"user_id":1}}"#, self.tokens);
                        let response = self.response(201, &body);
                        self.machine.on_response(call, response, self.now);
                    }
                    Answer::Ok => {
                        let response = self.response(200, r#"{"code":0,"data":"你好 🚀","error":{}}"#);
                        self.machine.on_response(call, response, self.now);
                    }
                    Answer::NotJson => {
                        let response = self.response(200, "<html>token=abc");
                        self.machine.on_response(call, response, self.now);
                    }
                    Answer::Unauthorized => {
                        let response = self.response(401, r#"{"error_msg":"invalid token"}"#);
                        self.machine.on_response(call, response, self.now);
                    }
                    Answer::ServerError | Answer::LoginFails | Answer::LoginUnavailable | Answer::Offline(_) => {
                        let response = self.response(502, "");
                        self.machine.on_response(call, response, self.now);
                    }
                    Answer::Connect => {
                        let error = TransportError::new(TransportErrorKind::Connect, "refused");
                        self.machine.on_transport_error(call, error, self.now);
                    }
                    Answer::Timeout => {
                        let error = TransportError::new(TransportErrorKind::Timeout, "timed out");
                        self.machine.on_transport_error(call, error, self.now);
                    }
                    Answer::Hang | Answer::Cancel => unreachable!(),
                }
            }
            Action::LoginCode => {
                let code = match answer {
                    Answer::LoginFails => LoginCodeAnswer::Failed("login:fail 用户拒绝".into()),
                    Answer::LoginUnavailable => LoginCodeAnswer::Unavailable,
                    _ => LoginCodeAnswer::Code { code: "code-1".into(), app_name: None },
                };
                // A code is followed by the login request, the same attempt; a failure ends the attempt.
                if !matches!(code, LoginCodeAnswer::Code { .. }) {
                    self.login_ended(call);
                }
                self.machine.on_login_code(call, code, self.now);
            }
            Action::CheckOffline => {
                let offline = matches!(answer, Answer::Offline(true));
                self.machine.on_offline(call, offline, self.now);
            }
            Action::Wait => {
                // A parked call can only be cancelled or run out of time; anything else leaves it parked.
                self.pending.insert(call, Action::Wait);
                return;
            }
            Action::Sleep { .. } | Action::FetchToken { .. } | Action::Done(_) => {}
        }
        self.advance(call);
    }

    /// Every call still going runs out of time.
    fn expire_all(&mut self) {
        for _ in 0..64 {
            let Some(&call) = self.pending.keys().next() else { return };
            self.now.mono_ms = self.now.mono_ms.max(self.machine.deadline_ms(call).unwrap_or(0));
            self.login_ended(call);
            self.machine.on_deadline(call, self.now);
            self.advance(call);
        }
    }
}

fn machine(auto_login: AutoLogin, stored: &StoredSession) -> Machine {
    let config = ClientConfig::new("app", Platform::Wx).with_host("http://machine.test").with_auto_login(auto_login);
    Machine::new(config, stored).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_call_ends_exactly_once_resends_at_most_once_and_logins_never_overlap(
        auto in auto_login(),
        stored in stored(),
        calls in 1usize..6,
        explicit_login in any::<bool>(),
        script in prop::collection::vec((any::<prop::sample::Index>(), answer()), 0..60),
    ) {
        let mut h = Harness::new(machine(auto, &stored));
        let mut ids = Vec::new();
        for i in 0..calls {
            let invoke = Invoke { params_json: Some(format!(r#"{{"n":{i},"名":"值"}}"#)), ..Invoke::new("f") };
            ids.push(h.machine.start(Op::Invoke(invoke), Some(Duration::from_millis(5_000)), h.now));
        }
        if explicit_login {
            ids.push(h.machine.start(Op::AnonymousLogin, None, h.now));
        }
        for id in &ids {
            h.advance(*id);
        }
        for (index, answer) in script {
            let live: Vec<CallId> = h.pending.keys().copied().collect();
            if live.is_empty() {
                break;
            }
            let call = *index.get(&live);
            h.answer(call, answer);
            prop_assert!(h.max_logins_out <= 1, "two logins in flight at once");
        }
        h.expire_all();
        for id in &ids {
            prop_assert_eq!(h.done.get(id).copied(), Some(1), "call {} did not end exactly once", id.get());
            prop_assert!(h.invoke_sends.get(id).copied().unwrap_or(0) <= 2, "call {} resent more than once", id.get());
        }
        prop_assert_eq!(h.machine.calls_in_progress(), 0);
        prop_assert!(h.max_logins_out <= 1);
    }

    #[test]
    fn concurrent_calls_share_one_failed_login(
        calls in 2usize..25,
        failure in prop_oneof![
            Just(Answer::LoginFails), Just(Answer::ServerError), Just(Answer::Connect), Just(Answer::NotJson)
        ],
    ) {
        let mut h = Harness::new(machine(AutoLogin::Silent, &StoredSession::new()));
        let ids: Vec<CallId> = (0..calls).map(|_| h.machine.start(Op::Invoke(Invoke::new("f")), None, h.now)).collect();
        for id in &ids {
            h.advance(*id);
        }
        // Exactly one call asks for a login code; the others wait.
        let leaders: Vec<CallId> =
            ids.iter().copied().filter(|id| matches!(h.pending.get(id), Some(Action::LoginCode))).collect();
        prop_assert_eq!(leaders.len(), 1);
        let leader = leaders[0];
        if let Answer::LoginFails = failure {
            h.answer(leader, failure);
        } else {
            h.answer(leader, Answer::Ok); // the code; then the login request fails
            h.answer(leader, failure);
            if let Some(Action::CheckOffline) = h.pending.get(&leader) {
                h.answer(leader, Answer::Offline(false));
            }
        }
        prop_assert_eq!(h.login_attempts, 1);
        let first = h.errors.get(&leader).cloned();
        prop_assert!(first.is_some(), "the leader did not fail");
        for id in &ids {
            prop_assert_eq!(h.done.get(id).copied(), Some(1));
            prop_assert_eq!(h.errors.get(id), first.as_ref(), "call {} got another outcome", id.get());
        }
        // A later call tries again.
        let later = h.machine.start(Op::Invoke(Invoke::new("f")), None, h.now);
        prop_assert!(matches!(h.machine.next(later, h.now), Action::LoginCode));
    }

    #[test]
    fn wechat_never_retries_a_final_errcode(
        errcode in any::<i64>().prop_filter("not retried by rule", |c| ![0, -1, -1000, 40001, 40014, 42001].contains(c)),
        errmsg in "\\PC{0,40}",
    ) {
        let config = Config {
            tokens: Tokens::AppSecret { app_id: "wx".into(), app_secret: "s".into(), mode: Default::default() },
            env: "e".into(),
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(10),
            max_system_retries: 3,
        };
        let mut machine = WeChatMachine::new(config).unwrap();
        let now = Now::new(0, NOW);
        let call = machine.start(WeChatOp::InvokeCloudFunction { name: "f".into(), event_json: None }, now);
        let mut business_sends = 0;
        let body = serde_json::json!({"errcode": errcode, "errmsg": errmsg}).to_string();
        for _ in 0..20 {
            match machine.next(call, now) {
                Action::Send(request) if request.url.contains("/cgi-bin/") => {
                    let token = HttpResponse { status: 200, headers: vec![], body: br#"{"access_token":"t","expires_in":7200}"#.to_vec() };
                    machine.on_response(call, token, now);
                }
                Action::Send(_) => {
                    business_sends += 1;
                    machine.on_response(call, HttpResponse { status: 200, headers: vec![], body: body.clone().into_bytes() }, now);
                }
                Action::Done(result) => {
                    let error = result.unwrap_err();
                    prop_assert_eq!(error.errcode, Some(errcode));
                    prop_assert!(!error.retryable() || errcode == 45011);
                    break;
                }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert_eq!(business_sends, 1);
    }

    #[test]
    fn wechat_calls_end_exactly_once_whatever_wechat_answers(
        answers in prop::collection::vec(
            prop_oneof![
                Just(r#"{"errcode":0,"resp_data":"{\"ok\":\"好\"}"}"#.to_owned()),
                Just(r#"{"errcode":-1,"errmsg":"system"}"#.to_owned()),
                Just(r#"{"errcode":40001,"errmsg":"invalid"}"#.to_owned()),
                Just(r#"{"errcode":42001,"errmsg":"expired"}"#.to_owned()),
                Just(r#"{"message":"bad gateway"}"#.to_owned()),
                Just("not json".to_owned()),
            ],
            1..12,
        ),
        status in prop_oneof![Just(200u16), Just(502u16)],
    ) {
        let config = Config {
            tokens: Tokens::AppSecret { app_id: "wx".into(), app_secret: "s".into(), mode: Default::default() },
            env: "e".into(),
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(10),
            max_system_retries: 3,
        };
        let mut machine = WeChatMachine::new(config).unwrap();
        let mut now = Now::new(0, NOW);
        let call = machine.start(WeChatOp::InvokeCloudFunction { name: "f".into(), event_json: Some("{}".into()) }, now);
        let mut answers = answers.into_iter();
        let mut business_sends = 0;
        let mut ended = false;
        for _ in 0..100 {
            match machine.next(call, now) {
                Action::Send(request) if request.url.contains("/cgi-bin/") => {
                    let token = HttpResponse { status: 200, headers: vec![], body: br#"{"access_token":"t","expires_in":7200}"#.to_vec() };
                    machine.on_response(call, token, now);
                }
                Action::Send(_) => {
                    business_sends += 1;
                    match answers.next() {
                        Some(body) => machine.on_response(call, HttpResponse { status, headers: vec![], body: body.into_bytes() }, now),
                        None => {
                            now.mono_ms = machine.deadline_ms(call).unwrap();
                            machine.on_deadline(call, now);
                        }
                    }
                }
                Action::Sleep { until_ms } => now.mono_ms = until_ms,
                Action::Done(_) => {
                    ended = true;
                    break;
                }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert!(ended);
        prop_assert!(matches!(machine.next(call, now), Action::Done(Err(_))), "a second Done must be the unknown-call error");
        prop_assert_eq!(machine.calls_in_progress(), 0);
        // One call, one refresh retry, three system retries at most.
        prop_assert!(business_sends <= 5, "{} business sends", business_sends);
    }
}
