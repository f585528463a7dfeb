//! `HError`: the official SDK's error object, plus what a caller needs to act on it.
//!
//! `code` and `message` are exactly the official SDK's (PROTOCOL.md §1.5); minicloud adds `kind`, `status`,
//! `request_id`, `retryable` and `details` without changing either.

use std::fmt;

use serde_json::Value;

use crate::redact::redact_value;

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
    /// HTTP 401: the session is missing, invalid or expired.
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
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .0.message)]
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
    details: Option<Value>,
}

impl HError {
    /// An error with the table's text for `code`.
    pub fn new(code: u32, kind: ErrorKind) -> Self {
        Self::with_text(code, kind, default_text(code))
    }

    /// An error with an explicit text: the message becomes `"{code}: {text}"`.
    pub fn with_text(code: u32, kind: ErrorKind, text: impl fmt::Display) -> Self {
        HError(Box::new(Fields {
            code,
            message: format!("{code}: {text}"),
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
    pub fn invalid_argument(text: impl fmt::Display) -> Self {
        Self::with_text(605, ErrorKind::InvalidArgument, text)
    }

    /// HError 605 with the official SDK's message (`"605: incorrect parameter type"`), for the checks the
    /// official SDK also makes; `problem` names what was wrong and goes to `details`.
    pub fn incorrect_parameter(problem: impl fmt::Display) -> Self {
        Self::new(605, ErrorKind::InvalidArgument).with_details(Value::String(problem.to_string()))
    }

    /// HError 614 ("third party auth failed"): the host would not give a login code (the user refused, the
    /// host's login API failed or gave nothing). `cause` is the host's own words, kept in `details`. Every
    /// binding reports a failed host login this way.
    pub fn host_login_failed(cause: impl fmt::Display) -> Self {
        Self::new(614, ErrorKind::Unauthenticated).with_details(Value::String(cause.to_string()))
    }

    /// HError 602: used before `init`.
    pub fn uninitialized() -> Self {
        Self::new(602, ErrorKind::Uninitialized)
    }

    /// HError 611: the host cannot do this.
    pub fn unsupported(what: impl fmt::Display) -> Self {
        Self::new(611, ErrorKind::Unsupported).with_details(Value::String(what.to_string()))
    }

    /// The error of a call its caller cancelled: code 601 like every failed request, kind
    /// [`ErrorKind::Cancelled`], message `"601: request cancelled"`, never retryable.
    pub fn cancelled() -> Self {
        Self::with_text(601, ErrorKind::Cancelled, "request cancelled")
    }

    /// The error of a non-2xx answer (PROTOCOL.md §1.5): `code` is the status; the text is `"not found"` for
    /// 404, else the body's `error_msg`, else its `message`, else the table's text.
    pub fn from_http(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let field = |name: &str| parsed.as_ref().and_then(|v| v.get(name)).and_then(Value::as_str).map(str::to_owned);
        let text = if status == 404 {
            "not found".to_owned()
        } else {
            field("error_msg").or_else(|| field("message")).unwrap_or_else(|| default_text(status.into()).to_owned())
        };
        let kind = match status {
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            413 => ErrorKind::PayloadTooLarge,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Http,
        };
        let details = parsed.unwrap_or_else(|| Value::String(String::from_utf8_lossy(body).into_owned()));
        let mut error = Self::with_text(status.into(), kind, text).with_details(details);
        error.0.status = Some(status);
        error.0.request_id = request_id;
        error.0.retryable = matches!(status, 408 | 429 | 500..=599);
        error
    }

    /// Attaches details (the raw error body or the transport's cause). Secrets are removed here.
    pub fn with_details(mut self, mut details: Value) -> Self {
        redact_value(&mut details);
        self.0.details = Some(details);
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

    /// The raw error body or the transport's cause, with secrets removed.
    pub fn details(&self) -> Option<&Value> {
        self.0.details.as_ref()
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
        assert_eq!(HError::from_http(500, b"<html>", None).message(), "500: unknown error");
    }

    #[test]
    fn failed_host_login_is_614_with_the_hosts_words() {
        let e = HError::host_login_failed("login:fail auth deny");
        assert_eq!(e.message(), "614: third party auth failed");
        assert_eq!(e.details(), Some(&Value::String("login:fail auth deny".into())));
    }

    #[test]
    fn details_lose_their_secrets() {
        let e = HError::from_http(400, br#"{"error_msg":"x","token":"abc","nested":{"password":"p"}}"#, None);
        let text = e.details().unwrap().to_string();
        assert!(!text.contains("abc") && !text.contains("\"p\""), "{text}");
    }
}
