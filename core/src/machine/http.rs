//! One HTTP exchange as plain data: the request the machine asks a driver to send, and the answer or
//! failure the driver feeds back. Drivers send it with whatever HTTP client their platform has.

use std::fmt;
use std::time::Duration;

use super::error::{ErrorKind, HError};
use super::text::push_u64;
use crate::redact::{redact_text, REDACTED};

/// The HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH` (the 知晓云 open API's function update)
    Patch,
    /// `DELETE` (the 知晓云 open API's function removal)
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One request, complete with its time limit and the largest answer the caller will hold. A transport sends
/// exactly this request and hands back exactly its answer: it never follows a redirect (a `3xx` is an answer
/// like any other; the machine that wants redirects followed follows them itself, with its own cookie rules).
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// The SDK's headers, in the order the official SDK sends them (PROTOCOL.md §1.2).
    pub headers: Vec<(String, String)>,
    /// The body (UTF-8); a transport sends it with the `content-type` of [`HttpRequest::headers`] when they
    /// carry one (the open API's multipart form), else `content-type: application/json`. `None`: no body.
    pub body: Option<Vec<u8>>,
    /// The whole exchange must end within this time (the rest of the call's own limit); past it the transport
    /// reports [`TransportErrorKind::Timeout`].
    pub timeout: Duration,
    /// A response body larger than this is not read to the end: [`TransportErrorKind::BodyTooLarge`].
    pub max_response_bytes: usize,
}

impl HttpRequest {
    /// The path and query of [`HttpRequest::url`] (everything after the authority).
    pub fn path(&self) -> &str {
        let after_scheme = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        after_scheme.find('/').and_then(|i| after_scheme.get(i..)).unwrap_or("/")
    }

    /// The `content-type` the body is sent with: the headers' own, else `application/json`.
    pub fn content_type(&self) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map_or("application/json", |(_, v)| v.as_str())
    }

    /// The body as text (bodies are JSON or form text, so UTF-8).
    pub fn body_text(&self) -> Option<&str> {
        self.body.as_deref().and_then(|b| std::str::from_utf8(b).ok())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("authorization") {
                    (k.as_str(), REDACTED)
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

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// How an exchange failed before a complete answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The host knows it has no network (HError 600).
    Offline,
    /// The time limit passed (601).
    Timeout,
    /// Connection refused, reset, DNS or TLS failure, a truncated body (601). The machine asks the host whether
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
    pub fn new(kind: TransportErrorKind, message: impl AsRef<str>) -> Self {
        TransportError { kind, message: redact_text(message.as_ref()) }
    }

    /// The answer is larger than `limit` bytes (every transport words it the same).
    pub fn body_too_large(limit: usize) -> Self {
        let mut message = String::from("response body exceeds the ");
        push_u64(&mut message, limit as u64);
        message.push_str("-byte limit");
        TransportError { kind: TransportErrorKind::BodyTooLarge, message }
    }

    /// The HError a caller sees: 600 when offline, else 601 (PROTOCOL.md §1.5), the official texts.
    pub fn into_herror(self) -> HError {
        let (code, kind) = match self.kind {
            TransportErrorKind::Offline => (600, ErrorKind::Network),
            TransportErrorKind::Timeout => (601, ErrorKind::Timeout),
            TransportErrorKind::Connect => (601, ErrorKind::Network),
            TransportErrorKind::BodyTooLarge => {
                return HError::with_text(601, ErrorKind::ResponseTooLarge, &self.message)
                    .with_details_text(&self.message);
            }
        };
        HError::new(code, kind).with_details_text(&self.message)
    }
}
