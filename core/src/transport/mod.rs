//! The transport: one async request/response exchange, supplied by the host.
//!
//! The core never opens a socket itself. Native targets get [`ReqwestTransport`] (rustls, pooled
//! connections); the wasm bindings hand the core each mini-program host's `request` API or `fetch`.

use std::fmt;
use std::time::Duration;

use crate::error::{ErrorKind, HError};
use crate::redact::redact_text;
use crate::BoxFuture;

#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
mod native;
#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
pub use native::ReqwestTransport;

/// The HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request, complete with its time limit and the largest answer the caller will hold.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// The SDK's headers, in the order the official SDK sends them (PROTOCOL.md §1.2).
    pub headers: Vec<(String, String)>,
    /// The JSON body; a transport sends it with `content-type: application/json`. `None`: no body.
    pub body: Option<Vec<u8>>,
    /// The whole exchange must end within this time; past it the transport reports [`TransportErrorKind::Timeout`].
    pub timeout: Duration,
    /// A response body larger than this is not read to the end: [`TransportErrorKind::BodyTooLarge`].
    pub max_response_bytes: usize,
}

impl HttpRequest {
    /// The path and query of [`HttpRequest::url`] (everything after the authority).
    pub fn path(&self) -> &str {
        let after_scheme = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("authorization") {
                    (k.as_str(), crate::redact::REDACTED)
                } else {
                    (k.as_str(), v.as_str())
                }
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redact_text(&self.url))
            .field("headers", &headers)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// Response headers; names in any case.
    pub headers: Vec<(String, String)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The server's request id, from `x-request-id`.
    pub fn request_id(&self) -> Option<String> {
        self.header("x-request-id").map(str::to_owned)
    }
}

/// How an exchange failed before a complete answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The host knows it has no network (HError 600).
    Offline,
    /// The time limit passed (601).
    Timeout,
    /// Connection refused, reset, DNS or TLS failure, a truncated body (601). The core asks the host whether
    /// it is offline, and reports 600 if so.
    Connect,
    /// The answer is over [`HttpRequest::max_response_bytes`].
    BodyTooLarge,
}

/// A failed exchange. The message is the transport's own words; secrets are removed when it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// The cause, for `details`.
    pub message: String,
}

impl TransportError {
    /// A failure of that kind; secrets in `message` (e.g. `access_token=` in a URL) are removed.
    pub fn new(kind: TransportErrorKind, message: impl fmt::Display) -> Self {
        TransportError { kind, message: redact_text(&message.to_string()) }
    }

    /// The answer is larger than `limit` bytes (every transport words it the same).
    pub fn body_too_large(limit: usize) -> Self {
        TransportError::new(TransportErrorKind::BodyTooLarge, format!("response body exceeds the {limit}-byte limit"))
    }

    /// The HError a caller sees: 600 when offline, else 601 (PROTOCOL.md §1.5), the official texts.
    pub fn into_herror(self) -> HError {
        let (code, kind) = match self.kind {
            TransportErrorKind::Offline => (600, ErrorKind::Network),
            TransportErrorKind::Timeout => (601, ErrorKind::Timeout),
            TransportErrorKind::Connect => (601, ErrorKind::Network),
            TransportErrorKind::BodyTooLarge => {
                return HError::with_text(601, ErrorKind::ResponseTooLarge, &self.message)
                    .with_details(serde_json::Value::String(self.message));
            }
        };
        HError::new(code, kind).with_details(serde_json::Value::String(self.message))
    }
}

/// An async request/response exchange. Implementations must finish within [`HttpRequest::timeout`]
/// and must not read more than [`HttpRequest::max_response_bytes`] of a body. Dropping the returned future
/// cancels the exchange (the connection is closed or returned to the pool).
pub trait Transport: crate::MaybeSend + crate::MaybeSync {
    /// Sends one request and waits for its complete answer (any status).
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}
