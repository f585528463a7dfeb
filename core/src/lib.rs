//! # minicloud-core
//!
//! One implementation of the 知晓云 (ifanr minapp) client protocol, wire-compatible with the official
//! `minapp-sdk`: `BaaS.invoke` / `invokeFunction`, the HError codes and messages, and the session rules
//! (login, silent login per host, auto-login with a single in-flight login, the 401 resend).
//!
//! The core does no I/O of its own. The host supplies a [`Transport`] (one async request/response
//! exchange carrying its time limit), a [`SessionStore`], optionally [`Host`] APIs (login code, network
//! state) and a [`Clock`]. Native targets get [`ReqwestTransport`] by default; wasm32 hosts bring their own.
//!
//! ```no_run
//! # async fn demo() -> Result<(), minicloud_core::HError> {
//! use minicloud_core::{Client, ClientConfig, Invocation, Platform};
//! let client = Client::builder(ClientConfig::new("a4d2d62965ddb57fa4d6", Platform::Node)).build()?;
//! let result = client.invoke(Invocation::new("helloWorld").params_json(r#"{"name":"allen"}"#)?).await?;
//! println!("{result}"); // {"code":0,"data":"hello allen","error":{}}
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod client;
pub mod clock;
pub mod config;
pub mod error;
pub mod host;
pub mod invoke;
pub mod log;
pub mod platform;
pub mod redact;
pub mod session;
pub mod timer;
pub mod transport;
pub mod wechat;

use std::future::Future;
use std::pin::Pin;

pub use client::{Client, ClientBuilder, LoginResult};
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{AccountKind, AutoLogin, ClientConfig, Credentials};
pub use error::{ErrorKind, HError};
pub use host::{Host, NoHost};
pub use invoke::{params_from, Invocation};
pub use platform::Platform;
pub use session::{FileStore, MemoryStore, Session, SessionStore};
pub use timer::Timer;
#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
pub use transport::ReqwestTransport;
pub use transport::{HttpRequest, HttpResponse, Method, Transport, TransportError, TransportErrorKind};

/// `Send` on native targets, nothing on wasm32 (where JS values are not `Send`).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` on native targets, nothing on wasm32 (where JS values are not `Send`).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` on native targets, nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// `Sync` on native targets, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A boxed future, `Send` on native targets.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future (not `Send` on wasm32).
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Errors that can say "the caller cancelled this call".
pub trait CancelledError {
    /// The error of a cancelled call.
    fn cancelled() -> Self;
}

impl CancelledError for HError {
    fn cancelled() -> Self {
        HError::cancelled()
    }
}

impl CancelledError for wechat::WeChatError {
    fn cancelled() -> Self {
        wechat::WeChatError::cancelled()
    }
}

/// Runs a call until it ends or `cancel` fires, whichever is first. A cancelled call is dropped (its
/// connection closed) and reported as [`HError::cancelled`] (kind `cancelled`), never as a timeout. Bindings
/// use this for `AbortSignal`, coroutine and task cancellation.
pub async fn cancellable<T, E: CancelledError>(
    call: impl Future<Output = Result<T, E>>,
    cancel: impl Future<Output = ()>,
) -> Result<T, E> {
    use futures::future::{select, Either};
    let call = std::pin::pin!(call);
    let cancel = std::pin::pin!(cancel);
    match select(cancel, call).await {
        Either::Left(((), _dropped_call)) => Err(E::cancelled()),
        Either::Right((result, _)) => result,
    }
}
