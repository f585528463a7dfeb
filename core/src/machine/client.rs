//! [`Machine`]: the 知晓云 client protocol (PROTOCOL.md §1) as a synchronous state machine. One machine per
//! client owns the config, the session and the in-flight login; each call (`invoke`, a login, `logout`,
//! `getCurrentUser`) is started, then driven by `next` until it is `Done`.
//!
//! The session rules it applies:
//! - with auto-login, a call first logs in when the session is missing or expired (`now >= expires_at`;
//!   a missing expiry is expired); concurrent calls share one login (single flight), and **share its
//!   failure**: N calls behind a failing auto-login make one attempt and all get its HError; a later call
//!   tries again;
//! - on a 401 with auto-login: clear the session, log in again, resend once — unless the token that failed
//!   is no longer the stored one (another call already logged in), then just resend; a second 401 goes to
//!   the caller; without auto-login a 401 goes to the caller and the session is kept;
//! - an explicit login (`login`, `register`, SMS, anonymous, silent) waits for a login in flight, then runs
//!   as the flight calls that need a session wait for (they go on if it succeeds, and try their own auto-login
//!   if it fails);
//! - one deadline bounds the whole call: host login code, login request, request, re-login and resend
//!   together; each request carries the time left. A login that runs out of its leader's time fails for
//!   everyone waiting on it; a cancelled leader hands the login to a waiter, which starts it again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::calls::Calls;
use super::config::{AutoLogin, ClientConfig, Credentials};
use super::error::HError;
use super::flight::Flight;
use super::http::{HttpRequest, HttpResponse, Method, TransportError, TransportErrorKind};
use super::invoke::{check_size, Invoke, INVOKE_PATH};
use super::json::{self, Kind, ObjectWriter};
use super::limits;
use super::session::{user_from_profile, CurrentUser, LoginAnswer, Session, SessionState, StoredSession};
use super::step::{Action, CallId, LogEvent, LogLevel, Now, Output};
use super::text::{has_byte, preview, push_percent_encoded};
use crate::redact::redact_text;

/// Paths of the session endpoints (PROTOCOL.md §1.6).
pub mod paths {
    use crate::machine::config::AccountKind;

    /// Anonymous login.
    pub const ANONYMOUS_LOGIN: &str = "/hserve/v2.0/login/anonymous/";
    /// SMS login.
    pub const SMS_LOGIN: &str = "/hserve/v2.1/login/sms/";
    /// Logout.
    pub const LOGOUT: &str = "/hserve/v2.0/session/destroy/";
    /// The current user's profile: `GET {USER_INFO}{uid}/`.
    pub const USER_INFO: &str = "/hserve/v2.5/user/info/";

    /// Password login for a kind of account.
    pub fn login(kind: AccountKind) -> String {
        let mut path = String::from("/hserve/v2.1/login/");
        path.push_str(kind.as_str());
        path.push('/');
        path
    }

    /// Registration for a kind of account.
    pub fn register(kind: AccountKind) -> String {
        let mut path = String::from("/hserve/v2.1/register/");
        path.push_str(kind.as_str());
        path.push('/');
        path
    }
}

/// Options of a silent login: `silentLogin({createUser})` / `loginWithWechat(null, {createUser,
/// withUnionID})`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SilentLogin {
    /// Create the user when the host account is new (default `true`).
    pub create_user: bool,
    /// Log in by unionid (wx's `login_with_unionid`, default `false`).
    pub with_union_id: bool,
}

impl Default for SilentLogin {
    fn default() -> Self {
        SilentLogin { create_user: true, with_union_id: false }
    }
}

impl SilentLogin {
    /// Reads `loginWithWechat(authData, options)` as the official SDK takes it (JSON text; `None` when
    /// absent): `options.createUser` (default `true`) and `options.withUnionID` (default `false`) must be
    /// booleans; `syncUserProfile` and `code` are accepted (they only matter to user-info logins). An `authData`
    /// carrying `detail` asks for a phone-number or user-info login, which minicloud does not do: HError 611.
    pub fn login_with_wechat(auth_data_json: Option<&str>, options_json: Option<&str>) -> Result<Self, HError> {
        if let Some(auth) = auth_data_json.and_then(|t| json::parse(t).ok()) {
            if auth.get("detail").is_some_and(|d| !d.is_null()) {
                return Err(HError::unsupported(
                    "loginWithWechat with authData.detail (a phone-number or user-info authorization) is not supported; \
                     call loginWithWechat() or loginWithWechat(null, options) for silent login",
                ));
            }
        }
        let mut login = SilentLogin::default();
        let Some(text) = options_json else { return Ok(login) };
        let options =
            json::parse(text).map_err(|_| HError::invalid_argument("loginWithWechat options are not JSON"))?;
        match options.kind() {
            Kind::Null => return Ok(login),
            Kind::Object => {}
            other => {
                let mut message = String::from("loginWithWechat options must be an object, got ");
                message.push_str(other.described());
                return Err(HError::invalid_argument(message));
            }
        }
        for (name, slot) in [("createUser", &mut login.create_user), ("withUnionID", &mut login.with_union_id)] {
            let Some(value) = options.get(name).filter(|v| !v.is_null()) else { continue };
            *slot = value.as_bool().ok_or_else(|| {
                let mut message = String::from(name);
                message.push_str(" must be a boolean, got ");
                message.push_str(value.kind().described());
                HError::invalid_argument(message)
            })?;
        }
        Ok(login)
    }
}

