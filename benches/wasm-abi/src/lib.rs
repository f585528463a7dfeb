//! The core's one entry point, `minicloud_wasm::run`, behind two export surfaces built the same way: through
//! wasm-bindgen (feature `bindgen`: strings and bytes converted by its glue), or the C ABI `mc_alloc`/`mc_run`
//! that bindings-wasm ships (feature `c-abi`, driven by bindings-wasm/js/exchange.js).

#[cfg(feature = "bindgen")]
use wasm_bindgen::prelude::*;

/// Runs one command (JSON text and an answer's body bytes) and returns the reply (JSON text).
#[cfg(feature = "bindgen")]
#[wasm_bindgen]
pub fn run(command: &str, body: Vec<u8>) -> String {
    minicloud_wasm::run(command.as_bytes(), body)
}

#[cfg(feature = "c-abi")]
pub use minicloud_wasm::run;
