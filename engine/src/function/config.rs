//! What a function's `config.json` says about WeChat cloud features: open-API permissions
//! (`permissions.openapi`), timer triggers (`triggers`) and message push (`messagePush`).

use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// The cloud-call part of one function's `config.json`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CloudConfig {
    /// Declared open APIs (`permissions.openapi`), e.g. `["templateMessage.send"]`.
    pub openapi: Arc<[String]>,
    /// Which pushed messages the function receives.
    pub message_push: MessagePush,
    /// Whether the file uses any WeChat-only key (`permissions`, `triggers`, `messagePush`).
    pub wechat_keys: bool,
}

/// Which pushed messages (`MsgType`, `Event`) a function receives.
///
/// `"messagePush": true` receives every message; `"messagePush": [{"msgType": "text"},
/// {"msgType": "event", "event": "user_enter_tempsession"}]` receives the listed pairs (an
/// entry without `event` matches every event of that type).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum MessagePush {
    /// Not a message-push function.
    #[default]
    None,
    /// Every message.
    All,
    /// The listed `(MsgType, Event)` pairs.
    Pairs(Vec<(String, Option<String>)>),
}

impl MessagePush {
    /// Whether a message of this type (and event) goes to the function.
    pub(crate) fn accepts(&self, msg_type: &str, event: Option<&str>) -> bool {
        match self {
            MessagePush::None => false,
            MessagePush::All => true,
            MessagePush::Pairs(pairs) => pairs
                .iter()
                .any(|(t, e)| t.eq_ignore_ascii_case(msg_type) && e.as_deref().is_none_or(|e| Some(e) == event)),
        }
    }
}

impl CloudConfig {
    /// Reads the cloud keys of a parsed `config.json`.
    pub(crate) fn from_value(cfg: &Value) -> Self {
        let openapi: Vec<String> = cfg
            .pointer("/permissions/openapi")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let message_push = match cfg.get("messagePush") {
            Some(Value::Bool(true)) => MessagePush::All,
            Some(Value::Array(items)) => MessagePush::Pairs(
                items
                    .iter()
                    .filter_map(|i| {
                        let t = i.get("msgType").and_then(Value::as_str)?;
                        Some((t.to_string(), i.get("event").and_then(Value::as_str).map(str::to_string)))
                    })
                    .collect(),
            ),
            _ => MessagePush::None,
        };
        let wechat_keys = ["permissions", "triggers", "messagePush"].iter().any(|k| cfg.get(k).is_some());
        CloudConfig { openapi: openapi.into(), message_push, wechat_keys }
    }
}

/// Reads and parses `<dir>/config.json`: `Ok(None)` when there is none.
pub(crate) fn read_config(dir: &Path) -> Result<Option<Value>, String> {
    let path = dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn permissions_and_message_push_are_read() {
        let c = CloudConfig::from_value(&json!({
            "permissions": {"openapi": ["templateMessage.send", 3]},
            "messagePush": [{"msgType": "text"}, {"msgType": "event", "event": "user_enter_tempsession"}]
        }));
        assert_eq!(&*c.openapi, &["templateMessage.send".to_string()]);
        assert!(c.wechat_keys);
        assert!(c.message_push.accepts("text", None));
        assert!(c.message_push.accepts("event", Some("user_enter_tempsession")));
        assert!(!c.message_push.accepts("event", Some("other")));
        assert!(!c.message_push.accepts("image", None));
    }

    #[test]
    fn a_plain_config_has_no_cloud_keys() {
        let c = CloudConfig::from_value(&json!({"timeout": 3}));
        assert!(c.openapi.is_empty());
        assert!(!c.wechat_keys);
        assert_eq!(c.message_push, MessagePush::None);
    }
}