/// A call a [`Machine`] runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `BaaS.invoke` / `invokeFunction`: resolves to the server's body ([`Answer::Body`]).
    Invoke(Invoke),
    /// Password login (`/hserve/v2.1/login/{username|email|phone}/`): resolves to [`Answer::User`].
    Login(Credentials),
    /// Registration (`/hserve/v2.1/register/...`); signs the new user in.
    Register(Credentials),
    /// SMS login with a verification code.
    LoginWithSms {
        /// The phone number.
        phone: String,
        /// The verification code.
        code: String,
        /// Create the user when the phone is new.
        create_user: bool,
    },
    /// Anonymous login: a temporary user.
    AnonymousLogin,
    /// Silent login with the host's one-time login code (`silentLogin`, `loginWithWechat`). With a live
    /// session it sends nothing and resolves the current user, as the official SDK does. HError 611 on
    /// platforms without one.
    SilentLogin(SilentLogin),
    /// `getCurrentUser`: `GET /hserve/v2.5/user/info/{uid}/` with a live session (else HError 604), as the
    /// official SDK does; resolves to [`Answer::User`].
    GetCurrentUser,
    /// Logout: destroys the session on the server, then clears it locally ([`Answer::Empty`]).
    Logout,
}

/// What a finished call resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The server's body, exactly as received (a 2xx JSON text).
    Body(String),
    /// The signed-in user.
    User(CurrentUser),
    /// Nothing (logout).
    Empty,
}

/// What the host said when asked for a login code ([`Action::LoginCode`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginCodeAnswer {
    /// The one-time code, and ByteDance's `appName` when the host has one (`tt` silent login sends it).
    Code {
        /// The code (`wx.login` → `code`, `my.getAuthCode` → `authCode`, ...).
        code: String,
        /// `tt.getSystemInfoSync().appName`.
        app_name: Option<String>,
    },
    /// The host has no login API (web, Node without a hook): HError 611.
    Unavailable,
    /// The host's login API failed or the user refused; its own words (redacted into `details`): HError 614.
    Failed(String),
}

/// How a login attempt logs in.
#[derive(Debug, Clone, PartialEq)]
enum LoginPlan {
    Silent(SilentLogin),
    Anonymous,
    Password { credentials: Credentials, register: bool },
    Sms { phone: String, code: String, create_user: bool },
}

/// The login in flight: an auto-login (its waiters share its failure) or an explicit session call.
#[derive(Debug)]
struct LoginFlight {
    flight: Flight<LoginPlan>,
    auto: bool,
}

/// What a call does.
#[derive(Debug)]
enum What {
    Invoke {
        body: String,
    },
    Session(LoginPlan),
    CurrentUser,
    Logout,
    /// Its arguments were refused: it ends with that error and sends nothing.
    Refused,
}

/// What a call's own request is for (its answer is read accordingly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Invoke,
    CurrentUser,
    Logout,
    Other,
}

impl What {
    fn purpose(&self) -> Purpose {
        match self {
            What::Invoke { .. } => Purpose::Invoke,
            What::CurrentUser => Purpose::CurrentUser,
            What::Logout => Purpose::Logout,
            What::Session(_) | What::Refused => Purpose::Other,
        }
    }
}

#[derive(Debug)]
enum Lead {
    Begin,
    AwaitCode,
    Send { path: String, body: String },
}

