//! Restoring a session from arbitrary stored text (a store shared with the official SDK, or with other code,
//! may hold anything under the `ifx_baas_*` keys): never a panic; the session and current user read back are
//! well formed (JSON where JSON is promised); the token read is the stored string; a call then sends it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::session::keys;
use minicloud_core::machine::{Action, Invoke, Op, StoredSession};
use minicloud_core::{AutoLogin, Platform};
use minicloud_fuzz::{assert_json, machine, now, reference, Verdict};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // Up to nine values separated by 0xFF bytes, one per key (an empty part: nothing stored).
    let mut stored = StoredSession::new();
    let mut token = None;
    for (key, part) in keys::ALL.iter().zip(data.split(|b| *b == 0xFF)) {
        if part.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(part);
        stored.insert(key, &text);
        if *key == keys::AUTH_TOKEN {
            token = Some(text.into_owned());
        }
    }
    let mut m = machine(Platform::Wx, AutoLogin::Disabled, &stored);
    let session = m.session();
    let expected_token = token.as_deref().and_then(|t| match reference(t) {
        Verdict::Json(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    });
    assert_eq!(session.as_ref().map(|s| s.token.clone()), expected_token, "token of {token:?}");
    if let Some(user) = m.current_user() {
        let profile = assert_json(&user.profile_json, "profile_json");
        assert!(profile.is_none_or(|p| p.is_object()), "{}", user.profile_json);
        if let Some(id) = &user.id_json {
            assert_json(id, "id_json");
        }
    }
    m.reload_session(&stored);
    assert_eq!(m.session(), session, "reloading the same store changed the session");
    let call = m.start(Op::Invoke(Invoke::new("hello")), None, now(0));
    match m.next(call, now(1)) {
        Action::Send(request) => {
            let auth = request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization"));
            match &session {
                Some(s) => assert_eq!(auth.map(|(_, v)| v.clone()), Some(format!("Hydrogen-r1 {}", s.token))),
                None => assert!(auth.is_none(), "{auth:?} without a stored token"),
            }
        }
        other => panic!("an invoke without auto-login asked for {other:?}"),
    }
});
