//! The event each function contract sees (PROTOCOL.md §3, §5.4): what `exports.main` receives for a job.
//!
//! - 知晓云: `main(event, callback)`, `event = {data?, request: {meta: {ip_address, user_agent}, user: {id,
//!   openid, unionid, nickname, avatar_url, ...}} (empty for server-side calls), eventType, jobId, miniappId
//!   (the engine's client id), timeLimitInMS, memoryLimitInMB, env? ({id, name} when the client named one
//!   with X-Hydrogen-Env-ID)}`, and the global `BaaS` (`runner.js`).
//! - WeChat: `main(event, context)`, `event = {...data, userInfo: {appId, openId?}}`, `context =
//!   {function_name, request_id, time_limit_in_ms}`, and `cloud.getWXContext()` from `wxContext`.

use crate::function::{Contract, FunctionMeta};
use crate::job::JobInput;
use crate::worker::protocol::{JobMessage, ToWorker};
use serde_json::{json, Map, Value};

/// Engine-wide identity and limits every job's event carries.
pub(crate) struct RunSettings<'a> {
    /// The WeChat app ID functions see (`userInfo.appId`, `APPID`).
    pub app_id: &'a str,
    /// The cloud environment functions see (`ENV`).
    pub env: &'a str,
    /// The 知晓云 app functions see (`event.miniappId`): the engine's client id.
    pub miniapp_id: &'a str,
    pub sync_limit: std::time::Duration,
    pub async_limit: std::time::Duration,
}

/// The job message for function `name` under its contract, with time limit `limit_ms`.
pub(crate) fn job_message(
    meta: &FunctionMeta,
    name: &str,
    job: &JobInput,
    settings: &RunSettings<'_>,
    limit_ms: u64,
) -> ToWorker {
    let message = match meta.contract {
        Contract::Minapp => {
            let mut event = Map::new();
            if let Some(d) = &job.data {
                event.insert("data".into(), d.clone());
            }
            let request = match &job.caller {
                Some(c) => json!({
                    "meta": {"ip_address": job.origin.client_ip, "user_agent": job.origin.user_agent},
                    "user": c.to_json(),
                }),
                None => json!({}),
            };
            event.insert("request".into(), request);
            event.insert("eventType".into(), json!("invoke_cloud_function"));
            event.insert("jobId".into(), json!(job.job_id));
            event.insert("miniappId".into(), json!(settings.miniapp_id));
            event.insert("timeLimitInMS".into(), json!(limit_ms));
            event.insert("memoryLimitInMB".into(), json!(meta.memory_limit_mb));
            if let Some(env) = &job.origin.env_id {
                event.insert("env".into(), json!({"id": env, "name": env}));
            }
            JobMessage {
                id: job.job_id.clone(),
                contract: "minapp",
                event: Value::Object(event),
                context: None,
                wx_context: None,
            }
        }
        Contract::Wechat => {
            let mut event = match &job.data {
                Some(Value::Object(m)) => m.clone(),
                _ => Map::new(),
            };
            let origin = &job.origin;
            let user_info = if job.caller.is_some() || origin.openid.is_some() {
                json!({"appId": settings.app_id, "openId": origin.openid})
            } else {
                json!({"appId": settings.app_id})
            };
            event.insert("userInfo".into(), user_info);
            let context = json!({
                "function_name": name,
                "request_id": job.job_id,
                "time_limit_in_ms": limit_ms,
            });
            let wx_context = json!({
                "OPENID": origin.openid,
                "APPID": settings.app_id,
                "UNIONID": origin.unionid,
                "ENV": settings.env,
                "SOURCE": origin.source,
                "CLIENTIP": origin.client_ip,
            });
            JobMessage {
                id: job.job_id.clone(),
                contract: "wechat",
                event: Value::Object(event),
                context: Some(context),
                wx_context: Some(wx_context),
            }
        }
    };
    ToWorker::Job(message)
}
