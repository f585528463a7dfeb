//! [`WeChatMachine`]: WeChat cloud development's server-side `invokeCloudFunction` with a managed
//! access_token (PROTOCOL.md §2), as a synchronous state machine of the same shape as the 知晓云
//! [`Machine`](crate::machine::Machine).
//!
//! The rules it applies:
//! - one cached access_token, renewed ahead of expiry (300 s, or half the lifetime of a short one); one
//!   fetch for every call that needs it, its failure shared by them all (a later call tries again);
//! - tokens come from WeChat's stable (default) or classic endpoint with the app ID and secret, or from the
//!   app's own token service ([`Action::FetchToken`]); token-endpoint errors other than -1/-1000 are
//!   configuration errors, reported and never looped on;
//! - a business call answered 40001, 40014 or 42001 fetches a fresh token once — `force_refresh` only for
//!   an invalidated token (40001/40014), never for an expired one (42001); only a call whose failing token is
//!   still the cached one fetches — and is retried once;
//! - -1 and -1000 (WeChat's system errors) are retried with doubling backoff from 200 ms, at most
//!   `max_system_retries` times; **every other errcode is final and not retryable**;
//! - a non-2xx HTTP answer is an error naming the status, whatever its body;
//! - one deadline (`timeout`) bounds the whole call: token fetch, call, refresh, retries and backoff.

mod error;

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

pub use error::{WeChatError, WeChatErrorKind};

use super::calls::Calls;
use super::config::is_http_url;
use super::http::{HttpRequest, HttpResponse, Method, TransportError};
use super::json::{self, Kind};
use super::limits;
use super::step::{Action, CallId, LogEvent, LogLevel, Now, Output};
use super::text::push_percent_encoded;
use super::token::{TokenFlight, TokenLeave, TokenNeed, MAX_TOKEN_LIFETIME_SECS};

/// WeChat's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// Default time limit of a whole WeChat call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest `invokecloudfunction` answer read: 8 MiB (WeChat refuses results over 1 MB).
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// Largest token-endpoint answer read.
const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// How tokens are fetched from WeChat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenMode {
    /// `POST /cgi-bin/stable_token` (preferred): independent of other token users of the same app.
    #[default]
    Stable,
    /// `GET /cgi-bin/token`: each fetch invalidates the previous token after a 5-minute overlap.
    Classic,
}

/// An access_token and how long it lasts. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token.
    pub value: String,
    /// Seconds it lasts from when it was fetched.
    pub expires_in: i64,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &crate::redact::REDACTED)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Where the machine gets its tokens.
#[derive(Clone, PartialEq)]
pub enum Tokens {
    /// From WeChat's token endpoint with the app's ID and secret.
    AppSecret {
        /// The mini-program's app ID.
        app_id: String,
        /// The app secret (never printed).
        app_secret: String,
        /// Stable (default) or classic token.
        mode: TokenMode,
    },
    /// From the app's own token service: the machine asks the driver with [`Action::FetchToken`].
    External,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tokens::AppSecret { app_id, mode, .. } => f
                .debug_struct("AppSecret")
                .field("app_id", app_id)
                .field("app_secret", &crate::redact::REDACTED)
                .field("mode", mode)
                .finish(),
            Tokens::External => f.write_str("External"),
        }
    }
}

/// What a [`WeChatMachine`] needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Where tokens come from.
    pub tokens: Tokens,
    /// The cloud environment ID.
    pub env: String,
    /// WeChat's API base URL ([`DEFAULT_BASE_URL`]; a local engine in development).
    pub base_url: String,
    /// Time limit of a whole call (the function itself has WeChat's 5 s limit).
    pub timeout: Duration,
    /// How many times a system error (-1, -1000) is retried, with doubling backoff from 200 ms.
    pub max_system_retries: u32,
}

impl Config {
    /// Checks the config: an env, an app ID and secret when they are the credentials, an `http(s)://` base
    /// URL, and the time limit by the limits rule. Errors are `invalid_argument`.
    pub fn validate(&self) -> Result<(), WeChatError> {
        let invalid = |m: &str| Err(WeChatError::local(WeChatErrorKind::InvalidArgument, m));
        if self.env.is_empty() {
            return invalid("env must be a non-empty string");
        }
        if !is_http_url(&self.base_url) {
            return invalid("base URL must start with http:// or https://");
        }
        if let Tokens::AppSecret { app_id, app_secret, .. } = &self.tokens {
            if app_id.is_empty() || app_secret.is_empty() {
                return invalid("app ID and app secret must be non-empty strings");
            }
        }
        limits::duration_ms("timeout", self.timeout)
            .map(drop)
            .map_err(|e| WeChatError::local(WeChatErrorKind::InvalidArgument, e.message()))
    }
}

