//! The WeChat cloud error: WeChat's `errcode`/`errmsg`, plus a kind a caller can act on (PROTOCOL.md §2).

use std::fmt;

use crate::redact::redact_text;
use crate::transport::{TransportError, TransportErrorKind};

/// What kind of failure a WeChat call met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WeChatErrorKind {
    /// The access_token was missing, invalid or expired and a fresh one did not help
    /// (41001, 40014, 42001, 40001 on a business call).
    Auth,
    /// The app's configuration is wrong: bad app ID or secret, IP not whitelisted, cloud development not enabled,
    /// API unauthorized, a missing parameter (40001/40013/40125/40164 from the token endpoint, 40101, 48001, 85088).
    Config,
    /// A quota was reached (45009 daily, 45011 per minute).
    Quota,
    /// WeChat's own failure (-1, -1000), retried with backoff before it reaches the caller.
    System,
    /// The cloud function failed (-504002), ran past its limit (-501002), or another cloud error (negative
    /// six-digit codes).
    Function,
    /// A request WeChat refused as malformed (43002 wrong method, 44002 empty body), or a bad argument caught
    /// before sending.
    InvalidArgument,
    /// The network failed before an answer arrived.
    Network,
    /// The call ran past its time limit.
    Timeout,
    /// The caller cancelled the call.
    Cancelled,
    /// WeChat's answer was not the JSON it documents.
    InvalidResponse,
}

impl WeChatErrorKind {
    /// The machine-readable name bindings expose (`"auth"`, `"config"`, `"quota"`, `"system"`, `"function"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            WeChatErrorKind::Auth => "auth",
            WeChatErrorKind::Config => "config",
            WeChatErrorKind::Quota => "quota",
            WeChatErrorKind::System => "system",
            WeChatErrorKind::Function => "function",
            WeChatErrorKind::InvalidArgument => "invalid_argument",
            WeChatErrorKind::Network => "network",
            WeChatErrorKind::Timeout => "timeout",
            WeChatErrorKind::Cancelled => "cancelled",
            WeChatErrorKind::InvalidResponse => "invalid_response",
        }
    }

    /// The kind of a WeChat errcode from a business call (not the token endpoint).
    pub fn of_errcode(errcode: i64) -> Self {
        match errcode {
            -1 | -1000 => WeChatErrorKind::System,
            40001 | 40014 | 41001 | 42001 => WeChatErrorKind::Auth,
            40013 | 40125 | 40164 | 40101 | 48001 | 85088 | 41002 | 41004 => WeChatErrorKind::Config,
            45009 | 45011 => WeChatErrorKind::Quota,
            43002 | 44002 => WeChatErrorKind::InvalidArgument,
            code if code < 0 => WeChatErrorKind::Function,
            _ => WeChatErrorKind::System,
        }
    }
}

impl fmt::Display for WeChatErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed WeChat call. `errcode` is WeChat's (`None` when WeChat never answered: network, timeout,
/// cancellation, bad argument). Never carries a token or secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct WeChatError {
    /// WeChat's errcode, when WeChat answered with one.
    pub errcode: Option<i64>,
    /// WeChat's errmsg, or the cause.
    pub errmsg: String,
    /// What kind of failure.
    pub kind: WeChatErrorKind,
}

impl WeChatError {
    /// An error WeChat answered with, classified as a business-call error.
    pub fn from_errcode(errcode: i64, errmsg: impl Into<String>) -> Self {
        WeChatError {
            errcode: Some(errcode),
            errmsg: redact_text(&errmsg.into()),
            kind: WeChatErrorKind::of_errcode(errcode),
        }
    }

    /// An error of the token endpoint: 40001/40013/40125/40164 (and other positive codes) are configuration
    /// errors, reported without retry; -1/-1000 are system errors.
    pub fn from_token_errcode(errcode: i64, errmsg: impl Into<String>) -> Self {
        let kind = match errcode {
            -1 | -1000 => WeChatErrorKind::System,
            45009 | 45011 => WeChatErrorKind::Quota,
            _ => WeChatErrorKind::Config,
        };
        WeChatError { errcode: Some(errcode), errmsg: redact_text(&errmsg.into()), kind }
    }

    /// A failure of ours, not WeChat's answer.
    pub fn local(kind: WeChatErrorKind, errmsg: impl fmt::Display) -> Self {
        WeChatError { errcode: None, errmsg: redact_text(&errmsg.to_string()), kind }
    }

    /// A cancelled call.
    pub fn cancelled() -> Self {
        Self::local(WeChatErrorKind::Cancelled, "call cancelled")
    }

    /// Whether trying again later may succeed (system errors, quota per minute, network, timeout).
    pub fn retryable(&self) -> bool {
        matches!(self.kind, WeChatErrorKind::System | WeChatErrorKind::Network | WeChatErrorKind::Timeout)
            || self.errcode == Some(45011)
    }

    fn describe(&self) -> String {
        match self.errcode {
            Some(code) => format!("{code}: {} ({})", self.errmsg, self.kind),
            None => format!("{} ({})", self.errmsg, self.kind),
        }
    }
}

impl From<TransportError> for WeChatError {
    fn from(error: TransportError) -> Self {
        let kind = match error.kind {
            TransportErrorKind::Timeout => WeChatErrorKind::Timeout,
            TransportErrorKind::BodyTooLarge => WeChatErrorKind::InvalidResponse,
            TransportErrorKind::Offline | TransportErrorKind::Connect => WeChatErrorKind::Network,
        };
        WeChatError::local(kind, error.message)
    }
}
