//! Sessions: where the login token lives, and the rules of PROTOCOL.md §1.6.
//!
//! Values are stored under the official SDK's keys (`ifx_baas_auth_token`, ...) and in its value types, so
//! an app that replaces the official SDK keeps its user signed in.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::error::{ErrorKind, HError};

/// The official SDK's storage keys, with their `ifx_baas_` prefix.
pub mod keys {
    /// The session token, sent as `Authorization: Hydrogen-r1 {token}`.
    pub const AUTH_TOKEN: &str = "ifx_baas_auth_token";
    /// When the session expires, epoch seconds (already 30 s early).
    pub const SESSION_EXPIRES_AT: &str = "ifx_baas_session_expires_at";
    /// The user id.
    pub const UID: &str = "ifx_baas_uid";
    /// The user's openid on the host.
    pub const OPENID: &str = "ifx_baas_openid";
    /// The user's unionid on the host.
    pub const UNIONID: &str = "ifx_baas_unionid";
    /// The user's profile.
    pub const USERINFO: &str = "ifx_baas_userinfo";
    /// Set once the user has logged in with a user profile.
    pub const IS_LOGINED_BAAS: &str = "ifx_baas_is_logined_baas";
    /// `1` for an anonymous (temporary) user, `0` otherwise.
    pub const IS_ANONYMOUS_USER: &str = "ifx_baas_is_anonymous_user";
    /// The Alipay user id (`my` only).
    pub const ALIPAY_USER_ID: &str = "ifx_baas_alipay_user_id";
    /// Every key, for stores that list or migrate them.
    pub const ALL: [&str; 9] = [
        AUTH_TOKEN,
        SESSION_EXPIRES_AT,
        UID,
        OPENID,
        UNIONID,
        USERINFO,
        IS_LOGINED_BAAS,
        IS_ANONYMOUS_USER,
        ALIPAY_USER_ID,
    ];
}

/// Seconds taken off `expires_in` so a session is renewed before the server drops it.
pub const EXPIRY_MARGIN_SECS: i64 = 30;

/// Key-value storage for the session, supplied by the host (`wx.setStorageSync`, `localStorage`, the
/// Keychain, a file, ...). Keys are the full `ifx_baas_*` names; values are JSON values as the official SDK
/// stores them. A store that cannot write should log and carry on: a lost write costs a login, nothing more.
pub trait SessionStore: crate::MaybeSend + crate::MaybeSync {
    /// The stored value, if any.
    fn get(&self, key: &str) -> Option<Value>;
    /// Stores a value.
    fn set(&self, key: &str, value: Value);
}

/// A session store in memory, for one process's lifetime.
#[derive(Default)]
pub struct MemoryStore {
    // serde_json's map rather than a BTreeMap: the client compiles it in anyway, so the default store adds
    // no second map implementation to the wasm build.
    values: Mutex<Map<String, Value>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding these values, e.g. a session copied from elsewhere.
    pub fn with_values(values: impl IntoIterator<Item = (String, Value)>) -> Self {
        MemoryStore { values: Mutex::new(values.into_iter().collect()) }
    }

