//! serde_json conveniences of the native API: an HError's details and a current user's id and profile as
//! `serde_json::Value`s. (The machine keeps them as JSON text.)

use serde_json::Value;

use crate::error::HError;
use crate::machine::CurrentUser;

impl HError {
    /// The raw error body or the transport's cause, with secrets removed, as a JSON value.
    pub fn details(&self) -> Option<Value> {
        self.details_json().and_then(|text| serde_json::from_str(text).ok())
    }

    /// Attaches details (the raw error body or the transport's cause). Secrets are removed here.
    pub fn with_details(self, details: Value) -> Self {
        self.with_details_json(&details.to_string())
    }
}

impl CurrentUser {
    /// The user id as a JSON value (a number on 知晓云), when known.
    pub fn user_id(&self) -> Option<Value> {
        self.id_json.as_deref().and_then(|text| serde_json::from_str(text).ok())
    }

    /// The user's attributes as a JSON object: what the official current-user object's `toJSON()` gives.
    pub fn profile(&self) -> Value {
        serde_json::from_str(&self.profile_json).unwrap_or_else(|_| Value::Object(Default::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_read_back_as_a_value_without_secrets() {
        let e = HError::from_http(400, br#"{"error_msg":"x","token":"abc"}"#, None);
        assert_eq!(e.details(), Some(serde_json::json!({"error_msg": "x", "token": "[redacted]"})));
        let e = HError::invalid_argument("x").with_details(serde_json::json!({"password": "p", "名": "值"}));
        assert_eq!(e.details(), Some(serde_json::json!({"password": "[redacted]", "名": "值"})));
    }
}
