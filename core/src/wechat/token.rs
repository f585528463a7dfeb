//! access_token management (PROTOCOL.md §2.1): cached, refreshed ahead of expiry, one fetch shared by
//! concurrent callers, a fresh token after the business API says the old one is invalid.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value};

use super::error::{WeChatError, WeChatErrorKind};
use crate::clock::Clock;
use crate::transport::{HttpRequest, Method, Transport};
use crate::BoxFuture;

/// How tokens are fetched from WeChat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenMode {
    /// `POST /cgi-bin/stable_token` (preferred): independent of other token users of the same app.
    #[default]
    Stable,
    /// `GET /cgi-bin/token`: each fetch invalidates the previous token after a 5-minute overlap.
    Classic,
}

/// An access_token and how long it lasts. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token.
    pub value: String,
    /// Seconds it lasts from when it was fetched.
    pub expires_in: i64,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &crate::redact::REDACTED)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Where tokens come from: WeChat's token endpoint ([`TokenEndpoint`]), or an app's own central token service.
pub trait TokenSource: crate::MaybeSend + crate::MaybeSync {
    /// Fetches a token. `force_refresh` asks for a new token even if the current one has not expired (sent when
    /// WeChat has said the current one is invalid).
    fn fetch_token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, WeChatError>>;
}

/// WeChat's own token endpoint, stable or classic.
pub struct TokenEndpoint {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) base_url: String,
    pub(crate) app_id: String,
    pub(crate) app_secret: String,
    pub(crate) mode: TokenMode,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field("app_secret", &crate::redact::REDACTED)
            .field("mode", &self.mode)
            .finish()
    }
}

impl TokenEndpoint {
    async fn fetch(&self, force_refresh: bool) -> Result<AccessToken, WeChatError> {
        let base = self.base_url.trim_end_matches('/');
        let request = match self.mode {
            TokenMode::Stable => {
                let mut body = Map::new();
                body.insert("grant_type".into(), "client_credential".into());
                body.insert("appid".into(), self.app_id.clone().into());
                body.insert("secret".into(), self.app_secret.clone().into());
                body.insert("force_refresh".into(), force_refresh.into());
                HttpRequest {
                    method: Method::Post,
                    url: format!("{base}/cgi-bin/stable_token"),
                    headers: Vec::new(),
                    body: Some(serde_json::to_vec(&body).unwrap_or_default()),
                    timeout: self.timeout,
                    max_response_bytes: 64 * 1024,
                }
            }
            TokenMode::Classic => {
                let query = super::query(&[
                    ("grant_type", "client_credential"),
                    ("appid", &self.app_id),
                    ("secret", &self.app_secret),
                ]);
                HttpRequest {
                    method: Method::Get,
                    url: format!("{base}/cgi-bin/token?{query}"),
                    headers: Vec::new(),
                    body: None,
                    timeout: self.timeout,
                    max_response_bytes: 64 * 1024,
                }
            }
        };
        let response = self.transport.send(request).await?;
        let body: Value = serde_json::from_slice(&response.body).map_err(|_| {
            WeChatError::local(
                WeChatErrorKind::InvalidResponse,
                format!("token endpoint answered HTTP {} with a body that is not JSON", response.status),
            )
        })?;
        if let Some(errcode) = body.get("errcode").and_then(Value::as_i64).filter(|c| *c != 0) {
            let errmsg = body.get("errmsg").and_then(Value::as_str).unwrap_or("");
            return Err(WeChatError::from_token_errcode(errcode, errmsg));
        }
        let value = body.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty());
        match value {
            Some(value) => Ok(AccessToken {
                value: value.to_owned(),
                expires_in: body.get("expires_in").and_then(Value::as_i64).unwrap_or(7200),
            }),
            None => Err(WeChatError::local(
                WeChatErrorKind::InvalidResponse,
                "token endpoint answered without access_token",
            )),
        }
    }
}

impl TokenSource for TokenEndpoint {
    fn fetch_token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, WeChatError>> {
        Box::pin(self.fetch(force_refresh))
    }
}

/// How early a token is renewed: 300 s, or half its lifetime for short-lived tokens.
pub fn refresh_margin(expires_in: i64) -> i64 {
    300.min(expires_in / 2)
}

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    renew_at: i64,
}

/// The token cache in front of a [`TokenSource`]: one fetch at a time, shared by every waiting caller.
pub struct TokenCache {
    source: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<Cached>>,
    fetch_lock: futures::lock::Mutex<()>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    /// A cache over a source, expiring tokens by `clock`.
    pub fn new(source: Arc<dyn TokenSource>, clock: Arc<dyn Clock>) -> Self {
        TokenCache { source, clock, cached: Mutex::new(None), fetch_lock: futures::lock::Mutex::new(()) }
    }

    fn fresh(&self) -> Option<String> {
        let now = self.clock.now_secs();
        let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached.as_ref().filter(|c| now < c.renew_at).map(|c| c.token.value.clone())
    }

    fn current(&self) -> Option<String> {
        self.cached.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|c| c.token.value.clone())
    }

    async fn fetch_into_cache(&self, force_refresh: bool) -> Result<String, WeChatError> {
        let token = self.source.fetch_token(force_refresh).await?;
        let now = self.clock.now_secs();
        let renew_at = now + token.expires_in - refresh_margin(token.expires_in);
        let value = token.value.clone();
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = Some(Cached { token, renew_at });
        tracing::debug!("access_token fetched");
        Ok(value)
    }

    /// A token that is not due for renewal, fetching one if needed. Concurrent callers share one fetch.
    pub async fn token(&self) -> Result<String, WeChatError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _single = self.fetch_lock.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        self.fetch_into_cache(false).await
    }

    /// After WeChat rejected `failed` (40001/40014/42001): a fresh token. Only a caller whose failing token is
    /// still the cached one fetches; the others get the token that fetch brought. `force_refresh` is sent for
    /// an invalidated token (40001/40014), not for an expired one (42001).
    pub async fn refresh(&self, failed: &str, force_refresh: bool) -> Result<String, WeChatError> {
        let _single = self.fetch_lock.lock().await;
        if let Some(current) = self.current().filter(|c| c != failed) {
            return Ok(current);
        }
        self.fetch_into_cache(force_refresh).await
    }

    /// Forgets the cached token.
    pub fn clear(&self) {
        *self.cached.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
