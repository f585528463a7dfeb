//! The open-API credentials the engine hands out (PROTOCOL.md §5.1): authorize grants (the two-redirect
//! dance, bound to a cookie), one-time codes, and expiring `Bearer` access tokens kept in the database. The
//! routes that use them are in `http::open_api`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::store::Store;
use crate::util::{now_s, random_hex};

/// How long an authorize grant may take to be followed to its code.
const GRANT_SECS: u64 = 60;
/// How long a code may wait to be exchanged.
pub(crate) const CODE_SECS: u64 = 600;

/// An authorize step in progress: the cookie it set, and how far it got.
struct Grant {
    cookie: String,
    confirmed: bool,
    expires_at: u64,
}

/// Where an authorize grant stands after a redirect was followed.
pub(crate) enum GrantStep {
    /// The cookie matched: go on.
    Next,
    /// No such grant (unknown, expired or already used).
    Unknown,
    /// The grant exists but the request lost its cookie.
    CookieLost,
}

/// Grants, codes and tokens.
pub(crate) struct OpenApiTokens {
    store: Arc<Store>,
    grants: Mutex<HashMap<String, Grant>>,
    codes: Mutex<HashMap<String, u64>>,
    /// token → expiry (epoch seconds).
    tokens: Mutex<HashMap<String, u64>>,
    /// Access tokens handed out.
    pub(crate) fetches: AtomicU64,
}

/// Whether a presented token may be used.
pub(crate) enum OpenApiTokenStatus {
    Live,
    Expired,
    Invalid,
}

impl OpenApiTokens {
    /// The tokens kept in `store`.
    pub(crate) fn load(store: Arc<Store>) -> rusqlite::Result<Self> {
        let tokens = store.open_api_tokens(now_s())?.into_iter().collect();
        Ok(OpenApiTokens {
            store,
            grants: Mutex::default(),
            codes: Mutex::default(),
            tokens: Mutex::new(tokens),
            fetches: AtomicU64::new(0),
        })
    }

    /// Starts a grant; returns its id and the cookie value it must come back with.
    pub(crate) fn start_grant(&self) -> (String, String) {
        let (id, cookie) = (random_hex(16), random_hex(16));
        let now = now_s();
        let mut grants = self.grants.lock().unwrap();
        grants.retain(|_, g| g.expires_at > now);
        grants.insert(id.clone(), Grant { cookie: cookie.clone(), confirmed: false, expires_at: now + GRANT_SECS });
        (id, cookie)
    }

    /// The first redirect was followed with `cookie`.
    pub(crate) fn confirm(&self, id: &str, cookie: Option<&str>) -> GrantStep {
        let mut grants = self.grants.lock().unwrap();
        match grants.get_mut(id).filter(|g| g.expires_at > now_s()) {
            None => GrantStep::Unknown,
            Some(g) if Some(g.cookie.as_str()) != cookie => GrantStep::CookieLost,
            Some(g) => {
                g.confirmed = true;
                GrantStep::Next
            }
        }
    }

    /// The second redirect was followed with `cookie`: the grant ends with a one-time code.
    pub(crate) fn code(&self, id: &str, cookie: Option<&str>, confirmed: bool) -> Result<String, GrantStep> {
        let mut grants = self.grants.lock().unwrap();
        match grants.get(id).filter(|g| g.expires_at > now_s()) {
            None => return Err(GrantStep::Unknown),
            Some(g) if Some(g.cookie.as_str()) != cookie || !g.confirmed || !confirmed => {
                return Err(GrantStep::CookieLost)
            }
            Some(_) => {}
        }
        grants.remove(id);
        let code = random_hex(16);
        let now = now_s();
        let mut codes = self.codes.lock().unwrap();
        codes.retain(|_, exp| *exp > now);
        codes.insert(code.clone(), now + CODE_SECS);
        Ok(code)
    }

    /// Uses up `code`; false when it is unknown, used or expired.
    pub(crate) fn redeem(&self, code: &str) -> bool {
        self.codes.lock().unwrap().remove(code).is_some_and(|exp| exp > now_s())
    }

    /// A new access token lasting `expires_in` seconds.
    pub(crate) fn issue(&self, expires_in: u64) -> String {
        let token = random_hex(20);
        let expires_at = now_s() + expires_in;
        self.tokens.lock().unwrap().insert(token.clone(), expires_at);
        self.store.save_open_api_token(&token, expires_at);
        self.fetches.fetch_add(1, Ordering::SeqCst);
        token
    }

    /// Whether `token` is live.
    pub(crate) fn status(&self, token: &str) -> OpenApiTokenStatus {
        match self.tokens.lock().unwrap().get(token) {
            None => OpenApiTokenStatus::Invalid,
            Some(exp) if *exp <= now_s() => OpenApiTokenStatus::Expired,
            Some(_) => OpenApiTokenStatus::Live,
        }
    }

    /// Makes every token expired.
    pub(crate) fn expire_all(&self) {
        let now = now_s();
        for exp in self.tokens.lock().unwrap().values_mut() {
            *exp = now;
        }
        self.store.expire_open_api_tokens(now);
    }
}
