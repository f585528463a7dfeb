//! The client: `invoke` and the session calls, over the host's transport, storage and login APIs.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::clock::{Clock, SystemClock};
use crate::config::{AccountKind, AutoLogin, ClientConfig, Credentials};
use crate::error::{ErrorKind, HError};
use crate::host::{Host, NoHost};
use crate::invoke::{check_size, Invocation, INVOKE_PATH};
use crate::session::{self, LoginAnswer, MemoryStore, SessionStore};
use crate::transport::{HttpRequest, HttpResponse, Method, Transport, TransportErrorKind};

/// Paths of the session endpoints (PROTOCOL.md §1.6).
pub mod paths {
    /// Anonymous login.
    pub const ANONYMOUS_LOGIN: &str = "/hserve/v2.0/login/anonymous/";
    /// SMS login.
    pub const SMS_LOGIN: &str = "/hserve/v2.1/login/sms/";
    /// Logout.
    pub const LOGOUT: &str = "/hserve/v2.0/session/destroy/";

    /// Password login for a kind of account.
    pub fn login(kind: crate::AccountKind) -> String {
        format!("/hserve/v2.1/login/{}/", kind.as_str())
    }

    /// Registration for a kind of account.
    pub fn register(kind: crate::AccountKind) -> String {
        format!("/hserve/v2.1/register/{}/", kind.as_str())
    }
}

/// What a successful login tells the caller. The token stays in the session store and is never returned.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginResult {
    /// The user id, as the server sent it.
    pub user_id: Option<Value>,
    /// Whether the user is an anonymous temporary user.
    pub is_anonymous: bool,
    /// When the session expires (epoch seconds, 30 s early).
    pub expires_at: Option<i64>,
    /// The server's answer with `token` removed (`user_info`, `expires_in`, ...).
    pub profile: Value,
}

/// Builds a [`Client`] from a config and the host's parts. Unset parts default to the reqwest transport
/// (native targets), an in-memory session store, no host APIs, and the system clock.
pub struct ClientBuilder {
    config: ClientConfig,
    transport: Option<Arc<dyn Transport>>,
    store: Option<Arc<dyn SessionStore>>,
    host: Option<Arc<dyn Host>>,
    clock: Option<Arc<dyn Clock>>,
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

    /// Checks the config and builds the client. Without a transport on wasm32 (or without the
    /// `reqwest-transport` feature) this is HError 605: the host must supply one.
    // On wasm32 the host's parts are not Send/Sync (one JS thread); the Arc is for sharing, not threads.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<Client, HError> {
        self.config.validate()?;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                config: self.config,
                transport,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                host: self.host.unwrap_or_else(|| Arc::new(NoHost)),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                login_lock: futures::lock::Mutex::new(()),
            }),
        })
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "reqwest-transport"))]
fn default_transport() -> Result<Arc<dyn Transport>, HError> {
    let transport = crate::transport::ReqwestTransport::new().map_err(|e| e.into_herror())?;
    Ok(Arc::new(transport))
}

#[cfg(not(all(not(target_arch = "wasm32"), feature = "reqwest-transport")))]
fn default_transport() -> Result<Arc<dyn Transport>, HError> {
    Err(HError::invalid_argument("no transport: this build has no default transport, supply one"))
}

/// A 知晓云 client. Cheap to clone; clones share the session, the transport's connection pool and the
/// in-flight login.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    transport: Arc<dyn Transport>,
    store: Arc<dyn SessionStore>,
    host: Arc<dyn Host>,
    clock: Arc<dyn Clock>,
    /// Held while a login runs, so concurrent callers share one login (single flight).
    login_lock: futures::lock::Mutex<()>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

static INVOKE_FUNCTION_WARNED: AtomicBool = AtomicBool::new(false);

impl Client {
    /// Starts building a client.
    pub fn builder(config: ClientConfig) -> ClientBuilder {
        ClientBuilder { config, transport: None, store: None, host: None, clock: None }
    }

