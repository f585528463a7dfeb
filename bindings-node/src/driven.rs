//! [`Driven`]: a protocol machine ([`Protocol`]: the 知晓云 client, WeChat's `invokeCloudFunction`, the
//! 知晓云 open API) stepped from the JS event-loop driver (`lib/driver.js`), with its clock and its outputs.
//! Every native machine class (`NativeMachine`, `NativeWeChatMachine`, `NativeMinappServerMachine`) answers
//! the driver through this one implementation of feeding an outcome, firing a deadline and cancelling; each
//! class only starts its own calls and converts its own arguments.

use std::time::Duration;

use minicloud_core::machine::{CallId, Now, Protocol};
use minicloud_core::{limits, HError};

use crate::step::{self, call_id, herror_json, Clock, Outputs, Step};

/// A machine as the JS driver steps it: the machine, where its outputs go, its clock, and how its results
/// and errors are written for JS.
pub(crate) struct Driven<P: Protocol> {
    machine: P,
    outputs: Outputs,
    clock: Clock,
    result: fn(P::Answer) -> Option<String>,
    error: fn(&P::Error) -> String,
}

impl<P: Protocol> Driven<P> {
    /// `result` writes a finished call's value as JSON text (`None`: no value); `error` a failed call's error
    /// fields as JSON text.
    pub(crate) fn new(
        machine: P,
        outputs: Outputs,
        clock: Clock,
        result: fn(P::Answer) -> Option<String>,
        error: fn(&P::Error) -> String,
    ) -> Self {
        Driven { machine, outputs, clock, result, error }
    }

    /// The machine, to start calls on or read its config.
    pub(crate) fn machine(&mut self) -> &mut P {
        &mut self.machine
    }

    /// The machine, read-only.
    pub(crate) fn machine_ref(&self) -> &P {
        &self.machine
    }

    /// The time now, on the machine's clock.
    pub(crate) fn now(&self) -> Now {
        self.clock.now()
    }

    /// The first action of `call`, just started at `now`: its id and the time left until its deadline, for
    /// the driver's one timer.
    pub(crate) fn first(&mut self, call: CallId, now: Now) -> String {
        let deadline = self.machine.deadline_ms(call);
        self.step(call, now).first_of(call, now, deadline).finish()
    }

    /// Feeds an outcome to `call` (with the time now) and answers its next action.
    pub(crate) fn feed(&mut self, call: f64, input: impl FnOnce(&mut P, CallId, Now)) -> String {
        let call = call_id(call);
        let now = self.clock.now();
        input(&mut self.machine, call, now);
        self.step(call, now).finish()
    }

    /// The call's next action (after a `SLEEP`, or for a call a `wake` named).
    pub(crate) fn next(&mut self, call: f64) -> String {
        self.feed(call, |_, _, _| {})
    }

    /// Feeds the answer to a `SEND` (the status, Node's `res.rawHeaders` joined with `\n`, the whole body) and
    /// answers the call's next action.
    pub(crate) fn on_response(&mut self, call: f64, status: u32, raw_headers: &str, body: &[u8]) -> String {
        let response = step::response(status, raw_headers, body);
        self.feed(call, |m, call, now| m.on_response(call, response, now))
    }

    /// Feeds the failure of a `SEND` ([`step::transport_error`]) and answers the call's next action.
    pub(crate) fn on_transport_error(&mut self, call: f64, kind: &str, message: &str, limit: Option<f64>) -> String {
        let error = step::transport_error(kind, message, limit);
        self.feed(call, |m, call, now| m.on_transport_error(call, error, now))
    }

    /// The call's deadline timer fired: the machine ends it (`DONE` with a `timeout` error).
    pub(crate) fn on_deadline(&mut self, call: f64) -> String {
        let call = call_id(call);
        let now = self.clock.at_deadline(self.machine.deadline_ms(call));
        self.machine.on_deadline(call, now);
        self.step(call, now).finish()
    }

    /// The caller gave up on `call`: the machine forgets it (what it led passes to a waiting call, which
    /// [`Driven::take_wakes`] then names).
    pub(crate) fn cancel(&mut self, call: f64) {
        self.machine.cancel(call_id(call));
        self.apply_outputs();
    }

    /// Applies the machine's outputs: storage writes, log events, wake-ups (kept for the next step).
    pub(crate) fn apply_outputs(&mut self) {
        let machine = &mut self.machine;
        self.outputs.apply(|| machine.poll_output());
    }

    /// The parked calls that can go on now, if any.
    pub(crate) fn take_wakes(&mut self) -> Option<Vec<f64>> {
        self.outputs.take_wakes()
    }

    /// The call's next action, after applying the machine's outputs.
    fn step(&mut self, call: CallId, now: Now) -> Step {
        let action = self.machine.next(call, now);
        self.apply_outputs();
        Step::from_action(action, now, self.result, self.error).waking(self.outputs.take_wakes())
    }
}

/// A step answered by a machine that may not have been built: `step` on the machine, or `DONE` with the
/// configuration error (`error` writes it).
pub(crate) fn or_unbuilt<P: Protocol, E>(
    driven: &mut Result<Driven<P>, E>,
    error: fn(&E) -> String,
    step: impl FnOnce(&mut Driven<P>) -> String,
) -> String {
    match driven {
        Ok(driven) => step(driven),
        Err(e) => Step::failed(&error(e)).finish(),
    }
}

/// Starts a call of an HError machine from what the binding converted: `op` (or the error that stopped it)
/// and `timeout_ms`, which replaces the op's default time limit (the core's one rule for time limits).
/// Answers the call's first action, or `DONE` with the first error: the machine's configuration, the op, the
/// time limit.
pub(crate) fn start<P: Protocol, Op>(
    driven: &mut Result<Driven<P>, HError>,
    op: Result<Op, HError>,
    timeout_ms: Option<f64>,
    start: impl FnOnce(&mut P, Op, Option<Duration>, Now) -> CallId,
) -> String {
    let timeout = timeout_ms.map(|ms| limits::time_limit("timeoutMs", ms)).transpose();
    or_unbuilt(driven, herror_json, |driven| match (op, timeout) {
        (Ok(op), Ok(timeout)) => {
            let now = driven.now();
            let call = start(driven.machine(), op, timeout, now);
            driven.first(call, now)
        }
        (Err(e), _) | (_, Err(e)) => Step::failed(&herror_json(&e)).finish(),
    })
}
