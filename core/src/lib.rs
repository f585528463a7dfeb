//! # minicloud-core
//!
//! One implementation of the 知晓云 (ifanr minapp) client protocol, wire-compatible with the official
//! `minapp-sdk`: `BaaS.invoke` / `invokeFunction`, the HError codes and messages, and the session rules
//! (login, silent login per host, auto-login with a single in-flight login, the 401 resend); and of WeChat
//! cloud's server-side `invokeCloudFunction` with a managed access_token; and of the 知晓云 open API from the
//! server side ([`MinappServer`]: invoke, debug, manage functions, job records, the two-step token flow).
//!
//! Two layers:
//! - [`machine`]: every protocol rule, as synchronous state machines ([`Machine`], [`WeChatMachine`]) that
//!   do no I/O, read no clock and hold no future. Always built; alone (`default-features = false`) it
//!   builds for `wasm32-unknown-unknown` without serde_json or futures, for hosts that drive it from JS.
//! - the native async driver (feature `driver`, on by default with `reqwest-transport`): [`Client`] and
//!   [`WeChatCloud`](wechat::WeChatCloud), thin loops over the machines with the host's parts behind traits —
//!   a [`Transport`] (one async request/response exchange carrying its time limit), a [`SessionStore`],
//!   optionally [`Host`] APIs (login code, network state), a [`Clock`] and a [`Timer`]. Native targets get
//!   [`ReqwestTransport`] by default.
//!
#![cfg_attr(feature = "driver", doc = "```no_run")]
#![cfg_attr(not(feature = "driver"), doc = "```ignore")]
//! # async fn demo() -> Result<(), minicloud_core::HError> {
//! use minicloud_core::{Client, ClientConfig, Invocation, Platform};
//! let client = Client::builder(ClientConfig::new("a4d2d62965ddb57fa4d6", Platform::Node)).build()?;
//! let result = client.invoke(Invocation::new("helloWorld").params_json(r#"{"name":"allen"}"#)?).await?;
//! println!("{result}"); // {"code":0,"data":"hello allen","error":{}}
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod machine;
pub mod redact;

pub use machine::config::{self, AccountKind, AutoLogin, ClientConfig, Credentials};
pub use machine::error::{self, ErrorKind, HError};
pub use machine::http::{HttpRequest, HttpResponse, Method, TransportError, TransportErrorKind};
pub use machine::minapp_server::MinappServerMachine;
pub use machine::platform::{self, Platform};
pub use machine::session::{CurrentUser, Session};
pub use machine::wechat::WeChatMachine;
pub use machine::{limits, LoginCodeAnswer, Machine, SilentLogin};

// ---- the native async driver (feature `driver`) ----

#[cfg(feature = "driver")]
pub mod client;
#[cfg(feature = "driver")]
pub mod clock;
#[cfg(feature = "driver")]
mod drive;
#[cfg(feature = "driver")]
pub mod host;
#[cfg(feature = "driver")]
pub mod invoke;
#[cfg(feature = "driver")]
pub mod log;
#[cfg(feature = "driver")]
pub mod minapp_server;
#[cfg(feature = "driver")]
pub mod session;
#[cfg(feature = "driver")]
pub mod timer;
#[cfg(feature = "driver")]
pub mod transport;
#[cfg(feature = "driver")]
mod values;
#[cfg(feature = "driver")]
pub mod wechat;

#[cfg(feature = "driver")]
pub use client::{Client, ClientBuilder, LoginResult};
#[cfg(feature = "driver")]
pub use clock::{Clock, FixedClock, SystemClock};
#[cfg(feature = "driver")]
pub use drive::{Logger, TracingLogger};
#[cfg(feature = "driver")]
pub use host::{Host, NoHost};
#[cfg(feature = "driver")]
pub use invoke::{params_from, Invocation};
#[cfg(feature = "driver")]
pub use minapp_server::{MinappServer, MinappServerBuilder};
#[cfg(feature = "driver")]
pub use session::{FileStore, MemoryStore, SessionStore};
#[cfg(feature = "driver")]
pub use timer::Timer;
#[cfg(all(feature = "driver", not(target_arch = "wasm32"), feature = "reqwest-transport"))]
pub use transport::ReqwestTransport;
#[cfg(feature = "driver")]
pub use transport::Transport;

#[cfg(feature = "driver")]
mod runtime {
    use std::future::Future;
    use std::pin::Pin;

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

    impl CancelledError for crate::HError {
        fn cancelled() -> Self {
            crate::HError::cancelled()
        }
    }

    impl CancelledError for crate::wechat::WeChatError {
        fn cancelled() -> Self {
            crate::wechat::WeChatError::cancelled()
        }
    }

    /// Runs a call until it ends or `cancel` fires, whichever is first. A cancelled call is dropped (which
    /// cancels it in its machine and closes its connection) and reported as [`HError::cancelled`](crate::HError::cancelled)
    /// (kind `cancelled`), never as a timeout. Bindings use this for `AbortSignal`, coroutine and task
    /// cancellation.
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
}

#[cfg(feature = "driver")]
pub use runtime::{cancellable, BoxFuture, CancelledError, MaybeSend, MaybeSync};