    /// The client's config.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The session store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.store
    }

    /// The stored session, if there is a token.
    pub fn session(&self) -> Option<session::Session> {
        session::load(self.inner.store.as_ref())
    }

    /// `BaaS.invoke`: runs a cloud function and resolves to the server's body unchanged (`{code, data, error}`
    /// for a sync call, including `code: 1` failures; `{"status":"ok"}` for an async one). Logs in first when
    /// auto-login is on and the session is missing or expired; on a 401 with auto-login, logs in again and
    /// resends once. Dropping the future cancels the call.
    pub async fn invoke(&self, call: Invocation) -> Result<Value, HError> {
        let body = call.body(self.inner.config.max_request_bytes)?;
        let timeout = call.timeout.unwrap_or(if call.is_sync() {
            self.inner.config.sync_timeout
        } else {
            self.inner.config.async_timeout
        });
        if timeout.is_zero() {
            return Err(HError::invalid_argument("time limit must be greater than zero"));
        }
        let response = self.authed_request(Method::Post, INVOKE_PATH, Some(body), timeout).await?;
        json_result(response)
    }

    /// `invokeFunction`, the deprecated name of [`Client::invoke`]; warns once per process.
    pub async fn invoke_function(&self, call: Invocation) -> Result<Value, HError> {
        if !INVOKE_FUNCTION_WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(target: crate::log::DEPRECATION_TARGET, "invokeFunction is deprecated; use invoke");
        }
        self.invoke(call).await
    }

    /// Password login (`/hserve/v2.1/login/{username|email|phone}/`).
    pub async fn login(&self, credentials: &Credentials) -> Result<LoginResult, HError> {
        let _single = self.inner.login_lock.lock().await;
        self.password_login(credentials, self.inner.config.auth_timeout).await
    }

    /// Registration (`/hserve/v2.1/register/{username|email|phone}/`); signs the new user in.
    pub async fn register(&self, credentials: &Credentials) -> Result<LoginResult, HError> {
        check_account(credentials)?;
        let _single = self.inner.login_lock.lock().await;
        let body = account_body(credentials);
        self.login_request(&paths::register(credentials.kind), Some(body), false, self.inner.config.auth_timeout).await
    }

    /// SMS login with a verification code (`/hserve/v2.1/login/sms/`).
    pub async fn login_with_sms(&self, phone: &str, code: &str, create_user: bool) -> Result<LoginResult, HError> {
        if phone.is_empty() || code.is_empty() {
            return Err(HError::invalid_argument("phone and verification code must be non-empty strings"));
        }
        let mut body = Map::new();
        body.insert("phone".into(), phone.into());
        body.insert("code".into(), code.into());
        body.insert("create_user".into(), create_user.into());
        let _single = self.inner.login_lock.lock().await;
        self.login_request(paths::SMS_LOGIN, Some(Value::Object(body)), false, self.inner.config.auth_timeout).await
    }

    /// Anonymous login: a temporary user.
    pub async fn anonymous_login(&self) -> Result<LoginResult, HError> {
        let _single = self.inner.login_lock.lock().await;
        self.login_request(paths::ANONYMOUS_LOGIN, Some(empty_object()), true, self.inner.config.auth_timeout).await
    }

    /// Silent login with the host's one-time login code (PROTOCOL.md §1.6 table). HError 611 on hosts
    /// without one (web, Node, native).
    pub async fn silent_login(&self, create_user: bool) -> Result<LoginResult, HError> {
        let _single = self.inner.login_lock.lock().await;
        self.silent(create_user, self.inner.config.auth_timeout).await
    }

    /// Logout: destroys the session on the server, then clears it locally.
    pub async fn logout(&self) -> Result<(), HError> {
        let _single = self.inner.login_lock.lock().await;
        let body = Some(b"{}".to_vec());
        let response = self.request(Method::Post, paths::LOGOUT, body, self.inner.config.auth_timeout).await?;
        if !is_success(response.status) {
            return Err(http_error(&response));
        }
        session::clear(self.inner.store.as_ref());
        Ok(())
    }

    /// `clearSession`: forgets the session locally (the official SDK's keys).
    pub fn clear_session(&self) {
        session::clear(self.inner.store.as_ref());
    }

    async fn password_login(&self, credentials: &Credentials, timeout: Duration) -> Result<LoginResult, HError> {
        check_account(credentials)?;
        let body = account_body(credentials);
        self.login_request(&paths::login(credentials.kind), Some(body), false, timeout).await
    }

    async fn silent(&self, create_user: bool, timeout: Duration) -> Result<LoginResult, HError> {
        let platform = self.inner.config.platform;
        if platform.silent_login_provider().is_none() {
            return Err(HError::unsupported(format!("silent login on {platform}")));
        }
        let code = self.inner.host.login_code().await?;
        let (path, body) = platform.silent_login_request(&code, create_user, self.inner.host.app_name().as_deref())?;
        self.login_request(&path, Some(body), false, timeout).await
    }

    /// Sends a login request and stores the session it answers with.
    async fn login_request(
        &self,
        path: &str,
        body: Option<Value>,
        anonymous: bool,
        timeout: Duration,
    ) -> Result<LoginResult, HError> {
        let bytes = match body {
            Some(body) => {
                Some(check_size(serde_json::to_vec(&body).unwrap_or_default(), self.inner.config.max_request_bytes)?)
            }
            None => None,
        };
        let response = self.request(Method::Post, path, bytes, timeout).await?;
        let request_id = response.request_id();
        let mut body = json_result(response)?;
        let answer = LoginAnswer::parse(&body).map_err(|e| e.with_request_id(request_id))?;
        let now = self.inner.clock.now_secs();
        session::save_login(self.inner.store.as_ref(), &answer, now, anonymous);
        if let Some(map) = body.as_object_mut() {
            map.remove("token");
        }
        Ok(LoginResult {
            user_id: answer.uid,
            is_anonymous: anonymous,
            expires_at: answer.expires_in.map(|e| now + e - session::EXPIRY_MARGIN_SECS),
            profile: body,
        })
    }

    /// Logs in the configured auto-login way. The caller holds the login lock.
    async fn auto_login_now(&self, timeout: Duration) -> Result<(), HError> {
        match &self.inner.config.auto_login {
            AutoLogin::Disabled => Ok(()),
            AutoLogin::Silent => self.silent(true, timeout).await.map(drop),
            AutoLogin::Anonymous => {
                self.login_request(paths::ANONYMOUS_LOGIN, Some(empty_object()), true, timeout).await.map(drop)
            }
            AutoLogin::Password(credentials) => self.password_login(credentials, timeout).await.map(drop),
        }
    }

    fn session_is_live(&self) -> bool {
        session::load(self.inner.store.as_ref()).is_some_and(|s| !s.is_expired(self.inner.clock.now_secs()))
    }

    /// Before a request with auto-login: logs in unless the session is live. N concurrent callers make one
    /// login: the first takes the lock, the rest find a live session once it is released.
    async fn ensure_session(&self, timeout: Duration) -> Result<(), HError> {
        if self.session_is_live() {
            return Ok(());
        }
        let _single = self.inner.login_lock.lock().await;
        if self.session_is_live() {
            return Ok(());
        }
        self.auto_login_now(timeout).await
    }

    /// After a 401 with auto-login: clears the session and logs in again, unless another caller already
    /// replaced the token that failed.
    async fn relogin_after_401(&self, failed_token: Option<&str>, timeout: Duration) -> Result<(), HError> {
        let _single = self.inner.login_lock.lock().await;
        let current = session::token(self.inner.store.as_ref());
        if current.is_some() && current.as_deref() != failed_token && self.session_is_live() {
            return Ok(());
        }
        session::clear(self.inner.store.as_ref());
        self.auto_login_now(timeout).await
    }

    /// A request under the session rules: auto-login first, and one resend after a 401.
    async fn authed_request(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<HttpResponse, HError> {
        let auto = self.inner.config.auto_login != AutoLogin::Disabled;
        if auto {
            self.ensure_session(timeout).await?;
        }
        let sent_token = session::token(self.inner.store.as_ref());
        let response = self.request(method, path, body.clone(), timeout).await?;
        if response.status != 401 || !auto {
            return Ok(response);
        }
        tracing::debug!(path, "401: logging in again and resending once");
        self.relogin_after_401(sent_token.as_deref(), timeout).await?;
        self.request(method, path, body, timeout).await
    }

    /// The official SDK's headers, in its order (PROTOCOL.md §1.2).
    fn headers(&self) -> Vec<(String, String)> {
        let config = &self.inner.config;
        let mut headers = Vec::with_capacity(6);
        if let Some(env) = &config.env {
            headers.push(("X-Hydrogen-Env-ID".to_owned(), env.clone()));
        }
        headers.push(("X-Hydrogen-Client-ID".to_owned(), config.client_id.clone()));
        headers.push(("X-Hydrogen-Client-Version".to_owned(), config.client_version.clone()));
        headers.push(("X-Hydrogen-Client-Platform".to_owned(), config.platform.header_value().to_owned()));
        headers.push(("X-Hydrogen-Client-SDK-Type".to_owned(), "file".to_owned()));
        if let Some(token) = session::token(self.inner.store.as_ref()) {
            headers.push(("Authorization".to_owned(), format!("Hydrogen-r1 {token}")));
        }
        headers
    }

    /// One exchange; a failed exchange becomes HError 600 when the host says it is offline, else 601.
    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<HttpResponse, HError> {
        let request = HttpRequest {
            method,
            url: self.inner.config.url(path),
            headers: self.headers(),
            body,
            timeout,
            max_response_bytes: self.inner.config.max_response_bytes,
        };
        match self.inner.transport.send(request).await {
            Ok(response) => Ok(response),
            Err(mut error) => {
                if error.kind != TransportErrorKind::BodyTooLarge
                    && error.kind != TransportErrorKind::Offline
                    && self.inner.host.is_offline().await
                {
                    error.kind = TransportErrorKind::Offline;
                }
                tracing::debug!(path, kind = ?error.kind, "request failed");
                Err(error.into_herror())
            }
        }
    }
}

