//! # minicloud-node
//!
//! The Node.js binding of minicloud (napi-rs): the native half of the npm package `minicloud`. It hands the
//! core's protocol machines to the JS event-loop driver (`lib/driver.js`) and converts values both ways;
//! every protocol rule is the core's.
//!
//! - [`machine::NativeMachine`] (知晓云) and [`wechat::NativeWeChatMachine`] (WeChat `invokeCloudFunction`)
//!   expose the machine's loop as synchronous methods: start a call, `next`, feed an outcome
//!   (`onResponse`, `onTransportError`, `onLoginCode`, `onOffline`, `onToken`), `cancel`, `onDeadline`,
//!   `pollOutput`. They run on the JS thread, each in microseconds: the driver sends with Node's own HTTP
//!   client, so a call never leaves the event loop.
//! - [`pooled::NativeTransport`] is the `transport: 'pooled'` option: the HTTP exchange alone on napi's tokio
//!   runtime with the core's `ReqwestTransport` (the machine still runs on the JS thread).
//! - The machine's storage writes go to the session file through the core's [`minicloud_core::FileStore`]
//!   (0600, replaced atomically; one write per step), its log events through `tracing` to [`log::set_logger`].
//! - Nothing here throws a protocol error: calls end with the core's error fields ([`NativeError`]), which the
//!   JS wrapper turns into `HError` instances. A panic never crosses into Node: every export is
//!   `catch_unwind`.

#![deny(clippy::all)]
#![warn(missing_docs)]

mod driven;
pub mod log;
pub mod machine;
pub mod minapp_server;
pub mod pooled;
pub mod step;
pub mod wechat;

use minicloud_core::HError;
use napi_derive::napi;
use serde_json::Value;

/// The fields of the core's `HError`, as the JS wrapper receives them.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct NativeError {
    /// The official SDK's code (an HTTP status or a 6xx code).
    pub code: u32,
    /// `"{code}: {text}"`, exactly as the core words it.
    pub message: String,
    /// Machine-readable kind (`network`, `timeout`, `cancelled`, `invalid_argument`, ...).
    pub kind: String,
    /// The HTTP status, when the server answered.
    pub status: Option<u32>,
    /// The server's request id, when it sent one.
    pub request_id: Option<String>,
    /// Whether sending the same call again may succeed.
    pub retryable: bool,
    /// The raw error body or the transport's cause, secrets removed.
    pub details: Option<Value>,
}

impl From<&HError> for NativeError {
    fn from(e: &HError) -> Self {
        NativeError {
            code: e.code(),
            message: e.message().to_owned(),
            kind: e.kind().as_str().to_owned(),
            status: e.status().map(u32::from),
            request_id: e.request_id().map(str::to_owned),
            retryable: e.retryable(),
            details: e.details(),
        }
    }
}

/// The core's HError 605 (`invalid_argument`) for a problem the JS wrapper found while converting an
/// argument (e.g. an options object of the wrong type), so every error comes from the core.
#[napi(catch_unwind)]
pub fn invalid_argument(text: String) -> NativeError {
    (&HError::invalid_argument(text)).into()
}

/// The core's HError 602: a `BaaS` call before `BaaS.init`.
#[napi(catch_unwind)]
pub fn uninitialized_error() -> NativeError {
    (&HError::uninitialized()).into()
}
