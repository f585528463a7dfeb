//! Where the session lives: the [`SessionStore`] a host supplies, and the memory and file stores. The
//! session rules themselves (keys, expiry, what a login writes) are the machine's
//! ([`crate::machine::session`]); the driver applies its storage writes here in order.
//!
//! Values are stored under the official SDK's keys (`ifx_baas_auth_token`, ...) and in its value types, so
//! an app that replaces the official SDK keeps its user signed in.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value};

use crate::error::HError;

pub use crate::machine::session::{keys, Session, StoredSession, EXPIRY_MARGIN_SECS};

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

/// Everything `store` holds under the official keys, as the machine reads it.
pub(crate) fn read(store: &dyn SessionStore) -> StoredSession {
    let mut stored = StoredSession::new();
    for key in keys::ALL {
        if let Some(value) = store.get(key) {
            stored.insert(key, &value.to_string());
        }
    }
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

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
