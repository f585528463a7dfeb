//! The native async client: today's `Client` API as a thin loop over the protocol [`Machine`] (every rule
//! lives there), with the host's transport, storage, login APIs, clock and timer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::clock::{Clock, SystemClock};
use crate::config::{ClientConfig, Credentials};
use crate::drive::{Driver, Logger, Parts, TracingLogger};
use crate::error::HError;
use crate::host::{Host, NoHost};
use crate::invoke::Invocation;
use crate::machine::{Answer, CurrentUser, Machine, Op, SilentLogin};
use crate::session::{self, MemoryStore, Session, SessionStore};
use crate::timer::{default_timer, Timer};
use crate::transport::Transport;

pub use crate::machine::client::paths;

/// What a successful login resolves to: the signed-in user, shaped like the official SDK's current-user
/// object ([`CurrentUser`]: id, openid, unionid, anonymity, expiry, and the profile its `toJSON()` gives).
/// The token stays in the session store and is never returned.
pub type LoginResult = CurrentUser;

/// Builds a [`Client`] from a config and the host's parts. Unset parts default to the reqwest transport and
/// the tokio timer (native targets), an in-memory session store, no host APIs, the system clock, and log
/// events through `tracing`.
pub struct ClientBuilder {
    config: ClientConfig,
    transport: Option<Arc<dyn Transport>>,
    store: Option<Arc<dyn SessionStore>>,
    host: Option<Arc<dyn Host>>,
    clock: Option<Arc<dyn Clock>>,
    timer: Option<Arc<dyn Timer>>,
    logger: Option<Arc<dyn Logger>>,
}

impl ClientBuilder {
    /// Uses this transport.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Keeps the session in this store.
    pub fn store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Uses these host APIs (login code, network state).
    pub fn host(mut self, host: Arc<dyn Host>) -> Self {
        self.host = Some(host);
        self
    }

    /// Uses this clock for session expiry.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses this timer to end calls at their deadline while they wait for the host or another call.
    pub fn timer(mut self, timer: Arc<dyn Timer>) -> Self {
        self.timer = Some(timer);
        self
    }

    /// Shows the client's log events (a deprecated API, a failed exchange) here instead of `tracing`.
    pub fn logger(mut self, logger: Arc<dyn Logger>) -> Self {
        self.logger = Some(logger);
        self
    }

    /// Checks the config (HError 605 naming the problem) and builds the client, restoring the session from
    /// the store. Without a transport on wasm32 (or without the `reqwest-transport` feature) this is HError
    /// 605: the host must supply one.
    // On wasm32 the host's parts are not Send/Sync (one JS thread); the Arc is for sharing, not threads.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<Client, HError> {
        let store: Arc<dyn SessionStore> = self.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let machine = Machine::new(self.config.clone(), &session::read(store.as_ref()))?;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        let parts = Parts {
            transport,
            host: self.host.unwrap_or_else(|| Arc::new(NoHost)),
            tokens: None,
            store: Some(store.clone()),
            timer: self.timer.or_else(default_timer),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            logger: self.logger.unwrap_or_else(|| Arc::new(TracingLogger)),
        };
        Ok(Client { driver: Arc::new(Driver::new(machine, parts)), config: Arc::new(self.config), store })
    }
}

/// The default transport of the 知晓云 clients (`Client`, `MinappServer`): reqwest on native targets.
#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
pub(crate) fn default_transport() -> Result<Arc<dyn Transport>, HError> {
    let transport = crate::transport::ReqwestTransport::new().map_err(|e| e.into_herror())?;
    Ok(Arc::new(transport))
}

/// Without the reqwest transport there is no default: the host supplies one.
#[cfg(not(all(not(target_arch = "wasm32"), feature = "reqwest-transport")))]
pub(crate) fn default_transport() -> Result<Arc<dyn Transport>, HError> {
    Err(HError::invalid_argument("no transport: this build has no default transport, supply one"))
}

/// A 知晓云 client. Cheap to clone; clones share the session, the transport's connection pool and the
/// in-flight login.
#[derive(Clone)]
pub struct Client {
    driver: Arc<Driver<Machine>>,
    config: Arc<ClientConfig>,
    store: Arc<dyn SessionStore>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("config", &self.config).finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client.
    pub fn builder(config: ClientConfig) -> ClientBuilder {
        ClientBuilder { config, transport: None, store: None, host: None, clock: None, timer: None, logger: None }
    }

    /// The client's config.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The session store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    /// The stored session, if there is a token.
    pub fn session(&self) -> Option<Session> {
        self.driver.with_read(
            || session::read(self.store.as_ref()),
            |machine, stored, _| {
                reload(machine, stored);
                machine.session()
            },
        )
    }

    /// The signed-in user as the stored session describes it, without a request (`None` without a token).
    /// [`Client::get_current_user`] asks the server, as the official `getCurrentUser` does.
    pub fn current_user(&self) -> Option<CurrentUser> {
        self.driver.with_read(
            || session::read(self.store.as_ref()),
            |machine, stored, _| {
                reload(machine, stored);
                machine.current_user()
            },
        )
    }

