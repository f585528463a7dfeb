//! Client configuration: `BaaS.init(clientID, {host, env, autoLogin})` plus what minicloud adds.

use std::fmt;
use std::time::Duration;

use crate::error::HError;
use crate::platform::Platform;

/// Default time limit of a sync call: the server's 5 s plus 1 s for the network.
pub const DEFAULT_SYNC_TIMEOUT: Duration = Duration::from_secs(6);
/// Default time limit of an async call (which answers at once; the server's limit for the job is 300 s).
pub const DEFAULT_ASYNC_TIMEOUT: Duration = Duration::from_secs(305);
/// Default time limit of login and other session requests.
pub const DEFAULT_AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request body sent by default: 6 MiB, the common serverless cap on a sync request.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
/// Largest response body read by default: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// How a call logs in by itself when the session is missing or expired, and after a 401.
#[derive(Clone, Default, PartialEq)]
pub enum AutoLogin {
    /// Never: a 401 goes to the caller and the session is left as is (the official `autoLogin: false`).
    #[default]
    Disabled,
    /// The host's silent login with a one-time login code (the official `autoLogin: true` on mini-program hosts).
    Silent,
    /// An anonymous temporary user.
    Anonymous,
    /// Username/email/phone and password, kept in memory only (never printed).
    Password(Credentials),
}

impl fmt::Debug for AutoLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AutoLogin::Disabled => f.write_str("Disabled"),
            AutoLogin::Silent => f.write_str("Silent"),
            AutoLogin::Anonymous => f.write_str("Anonymous"),
            AutoLogin::Password(c) => f.debug_tuple("Password").field(c).finish(),
        }
    }
}

/// Which account a password login names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// `username`
    Username,
    /// `email`
    Email,
    /// `phone`
    Phone,
}

impl AccountKind {
    /// The body key and path segment (`username`, `email`, `phone`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Username => "username",
            AccountKind::Email => "email",
            AccountKind::Phone => "phone",
        }
    }
}

/// An account and its password. `Debug` never shows the password.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    /// Which kind of account.
    pub kind: AccountKind,
    /// The username, email or phone number.
    pub account: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("kind", &self.kind)
            .field("account", &self.account)
            .field("password", &crate::redact::REDACTED)
            .finish()
    }
}

/// Everything a client needs to know before its first call.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// The 知晓云 client ID (`X-Hydrogen-Client-ID`).
    pub client_id: String,
    /// The API base URL; `None` means `https://{client_id}.myminapp.com`.
    pub host: Option<String>,
    /// The environment ID (`X-Hydrogen-Env-ID`), if any.
    pub env: Option<String>,
    /// The host platform (`X-Hydrogen-Client-Platform`, silent-login rules).
    pub platform: Platform,
    /// How calls log in by themselves.
    pub auto_login: AutoLogin,
    /// Time limit of a sync invoke.
    pub sync_timeout: Duration,
    /// Time limit of an async invoke.
    pub async_timeout: Duration,
    /// Time limit of login and session requests.
    pub auth_timeout: Duration,
    /// Largest request body sent; a larger one is refused with HError 605 before anything is sent.
    pub max_request_bytes: usize,
    /// Largest response body read.
    pub max_response_bytes: usize,
    /// The `X-Hydrogen-Client-Version` value; defaults to `v{minicloud version}`.
    pub client_version: String,
}

impl ClientConfig {
    /// A config with the official SDK's defaults for this client ID and platform.
    pub fn new(client_id: impl Into<String>, platform: Platform) -> Self {
        ClientConfig {
            client_id: client_id.into(),
            host: None,
            env: None,
            platform,
            auto_login: AutoLogin::Disabled,
            sync_timeout: DEFAULT_SYNC_TIMEOUT,
            async_timeout: DEFAULT_ASYNC_TIMEOUT,
            auth_timeout: DEFAULT_AUTH_TIMEOUT,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            client_version: format!("v{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Sets the API base URL.
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets the environment ID.
    pub fn with_env(mut self, env: impl Into<String>) -> Self {
        self.env = Some(env.into());
        self
    }

    /// Sets how calls log in by themselves.
    pub fn with_auto_login(mut self, auto_login: AutoLogin) -> Self {
        self.auto_login = auto_login;
        self
    }

    /// Checks the config: a non-empty client ID (605), an `http(s)://` host (605), non-zero limits (605).
    pub fn validate(&self) -> Result<(), HError> {
        if self.client_id.is_empty() {
            return Err(HError::invalid_argument("clientID must be a non-empty string"));
        }
        if let Some(host) = &self.host {
            if !(host.starts_with("http://") || host.starts_with("https://")) {
                return Err(HError::invalid_argument(format!(
                    "host must start with http:// or https://, got {host:?}"
                )));
            }
        }
        if self.sync_timeout.is_zero() || self.async_timeout.is_zero() || self.auth_timeout.is_zero() {
            return Err(HError::invalid_argument("time limits must be greater than zero"));
        }
        if self.max_request_bytes == 0 || self.max_response_bytes == 0 {
            return Err(HError::invalid_argument("size limits must be greater than zero"));
        }
        Ok(())
    }

    /// The base URL: `host`, else `https://{client_id}.myminapp.com`.
    pub fn base_url(&self) -> String {
        self.host.clone().unwrap_or_else(|| format!("https://{}.myminapp.com", self.client_id))
    }

    /// Joins a path to the base URL as the official SDK does: `base.trimEnd('/') + '/' + path.trimStart('/')`;
    /// an absolute `http(s)://` URL is used as is.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            return path.to_owned();
        }
        let base = self.base_url();
        let base = base.strip_suffix('/').unwrap_or(&base);
        format!("{}/{}", base, path.strip_prefix('/').unwrap_or(path))
    }
}
