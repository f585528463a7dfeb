//! What the fuzz targets share: serde_json as the reference for "is this JSON", machines set up the way
//! bindings set them up, and the checks every answer must pass (valid JSON where JSON is promised, messages
//! that start with their code, details without secrets).

use std::time::Duration;

use minicloud_core::machine::wechat::{Config, Tokens, WeChatMachine, DEFAULT_BASE_URL};
use minicloud_core::machine::{Machine, Now, StoredSession};
use minicloud_core::{AutoLogin, ClientConfig, HError, HttpResponse, Platform};
use serde_json::Value;

/// The wall clock every target runs at.
pub const NOW_SECS: i64 = 1_700_000_000;

/// `now` at `mono_ms` on the monotonic clock.
pub fn now(mono_ms: u64) -> Now {
    Now::new(mono_ms, NOW_SECS)
}

/// serde_json's verdict on `text`, with no depth limit (validity is compared at any depth).
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// JSON, with this value.
    Json(Value),
    /// Not JSON.
    NotJson,
    /// serde_json cannot tell: the grammar holds, but a number it cannot hold as `f64` (`1e400`, which
    /// `JSON.parse` reads as `Infinity`) stopped it before it checked the strings after it.
    Undecided,
}

fn unbounded<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let value = T::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// What serde_json says of `text`.
pub fn reference(text: &str) -> Verdict {
    match unbounded::<Value>(text) {
        Ok(value) => Verdict::Json(value),
        Err(e)
            if e.to_string().starts_with("number out of range") && unbounded::<serde::de::IgnoredAny>(text).is_ok() =>
        {
            Verdict::Undecided
        }
        Err(_) => Verdict::NotJson,
    }
}

/// Panics unless `text` is JSON (what every driver parses the machine's JSON outputs as); its value, `None`
/// when serde_json cannot hold it ([`Verdict::Undecided`]).
pub fn assert_json(text: &str, what: &str) -> Option<Value> {
    match reference(text) {
        Verdict::Json(value) => Some(value),
        Verdict::Undecided => None,
        Verdict::NotJson => panic!("{what} is not JSON: {text:?}"),
    }
}

/// An answer with this status and body.
pub fn response(status: u16, body: &[u8]) -> HttpResponse {
    HttpResponse { status, headers: vec![("x-request-id".to_owned(), "req-1".to_owned())], body: body.to_vec() }
}

/// A status a fuzzer picks: mostly the ones the rules branch on, sometimes any.
pub fn status(byte: u8) -> u16 {
    const COMMON: [u16; 12] = [200, 201, 204, 400, 401, 403, 404, 413, 429, 500, 502, 504];
    match COMMON.get(usize::from(byte % 16)) {
        Some(status) => *status,
        None => 100 + u16::from(byte) * 2,
    }
}

/// An auto-login mode a fuzzer picks.
pub fn auto_login(byte: u8) -> AutoLogin {
    match byte % 3 {
        0 => AutoLogin::Disabled,
        1 => AutoLogin::Silent,
        _ => AutoLogin::Anonymous,
    }
}

/// A 知晓云 machine on `platform` with `auto_login`, restored from `stored`.
pub fn machine(platform: Platform, auto_login: AutoLogin, stored: &StoredSession) -> Machine {
    let config =
        ClientConfig::new("a4d2d62965ddb57fa4d6", platform).with_host("https://fuzz.test").with_auto_login(auto_login);
    Machine::new(config, stored).expect("a valid config")
}

/// A stored session that is live at [`NOW_SECS`].
pub fn live_session() -> StoredSession {
    StoredSession::new().with("ifx_baas_auth_token", "\"tok-0\"").with("ifx_baas_session_expires_at", "1700003600")
}

/// A WeChat machine that gets its tokens with an app secret.
pub fn wechat_machine() -> WeChatMachine {
    WeChatMachine::new(Config {
        tokens: Tokens::AppSecret {
            app_id: "wx-app".into(),
            app_secret: "SECRET-app-secret".into(),
            mode: Default::default(),
        },
        env: "env-1".into(),
        base_url: DEFAULT_BASE_URL.into(),
        timeout: Duration::from_secs(10),
        max_system_retries: 3,
    })
    .expect("a valid config")
}

/// Checks an `HError` as every binding shows it: the message starts with its code, the details are JSON, and
/// no secret the tests planted (`SECRET-…` after a secret key) survives in them.
pub fn check_error(error: &HError) {
    let code = error.code().to_string();
    assert!(error.message().starts_with(&(code + ": ")), "message {:?} of code {}", error.message(), error.code());
    if let Some(details) = error.details_json() {
        match reference(details) {
            Verdict::Json(value) => check_redacted(&value),
            Verdict::NotJson => panic!("HError details are not JSON: {details:?}"),
            Verdict::Undecided => {}
        }
    }
}

/// Panics when a secret key of `value` (at any depth) holds anything but `"[redacted]"`.
pub fn check_redacted(value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if minicloud_core::redact::is_secret_key(key) {
                    assert_eq!(v, minicloud_core::redact::REDACTED, "secret key {key:?} kept its value");
                } else {
                    check_redacted(v);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(check_redacted),
        _ => {}
    }
}

/// Runs one call of `machine` to its end, answering each request with `answer` (the host gives login code
/// `code-1` and says it is online). Panics when the call has not ended after 32 steps or asks for something a
/// lone call never needs.
pub fn run_call(
    machine: &mut Machine,
    call: minicloud_core::machine::CallId,
    mut answer: impl FnMut(&minicloud_core::HttpRequest) -> HttpResponse,
) -> Result<minicloud_core::machine::Answer, HError> {
    use minicloud_core::machine::{Action, LoginCodeAnswer};
    let mut mono_ms = 0;
    for _ in 0..32 {
        mono_ms += 1;
        match machine.next(call, now(mono_ms)) {
            Action::Done(result) => {
                assert_eq!(machine.calls_in_progress(), 0, "a lone call ended and left a call behind");
                return result;
            }
            Action::Send(request) => {
                let reply = answer(&request);
                machine.on_response(call, reply, now(mono_ms));
            }
            Action::LoginCode => {
                let code = LoginCodeAnswer::Code { code: "code-1".into(), app_name: None };
                machine.on_login_code(call, code, now(mono_ms));
            }
            Action::CheckOffline => machine.on_offline(call, false, now(mono_ms)),
            other => panic!("a lone call asked for {other:?}"),
        }
    }
    panic!("a call did not end after 32 steps");
}

/// Checks the storage writes a machine queued: each is JSON serde_json reads (the native driver drops a write
/// it cannot read, so a write that is not JSON would be lost). Returns them in order.
pub fn drain_stores(machine: &mut Machine) -> Vec<(&'static str, Option<Value>)> {
    let mut stores = Vec::new();
    while let Some(output) = machine.poll_output() {
        if let minicloud_core::machine::Output::Store { key, value_json } = output {
            stores.push((key, assert_json(&value_json, key)));
        }
    }
    stores
}