#[derive(Debug)]
enum Stage {
    /// Not started: `next` decides.
    Start,
    /// Needs a session: join the login in flight or lead an auto-login.
    NeedLogin,
    /// Send the main request now (after a login, or when no login is needed).
    Ready,
    /// Parked behind the login in flight.
    Blocked,
    /// Leading the login in flight.
    Lead(Lead),
    /// A request is out (`login`: the flight's login request).
    AwaitAnswer {
        login: bool,
    },
    /// The exchange failed to connect: ask the host whether it is offline.
    CheckOffline {
        error: TransportError,
        login: bool,
    },
    AwaitOffline {
        error: TransportError,
        login: bool,
    },
    Finished(Result<Answer, HError>),
}

#[derive(Debug)]
struct Call {
    deadline_ms: u64,
    what: What,
    stage: Stage,
    /// A 401 came back: the next send is the one resend.
    retry_401: bool,
    /// The one resend after a 401 was sent.
    resent: bool,
    /// The token the last main request carried.
    sent_token: Option<String>,
}

/// The 知晓云 client machine: feed it calls, inputs and the time; drain actions and outputs. No I/O, no
/// clock, no threads, no async: drivers (the native async `Client`, a JS event loop, a wasm host) do the
/// rest. See the module docs for the rules, and `ARCHITECTURE.md` for the driving loop.
#[derive(Debug)]
pub struct Machine {
    config: ClientConfig,
    session: SessionState,
    calls: Calls<Call>,
    flight: Option<LoginFlight>,
    /// Explicit session calls waiting for the login in flight to end.
    queued: Vec<CallId>,
    /// In order; few at a time (a step's storage writes and wake-ups), so a `Vec` read from the front.
    outputs: Vec<Output>,
}

/// Whether `invokeFunction`'s deprecation was noticed: once per process, whatever the number of clients (as
/// Node's `util.deprecate` warns). The machine's one piece of process-wide state.
static INVOKE_FUNCTION_NOTICED: AtomicBool = AtomicBool::new(false);

fn ms_between(from: Now, until: u64) -> Duration {
    Duration::from_millis(until.saturating_sub(from.mono_ms).max(1))
}

impl Machine {
    /// A machine for `config` (checked: HError 605 naming the problem) with the session restored from
    /// `stored`.
    pub fn new(config: ClientConfig, stored: &StoredSession) -> Result<Self, HError> {
        config.validate()?;
        Ok(Machine {
            config,
            session: SessionState::restore(stored),
            calls: Calls::new(),
            flight: None,
            queued: Vec::new(),
            outputs: Vec::new(),
        })
    }

    /// The client's config.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The session, when a token is stored.
    pub fn session(&self) -> Option<Session> {
        self.session.view()
    }

    /// The current user as the stored session describes it (no request), when a token is stored.
    pub fn current_user(&self) -> Option<CurrentUser> {
        self.session.view().map(|_| self.session.current_user())
    }

    /// Replaces the session with values read from storage again (another part of the app may have written
    /// them, as the official SDK reads storage before each request). Calls in flight go on.
    pub fn reload_session(&mut self, stored: &StoredSession) {
        self.session = SessionState::restore(stored);
    }

    /// `clearSession`: forgets the session (the official keys are emptied through [`Output::Store`]).
    pub fn clear_session(&mut self) {
        self.session.clear(&mut self.outputs);
    }

