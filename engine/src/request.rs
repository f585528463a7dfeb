//! How the engine reads what a request carries: bodies, function names, queries and the `Authorization`
//! header, as pure functions of the bytes (no I/O, no state). The handlers read the body, call these, then do
//! their work; `fuzz/` feeds them arbitrary bytes. Every refusal is a [`Refusal`]: the HTTP status and a
//! message naming the problem, never a panic.

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::Uri;
use serde_json::{Map, Value};

use crate::util::{invalid_name_message, valid_function_name};

/// Why a request is refused: the HTTP status (400, 404, ...) and a message naming the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status of the answer.
    pub status: u16,
    /// What is wrong, for `error_msg`.
    pub message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal { status, message: message.into() }
}

/// A body that must be a JSON object (400 otherwise, naming the JSON problem). A body of nothing but
/// whitespace counts as `{}` when `empty_ok`.
pub fn json_object(body: &[u8], empty_ok: bool) -> Result<Map<String, Value>, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if empty_ok {
            return Ok(Map::new());
        }
        return Err(refuse(400, "request body must be a JSON object"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(refuse(400, "request body must be a JSON object")),
        Err(e) => Err(refuse(400, format!("malformed JSON body: {e}"))),
    }
}

/// A function name the engine accepts (`^[A-Za-z0-9_-]{1,64}$`; 400 naming the name otherwise).
pub fn function_name(name: &str) -> Result<(), Refusal> {
    if valid_function_name(name) {
        Ok(())
    } else {
        Err(refuse(400, invalid_name_message(name)))
    }
}

/// An invoke body: `{function_name, sync?, data?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeRequest {
    /// The function to run (a valid name; whether it exists is the handler's question).
    pub function_name: String,
    /// Whether the caller waits for the result (default `true`).
    pub sync: bool,
    /// The function's `event.data`, when given.
    pub data: Option<Value>,
}

/// Reads an invoke body (`POST /hserve/v1/cloud-function/job/`, `POST /dev/v1/invoke`): a JSON object whose
/// `function_name` is a valid function name and whose `sync`, when present, is a boolean.
pub fn invoke_request(body: &[u8]) -> Result<InvokeRequest, Refusal> {
    let mut object = json_object(body, false)?;
    let function_name = match object.remove("function_name") {
        Some(Value::String(name)) => name,
        _ => return Err(refuse(400, "function_name is required and must be a string")),
    };
    let sync = sync_flag(&object)?;
    self::function_name(&function_name)?;
    Ok(InvokeRequest { function_name, sync, data: object.remove("data") })
}

/// `sync` of an invoke body (default `true`; 400 when it is not a boolean).
pub fn sync_flag(object: &Map<String, Value>) -> Result<bool, Refusal> {
    match object.get("sync") {
        None => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(refuse(400, "sync must be a boolean")),
    }
}

/// The query of a request target (`/path?a=1&b=%E5%90%8D`), decoded as the handlers' `Query` extractor
/// decodes it (percent-escapes that are not UTF-8 become U+FFFD): a request target that is not a URI, or a
/// query that is not `application/x-www-form-urlencoded`, is 400.
pub fn query(target: &str) -> Result<HashMap<String, String>, Refusal> {
    let uri: Uri = target.parse().map_err(|e| refuse(400, format!("bad request target: {e}")))?;
    Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map(|Query(q)| q)
        .map_err(|e| refuse(400, format!("bad query: {e}")))
}

/// `limit` (1..=1000, `default_limit` when absent or not a number) and `offset` (0 when absent or not a
/// number) of a listing.
pub fn paging(query: &HashMap<String, String>, default_limit: usize) -> (usize, usize) {
    let limit = query.get("limit").and_then(|v| v.parse().ok()).unwrap_or(default_limit).clamp(1, 1000);
    let offset = query.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    (limit, offset)
}

/// The session token of an `Authorization: Hydrogen-r1 <token>` header (surrounding spaces ignored); `None`
/// for any other header.
pub fn session_token(header: &str) -> Option<&str> {
    header.trim().strip_prefix("Hydrogen-r1 ").map(str::trim).filter(|t| !t.is_empty())
}

/// Why WeChat's API refuses a request: its `errcode` and `errmsg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatRefusal {
    /// WeChat's error code (44002 empty body, 47001 data format error, ...).
    pub errcode: i64,
    /// WeChat's words.
    pub errmsg: &'static str,
}

