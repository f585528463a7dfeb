//! Waiting, behind a trait: the core has no runtime of its own.

use std::time::Duration;

use crate::BoxFuture;

/// Sleeps for a while. Used for retry backoff; a host without timers simply gets no backoff retries.
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
