//! The open-API access tokens in the database (`open_api_tokens`), so a token a tool holds survives an
//! engine restart like a session does. The rules live in [`crate::open_api_tokens`].

use super::{log_write_error, Store};

impl Store {
    /// Every live open-API token with its expiry (epoch seconds); expired ones are dropped.
    pub(crate) fn open_api_tokens(&self, now: u64) -> rusqlite::Result<Vec<(String, u64)>> {
        let conn = self.conn();
        conn.execute("DELETE FROM open_api_tokens WHERE expires_at <= ?1", [now as i64])?;
        let mut stmt = conn.prepare("SELECT token, expires_at FROM open_api_tokens")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        rows.collect()
    }

    /// Keeps a token (or changes its expiry).
    pub(crate) fn save_open_api_token(&self, token: &str, expires_at: u64) {
        let result = self.conn().execute(
            "INSERT INTO open_api_tokens (token, expires_at) VALUES (?1, ?2)
             ON CONFLICT(token) DO UPDATE SET expires_at = excluded.expires_at",
            (token, expires_at as i64),
        );
        log_write_error("open-API token", result);
    }

    /// Makes every token expire at `now` (tests and the dev controls).
    pub(crate) fn expire_open_api_tokens(&self, now: u64) {
        let result = self.conn().execute("UPDATE open_api_tokens SET expires_at = ?1", [now as i64]);
        log_write_error("open-API tokens", result);
    }
}
