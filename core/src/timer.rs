//! Waiting, behind a trait: the core has no runtime of its own.

use std::time::Duration;

use crate::BoxFuture;

/// Sleeps for a while. The driver uses it to end a call at its deadline while it waits for the host (a login
/// code, the network state, another call's login) and for retry backoff. Without one, only the transport's
/// own time limit ends a call, and backoff retries run at once.
pub trait Timer: crate::MaybeSend + crate::MaybeSync {
    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()>;
}

/// The tokio timer (native targets with the default transport; needs a tokio runtime).
#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioTimer;

#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The default timer of this build: tokio's on native targets with the default transport, none otherwise.
pub(crate) fn default_timer() -> Option<std::sync::Arc<dyn Timer>> {
    #[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
    return Some(std::sync::Arc::new(TokioTimer));
    #[cfg(not(all(not(target_arch = "wasm32"), feature = "reqwest-transport")))]
    None
}
