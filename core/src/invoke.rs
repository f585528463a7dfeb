//! [`Invocation`]: one `BaaS.invoke` call with serde_json params, the native API's form of the machine's
//! [`Invoke`] (whose rules — argument checks, body bytes, size limit — it delegates to).

use std::time::Duration;

use serde_json::Value;

use crate::error::HError;
pub use crate::machine::invoke::INVOKE_PATH;
use crate::machine::Invoke;

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
    /// Time limit of the whole call (logins and the 401 resend included); `None` uses the config's limit for
    /// the mode (sync 6 s, async 305 s).
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
    /// `sync`, when present, must be a boolean (605 naming the problem). The machine's rule
    /// ([`Invoke::from_json_args`]).
    pub fn from_args(name: &Value, params: Option<Value>, sync: Option<&Value>) -> Result<Self, HError> {
        let sync_text = sync.map(Value::to_string);
        let checked = Invoke::from_json_args(&name.to_string(), None, sync_text.as_deref())?;
        Ok(Invocation { function_name: checked.function_name, params, sync: checked.sync, timeout: None })
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

    /// Checks the call and returns the exact body bytes (the machine's [`Invoke::body`]).
    pub fn body(&self, max_bytes: usize) -> Result<Vec<u8>, HError> {
        self.to_machine(false).body(max_bytes).map(String::into_bytes)
    }

    /// The machine's form of this call.
    pub(crate) fn to_machine(&self, deprecated_alias: bool) -> Invoke {
        Invoke {
            function_name: self.function_name.clone(),
            params_json: self.params.as_ref().map(Value::to_string),
            sync: self.sync,
            deprecated_alias,
        }
    }
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
    fn params_keep_their_key_order() {
        let body = Invocation::new("f").params_json(r#"{"z":1,"a":2}"#).unwrap().body(100).unwrap();
        assert_eq!(body, br#"{"function_name":"f","sync":true,"data":{"z":1,"a":2}}"#);
    }

    #[test]
    fn unencodable_params_are_605() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 1);
        assert_eq!(params_from(&map).unwrap_err().code(), 605);
    }

    #[test]
    fn dynamic_arguments_follow_the_machine_rule() {
        let error = Invocation::from_args(&Value::from(42), None, None).unwrap_err();
        assert_eq!(error.message(), "605: incorrect parameter type");
        let error = Invocation::from_args(&Value::from("f"), None, Some(&Value::from("yes"))).unwrap_err();
        assert_eq!(error.message(), "605: sync must be a boolean, got a string");
    }
}
