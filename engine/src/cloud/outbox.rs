//! The outbox: every open-API call functions made (`cloud.openapi.*`), newest kept last.

use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many outbox entries the engine keeps (oldest dropped first).
pub const MAX_OUTBOX: usize = 10_000;

/// One open-API call made by a function (permitted or not).
///
/// Serialized with these snake_case names by `GET /dev/v1/openapi/outbox`.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxEntry {
    /// Sequence number (1, 2, ... in call order).
    pub id: u64,
    /// The API, e.g. `"templateMessage.send"`.
    pub api: String,
    /// The arguments the function passed, as JSON.
    pub args: Value,
    /// The calling function.
    pub function_name: String,
    /// The calling job (its id, as in the job records).
    pub job_id: String,
    /// `OPENID` of the calling job (`null` when it has none, e.g. a timer trigger).
    pub openid: Option<String>,
    /// `SOURCE` of the calling job (e.g. `"wx_client"`, `"wx_trigger"`, `"wx_client,scf"`).
    pub source: String,
    /// When the call was made, milliseconds since the Unix epoch.
    pub time: u64,
    /// The answer's `errCode` (0: executed; `-604101`: not declared; `-604100`: unknown API; else a business error).
    pub err_code: i64,
    /// The answer's `errMsg`.
    pub err_msg: String,
}

/// In-memory outbox.
#[derive(Default)]
pub(crate) struct Outbox {
    entries: Mutex<(u64, VecDeque<OutboxEntry>)>,
}

impl Outbox {
    /// Records a call, assigning its id.
    pub(crate) fn push(&self, mut entry: OutboxEntry) {
        let mut guard = self.entries.lock().unwrap();
        guard.0 += 1;
        entry.id = guard.0;
        if guard.1.len() >= MAX_OUTBOX {
            guard.1.pop_front();
        }
        guard.1.push_back(entry);
    }

    /// Every kept entry, oldest first.
    pub(crate) fn all(&self) -> Vec<OutboxEntry> {
        self.entries.lock().unwrap().1.iter().cloned().collect()
    }

    /// Forgets every entry (ids keep counting).
    pub(crate) fn clear(&self) {
        self.entries.lock().unwrap().1.clear();
    }
}
