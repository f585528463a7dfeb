//! WeChat's answers, any status and any bytes, for the token endpoint and `invokecloudfunction`: the call
//! ends exactly once within its retry budget; a success is JSON (`resp_data` decoded a second time); an
//! error never carries the app secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::wechat::WeChatOp;
use minicloud_core::machine::Action;
use minicloud_fuzz::{assert_json, now, response, status, wechat_machine};

fuzz_target!(|data: &[u8]| {
    // The input is up to eight answers: a status byte, then a body up to the next 0xFF byte.
    let answers: Vec<(u16, &[u8])> = data
        .split(|b| *b == 0xFF)
        .take(8)
        .filter_map(|part| part.split_first().map(|(s, body)| (status(*s), body)))
        .collect();
    let Some(first) = answers.first().copied() else { return };
    let mut m = wechat_machine();
    let event = Some(r#"{"名":"值 🚀"}"#.to_owned());
    let call = m.start(WeChatOp::InvokeCloudFunction { name: "hello".into(), event_json: event }, now(0));
    let mut answers = answers.into_iter();
    let mut mono_ms = 0;
    let mut sends = 0;
    for _ in 0..64 {
        mono_ms += 1;
        match m.next(call, now(mono_ms)) {
            Action::Send(_) => {
                sends += 1;
                let (status, body) = answers.next().unwrap_or(first);
                m.on_response(call, response(status, body), now(mono_ms));
            }
            Action::Sleep { until_ms } => mono_ms = until_ms,
            Action::Done(Ok(text)) => {
                assert_json(&text, "the call's result");
                assert_eq!(m.calls_in_progress(), 0);
                return;
            }
            Action::Done(Err(error)) => {
                assert!(!error.errmsg.contains("SECRET-app-secret"), "{error:?}");
                assert!(!error.describe().is_empty());
                assert_eq!(m.calls_in_progress(), 0);
                return;
            }
            other => panic!("asked for {other:?}"),
        }
        // Token fetches and calls, each with a refresh and three system retries at most.
        assert!(sends <= 12, "{sends} requests");
    }
    panic!("the call did not end");
});
