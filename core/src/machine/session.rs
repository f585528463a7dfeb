//! The session rules (PROTOCOL.md §1.6): the official SDK's storage keys and value types, expiry, what a
//! login answer writes, what `clearSession` empties, and the current user built from it all.
//!
//! The machine holds the session. It is restored from the stored `ifx_baas_*` values (so an app moving from
//! the official SDK keeps its user signed in), and every change goes out as ordered [`Output::Store`] writes
//! for the driver to apply.

use std::fmt;

use super::error::HError;
use super::json::{self, Kind, Raw};
use super::step::Output;
use super::text::push_i64;

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

/// The longest session a login answer may claim (10 years); more, or a negative `expires_in`, is not a
/// session lifetime but a broken answer (HError 601 `invalid_response`).
pub const MAX_EXPIRES_IN_SECS: i64 = 10 * 365 * 24 * 3600;

/// Stored values as a driver read them: JSON text by `ifx_baas_*` key.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StoredSession {
    values: Vec<(String, String)>,
}

impl StoredSession {
    /// Nothing stored.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the stored value of `key` as JSON text (`"tok"`, `1700000000`, `{"id":1}`).
    pub fn with(mut self, key: &str, value_json: &str) -> Self {
        self.insert(key, value_json);
        self
    }

    /// Adds or replaces the stored value of `key`.
    pub fn insert(&mut self, key: &str, value_json: &str) {
        match self.values.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value_json.to_owned(),
            None => self.values.push((key.to_owned(), value_json.to_owned())),
        }
    }

    fn get(&self, key: &str) -> Option<Raw<'_>> {
        let text = self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())?;
        json::parse(text).ok()
    }
}

/// The stored session as a caller may see it. `Debug` never shows the token.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// The token.
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

/// The signed-in user, shaped like the official SDK's current-user object: `profile_json` is what its
/// `toJSON()` gives (the user's attributes: `id`, `openid`, `unionid`, `nickname`, `_anonymous`, ...), next
/// to the fields a program reads most. Logins resolve to it, built from the login answer (minicloud makes no
/// extra `GET /hserve/v2.5/user/info/{uid}/`); `getCurrentUser` builds it from that request, as the official
/// SDK does; a silent login with a live session builds it from the stored session.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentUser {
    /// The user id as JSON text (a number on 知晓云), when known.
    pub id_json: Option<String>,
    /// The user's openid on the host, when known.
    pub openid: Option<String>,
    /// The user's unionid, when known.
    pub unionid: Option<String>,
    /// Whether the user is an anonymous temporary user.
    pub is_anonymous: bool,
    /// When the session expires (epoch seconds, already 30 s early): the official `session_expires_at`.
    pub expires_at: Option<i64>,
    /// The user's attributes as a JSON object (the official `toJSON()`).
    pub profile_json: String,
}

/// The profile fields the official SDK copies onto its current-user object as own properties (besides every
/// field whose name starts with `_`, such as `_anonymous`): `USER_PROFILE_BUILD_IN_FIELDS` of `minapp-sdk`.
pub const PROFILE_FIELDS: [&str; 14] = [
    "id",
    "created_at",
    "created_by",
    "updated_at",
    "country",
    "nickname",
    "province",
    "city",
    "language",
    "openid",
    "unionid",
    "avatar",
    "is_authorized",
    "gender",
];