    /// The next output (storage write, log event, wake-up), in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        (!self.outputs.is_empty()).then(|| self.outputs.remove(0))
    }

    /// When `call` runs out of time, on the [`Now::mono_ms`] clock.
    pub fn deadline_ms(&self, call: CallId) -> Option<u64> {
        self.calls.get(call).map(|c| c.deadline_ms)
    }

    /// How many calls are started and not yet `Done` (or cancelled).
    pub fn calls_in_progress(&self) -> usize {
        self.calls.len()
    }

    /// Starts a call. `timeout` replaces the default limit of the call (sync or async invoke, or the auth
    /// limit) and bounds the whole call. Argument problems surface as the call's first `next`: `Done` with
    /// HError 605.
    pub fn start(&mut self, op: Op, timeout: Option<Duration>, now: Now) -> CallId {
        let default_limit = match &op {
            Op::Invoke(invoke) if invoke.is_sync() => self.config.sync_timeout,
            Op::Invoke(_) => self.config.async_timeout,
            _ => self.config.auth_timeout,
        };
        let limit_ms = limits::duration_ms("timeout", timeout.unwrap_or(default_limit));
        let prepared = limit_ms.and_then(|ms| self.prepare(op).map(|what| (ms, what)));
        let (deadline_ms, what, stage) = match prepared {
            Ok((ms, what)) => (now.mono_ms.saturating_add(ms.into()), what, Stage::Start),
            Err(error) => (now.mono_ms, What::Refused, Stage::Finished(Err(error))),
        };
        self.calls.start(Call { deadline_ms, what, stage, retry_401: false, resent: false, sent_token: None })
    }

    /// Checks a call's arguments and prepares what it does.
    fn prepare(&mut self, op: Op) -> Result<What, HError> {
        Ok(match op {
            Op::Invoke(invoke) => {
                if invoke.deprecated_alias && !INVOKE_FUNCTION_NOTICED.swap(true, Ordering::Relaxed) {
                    self.log(
                        LogLevel::Warn,
                        "invoke_function_deprecated",
                        "invokeFunction is deprecated; use invoke".to_owned(),
                    );
                }
                What::Invoke { body: invoke.body(self.config.max_request_bytes)? }
            }
            Op::Login(credentials) => {
                credentials.check()?;
                What::Session(LoginPlan::Password { credentials, register: false })
            }
            Op::Register(credentials) => {
                credentials.check()?;
                What::Session(LoginPlan::Password { credentials, register: true })
            }
            Op::LoginWithSms { phone, code, create_user } => {
                if phone.is_empty() || code.is_empty() {
                    return Err(HError::invalid_argument("phone and verification code must be non-empty strings"));
                }
                What::Session(LoginPlan::Sms { phone, code, create_user })
            }
            Op::AnonymousLogin => What::Session(LoginPlan::Anonymous),
            Op::SilentLogin(options) => {
                if self.config.platform.silent_login_provider().is_none() {
                    return Err(self.config.platform.no_silent_login());
                }
                What::Session(LoginPlan::Silent(options))
            }
            Op::GetCurrentUser => What::CurrentUser,
            Op::Logout => What::Logout,
        })
    }

    /// The next thing `call` needs done (see [`Action`]). An unknown call (never started, or already `Done`)
    /// answers `Done` with HError 605.
    pub fn next(&mut self, call: CallId, now: Now) -> Action<Answer, HError> {
        self.on_deadline(call, now);
        loop {
            let Some(i) = self.index(call) else {
                return Action::Done(Err(HError::invalid_argument(
                    "unknown call: it never started or is already done",
                )));
            };
            let stage = std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked);
            let action = match stage {
                Stage::Finished(result) => {
                    self.calls.remove_at(i);
                    return Action::Done(result);
                }
                Stage::Start => {
                    self.begin(i, now);
                    None
                }
                Stage::NeedLogin => self.need_login(i),
                Stage::Ready => self.send_main(i, now),
                Stage::Lead(Lead::Begin) => self.lead(i, now),
                Stage::Lead(Lead::Send { path, body }) => {
                    let request = self.request(Method::Post, &path, Some(body), self.calls.at(i).deadline_ms, now);
                    self.stage_at(i, Stage::AwaitAnswer { login: true });
                    Some(Action::Send(request))
                }
                Stage::CheckOffline { error, login } => {
                    self.stage_at(i, Stage::AwaitOffline { error, login });
                    Some(Action::CheckOffline)
                }
                waiting @ (Stage::Blocked
                | Stage::Lead(Lead::AwaitCode)
                | Stage::AwaitAnswer { .. }
                | Stage::AwaitOffline { .. }) => {
                    self.stage_at(i, waiting);
                    Some(Action::Wait)
                }
            };
            if let Some(action) = action {
                return action;
            }
        }
    }

    /// The host's answer to [`Action::LoginCode`]. Ignored unless `call` asked for one.
    pub fn on_login_code(&mut self, call: CallId, answer: LoginCodeAnswer, now: Now) {
        let Some(i) = self.index(call) else { return };
        if !matches!(self.calls.at(i).stage, Stage::Lead(Lead::AwaitCode)) || self.on_deadline(call, now) {
            return;
        }
        let options = match self.flight.as_ref().map(|f| f.flight.plan()) {
            Some(LoginPlan::Silent(options)) => *options,
            _ => SilentLogin::default(),
        };
        match answer {
            LoginCodeAnswer::Code { code, .. } if code.is_empty() => {
                self.end_flight(Err(HError::host_login_failed("the host's login API gave no code")));
            }
            LoginCodeAnswer::Code { code, app_name } => {
                let request = self.config.platform.silent_login_request(
                    &code,
                    options.create_user,
                    options.with_union_id,
                    app_name.as_deref(),
                );
                match request {
                    Ok((path, body)) => self.stage_at(i, Stage::Lead(Lead::Send { path, body })),
                    Err(error) => self.end_flight(Err(error)),
                }
            }
            LoginCodeAnswer::Unavailable => self.end_flight(Err(HError::unsupported("this host has no login code"))),
            LoginCodeAnswer::Failed(words) => self.end_flight(Err(HError::host_login_failed(words))),
        }
    }

    /// The answer to [`Action::Send`]. Ignored unless `call` has a request out.
    pub fn on_response(&mut self, call: CallId, response: HttpResponse, now: Now) {
        let Some(i) = self.index(call) else { return };
        let Stage::AwaitAnswer { login } = self.calls.at(i).stage else { return };
        if self.on_deadline(call, now) {
            return;
        }
        if response.body.len() > self.config.max_response_bytes {
            let error = TransportError::body_too_large(self.config.max_response_bytes).into_herror();
            return self.fail(i, login, error);
        }
        if login {
            return self.login_answered(i, response, now);
        }
        let purpose = self.calls.at(i).what.purpose();
        if purpose == Purpose::Invoke && response.status == 401 && self.auto_login() && !self.calls.at(i).resent {
            return self.unauthorized(i, now);
        }
        let outcome = match purpose {
            Purpose::Invoke => json_body(&response).map(|text| Answer::Body(text.to_owned())),
            Purpose::CurrentUser => json_body(&response).and_then(|text| {
                let profile = json::parse(text).ok().filter(|p| p.kind() == Kind::Object);
                let profile =
                    profile.ok_or_else(|| HError::invalid_response("current user answer is not a JSON object"))?;
                Ok(Answer::User(user_from_profile(profile, &self.session)))
            }),
            Purpose::Logout => {
                if response.is_success() {
                    self.session.clear(&mut self.outputs);
                    Ok(Answer::Empty)
                } else {
                    Err(http_error(&response))
                }
            }
            Purpose::Other => Err(HError::invalid_response("unexpected answer")),
        };
        self.stage_at(i, Stage::Finished(outcome));
    }

    /// The failure of [`Action::Send`]. Ignored unless `call` has a request out. A connection failure makes
    /// the machine ask the host whether it is offline ([`Action::CheckOffline`]) before reporting 600 or 601.
    pub fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Now) {
        let Some(i) = self.index(call) else { return };
        let Stage::AwaitAnswer { login } = self.calls.at(i).stage else { return };
        if self.on_deadline(call, now) {
            return;
        }
        self.log_failure(&error);
        if error.kind == TransportErrorKind::Connect {
            self.stage_at(i, Stage::CheckOffline { error, login });
            return;
        }
        self.fail(i, login, error.into_herror());
    }

    /// The host's answer to [`Action::CheckOffline`]. Ignored unless `call` asked.
    pub fn on_offline(&mut self, call: CallId, offline: bool, now: Now) {
        let Some(i) = self.index(call) else { return };
        if !matches!(self.calls.at(i).stage, Stage::AwaitOffline { .. }) || self.on_deadline(call, now) {
            return;
        }
        let Stage::AwaitOffline { mut error, login } =
            std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked)
        else {
            return;
        };
        if offline {
            error.kind = TransportErrorKind::Offline;
        }
        self.fail(i, login, error.into_herror());
    }

    /// Cancels `call`: it is forgotten at once (no `Done`; the driver reports its own cancellation, HError
    /// `cancelled`) and its outstanding action should be abandoned. A cancelled login leader hands the login
    /// to a waiting call, which starts it again; the waiters do not fail.
    pub fn cancel(&mut self, call: CallId) {
        let Some(i) = self.index(call) else { return };
        self.calls.remove_at(i);
        self.leave_flight(call, None);
    }

    /// Ends `call` with HError 601 (`timeout`) if `now` is past its deadline; true if it did (or had
    /// already ended). `next` checks this by itself; drivers call it when their deadline timer fires.
    pub fn on_deadline(&mut self, call: CallId, now: Now) -> bool {
        let Some(i) = self.index(call) else { return true };
        let c = self.calls.at(i);
        if matches!(c.stage, Stage::Finished(_)) {
            return true;
        }
        if now.mono_ms < c.deadline_ms {
            return false;
        }
        self.stage_at(i, Stage::Finished(Err(HError::timeout())));
        self.leave_flight(call, Some(HError::timeout()));
        true
    }

    // -----------------------------------------------------------------------------------------------------

    fn index(&self, call: CallId) -> Option<usize> {
        self.calls.index(call)
    }

    /// Moves the call at `i` to `stage`. Out of line: each inlined store of a `Stage` (and the drop of the one
    /// it replaces) cost the wasm build more than this call, at some twenty places.
    #[inline(never)]
    fn stage_at(&mut self, i: usize, stage: Stage) {
        self.calls.at_mut(i).stage = stage;
    }

    fn set_stage(&mut self, call: CallId, stage: Stage) {
        if let Some(i) = self.index(call) {
            self.stage_at(i, stage);
        }
    }

    fn auto_login(&self) -> bool {
        self.config.auto_login != AutoLogin::Disabled
    }

    fn log(&mut self, level: LogLevel, code: &'static str, message: String) {
        self.outputs.push(Output::Log(LogEvent { level, code, message }));
    }

    fn log_failure(&mut self, error: &TransportError) {
        let mut message = String::from("request failed (");
        message.push_str(match error.kind {
            TransportErrorKind::Offline => "offline",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::BodyTooLarge => "body too large",
        });
        message.push_str("): ");
        message.push_str(&error.message);
        self.log(LogLevel::Debug, "request_failed", message);
    }

    /// The official SDK's headers, in its order (PROTOCOL.md §1.2).
    fn headers(&self, token: Option<&str>) -> Vec<(String, String)> {
        let config = &self.config;
        let mut headers = Vec::with_capacity(6);
        if let Some(env) = &config.env {
            headers.push(("X-Hydrogen-Env-ID".to_owned(), env.clone()));
        }
        headers.push(("X-Hydrogen-Client-ID".to_owned(), config.client_id.clone()));
        headers.push(("X-Hydrogen-Client-Version".to_owned(), config.client_version.clone()));
        headers.push(("X-Hydrogen-Client-Platform".to_owned(), config.platform.header_value().to_owned()));
        headers.push(("X-Hydrogen-Client-SDK-Type".to_owned(), "file".to_owned()));
        if let Some(token) = token {
            let mut value = String::from("Hydrogen-r1 ");
            value.push_str(token);
            headers.push(("Authorization".to_owned(), value));
        }
        headers
    }

    fn request(&self, method: Method, path: &str, body: Option<String>, deadline_ms: u64, now: Now) -> HttpRequest {
        HttpRequest {
            method,
            url: self.config.url(path),
            headers: self.headers(self.session.token()),
            body: body.map(String::into_bytes),
            timeout: ms_between(now, deadline_ms),
            max_response_bytes: self.config.max_response_bytes,
        }
    }

    /// A new call decides what it needs first.
    fn begin(&mut self, i: usize, now: Now) {
        let id = self.calls.id(i);
        let next = match &self.calls.at(i).what {
            What::Invoke { .. } if self.auto_login() && !self.session.is_live(now.unix_secs) => Stage::NeedLogin,
            What::Invoke { .. } | What::Logout => Stage::Ready,
            What::Refused => Stage::Finished(Err(HError::invalid_argument("the call's arguments were refused"))),
            What::CurrentUser => {
                // The official rule: a stored uid and an unexpired, non-zero expiry (the token is not asked).
                let expires_at = self.session.expires_at().filter(|at| *at != 0);
                let live = self.session.uid_json().is_some() && expires_at.is_some_and(|at| now.unix_secs < at);
                if live {
                    Stage::Ready
                } else {
                    Stage::Finished(Err(HError::session_missing()))
                }
            }
            What::Session(LoginPlan::Silent(_)) if self.session.is_live(now.unix_secs) => {
                Stage::Finished(Ok(Answer::User(self.session.current_user())))
            }
            What::Session(plan) => {
                let plan = plan.clone();
                if self.flight.is_some() {
                    self.queued.push(id);
                    Stage::Blocked
                } else {
                    self.flight = Some(LoginFlight { flight: Flight::new(id, plan), auto: false });
                    Stage::Lead(Lead::Begin)
                }
            }
        };
        self.stage_at(i, next);
    }

    /// Joins the login in flight, or leads an auto-login.
    fn need_login(&mut self, i: usize) -> Option<Action<Answer, HError>> {
        let id = self.calls.id(i);
        if let Some(flight) = &mut self.flight {
            flight.flight.join(id);
            self.stage_at(i, Stage::Blocked);
            return Some(Action::Wait);
        }
        let plan = match &self.config.auto_login {
            AutoLogin::Disabled => {
                self.stage_at(i, Stage::Ready);
                return None;
            }
            AutoLogin::Silent => LoginPlan::Silent(SilentLogin::default()),
            AutoLogin::Anonymous => LoginPlan::Anonymous,
            AutoLogin::Password(credentials) => {
                LoginPlan::Password { credentials: credentials.clone(), register: false }
            }
        };
        self.flight = Some(LoginFlight { flight: Flight::new(id, plan), auto: true });
        self.stage_at(i, Stage::Lead(Lead::Begin));
        None
    }

    /// The leader starts the login: ask the host for a code, or send the login request.
    fn lead(&mut self, i: usize, now: Now) -> Option<Action<Answer, HError>> {
        let Some(plan) = self.flight.as_ref().map(|f| f.flight.plan().clone()) else {
            self.stage_at(i, Stage::NeedLogin);
            return None;
        };
        let (path, body) = match plan {
            LoginPlan::Silent(_) => {
                if self.config.platform.silent_login_provider().is_none() {
                    self.end_flight(Err(self.config.platform.no_silent_login()));
                    return None;
                }
                self.stage_at(i, Stage::Lead(Lead::AwaitCode));
                return Some(Action::LoginCode);
            }
            LoginPlan::Anonymous => (paths::ANONYMOUS_LOGIN.to_owned(), "{}".to_owned()),
            LoginPlan::Password { credentials, register } => {
                let path = if register { paths::register(credentials.kind) } else { paths::login(credentials.kind) };
                (path, credentials.body())
            }
            LoginPlan::Sms { phone, code, create_user } => (
                paths::SMS_LOGIN.to_owned(),
                ObjectWriter::new()
                    .string("phone", &phone)
                    .string("code", &code)
                    .boolean("create_user", create_user)
                    .finish(),
            ),
        };
        let body = match check_size(body, self.config.max_request_bytes) {
            Ok(body) => body,
            Err(error) => {
                self.end_flight(Err(error));
                return None;
            }
        };
        let request = self.request(Method::Post, &path, Some(body), self.calls.at(i).deadline_ms, now);
        self.stage_at(i, Stage::AwaitAnswer { login: true });
        Some(Action::Send(request))
    }

    /// Sends the call's own request with the stored token.
    fn send_main(&mut self, i: usize, now: Now) -> Option<Action<Answer, HError>> {
        let deadline = self.calls.at(i).deadline_ms;
        let request = match &self.calls.at(i).what {
            What::Invoke { body } => self.request(Method::Post, INVOKE_PATH, Some(body.clone()), deadline, now),
            What::Logout => self.request(Method::Post, paths::LOGOUT, Some("{}".to_owned()), deadline, now),
            What::CurrentUser => {
                let mut path = String::from(paths::USER_INFO);
                push_uri_component(&mut path, &self.uid_segment());
                path.push('/');
                self.request(Method::Get, &path, None, deadline, now)
            }
            What::Session(_) | What::Refused => {
                let error = HError::invalid_argument("a login has no request of its own");
                self.stage_at(i, Stage::Finished(Err(error)));
                return None;
            }
        };
        let token = self.session.token().map(str::to_owned);
        let call = self.calls.at_mut(i);
        if call.retry_401 {
            call.resent = true;
        }
        call.sent_token = token;
        call.stage = Stage::AwaitAnswer { login: false };
        Some(Action::Send(request))
    }

    /// The stored user id as a path segment: a string id's text, a number's digits.
    fn uid_segment(&self) -> String {
        let uid = self.session.uid_json().and_then(|u| json::parse(u).ok());
        uid.map(|u| u.as_str().unwrap_or_else(|| u.text().to_owned())).unwrap_or_default()
    }

    /// A 401 with auto-login: resend with a newer token, or clear the session and log in again first.
    fn unauthorized(&mut self, i: usize, now: Now) {
        self.calls.at_mut(i).retry_401 = true;
        if self.flight.is_some() {
            self.stage_at(i, Stage::NeedLogin);
            return;
        }
        let failed = self.calls.at(i).sent_token.as_deref();
        let replaced = self.session.token().is_some_and(|t| Some(t) != failed) && self.session.is_live(now.unix_secs);
        if replaced {
            self.stage_at(i, Stage::Ready);
            return;
        }
        self.log(LogLevel::Debug, "relogin_after_401", "401: logging in again and resending once".to_owned());
        self.session.clear(&mut self.outputs);
        self.stage_at(i, Stage::NeedLogin);
    }

    /// The answer to the flight's login request.
    fn login_answered(&mut self, i: usize, response: HttpResponse, now: Now) {
        let request_id = response.request_id();
        let answer = json_body(&response).and_then(|text| {
            let body = json::parse(text).map_err(|_| HError::invalid_response("response body is not valid JSON"))?;
            LoginAnswer::parse(body)
        });
        let anonymous = matches!(self.flight.as_ref().map(|f| f.flight.plan()), Some(LoginPlan::Anonymous));
        let outcome = answer
            .map(|answer| self.session.save_login(&answer, now.unix_secs, anonymous, &mut self.outputs))
            .map_err(|e| if e.request_id().is_none() { e.with_request_id(request_id) } else { e });
        if self.flight.as_ref().is_some_and(|f| f.flight.leader() == self.calls.id(i)) {
            self.end_flight(outcome);
        } else {
            self.stage_at(i, Stage::Finished(outcome.map(Answer::User)));
        }
    }

    /// A request failed: the call's own request ends the call; the flight's login request ends the flight.
    fn fail(&mut self, i: usize, login: bool, error: HError) {
        if login {
            self.end_flight(Err(error));
        } else {
            self.stage_at(i, Stage::Finished(Err(error)));
        }
    }

    /// The login in flight ended: its leader and waiters go on, or share the failure.
    fn end_flight(&mut self, outcome: Result<CurrentUser, HError>) {
        let Some(LoginFlight { flight, auto }) = self.flight.take() else { return };
        let (leader, waiters, _) = flight.end();
        if let Some(i) = self.index(leader) {
            let explicit = matches!(self.calls.at(i).what, What::Session(_));
            self.stage_at(
                i,
                match &outcome {
                    Ok(user) if explicit => Stage::Finished(Ok(Answer::User(user.clone()))),
                    Ok(_) => Stage::Ready,
                    Err(error) => Stage::Finished(Err(error.clone())),
                },
            );
        }
        for waiter in waiters {
            let stage = match &outcome {
                Ok(_) => Stage::Ready,
                Err(error) if auto => Stage::Finished(Err(error.clone())),
                Err(_) => Stage::NeedLogin,
            };
            self.set_stage(waiter, stage);
            self.outputs.push(Output::Wake(waiter));
        }
        self.release_queue();
    }

    /// Explicit session calls waiting for the flight to end start again.
    fn release_queue(&mut self) {
        for queued in std::mem::take(&mut self.queued) {
            self.set_stage(queued, Stage::Start);
            self.outputs.push(Output::Wake(queued));
        }
    }

    /// `call` leaves (cancelled: `error` None; out of time: `error` Some). A leaving leader of an auto-login
    /// hands it over when cancelled, and ends it for everyone when out of time; a leaving explicit login ends
    /// its flight (its waiters try their own auto-login).
    fn leave_flight(&mut self, call: CallId, error: Option<HError>) {
        self.queued.retain(|q| *q != call);
        let Some(flight) = &mut self.flight else { return };
        if flight.flight.remove_waiter(call) || flight.flight.leader() != call {
            return;
        }
        match (flight.auto, error) {
            (true, None) => match flight.flight.hand_over() {
                Some(next) => {
                    self.set_stage(next, Stage::Lead(Lead::Begin));
                    self.outputs.push(Output::Wake(next));
                }
                None => {
                    self.flight = None;
                    self.release_queue();
                }
            },
            (true, Some(error)) => self.end_flight(Err(error)),
            (false, error) => self.end_flight(Err(error.unwrap_or_else(HError::cancelled))),
        }
    }
}