/// A call a [`WeChatMachine`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeChatOp {
    /// `invokeCloudFunction`: runs cloud function `name` with `event_json` (`{}` when `None`); resolves to
    /// `resp_data` decoded, as JSON text (its raw text as a JSON string when it is not JSON).
    InvokeCloudFunction {
        /// The function's name: 1-64 letters, digits, `_` or `-`.
        name: String,
        /// The event as JSON text.
        event_json: Option<String>,
    },
    /// A valid access_token (cached, fetched once for all concurrent calls when due), as its text.
    AccessToken,
}

#[derive(Debug)]
enum Stage {
    Start,
    /// Needs a token; `rejected` is the token WeChat just refused, with whether to force a new one.
    NeedToken {
        rejected: Option<(String, bool)>,
    },
    /// Waiting for another call's token fetch.
    Blocked,
    /// Leading the token fetch: fetch now (attempt counts system-error retries).
    Fetch {
        force: bool,
        attempt: u32,
    },
    AwaitToken {
        force: bool,
        attempt: u32,
    },
    /// Between token-fetch retries.
    FetchBackoff {
        until_ms: u64,
        force: bool,
        attempt: u32,
    },
    /// Send the business call with this token.
    Ready {
        token: String,
    },
    AwaitAnswer {
        token: String,
    },
    /// Between business-call retries.
    Backoff {
        until_ms: u64,
        token: String,
    },
    Finished(Result<String, WeChatError>),
}

#[derive(Debug)]
enum What {
    Invoke { name: String, body: String },
    AccessToken,
}

#[derive(Debug)]
struct Call {
    deadline_ms: u64,
    what: What,
    stage: Stage,
    refreshed: bool,
    system_retries: u32,
}

/// The WeChat `invokeCloudFunction` machine: one per client, owning the token cache and its fetch.
#[derive(Debug)]
pub struct WeChatMachine {
    config: Config,
    tokens: TokenFlight,
    calls: Calls<Call>,
    outputs: VecDeque<Output>,
}

/// 200 ms, 400 ms, 800 ms, ... capped at 5 s.
fn backoff_ms(retry: u32) -> u64 {
    200u64.saturating_mul(1 << retry.min(5)).min(5000)
}

/// Whether a cloud function name is one WeChat accepts (letters, digits, `_`, `-`; 1 to 64 characters).
fn valid_function_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Appends `text` as `application/x-www-form-urlencoded` (space as `+`).
fn push_form_value(out: &mut String, text: &str) {
    push_percent_encoded(out, text, |b| b.is_ascii_alphanumeric() || b"*-._".contains(&b), true);
}

/// `base` without a trailing `/`, then `path`, then `?` and the encoded query pairs.
fn url(base: &str, path: &str, query: &[(&str, &str)]) -> String {
    let mut out = String::from(base.trim_end_matches('/'));
    out.push_str(path);
    for (i, (key, value)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        push_form_value(&mut out, key);
        out.push('=');
        push_form_value(&mut out, value);
    }
    out
}

/// `resp_data` decoded: its text when it is JSON, else that text as a JSON string; a non-string `resp_data`
/// as is; none: `null`.
fn resp_data(answer: json::Raw<'_>) -> String {
    match answer.get("resp_data") {
        Some(data) if data.kind() == Kind::String => {
            let text = data.as_str().unwrap_or_default();
            match json::parse(&text) {
                Ok(_) => text,
                Err(_) => json::string(&text),
            }
        }
        Some(data) => data.text().to_owned(),
        None => "null".to_owned(),
    }
}

impl WeChatMachine {
    /// A machine for `config` (checked).
    pub fn new(config: Config) -> Result<Self, WeChatError> {
        config.validate()?;
        Ok(WeChatMachine { config, tokens: TokenFlight::default(), calls: Calls::new(), outputs: VecDeque::new() })
    }

