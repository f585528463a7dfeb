//! Users and session tokens in the database (`users`, `sessions`). The accounts logic itself lives in
//! [`crate::sessions`], which keeps them in memory too and writes every change through.

use super::{log_write_error, Store};
use rusqlite::Row;

/// A user as stored.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserRow {
    pub id: i64,
    pub username: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `(salt, hash)` of the password.
    pub password: Option<(String, String)>,
    pub openid: Option<String>,
    pub unionid: Option<String>,
    pub nickname: String,
    pub is_anonymous: bool,
    pub provider: Option<String>,
    /// The silent-login code that created the user (with `provider`: the same code finds it again).
    pub idp_code: Option<String>,
    pub created_at: u64,
}

/// A session token as stored.
#[derive(Debug, Clone)]
pub(crate) struct StoredSession {
    pub token: String,
    pub user_id: i64,
    pub expires_at: u64,
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    let salt: Option<String> = r.get("salt")?;
    let hash: Option<String> = r.get("hash")?;
    Ok(UserRow {
        id: r.get("id")?,
        username: r.get("username")?,
        email: r.get("email")?,
        phone: r.get("phone")?,
        password: salt.zip(hash),
        openid: r.get("openid")?,
        unionid: r.get("unionid")?,
        nickname: r.get("nickname")?,
        is_anonymous: r.get("is_anonymous")?,
        provider: r.get("provider")?,
        idp_code: r.get("idp_code")?,
        created_at: r.get("created_at")?,
    })
}

impl Store {
    /// Every user, by id.
    pub(crate) fn users(&self) -> rusqlite::Result<Vec<UserRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT * FROM users ORDER BY id")?;
        let rows = stmt.query_map([], user_row)?;
        rows.collect()
    }

    /// Sessions that have not expired at `now` (epoch seconds); expired ones are deleted.
    pub(crate) fn live_sessions(&self, now: u64) -> rusqlite::Result<Vec<StoredSession>> {
        let conn = self.conn();
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        let mut stmt = conn.prepare("SELECT token, user_id, expires_at FROM sessions")?;
        let rows =
            stmt.query_map([], |r| Ok(StoredSession { token: r.get(0)?, user_id: r.get(1)?, expires_at: r.get(2)? }))?;
        rows.collect()
    }

    /// Saves a new user.
    pub(crate) fn insert_user(&self, u: &UserRow) {
        let (salt, hash) = match &u.password {
            Some((s, h)) => (Some(s.as_str()), Some(h.as_str())),
            None => (None, None),
        };
        let result = self.conn().execute(
            "INSERT INTO users (id, username, email, phone, salt, hash, openid, unionid, nickname, is_anonymous,
                provider, idp_code, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![
                u.id,
                u.username,
                u.email,
                u.phone,
                salt,
                hash,
                u.openid,
                u.unionid,
                u.nickname,
                u.is_anonymous,
                u.provider,
                u.idp_code,
                u.created_at
            ],
        );
        log_write_error("a user", result);
    }

    /// Saves a new session.
    pub(crate) fn insert_session(&self, s: &StoredSession) {
        let result = self.conn().execute(
            "INSERT OR REPLACE INTO sessions (token, user_id, expires_at) VALUES (?1, ?2, ?3)",
            (&s.token, s.user_id, s.expires_at),
        );
        log_write_error("a session", result);
    }

    /// Forgets one session.
    pub(crate) fn delete_session(&self, token: &str) {
        log_write_error("a session", self.conn().execute("DELETE FROM sessions WHERE token = ?1", [token]));
    }

    /// Forgets every session.
    pub(crate) fn delete_sessions(&self) {
        log_write_error("sessions", self.conn().execute("DELETE FROM sessions", []));
    }

    /// Makes every session expire at `now` at the latest.
    pub(crate) fn expire_sessions(&self, now: u64) {
        let result = self.conn().execute("UPDATE sessions SET expires_at = MIN(expires_at, ?1)", [now]);
        log_write_error("sessions", result);
    }
}
