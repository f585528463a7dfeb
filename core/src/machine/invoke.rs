//! The invoke request (PROTOCOL.md §1.3): what a call is, the checks on its arguments, and the exact body
//! bytes it sends.

use super::error::{ErrorKind, HError};
use super::json::{self, Kind};
use super::text::push_u64;

/// The path every invoke is posted to.
pub const INVOKE_PATH: &str = "/hserve/v1/cloud-function/job/";

/// One `BaaS.invoke(functionName, params, sync)` call, with its arguments as the caller gave them.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoke {
    /// The cloud function's name; must not be empty.
    pub function_name: String,
    /// The params as JSON text: `None` when the caller passed none (then `data` is omitted); `"null"` sends
    /// `"data": null`.
    pub params_json: Option<String>,
    /// `None` when the caller passed no `sync` argument: sent as `true`.
    pub sync: Option<bool>,
    /// Called by its deprecated name `invokeFunction` (the machine logs the deprecation once).
    pub deprecated_alias: bool,
}

impl Invoke {
    /// A sync call of `function_name` without params.
    pub fn new(function_name: impl Into<String>) -> Self {
        Invoke { function_name: function_name.into(), params_json: None, sync: None, deprecated_alias: false }
    }

    /// Checks dynamically typed arguments given as JSON text, as a JS or Python caller passes them: `name`
    /// must be a non-empty string (else HError 605 with the official message, the problem in `details`);
    /// `sync`, when present, must be a boolean (HError 605 naming the problem). `params` is checked when the
    /// body is made.
    pub fn from_json_args(name_json: &str, params_json: Option<&str>, sync_json: Option<&str>) -> Result<Self, HError> {
        let name = json::parse(name_json)
            .map_err(|_| HError::incorrect_parameter("function name must be a string, got a value JSON cannot hold"))?;
        let function_name = match (name.kind(), name.as_str()) {
            (Kind::String, Some(s)) if !s.is_empty() => s,
            (Kind::String, _) => return Err(HError::incorrect_parameter("function name must be a non-empty string")),
            (kind, _) => {
                let mut problem = String::from("function name must be a string, got ");
                problem.push_str(kind.described());
                return Err(HError::incorrect_parameter(problem));
            }
        };
        let sync = match sync_json {
            None => None,
            Some(text) => {
                let value = json::parse(text)
                    .map_err(|_| HError::invalid_argument("sync must be a boolean, got a value JSON cannot hold"))?;
                match value.as_bool() {
                    Some(b) => Some(b),
                    None => {
                        let mut problem = String::from("sync must be a boolean, got ");
                        problem.push_str(value.kind().described());
                        return Err(HError::invalid_argument(problem));
                    }
                }
            }
        };
        Ok(Invoke { function_name, params_json: params_json.map(str::to_owned), sync, deprecated_alias: false })
    }

    /// Whether the call waits for the function's result.
    pub fn is_sync(&self) -> bool {
        self.sync.unwrap_or(true)
    }

    /// Checks the call and returns the exact body: keys `function_name`, `sync`, `data` in that order; `data`
    /// omitted only when there are no params; params written compactly, keys in their order. Empty name:
    /// HError 605; params that are not JSON: 605 naming the problem; a body over `max_bytes`: HError 605
    /// (kind `payload_too_large`) naming both sizes.
    pub fn body(&self, max_bytes: usize) -> Result<String, HError> {
        if self.function_name.is_empty() {
            return Err(HError::incorrect_parameter("function name must be a non-empty string"));
        }
        let mut body =
            json::ObjectWriter::new().string("function_name", &self.function_name).boolean("sync", self.is_sync());
        if let Some(params) = &self.params_json {
            let params = json::canonical(params).map_err(|e| {
                let mut text = String::from("params are not valid JSON: ");
                text.push_str(&e.describe());
                HError::invalid_argument(text)
            })?;
            body = body.raw("data", &params);
        }
        check_size(body.finish(), max_bytes)
    }
}

/// Refuses a request body over the limit, before anything is sent.
pub fn check_size(body: String, max_bytes: usize) -> Result<String, HError> {
    if body.len() > max_bytes {
        let mut text = String::from("request body is ");
        push_u64(&mut text, body.len() as u64);
        text.push_str(" bytes, over the ");
        push_u64(&mut text, max_bytes as u64);
        text.push_str("-byte limit");
        return Err(HError::with_text(605, ErrorKind::PayloadTooLarge, text));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_params(params: &str) -> Invoke {
        Invoke { params_json: Some(params.to_owned()), ..Invoke::new("f") }
    }

    #[test]
    fn absent_params_omit_data() {
        assert_eq!(Invoke::new("f").body(100).unwrap(), r#"{"function_name":"f","sync":true}"#);
    }

    #[test]
    fn null_params_send_data_null() {
        let call = Invoke { sync: Some(false), ..with_params("null") };
        assert_eq!(call.body(100).unwrap(), r#"{"function_name":"f","sync":false,"data":null}"#);
    }

    #[test]
    fn params_keep_their_key_order_and_text() {
        let body = with_params("{\"z\": 1, \"a\": 2.50, \"名\": \"知晓云 🚀\"}").body(100).unwrap();
        assert_eq!(body, r#"{"function_name":"f","sync":true,"data":{"z":1,"a":2.50,"名":"知晓云 🚀"}}"#);
    }

    #[test]
    fn chinese_function_names_are_sent_as_utf8() {
        assert_eq!(Invoke::new("你好_世界").body(100).unwrap(), r#"{"function_name":"你好_世界","sync":true}"#);
    }

    #[test]
    fn oversize_body_names_the_limit() {
        let err = with_params(&format!("\"{}\"", "x".repeat(100))).body(50).unwrap_err();
        assert_eq!(err.code(), 605);
        assert_eq!(err.message(), "605: request body is 143 bytes, over the 50-byte limit");
    }

    #[test]
    fn params_that_are_not_json_are_605() {
        let err = with_params("{nope").body(100).unwrap_err();
        assert!(err.message().starts_with("605: params are not valid JSON"), "{}", err.message());
    }

    #[test]
    fn dynamic_arguments_are_type_checked() {
        assert_eq!(Invoke::from_json_args("42", None, None).unwrap_err().message(), "605: incorrect parameter type");
        assert_eq!(Invoke::from_json_args("\"\"", None, None).unwrap_err().code(), 605);
        assert_eq!(
            Invoke::from_json_args("\"f\"", None, Some("\"yes\"")).unwrap_err().message(),
            "605: sync must be a boolean, got a string"
        );
        assert_eq!(Invoke::from_json_args("\"f\"", Some("{}"), Some("false")).unwrap().sync, Some(false));
    }
}
