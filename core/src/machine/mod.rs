//! # The protocol machine
//!
//! Every protocol rule of minicloud, as synchronous state machines that do no I/O, read no clock, start no
//! thread and hold no future (the shape of quinn-proto, str0m or matrix-sdk-crypto's `OlmMachine`). A
//! driver — the native async [`Client`](crate::Client), a JS event loop, a wasm host — owns the sockets,
//! timers and host APIs, and runs this loop for each call:
//!
//! ```text
//! let call = machine.start(op, timeout, now);
//! loop {
//!     match machine.next(call, now) {
//!         Action::Send(request)      => send it (its timeout is the call's time left); feed back
//!                                       machine.on_response(..) or machine.on_transport_error(..)
//!         Action::LoginCode          => ask the host (wx.login, ...); machine.on_login_code(..)
//!         Action::CheckOffline       => ask the host (getNetworkType); machine.on_offline(..)
//!         Action::FetchToken { .. }  => ask the app's token service; machine.on_token(..) (WeChat)
//!         Action::Sleep { until_ms } => wait until then
//!         Action::Wait               => wait for Output::Wake(call)
//!         Action::Done(result)       => return result
//!     }
//!     // every action but Done races the call's deadline: when the timer wins, machine.on_deadline(..)
//!     while let Some(output) = machine.poll_output() { apply storage writes in order, log, wake calls }
//! }
//! ```
//!
//! [`Machine`] is the 知晓云 client (PROTOCOL.md §1); [`wechat::WeChatMachine`] is WeChat's server-side
//! `invokeCloudFunction` (§2). Both share the step types ([`Action`], [`Output`], [`CallId`], [`Now`]) and
//! the single-flight rule (one login or token fetch shared by every call that needs it, its failure shared
//! too).
//!
//! JSON crosses every boundary as text: the machine reads the few fields its rules need with its own small
//! validating scanner ([`json`]) and writes bodies by concatenation, so this layer builds for
//! `wasm32-unknown-unknown` without serde_json, futures or `core::fmt`-based formatting in its paths.

// The machine never panics: no unwrap, expect, indexing or panic outside its tests.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic))]

mod calls;
pub mod client;
pub mod config;
pub mod error;
mod flight;
pub mod http;
pub mod invoke;
pub mod json;
pub mod limits;
pub mod minapp_server;
pub mod platform;
mod protocol;
pub mod session;
pub mod step;
pub mod text;
pub mod token;
pub mod wechat;

pub use client::{Answer, LoginCodeAnswer, Machine, Op, SilentLogin};
pub use invoke::Invoke;
pub use minapp_server::MinappServerMachine;
pub use protocol::Protocol;
pub use session::{CurrentUser, StoredSession};
pub use step::{Action, CallId, LogEvent, LogLevel, Now, Output};
