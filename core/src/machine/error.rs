//! `HError`: the official SDK's error object, plus what a caller needs to act on it.
//!
//! `code` and `message` are exactly the official SDK's (PROTOCOL.md §1.5); minicloud adds `kind`, `status`,
//! `request_id`, `retryable` and `details` without changing either. `details` is JSON text with every
//! secret removed when the error is made: a JSON error body with the values of secret keys replaced, or any
//! other text (a non-JSON body, a transport's words, a host's login failure) as a JSON string, redacted.

use std::fmt;

use super::json;
use super::text::{lossy, push_u64};
use crate::redact::{is_secret_key, redact_text, without_secret, REDACTED};

/// The official SDK's HError texts, by code (PROTOCOL.md §1.5). Anything else is `"unknown error"`.
pub fn default_text(code: u32) -> &'static str {
    match code {
        600 => "network disconnected",
        601 => "request timeout",
        602 => "uninitialized",
        603 => "unauthorized",
        604 => "session missing",
        605 => "incorrect parameter type",
        607 => "payment cancelled",
        608 => "payment failed",
        609 => "wxExtend function should be executed to allow plugin use wx.login, wx.getUserInfo, wx.requestPayment",
        610 => "errorTracker uninitialized",
        611 => "unsupported function",
        612 => "anonymous user is not allowed",
        613 => "third party auth denied",
        614 => "third party auth failed",
        615 => "gateway type \"weixin_tenpay_js\" works in WeChat builtin browser only",
        616 => "please enable sdk update platform user info first",
        617 => "multipart upload failed",
        _ => "unknown error",
    }
}

/// What went wrong, in a form a program can branch on. `code` stays the official SDK's number; `kind` says
/// more precisely which of the paths that share a code was taken (e.g. a timeout and a cancelled call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The host reports no network (code 600), or the connection could not be made or was reset (601).
    Network,
    /// The call ran past its time limit (601).
    Timeout,
    /// The caller cancelled the call (abort signal, dropped future, cancelled coroutine).
    Cancelled,
    /// A bad argument: empty function name, params that are not JSON, an unknown option (605).
    InvalidArgument,
    /// The request body is over the payload limit (605); nothing was sent.
    PayloadTooLarge,
    /// The client was used before it was configured (602).
    Uninitialized,
    /// The host cannot do this, e.g. silent login on the web (611).
    Unsupported,
    /// HTTP 401, no live session (604), or the host's login failed (614).
    Unauthenticated,
    /// HTTP 403.
    PermissionDenied,
    /// HTTP 404: e.g. no cloud function by that name.
    NotFound,
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx.
    Server,
    /// Any other non-2xx HTTP answer.
    Http,
    /// A 2xx answer whose body is not the JSON the protocol promises (not JSON, truncated, missing fields).
    InvalidResponse,
    /// The answer is over the response size limit; it was not read to the end.
    ResponseTooLarge,
}

impl ErrorKind {
    /// The kind of a non-2xx HTTP answer of this status.
    pub fn for_status(status: u16) -> Self {
        match status {
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            413 => ErrorKind::PayloadTooLarge,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Http,
        }
    }

    /// The machine-readable name bindings expose (`"network"`, `"timeout"`, `"cancelled"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::Uninitialized => "uninitialized",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Http => "http",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::ResponseTooLarge => "response_too_large",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every minicloud call.
///
/// `message` is `"{code}: {text}"` exactly as the official SDK words it. `details` never holds a token,
/// password or secret: it is redacted when the error is made.
#[derive(Debug, Clone, PartialEq)]
pub struct HError(Box<Fields>);

/// The fields behind an [`HError`], boxed so a `Result<_, HError>` stays one pointer wide.
#[derive(Debug, Clone, PartialEq)]
struct Fields {
    code: u32,
    message: String,
    kind: ErrorKind,
    status: Option<u16>,
    request_id: Option<String>,
    retryable: bool,
    details: Option<String>,
}

impl fmt::Display for HError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for HError {}

/// `"{code}: {text}"`.
fn message(code: u32, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 5);
    push_u64(&mut out, code.into());
    out.push_str(": ");
    out.push_str(text);
    out
}

/// Free text as a redacted JSON string.
fn text_details(text: &str) -> String {
    json::string(&redact_text(text))
}

impl HError {
    /// An error with the table's text for `code`.
    pub fn new(code: u32, kind: ErrorKind) -> Self {
        Self::with_text(code, kind, default_text(code))
    }

    /// An error with an explicit text: the message becomes `"{code}: {text}"`.
    pub fn with_text(code: u32, kind: ErrorKind, text: impl AsRef<str>) -> Self {
        Self::make(code, kind, text.as_ref())
    }

