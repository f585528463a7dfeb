//! [`Protocol`]: the shape every protocol machine shares ([`Machine`], [`WeChatMachine`],
//! [`MinappServerMachine`]), so that one driver loop serves all three: the native async driver
//! (`crate::drive`, feature `driver`) and the bindings' own drivers (the Node addon's event-loop driver).

use super::http::{HttpResponse, TransportError};
use super::wechat::{AccessToken, WeChatError, WeChatMachine};
use super::{Action, CallId, LoginCodeAnswer, Machine, MinappServerMachine, Now, Output};
use crate::HError;

/// What a driver needs from a machine: start a call with the machine's own `start`, then run this loop (see
/// the [module docs](super)). The inputs a machine never asks for keep their default (ignore it).
pub trait Protocol {
    /// What a finished call resolves to.
    type Answer;
    /// What a failed call rejects with.
    type Error;
    /// The call's next action.
    fn next(&mut self, call: CallId, now: Now) -> Action<Self::Answer, Self::Error>;
    /// When the call's time is up, on the monotonic clock of [`Now::mono_ms`] (none once it is over).
    fn deadline_ms(&self, call: CallId) -> Option<u64>;
    /// The answer to the call's `Send`.
    fn on_response(&mut self, call: CallId, response: HttpResponse, now: Now);
    /// The failure of the call's `Send`.
    fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Now);
    /// The host's answer to `LoginCode` (the 知晓云 client only).
    fn on_login_code(&mut self, _call: CallId, _answer: LoginCodeAnswer, _now: Now) {}
    /// The host's answer to `CheckOffline` (the 知晓云 client only).
    fn on_offline(&mut self, _call: CallId, _offline: bool, _now: Now) {}
    /// The app's token service's answer to `FetchToken` (WeChat only).
    fn on_token(&mut self, _call: CallId, _token: Result<AccessToken, WeChatError>, _now: Now) {}
    /// The call's deadline passed: the machine ends it (a `timeout` error); false if it was already over.
    fn on_deadline(&mut self, call: CallId, now: Now) -> bool;
    /// The caller gave up on the call: the machine forgets it (what it led passes to a waiting call).
    fn cancel(&mut self, call: CallId);
    /// The next output to apply (storage writes in order, log events, wake-ups of parked calls).
    fn poll_output(&mut self) -> Option<Output>;
}

impl Protocol for Machine {
    type Answer = super::Answer;
    type Error = HError;
    fn next(&mut self, call: CallId, now: Now) -> Action<Self::Answer, HError> {
        Machine::next(self, call, now)
    }
    fn deadline_ms(&self, call: CallId) -> Option<u64> {
        Machine::deadline_ms(self, call)
    }
    fn on_response(&mut self, call: CallId, response: HttpResponse, now: Now) {
        Machine::on_response(self, call, response, now)
    }
    fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Now) {
        Machine::on_transport_error(self, call, error, now)
    }
    fn on_login_code(&mut self, call: CallId, answer: LoginCodeAnswer, now: Now) {
        Machine::on_login_code(self, call, answer, now)
    }
    fn on_offline(&mut self, call: CallId, offline: bool, now: Now) {
        Machine::on_offline(self, call, offline, now)
    }
    fn on_deadline(&mut self, call: CallId, now: Now) -> bool {
        Machine::on_deadline(self, call, now)
    }
    fn cancel(&mut self, call: CallId) {
        Machine::cancel(self, call)
    }
    fn poll_output(&mut self) -> Option<Output> {
        Machine::poll_output(self)
    }
}

impl Protocol for WeChatMachine {
    type Answer = String;
    type Error = WeChatError;
    fn next(&mut self, call: CallId, now: Now) -> Action<String, WeChatError> {
        WeChatMachine::next(self, call, now)
    }
    fn deadline_ms(&self, call: CallId) -> Option<u64> {
        WeChatMachine::deadline_ms(self, call)
    }
    fn on_response(&mut self, call: CallId, response: HttpResponse, now: Now) {
        WeChatMachine::on_response(self, call, response, now)
    }
    fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Now) {
        WeChatMachine::on_transport_error(self, call, error, now)
    }
    fn on_token(&mut self, call: CallId, token: Result<AccessToken, WeChatError>, now: Now) {
        WeChatMachine::on_token(self, call, token, now)
    }
    fn on_deadline(&mut self, call: CallId, now: Now) -> bool {
        WeChatMachine::on_deadline(self, call, now)
    }
    fn cancel(&mut self, call: CallId) {
        WeChatMachine::cancel(self, call)
    }
    fn poll_output(&mut self) -> Option<Output> {
        WeChatMachine::poll_output(self)
    }
}

impl Protocol for MinappServerMachine {
    type Answer = String;
    type Error = HError;
    fn next(&mut self, call: CallId, now: Now) -> Action<String, HError> {
        MinappServerMachine::next(self, call, now)
    }
    fn deadline_ms(&self, call: CallId) -> Option<u64> {
        MinappServerMachine::deadline_ms(self, call)
    }
    fn on_response(&mut self, call: CallId, response: HttpResponse, now: Now) {
        MinappServerMachine::on_response(self, call, response, now)
    }
    fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Now) {
        MinappServerMachine::on_transport_error(self, call, error, now)
    }
    fn on_deadline(&mut self, call: CallId, now: Now) -> bool {
        MinappServerMachine::on_deadline(self, call, now)
    }
    fn cancel(&mut self, call: CallId) {
        MinappServerMachine::cancel(self, call)
    }
    fn poll_output(&mut self) -> Option<Output> {
        MinappServerMachine::poll_output(self)
    }
}
