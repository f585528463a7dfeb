//! The floor: JSON text in, a `serde_json::Value`, JSON text out — the least a call through a Rust core does
//! with a JS caller's params and the server's answer. `no_std` with a trapping panic handler and talc, so
//! nothing but the building blocks themselves is measured.
#![no_std]
extern crate alloc;

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

fn roundtrip(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string(&value).ok()
}

/// Parses and re-encodes `text`.
#[cfg(not(feature = "async"))]
#[wasm_bindgen]
pub fn call(text: String) -> Option<String> {
    roundtrip(&text)
}

/// Parses `text`, hands it to `send` (a JS function returning a promise of JSON text), parses and re-encodes
/// the answer.
#[cfg(feature = "async")]
#[wasm_bindgen]
pub fn call(send: js_sys::Function, text: String) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        let request = roundtrip(&text).ok_or(JsValue::NULL)?;
        let promise: js_sys::Promise = send.call1(&JsValue::NULL, &JsValue::from_str(&request))?.into();
        let answer = wasm_bindgen_futures::JsFuture::from(promise).await?.as_string().unwrap_or_default();
        Ok(JsValue::from_str(&roundtrip(&answer).ok_or(JsValue::NULL)?))
    })
}