    /// [`HError::with_text`] for a `&str`: the one copy of the construction every generic wrapper calls
    /// (kept out of line: inlined at each of the machine's error sites, it costs the wasm build bytes).
    #[inline(never)]
    fn make(code: u32, kind: ErrorKind, text: &str) -> Self {
        HError(Box::new(Fields {
            code,
            message: message(code, text),
            kind,
            status: None,
            request_id: None,
            retryable: matches!(
                kind,
                ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Server | ErrorKind::RateLimited
            ),
            details: None,
        }))
    }

    /// HError 605 naming the bad argument, e.g. `"605: function name must be a non-empty string"`.
    pub fn invalid_argument(text: impl AsRef<str>) -> Self {
        Self::with_text(605, ErrorKind::InvalidArgument, text)
    }

    /// HError 605 with the official SDK's message (`"605: incorrect parameter type"`), for the checks the
    /// official SDK also makes; `problem` names what was wrong and goes to `details`.
    pub fn incorrect_parameter(problem: impl AsRef<str>) -> Self {
        Self::new(605, ErrorKind::InvalidArgument).with_details_text(problem.as_ref())
    }

    /// HError 614 ("third party auth failed"): the host would not give a login code (the user refused, the
    /// host's login API failed or gave nothing). `cause` is the host's own words, redacted, kept in `details`.
    /// Every binding reports a failed host login this way.
    pub fn host_login_failed(cause: impl AsRef<str>) -> Self {
        Self::new(614, ErrorKind::Unauthenticated).with_details_text(cause.as_ref())
    }

    /// HError 602: used before `init`.
    pub fn uninitialized() -> Self {
        Self::new(602, ErrorKind::Uninitialized)
    }

    /// HError 604 ("session missing"): no live session where one is needed (`getCurrentUser`).
    pub fn session_missing() -> Self {
        Self::new(604, ErrorKind::Unauthenticated)
    }

    /// HError 611: the host cannot do this; `what` goes to `details`.
    pub fn unsupported(what: impl AsRef<str>) -> Self {
        Self::new(611, ErrorKind::Unsupported).with_details_text(what.as_ref())
    }

    /// The error of a call its caller cancelled: code 601 like every failed request, kind
    /// [`ErrorKind::Cancelled`], message `"601: request cancelled"`, never retryable.
    pub fn cancelled() -> Self {
        Self::with_text(601, ErrorKind::Cancelled, "request cancelled")
    }

    /// The error of a call that ran past its time limit: `"601: request timeout"`, kind `timeout`.
    pub fn timeout() -> Self {
        Self::new(601, ErrorKind::Timeout)
    }

    /// HError 601 (kind `invalid_response`): a 2xx answer that is not what the protocol promises.
    pub fn invalid_response(text: impl AsRef<str>) -> Self {
        Self::with_text(601, ErrorKind::InvalidResponse, text)
    }

    /// The error of a non-2xx answer (PROTOCOL.md §1.5): `code` is the status; the text is `"not found"` for
    /// 404, else the body's non-empty `error_msg`, else its non-empty `message`, else the table's text (as the
    /// official SDK picks it). `details` is the body: redacted JSON, or its redacted text as a JSON string.
    pub fn from_http(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        let body_text = lossy(body);
        let parsed = json::parse(&body_text).ok();
        let field = |name: &str| parsed.and_then(|v| v.get_str(name)).filter(|s| !s.is_empty());
        let text = if status == 404 {
            "not found".to_owned()
        } else {
            field("error_msg").or_else(|| field("message")).unwrap_or_else(|| default_text(status.into()).to_owned())
        };
        let mut error =
            Self::with_text(status.into(), ErrorKind::for_status(status), text).with_details_json(&body_text);
        error.0.status = Some(status);
        error.0.request_id = request_id;
        error.0.retryable = matches!(status, 408 | 429 | 500..=599);
        error
    }

    /// Attaches details given as JSON text: secret keys' values are replaced at any depth, and secrets written
    /// inside strings (`access_token=…` in a URL) removed. Text that is not JSON is kept as a JSON string, with
    /// secrets removed from it.
    pub fn with_details_json(mut self, details: &str) -> Self {
        let redaction = json::Redaction { is_secret_key: &is_secret_key, replacement: REDACTED, scrub: &redact_text };
        let redacted = json::redacted(details, &redaction).unwrap_or_else(|_| text_details(details));
        self.0.details = Some(redacted);
        self
    }

