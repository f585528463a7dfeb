//! The access-token rules every server-side API shares (WeChat's access_token, PROTOCOL.md §2.1; the
//! 知晓云 open-API token, §5.1): one cached token, renewed ahead of expiry; one fetch at a time, shared by
//! every call that needs it (its failure too); after the server rejects a token, a fresh one is fetched
//! only by a call whose failing token is still the cached one — the others use the newer token.

use super::flight::Flight;
use super::step::CallId;

/// How early a token is renewed: 300 s, or half its lifetime for short-lived tokens.
pub fn refresh_margin(expires_in: i64) -> i64 {
    300.min(expires_in / 2)
}

/// The longest lifetime a token answer may claim (10 years); more, or a negative one, is a broken answer.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = 10 * 365 * 24 * 3600;

#[derive(Debug, Clone, PartialEq)]
struct Cached {
    value: String,
    renew_at: i64,
}

/// What a call needing a token should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenNeed {
    /// Use this token.
    Use(String),
    /// Fetch one (`force`: ask for a new token even if the current one has not expired), then report it
    /// with [`TokenFlight::fetched`] or [`TokenFlight::failed`].
    Lead { force: bool },
    /// Another call is fetching: wait for it.
    Wait,
}

/// What a participant leaving the fetch means for the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenLeave {
    /// The call was not part of a fetch, or only waited.
    Nothing,
    /// The leader left; this call leads now and must fetch again (`force` as before).
    HandedOver { to: CallId, force: bool },
    /// The leader left and nobody waits.
    Ended,
}

/// The token cache and its single-flight fetch.
#[derive(Debug, Default)]
pub(crate) struct TokenFlight {
    cached: Option<Cached>,
    flight: Option<Flight<bool>>,
}

impl TokenFlight {
    /// `call` needs a token. `rejected`: the token the server just refused, and whether to force a new one.
    pub(crate) fn need(&mut self, call: CallId, now_secs: i64, rejected: Option<(&str, bool)>) -> TokenNeed {
        if let Some(flight) = &mut self.flight {
            if flight.leader() == call {
                return TokenNeed::Lead { force: *flight.plan() };
            }
            flight.join(call);
            return TokenNeed::Wait;
        }
        let force = match rejected {
            None => match &self.cached {
                Some(cached) if now_secs < cached.renew_at => return TokenNeed::Use(cached.value.clone()),
                _ => false,
            },
            Some((failed, force)) => match &self.cached {
                Some(cached) if cached.value != failed => return TokenNeed::Use(cached.value.clone()),
                _ => force,
            },
        };
        self.flight = Some(Flight::new(call, force));
        TokenNeed::Lead { force }
    }

    /// The fetch brought `value`, lasting `expires_in` seconds from `now_secs`. Returns the calls that waited
    /// (the leader excluded); they use `value`.
    pub(crate) fn fetched(&mut self, value: &str, expires_in: i64, now_secs: i64) -> Vec<CallId> {
        let renew_at = now_secs.saturating_add(expires_in).saturating_sub(refresh_margin(expires_in));
        self.cached = Some(Cached { value: value.to_owned(), renew_at });
        self.flight.take().map(|f| f.end().1).unwrap_or_default()
    }

    /// The fetch failed for good. Returns the calls that waited: they share the failure.
    pub(crate) fn failed(&mut self) -> Vec<CallId> {
        self.flight.take().map(|f| f.end().1).unwrap_or_default()
    }

    /// `call` leaves (cancelled). A leaving leader hands the fetch to the longest-waiting call.
    pub(crate) fn leave(&mut self, call: CallId) -> TokenLeave {
        let Some(flight) = &mut self.flight else { return TokenLeave::Nothing };
        if flight.remove_waiter(call) || flight.leader() != call {
            return TokenLeave::Nothing;
        }
        let force = *flight.plan();
        match flight.hand_over() {
            Some(to) => TokenLeave::HandedOver { to, force },
            None => {
                self.flight = None;
                TokenLeave::Ended
            }
        }
    }

    /// Whether `call` leads the fetch in flight.
    pub(crate) fn leads(&self, call: CallId) -> bool {
        self.flight.as_ref().is_some_and(|f| f.leader() == call)
    }

    /// Forgets the cached token.
    pub(crate) fn clear(&mut self) {
        self.cached = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_fetch_serves_every_waiting_call() {
        let mut tokens = TokenFlight::default();
        assert_eq!(tokens.need(CallId(1), 0, None), TokenNeed::Lead { force: false });
        assert_eq!(tokens.need(CallId(2), 0, None), TokenNeed::Wait);
        assert_eq!(tokens.fetched("t1", 7200, 0), vec![CallId(2)]);
        assert_eq!(tokens.need(CallId(3), 6899, None), TokenNeed::Use("t1".into()));
        assert_eq!(tokens.need(CallId(4), 6900, None), TokenNeed::Lead { force: false });
    }

    #[test]
    fn only_a_call_holding_the_cached_token_refreshes_it() {
        let mut tokens = TokenFlight::default();
        tokens.need(CallId(1), 0, None);
        tokens.fetched("t1", 7200, 0);
        assert_eq!(tokens.need(CallId(2), 10, Some(("t1", true))), TokenNeed::Lead { force: true });
        tokens.fetched("t2", 7200, 10);
        assert_eq!(tokens.need(CallId(3), 11, Some(("t1", true))), TokenNeed::Use("t2".into()));
    }

    #[test]
    fn a_cancelled_leader_hands_the_fetch_over() {
        let mut tokens = TokenFlight::default();
        tokens.need(CallId(1), 0, Some(("x", true)));
        tokens.need(CallId(2), 0, None);
        assert_eq!(tokens.leave(CallId(1)), TokenLeave::HandedOver { to: CallId(2), force: true });
        assert_eq!(tokens.leave(CallId(2)), TokenLeave::Ended);
    }
}
