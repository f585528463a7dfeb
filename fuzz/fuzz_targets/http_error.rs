//! HTTP error bodies into errors: any status and bytes make an `HError` whose message is `"{status}: {text}"`
//! with the text the official SDK picks (`error_msg`, else `message`, else the table), whose details are JSON
//! without secrets; and a WeChat error naming the status without the app secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::error::default_text;
use minicloud_core::machine::wechat::WeChatError;
use minicloud_core::HError;
use minicloud_fuzz::{check_error, reference, Verdict};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let [high, low, body @ ..] = data else { return };
    let status = u16::from_be_bytes([*high, *low]);
    let error = HError::from_http(status, body, Some("req-知".into()));
    check_error(&error);
    assert_eq!(error.status(), Some(status));
    assert_eq!(error.request_id(), Some("req-知"));
    let text = error.message().split_once(": ").map(|(_, t)| t.to_owned()).unwrap_or_default();
    let field = |value: &Value, name: &str| {
        value.get(name).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
    };
    let expected = match reference(&String::from_utf8_lossy(body)) {
        _ if status == 404 => "not found".to_owned(),
        // JSON with a number serde_json cannot hold: the machine reads it, serde_json cannot judge it.
        Verdict::Undecided => return,
        Verdict::Json(value) => field(&value, "error_msg")
            .or_else(|| field(&value, "message"))
            .unwrap_or_else(|| default_text(status.into()).to_owned()),
        Verdict::NotJson => default_text(status.into()).to_owned(),
    };
    assert_eq!(text, expected);

    let wechat = WeChatError::from_status("invokecloudfunction", status, body);
    assert_eq!(wechat.status, Some(status));
    assert!(wechat.errmsg.contains(&status.to_string()), "{:?}", wechat.errmsg);
});