    /// Replaces the occurrences of `secret` (a value the caller knows: a client secret, an app secret) in the
    /// message and the details with `[redacted]` ([`redact::without_secret`](crate::redact::without_secret): a
    /// secret under 8 bytes only where it stands alone). Key-based redaction cannot see a secret an answer
    /// echoes back as plain text; this removes it by value.
    pub fn without_secret(mut self, secret: &str) -> Self {
        if let Some(scrubbed) = without_secret(&self.0.message, secret) {
            self.0.message = scrubbed;
        }
        if let Some(scrubbed) = self.0.details.as_deref().and_then(|d| without_secret(d, secret)) {
            // A secret that was JSON syntax (a bare number) leaves text that is no longer JSON: keep it as text.
            self.0.details = Some(if json::parse(&scrubbed).is_ok() { scrubbed } else { text_details(&scrubbed) });
        }
        self
    }

    /// Attaches details given as free text (a transport's or host's words): kept as a JSON string, with
    /// secrets removed.
    pub fn with_details_text(mut self, details: &str) -> Self {
        self.0.details = Some(text_details(details));
        self
    }

    /// Sets the HTTP status the error came with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Sets the server's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.0.request_id = request_id;
        self
    }

    /// The official SDK's code: an HTTP status, or one of the 6xx codes of the table.
    pub fn code(&self) -> u32 {
        self.0.code
    }

    /// `"{code}: {text}"`, as the official SDK words it.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Which path produced the error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The server's request id (`x-request-id`), when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// Whether sending the same call again may succeed (network failures, timeouts, 408, 429, 5xx).
    pub fn retryable(&self) -> bool {
        self.0.retryable
    }

    /// The raw error body or the transport's cause as JSON text, with secrets removed.
    pub fn details_json(&self) -> Option<&str> {
        self.0.details.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_uses_the_table_text() {
        assert_eq!(HError::new(600, ErrorKind::Network).message(), "600: network disconnected");
        assert_eq!(HError::new(699, ErrorKind::Http).message(), "699: unknown error");
    }

    #[test]
    fn http_404_says_not_found_whatever_the_body() {
        let e = HError::from_http(404, br#"{"error_msg":"function x not found"}"#, None);
        assert_eq!(e.message(), "404: not found");
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    #[test]
    fn http_error_prefers_error_msg_then_message_then_table() {
        assert_eq!(
            HError::from_http(400, br#"{"error_msg":"schedule failed","message":"m"}"#, None).message(),
            "400: schedule failed"
        );
        assert_eq!(HError::from_http(400, br#"{"message":"m"}"#, None).message(), "400: m");
        assert_eq!(HError::from_http(400, br#"{"error_msg":"","message":"m"}"#, None).message(), "400: m");
        assert_eq!(HError::from_http(500, b"<html>", None).message(), "500: unknown error");
    }

    #[test]
    fn http_error_text_keeps_chinese_and_emoji() {
        let e = HError::from_http(400, "{\"error_msg\":\"余额不足 💸 (balance)\"}".as_bytes(), None);
        assert_eq!(e.message(), "400: 余额不足 💸 (balance)");
        assert_eq!(e.details_json(), Some("{\"error_msg\":\"余额不足 💸 (balance)\"}"));
    }

    #[test]
    fn failed_host_login_is_614_with_the_hosts_words() {
        let e = HError::host_login_failed("login:fail auth deny 用户拒绝");
        assert_eq!(e.message(), "614: third party auth failed");
        assert_eq!(e.details_json(), Some("\"login:fail auth deny 用户拒绝\""));
    }

    #[test]
    fn json_details_lose_their_secrets() {
        let e = HError::from_http(400, br#"{"error_msg":"x","token":"abc","nested":{"password":"p"}}"#, None);
        let text = e.details_json().unwrap();
        assert!(!text.contains("abc") && !text.contains("\"p\""), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }

    #[test]
    fn secrets_written_inside_json_strings_leave_the_details() {
        let body =
            r#"{"error_msg":"bad","url":"https://api.test/x?access_token=SECRET-3&env=e","名":"token=SECRET-4"}"#;
        let text = HError::from_http(400, body.as_bytes(), None).details_json().unwrap().to_owned();
        assert!(!text.contains("SECRET-3") && !text.contains("SECRET-4") && text.contains("env=e"), "{text}");
    }

    #[test]
    fn non_json_details_lose_their_secrets() {
        let e = HError::from_http(502, b"upstream said access_token=SECRET1&env=e", None);
        let text = e.details_json().unwrap();
        assert!(!text.contains("SECRET1") && text.starts_with('"'), "{text}");
    }
}