fn check_account(credentials: &Credentials) -> Result<(), HError> {
    if credentials.account.is_empty() || credentials.password.is_empty() {
        return Err(HError::invalid_argument(format!(
            "{} and password must be non-empty strings",
            credentials.kind.as_str()
        )));
    }
    Ok(())
}

fn account_body(credentials: &Credentials) -> Value {
    let mut body = Map::new();
    body.insert(credentials.kind.as_str().into(), credentials.account.clone().into());
    body.insert("password".into(), credentials.password.clone().into());
    Value::Object(body)
}

/// The `{}` body the official SDK sends with requests that carry no data (anonymous login, logout).
fn empty_object() -> Value {
    Value::Object(Map::new())
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn http_error(response: &HttpResponse) -> HError {
    HError::from_http(response.status, &response.body, response.request_id())
}

/// A 2xx answer's JSON body, or the HError of a non-2xx answer or of a body that is not JSON.
fn json_result(response: HttpResponse) -> Result<Value, HError> {
    if !is_success(response.status) {
        return Err(http_error(&response));
    }
    serde_json::from_slice(&response.body).map_err(|e| {
        let preview: String = String::from_utf8_lossy(&response.body).chars().take(200).collect();
        HError::with_text(601, ErrorKind::InvalidResponse, "response body is not valid JSON")
            .with_details(serde_json::json!({ "cause": e.to_string(), "body": preview }))
            .with_status(response.status)
            .with_request_id(response.request_id())
    })
}

/// Helper for [`AccountKind`] users who have a map-style argument (`{username|email|phone, password}`).
impl Credentials {
    /// Credentials for a kind of account.
    pub fn new(kind: AccountKind, account: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials { kind, account: account.into(), password: password.into() }
    }

    /// Reads `{username|email|phone, password}` as the official `BaaS.auth.login` takes it; anything else is
    /// HError 605 naming the problem.
    pub fn from_json(value: &Value) -> Result<Self, HError> {
        let object = value
            .as_object()
            .ok_or_else(|| HError::invalid_argument("login expects an object {username|email|phone, password}"))?;
        let password = object
            .get("password")
            .and_then(Value::as_str)
            .ok_or_else(|| HError::invalid_argument("password must be a string"))?;
        for kind in [AccountKind::Username, AccountKind::Email, AccountKind::Phone] {
            if let Some(account) = object.get(kind.as_str()) {
                let account = account
                    .as_str()
                    .ok_or_else(|| HError::invalid_argument(format!("{} must be a string", kind.as_str())))?;
                return Ok(Credentials::new(kind, account, password));
            }
        }
        Err(HError::invalid_argument("login expects one of username, email or phone"))
    }
}
