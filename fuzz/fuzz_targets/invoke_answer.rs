//! An invoke's answer, any status and any bytes: the call ends exactly once; a 2xx body resolves unchanged
//! exactly when it is JSON (else 601 `invalid_response`); every error is well formed and its details JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::{Answer, Invoke, Op};
use minicloud_core::{ErrorKind, Platform};
use minicloud_fuzz::{
    check_error, drain_stores, live_session, machine, reference, response, run_call, status, Verdict,
};

fuzz_target!(|data: &[u8]| {
    let [status_byte, mode, body @ ..] = data else { return };
    let status = status(*status_byte);
    let auto_login = minicloud_fuzz::auto_login(*mode);
    let mut m = machine(Platform::Wx, auto_login, &live_session());
    let call = m.start(Op::Invoke(Invoke::new("hello")), None, minicloud_fuzz::now(0));
    let result = run_call(&mut m, call, |_| response(status, body));
    drain_stores(&mut m);
    let verdict = std::str::from_utf8(body).map_or(Verdict::NotJson, reference);
    match result {
        Ok(Answer::Body(text)) => {
            assert!((200..300).contains(&status), "a {status} resolved");
            assert_eq!(text.as_bytes(), body, "the body changed");
            assert!(verdict != Verdict::NotJson, "a body that is not JSON resolved: {text:?}");
        }
        Ok(other) => panic!("an invoke resolved to {other:?}"),
        Err(error) => {
            check_error(&error);
            if (200..300).contains(&status) && error.kind() == ErrorKind::InvalidResponse {
                assert!(!matches!(verdict, Verdict::Json(_)), "JSON refused as invalid");
            }
        }
    }
});
