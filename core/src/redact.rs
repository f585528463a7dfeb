//! Keeps secrets out of error details, logs and `Debug` output.
//!
//! [`redact_text`] reads free text of any script (Chinese messages, emoji, combining marks) without ever
//! slicing inside a character: it only looks for ASCII separators and key names, and every position it
//! cuts at is an ASCII byte or the end of the text, which is always a character boundary in UTF-8.

use std::ops::Range;

use crate::machine::text::has_byte;

#[cfg(feature = "driver")]
use serde_json::Value;

/// How the names of secret keys end, compared ignoring case, `_` and `-`: `token`, `access_token`,
/// `X-Access-Token`, `adminToken`, `app_secret`, `clientSecret`, `password`, `session_key`, `Authorization`,
/// `Proxy-Authorization`, `cookie` all name secrets.
const SECRET_KEY_ENDINGS: &[&str] = &["token", "secret", "password", "passwd", "sessionkey", "authorization", "cookie"];

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Whether a key names a secret: its name, ignoring case, `_` and `-`, ends with `token`, `secret`, `password`,
/// `passwd`, `session_key`, `authorization` or `cookie`.
pub fn is_secret_key(key: &str) -> bool {
    is_secret_key_bytes(key.as_bytes())
}

/// Replaces, in place and at any depth, the value of every secret key with [`REDACTED`], and removes the
/// secrets written inside strings ([`redact_text`]: a URL with `access_token=…`, a message quoting a header).
#[cfg(feature = "driver")]
pub fn redact_value(value: &mut Value) {
    match value {
        Value::String(text) => *text = redact_text(text),
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
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Secrets at least this long (real client and app secrets are 32 characters) are removed wherever they
/// appear; shorter ones only where they stand alone, so a short test secret such as `s` cannot turn every
/// message into `[redacted]` soup.
const WHOLE_WORD_BELOW: usize = 8;

/// `text` with the occurrences of a known `secret` (a value the caller holds: a client secret, an app
/// secret) replaced by [`REDACTED`], or `None` when there is nothing to replace. A secret shorter than 8 bytes
/// is replaced only where it is not part of a longer word (no letter, digit or `_` right before or after it):
/// `"secret":"s"` loses it, `session` keeps its `s`.
pub fn without_secret(text: &str, secret: &str) -> Option<String> {
    if secret.is_empty() || !text.contains(secret) {
        return None;
    }
    if secret.len() >= WHOLE_WORD_BELOW {
        return Some(text.replace(secret, REDACTED));
    }
    let in_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut kept = 0;
    for (at, _) in text.match_indices(secret) {
        let end = at + secret.len();
        let (before, after) = (text.get(..at), text.get(end..));
        if in_word(before.and_then(|b| b.chars().next_back())) || in_word(after.and_then(|a| a.chars().next())) {
            continue;
        }
        out.push_str(text.get(kept..at).unwrap_or_default());
        out.push_str(REDACTED);
        kept = end;
    }
    if kept == 0 {
        return None;
    }
    out.push_str(text.get(kept..).unwrap_or_default());
    Some(out)
}

/// Removes secrets from free text such as a transport's error message or a body that is not JSON: the value of
/// every secret key (see [`is_secret_key`]) written as a query parameter (`access_token=…`, also inside a URL
/// inside JSON), a header (`Authorization: Hydrogen-r1 …`) or a JSON member (`{"token":"…"}`,
/// `"password": "…"`, `{\"token\":\"…\"}` inside a JSON string, `'secret': '…'`). Any text is accepted;
/// text without secrets comes back unchanged.
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
        let unquoted_end = if sep == b'=' { &mut query_value_end } else { &mut header_value_end };
        let value = value_after(bytes, at + 1, unquoted_end);
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

/// Where an unquoted `key=value` value ends.
const QUERY_VALUE_STOPS: &[u8] = b"& \t\r\n\"',)}]\\";
/// Where an unquoted `key: value` value ends (a header value may hold spaces, as in `Hydrogen-r1 abc`).
const HEADER_VALUE_STOPS: &[u8] = b"\r\n\"',}]\\";

/// The key name that ends right before the separator at `sep`: the ASCII letters, digits, `_` and `-` in front
/// of it, past spaces and a closing quote (`"token" :`, `\"token\":`).
fn key_before(bytes: &[u8], sep: usize) -> &[u8] {
    let mut end = sep - bytes[..sep].iter().rev().take_while(|b| matches!(b, b' ' | b'\t')).count();
    if end > 0 && matches!(bytes[end - 1], b'"' | b'\'') {
        end -= 1;
        if end > 0 && bytes[end - 1] == b'\\' {
            end -= 1;
        }
    }
    let len = bytes[..end].iter().rev().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')).count();
    &bytes[end - len..end]
}

/// The value that starts after the separator, spaces skipped: inside its quotes when quoted (`"…"` with JSON
/// escapes, `'…'`, or `\"…\"` inside a JSON string), else up to a stop byte. An unclosed quote runs to the end.
fn value_after(bytes: &[u8], from: usize, unquoted_end: &mut NextStop) -> Range<usize> {
    let start = from + bytes[from..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    let rest = &bytes[start..];
    if rest.starts_with(b"\\\"") {
        let inner = start + 2;
        let end = bytes[inner..].windows(2).position(|w| w == b"\\\"").map_or(bytes.len(), |i| inner + i);
        return inner..end;
    }
    match rest.first() {
        Some(&quote @ (b'"' | b'\'')) => {
            let inner = start + 1;
            let mut i = inner;
            while i < bytes.len() && bytes[i] != quote {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            inner..i.min(bytes.len())
        }
        _ => start..unquoted_end.at_or_after(bytes, start),
    }
}

fn is_secret_key_bytes(key: &[u8]) -> bool {
    SECRET_KEY_ENDINGS.iter().any(|ending| ends_with_ignoring_separators(key, ending.as_bytes()))
}

/// Whether `key`, read without `_` and `-` and ignoring ASCII case, ends with `ending`.
fn ends_with_ignoring_separators(key: &[u8], ending: &[u8]) -> bool {
    let mut letters = key.iter().rev().filter(|b| !matches!(b, b'_' | b'-'));
    ending.iter().rev().all(|e| letters.next().is_some_and(|k| k.eq_ignore_ascii_case(e)))
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
                let end = bytes[from..].iter().position(|b| has_byte(self.stops, *b)).map_or(bytes.len(), |i| from + i);
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
    fn a_known_secret_is_removed_wherever_it_appears() {
        let secret = "0123456789abcdef0123456789abcdef";
        let text = format!("bad secret {secret}, again:{secret}x");
        assert_eq!(without_secret(&text, secret).unwrap(), "bad secret [redacted], again:[redacted]x");
    }

    #[test]
    fn a_short_known_secret_is_removed_only_where_it_stands_alone() {
        let text = r#"session failed: {"secret":"s","名":"s 🔑"}"#;
        assert_eq!(
            without_secret(text, "s").unwrap(),
            r#"session failed: {"secret":"[redacted]","名":"[redacted] 🔑"}"#
        );
        assert_eq!(without_secret("sessions 秘s", "s"), None);
    }

    #[test]
    fn text_without_the_secret_is_left_alone() {
        assert_eq!(without_secret("一切正常 ✅", "0123456789abcdef"), None);
        assert_eq!(without_secret("anything", ""), None);
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

    #[test]
    fn json_members_holding_secrets_are_removed_from_text() {
        assert_eq!(redact_text(r#"{"token":"abc"}"#), r#"{"token":"[redacted]"}"#);
        assert_eq!(
            redact_text(r#"{"user": "allen", "password": "x y"}"#),
            r#"{"user": "allen", "password": "[redacted]"}"#
        );
        assert_eq!(redact_text(r#"{"token" : 12345, "n": 1}"#), r#"{"token" : [redacted], "n": 1}"#);
    }

    #[test]
    fn a_query_secret_in_a_url_inside_json_is_removed() {
        assert_eq!(
            redact_text(r#"{"url":"https://api.weixin.qq.com/tcb/x?access_token=abc&env=测试","msg":"失败"}"#),
            r#"{"url":"https://api.weixin.qq.com/tcb/x?access_token=[redacted]&env=测试","msg":"失败"}"#
        );
    }

    #[test]
    fn json_inside_a_json_string_is_redacted() {
        assert_eq!(redact_text(r#""{\"token\":\"abc\",\"名\":1}""#), r#""{\"token\":\"[redacted]\",\"名\":1}""#);
    }

    #[test]
    fn a_quoted_secret_with_escaped_quotes_and_spaces_is_removed_whole() {
        assert_eq!(redact_text(r#"{"secret":"a \"b\" 令牌"}"#), r#"{"secret":"[redacted]"}"#);
        assert_eq!(redact_text("password='p w 🔑', next"), "password='[redacted]', next");
    }

    #[test]
    fn an_unclosed_quoted_secret_is_removed_to_the_end() {
        assert_eq!(redact_text(r#"{"token":"abc"#), r#"{"token":"[redacted]"#);
    }

    #[test]
    fn secret_key_names_are_matched_ignoring_case_underscores_and_dashes() {
        for key in [
            "adminToken",
            "X-Access-Token",
            "client_secret",
            "appSecret",
            "Proxy-Authorization",
            "SESSION_KEY",
            "passwd",
        ] {
            assert!(is_secret_key(key), "{key}");
            assert_eq!(redact_text(&format!("{key}=abc")), format!("{key}=[redacted]"));
        }
        for key in ["token_type", "expires_in", "name", "名", "", "tokens", "code"] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    #[cfg(feature = "driver")]
    fn json_values_of_secret_keys_are_redacted_at_any_depth() {
        let mut value = serde_json::json!({"a": [{"adminToken": "x", "名": "余额不足"}], "client_secret": {"k": 1}});
        redact_value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"a": [{"adminToken": REDACTED, "名": "余额不足"}], "client_secret": REDACTED})
        );
    }

    #[test]
    #[cfg(feature = "driver")]
    fn secrets_written_inside_json_strings_are_redacted() {
        let mut value = serde_json::json!({
            "error_msg": "余额不足:100",
            "hint": "令牌 token=tok-秘密-1 已失效",
            "calls": ["https://x/tcb?access_token=abc&env=测试", "Authorization: Hydrogen-r1 令牌"],
        });
        redact_value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "error_msg": "余额不足:100",
                "hint": "令牌 token=[redacted] 已失效",
                "calls": ["https://x/tcb?access_token=[redacted]&env=测试", "Authorization: [redacted]"],
            })
        );
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Secret values: letters and digits of several scripts, emoji, combining marks; never a character that
        /// ends a value.
        const SECRET_VALUE: &str = "[A-Za-z0-9_.~+/*!@#$%^一-龥ぁ-んА-я😀-🙏🔑é\u{301}]{1,24}";

        /// A secret key's name in any of its spellings: `token`, `ADMIN_TOKEN`, `X-Access-Token`, `clientSecret`.
        fn secret_key() -> impl Strategy<Value = String> {
            let before = prop::sample::select(vec!["", "access_", "X-Access-", "admin", "client_", "app", "Proxy-"]);
            (before, prop::sample::select(SECRET_KEY_ENDINGS), any::<bool>()).prop_map(|(before, ending, upper)| {
                let key = format!("{before}{ending}");
                if upper {
                    key.to_ascii_uppercase()
                } else {
                    key
                }
            })
        }

        /// The ways a secret is written in text.
        const STYLES: usize = 10;

        fn placed(key: &str, value: &str, style: usize) -> String {
            match style {
                0 => format!("{key}={value}"),
                1 => format!("{key}: {value}"),
                2 => format!("{key}:{value}"),
                3 => format!("{key}=\"{value}\""),
                4 => format!(r#"{{"{key}":"{value}"}}"#),
                5 => format!(r#""{key}" : "{value}","#),
                6 => format!(r#""{{\"{key}\":\"{value}\"}}""#),
                7 => format!("'{key}': '{value}'"),
                8 => format!(r#"{{"url":"https://x/f?a=1&{key}={value}&b=2"}}"#),
                _ => format!(r#"{{"{key}": {value}}}"#),
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
                style in 0..STYLES,
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
