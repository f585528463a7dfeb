//! # minicloud-wasm
//!
//! One wasm build of `minicloud-core` for browsers and the seven mini-program hosts (wx, qq, my, swan, tt, jd,
//! ks). This crate only converts types: the core's `Transport`, `SessionStore` and `Host` are implemented over
//! plain JS callbacks that a small per-host adapter (`bindings-wasm/js/hosts/*.js`) hands in. Every protocol
//! rule (headers, HError codes and texts, session keys and expiry, auto-login, the 401 resend, body bytes,
//! argument checks) stays in the core.
//!
//! The exported class is `Client` (see `bindings-wasm/README.md` for the JS contract). On native targets
//! this crate is empty: its parts are JS values, which only exist on wasm32.

#[cfg(target_arch = "wasm32")]
mod wasm;
#[cfg(target_arch = "wasm32")]
pub use wasm::*;

/// The global allocator on wasm32: talc, smaller than std's dlmalloc (the binding is single-threaded).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
