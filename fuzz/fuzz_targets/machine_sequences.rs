//! The whole 知晓云 machine driven by fuzzer-chosen answer sequences: several calls (invokes, explicit
//! logins, getCurrentUser, logout) on one machine, each step answering one outstanding action with a chosen
//! status and body, a transport failure, a host answer, a hang until the deadline, or a cancellation. Never a
//! panic; every call ends exactly once; no call is left behind; every storage write is JSON.
#![no_main]

use std::collections::BTreeMap;
use std::time::Duration;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::{Action, CallId, Invoke, LoginCodeAnswer, Op, Output, StoredSession};
use minicloud_core::{Platform, TransportError, TransportErrorKind};
use minicloud_fuzz::{assert_json, check_error, live_session, machine, now, response, status};

#[derive(Arbitrary, Debug)]
enum Start {
    Invoke { sync: Option<bool>, timeout_ms: Option<u16> },
    Login,
    Anonymous,
    Silent,
    CurrentUser,
    Logout,
}

#[derive(Arbitrary, Debug)]
enum Step {
    /// Answer the request with this status and body.
    Answer(u8, Vec<u8>),
    /// A login answer with a token.
    LoginOk,
    Connect,
    Timeout,
    Code(String),
    CodeFails(String),
    CodeUnavailable,
    Offline(bool),
    /// Nothing answers: the call's deadline passes.
    Hang,
    Cancel,
    /// Time passes.
    Wait(u16),
}

#[derive(Arbitrary, Debug)]
struct Script {
    auto_login: u8,
    platform: u8,
    stored: u8,
    starts: Vec<Start>,
    steps: Vec<(u8, Step)>,
}

fuzz_target!(|script: Script| {
    let auto = minicloud_fuzz::auto_login(script.auto_login);
    let platform =
        [Platform::Wx, Platform::Tt, Platform::My, Platform::Web, Platform::Node][usize::from(script.platform % 5)];
    let stored = match script.stored % 3 {
        0 => StoredSession::new(),
        1 => live_session(),
        _ => live_session().with("ifx_baas_session_expires_at", "1"),
    };
    let mut m = machine(platform, auto, &stored);
    let mut mono_ms = 0u64;
    let mut pending: BTreeMap<CallId, Action<_, _>> = BTreeMap::new();
    let mut done: BTreeMap<CallId, usize> = BTreeMap::new();
    let mut ids = Vec::new();
    for start in script.starts.iter().take(8) {
        let (op, timeout) = match start {
            Start::Invoke { sync, timeout_ms } => (
                Op::Invoke(Invoke {
                    sync: *sync, params_json: Some(r#"{"名":"值 🚀"}"#.into()), ..Invoke::new("f")
                }),
                timeout_ms.map(|ms| Duration::from_millis(u64::from(ms) + 1)),
            ),
            Start::Login => (
                Op::Login(minicloud_core::Credentials::new(minicloud_core::AccountKind::Phone, "13800000000", "p")),
                None,
            ),
            Start::Anonymous => (Op::AnonymousLogin, None),
            Start::Silent => (Op::SilentLogin(Default::default()), None),
            Start::CurrentUser => (Op::GetCurrentUser, None),
            Start::Logout => (Op::Logout, None),
        };
        ids.push(m.start(op, timeout, now(mono_ms)));
    }
    // Asks the machine for `call`'s next action, records it, and moves woken calls on.
    fn advance(
        m: &mut minicloud_core::Machine,
        call: CallId,
        mono_ms: u64,
        pending: &mut BTreeMap<CallId, Action<minicloud_core::machine::Answer, minicloud_core::HError>>,
        done: &mut BTreeMap<CallId, usize>,
    ) {
        let mut queue = vec![call];
        while let Some(call) = queue.pop() {
            let action = m.next(call, now(mono_ms));
            if let Action::Done(result) = &action {
                if let Err(error) = result {
                    check_error(error);
                }
                *done.entry(call).or_default() += 1;
                pending.remove(&call);
            } else {
                pending.insert(call, action);
            }
            while let Some(output) = m.poll_output() {
                match output {
                    Output::Store { key, value_json } => {
                        assert_json(&value_json, key);
                    }
                    Output::Wake(woken) if matches!(pending.get(&woken), Some(Action::Wait)) => queue.push(woken),
                    _ => {}
                }
            }
        }
    }
    for id in &ids {
        advance(&mut m, *id, mono_ms, &mut pending, &mut done);
    }
    for (pick, step) in script.steps.into_iter().take(64) {
        let live: Vec<CallId> = pending.keys().copied().collect();
        let Some(&call) = live.get(usize::from(pick) % live.len().max(1)) else { break };
        let action = pending.remove(&call).expect("a live call has an action");
        mono_ms += 1;
        match (&action, step) {
            (_, Step::Cancel) => {
                m.cancel(call);
                *done.entry(call).or_default() += 1;
            }
            (_, Step::Hang) => {
                mono_ms = mono_ms.max(m.deadline_ms(call).unwrap_or(mono_ms));
                m.on_deadline(call, now(mono_ms));
            }
            (_, Step::Wait(ms)) => mono_ms += u64::from(ms),
            (Action::Send(_), Step::Answer(s, body)) => m.on_response(call, response(status(s), &body), now(mono_ms)),
            (Action::Send(_), Step::LoginOk) => {
                let body = r#"{"token":"tok-1","expires_in":7200,"user_id":7,"openid":"o-微信"}"#.as_bytes();
                m.on_response(call, response(201, body), now(mono_ms));
            }
            (Action::Send(_), Step::Connect) => {
                m.on_transport_error(call, TransportError::new(TransportErrorKind::Connect, "refused"), now(mono_ms))
            }
            (Action::Send(_), Step::Timeout) => {
                m.on_transport_error(call, TransportError::new(TransportErrorKind::Timeout, "timed out"), now(mono_ms))
            }
            (Action::LoginCode, Step::Code(code)) => {
                m.on_login_code(call, LoginCodeAnswer::Code { code, app_name: None }, now(mono_ms))
            }
            (Action::LoginCode, Step::CodeFails(words)) => {
                m.on_login_code(call, LoginCodeAnswer::Failed(words), now(mono_ms))
            }
            (Action::LoginCode, Step::CodeUnavailable) => {
                m.on_login_code(call, LoginCodeAnswer::Unavailable, now(mono_ms))
            }
            (Action::CheckOffline, Step::Offline(offline)) => m.on_offline(call, offline, now(mono_ms)),
            // An answer that does not fit the action: the machine must ignore it.
            (_, Step::Answer(s, body)) => m.on_response(call, response(status(s), &body), now(mono_ms)),
            (_, Step::Offline(offline)) => m.on_offline(call, offline, now(mono_ms)),
            (_, Step::Code(code)) => {
                m.on_login_code(call, LoginCodeAnswer::Code { code, app_name: None }, now(mono_ms))
            }
            _ => {}
        }
        if done.get(&call).is_none() {
            advance(&mut m, call, mono_ms, &mut pending, &mut done);
        }
    }
    // Whatever is still going runs out of time.
    for _ in 0..64 {
        let Some(&call) = pending.keys().next() else { break };
        mono_ms = mono_ms.max(m.deadline_ms(call).unwrap_or(mono_ms));
        m.on_deadline(call, now(mono_ms));
        pending.remove(&call);
        advance(&mut m, call, mono_ms, &mut pending, &mut done);
    }
    for id in &ids {
        assert_eq!(done.get(id).copied(), Some(1), "call {} did not end exactly once", id.get());
    }
    assert_eq!(m.calls_in_progress(), 0, "calls left behind");
});
