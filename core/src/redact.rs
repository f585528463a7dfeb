//! Keeps secrets out of error details, logs and `Debug` output.
//!
//! [`redact_text`] reads free text of any script (Chinese messages, emoji, combining marks) without ever
//! slicing inside a character: it only looks for ASCII separators and key names, and every position it
//! cuts at is an ASCII byte or the end of the text, which is always a character boundary in UTF-8.

use std::ops::Range;

use serde_json::Value;

/// Keys whose values are secrets wherever they appear in a JSON document.
const SECRET_KEYS: &[&str] = &[
    "token",
    "auth_token",
    "access_token",
    "refresh_token",
    "password",
    "secret",
    "app_secret",
    "appsecret",
    "session_key",
    "authorization",
];

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Whether a JSON key names a secret (case-insensitive).
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Replaces, in place and at any depth, the value of every secret key with [`REDACTED`].
pub fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// Removes secrets from free text such as a transport's error message: `key=value` query parameters and
/// `Authorization`-style header values whose key is a secret. Any text is accepted; text without secrets comes
/// back unchanged.
///
/// Every `=` and `:` of the text is looked at, also those inside a value already being removed, so a secret
/// never escapes because an earlier value swallowed its key.
pub fn redact_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut query_value_end = NextStop::new(QUERY_VALUE_STOPS);
    let mut header_value_end = NextStop::new(HEADER_VALUE_STOPS);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut pending: Option<Range<usize>> = None;
    for (at, &sep) in bytes.iter().enumerate() {
        if !matches!(sep, b'=' | b':') || !is_secret_key_bytes(key_before(bytes, at)) {
            continue;
        }
        let start = at + 1 + bytes[at + 1..].iter().take_while(|b| matches!(b, b' ' | b'"')).count();
        let ends = if sep == b'=' { &mut query_value_end } else { &mut header_value_end };
        let value = start..ends.at_or_after(bytes, start);
        if value.is_empty() {
            continue;
        }
        match &mut pending {
            Some(span) if value.start <= span.end => span.end = span.end.max(value.end),
            _ => {
                if let Some(span) = pending.replace(value) {
                    out.push_str(&text[copied..span.start]);
                    out.push_str(REDACTED);
                    copied = span.end;
                }
            }
        }
    }
    if let Some(span) = pending {
        out.push_str(&text[copied..span.start]);
        out.push_str(REDACTED);
        copied = span.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Where a `key=value` value ends.
const QUERY_VALUE_STOPS: &[u8] = b"& \",)\n";
/// Where a `key: value` value ends (a header value may hold spaces, as in `Hydrogen-r1 abc`).
const HEADER_VALUE_STOPS: &[u8] = b"\",\n";

/// The key name that ends right before `sep`: the ASCII letters, digits, `_` and `-` in front of it.
fn key_before(bytes: &[u8], sep: usize) -> &[u8] {
    let len = bytes[..sep].iter().rev().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')).count();
    &bytes[sep - len..sep]
}

fn is_secret_key_bytes(key: &[u8]) -> bool {
    !key.is_empty() && SECRET_KEYS.iter().any(|k| k.as_bytes().eq_ignore_ascii_case(key))
}

/// The first stop byte at or after a position. Positions asked for only grow, so the answer found for one is
/// reused while it still holds: the text is read once however many values overlap.
struct NextStop {
    stops: &'static [u8],
    known: Option<Range<usize>>,
}

impl NextStop {
    fn new(stops: &'static [u8]) -> Self {
        NextStop { stops, known: None }
    }

    /// The index of the first stop byte at or after `from` (`bytes.len()` when there is none).
    fn at_or_after(&mut self, bytes: &[u8], from: usize) -> usize {
        match &self.known {
            Some(known) if known.start <= from && from <= known.end => known.end,
            _ => {
                let end = bytes[from..].iter().position(|b| self.stops.contains(b)).map_or(bytes.len(), |i| from + i);
                self.known = Some(from..end);
                end
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_tokens_are_removed_from_text() {
        let t = redact_text("error sending request for url (https://x/tcb?access_token=SECRET1&env=e)");
        assert_eq!(t, "error sending request for url (https://x/tcb?access_token=[redacted]&env=e)");
    }

    #[test]
    fn header_style_secrets_are_removed_from_text() {
        assert_eq!(redact_text("authorization: Hydrogen-r1 abc"), "authorization: [redacted]");
    }

    #[test]
    fn chinese_text_before_a_colon_is_kept() {
        assert_eq!(redact_text("余额不足:100"), "余额不足:100");
        assert_eq!(redact_text("Error: 余额不足:100"), "Error: 余额不足:100");
    }

    #[test]
    fn a_host_failure_in_chinese_is_kept() {
        assert_eq!(redact_text("request:fail 网络异常:timeout"), "request:fail 网络异常:timeout");
    }

    #[test]
    fn a_chinese_function_name_before_an_equals_sign_is_kept() {
        assert_eq!(redact_text("名=x"), "名=x");
        assert_eq!(redact_text("https://x/f?name=名=x&env=测试"), "https://x/f?name=名=x&env=测试");
    }

    #[test]
    fn emoji_and_mixed_scripts_around_separators_are_kept() {
        for text in ["🔥=x", "🚀:🚀", "订单🚀 id=42: 完成 ✅", "Ошибка: 余额不足 🙁", "👨‍👩‍👧=家"]
        {
            assert_eq!(redact_text(text), text);
        }
    }

    #[test]
    fn combining_marks_around_separators_are_kept() {
        for text in ["e\u{301}=x", "cafe\u{301}:latte", "\u{301}=\u{302}", "a\u{20dd}:"] {
            assert_eq!(redact_text(text), text);
        }
    }

    #[test]
    fn text_ending_right_after_a_separator_is_kept() {
        for text in ["余额不足:", "名=", "🔥:", "e\u{301}=", "token=", "authorization:", "=", ":"] {
            assert_eq!(redact_text(text), text);
        }
    }

    #[test]
    fn a_secret_key_right_after_chinese_text_is_found() {
        assert_eq!(redact_text("登录失败token=abc&重试=1"), "登录失败token=[redacted]&重试=1");
    }

    #[test]
    fn a_secret_value_in_chinese_or_emoji_is_removed() {
        assert_eq!(redact_text("https://x?access_token=令牌🔑é&env=e"), "https://x?access_token=[redacted]&env=e");
        assert_eq!(redact_text("Authorization: Hydrogen-r1 令牌🔑\n下一行"), "Authorization: [redacted]\n下一行");
    }

    #[test]
    fn a_secret_whose_key_sits_inside_another_secret_is_still_removed() {
        // The `=` value stops at the space; the `:` value it swallowed goes on to the end of the line.
        assert_eq!(redact_text("token=password:abc def"), "token=[redacted]");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Secret values: letters and digits of several scripts, emoji, combining marks; never a character that
        /// ends a value.
        const SECRET_VALUE: &str = "[A-Za-z0-9_.~+/*!@#$%^一-龥ぁ-んА-я😀-🙏🔑é\u{301}]{1,24}";

        fn secret_key() -> impl Strategy<Value = String> {
            (prop::sample::select(SECRET_KEYS), any::<bool>()).prop_map(|(key, upper)| {
                if upper {
                    key.to_ascii_uppercase()
                } else {
                    key.to_owned()
                }
            })
        }

        fn placed(key: &str, value: &str, style: usize) -> String {
            match style {
                0 => format!("{key}={value}"),
                1 => format!("{key}: {value}"),
                2 => format!("{key}:{value}"),
                _ => format!("{key}=\"{value}\""),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]

            #[test]
            fn any_text_is_accepted(text in any::<String>()) {
                let _ = redact_text(&text);
            }

            #[test]
            fn text_without_separators_comes_back_unchanged(text in "[^=:]*") {
                prop_assert_eq!(redact_text(&text), text);
            }

            #[test]
            fn any_text_around_separators_is_accepted(parts in prop::collection::vec((any::<String>(), prop::sample::select(vec!["=", ":", "token=", "token:", "\"", " "])), 0..8)) {
                let text: String = parts.iter().flat_map(|(a, b)| [a.as_str(), *b]).collect();
                let _ = redact_text(&text);
            }

            #[test]
            fn a_secret_value_never_survives(
                before in any::<String>(),
                key in secret_key(),
                value in SECRET_VALUE,
                style in 0usize..4,
                after in any::<String>(),
            ) {
                let value = format!("SECRET{value}");
                let text = format!("{before} {}\n{after}", placed(&key, &value, style));
                let redacted = redact_text(&text);
                prop_assert!(!redacted.contains(&value), "{:?} -> {:?}", text, redacted);
            }
        }
    }
}