    /// Starts `op` on the machine (with the session read from the store again, as the official SDK reads
    /// storage before each request) and drives it to its end.
    async fn run(&self, op: Op, timeout: Option<Duration>) -> Result<Answer, HError> {
        let call = self.driver.with_read(
            || session::read(self.store.as_ref()),
            |machine, stored, now| {
                reload(machine, stored);
                machine.start(op, timeout, now)
            },
        );
        self.driver.run(call).await
    }

    async fn user(&self, op: Op) -> Result<CurrentUser, HError> {
        match self.run(op, None).await? {
            Answer::User(user) => Ok(user),
            _ => Err(HError::invalid_response("a login resolved to no user")),
        }
    }

    /// `BaaS.invoke`: runs a cloud function and resolves to the server's body unchanged (`{code, data, error}`
    /// for a sync call, including `code: 1` failures; `{"status":"ok"}` for an async one). Logs in first when
    /// auto-login is on and the session is missing or expired; on a 401 with auto-login, logs in again and
    /// resends once. The call's time limit bounds all of it. Dropping the future cancels the call.
    pub async fn invoke(&self, call: Invocation) -> Result<Value, HError> {
        self.invoke_as(call, false).await
    }

    /// `invokeFunction`, the deprecated name of [`Client::invoke`]; the machine logs the deprecation once per
    /// process.
    pub async fn invoke_function(&self, call: Invocation) -> Result<Value, HError> {
        self.invoke_as(call, true).await
    }

    async fn invoke_as(&self, call: Invocation, deprecated_alias: bool) -> Result<Value, HError> {
        match self.run(Op::Invoke(call.to_machine(deprecated_alias)), call.timeout).await? {
            Answer::Body(text) => serde_json::from_str(&text).map_err(|e| {
                HError::invalid_response("response body is not valid JSON").with_details_text(&e.to_string())
            }),
            _ => Err(HError::invalid_response("an invoke resolved to no body")),
        }
    }

    /// Password login (`/hserve/v2.1/login/{username|email|phone}/`).
    pub async fn login(&self, credentials: &Credentials) -> Result<LoginResult, HError> {
        self.user(Op::Login(credentials.clone())).await
    }

    /// Registration (`/hserve/v2.1/register/{username|email|phone}/`); signs the new user in.
    pub async fn register(&self, credentials: &Credentials) -> Result<LoginResult, HError> {
        self.user(Op::Register(credentials.clone())).await
    }

    /// SMS login with a verification code (`/hserve/v2.1/login/sms/`).
    pub async fn login_with_sms(&self, phone: &str, code: &str, create_user: bool) -> Result<LoginResult, HError> {
        self.user(Op::LoginWithSms { phone: phone.to_owned(), code: code.to_owned(), create_user }).await
    }

    /// Anonymous login: a temporary user.
    pub async fn anonymous_login(&self) -> Result<LoginResult, HError> {
        self.user(Op::AnonymousLogin).await
    }

    /// Silent login with the host's one-time login code (PROTOCOL.md §1.6 table). With a live session it
    /// sends nothing and resolves the current user, as the official SDK does. HError 611 on hosts without one
    /// (web, Node, native).
    pub async fn silent_login(&self, create_user: bool) -> Result<LoginResult, HError> {
        self.login_with_wechat(SilentLogin { create_user, with_union_id: false }).await
    }

    /// `loginWithWechat(null, {createUser, withUnionID})` (and its peers on the other hosts): silent login
    /// with these options ([`SilentLogin::login_with_wechat`] reads them from JSON).
    pub async fn login_with_wechat(&self, options: SilentLogin) -> Result<LoginResult, HError> {
        self.user(Op::SilentLogin(options)).await
    }

    /// `getCurrentUser`: the signed-in user's profile from the server (`GET /hserve/v2.5/user/info/{uid}/`),
    /// as the official SDK fetches it; HError 604 without a live session.
    pub async fn get_current_user(&self) -> Result<CurrentUser, HError> {
        self.user(Op::GetCurrentUser).await
    }

    /// Logout: destroys the session on the server, then clears it locally.
    pub async fn logout(&self) -> Result<(), HError> {
        self.run(Op::Logout, None).await.map(drop)
    }

    /// `clearSession`: forgets the session locally (the official SDK's keys).
    pub fn clear_session(&self) {
        self.driver.with(|machine, _| machine.clear_session());
    }
}

/// Takes the session read from the store again, as the official SDK reads storage before each request. A call
/// made from inside a storage write (a store calling back into its client) reads nothing: the store is then
/// behind the machine, which keeps its own session.
fn reload(machine: &mut Machine, stored: Option<session::StoredSession>) {
    if let Some(stored) = stored {
        machine.reload_session(&stored);
    }
}

/// Helper for [`Credentials`] users who have a map-style argument (`{username|email|phone, password}`).
impl Credentials {
    /// Reads `{username|email|phone, password}` as the official `BaaS.auth.login` takes it; anything else is
    /// HError 605 naming the problem. The machine's rule ([`Credentials::from_json`]).
    pub fn from_value(value: &Value) -> Result<Self, HError> {
        Credentials::from_json(&value.to_string())
    }
}