    /// A copy of everything stored.
    pub fn snapshot(&self) -> BTreeMap<String, Value> {
        lock(&self.values).iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values = lock(&self.values);
        let mut keys: Vec<_> = values.keys().collect();
        keys.sort();
        f.debug_struct("MemoryStore").field("keys", &keys).finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SessionStore for MemoryStore {
    fn get(&self, key: &str) -> Option<Value> {
        lock(&self.values).get(key).cloned()
    }

    fn set(&self, key: &str, value: Value) {
        lock(&self.values).insert(key.to_owned(), value);
    }
}

/// A session store in a JSON file (`{"ifx_baas_auth_token": "...", ...}`), written through on every change
/// to a temporary file only its owner can read (0600 on Unix), then renamed over the store, so a crash never
/// leaves half a file and the token is never readable by other users.
pub struct FileStore {
    path: PathBuf,
    values: Mutex<BTreeMap<String, Value>>,
    /// Whether the last write failed: a failing file is reported once, not once per key of each login.
    failing: std::sync::atomic::AtomicBool,
}

impl FileStore {
    /// Opens (or starts) the store at `path`. A missing file is an empty store; a file that is not a JSON
    /// object is an error (605), so a wrong path is not silently overwritten.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, HError> {
        let path = path.as_ref().to_path_buf();
        let values = match std::fs::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => BTreeMap::new(),
            Ok(bytes) => serde_json::from_slice::<BTreeMap<String, Value>>(&bytes).map_err(|e| {
                HError::invalid_argument(format!("session file {} is not a JSON object: {e}", path.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => {
                return Err(HError::invalid_argument(format!("cannot read session file {}: {e}", path.display())))
            }
        };
        Ok(FileStore { path, values: Mutex::new(values), failing: Default::default() })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the whole store to a new file that only the owner can read (mode 0600 on Unix: it holds the token)
    /// in the same directory, flushes it to disk, then renames it over the store, so a reader or a crash sees
    /// the old file or the new one, never half a file, and the token is never readable by others.
    fn persist(&self, values: &BTreeMap<String, Value>) {
        let result = (|| -> std::io::Result<()> {
            let dir = match self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(dir) => {
                    std::fs::create_dir_all(dir)?;
                    dir
                }
                None => Path::new("."),
            };
            // tempfile creates the file with O_EXCL and mode 0600 on Unix.
            let mut file = tempfile::Builder::new().prefix(".minicloud-session-").suffix(".tmp").tempfile_in(dir)?;
            file.write_all(&serde_json::to_vec_pretty(values).unwrap_or_default())?;
            file.as_file().sync_all()?;
            file.persist(&self.path).map_err(|e| e.error)?;
            Ok(())
        })();
        let was_failing = self.failing.swap(result.is_err(), std::sync::atomic::Ordering::Relaxed);
        match result {
            Err(e) if !was_failing => {
                tracing::warn!(path = %self.path.display(), error = %e, "could not write the session file")
            }
            Ok(()) if was_failing => tracing::info!(path = %self.path.display(), "the session file is written again"),
            _ => {}
        }
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore").field("path", &self.path).finish_non_exhaustive()
    }
}

impl SessionStore for FileStore {
    fn get(&self, key: &str) -> Option<Value> {
        lock(&self.values).get(key).cloned()
    }

    fn set(&self, key: &str, value: Value) {
        let mut values = lock(&self.values);
        values.insert(key.to_owned(), value);
        self.persist(&values);
    }
}

/// The stored session, as the core reads it before each request.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The token (never printed by `Debug`).
    pub token: String,
    /// Expiry, epoch seconds; `None` counts as expired.
    pub expires_at: Option<i64>,
    /// Whether the user is an anonymous temporary user.
    pub is_anonymous: bool,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &crate::redact::REDACTED)
            .field("expires_at", &self.expires_at)
            .field("is_anonymous", &self.is_anonymous)
            .finish()
    }
}

impl Session {
    /// Expired means `now >= session_expires_at`; a missing expiry counts as expired.
    pub fn is_expired(&self, now_secs: i64) -> bool {
        self.expires_at.is_none_or(|at| now_secs >= at)
    }
}

fn non_empty_string(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads the stored session; `None` when no token is stored.
pub fn load(store: &dyn SessionStore) -> Option<Session> {
    let token = non_empty_string(store.get(keys::AUTH_TOKEN))?;
    Some(Session {
        token,
        expires_at: store.get(keys::SESSION_EXPIRES_AT).as_ref().and_then(as_i64),
        is_anonymous: store.get(keys::IS_ANONYMOUS_USER).as_ref().and_then(as_i64) == Some(1),
    })
}

/// The stored token, if any (sent even when expired: expiry is for the login logic only).
pub fn token(store: &dyn SessionStore) -> Option<String> {
    non_empty_string(store.get(keys::AUTH_TOKEN))
}

/// What a login answer tells us (PROTOCOL.md §1.6).
#[derive(Clone, PartialEq)]
pub struct LoginAnswer {
    /// The session token.
    pub token: String,
    /// Seconds the session lasts.
    pub expires_in: Option<i64>,
    /// The user id, as the server sent it (a number on 知晓云).
    pub uid: Option<Value>,
    /// The user's profile, when the answer carries one (`user_info`).
    pub user_info: Option<Value>,
    /// The answer's own top-level `openid`/`unionid`, which win over `user_info`'s.
    pub top_level: serde_json::Map<String, Value>,
}

impl fmt::Debug for LoginAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAnswer")
            .field("token", &crate::redact::REDACTED)
            .field("uid", &self.uid)
            .finish_non_exhaustive()
    }
}

impl LoginAnswer {
    /// Reads `{token, expires_in, user_id | user_info.id, user_info}`; a missing token is an invalid answer.
    pub fn parse(body: &Value) -> Result<Self, HError> {
        let token = body
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| HError::with_text(601, ErrorKind::InvalidResponse, "login answer has no token"))?;
        let user_info = body.get("user_info").filter(|v| v.is_object()).cloned();
        let uid = body
            .get("user_id")
            .filter(|v| !v.is_null())
            .or_else(|| user_info.as_ref().and_then(|u| u.get("id")).filter(|v| !v.is_null()))
            .cloned();
        let top_level =
            ["openid", "unionid"].into_iter().filter_map(|k| body.get(k).map(|v| (k.to_owned(), v.clone()))).collect();
        Ok(LoginAnswer {
            token: token.to_owned(),
            expires_in: body.get("expires_in").and_then(as_i64),
            uid,
            user_info,
            top_level,
        })
    }
}

