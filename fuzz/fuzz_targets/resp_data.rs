//! `resp_data`, WeChat's result as a JSON string decoded a second time: any text comes back as the JSON it
//! holds (unchanged) or, when it is not JSON, as that text in a JSON string; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::json;
use minicloud_core::machine::wechat::WeChatOp;
use minicloud_core::machine::Action;
use minicloud_fuzz::{assert_json, now, reference, response, wechat_machine, Verdict};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let answer = format!(r#"{{"errcode":0,"errmsg":"ok","resp_data":{}}}"#, json::string(text));
    let mut m = wechat_machine();
    let call = m.start(WeChatOp::InvokeCloudFunction { name: "f".into(), event_json: None }, now(0));
    let mut token_sent = false;
    let result = loop {
        match m.next(call, now(1)) {
            Action::Send(_) if !token_sent => {
                token_sent = true;
                m.on_response(call, response(200, br#"{"access_token":"t","expires_in":7200}"#), now(1));
            }
            Action::Send(_) => m.on_response(call, response(200, answer.as_bytes()), now(1)),
            Action::Done(result) => break result.expect("errcode 0 is a success"),
            other => panic!("asked for {other:?}"),
        }
    };
    let decoded = assert_json(&result, "the decoded resp_data");
    match reference(text) {
        Verdict::NotJson => assert_eq!(decoded, Some(Value::String(text.to_owned()))),
        Verdict::Json(_) => assert_eq!(result, text),
        Verdict::Undecided => {}
    }
});