    /// The machine's config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next output (log event, wake-up), in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When `call` runs out of time, on the [`Now::mono_ms`] clock.
    pub fn deadline_ms(&self, call: CallId) -> Option<u64> {
        self.calls.get(call).map(|c| c.deadline_ms)
    }

    /// How many calls are started and not yet `Done` (or cancelled).
    pub fn calls_in_progress(&self) -> usize {
        self.calls.len()
    }

    /// Forgets the cached token (the next call fetches one).
    pub fn clear_token(&mut self) {
        self.tokens.clear();
    }

    /// Starts a call; argument problems surface as its first `next`: `Done` with an `invalid_argument` error.
    pub fn start(&mut self, op: WeChatOp, now: Now) -> CallId {
        let limit = limits::duration_ms("timeout", self.config.timeout).unwrap_or(limits::MAX_TIME_LIMIT_MS);
        let (what, stage) = match op {
            WeChatOp::AccessToken => (What::AccessToken, Stage::Start),
            WeChatOp::InvokeCloudFunction { name, event_json } => match Self::prepare(&name, event_json.as_deref()) {
                Ok(body) => (What::Invoke { name, body }, Stage::Start),
                Err(error) => (What::AccessToken, Stage::Finished(Err(error))),
            },
        };
        let deadline_ms = now.mono_ms.saturating_add(limit.into());
        self.calls.start(Call { deadline_ms, what, stage, refreshed: false, system_retries: 0 })
    }

    fn prepare(name: &str, event_json: Option<&str>) -> Result<String, WeChatError> {
        let invalid = |text: String| WeChatError::local(WeChatErrorKind::InvalidArgument, text);
        if !valid_function_name(name) {
            let mut text = String::from("function name ");
            text.push_str(&json::string(name));
            text.push_str(" is not valid: use 1-64 letters, digits, _ or -");
            return Err(invalid(text));
        }
        match event_json {
            None => Ok("{}".to_owned()),
            Some(text) => json::canonical(text).map_err(|e| {
                let mut message = String::from("event is not valid JSON: ");
                message.push_str(&e.describe());
                invalid(message)
            }),
        }
    }

