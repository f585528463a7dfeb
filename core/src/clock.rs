//! The wall clock, behind a trait so session expiry can be tested at a fixed time.

/// Gives the current time. Sessions expire by this clock (PROTOCOL.md §1.6).
pub trait Clock: crate::MaybeSend + crate::MaybeSync {
    /// Seconds since the Unix epoch.
    fn now_secs(&self) -> i64;
}

/// The system clock (`Date.now()` on wasm32, where `std::time::SystemTime` is not available).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[cfg(not(target_arch = "wasm32"))]
    fn now_secs(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    }

    #[cfg(target_arch = "wasm32")]
    fn now_secs(&self) -> i64 {
        (js_sys::Date::now() / 1000.0).floor() as i64
    }
}

/// A clock that always says the same time.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_secs(&self) -> i64 {
        self.0
    }
}