/// A 2xx answer's body as JSON text, or the HError of a non-2xx answer or of a body that is not JSON (601,
/// `invalid_response`, with a redacted preview of the body in `details`).
fn json_body(response: &HttpResponse) -> Result<&str, HError> {
    if !response.is_success() {
        return Err(http_error(response));
    }
    let parsed = std::str::from_utf8(&response.body)
        .map_err(|_| "not UTF-8")
        .and_then(|text| json::parse(text).map(|_| text).map_err(|e| e.problem));
    parsed.map_err(|cause| {
        let preview = preview(&response.body, 200);
        let details = ObjectWriter::new().string("cause", cause).string("body", &redact_text(&preview)).finish();
        HError::invalid_response("response body is not valid JSON")
            .with_details_json(&details)
            .with_status(response.status)
            .with_request_id(response.request_id())
    })
}

fn http_error(response: &HttpResponse) -> HError {
    HError::from_http(response.status, &response.body, response.request_id())
}

/// Appends `text` percent-encoded as JavaScript's `encodeURIComponent` does.
fn push_uri_component(out: &mut String, text: &str) {
    push_percent_encoded(out, text, |b| b.is_ascii_alphanumeric() || has_byte(b"-_.!~*'()", b), false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_components_are_encoded_like_javascript() {
        let mut out = String::new();
        push_uri_component(&mut out, "a b/知-1");
        assert_eq!(out, "a%20b%2F%E7%9F%A5-1");
    }
}