/// The event of `POST /tcb/invokecloudfunction`: its whole body as JSON (44002 when empty, 47001 when not
/// JSON).
pub fn wechat_event(body: &[u8]) -> Result<Value, WeChatRefusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WeChatRefusal { errcode: 44002, errmsg: "empty post data" });
    }
    serde_json::from_slice::<Value>(body)
        .map_err(|_| WeChatRefusal { errcode: 47001, errmsg: "data format error: the POST body must be JSON" })
}

/// The body of `POST /cgi-bin/stable_token`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StableTokenRequest {
    /// `client_credential` when right.
    pub grant_type: Option<String>,
    /// The app ID.
    pub appid: Option<String>,
    /// The app secret.
    pub secret: Option<String>,
    /// Whether a new token is wanted now.
    pub force_refresh: bool,
}

/// Reads a stable-token body: a JSON object whose string fields are taken (47001 when it is not an object).
pub fn stable_token_request(body: &[u8]) -> Result<StableTokenRequest, WeChatRefusal> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Err(WeChatRefusal { errcode: 47001, errmsg: "data format error" });
    };
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(StableTokenRequest {
        grant_type: text("grant_type"),
        appid: text("appid"),
        secret: text("secret"),
        force_refresh: object.get("force_refresh").and_then(Value::as_bool).unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invoke_body_in_chinese_is_read_whole() {
        let body = r#"{"function_name":"hello_世界"}"#;
        assert_eq!(invoke_request(body.as_bytes()).unwrap_err().status, 400, "names are ASCII");
        let body = r#"{"function_name":"hello","sync":false,"data":{"名":"小明 🚀"}}"#;
        let request = invoke_request(body.as_bytes()).unwrap();
        assert_eq!(request.function_name, "hello");
        assert!(!request.sync);
        assert_eq!(request.data, Some(serde_json::json!({"名": "小明 🚀"})));
    }

    #[test]
    fn a_bad_invoke_body_is_400_naming_the_problem() {
        for (body, problem) in [
            ("", "must be a JSON object"),
            ("[1]", "must be a JSON object"),
            ("{\"function_name\":", "malformed JSON body"),
            ("{\"function_name\":1}", "function_name is required"),
            ("{\"function_name\":\"f\",\"sync\":\"yes\"}", "sync must be a boolean"),
            ("{\"function_name\":\"../etc\"}", "invalid function name"),
            ("\u{feff}{}", "malformed JSON body"),
        ] {
            let refusal = invoke_request(body.as_bytes()).unwrap_err();
            assert_eq!(refusal.status, 400, "{body}");
            assert!(refusal.message.contains(problem), "{body}: {}", refusal.message);
        }
    }

    #[test]
    fn an_empty_body_is_an_empty_object_only_where_allowed() {
        assert_eq!(json_object(b" \n", true).unwrap(), Map::new());
        assert_eq!(json_object(b" \n", false).unwrap_err().status, 400);
    }

    #[test]
    fn queries_are_percent_decoded_and_paging_is_clamped() {
        let q = query("/oserve/v1.3/cloud-function/job/?function_name=%E4%BD%A0%E5%A5%BD&limit=5000&offset=x").unwrap();
        assert_eq!(q["function_name"], "你好");
        assert_eq!(paging(&q, 100), (1000, 0));
        assert_eq!(query("/x?a=%FF").unwrap()["a"], "\u{fffd}", "bytes that are not UTF-8 are replaced");
        assert_eq!(query("not a target\u{0}").unwrap_err().status, 400);
    }

    #[test]
    fn only_hydrogen_r1_headers_carry_a_session_token() {
        assert_eq!(session_token("  Hydrogen-r1  tok-令牌 "), Some("tok-令牌"));
        assert_eq!(session_token("Bearer tok"), None);
        assert_eq!(session_token("Hydrogen-r1    "), None);
    }

    #[test]
    fn wechat_bodies_are_refused_with_wechats_errcodes() {
        assert_eq!(wechat_event(b"  ").unwrap_err().errcode, 44002);
        assert_eq!(wechat_event(b"{").unwrap_err().errcode, 47001);
        assert_eq!(wechat_event("{\"名\":\"值\"}".as_bytes()).unwrap(), serde_json::json!({"名": "值"}));
        assert_eq!(stable_token_request(b"[]").unwrap_err().errcode, 47001);
        let request = stable_token_request(br#"{"grant_type":"client_credential","force_refresh":true}"#).unwrap();
        assert_eq!(request.grant_type.as_deref(), Some("client_credential"));
        assert!(request.force_refresh);
    }
}
