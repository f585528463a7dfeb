//! The WeChat cloud error: WeChat's `errcode`/`errmsg`, plus a kind a caller can act on (PROTOCOL.md §2).

use std::fmt;

use crate::machine::http::{TransportError, TransportErrorKind};
use crate::machine::text::{preview, push_i64, push_u64};
use crate::redact::redact_text;

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
    /// A request WeChat refused as malformed (43002 wrong method, 44002 empty body, 47001 bad data format),
    /// or a bad argument caught before sending.
    InvalidArgument,
    /// Any other errcode: WeChat refused the call for a reason minicloud has no class for. Final.
    Rejected,
    /// WeChat (or a proxy in front of it) answered with a non-2xx HTTP status; `errmsg` names it.
    Http,
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
            WeChatErrorKind::Rejected => "rejected",
            WeChatErrorKind::Http => "http",
            WeChatErrorKind::Network => "network",
            WeChatErrorKind::Timeout => "timeout",
            WeChatErrorKind::Cancelled => "cancelled",
            WeChatErrorKind::InvalidResponse => "invalid_response",
        }
    }

    /// The kind of a WeChat errcode from a business call (not the token endpoint). Only -1 and -1000 are
    /// system errors; a code not in the table is [`WeChatErrorKind::Rejected`], final.
    pub fn of_errcode(errcode: i64) -> Self {
        match errcode {
            -1 | -1000 => WeChatErrorKind::System,
            40001 | 40014 | 41001 | 42001 => WeChatErrorKind::Auth,
            40013 | 40125 | 40164 | 40101 | 48001 | 85088 | 41002 | 41004 => WeChatErrorKind::Config,
            45009 | 45011 => WeChatErrorKind::Quota,
            43002 | 44002 | 47001 => WeChatErrorKind::InvalidArgument,
            code if code < 0 => WeChatErrorKind::Function,
            _ => WeChatErrorKind::Rejected,
        }
    }
}

impl fmt::Display for WeChatErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed WeChat call. `errcode` is WeChat's (`None` when WeChat never answered with one: network, timeout,
/// cancellation, bad argument, a non-2xx answer). Never carries a token or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatError {
    /// WeChat's errcode, when WeChat answered with one.
    pub errcode: Option<i64>,
    /// WeChat's errmsg, or the cause.
    pub errmsg: String,
    /// What kind of failure.
    pub kind: WeChatErrorKind,
    /// The HTTP status of a non-2xx answer ([`WeChatErrorKind::Http`]).
    pub status: Option<u16>,
}

impl WeChatError {
    /// An error WeChat answered with, classified as a business-call error.
    pub fn from_errcode(errcode: i64, errmsg: impl AsRef<str>) -> Self {
        WeChatError {
            errcode: Some(errcode),
            errmsg: redact_text(errmsg.as_ref()),
            kind: WeChatErrorKind::of_errcode(errcode),
            status: None,
        }
    }

    /// An error of the token endpoint: -1/-1000 are system errors (retried with backoff), 45009/45011 quota;
    /// everything else (40001 wrong secret, 40013 bad app ID, 40164 IP, ...) is a configuration error,
    /// reported without retry.
    pub fn from_token_errcode(errcode: i64, errmsg: impl AsRef<str>) -> Self {
        let kind = match errcode {
            -1 | -1000 => WeChatErrorKind::System,
            45009 | 45011 => WeChatErrorKind::Quota,
            _ => WeChatErrorKind::Config,
        };
        WeChatError { errcode: Some(errcode), errmsg: redact_text(errmsg.as_ref()), kind, status: None }
    }

    /// A non-2xx HTTP answer from `what` (`"invokecloudfunction"`, `"token endpoint"`): kind `http`, the
    /// status named in `errmsg`, the body's redacted start kept after it.
    pub fn from_status(what: &str, status: u16, body: &[u8]) -> Self {
        let mut errmsg = String::from(what);
        errmsg.push_str(" answered HTTP ");
        push_u64(&mut errmsg, status.into());
        let preview = preview(body, 200);
        if !preview.trim().is_empty() {
            errmsg.push_str(": ");
            errmsg.push_str(preview.trim());
        }
        WeChatError { status: Some(status), ..WeChatError::local(WeChatErrorKind::Http, errmsg) }
    }

    /// Replaces the occurrences of `secret` (a value the caller knows, e.g. the app secret) in `errmsg` with
    /// `[redacted]`: text echoed back from the request is redacted by value, not only by key (as
    /// [`HError::without_secret`](crate::HError::without_secret); a secret under 8 bytes only where it stands
    /// alone).
    pub fn without_secret(mut self, secret: &str) -> Self {
        if let Some(scrubbed) = crate::redact::without_secret(&self.errmsg, secret) {
            self.errmsg = scrubbed;
        }
        self
    }

    /// A failure of ours, not WeChat's answer.
    pub fn local(kind: WeChatErrorKind, errmsg: impl AsRef<str>) -> Self {
        WeChatError { errcode: None, errmsg: redact_text(errmsg.as_ref()), kind, status: None }
    }

    /// A cancelled call.
    pub fn cancelled() -> Self {
        Self::local(WeChatErrorKind::Cancelled, "call cancelled")
    }

    /// A call past its time limit.
    pub fn timeout() -> Self {
        Self::local(WeChatErrorKind::Timeout, "call ran past its time limit")
    }

    /// Whether trying again later may succeed: system errors, network failures and timeouts, 45011 (the
    /// per-minute quota), and HTTP 429 or 5xx. Every other errcode is final.
    pub fn retryable(&self) -> bool {
        let retryable_status = matches!(self.status, Some(429 | 500..=599));
        matches!(self.kind, WeChatErrorKind::System | WeChatErrorKind::Network | WeChatErrorKind::Timeout)
            || self.errcode == Some(45011)
            || retryable_status
    }

    /// `"{errcode}: {errmsg} ({kind})"`, or `"{errmsg} ({kind})"` without an errcode.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        if let Some(code) = self.errcode {
            push_i64(&mut out, code);
            out.push_str(": ");
        }
        out.push_str(&self.errmsg);
        out.push_str(" (");
        out.push_str(self.kind.as_str());
        out.push(')');
        out
    }
}

impl fmt::Display for WeChatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::error::Error for WeChatError {}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_minus_one_and_minus_thousand_are_system_errors() {
        assert_eq!(WeChatErrorKind::of_errcode(-1), WeChatErrorKind::System);
        assert_eq!(WeChatErrorKind::of_errcode(-1000), WeChatErrorKind::System);
        for final_code in [47001, 40097, 61007, 9_999_999] {
            let error = WeChatError::from_errcode(final_code, "x");
            assert_ne!(error.kind, WeChatErrorKind::System, "{final_code}");
            assert!(!error.retryable(), "{final_code}");
        }
    }

    #[test]
    fn a_non_2xx_answer_names_its_status() {
        let error = WeChatError::from_status("invokecloudfunction", 502, br#"{"message":"bad gateway"}"#);
        assert_eq!(error.kind, WeChatErrorKind::Http);
        assert!(error.errmsg.contains("HTTP 502"), "{}", error.errmsg);
        assert!(error.retryable());
    }

    #[test]
    fn chinese_errmsg_is_kept_whole() {
        let error = WeChatError::from_errcode(-504002, "函数执行失败: 余额不足:100 💸");
        assert_eq!(error.to_string(), "-504002: 函数执行失败: 余额不足:100 💸 (function)");
    }
}
