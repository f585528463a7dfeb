//! [`NativeTransport`]: the pooled transport (the `transport: 'pooled'` client option). The event-loop driver
//! still runs every call's machine on the JS thread; only the HTTP exchange is handed to the core's
//! [`ReqwestTransport`] (hyper, one keep-alive pool per client) on napi's tokio runtime, and its answer comes
//! back as a promise. At high concurrency this does far less work per call than Node's HTTP client
//! (measured in `benches/README.md`); at low concurrency the hop to another thread and back costs more than
//! it saves, so it is not the default.

use std::time::Duration;

use futures::future::{AbortHandle, Abortable};
use minicloud_core::{HttpRequest, Method, ReqwestTransport, Transport};
use napi::bindgen_prelude::{Buffer, PromiseRaw};
use napi::Env;
use napi_derive::napi;

/// What an exchange ended with: `status`, `rawHeaders` (names and values joined with `\n`) and `body`; or
/// `failure` (`connect`, `timeout`, `offline`, `body_too_large`) and `message`.
#[napi(object, object_from_js = false)]
pub struct NativeAnswer {
    /// The HTTP status.
    pub status: Option<u32>,
    /// The answer's headers, `name\nvalue\n...`.
    pub raw_headers: Option<String>,
    /// The whole body.
    pub body: Option<Buffer>,
    /// How the exchange failed, if it did.
    pub failure: Option<String>,
    /// The failure in the transport's words.
    pub message: Option<String>,
}

/// One exchange in flight, so JS can abandon it: `abort` drops it, closing its connection.
#[napi]
pub struct NativeExchange {
    abort: AbortHandle,
    registration: Option<futures::future::AbortRegistration>,
}

#[napi]
impl NativeExchange {
    /// An exchange not started yet.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        let (abort, registration) = AbortHandle::new_pair();
        NativeExchange { abort, registration: Some(registration) }
    }

    /// Abandons the exchange (its promise then never settles; the connection is closed).
    #[napi(catch_unwind)]
    pub fn abort(&self) {
        self.abort.abort();
    }
}

/// A client's pooled connections.
#[napi]
pub struct NativeTransport {
    transport: Result<ReqwestTransport, String>,
}

#[napi]
impl NativeTransport {
    /// A pool of its own.
    #[napi(constructor, catch_unwind)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeTransport { transport: ReqwestTransport::new().map_err(|e| e.message) }
    }

    /// Sends a `SEND` action's request (`headers` as `[name, value, ...]`, the body with the headers'
    /// `content-type` or else `application/json`, as the core's transport sends it; `timeout_ms` and `max_response_bytes` bound it) on the tokio runtime; resolves on the
    /// JS thread with the answer or the failure. `exchange` can abandon it.
    #[napi(ts_return_type = "Promise<NativeAnswer>", catch_unwind)]
    #[allow(clippy::too_many_arguments)]
    pub fn send<'env>(
        &self,
        env: &'env Env,
        method: String,
        url: String,
        headers: Vec<String>,
        body: Option<String>,
        timeout_ms: f64,
        max_response_bytes: f64,
        exchange: &mut NativeExchange,
    ) -> napi::Result<PromiseRaw<'env, NativeAnswer>> {
        let mut pairs = Vec::with_capacity(headers.len() / 2);
        let mut names_and_values = headers.into_iter();
        while let (Some(name), Some(value)) = (names_and_values.next(), names_and_values.next()) {
            pairs.push((name, value));
        }
        let request = HttpRequest {
            method: [Method::Get, Method::Patch, Method::Delete]
                .into_iter()
                .find(|m| m.as_str() == method)
                .unwrap_or(Method::Post),
            url,
            headers: pairs,
            body: body.map(String::into_bytes),
            timeout: Duration::from_millis(timeout_ms.max(1.0) as u64),
            max_response_bytes: max_response_bytes as usize,
        };
        let transport = self.transport.clone();
        let registration = exchange.registration.take();
        env.spawn_future(async move {
            let transport = match transport {
                Ok(transport) => transport,
                Err(message) => return Ok(failure("connect", message)),
            };
            let send = transport.send(request);
            let outcome = match registration {
                Some(registration) => match Abortable::new(send, registration).await {
                    Ok(outcome) => outcome,
                    // Abandoned: the driver has moved on and ignores whatever this resolves to.
                    Err(_) => return Ok(failure("connect", "abandoned".to_owned())),
                },
                None => return Ok(failure("connect", "an exchange is sent once".to_owned())),
            };
            Ok(match outcome {
                Ok(response) => {
                    let mut raw_headers = String::new();
                    for (name, value) in &response.headers {
                        if !raw_headers.is_empty() {
                            raw_headers.push('\n');
                        }
                        raw_headers.push_str(name);
                        raw_headers.push('\n');
                        raw_headers.push_str(value);
                    }
                    NativeAnswer {
                        status: Some(response.status.into()),
                        raw_headers: Some(raw_headers),
                        body: Some(response.body.into()),
                        failure: None,
                        message: None,
                    }
                }
                Err(error) => failure(crate::step::transport_failure_name(error.kind), error.message),
            })
        })
    }
}

fn failure(kind: &str, message: String) -> NativeAnswer {
    NativeAnswer { status: None, raw_headers: None, body: None, failure: Some(kind.to_owned()), message: Some(message) }
}
