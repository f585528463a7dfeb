//! The default transport on native targets: reqwest with rustls and a connection pool.

use std::time::Duration;

use super::{HttpRequest, HttpResponse, Method, Transport, TransportError, TransportErrorKind};
use crate::BoxFuture;

/// A [`Transport`] over one pooled `reqwest::Client` (rustls, keep-alive). Clone it freely: clones share
/// the pool. It needs a tokio runtime when a request is sent.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with its own pool.
    pub fn new() -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            // A transport hands back the answer it got: redirects are the machine's to follow (PROTOCOL.md §5.1).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TransportError::new(TransportErrorKind::Connect, e.to_string()))?;
        Ok(ReqwestTransport { client })
    }

    /// A transport over a client the app configured itself (proxies, certificates, ...). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: the open-API client follows redirects itself, keeping
    /// their cookies.
    pub fn with_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let content_type = request.content_type().to_owned();
        let mut builder = self.client.request(method, &request.url).timeout(request.timeout);
        for (name, value) in request.headers.iter().filter(|(k, _)| !k.eq_ignore_ascii_case("content-type")) {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.header(reqwest::header::CONTENT_TYPE, content_type).body(body);
        }
        let mut response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let limit = request.max_response_bytes;
        if let Some(length) = response.content_length() {
            if length > limit as u64 {
                return Err(TransportError::body_too_large(limit));
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::body_too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, headers, body })
    }
}

fn classify(error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() { TransportErrorKind::Timeout } else { TransportErrorKind::Connect };
    // reqwest's Display omits the cause chain; keep it for details.
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    TransportError::new(kind, message)
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self.exchange(request))
    }
}
