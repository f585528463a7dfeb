//! The shape every protocol machine shares: calls named by [`CallId`], the time a driver reads and passes
//! in ([`Now`]), the next thing a call needs done ([`Action`]), and what the machine tells the driver
//! besides ([`Output`]: storage writes, log events, calls that can run again).

use std::fmt;

use super::http::HttpRequest;

/// Names one call inside its machine. Ids are never reused by a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub(crate) u64);

impl CallId {
    /// The id as a number (for drivers that keep calls in a JS map or an FFI handle).
    pub fn get(self) -> u64 {
        self.0
    }

    /// The id a driver got from [`CallId::get`].
    pub fn from_raw(raw: u64) -> Self {
        CallId(raw)
    }
}

/// The time, as the driver reads it and passes it with every input: the machine never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// A monotonic millisecond count (any origin) for time limits: `performance.now()`, `Instant`.
    pub mono_ms: u64,
    /// Unix seconds by the host's wall clock, for session expiry (`Date.now() / 1000`, rounded down), as the
    /// official SDK reads it.
    pub unix_secs: i64,
}

impl Now {
    /// A time with both readings.
    pub fn new(mono_ms: u64, unix_secs: i64) -> Self {
        Now { mono_ms, unix_secs }
    }
}

/// The next thing a call needs done. A call has at most one action outstanding; the driver performs it and
/// feeds the outcome back (`on_response` / `on_transport_error`, `on_login_code`, `on_offline`, `on_token`,
/// or simply `next` again after a [`Action::Sleep`]), then asks for the next action.
///
/// While an action is outstanding, or while the call waits for another call's login or token fetch,
/// asking again answers [`Action::Wait`]. Every action except `Done` is bounded by the call's deadline
/// (`deadline_ms`): a driver races it against a timer and calls `on_deadline` when the timer wins.
#[derive(Debug)]
pub enum Action<T, E> {
    /// Send this request (its `timeout` is the rest of the call's time) and feed back the answer or failure.
    Send(HttpRequest),
    /// Ask the host for a one-time login code (`wx.login` and its peers); feed it back with `on_login_code`.
    LoginCode,
    /// Ask the host whether it has no network (`getNetworkType`); feed it back with `on_offline`.
    CheckOffline,
    /// Fetch an access token from the app's own token service (`force_refresh`: the current one was
    /// rejected); feed it back with `on_token`.
    FetchToken {
        /// Ask for a new token even if the current one has not expired.
        force_refresh: bool,
    },
    /// Nothing to do before `until_ms` (a backoff); then call `next` again.
    Sleep {
        /// When to call `next` again, on the [`Now::mono_ms`] clock.
        until_ms: u64,
    },
    /// Parked: another call's login or token fetch, or an action outstanding. The machine emits
    /// [`Output::Wake`] when this call can go on; the call's deadline still applies.
    Wait,
    /// The call is over; its id is forgotten.
    Done(Result<T, E>),
}

/// What the machine tells its driver besides actions, in order. Drivers drain these after every input.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Write this value to the host's storage under `key` (an `ifx_baas_*` key, the official SDK's own), as
    /// the official SDK stores it. Writes must be applied in order.
    Store {
        /// The full storage key.
        key: &'static str,
        /// The value as JSON text (`"tok"`, `7200`, `{"id":1}`; `""` is the official "emptied").
        value_json: String,
    },
    /// Something worth a line in the host's log (never holds a secret).
    Log(LogEvent),
    /// A call parked with [`Action::Wait`] can go on: call `next` for it.
    Wake(CallId),
}

/// How much a log event matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Something the app should change (a deprecated API).
    Warn,
    /// Worth knowing.
    Info,
    /// Detail for debugging (a failed exchange, a re-login).
    Debug,
}

/// One log event: a stable code for programs, and a line of text for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// How much it matters.
    pub level: LogLevel,
    /// A stable name (`invoke_function_deprecated`, `request_failed`, `relogin_after_401`, ...).
    pub code: &'static str,
    /// The text, without secrets.
    pub message: String,
}

impl fmt::Display for LogEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
