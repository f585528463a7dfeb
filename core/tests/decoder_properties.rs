//! The decoders of bytes we did not write, for any input (the CI-sized versions of the fuzz targets in
//! `fuzz/`): the machine's JSON scanner agrees with serde_json on what is JSON and on the fields it reads;
//! a session restored from any stored text is well formed; any HTTP error body makes a well-formed `HError`
//! whose details are JSON without secrets; an invoke answer resolves exactly when it is JSON; WeChat's
//! `resp_data` decodes to JSON whatever text it holds.

use std::time::Duration;

use minicloud_core::machine::json;
use minicloud_core::machine::session::keys;
use minicloud_core::machine::wechat::{Config, Tokens, WeChatMachine, WeChatOp, DEFAULT_BASE_URL};
use minicloud_core::machine::{Action, Answer, Invoke, Machine, Now, Op, StoredSession};
use minicloud_core::redact::{is_secret_key, REDACTED};
use minicloud_core::{AutoLogin, ClientConfig, HError, HttpResponse, Platform};
use proptest::prelude::*;
use serde_json::Value;

const NOW: Now = Now { mono_ms: 0, unix_secs: 1_700_000_000 };

/// serde_json's verdict: `Err(())` when `text` is not JSON, else its value; `Ok(None)` when serde_json
/// cannot tell: the grammar holds, but a number it cannot hold as `f64` (`1e400`, which `JSON.parse` reads as
/// `Infinity`) stopped it before it checked the strings after it.
fn reference(text: &str) -> Result<Option<Value>, ()> {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Ok(Some(value)),
        Err(e)
            if e.to_string().starts_with("number out of range")
                && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() =>
        {
            Ok(None)
        }
        Err(_) => Err(()),
    }
}

/// JSON values with keys and strings in several scripts, escapes, emoji, secret keys and duplicates.
fn json_value() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        Just("名".to_owned()),
        Just("token".to_owned()),
        Just("error_msg".to_owned()),
        Just("a\"b\\c\n\u{1}".to_owned()),
        "[a-z😀-🙏一-龥\\PC]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        text.clone().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text.clone(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Text that is often JSON and often nearly JSON: a value's text with some bytes changed, cut or added.
fn nearly_json() -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        prop::sample::select(vec![
            "",
            ",",
            "]",
            "}",
            "\"",
            "\\",
            "0",
            "-",
            "e",
            " ",
            "\\ud800",
            "{\"a\":1,\"a\":2}",
            "1e400",
            "\u{feff}",
        ]),
    );
    (json_value(), prop::collection::vec(edit, 0..3)).prop_map(|(value, edits)| {
        let mut text = serde_json::to_string_pretty(&value).unwrap();
        for (at, insert) in edits {
            let mut cut = at.index(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.insert_str(cut, insert);
        }
        text
    })
}

/// Panics when a secret key of `value` holds anything but `"[redacted]"`.
fn assert_redacted(value: &Value) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            if is_secret_key(k) {
                assert_eq!(v, REDACTED, "{k}");
            } else {
                assert_redacted(v);
            }
        }),
        Value::Array(items) => items.iter().for_each(assert_redacted),
        _ => {}
    }
}

fn response(status: u16, body: &[u8]) -> HttpResponse {
    HttpResponse { status, headers: vec![], body: body.to_vec() }
}