impl CurrentUser {
    /// The own properties of the JavaScript current-user object (the Node and wasm bindings), as JSON text.
    /// First the official object's (`minapp-sdk`'s `_initCurrentUser`): each profile field it copies onto the
    /// object ([`PROFILE_FIELDS`] and `_`-prefixed ones, in the profile's order), `user_id` and
    /// `session_expires_at`; then minicloud's, always present: `userId`, `openid`, `unionid` (`null` when
    /// unknown), `isAnonymous`, `expiresAt` and `profile` (what the object's `toJSON()` returns, as the
    /// official one returns its attributes). Bindings add the methods `toJSON()` and `get(key)`.
    pub fn js_object_json(&self) -> String {
        let profile = json::parse(&self.profile_json).ok().filter(|p| p.kind() == Kind::Object);
        let copied: Vec<(String, String)> = profile
            .map(|p| p.members())
            .unwrap_or_default()
            .into_iter()
            .filter(|(key, _)| key.starts_with('_') || PROFILE_FIELDS.contains(&key.as_str()))
            .map(|(key, value)| (key, value.text().to_owned()))
            .collect();
        let id = self.id_json.clone().unwrap_or_else(|| "null".to_owned());
        let expires_at = match self.expires_at {
            Some(at) => {
                let mut text = String::new();
                push_i64(&mut text, at);
                text
            }
            None => "null".to_owned(),
        };
        let optional = |text: &Option<String>| text.as_deref().map_or_else(|| "null".to_owned(), json::string);
        let profile_text = profile.map_or("{}", |p| p.text());
        let minicloud = [
            ("user_id", id.clone()),
            ("session_expires_at", expires_at.clone()),
            ("userId", id),
            ("openid", optional(&self.openid)),
            ("unionid", optional(&self.unionid)),
            ("isAnonymous", (if self.is_anonymous { "true" } else { "false" }).to_owned()),
            ("expiresAt", expires_at),
            ("profile", profile_text.to_owned()),
        ];
        let own: Vec<(&str, &str)> = copied
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(minicloud.iter().map(|(k, v)| (*k, v.as_str())))
            .collect();
        json::merge_object(None, &own)
    }
}

/// What the machine knows of the stored session.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SessionState {
    token: Option<String>,
    expires_at: Option<i64>,
    uid_json: Option<String>,
    openid: Option<String>,
    unionid: Option<String>,
    userinfo_json: Option<String>,
    anonymous: bool,
}

/// A stored number, as the official SDK may have stored it: a number, or text holding one. The text is read
/// as JSON, so `" 7200 "` and `"7.2e3"` count (as JavaScript's `Number()` reads them) and `"+7200"` does not.
fn stored_i64(raw: Raw<'_>) -> Option<i64> {
    raw.as_i64().or_else(|| raw.as_str().and_then(|text| json::parse(&text).ok()?.as_i64()))
}

/// A non-empty stored string.
fn stored_string(raw: Option<Raw<'_>>) -> Option<String> {
    raw.and_then(|r| r.as_str()).filter(|s| !s.is_empty())
}

/// A value that is neither `null` nor `""` (the official SDK's "empty"), as JSON text.
fn present(raw: Option<Raw<'_>>) -> Option<String> {
    raw.filter(|r| !r.is_null() && r.text() != "\"\"").map(|r| r.text().to_owned())
}

impl SessionState {
    /// The session held in `stored`.
    pub(crate) fn restore(stored: &StoredSession) -> Self {
        SessionState {
            token: stored_string(stored.get(keys::AUTH_TOKEN)),
            expires_at: stored.get(keys::SESSION_EXPIRES_AT).and_then(stored_i64),
            uid_json: present(stored.get(keys::UID)),
            openid: stored_string(stored.get(keys::OPENID)),
            unionid: stored_string(stored.get(keys::UNIONID)),
            userinfo_json: stored.get(keys::USERINFO).filter(|r| r.kind() == Kind::Object).map(|r| r.text().to_owned()),
            anonymous: stored.get(keys::IS_ANONYMOUS_USER).and_then(stored_i64) == Some(1),
        }
    }

    /// The token, sent even when expired (expiry is for the login logic only).
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// A token is stored and `now < session_expires_at`.
    pub(crate) fn is_live(&self, now_secs: i64) -> bool {
        self.token.is_some() && self.expires_at.is_some_and(|at| now_secs < at)
    }

    /// The caller's view, when a token is stored.
    pub(crate) fn view(&self) -> Option<Session> {
        Some(Session { token: self.token.clone()?, expires_at: self.expires_at, is_anonymous: self.anonymous })
    }

    /// The user id as JSON text, when stored.
    pub(crate) fn uid_json(&self) -> Option<&str> {
        self.uid_json.as_deref()
    }

    /// The session's expiry, when stored.
    pub(crate) fn expires_at(&self) -> Option<i64> {
        self.expires_at
    }

