//! Users and session tokens, kept in memory and written through to the engine's database, so they
//! survive restarts.
//!
//! Decisions (the real 知晓云 server is not observable here):
//! - Tokens are 40 random hex characters; a token lives `session_expires_in` seconds.
//! - Only users who logged in through a platform (`silent-login`) have an `openid` /
//!   `unionid`; password, SMS and anonymous users have `null` there.
//! - Silent login maps `(provider, code)` to one stable user: the same code always
//!   yields the same user and openid.
//! - Passwords are stored as salted, iterated SHA-256 and never logged.

use crate::store::{Store, StoredSession};
use crate::util::{hex, now_s, random_hex};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// The caller of an invocation, as handed to functions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Caller {
    pub id: i64,
    pub openid: Option<String>,
    pub unionid: Option<String>,
    pub nickname: String,
    pub is_anonymous: bool,
}

impl Caller {
    /// `event.request.user`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "openid": self.openid,
            "unionid": self.unionid,
            "nickname": self.nickname,
            "avatar_url": "",
            "is_anonymous": self.is_anonymous,
        })
    }
}

/// A user (as stored: [`crate::store::UserRow`]).
pub(crate) use crate::store::UserRow as User;

impl User {
    pub(crate) fn caller(&self) -> Caller {
        Caller {
            id: self.id,
            openid: self.openid.clone(),
            unionid: self.unionid.clone(),
            nickname: self.nickname.clone(),
            is_anonymous: self.is_anonymous,
        }
    }

    /// The user's profile, as `user_info` in login answers and `GET /hserve/v2.5/user/info/{id}/`.
    pub(crate) fn profile(&self) -> Value {
        let mut provider = serde_json::Map::new();
        if let (Some(p), Some(o)) = (&self.provider, &self.openid) {
            provider.insert(p.clone(), json!({ "openid": o }));
        }
        json!({
            "id": self.id,
            "openid": self.openid,
            "unionid": self.unionid,
            "nickname": self.nickname,
            "avatar": "",
            "gender": 0,
            "is_authorized": self.provider.is_some(),
            "_anonymous": self.is_anonymous,
            "_username": self.username,
            "_email": self.email,
            "_phone": self.phone,
            "_email_verified": false,
            "_phone_verified": self.phone.is_some(),
            "_provider": provider,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        })
    }
}

/// Which identifier a password account uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ident {
    Username,
    Email,
    Phone,
}

impl Ident {
    pub(crate) fn parse(s: &str) -> Option<Ident> {
        match s {
            "username" => Some(Ident::Username),
            "email" => Some(Ident::Email),
            "phone" => Some(Ident::Phone),
            _ => None,
        }
    }
    pub(crate) fn field(self) -> &'static str {
        match self {
            Ident::Username => "username",
            Ident::Email => "email",
            Ident::Phone => "phone",
        }
    }
}

struct Session {
    user_id: i64,
    expires_at: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    Missing,
    Invalid,
    Expired,
}

impl TokenError {
    pub(crate) fn message(self) -> &'static str {
        match self {
            TokenError::Missing => "missing token",
            TokenError::Invalid => "invalid token",
            TokenError::Expired => "token expired",
        }
    }
}

/// Result of a failed account operation: (HTTP status, message).
pub(crate) type AccountError = (u16, String);

pub(crate) struct Sessions {
    users: HashMap<i64, User>,
    by_ident: HashMap<(u8, String), i64>,
    by_idp: HashMap<(String, String), i64>,
    tokens: HashMap<String, Session>,
    next_id: i64,
    expires_in: u64,
    store: Arc<Store>,
}

fn hash_password(salt: &str, password: &str) -> String {
    let mut digest = Sha256::digest(format!("{salt}:{password}").as_bytes());
    for _ in 0..1000 {
        let mut h = Sha256::new();
        h.update(salt.as_bytes());
        h.update(digest);
        digest = h.finalize();
    }
    hex(&digest)
}

fn ident_key(ident: Ident, value: &str) -> (u8, String) {
    let v = if ident == Ident::Email { value.to_ascii_lowercase() } else { value.to_string() };
    (ident as u8, v)
}

impl Sessions {
    /// The users and live sessions kept in `store`.
    pub(crate) fn load(expires_in: u64, store: Arc<Store>) -> rusqlite::Result<Self> {
        let mut sessions = Sessions {
            users: HashMap::new(),
            by_ident: HashMap::new(),
            by_idp: HashMap::new(),
            tokens: HashMap::new(),
            next_id: 1,
            expires_in,
            store: store.clone(),
        };
        for user in store.users()? {
            sessions.index(&user);
            sessions.next_id = sessions.next_id.max(user.id + 1);
            sessions.users.insert(user.id, user);
        }
        for s in store.live_sessions(now_s())? {
            sessions.tokens.insert(s.token, Session { user_id: s.user_id, expires_at: s.expires_at });
        }
        Ok(sessions)
    }

    fn index(&mut self, user: &User) {
        for (ident, value) in
            [(Ident::Username, &user.username), (Ident::Email, &user.email), (Ident::Phone, &user.phone)]
        {
            if let Some(v) = value {
                self.by_ident.insert(ident_key(ident, v), user.id);
            }
        }
        if let (Some(p), Some(c)) = (&user.provider, &user.idp_code) {
            self.by_idp.insert((p.clone(), c.clone()), user.id);
        }
    }

    /// Keeps a new user (in memory and in the database).
    fn add_user(&mut self, user: User) -> i64 {
        self.store.insert_user(&user);
        self.index(&user);
        let uid = user.id;
        self.users.insert(uid, user);
        uid
    }

    fn new_user(&mut self) -> User {
        let id = self.next_id;
        self.next_id += 1;
        User { id, nickname: format!("user{id}"), created_at: now_s(), ..User::default() }
    }

