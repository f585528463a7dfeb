//! The transport: one async request/response exchange, supplied by the host.
//!
//! The core never opens a socket itself. Native targets get [`ReqwestTransport`] (rustls, pooled
//! connections); the wasm bindings hand the core each mini-program host's `request` API or `fetch`. The
//! request and answer types are the machine's ([`crate::machine::http`]).

pub use crate::machine::http::{HttpRequest, HttpResponse, Method, TransportError, TransportErrorKind};
use crate::BoxFuture;

#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
mod native;
#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
pub use native::ReqwestTransport;

/// An async request/response exchange. Implementations must finish within [`HttpRequest::timeout`]
/// and must not read more than [`HttpRequest::max_response_bytes`] of a body. Dropping the returned future
/// cancels the exchange (the connection is closed or returned to the pool).
pub trait Transport: crate::MaybeSend + crate::MaybeSync {
    /// Sends one request and waits for its complete answer (any status).
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}
