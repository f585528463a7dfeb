//! Client configuration: `BaaS.init(clientID, {host, env, autoLogin})` plus what minicloud adds, checked once
//! by the rules every binding shares (non-empty client ID, an `http(s)://` host, the limits rule).

use std::fmt;
use std::time::Duration;

use super::error::HError;
use super::json::{self, Kind};
use super::limits;
use super::platform::Platform;

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
/// The `X-Hydrogen-Client-Version` minicloud sends: `v{crate version}`.
pub const CLIENT_VERSION: &str = concat!("v", env!("CARGO_PKG_VERSION"));

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

impl AutoLogin {
    /// Reads the `autoLogin` option as a JSON caller gives it (its JSON text): `false`/`null`/`"disabled"`,
    /// `true`/`"silent"`, `"anonymous"`, or `{username|email|phone, password}`. Anything else is HError 605
    /// naming the problem. The one parser of this option for every binding.
    pub fn from_json(text: &str) -> Result<Self, HError> {
        let value = json::parse(text).map_err(|_| HError::invalid_argument("autoLogin is not valid JSON"))?;
        match (value.kind(), value.as_bool(), value.as_str().as_deref()) {
            (Kind::Null, _, _) | (_, Some(false), _) | (_, _, Some("disabled")) => Ok(AutoLogin::Disabled),
            (_, Some(true), _) | (_, _, Some("silent")) => Ok(AutoLogin::Silent),
            (_, _, Some("anonymous")) => Ok(AutoLogin::Anonymous),
            (Kind::Object, _, _) => Credentials::from_json(text).map(AutoLogin::Password),
            (kind, _, _) => {
                let mut message = String::from(
                    "autoLogin must be false, true, 'silent', 'anonymous' or {username|email|phone, password}, got ",
                );
                match value.as_str() {
                    Some(other) => message.push_str(&json::string(&other)),
                    None => message.push_str(kind.described()),
                }
                Err(HError::invalid_argument(message))
            }
        }
    }
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

impl Credentials {
    /// Credentials for a kind of account.
    pub fn new(kind: AccountKind, account: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials { kind, account: account.into(), password: password.into() }
    }

    /// Reads `{username|email|phone, password}` (JSON text) as the official `BaaS.auth.login` takes it: a
    /// `phone` wins over an `email`, which wins over a `username`, as in the official SDK. Anything else is
    /// HError 605 naming the problem.
    pub fn from_json(text: &str) -> Result<Self, HError> {
        let object = json::parse(text)
            .ok()
            .filter(|v| v.kind() == Kind::Object)
            .ok_or_else(|| HError::invalid_argument("login expects an object {username|email|phone, password}"))?;
        let password = object
            .get("password")
            .and_then(|p| p.as_str())
            .ok_or_else(|| HError::invalid_argument("password must be a string"))?;
        for kind in [AccountKind::Phone, AccountKind::Email, AccountKind::Username] {
            let Some(account) = object.get(kind.as_str()).filter(|v| !v.is_null()) else { continue };
            let Some(account) = account.as_str() else {
                let mut message = String::from(kind.as_str());
                message.push_str(" must be a string");
                return Err(HError::invalid_argument(message));
            };
            if account.is_empty() && kind != AccountKind::Username {
                continue;
            }
            return Ok(Credentials::new(kind, account, password));
        }
        Err(HError::invalid_argument("login expects one of username, email or phone"))
    }

    /// Refuses an empty account or password (HError 605 naming them), before anything is sent.
    pub fn check(&self) -> Result<(), HError> {
        if self.account.is_empty() || self.password.is_empty() {
            let mut message = String::from(self.kind.as_str());
            message.push_str(" and password must be non-empty strings");
            return Err(HError::invalid_argument(message));
        }
        Ok(())
    }