    /// The next thing `call` needs done (see [`Action`]).
    pub fn next(&mut self, call: CallId, now: Now) -> Action<String, WeChatError> {
        self.on_deadline(call, now);
        loop {
            let Some(i) = self.index(call) else {
                return Action::Done(Err(WeChatError::local(WeChatErrorKind::InvalidArgument, "unknown call")));
            };
            let stage = std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked);
            let action = match stage {
                Stage::Finished(result) => {
                    self.calls.remove_at(i);
                    // Whatever an answer echoed (a proxy's error page quoting the request) never carries the app
                    // secret out.
                    let result = match &self.config.tokens {
                        Tokens::AppSecret { app_secret, .. } => result.map_err(|e| e.without_secret(app_secret)),
                        _ => result,
                    };
                    return Action::Done(result);
                }
                Stage::Start => {
                    self.calls.at_mut(i).stage = Stage::NeedToken { rejected: None };
                    None
                }
                Stage::NeedToken { rejected } => {
                    let rejected = rejected.as_ref().map(|(t, force)| (t.as_str(), *force));
                    match self.tokens.need(call, now.unix_secs, rejected) {
                        TokenNeed::Use(token) => self.calls.at_mut(i).stage = self.with_token(i, token),
                        TokenNeed::Lead { force } => self.calls.at_mut(i).stage = Stage::Fetch { force, attempt: 0 },
                        TokenNeed::Wait => self.calls.at_mut(i).stage = Stage::Blocked,
                    }
                    None
                }
                Stage::Fetch { force, attempt } => {
                    self.calls.at_mut(i).stage = Stage::AwaitToken { force, attempt };
                    Some(match &self.config.tokens {
                        Tokens::External => Action::FetchToken { force_refresh: force },
                        Tokens::AppSecret { .. } => {
                            Action::Send(self.token_request(force, self.calls.at(i).deadline_ms, now))
                        }
                    })
                }
                Stage::FetchBackoff { until_ms, force, attempt } if now.mono_ms >= until_ms => {
                    self.calls.at_mut(i).stage = Stage::Fetch { force, attempt };
                    None
                }
                Stage::Backoff { until_ms, token } if now.mono_ms >= until_ms => {
                    self.calls.at_mut(i).stage = Stage::Ready { token };
                    None
                }
                sleeping @ (Stage::FetchBackoff { until_ms, .. } | Stage::Backoff { until_ms, .. }) => {
                    self.calls.at_mut(i).stage = sleeping;
                    Some(Action::Sleep { until_ms })
                }
                Stage::Ready { token } => {
                    let Call { deadline_ms, what, .. } = self.calls.at(i);
                    let What::Invoke { name, body } = what else {
                        self.calls.at_mut(i).stage = Stage::Finished(Ok(json::string(&token)));
                        continue;
                    };
                    let request = HttpRequest {
                        method: Method::Post,
                        url: url(
                            &self.config.base_url,
                            "/tcb/invokecloudfunction",
                            &[("access_token", &token), ("env", &self.config.env), ("name", name)],
                        ),
                        headers: Vec::new(),
                        body: Some(body.clone().into_bytes()),
                        timeout: Duration::from_millis(deadline_ms.saturating_sub(now.mono_ms).max(1)),
                        max_response_bytes: MAX_ANSWER_BYTES,
                    };
                    self.calls.at_mut(i).stage = Stage::AwaitAnswer { token };
                    Some(Action::Send(request))
                }
                waiting @ (Stage::Blocked | Stage::AwaitToken { .. } | Stage::AwaitAnswer { .. }) => {
                    self.calls.at_mut(i).stage = waiting;
                    Some(Action::Wait)
                }
            };
            if let Some(action) = action {
                return action;
            }
        }
    }

    /// The answer to [`Action::Send`] (a token request or the business call). Ignored unless `call` has a
    /// request out.
    pub fn on_response(&mut self, call: CallId, response: HttpResponse, now: Now) {
        let Some(i) = self.index(call) else { return };
        if self.on_deadline(call, now) {
            return;
        }
        match std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked) {
            Stage::AwaitToken { force, attempt } => {
                let outcome = token_answer(&response);
                self.token_outcome(i, outcome, force, attempt, now);
            }
            Stage::AwaitAnswer { token } => {
                let stage = self.business_answer(i, &response, token, now);
                self.calls.at_mut(i).stage = stage;
            }
            other => self.calls.at_mut(i).stage = other,
        }
    }

    /// The failure of [`Action::Send`]. Ignored unless `call` has a request out.
    pub fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Now) {
        let Some(i) = self.index(call) else { return };
        if self.on_deadline(call, now) {
            return;
        }
        self.outputs.push_back(Output::Log(LogEvent {
            level: LogLevel::Debug,
            code: "request_failed",
            message: error.message.clone(),
        }));
        match std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked) {
            Stage::AwaitToken { force, attempt } => self.token_outcome(i, Err(error.into()), force, attempt, now),
            Stage::AwaitAnswer { .. } => self.calls.at_mut(i).stage = Stage::Finished(Err(error.into())),
            other => self.calls.at_mut(i).stage = other,
        }
    }

    /// The app's token service answered [`Action::FetchToken`]. Ignored unless `call` asked.
    pub fn on_token(&mut self, call: CallId, token: Result<AccessToken, WeChatError>, now: Now) {
        let Some(i) = self.index(call) else { return };
        if self.on_deadline(call, now) {
            return;
        }
        match std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked) {
            Stage::AwaitToken { force, attempt } => {
                let token = token.and_then(|t| {
                    if t.value.is_empty() {
                        return Err(WeChatError::local(
                            WeChatErrorKind::InvalidResponse,
                            "the token service gave an empty token",
                        ));
                    }
                    checked_lifetime(t.expires_in).map(|expires_in| AccessToken { expires_in, ..t })
                });
                self.token_outcome(i, token, force, attempt, now);
            }
            other => self.calls.at_mut(i).stage = other,
        }
    }

    /// Cancels `call`: it is forgotten at once. A cancelled token-fetch leader hands the fetch to a waiting
    /// call, which starts it again.
    pub fn cancel(&mut self, call: CallId) {
        let Some(i) = self.index(call) else { return };
        self.calls.remove_at(i);
        self.leave(call);
    }

    /// Ends `call` with a `timeout` error if `now` is past its deadline; true if it did (or had already
    /// ended). A token fetch that runs out of its leader's time fails for every call waiting on it.
    pub fn on_deadline(&mut self, call: CallId, now: Now) -> bool {
        let Some(i) = self.index(call) else { return true };
        let c = self.calls.at(i);
        if matches!(c.stage, Stage::Finished(_)) {
            return true;
        }
        if now.mono_ms < c.deadline_ms {
            return false;
        }
        self.calls.at_mut(i).stage = Stage::Finished(Err(WeChatError::timeout()));
        if self.tokens.leads(call) {
            self.fail_waiters(&WeChatError::timeout());
        } else {
            self.leave(call);
        }
        true
    }

    // -----------------------------------------------------------------------------------------------------

    fn index(&self, call: CallId) -> Option<usize> {
        self.calls.index(call)
    }

    fn leave(&mut self, call: CallId) {
        if let TokenLeave::HandedOver { to, force } = self.tokens.leave(call) {
            if let Some(i) = self.index(to) {
                self.calls.at_mut(i).stage = Stage::Fetch { force, attempt: 0 };
                self.outputs.push_back(Output::Wake(to));
            }
        }
    }

    /// What a call does with a token: the business call, or (`AccessToken`) resolve to it.
    fn with_token(&self, i: usize, token: String) -> Stage {
        match self.calls.at(i).what {
            What::Invoke { .. } => Stage::Ready { token },
            What::AccessToken => Stage::Finished(Ok(token)),
        }
    }

    fn token_request(&self, force: bool, deadline_ms: u64, now: Now) -> HttpRequest {
        let timeout = Duration::from_millis(deadline_ms.saturating_sub(now.mono_ms).max(1));
        let Tokens::AppSecret { app_id, app_secret, mode } = &self.config.tokens else {
            // Not reached: external tokens are asked for with `FetchToken`.
            return HttpRequest {
                method: Method::Get,
                url: url(&self.config.base_url, "/cgi-bin/token", &[]),
                headers: Vec::new(),
                body: None,
                timeout,
                max_response_bytes: MAX_TOKEN_ANSWER_BYTES,
            };
        };
        match mode {
            TokenMode::Stable => HttpRequest {
                method: Method::Post,
                url: url(&self.config.base_url, "/cgi-bin/stable_token", &[]),
                headers: Vec::new(),
                body: Some(
                    json::ObjectWriter::new()
                        .string("grant_type", "client_credential")
                        .string("appid", app_id)
                        .string("secret", app_secret)
                        .boolean("force_refresh", force)
                        .finish()
                        .into_bytes(),
                ),
                timeout,
                max_response_bytes: MAX_TOKEN_ANSWER_BYTES,
            },
            TokenMode::Classic => HttpRequest {
                method: Method::Get,
                url: url(
                    &self.config.base_url,
                    "/cgi-bin/token",
                    &[("grant_type", "client_credential"), ("appid", app_id), ("secret", app_secret)],
                ),
                headers: Vec::new(),
                body: None,
                timeout,
                max_response_bytes: MAX_TOKEN_ANSWER_BYTES,
            },
        }
    }

    /// The leader's fetch ended: a system error is retried with backoff; anything else ends the fetch for
    /// every call waiting on it (they use the token, or share the failure).
    fn token_outcome(
        &mut self,
        i: usize,
        outcome: Result<AccessToken, WeChatError>,
        force: bool,
        attempt: u32,
        now: Now,
    ) {
        match outcome {
            Err(error) if error.kind == WeChatErrorKind::System && attempt < self.config.max_system_retries => {
                let until_ms = now.mono_ms.saturating_add(backoff_ms(attempt)).min(self.calls.at(i).deadline_ms);
                self.calls.at_mut(i).stage = Stage::FetchBackoff { until_ms, force, attempt: attempt + 1 };
            }
            Ok(token) => {
                let waiters = self.tokens.fetched(&token.value, token.expires_in, now.unix_secs);
                self.calls.at_mut(i).stage = self.with_token(i, token.value.clone());
                for waiter in waiters {
                    if let Some(j) = self.index(waiter) {
                        self.calls.at_mut(j).stage = self.with_token(j, token.value.clone());
                        self.outputs.push_back(Output::Wake(waiter));
                    }
                }
            }
            Err(error) => {
                self.calls.at_mut(i).stage = Stage::Finished(Err(error.clone()));
                self.fail_waiters(&error);
            }
        }
    }

    /// The token fetch failed for good: every call waiting on it gets the failure.
    fn fail_waiters(&mut self, error: &WeChatError) {
        for waiter in self.tokens.failed() {
            if let Some(j) = self.index(waiter) {
                self.calls.at_mut(j).stage = Stage::Finished(Err(error.clone()));
                self.outputs.push_back(Output::Wake(waiter));
            }
        }
    }

    /// The business call's answer: the decoded result, a retry, a token refresh, or the final error.
    fn business_answer(&mut self, i: usize, response: &HttpResponse, token: String, now: Now) -> Stage {
        if !response.is_success() {
            return Stage::Finished(Err(WeChatError::from_status(
                "invokecloudfunction",
                response.status,
                &response.body,
            )));
        }
        let text = std::str::from_utf8(&response.body).ok();
        let Some(answer) = text.and_then(|t| json::parse(t).ok()) else {
            let mut message = String::from("invokecloudfunction answered HTTP ");
            super::text::push_u64(&mut message, response.status.into());
            message.push_str(" with a body that is not JSON");
            return Stage::Finished(Err(WeChatError::local(WeChatErrorKind::InvalidResponse, message)));
        };
        let errcode = answer.get("errcode").and_then(|c| c.as_i64()).unwrap_or(0);
        if errcode == 0 {
            return Stage::Finished(Ok(resp_data(answer)));
        }
        let errmsg = answer.get_str("errmsg").unwrap_or_default();
        let error = WeChatError::from_errcode(errcode, errmsg);
        let max_system_retries = self.config.max_system_retries;
        let refresh_log = LogEvent {
            level: LogLevel::Debug,
            code: "token_rejected",
            message: "access_token rejected; fetching a fresh one".to_owned(),
        };
        let call = self.calls.at_mut(i);
        match errcode {
            40001 | 40014 | 42001 if !call.refreshed => {
                call.refreshed = true;
                self.outputs.push_back(Output::Log(refresh_log));
                Stage::NeedToken { rejected: Some((token, errcode != 42001)) }
            }
            -1 | -1000 if call.system_retries < max_system_retries => {
                let until_ms = now.mono_ms.saturating_add(backoff_ms(call.system_retries)).min(call.deadline_ms);
                call.system_retries += 1;
                Stage::Backoff { until_ms, token }
            }
            _ => Stage::Finished(Err(error)),
        }
    }
}

