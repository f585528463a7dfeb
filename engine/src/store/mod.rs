//! Persistence on an embedded SQLite database (bundled, no server): users, sessions, open-API access tokens,
//! function settings, job records and the async queue.
//!
//! The database lives in the engine's data directory ([`crate::EngineConfig::data_dir`], file
//! `minicloud.sqlite3`, the directory `0700` and the file `0600`: it holds session tokens and password
//! hashes), or in memory when no directory is set. One engine at a time owns a data directory (an
//! exclusive lock on `engine.lock`). The journal is SQLite's WAL with `synchronous = NORMAL`: a committed
//! write survives the engine being killed (SIGKILL, a crash), though not a power cut of the machine.

mod accounts;
mod jobs;
mod open_api;

pub(crate) use accounts::{StoredSession, UserRow};
pub(crate) use jobs::{Detail, JobWrite};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "minicloud.sqlite3";
/// The lock file inside the data directory.
const LOCK_FILE: &str = "engine.lock";

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created or locked.
    #[error("data directory {path}: {reason}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// SQLite refused.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The schema, applied once per version (`PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT, email TEXT, phone TEXT,
    salt TEXT, hash TEXT,
    openid TEXT, unionid TEXT,
    nickname TEXT NOT NULL,
    is_anonymous INTEGER NOT NULL,
    provider TEXT, idp_code TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE function_settings (
    name TEXT PRIMARY KEY,
    remark TEXT NOT NULL
);
CREATE TABLE jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    function_name TEXT NOT NULL,
    status TEXT NOT NULL,
    sync INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    execution_time_ms INTEGER,
    mem_usage INTEGER,
    result TEXT,
    log TEXT NOT NULL DEFAULT '',
    input TEXT
);
CREATE INDEX jobs_by_function ON jobs (function_name, seq);
CREATE INDEX jobs_unfinished ON jobs (status) WHERE status IN ('waiting', 'executing');
"#,
    r#"
CREATE TABLE open_api_tokens (
    token TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
"#,
];

/// The engine's database.
pub(crate) struct Store {
    /// The writing connection (job records are written in batches by the job writer; accounts and
    /// settings directly).
    conn: Mutex<Connection>,
    /// A second connection for reads, on disk (WAL lets it read while the other writes).
    reader: Option<Mutex<Connection>>,
    /// Held until the engine stops: the exclusive lock on the data directory.
    lock: Mutex<Option<std::fs::File>>,
    /// Where the database lives (`None`: in memory).
    location: Option<PathBuf>,
}

impl Store {
    /// Opens (creating and migrating) the database in `data_dir`, or in memory when `None`.
    pub(crate) fn open(data_dir: Option<&Path>) -> Result<Store, StoreError> {
        let (conn, lock, location) = match data_dir {
            None => (Connection::open_in_memory()?, None, None),
            Some(dir) => {
                let lock = lock_data_dir(dir)?;
                let path = dir.join(DATABASE_FILE);
                create_private_file(&path).map_err(|e| data_dir_error(dir, e))?;
                (Connection::open(&path)?, Some(lock), Some(path))
            }
        };
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&conn)?;
        let reader = match &location {
            Some(path) => Some(Mutex::new(Connection::open(path)?)),
            None => None,
        };
        Ok(Store { conn: Mutex::new(conn), reader, lock: Mutex::new(lock), location })
    }

    /// The writing connection (one writer at a time; every statement is short).
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection to read with.
    pub(crate) fn read(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.lock().unwrap_or_else(|e| e.into_inner()),
            None => self.conn(),
        }
    }

    /// Lets another engine use the data directory (this one has stopped writing).
    pub(crate) fn release(&self) {
        self.lock.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// The database file, when on disk.
    pub(crate) fn location(&self) -> Option<&Path> {
        self.location.as_deref()
    }

    /// A remark per function.
    pub(crate) fn remarks(&self) -> rusqlite::Result<Vec<(String, String)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name, remark FROM function_settings")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Sets (or with `None` forgets) a function's remark.
    pub(crate) fn set_remark(&self, name: &str, remark: Option<&str>) {
        let conn = self.conn();
        let result = match remark {
            Some(r) => conn.execute(
                "INSERT INTO function_settings (name, remark) VALUES (?1, ?2)
                 ON CONFLICT(name) DO UPDATE SET remark = excluded.remark",
                (name, r),
            ),
            None => conn.execute("DELETE FROM function_settings WHERE name = ?1", [name]),
        };
        log_write_error("function settings", result);
    }
}

/// Logs a failed write (the engine keeps serving from memory).
pub(crate) fn log_write_error<T>(what: &str, result: rusqlite::Result<T>) {
    if let Err(e) = result {
        tracing::error!("cannot save {what} in the database: {e}");
    }
}

fn data_dir_error(dir: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::DataDir { path: dir.to_path_buf(), reason: e.to_string() }
}

/// Creates `dir` (0700) and takes the exclusive lock on it.
fn lock_data_dir(dir: &Path) -> Result<std::fs::File, StoreError> {
    use std::os::unix::fs::DirBuilderExt;
    use std::os::unix::io::AsRawFd;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| data_dir_error(dir, e))?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .map_err(|e| data_dir_error(dir, e))?;
    // SAFETY: flock(2) on a descriptor we own; it touches no memory.
    let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    if !locked {
        return Err(data_dir_error(dir, "another engine is using it (stop it, or pick another --data-dir)"));
    }
    Ok(lock)
}

/// Creates `path` readable by its owner only, if it does not exist.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new().create_new(true).write(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", i + 1))?;
    }
    Ok(())
}