    /// The login or register body: `{username|email|phone, password}`.
    pub fn body(&self) -> String {
        json::ObjectWriter::new().string(self.kind.as_str(), &self.account).string("password", &self.password).finish()
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
    /// Time limit of a sync invoke: the whole call, logins and the 401 resend included.
    pub sync_timeout: Duration,
    /// Time limit of an async invoke.
    pub async_timeout: Duration,
    /// Time limit of login and session calls.
    pub auth_timeout: Duration,
    /// Largest request body sent; a larger one is refused with HError 605 before anything is sent.
    pub max_request_bytes: usize,
    /// Largest response body read.
    pub max_response_bytes: usize,
    /// The `X-Hydrogen-Client-Version` value; defaults to [`CLIENT_VERSION`].
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
            client_version: CLIENT_VERSION.to_owned(),
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

    /// Checks the config: a non-empty client ID, an `http(s)://` host, and every limit by the limits rule
    /// (HError 605 naming the problem).
    pub fn validate(&self) -> Result<(), HError> {
        if self.client_id.is_empty() {
            return Err(HError::invalid_argument("clientID must be a non-empty string"));
        }
        if let Some(host) = &self.host {
            if !is_http_url(host) {
                let mut message = String::from("host must start with http:// or https://, got ");
                message.push_str(&json::string(host));
                return Err(HError::invalid_argument(message));
            }
        }
        limits::duration_ms("sync_timeout", self.sync_timeout)?;
        limits::duration_ms("async_timeout", self.async_timeout)?;
        limits::duration_ms("auth_timeout", self.auth_timeout)?;
        limits::size_limit_bytes("max_request_bytes", self.max_request_bytes)?;
        limits::size_limit_bytes("max_response_bytes", self.max_response_bytes)?;
        Ok(())
    }

    /// The base URL: `host`, else `https://{client_id}.myminapp.com`.
    pub fn base_url(&self) -> String {
        match &self.host {
            Some(host) => host.clone(),
            None => {
                let mut url = String::from("https://");
                url.push_str(&self.client_id);
                url.push_str(".myminapp.com");
                url
            }
        }
    }

    /// Joins a path to the base URL as the official SDK does (`host.replace(/\/$/, "") + "/" +
    /// path.replace(/^\//, "")`: one slash removed from each side, not every one); an absolute `http(s)://` URL
    /// is used as is.
    pub fn url(&self, path: &str) -> String {
        if is_http_url(path) {
            return path.to_owned();
        }
        let base = self.base_url();
        let mut url = String::from(base.strip_suffix('/').unwrap_or(&base));
        url.push('/');
        url.push_str(path.strip_prefix('/').unwrap_or(path));
        url
    }
}

/// Whether `text` is an absolute `http://` or `https://` URL.
pub fn is_http_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_login_is_parsed_from_the_json_option() {
        assert_eq!(AutoLogin::from_json("false").unwrap(), AutoLogin::Disabled);
        assert_eq!(AutoLogin::from_json("true").unwrap(), AutoLogin::Silent);
        assert_eq!(AutoLogin::from_json("\"anonymous\"").unwrap(), AutoLogin::Anonymous);
        let AutoLogin::Password(c) = AutoLogin::from_json(r#"{"email":"a@b.c","password":"p"}"#).unwrap() else {
            panic!("not a password login")
        };
        assert_eq!((c.kind, c.account.as_str()), (AccountKind::Email, "a@b.c"));
        let e = AutoLogin::from_json("\"sometimes\"").unwrap_err();
        assert_eq!(e.code(), 605);
        assert!(e.message().ends_with("got \"sometimes\""), "{}", e.message());
    }

    #[test]
    fn credentials_prefer_phone_then_email_then_username() {
        let c = Credentials::from_json(r#"{"username":"u","phone":"138","password":"p"}"#).unwrap();
        assert_eq!((c.kind, c.account.as_str()), (AccountKind::Phone, "138"));
        assert_eq!(
            Credentials::from_json(r#"{"username":"u"}"#).unwrap_err().message(),
            "605: password must be a string"
        );
        assert_eq!(c.body(), r#"{"phone":"138","password":"p"}"#);
    }

    #[test]
    fn urls_join_like_the_official_sdk() {
        let config = ClientConfig::new("app", Platform::Node).with_host("http://h.test/base/");
        assert_eq!(config.url("/hserve/x/"), "http://h.test/base/hserve/x/");
        assert_eq!(ClientConfig::new("app", Platform::Wx).url("p"), "https://app.myminapp.com/p");
    }

    #[test]
    fn urls_lose_one_slash_per_side_like_the_official_sdk() {
        let config = ClientConfig::new("app", Platform::Node).with_host("http://h.test/base//");
        assert_eq!(config.url("//hserve/x/"), "http://h.test/base///hserve/x/");
    }

    #[test]
    fn zero_limits_are_refused_by_name() {
        let mut config = ClientConfig::new("app", Platform::Node);
        config.sync_timeout = Duration::ZERO;
        assert!(config.validate().unwrap_err().message().contains("sync_timeout"));
    }
}