    /// The current user as the stored session describes it: the stored `userinfo` object with `id`, `openid`
    /// and `unionid` set from their own keys when known.
    pub(crate) fn current_user(&self) -> CurrentUser {
        let mut updates: Vec<(&str, String)> = Vec::new();
        if let Some(uid) = &self.uid_json {
            updates.push(("id", uid.clone()));
        }
        if let Some(openid) = &self.openid {
            updates.push(("openid", json::string(openid)));
        }
        if let Some(unionid) = &self.unionid {
            updates.push(("unionid", json::string(unionid)));
        }
        let updates: Vec<(&str, &str)> = updates.iter().map(|(k, v)| (*k, v.as_str())).collect();
        CurrentUser {
            id_json: self.uid_json.clone(),
            openid: self.openid.clone(),
            unionid: self.unionid.clone(),
            is_anonymous: self.anonymous,
            expires_at: self.expires_at,
            profile_json: json::merge_object(self.userinfo_json.as_deref(), &updates),
        }
    }

    /// `clearSession`: empties `auth_token`, `is_logined_baas`, `is_anonymous_user`, `userinfo` and `uid`,
    /// exactly the keys the official SDK empties.
    pub(crate) fn clear(&mut self, out: &mut Vec<Output>) {
        for key in [keys::AUTH_TOKEN, keys::IS_LOGINED_BAAS, keys::IS_ANONYMOUS_USER, keys::USERINFO, keys::UID] {
            out.push(Output::Store { key, value_json: "\"\"".to_owned() });
        }
        self.token = None;
        self.anonymous = false;
        self.userinfo_json = None;
        self.uid_json = None;
    }

    /// Stores a successful login as the official SDK's `handleLoginSuccess` does, in its order: `uid`,
    /// `openid` and `unionid` (the answer's own field, else its `user_info` field, else `""`), `auth_token`,
    /// `userinfo` (`{id, openid, unionid}` merged into the stored object, only when there is an openid),
    /// `session_expires_at = floor(now) + expires_in - 30` (saturating), and `is_anonymous_user` (1/0).
    /// Returns the current user the login resolves to.
    pub(crate) fn save_login(
        &mut self,
        answer: &LoginAnswer,
        now_secs: i64,
        anonymous: bool,
        out: &mut Vec<Output>,
    ) -> CurrentUser {
        let mut store = |key: &'static str, value_json: String| out.push(Output::Store { key, value_json });
        if let Some(uid) = &answer.uid_json {
            store(keys::UID, uid.clone());
        }
        store(keys::OPENID, answer.openid_json.clone().unwrap_or_else(|| "\"\"".to_owned()));
        store(keys::UNIONID, answer.unionid_json.clone().unwrap_or_else(|| "\"\"".to_owned()));
        store(keys::AUTH_TOKEN, json::string(&answer.token));
        if let Some(openid) = &answer.openid_json {
            let id = answer.uid_json.as_deref().unwrap_or("null");
            let unionid = answer.unionid_json.as_deref().unwrap_or("null");
            let info = json::merge_object(
                self.userinfo_json.as_deref(),
                &[("id", id), ("openid", openid), ("unionid", unionid)],
            );
            store(keys::USERINFO, info.clone());
            self.userinfo_json = Some(info);
        }
        let expires_at = answer.expires_in.map(|e| now_secs.saturating_add(e).saturating_sub(EXPIRY_MARGIN_SECS));
        if let Some(at) = expires_at {
            let mut text = String::new();
            push_i64(&mut text, at);
            store(keys::SESSION_EXPIRES_AT, text);
            self.expires_at = Some(at);
        }
        store(keys::IS_ANONYMOUS_USER, if anonymous { "1" } else { "0" }.to_owned());

        self.token = Some(answer.token.clone());
        self.uid_json = answer.uid_json.clone();
        self.openid = answer.openid_json.as_deref().and_then(|t| json::parse(t).ok()).and_then(|r| r.as_str());
        self.unionid = answer.unionid_json.as_deref().and_then(|t| json::parse(t).ok()).and_then(|r| r.as_str());
        self.anonymous = anonymous;

        let mut updates: Vec<(&str, &str)> = Vec::new();
        if let Some(uid) = &answer.uid_json {
            updates.push(("id", uid));
        }
        if let Some(openid) = &answer.openid_json {
            updates.push(("openid", openid));
        }
        if let Some(unionid) = &answer.unionid_json {
            updates.push(("unionid", unionid));
        }
        CurrentUser {
            id_json: answer.uid_json.clone(),
            openid: self.openid.clone(),
            unionid: self.unionid.clone(),
            is_anonymous: anonymous,
            expires_at,
            profile_json: json::merge_object(answer.user_info_json.as_deref(), &updates),
        }
    }
}

