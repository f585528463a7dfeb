//! `uniffi-bindgen`, pinned to the uniffi version of the library: generates the Kotlin, Swift and Python
//! bindings from the built cdylib (`uniffi-bindgen generate --library target/debug/libminicloud_uniffi.so ...`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
