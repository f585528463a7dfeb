//! The engine's request parsing ([`minicloud_engine::request`]): any body, name, query or header is read or
//! refused with a 4xx (WeChat: its errcode) naming the problem, never a panic; what is accepted is what
//! serde_json reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_engine::request;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match which % 7 {
        0 => match request::invoke_request(rest) {
            Ok(invoke) => {
                assert!(request::function_name(&invoke.function_name).is_ok());
                assert!(serde_json::from_slice::<serde_json::Value>(rest).is_ok_and(|v| v.is_object()));
            }
            Err(refusal) => assert!(refusal.status == 400 && !refusal.message.is_empty()),
        },
        1 => {
            if let Err(refusal) = request::json_object(rest, true) {
                assert_eq!(refusal.status, 400);
            }
        }
        2 => {
            if let Err(refusal) = request::function_name(&text) {
                assert_eq!(refusal.status, 400);
                // At most 80 characters of the name, each escaped in at most 10.
                assert!(refusal.message.chars().count() < 1000, "the message repeats a long name whole");
            }
        }
        3 => {
            if let Ok(query) = request::query(&text) {
                let (limit, _offset) = request::paging(&query, 100);
                assert!((1..=1000).contains(&limit));
            }
        }
        4 => {
            if let Some(token) = request::session_token(&text) {
                assert!(!token.is_empty() && text.contains(token));
            }
        }
        5 => match request::wechat_event(rest) {
            Ok(_) => assert!(serde_json::from_slice::<serde_json::Value>(rest).is_ok()),
            Err(refusal) => assert!([44002, 47001].contains(&refusal.errcode)),
        },
        _ => {
            if let Err(refusal) = request::stable_token_request(rest) {
                assert_eq!(refusal.errcode, 47001);
            }
        }
    }
});
