//! Single flight: one shared attempt at something many calls need at once (a login, an access-token fetch).
//! The first call to need it leads — its driver does the I/O — and the others wait; when the attempt ends,
//! every participant gets its outcome. A participant that leaves (cancelled, or out of time) leaves alone:
//! a leader that leaves hands the attempt to the longest-waiting participant, which starts it afresh.
//!
//! The machines decide what an outcome means for each participant; this type only keeps who is in.

use super::step::CallId;

/// Who takes part in one attempt, and what the attempt is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Flight<P> {
    leader: CallId,
    waiters: Vec<CallId>,
    plan: P,
}

impl<P> Flight<P> {
    /// An attempt led by `leader`.
    pub(crate) fn new(leader: CallId, plan: P) -> Self {
        Flight { leader, waiters: Vec::new(), plan }
    }

    /// The call doing the I/O.
    pub(crate) fn leader(&self) -> CallId {
        self.leader
    }

    /// What the attempt does.
    pub(crate) fn plan(&self) -> &P {
        &self.plan
    }

    /// `call` waits for the outcome.
    pub(crate) fn join(&mut self, call: CallId) {
        if call != self.leader && !self.waiters.contains(&call) {
            self.waiters.push(call);
        }
    }

    /// Removes a waiting participant; false if it was not waiting.
    pub(crate) fn remove_waiter(&mut self, call: CallId) -> bool {
        let before = self.waiters.len();
        self.waiters.retain(|w| *w != call);
        self.waiters.len() != before
    }

    /// The leader left: the longest-waiting participant leads now (and must start the attempt again).
    /// `None` when nobody is left.
    pub(crate) fn hand_over(&mut self) -> Option<CallId> {
        if self.waiters.is_empty() {
            return None;
        }
        self.leader = self.waiters.remove(0);
        Some(self.leader)
    }

    /// Ends the attempt: its leader and the waiters, in the order they joined.
    pub(crate) fn end(self) -> (CallId, Vec<CallId>, P) {
        (self.leader, self.waiters, self.plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leaving_leader_hands_over_to_the_longest_waiting() {
        let mut flight = Flight::new(CallId(1), ());
        flight.join(CallId(2));
        flight.join(CallId(3));
        flight.join(CallId(2));
        assert_eq!(flight.hand_over(), Some(CallId(2)));
        assert_eq!(flight.leader(), CallId(2));
        assert!(flight.remove_waiter(CallId(3)));
        assert_eq!(flight.hand_over(), None);
    }
}