/// Writes a successful login to the store as the official SDK does: `uid`, `auth_token`, `openid` and
/// `unionid` (the answer's top-level field, else its `user_info` field, else `""`), `userinfo`
/// (`{id, openid, unionid}` merged into the stored object, only when there is an openid),
/// `session_expires_at = floor(now) + expires_in - 30`, and `is_anonymous_user` (1/0).
pub fn save_login(store: &dyn SessionStore, answer: &LoginAnswer, now_secs: i64, anonymous: bool) {
    if let Some(uid) = &answer.uid {
        store.set(keys::UID, uid.clone());
    }
    store.set(keys::AUTH_TOKEN, Value::String(answer.token.clone()));
    let field = |name: &str| {
        answer
            .top_level
            .get(name)
            .filter(|v| !v.is_null())
            .or_else(|| answer.user_info.as_ref().and_then(|u| u.get(name)).filter(|v| !v.is_null()))
            .cloned()
    };
    let openid = field("openid");
    let unionid = field("unionid");
    store.set(keys::OPENID, openid.clone().unwrap_or_else(|| Value::String(String::new())));
    store.set(keys::UNIONID, unionid.clone().unwrap_or_else(|| Value::String(String::new())));
    if let Some(openid) = openid.filter(|v| v.as_str() != Some("")) {
        let mut info = match store.get(keys::USERINFO) {
            Some(Value::Object(existing)) => existing,
            _ => serde_json::Map::new(),
        };
        info.insert("id".into(), answer.uid.clone().unwrap_or(Value::Null));
        info.insert("openid".into(), openid);
        info.insert("unionid".into(), unionid.unwrap_or(Value::Null));
        store.set(keys::USERINFO, Value::Object(info));
    }
    if let Some(expires_in) = answer.expires_in {
        store.set(keys::SESSION_EXPIRES_AT, Value::from(now_secs + expires_in - EXPIRY_MARGIN_SECS));
    }
    store.set(keys::IS_ANONYMOUS_USER, Value::from(if anonymous { 1 } else { 0 }));
}

/// `clearSession`: empties `auth_token`, `is_logined_baas`, `is_anonymous_user`, `userinfo` and `uid`,
/// exactly the keys the official SDK empties.
pub fn clear(store: &dyn SessionStore) {
    for key in [keys::AUTH_TOKEN, keys::IS_LOGINED_BAAS, keys::IS_ANONYMOUS_USER, keys::USERINFO, keys::UID] {
        store.set(key, Value::String(String::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_expiry_counts_as_expired() {
        let s = Session { token: "t".into(), expires_at: None, is_anonymous: false };
        assert!(s.is_expired(0));
    }

    #[test]
    fn session_expires_at_the_stored_second() {
        let s = Session { token: "t".into(), expires_at: Some(100), is_anonymous: false };
        assert!(!s.is_expired(99));
        assert!(s.is_expired(100));
    }

    #[test]
    fn debug_output_hides_the_token() {
        let s = Session { token: "supersecret".into(), expires_at: None, is_anonymous: false };
        assert!(!format!("{s:?}").contains("supersecret"));
    }

    #[test]
    fn memory_store_replaces_values_and_snapshots_them_by_key() {
        let store = MemoryStore::new();
        store.set("b", Value::from(1));
        store.set("a", Value::from("x"));
        store.set("b", Value::from(2));
        assert_eq!(store.get("b"), Some(Value::from(2)));
        assert_eq!(store.get("missing"), None);
        let snapshot: Vec<_> = store.snapshot().into_iter().collect();
        assert_eq!(snapshot, vec![("a".to_owned(), Value::from("x")), ("b".to_owned(), Value::from(2))]);
        assert_eq!(format!("{store:?}"), r#"MemoryStore { keys: ["a", "b"] }"#);
    }

    #[test]
    fn file_store_survives_reopening() {
        let dir = std::env::temp_dir().join(format!("minicloud-filestore-{}", std::process::id()));
        let path = dir.join("session.json");
        let _ = std::fs::remove_file(&path);
        FileStore::open(&path).unwrap().set(keys::AUTH_TOKEN, "tok".into());
        assert_eq!(FileStore::open(&path).unwrap().get(keys::AUTH_TOKEN), Some(Value::from("tok")));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn file_store_writes_the_session_file_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("会话 🔑").join("session.json");
        FileStore::open(&path).unwrap().set(keys::AUTH_TOKEN, "令牌-tok".into());
        assert_eq!(mode(&path), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn file_store_replaces_a_world_readable_session_file_with_a_private_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.json");
        std::fs::write(&path, r#"{"ifx_baas_uid": 7}"#).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = FileStore::open(&path).unwrap();
        store.set(keys::AUTH_TOKEN, "tok".into());
        assert_eq!(mode(&path), 0o600);
        assert_eq!(FileStore::open(&path).unwrap().get(keys::UID), Some(Value::from(7)));
    }

    #[test]
    fn file_store_leaves_no_temporary_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.json");
        let store = FileStore::open(&path).unwrap();
        store.set(keys::AUTH_TOKEN, "tok".into());
        store.set(keys::UID, Value::from(7));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("session.json")]);
    }

    #[test]
    fn file_store_refuses_a_file_that_is_not_an_object() {
        let path = std::env::temp_dir().join(format!("minicloud-badstore-{}.json", std::process::id()));
        std::fs::write(&path, "[1,2]").unwrap();
        let err = FileStore::open(&path).unwrap_err();
        assert_eq!(err.code(), 605);
        let _ = std::fs::remove_file(path);
    }
}
