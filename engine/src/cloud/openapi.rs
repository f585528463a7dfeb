//! The open-API stand-in: answers `cloud.openapi.<category>.<method>(args)` for the common
//! WeChat server APIs the way WeChat's cloud call does, without reaching WeChat.
//!
//! Answers (`errMsg` always starts with `openapi.<name>:`):
//! - `templateMessage.send` (`touser`, `templateId`, `formId` required), `subscribeMessage.send`
//!   (`touser`, `templateId`), `customerServiceMessage.send` (`touser`, `msgtype` and the object
//!   it names, e.g. `text: {content}`): `{errCode: 0, errMsg: "openapi.<name>:ok"}`.
//! - `security.msgSecCheck` (`content`): `{errCode: 0, errMsg}`; with `version: 2` also
//!   `result: {suggest: "pass", label: 100}`, `detail` and `traceId` like the v2 API.
//! - `wxacode.getUnlimited` (`scene`, at most 32 characters): `{errCode: 0, errMsg,
//!   contentType: "image/png", buffer}` where `buffer` is a small PNG (a Node `Buffer` in the
//!   function).
//! - A missing or ill-typed required argument answers WeChat's business error for it:
//!   `40003 invalid openid`, `40037 invalid template_id`, `41028 invalid form_id`,
//!   `40008 invalid message type`, `40169 invalid length for scene`, `47001 data format error`.
//! - Any other API answers `-604100 API not found` (WeChat's cloud-call code for an API it
//!   does not know).

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// `-604100`: the API does not exist.
pub(crate) const API_NOT_FOUND: i64 = -604100;

/// An 8×8 grey checkerboard PNG: the "mini-program code" `wxacode.getUnlimited` returns.
const CODE_PNG: [u8; 79] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x08, 0x00, 0x00, 0x00, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0xe1, 0x64, 0xe1, 0x57, 0x00, 0x00, 0x00, 0x16, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x60, 0xf8, 0xff, 0x1f, 0x82, 0x61, 0x0c, 0x74, 0x3e, 0x03, 0x03, 0x11,
    0x6a, 0x00, 0x7c, 0x04, 0x1f, 0xe1, 0x62, 0xf3, 0xe8, 0x09, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// The key the worker's stand-in turns into a Node `Buffer` (value: base64).
pub(crate) const BUFFER_KEY: &str = "__minicloud_buffer_base64__";

/// A refused call: `(errCode, text)`; `errMsg` becomes `openapi.<name>:fail <text>`.
pub(crate) type Refusal = (i64, String);

fn required_str<'a>(args: &'a Value, key: &str, code: i64, text: &str) -> Result<&'a str, Refusal> {
    match args.get(key).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err((code, format!("{text} ({key} is required and must be a non-empty string)"))),
    }
}

/// Runs `api` with `args`: the extra answer fields on success (beside `errCode`/`errMsg`).
pub(crate) fn call(api: &str, args: &Value) -> Result<Map<String, Value>, Refusal> {
    if !args.is_object() {
        return Err((47001, "data format error (the arguments must be an object)".to_string()));
    }
    let mut out = Map::new();
    match api {
        "templateMessage.send" => {
            required_str(args, "touser", 40003, "invalid openid")?;
            required_str(args, "templateId", 40037, "invalid template_id")?;
            required_str(args, "formId", 41028, "invalid form_id")?;
        }
        "subscribeMessage.send" => {
            required_str(args, "touser", 40003, "invalid openid")?;
            required_str(args, "templateId", 40037, "invalid template_id")?;
        }
        "customerServiceMessage.send" => {
            required_str(args, "touser", 40003, "invalid openid")?;
            let kind = required_str(args, "msgtype", 40008, "invalid message type")?;
            if !["text", "image", "link", "miniprogrampage"].contains(&kind) {
                return Err((40008, format!("invalid message type {kind:?}")));
            }
            if !args.get(kind).is_some_and(Value::is_object) {
                return Err((47001, format!("data format error ({kind} must be an object for msgtype {kind})")));
            }
        }
        "security.msgSecCheck" => {
            required_str(args, "content", 47001, "data format error")?;
            if args.get("version").and_then(Value::as_i64) == Some(2) {
                out.insert("result".into(), json!({"suggest": "pass", "label": 100}));
                out.insert(
                    "detail".into(),
                    json!([{"strategy": "content_model", "errcode": 0, "suggest": "pass", "label": 100}]),
                );
                out.insert("traceId".into(), json!(crate::util::random_hex(12)));
            }
        }
        "wxacode.getUnlimited" => {
            let scene = required_str(args, "scene", 40169, "invalid length for scene")?;
            if scene.chars().count() > 32 {
                return Err((40169, "invalid length for scene (at most 32 characters)".to_string()));
            }
            out.insert("contentType".into(), json!("image/png"));
            let b64 = base64::engine::general_purpose::STANDARD.encode(CODE_PNG);
            out.insert("buffer".into(), json!({ BUFFER_KEY: b64 }));
        }
        _ => return Err((API_NOT_FOUND, "API not found".to_string())),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_message_needs_its_arguments() {
        let ok = json!({"touser": "o1", "templateId": "T", "formId": "F", "data": {}});
        assert!(call("templateMessage.send", &ok).unwrap().is_empty());
        let err = call("templateMessage.send", &json!({"touser": "o1", "formId": "F"})).unwrap_err();
        assert_eq!(err.0, 40037);
        assert!(err.1.contains("templateId"), "{}", err.1);
    }

    #[test]
    fn get_unlimited_returns_a_png() {
        let out = call("wxacode.getUnlimited", &json!({"scene": "a=1"})).unwrap();
        let b64 = out["buffer"][BUFFER_KEY].as_str().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(call("wxacode.getUnlimited", &json!({"scene": "x".repeat(33)})).unwrap_err().0, 40169);
    }

    #[test]
    fn unknown_apis_are_not_found() {
        assert_eq!(call("nope.nothing", &json!({})).unwrap_err().0, API_NOT_FOUND);
    }
}
