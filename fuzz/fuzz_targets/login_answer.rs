//! A login's answer, any status and any bytes: it ends exactly once; a success stores only JSON values, in
//! the official order, and resolves to a user whose profile is a JSON object; anything else is an error
//! whose details are JSON without secrets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::{Answer, Op, StoredSession};
use minicloud_core::{AccountKind, AutoLogin, Credentials, Platform};
use minicloud_fuzz::{assert_json, check_error, drain_stores, machine, response, run_call, status};

fuzz_target!(|data: &[u8]| {
    let [status_byte, which, body @ ..] = data else { return };
    let status = status(*status_byte);
    let mut m = machine(Platform::Wx, AutoLogin::Disabled, &StoredSession::new());
    let op = match which % 4 {
        0 => Op::Login(Credentials::new(AccountKind::Username, "小明", "pass-🔑")),
        1 => Op::Register(Credentials::new(AccountKind::Email, "a@b.c", "pass")),
        2 => Op::AnonymousLogin,
        _ => Op::SilentLogin(Default::default()),
    };
    let call = m.start(op, None, minicloud_fuzz::now(0));
    let result = run_call(&mut m, call, |_| response(status, body));
    let stores = drain_stores(&mut m);
    match result {
        Ok(Answer::User(user)) => {
            assert!((200..300).contains(&status), "a {status} logged in");
            let profile = assert_json(&user.profile_json, "profile_json");
            assert!(profile.is_none_or(|p| p.is_object()), "profile {}", user.profile_json);
            if let Some(id) = &user.id_json {
                assert_json(id, "id_json");
            }
            let keys: Vec<&str> = stores.iter().map(|(k, _)| *k).collect();
            assert!(keys.contains(&"ifx_baas_auth_token"), "{keys:?}");
            assert_eq!(keys.last(), Some(&"ifx_baas_is_anonymous_user"), "{keys:?}");
            let token = stores.iter().find(|(k, _)| *k == "ifx_baas_auth_token").and_then(|(_, v)| v.clone());
            assert!(token.as_ref().and_then(|t| t.as_str()).is_some_and(|t| !t.is_empty()), "{token:?}");
            assert_eq!(m.session().map(|s| s.expires_at), Some(user.expires_at), "the session is the login's");
        }
        Ok(other) => panic!("a login resolved to {other:?}"),
        Err(error) => {
            check_error(&error);
            assert!(stores.is_empty(), "a failed login stored {stores:?}");
            assert!(m.session().is_none(), "a failed login left a session");
        }
    }
});