/// A token lifetime from an answer: negative or over 10 years is a broken answer.
fn checked_lifetime(expires_in: i64) -> Result<i64, WeChatError> {
    if (0..=MAX_TOKEN_LIFETIME_SECS).contains(&expires_in) {
        return Ok(expires_in);
    }
    let mut message = String::from("the token answer has an absurd expires_in (");
    super::text::push_i64(&mut message, expires_in);
    message.push_str(" s)");
    Err(WeChatError::local(WeChatErrorKind::InvalidResponse, message))
}

/// The token endpoint's answer: a token, or the error it names (a non-2xx status, a body that is not JSON,
/// an errcode, a missing token).
fn token_answer(response: &HttpResponse) -> Result<AccessToken, WeChatError> {
    let text = std::str::from_utf8(&response.body).ok();
    let body = text.and_then(|t| json::parse(t).ok());
    if let Some(errcode) = body.and_then(|b| b.get("errcode")).and_then(|c| c.as_i64()).filter(|c| *c != 0) {
        let errmsg = body.and_then(|b| b.get_str("errmsg")).unwrap_or_default();
        return Err(WeChatError::from_token_errcode(errcode, errmsg));
    }
    if !response.is_success() {
        return Err(WeChatError::from_status("token endpoint", response.status, &response.body));
    }
    let Some(body) = body else {
        let mut message = String::from("token endpoint answered HTTP ");
        super::text::push_u64(&mut message, response.status.into());
        message.push_str(" with a body that is not JSON");
        return Err(WeChatError::local(WeChatErrorKind::InvalidResponse, message));
    };
    let value = body.get_str("access_token").filter(|t| !t.is_empty()).ok_or_else(|| {
        WeChatError::local(WeChatErrorKind::InvalidResponse, "token endpoint answered without access_token")
    })?;
    let expires_in = checked_lifetime(body.get("expires_in").and_then(|e| e.as_i64()).unwrap_or(7200))?;
    Ok(AccessToken { value, expires_in })
}