    /// Issues a token for `uid` and returns the login answer body.
    fn issue(&mut self, uid: i64) -> Value {
        let token = random_hex(20);
        let expires_at = now_s() + self.expires_in;
        self.store.insert_session(&StoredSession { token: token.clone(), user_id: uid, expires_at });
        self.tokens.insert(token.clone(), Session { user_id: uid, expires_at });
        let user = &self.users[&uid];
        json!({
            "token": token,
            "expires_in": self.expires_in,
            "user_id": uid,
            "openid": user.openid,
            "unionid": user.unionid,
            "user_info": user.profile(),
        })
    }

    pub(crate) fn register(&mut self, ident: Ident, value: &str, password: &str) -> Result<Value, AccountError> {
        let key = ident_key(ident, value);
        if self.by_ident.contains_key(&key) {
            return Err((400, format!("{} already exists", ident.field())));
        }
        let mut user = self.new_user();
        match ident {
            Ident::Username => user.username = Some(value.to_string()),
            Ident::Email => user.email = Some(value.to_string()),
            Ident::Phone => user.phone = Some(value.to_string()),
        }
        if ident == Ident::Username {
            user.nickname = value.to_string();
        }
        let salt = random_hex(16);
        user.password = Some((salt.clone(), hash_password(&salt, password)));
        let uid = self.add_user(user);
        Ok(self.issue(uid))
    }

    pub(crate) fn login(&mut self, ident: Ident, value: &str, password: &str) -> Result<Value, AccountError> {
        let bad = || (400, format!("invalid {} or password", ident.field()));
        let uid = *self.by_ident.get(&ident_key(ident, value)).ok_or_else(bad)?;
        let ok = match &self.users[&uid].password {
            Some((salt, hash)) => &hash_password(salt, password) == hash,
            None => false,
        };
        if !ok {
            return Err(bad());
        }
        Ok(self.issue(uid))
    }

    pub(crate) fn login_sms(&mut self, phone: &str, create_user: bool) -> Result<Value, AccountError> {
        let key = ident_key(Ident::Phone, phone);
        let uid = match self.by_ident.get(&key) {
            Some(uid) => *uid,
            None if create_user => {
                let mut user = self.new_user();
                user.phone = Some(phone.to_string());
                self.add_user(user)
            }
            None => return Err((404, "user not found (create_user is false)".to_string())),
        };
        Ok(self.issue(uid))
    }

    pub(crate) fn login_anonymous(&mut self) -> Value {
        let mut user = self.new_user();
        user.is_anonymous = true;
        user.nickname = format!("anonymous{}", user.id);
        let uid = self.add_user(user);
        self.issue(uid)
    }

    pub(crate) fn silent_login(
        &mut self,
        provider: &str,
        code: &str,
        create_user: bool,
    ) -> Result<Value, AccountError> {
        let key = (provider.to_string(), code.to_string());
        let uid = match self.by_idp.get(&key) {
            Some(uid) => *uid,
            None if create_user => {
                let digest = hex(&Sha256::digest(format!("{provider}:{code}").as_bytes()));
                let mut user = self.new_user();
                user.openid = Some(format!("o{}", &digest[..27]));
                user.unionid = Some(format!("u{}", &digest[32..59]));
                user.provider = Some(provider.to_string());
                user.idp_code = Some(code.to_string());
                self.add_user(user)
            }
            None => return Err((404, "user not found (create_user is false)".to_string())),
        };
        Ok(self.issue(uid))
    }

    /// Resolves an `Authorization` header value to the caller.
    pub(crate) fn authenticate(&self, header: Option<&str>) -> Result<Caller, TokenError> {
        let header = header.map(str::trim).filter(|h| !h.is_empty());
        let header = header.ok_or(TokenError::Missing)?;
        let token = crate::request::session_token(header).ok_or(TokenError::Invalid)?;
        let session = self.tokens.get(token).ok_or(TokenError::Invalid)?;
        if now_s() >= session.expires_at {
            return Err(TokenError::Expired);
        }
        let user = self.users.get(&session.user_id).ok_or(TokenError::Invalid)?;
        Ok(user.caller())
    }

    /// Revokes the token in the `Authorization` header; returns whether it was live.
    pub(crate) fn destroy(&mut self, header: Option<&str>) -> Result<(), TokenError> {
        self.authenticate(header)?;
        let token = header.and_then(|h| h.trim().strip_prefix("Hydrogen-r1 ")).map(str::trim).unwrap_or_default();
        self.tokens.remove(token);
        self.store.delete_session(token);
        Ok(())
    }

    /// Every user, by id, with the expiry times of their live sessions (for the dashboard: never the tokens).
    pub(crate) fn overview(&self) -> Vec<(&User, Vec<u64>)> {
        let now = now_s();
        let mut users: Vec<(&User, Vec<u64>)> = self.users.values().map(|u| (u, Vec::new())).collect();
        users.sort_by_key(|(u, _)| u.id);
        for s in self.tokens.values().filter(|s| s.expires_at > now) {
            if let Ok(i) = users.binary_search_by_key(&s.user_id, |(u, _)| u.id) {
                users[i].1.push(s.expires_at);
            }
        }
        users
    }

    pub(crate) fn user(&self, id: i64) -> Option<&User> {
        self.users.get(&id)
    }

    pub(crate) fn revoke_all(&mut self) {
        self.tokens.clear();
        self.store.delete_sessions();
    }

    pub(crate) fn expire_all(&mut self) {
        let now = now_s();
        for s in self.tokens.values_mut() {
            s.expires_at = s.expires_at.min(now);
        }
        self.store.expire_sessions(now);
    }
}
