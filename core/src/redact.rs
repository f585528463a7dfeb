//! Keeps secrets out of error details, logs and `Debug` output.

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
/// `Authorization`-style header values whose key is a secret.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find(['=', ':']) {
        let (head, tail) = rest.split_at(pos);
        out.push_str(head);
        let sep = &tail[..1];
        let key_start = head.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).map_or(0, |i| i + 1);
        let key = head[key_start..].trim_matches('"');
        out.push_str(sep);
        let after = &tail[1..];
        if is_secret_key(key) {
            let trimmed = after.trim_start_matches([' ', '"']);
            let skipped = after.len() - trimmed.len();
            out.push_str(&after[..skipped]);
            let stops: &[char] = if sep == ":" { &['"', ',', '\n'] } else { &['&', ' ', '"', ',', ')', '\n'] };
            let end = trimmed.find(stops).unwrap_or(trimmed.len());
            out.push_str(REDACTED);
            rest = &trimmed[end..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_tokens_are_removed_from_text() {
        let t = redact_text("error sending request for url (https://x/tcb?access_token=SECRET1&env=e)");
        assert!(!t.contains("SECRET1"), "{t}");
        assert!(t.contains("env=e"), "{t}");
    }

    #[test]
    fn header_style_secrets_are_removed_from_text() {
        let t = redact_text("authorization: Hydrogen-r1 abc");
        assert!(!t.contains("abc"), "{t}");
    }
}
