//! # minicloud-wasm
//!
//! The protocol machine of `minicloud-core` (`core/src/machine/`) for browsers and the seven mini-program
//! hosts (wx, qq, my, swan, tt, jd, ks), driven from JS. The module has **no imports**: it does no I/O, reads
//! no clock and calls nothing in JS. JS hands it one command at a time as JSON text and gets JSON text back:
//! the next thing a call needs done (send this request, ask the host for a login code, ...), the storage
//! writes, log lines and wake-ups to apply. Every protocol rule stays in the machine; this crate converts
//! JSON text to the machine's types and back (`command.rs`, `reply.rs`). `bindings-wasm/js/core.js` is the JS
//! side of the exchange and `js/driver.js` the loop that drives each call.
//!
//! The export surface is plain C ABI, three functions and the memory:
//! - `mc_alloc(len) -> ptr`: room for `len` bytes that the next `mc_run` takes over;
//! - `mc_run(cmd_ptr, cmd_len, body_ptr, body_len) -> ptr`: runs one command (UTF-8 JSON text, plus an
//!   answer's body bytes when the command carries one; both buffers from `mc_alloc`, freed here) and returns
//!   where its reply is: a little-endian `u32` length, then that many bytes of UTF-8 JSON. The reply stays
//!   valid until the next `mc_run`;
//! - `memory`.
//!
//! No import means the same module runs as WebAssembly and, turned into plain JS by binaryen's `wasm2js`, on
//! hosts without WebAssembly; and a trap (an out-of-memory) can only surface as an exception from `mc_run`.
//! The artifact is built on a pinned nightly with `-Zbuild-std` and `panic=immediate-abort` (`build.sh`),
//! so no panic message or `core::fmt` is compiled in; the code here never unwraps, indexes or panics.
//!
//! On native targets the crate builds too (for `cargo clippy` and the workspace), exporting the same
//! functions; nothing calls them there.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod command;
mod reply;

use std::cell::UnsafeCell;

/// The global allocator on wasm32: lol_alloc's free list (sorted by address, neighbours merged on free), the
/// smallest of the allocators measured (benches/README.md: 0.8 KB less code than talc, 0.45 KB gzipped; talc
/// was smaller than std's dlmalloc). Its allocations are linear in the free list's length, which stays short here: a few
/// machines, the strings of the calls in flight and one body at a time.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
// SAFETY: the module is single-threaded (no `atomics` target feature; JS engines run it on one thread).
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// The machines of every JS client, kept between commands.
struct Global(UnsafeCell<Option<command::Machines>>);

// SAFETY: the module is single-threaded (no `atomics` target feature; JS engines run it on one thread), and a
// command never re-enters (it calls nothing outside), so one `&mut` at a time is guaranteed.
unsafe impl Sync for Global {}

static MACHINES: Global = Global(UnsafeCell::new(None));

/// Runs one command (JSON text, plus an answer's body bytes) and returns its reply (JSON text): the one entry
/// point, which the C exports below and any other export surface (benches/wasm-abi measures wasm-bindgen's)
/// wrap.
pub fn run(command: &[u8], body: Vec<u8>) -> String {
    // SAFETY: see `Global`.
    let machines = unsafe { (*MACHINES.0.get()).get_or_insert_with(command::Machines::default) };
    machines.run(std::str::from_utf8(command).unwrap_or_default(), body)
}

/// The C exports (feature `c-abi`, on by default).
#[cfg(feature = "c-abi")]
mod c_abi {
    use std::cell::UnsafeCell;

    /// The last reply, kept until the next `mc_run` (JS reads it from memory).
    struct Reply(UnsafeCell<Vec<u8>>);

    // SAFETY: single-threaded, as `super::Global`.
    unsafe impl Sync for Reply {}

    static REPLY: Reply = Reply(UnsafeCell::new(Vec::new()));

    /// Room for `len` bytes, handed to JS; the next [`mc_run`] takes ownership of it back.
    #[no_mangle]
    pub extern "C" fn mc_alloc(len: usize) -> *mut u8 {
        let mut buffer = std::mem::ManuallyDrop::new(Vec::<u8>::with_capacity(len));
        buffer.as_mut_ptr()
    }

    /// Takes back a buffer made by [`mc_alloc`] and filled by JS.
    ///
    /// # Safety
    /// `ptr` and `len` must come from one `mc_alloc(len)` call, not taken back before.
    unsafe fn take(ptr: *mut u8, len: usize) -> Vec<u8> {
        // `Vec::with_capacity(len)` of bytes has exactly `len` capacity (documented), so this is the same
        // allocation; JS wrote all `len` bytes.
        Vec::from_raw_parts(ptr, len, len)
    }

    /// Runs one command; see the crate docs. Returns the reply's address (a `u32` length, then its bytes).
    ///
    /// # Safety
    /// Both buffers must come from [`mc_alloc`] with these lengths (`js/exchange.js` does this).
    #[no_mangle]
    pub unsafe extern "C" fn mc_run(cmd_ptr: *mut u8, cmd_len: usize, body_ptr: *mut u8, body_len: usize) -> *const u8 {
        let cmd = take(cmd_ptr, cmd_len);
        let body = take(body_ptr, body_len);
        let reply = super::run(&cmd, body);
        // SAFETY: single-threaded and not re-entered (see `super::Global`).
        let out = &mut *REPLY.0.get();
        out.clear();
        out.extend_from_slice(&(reply.len() as u32).to_le_bytes());
        out.extend_from_slice(reply.as_bytes());
        out.as_ptr()
    }
}

/// Byte-at-a-time `memcpy`/`memmove` for wasm32, replacing `compiler_builtins`' word-wise ones (weak symbols,
/// so these win at link time): 1.8 KB of code in a module whose copies are short strings and one body.
/// Volatile accesses keep LLVM from turning the loops back into calls to themselves.
#[cfg(target_arch = "wasm32")]
mod mem {
    /// Copies `n` bytes from `src` to `dst`; the ranges may overlap.
    ///
    /// # Safety
    /// The C contract: both ranges valid for `n` bytes.
    #[no_mangle]
    pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        if (dst as usize) <= (src as usize) {
            let mut i = 0;
            while i < n {
                dst.add(i).write_volatile(src.add(i).read_volatile());
                i += 1;
            }
        } else {
            let mut i = n;
            while i > 0 {
                i -= 1;
                dst.add(i).write_volatile(src.add(i).read_volatile());
            }
        }
        dst
    }

    /// Copies `n` bytes from `src` to `dst` (the ranges do not overlap).
    ///
    /// # Safety
    /// The C contract: both ranges valid for `n` bytes, not overlapping.
    #[no_mangle]
    pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        memmove(dst, src, n)
    }
}
