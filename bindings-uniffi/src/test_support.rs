//! Test support, compiled only with the `test-support` feature (scripts/test-uniffi.sh builds the library
//! for the Kotlin and Python tests with it; packages are built without it, and the Swift bindings exclude it in
//! `uniffi.toml`). Exports that panic inside our own code, so the foreign tests check that a panic reaches them
//! as the language's error (Kotlin `InternalException`, Python `InternalError`) carrying its message, and never
//! unwinds across the FFI boundary.

/// Panics with `message` inside a synchronous export.
#[uniffi::export]
pub fn panic_in_export(message: String) -> u32 {
    panic!("{message}")
}

/// Panics with `message` while the future of an async export is polled (after it has been suspended once).
#[uniffi::export(async_runtime = "tokio")]
pub async fn panic_in_async_export(message: String) -> u32 {
    tokio::task::yield_now().await;
    panic!("{message}")
}
