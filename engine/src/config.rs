//! Engine configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The WeChat app secret an engine accepts unless given its own. It is public, so calls made with it
/// count as anonymous (`/tcb/invokecloudfunction` then needs [`EngineConfig::allow_anonymous`]).
pub const DEFAULT_WECHAT_SECRET: &str = "minicloud-local-secret";

/// The open-API client secret an engine accepts unless given its own (PROTOCOL.md §5.1). It is public, so an
/// engine listening beyond loopback refuses it.
pub const DEFAULT_CLIENT_SECRET: &str = "minicloud-local-secret";

/// Configuration of one engine instance.
///
/// Every field is public; the builder-style setters are a convenience:
///
/// ```
/// use minicloud_engine::EngineConfig;
/// let cfg = EngineConfig::new("functions").client_id("my-app").allow_anonymous(true);
/// assert_eq!(cfg.client_id, "my-app");
/// ```
#[derive(Clone)]
pub struct EngineConfig {
    /// Directory holding one sub-directory per function (`<dir>/<name>/index.js`).
    pub functions_dir: PathBuf,
    /// The client ID callers must send in `X-Hydrogen-Client-ID`. Default `"minicloud-local"`.
    pub client_id: String,
    /// Address to listen on. Default `127.0.0.1:0` (a free port).
    pub bind: SocketAddr,
    /// Whether anonymous users may invoke cloud functions. Default `false` (as 知晓云).
    pub allow_anonymous: bool,
    /// Bearer token of the management API (`/oserve/...`). `None` (default) disables it.
    pub admin_token: Option<String>,
    /// Lifetime of a session token, in seconds. Default 2592000 (30 days).
    pub session_expires_in: u64,
    /// The SMS verification code accepted by `/hserve/v2.1/login/sms/`. Default `"123456"`.
    pub sms_dev_code: String,
    /// Warm workers per function, which is also the per-function concurrency. Default 4.
    pub pool_size: usize,
    /// Time limit of a synchronous invocation. Default 5 s.
    pub sync_time_limit: Duration,
    /// Time limit of an asynchronous (`sync: false`) invocation. Default 300 s.
    pub async_time_limit: Duration,
    /// Largest accepted request body, in bytes. Default 6 MiB (6291456).
    pub max_body_bytes: usize,
    /// The Node executable. Default `"node"`, or the value of `MINICLOUD_NODE` when set.
    pub node: PathBuf,
    /// The WeChat app ID the WeChat HTTP API accepts (and functions see as `APPID`). Default `"wx-minicloud-local"`.
    pub wechat_app_id: String,
    /// The WeChat app secret the token endpoints accept. Default [`DEFAULT_WECHAT_SECRET`], which is public:
    /// with it, `/tcb/invokecloudfunction` follows the anonymous rule.
    pub wechat_app_secret: String,
    /// The cloud environment ID `invokecloudfunction` accepts (and functions see as `ENV`). Default `"minicloud-local"`.
    pub wechat_env: String,
    /// Lifetime of an access_token, in seconds. Default 7200.
    pub wechat_token_expires_in: u64,
    /// Whether the engine runs the timer triggers declared in functions' `config.json`. Default `true`.
    pub timer_triggers: bool,
    /// Where the engine keeps users, sessions, function settings, job records and the async queue (a SQLite
    /// database, [`crate::DATABASE_FILE`], created with the directory). `None` (the default for the
    /// library) keeps them in memory only, gone when the engine stops; `minicloud serve` uses
    /// `<functions_dir>/.minicloud` unless told otherwise.
    pub data_dir: Option<PathBuf>,
    /// Memory limit of a function's worker in MB (`memoryLimitInMB` in its `config.json` wins), shown to
    /// functions as `event.memoryLimitInMB`. Enforced by V8's heap limit and by a watchdog on the worker's
    /// resident memory. Default 256.
    pub memory_limit_mb: u64,
    /// How long a connection may take to send a request's headers, and how long an idle keep-alive
    /// connection is kept. Default 10 s.
    pub header_read_timeout: Duration,
    /// Most connections served at once; more wait to be accepted (an idle one is closed after
    /// [`EngineConfig::header_read_timeout`]). Default 4096 (lowered to fit the open-file
    /// limit).
    pub max_connections: usize,
    /// Start workers with the Node inspector on 127.0.0.1 (a free port each, logged and listed by
    /// [`crate::RunningEngine::inspectors`]), like `firebase emulators --inspect-functions`. Time limits
    /// still apply: raise them while stepping through code. Default `false`.
    pub inspect: bool,
    /// Keep one spare worker started ahead of need, so that a function's first call (and its first call
    /// after an edit) does not wait for Node to start. It costs one idle Node process. Default `true`;
    /// never with [`EngineConfig::inspect`].
    pub spare_worker: bool,
    /// The open-API client secret (PROTOCOL.md §5.1) the authorize and access-token steps accept for
    /// [`EngineConfig::client_id`]. Default [`DEFAULT_CLIENT_SECRET`], which is public: an engine listening
    /// beyond loopback refuses it (set your own).
    pub client_secret: String,
    /// How long an open-API access token lasts, in seconds. Default 7200.
    pub open_api_token_expires_in: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            functions_dir: PathBuf::from("functions"),
            client_id: "minicloud-local".to_string(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_anonymous: false,
            admin_token: None,
            session_expires_in: 2_592_000,
            sms_dev_code: "123456".to_string(),
            pool_size: 4,
            sync_time_limit: Duration::from_secs(5),
            async_time_limit: Duration::from_secs(300),
            max_body_bytes: 6 * 1024 * 1024,
            node: std::env::var_os("MINICLOUD_NODE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("node")),
            wechat_app_id: "wx-minicloud-local".to_string(),
            wechat_app_secret: DEFAULT_WECHAT_SECRET.to_string(),
            wechat_env: "minicloud-local".to_string(),
            wechat_token_expires_in: 7200,
            timer_triggers: true,
            data_dir: None,
            memory_limit_mb: 256,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            inspect: false,
            spare_worker: true,
            client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            open_api_token_expires_in: 7200,
        }
    }
}

