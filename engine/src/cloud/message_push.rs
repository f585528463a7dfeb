//! Message push (消息推送): a customer-service message posted to the engine is delivered to the
//! function whose `config.json` declares it, as WeChat cloud does for functions configured to
//! receive pushed messages.
//!
//! The function gets the message as its event (WeChat's JSON form: `ToUserName`, `FromUserName`,
//! `CreateTime`, `MsgType`, `Content`, `MsgId`, ...; `ToUserName`, `CreateTime` and `MsgId` are
//! filled in when absent), `cloud.getWXContext().OPENID` = `FromUserName` and `SOURCE =
//! wx_message`. As in WeChat, one `(MsgType, Event)` pair goes to one function: when several
//! functions claim a message the engine refuses it (409) rather than guess.

use crate::function::config::{read_config, CloudConfig};
use crate::invoke::{execute, new_job};
use crate::job::Origin;
use crate::util::{now_s, random_hex, valid_function_name};
use crate::Shared;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Delivers `message`; `Ok` carries `{function_name, job_id, result}` (result: the invoke body),
/// `Err` an HTTP status and message.
pub(crate) async fn deliver(shared: Arc<Shared>, mut message: Map<String, Value>) -> Result<Value, (u16, String)> {
    let field = |m: &Map<String, Value>, k: &str| -> Result<String, (u16, String)> {
        match m.get(k) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err((400, format!("{k} is required and must be a non-empty string"))),
        }
    };
    let from = field(&message, "FromUserName")?;
    let msg_type = field(&message, "MsgType")?;
    let event = message.get("Event").and_then(Value::as_str).map(str::to_string);
    message.entry("ToUserName").or_insert_with(|| json!(shared.config.wechat_app_id));
    message.entry("CreateTime").or_insert_with(|| json!(now_s()));
    if msg_type != "event" {
        message.entry("MsgId").or_insert_with(|| json!(random_hex(16)));
    }
    let dir = shared.config.functions_dir.clone();
    let (t, e) = (msg_type.clone(), event.clone());
    let receivers = tokio::task::spawn_blocking(move || receivers(&dir, &t, e.as_deref()))
        .await
        .map_err(|_| (500, "cannot read the functions directory".to_string()))?;
    let what = match &event {
        Some(ev) => format!("{msg_type} messages with Event {ev}"),
        None => format!("{msg_type} messages"),
    };
    let name = match receivers.as_slice() {
        [] => {
            return Err((
                404,
                format!("no function receives {what}: declare \"messagePush\" in a function's config.json"),
            ))
        }
        [one] => one.clone(),
        many => return Err((409, format!("several functions receive {what} ({}); keep one", many.join(", ")))),
    };
    let origin = Origin::message(&from);
    let job_id = new_job(&shared, &name, true, &origin.source);
    let outcome = execute(shared, job_id.clone(), name.clone(), Some(Value::Object(message)), None, true, origin).await;
    match outcome.body {
        Some(body) => Ok(json!({"function_name": name, "job_id": job_id, "result": body})),
        None => Err((400, format!("schedule failed: {}", outcome.error_msg.unwrap_or_default()))),
    }
}

/// The functions (in name order) whose `messagePush` accepts this message.
fn receivers(dir: &std::path::Path, msg_type: &str, event: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().filter_map(|e| e.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    names.retain(|n| valid_function_name(n) && dir.join(n).join("index.js").is_file());
    names.sort();
    names
        .into_iter()
        .filter(|n| match read_config(&dir.join(n)) {
            Ok(Some(cfg)) => CloudConfig::from_value(&cfg).message_push.accepts(msg_type, event),
            _ => false,
        })
        .collect()
}
