//! The JSON-lines protocol between the engine and a worker (`runner.js`), one message per line, over a
//! Unix socket private to that worker. Messages are adjacently tagged, `{"t": <kind>, "c": <content>}`,
//! so a line is parsed in one pass whatever its size.
//!
//! | direction | `t` | content |
//! | --- | --- | --- |
//! | engine → worker | `bind` | `{dir, env}`: a spare worker's function (before its first job) |
//! | engine → worker | `job` | [`JobMessage`]: run this job |
//! | engine → worker | `reply` | `{seq, body}`: the answer to a call the function made |
//! | worker → engine | `ack` | `{id}`: the job started |
//! | worker → engine | `log` | `{id, text}`: what the running job printed (batched every 100 ms) |
//! | worker → engine | `call` | `{seq, job, kind, ...}`: the function calls the engine (`callFunction`, `openapi`) |
//! | worker → engine | `result` | [`JobResult`]: the job ended |
//! | worker → engine | `retire` | `{}`: an error escaped outside any job; replace this worker |

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A message to a worker.
#[derive(Debug, Serialize)]
#[serde(tag = "t", content = "c", rename_all = "snake_case")]
pub(crate) enum ToWorker {
    /// A spare worker's function: its directory (the working directory from now on) and its `env`.
    Bind { dir: String, env: std::collections::BTreeMap<String, String> },
    /// Run a job.
    Job(JobMessage),
    /// Answer call `seq`.
    Reply {
        /// The call's sequence number, as the worker sent it.
        seq: Value,
        /// `{ok, result}` or `{ok: false, errCode, errMsg}`.
        body: Value,
    },
}

/// A job as the worker receives it: the event (and for WeChat functions the context) its contract
/// hands to `exports.main`.
#[derive(Debug, Serialize)]
pub(crate) struct JobMessage {
    pub id: String,
    /// `"minapp"` or `"wechat"`.
    pub contract: &'static str,
    pub event: Value,
    /// WeChat only: the second argument of `main`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// WeChat only: what `cloud.getWXContext()` returns.
    #[serde(rename = "wxContext", skip_serializing_if = "Option::is_none")]
    pub wx_context: Option<Value>,
}

/// A message from a worker.
#[derive(Debug, Deserialize)]
#[serde(tag = "t", content = "c", rename_all = "snake_case")]
pub(crate) enum FromWorker {
    /// Job `id` started.
    Ack { id: String },
    /// Job `id` printed `text`.
    Log { id: String, text: String },
    /// The running function calls the engine; the object carries `seq`, `job` and `kind`.
    Call(Value),
    /// A job ended.
    Result(JobResult),
    /// An error escaped outside any job: the worker should be replaced.
    Retire {},
}

/// How a job ended, as the worker reports it.
#[derive(Debug, Deserialize)]
pub(crate) struct JobResult {
    pub id: String,
    /// Whether the function completed (returned, resolved or called back without an error).
    pub ok: bool,
    /// What it returned (`null` for `undefined`).
    #[serde(default)]
    pub data: Value,
    /// Why it failed, when `ok` is false.
    #[serde(default)]
    pub error: Option<WorkerError>,
    /// The worker's resident memory at the end of the job, in bytes.
    #[serde(default)]
    pub mem: u64,
    /// What it printed since the last `log` message (the end of its log, not yet in the engine's log).
    #[serde(default)]
    pub tail: String,
    /// The worker should not be reused (the error escaped the function).
    #[serde(default)]
    pub retire: bool,
}

/// A function's error, serialized by the worker.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct WorkerError {
    #[serde(default)]
    pub message: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub stack: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn worker_messages_parse_by_their_tag() {
        let ack: FromWorker = serde_json::from_str(r#"{"t":"ack","c":{"id":"j1"}}"#).unwrap();
        assert!(matches!(ack, FromWorker::Ack { id } if id == "j1"));
        let res: FromWorker =
            serde_json::from_str(r#"{"t":"result","c":{"id":"j1","ok":true,"data":"你好 🌏","mem":5}}"#).unwrap();
        match res {
            FromWorker::Result(r) => {
                assert_eq!(r.data, json!("你好 🌏"));
                assert_eq!(r.mem, 5);
                assert!(!r.retire);
            }
            other => panic!("{other:?}"),
        }
        let retire: FromWorker = serde_json::from_str(r#"{"t":"retire","c":{}}"#).unwrap();
        assert!(matches!(retire, FromWorker::Retire {}));
    }

    #[test]
    fn a_job_message_carries_the_contract_and_event() {
        let msg = ToWorker::Job(JobMessage {
            id: "j".into(),
            contract: "minapp",
            event: json!({"data": 1}),
            context: None,
            wx_context: None,
        });
        assert_eq!(
            serde_json::to_value(&msg).unwrap(),
            json!({"t": "job", "c": {"id": "j", "contract": "minapp", "event": {"data": 1}}})
        );
    }
}
