//! The invoke request (PROTOCOL.md §1.3) as plain data: what a call is, and the exact body bytes it sends.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::HError;

/// The path every invoke is posted to.
pub const INVOKE_PATH: &str = "/hserve/v1/cloud-function/job/";

/// One `BaaS.invoke(functionName, params, sync)` call.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The cloud function's name; must not be empty.
    pub function_name: String,
    /// The params: `None` when the caller passed none (then `data` is omitted); `Some(Value::Null)` sends
    /// `"data": null`.
    pub params: Option<Value>,
    /// `None` when the caller passed no `sync` argument: sent as `true`.
    pub sync: Option<bool>,
    /// Time limit of this call; `None` uses the config's limit for the mode (sync 6 s, async 305 s).
    pub timeout: Option<Duration>,
}

impl Invocation {
    /// A sync call without params.
    pub fn new(function_name: impl Into<String>) -> Self {
        Invocation { function_name: function_name.into(), params: None, sync: None, timeout: None }
    }

    /// Sets the params.
    pub fn params(mut self, params: Value) -> Self {
        self.params = Some(params);
        self
    }

    /// Sets `sync`.
    pub fn sync(mut self, sync: bool) -> Self {
        self.sync = Some(sync);
        self
    }

    /// Sets this call's time limit.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A call from dynamically typed arguments, as a JS or JSON caller passes them: `name` must be a
    /// non-empty string (else HError 605 with the official message), `params` is `None` when absent, and
    /// `sync`, when present, must be a boolean (605 naming the problem).
    pub fn from_args(name: &Value, params: Option<Value>, sync: Option<&Value>) -> Result<Self, HError> {
        let name = match name {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::String(_) => return Err(HError::incorrect_parameter("function name must be a non-empty string")),
            other => {
                return Err(HError::incorrect_parameter(format!(
                    "function name must be a string, got {}",
                    type_name(other)
                )))
            }
        };
        let sync = match sync {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(HError::invalid_argument(format!("sync must be a boolean, got {}", type_name(other))))
            }
        };
        Ok(Invocation { function_name: name, params, sync, timeout: None })
    }

    /// Parses params given as JSON text (the uniffi and CLI path); bad JSON is HError 605 naming the problem.
    pub fn params_json(self, json: &str) -> Result<Self, HError> {
        let params = serde_json::from_str(json)
            .map_err(|e| HError::invalid_argument(format!("params are not valid JSON: {e}")))?;
        Ok(self.params(params))
    }

    /// Whether the call waits for the function's result.
    pub fn is_sync(&self) -> bool {
        self.sync.unwrap_or(true)
    }

    /// Checks the call and returns the exact body bytes: keys `function_name`, `sync`, `data` in that order;
    /// `data` omitted only when there are no params. Empty name: HError 605; body over `max_bytes`: HError 605
    /// (kind `payload_too_large`) naming both sizes.
    pub fn body(&self, max_bytes: usize) -> Result<Vec<u8>, HError> {
        if self.function_name.is_empty() {
            return Err(HError::incorrect_parameter("function name must be a non-empty string"));
        }
        let mut body = Map::with_capacity(3);
        body.insert("function_name".into(), Value::String(self.function_name.clone()));
        body.insert("sync".into(), Value::Bool(self.is_sync()));
        if let Some(params) = &self.params {
            body.insert("data".into(), params.clone());
        }
        let bytes = serde_json::to_vec(&body)
            .map_err(|e| HError::invalid_argument(format!("params cannot be encoded as JSON: {e}")))?;
        check_size(bytes, max_bytes)
    }
}

/// The JSON type name of a value, for error messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Refuses a request body over the limit, before anything is sent.
pub(crate) fn check_size(bytes: Vec<u8>, max_bytes: usize) -> Result<Vec<u8>, HError> {
    if bytes.len() > max_bytes {
        return Err(HError::with_text(
            605,
            crate::ErrorKind::PayloadTooLarge,
            format!("request body is {} bytes, over the {max_bytes}-byte limit", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// Turns any serializable params into a JSON value; a value serde cannot encode (a map with non-string
/// keys, a failing `Serialize` impl) is HError 605 naming the problem.
pub fn params_from<T: serde::Serialize + ?Sized>(params: &T) -> Result<Value, HError> {
    serde_json::to_value(params).map_err(|e| HError::invalid_argument(format!("params cannot be encoded as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_params_omit_data() {
        assert_eq!(Invocation::new("f").body(100).unwrap(), br#"{"function_name":"f","sync":true}"#);
    }

    #[test]
    fn null_params_send_data_null() {
        let body = Invocation::new("f").params(Value::Null).sync(false).body(100).unwrap();
        assert_eq!(body, br#"{"function_name":"f","sync":false,"data":null}"#);
    }

    #[test]
    fn params_keep_their_key_order() {
        let body = Invocation::new("f").params_json(r#"{"z":1,"a":2}"#).unwrap().body(100).unwrap();
        assert_eq!(body, br#"{"function_name":"f","sync":true,"data":{"z":1,"a":2}}"#);
    }

    #[test]
    fn oversize_body_names_the_limit() {
        let err = Invocation::new("f").params(Value::String("x".repeat(100))).body(50).unwrap_err();
        assert_eq!(err.code(), 605);
        assert!(err.message().contains("50-byte limit"), "{}", err.message());
    }

    #[test]
    fn unencodable_params_are_605() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        assert_eq!(params_from(&map).unwrap_err().code(), 605);
    }
}