fn machine(stored: &StoredSession) -> Machine {
    let config =
        ClientConfig::new("app", Platform::Wx).with_host("https://decoders.test").with_auto_login(AutoLogin::Disabled);
    Machine::new(config, stored).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_scanner_agrees_with_serde_json_on_what_is_json(text in nearly_json()) {
        let ours = json::parse(&text);
        match reference(&text) {
            Ok(Some(_)) => prop_assert!(ours.is_ok(), "JSON refused: {:?}: {:?}", text, ours),
            Err(()) => prop_assert!(ours.is_err(), "not JSON, accepted: {:?}", text),
            Ok(None) => {}
        }
    }

    #[test]
    fn the_scanner_reads_the_fields_serde_json_reads(value in json_value()) {
        let text = serde_json::to_string(&value).unwrap();
        let raw = json::parse(&text).unwrap();
        // serde_json's own reading of the text: numbers as it parses them, compared with its parse of our texts.
        let value = reference(&text).unwrap().unwrap();
        if let Value::Object(map) = &value {
            for (key, expected) in map {
                let member = raw.get(key).unwrap();
                let read = reference(member.text()).unwrap();
                prop_assert_eq!(read.as_ref(), Some(expected));
                if let Value::String(s) = expected {
                    let ours = member.as_str();
                    prop_assert_eq!(ours.as_deref(), Some(s.as_str()));
                }
                if let Some(n) = expected.as_i64() {
                    prop_assert_eq!(member.as_i64(), Some(n));
                }
            }
        }
        prop_assert_eq!(reference(&json::canonical(&text).unwrap()), Ok(Some(value)));
    }

    #[test]
    fn redacted_json_is_json_without_a_secret_keys_value(value in json_value()) {
        let text = serde_json::to_string(&value).unwrap();
        let error = HError::from_http(400, text.as_bytes(), None);
        let details = reference(error.details_json().unwrap()).unwrap().unwrap();
        assert_redacted(&details);
    }

    #[test]
    fn any_http_error_body_makes_a_well_formed_herror(status in 100u16..1000, body in prop::collection::vec(any::<u8>(), 0..200)) {
        let error = HError::from_http(status, &body, Some("请求-1".into()));
        let prefix = format!("{status}: ");
        prop_assert!(error.message().starts_with(&prefix), "{}", error.message());
        prop_assert!(error.message().len() > prefix.len());
        prop_assert_eq!(error.status(), Some(status));
        let details = reference(error.details_json().unwrap());
        prop_assert!(details.is_ok(), "details are not JSON: {:?}", error.details_json());
    }

    #[test]
    fn a_session_restored_from_any_stored_text_is_well_formed(values in prop::collection::vec(prop_oneof![nearly_json(), "\\PC{0,12}"], 9)) {
        let mut stored = StoredSession::new();
        for (key, value) in keys::ALL.iter().zip(&values) {
            stored.insert(key, value);
        }
        let m = machine(&stored);
        let expected_token = match reference(&values[0]) {
            Ok(Some(Value::String(s))) if !s.is_empty() => Some(s),
            _ => None,
        };
        prop_assert_eq!(m.session().map(|s| s.token), expected_token);
        if let Some(user) = m.current_user() {
            let profile = reference(&user.profile_json);
            prop_assert!(matches!(profile, Ok(Some(Value::Object(_)))), "{}", user.profile_json);
        }
    }

    #[test]
    fn an_invoke_answer_resolves_exactly_when_it_is_json(body in nearly_json()) {
        let stored = StoredSession::new().with(keys::AUTH_TOKEN, "\"t\"").with(keys::SESSION_EXPIRES_AT, "1700003600");
        let mut m = machine(&stored);
        let call = m.start(Op::Invoke(Invoke::new("f")), None, NOW);
        prop_assert!(matches!(m.next(call, NOW), Action::Send(_)));
        m.on_response(call, response(200, body.as_bytes()), NOW);
        match m.next(call, NOW) {
            Action::Done(Ok(Answer::Body(text))) => {
                prop_assert_eq!(&text, &body);
                prop_assert!(reference(&body).is_ok(), "not JSON, resolved: {:?}", body);
            }
            Action::Done(Err(error)) => {
                prop_assert_eq!(error.kind().as_str(), "invalid_response");
                prop_assert!(!matches!(reference(&body), Ok(Some(_))), "JSON refused: {:?}", body);
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn resp_data_decodes_to_json_whatever_text_it_holds(text in prop_oneof![nearly_json(), "\\PC{0,20}"]) {
        let mut m = WeChatMachine::new(Config {
            tokens: Tokens::AppSecret { app_id: "wx".into(), app_secret: "s".into(), mode: Default::default() },
            env: "e".into(),
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(10),
            max_system_retries: 0,
        }).unwrap();
        let call = m.start(WeChatOp::InvokeCloudFunction { name: "f".into(), event_json: None }, NOW);
        let answer = serde_json::json!({"errcode": 0, "resp_data": text}).to_string();
        let mut answers = vec![answer.into_bytes(), br#"{"access_token":"t","expires_in":7200}"#.to_vec()];
        let result = loop {
            match m.next(call, NOW) {
                Action::Send(_) => m.on_response(call, response(200, &answers.pop().unwrap()), NOW),
                Action::Done(result) => break result.unwrap(),
                other => panic!("{other:?}"),
            }
        };
        match reference(&text) {
            Err(()) => prop_assert_eq!(reference(&result), Ok(Some(Value::String(text)))),
            Ok(Some(_)) => prop_assert_eq!(result, text),
            Ok(None) => {}
        }
    }
}