impl EngineConfig {
    /// The default configuration serving functions from `functions_dir`.
    pub fn new(functions_dir: impl Into<PathBuf>) -> Self {
        EngineConfig { functions_dir: functions_dir.into(), ..Default::default() }
    }
    /// Sets [`EngineConfig::functions_dir`].
    pub fn functions_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.functions_dir = dir.into();
        self
    }
    /// Sets [`EngineConfig::client_id`].
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = id.into();
        self
    }
    /// Sets [`EngineConfig::bind`].
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }
    /// Sets [`EngineConfig::allow_anonymous`].
    pub fn allow_anonymous(mut self, allow: bool) -> Self {
        self.allow_anonymous = allow;
        self
    }
    /// Sets [`EngineConfig::admin_token`].
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }
    /// Sets [`EngineConfig::session_expires_in`] (seconds).
    pub fn session_expires_in(mut self, secs: u64) -> Self {
        self.session_expires_in = secs;
        self
    }
    /// Sets [`EngineConfig::sms_dev_code`].
    pub fn sms_dev_code(mut self, code: impl Into<String>) -> Self {
        self.sms_dev_code = code.into();
        self
    }
    /// Sets [`EngineConfig::pool_size`] (at least 1 is used).
    pub fn pool_size(mut self, n: usize) -> Self {
        self.pool_size = n;
        self
    }
    /// Sets [`EngineConfig::sync_time_limit`].
    pub fn sync_time_limit(mut self, d: Duration) -> Self {
        self.sync_time_limit = d;
        self
    }
    /// Sets [`EngineConfig::async_time_limit`].
    pub fn async_time_limit(mut self, d: Duration) -> Self {
        self.async_time_limit = d;
        self
    }
    /// Sets [`EngineConfig::max_body_bytes`].
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }
    /// Sets [`EngineConfig::node`].
    pub fn node(mut self, node: impl Into<PathBuf>) -> Self {
        self.node = node.into();
        self
    }

    /// Sets the WeChat app ID and secret the token endpoints accept.
    pub fn wechat_app(mut self, app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        self.wechat_app_id = app_id.into();
        self.wechat_app_secret = app_secret.into();
        self
    }

    /// Sets the cloud environment ID of the WeChat HTTP API.
    pub fn wechat_env(mut self, env: impl Into<String>) -> Self {
        self.wechat_env = env.into();
        self
    }

    /// Sets the access_token lifetime in seconds.
    pub fn wechat_token_expires_in(mut self, secs: u64) -> Self {
        self.wechat_token_expires_in = secs;
        self
    }

    /// Sets [`EngineConfig::data_dir`]: state is kept on disk in `dir`.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Sets [`EngineConfig::memory_limit_mb`].
    pub fn memory_limit_mb(mut self, mb: u64) -> Self {
        self.memory_limit_mb = mb;
        self
    }

    /// Sets [`EngineConfig::header_read_timeout`].
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Sets [`EngineConfig::max_connections`] (at least 1 is used).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Sets [`EngineConfig::inspect`].
    pub fn inspect(mut self, on: bool) -> Self {
        self.inspect = on;
        self
    }

    /// Sets [`EngineConfig::spare_worker`].
    pub fn spare_worker(mut self, on: bool) -> Self {
        self.spare_worker = on;
        self
    }

    /// Sets [`EngineConfig::client_secret`], the open-API client secret.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = secret.into();
        self
    }

    /// Sets [`EngineConfig::open_api_token_expires_in`] (seconds).
    pub fn open_api_token_expires_in(mut self, secs: u64) -> Self {
        self.open_api_token_expires_in = secs;
        self
    }

    /// Sets [`EngineConfig::timer_triggers`].
    pub fn timer_triggers(mut self, run: bool) -> Self {
        self.timer_triggers = run;
        self
    }
}

/// What a secret shows as in [`EngineConfig`]'s `Debug` text.
const REDACTED: &str = "[redacted]";

/// Every field but the secrets (admin token, WeChat app secret, open-API client secret), which show as
/// `[redacted]`.
impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("functions_dir", &self.functions_dir)
            .field("client_id", &self.client_id)
            .field("bind", &self.bind)
            .field("allow_anonymous", &self.allow_anonymous)
            .field("admin_token", &self.admin_token.as_ref().map(|_| REDACTED))
            .field("session_expires_in", &self.session_expires_in)
            .field("sms_dev_code", &self.sms_dev_code)
            .field("pool_size", &self.pool_size)
            .field("sync_time_limit", &self.sync_time_limit)
            .field("async_time_limit", &self.async_time_limit)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("node", &self.node)
            .field("wechat_app_id", &self.wechat_app_id)
            .field("wechat_app_secret", &REDACTED)
            .field("wechat_env", &self.wechat_env)
            .field("wechat_token_expires_in", &self.wechat_token_expires_in)
            .field("timer_triggers", &self.timer_triggers)
            .field("data_dir", &self.data_dir)
            .field("memory_limit_mb", &self.memory_limit_mb)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_connections", &self.max_connections)
            .field("inspect", &self.inspect)
            .field("spare_worker", &self.spare_worker)
            .field("client_secret", &REDACTED)
            .field("open_api_token_expires_in", &self.open_api_token_expires_in)
            .finish()
    }
}