/// What a login answer tells the client (PROTOCOL.md §1.6). `Debug` never shows the token.
#[derive(Clone, PartialEq)]
pub(crate) struct LoginAnswer {
    token: String,
    expires_in: Option<i64>,
    uid_json: Option<String>,
    user_info_json: Option<String>,
    /// The answer's `openid` (else `user_info.openid`) when it is neither null nor `""`, as JSON text.
    openid_json: Option<String>,
    unionid_json: Option<String>,
}

impl fmt::Debug for LoginAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAnswer")
            .field("token", &crate::redact::REDACTED)
            .field("uid", &self.uid_json)
            .finish_non_exhaustive()
    }
}

impl LoginAnswer {
    /// Reads `{token, expires_in, user_id | user_info.id, user_info, openid, unionid}` from a 2xx login
    /// answer. A missing token, or an `expires_in` that is negative or over [`MAX_EXPIRES_IN_SECS`], is
    /// HError 601 (`invalid_response`) naming the problem.
    pub(crate) fn parse(body: Raw<'_>) -> Result<Self, HError> {
        let token = body
            .get_str("token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| HError::invalid_response("login answer has no token"))?;
        let expires_in = body.get("expires_in").and_then(stored_i64);
        if let Some(seconds) = expires_in {
            if !(0..=MAX_EXPIRES_IN_SECS).contains(&seconds) {
                let mut text = String::from("login answer has an absurd expires_in (");
                push_i64(&mut text, seconds);
                text.push_str(" s): a session lasts from 0 s to 10 years");
                return Err(HError::invalid_response(text));
            }
        }
        let user_info = body.get("user_info").filter(|v| v.kind() == Kind::Object);
        let from_info = |name: &str| user_info.and_then(|info| info.get(name));
        let uid_json = present(body.get("user_id")).or_else(|| present(from_info("id")));
        let openid_json = present(body.get("openid")).or_else(|| present(from_info("openid")));
        let unionid_json = present(body.get("unionid")).or_else(|| present(from_info("unionid")));
        Ok(LoginAnswer {
            token,
            expires_in,
            uid_json,
            user_info_json: user_info.map(|u| u.text().to_owned()),
            openid_json,
            unionid_json,
        })
    }
}

/// The current user from a `GET /hserve/v2.5/user/info/{uid}/` answer (`getCurrentUser`): the answer is the
/// profile, as in the official SDK's `_initCurrentUser`.
pub(crate) fn user_from_profile(profile: Raw<'_>, session: &SessionState) -> CurrentUser {
    CurrentUser {
        id_json: present(profile.get("id")).or_else(|| session.uid_json.clone()),
        openid: stored_string(profile.get("openid")),
        unionid: stored_string(profile.get("unionid")),
        is_anonymous: profile.get("_anonymous").and_then(|a| a.as_bool()).unwrap_or(session.anonymous),
        expires_at: session.expires_at,
        profile_json: profile.text().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stores(out: &[Output]) -> Vec<(&'static str, String)> {
        out.iter()
            .filter_map(|o| match o {
                Output::Store { key, value_json } => Some((*key, value_json.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn missing_expiry_counts_as_expired() {
        let s = Session { token: "t".into(), expires_at: None, is_anonymous: false };
        assert!(s.is_expired(0));
        let restored = SessionState::restore(&StoredSession::new().with(keys::AUTH_TOKEN, "\"t\""));
        assert!(!restored.is_live(0));
    }

    #[test]
    fn session_expires_at_the_stored_second() {
        let stored = StoredSession::new().with(keys::AUTH_TOKEN, "\"t\"").with(keys::SESSION_EXPIRES_AT, "100");
        let state = SessionState::restore(&stored);
        assert!(state.is_live(99));
        assert!(!state.is_live(100));
    }

    #[test]
    fn an_expiry_stored_as_text_is_read_as_a_json_number() {
        let expiry = |text: &str| {
            let stored = StoredSession::new().with(keys::SESSION_EXPIRES_AT, text);
            SessionState::restore(&stored).expires_at()
        };
        assert_eq!(expiry("\" 100 \""), Some(100));
        assert_eq!(expiry("\"1e2\""), Some(100));
        assert_eq!(expiry("\"+100\""), None);
        assert_eq!(expiry("\"soon\""), None);
    }

    #[test]
    fn debug_output_hides_the_token() {
        let s = Session { token: "supersecret".into(), expires_at: None, is_anonymous: false };
        assert!(!format!("{s:?}").contains("supersecret"));
    }

    #[test]
    fn login_writes_the_official_keys_in_the_official_order() {
        let body = json::parse(
            r#"{"token":"tok","expires_in":7200,"user_id":50,"user_info":{"id":50,"openid":"oid-微信","unionid":"u"}}"#,
        )
        .unwrap();
        let answer = LoginAnswer::parse(body).unwrap();
        let mut out = Vec::new();
        let mut state = SessionState::default();
        let user = state.save_login(&answer, 1_700_000_000, false, &mut out);
        assert_eq!(
            stores(&out),
            vec![
                (keys::UID, "50".to_owned()),
                (keys::OPENID, "\"oid-微信\"".to_owned()),
                (keys::UNIONID, "\"u\"".to_owned()),
                (keys::AUTH_TOKEN, "\"tok\"".to_owned()),
                (keys::USERINFO, r#"{"id":50,"openid":"oid-微信","unionid":"u"}"#.to_owned()),
                (keys::SESSION_EXPIRES_AT, "1700007170".to_owned()),
                (keys::IS_ANONYMOUS_USER, "0".to_owned()),
            ]
        );
        assert_eq!(user.openid.as_deref(), Some("oid-微信"));
        assert_eq!(user.profile_json, r#"{"id":50,"openid":"oid-微信","unionid":"u"}"#);
        assert!(state.is_live(1_700_000_000));
    }

    #[test]
    fn absurd_expires_in_is_an_invalid_answer_not_an_overflow() {
        for bad in ["-1", "315360001", "9223372036854775807", "1e300"] {
            let text = format!(r#"{{"token":"t","expires_in":{bad}}}"#);
            let error = LoginAnswer::parse(json::parse(&text).unwrap()).unwrap_err();
            assert_eq!((error.code(), error.kind().as_str()), (601, "invalid_response"), "{bad}");
        }
    }

    #[test]
    fn expiry_saturates_at_the_end_of_time() {
        let answer = LoginAnswer::parse(json::parse(r#"{"token":"t","expires_in":315360000}"#).unwrap()).unwrap();
        let mut state = SessionState::default();
        let user = state.save_login(&answer, i64::MAX - 5, false, &mut Vec::new());
        assert_eq!(user.expires_at, Some(i64::MAX - 30));
    }

    #[test]
    fn the_js_current_user_has_the_official_own_properties_then_minicloud_s() {
        let user = CurrentUser {
            id_json: Some("50".to_owned()),
            openid: Some("oid-微信".to_owned()),
            unionid: None,
            is_anonymous: false,
            expires_at: Some(1_700_007_170),
            profile_json: r#"{"id":50,"nickname":"小明 🚀","_anonymous":false,"score":3,"openid":"oid-微信"}"#
                .to_owned(),
        };
        assert_eq!(
            user.js_object_json(),
            concat!(
                r#"{"id":50,"nickname":"小明 🚀","_anonymous":false,"openid":"oid-微信","user_id":50,"#,
                r#""session_expires_at":1700007170,"userId":50,"unionid":null,"isAnonymous":false,"#,
                r#""expiresAt":1700007170,"profile":{"id":50,"nickname":"小明 🚀","_anonymous":false,"score":3,"#,
                r#""openid":"oid-微信"}}"#
            )
        );
    }

    #[test]
    fn clearing_empties_exactly_the_official_keys() {
        let mut out = Vec::new();
        SessionState::default().clear(&mut out);
        let keys: Vec<_> = stores(&out).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, [keys::AUTH_TOKEN, keys::IS_LOGINED_BAAS, keys::IS_ANONYMOUS_USER, keys::USERINFO, keys::UID]);
    }
}
