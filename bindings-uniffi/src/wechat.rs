//! `WeChatCloud`: WeChat cloud's server-side `invokeCloudFunction` with a managed access_token, delegated to
//! [`minicloud_core::wechat`]. For servers and desktop tools only: an app secret must never ship inside an app.

use std::sync::Arc;

use minicloud_core as core;
use minicloud_core::wechat::{WeChatError, WeChatErrorKind};

use crate::CancelToken;

/// The error of a WeChat cloud call: WeChat's `errcode` (none when WeChat never answered) and `errmsg`, plus
/// `kind` (`auth`, `config`, `quota`, `system`, `function`, `invalid_argument`, `network`, `timeout`,
/// `cancelled`, `invalid_response`) and `retryable`. Never carries a token or the app secret.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Object)]
#[error("{0}")]
#[uniffi::export(Display)]
pub struct WeChatCloudError(WeChatError);

#[uniffi::export]
impl WeChatCloudError {
    /// WeChat's errcode, when WeChat answered with one.
    pub fn errcode(&self) -> Option<i64> {
        self.0.errcode
    }

    /// WeChat's errmsg, or the cause.
    pub fn errmsg(&self) -> String {
        self.0.errmsg.clone()
    }

    /// The machine-readable kind.
    pub fn kind(&self) -> String {
        self.0.kind.as_str().to_owned()
    }

    /// Whether trying again later may succeed.
    pub fn retryable(&self) -> bool {
        self.0.retryable()
    }
}

fn err(e: WeChatError) -> Arc<WeChatCloudError> {
    Arc::new(WeChatCloudError(e))
}

/// Which WeChat token endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WeChatTokenMode {
    /// `POST /cgi-bin/stable_token` (recommended).
    Stable,
    /// `GET /cgi-bin/token`.
    Classic,
}

/// A WeChat app secret. An opaque object whose text form is `[redacted]` in every language (Kotlin `toString`,
/// Python `str` and `repr`, Swift `description` and `debugDescription`), so a printed [`WeChatCloudConfig`]
/// never shows it; the value only reaches the core's token request.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct AppSecret(String);

#[uniffi::export]
impl AppSecret {
    /// Wraps the app secret.
    #[uniffi::constructor]
    pub fn new(value: String) -> Arc<Self> {
        Arc::new(AppSecret(value))
    }
}

impl std::fmt::Display for AppSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(core::redact::REDACTED)
    }
}

impl std::fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppSecret({})", core::redact::REDACTED)
    }
}

/// The configuration of a [`WeChatCloud`]. Printing it never shows the secret, in any language.
#[derive(Clone, uniffi::Record)]
pub struct WeChatCloudConfig {
    /// The mini-program's app ID.
    pub app_id: String,
    /// The app secret ([`AppSecret`], whose text form is `[redacted]`).
    pub app_secret: Arc<AppSecret>,
    /// The cloud environment ID.
    pub env: String,
    /// WeChat's API base URL (default `https://api.weixin.qq.com`; a local engine in development).
    #[uniffi(default = None)]
    pub base_url: Option<String>,
    /// Token endpoint (default stable).
    #[uniffi(default = None)]
    pub token_mode: Option<WeChatTokenMode>,
    /// Time limit of each request in milliseconds (default 10000).
    #[uniffi(default = None)]
    pub timeout_ms: Option<u64>,
}

impl std::fmt::Debug for WeChatCloudConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeChatCloudConfig")
            .field("app_id", &self.app_id)
            .field("app_secret", &core::redact::REDACTED)
            .field("env", &self.env)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// WeChat cloud's `invokeCloudFunction` with the access_token fetched, cached, renewed ahead of expiry and
/// shared by concurrent calls.
#[derive(Debug, uniffi::Object)]
pub struct WeChatCloud {
    inner: core::wechat::WeChatCloud,
}

#[uniffi::export(async_runtime = "tokio")]
impl WeChatCloud {
    /// Checks the config and builds the client (an empty app ID, secret or env, or a bad URL, is an
    /// `invalid_argument` error).
    #[uniffi::constructor]
    pub fn new(config: WeChatCloudConfig) -> Result<Arc<Self>, Arc<WeChatCloudError>> {
        let mut core_config = core::wechat::WeChatConfig::new(config.app_id, config.app_secret.0.clone(), config.env);
        if let Some(url) = config.base_url {
            core_config = core_config.with_base_url(url);
        }
        if config.token_mode == Some(WeChatTokenMode::Classic) {
            core_config = core_config.with_token_mode(core::wechat::TokenMode::Classic);
        }
        if let Some(ms) = config.timeout_ms {
            // The core's one rule for time limits.
            core_config.timeout = core::limits::time_limit("timeoutMs", ms as f64)
                .map_err(|e| err(WeChatError::local(WeChatErrorKind::InvalidArgument, e.message())))?;
        }
        Ok(Arc::new(WeChatCloud { inner: core::wechat::WeChatCloud::builder(core_config).build().map_err(err)? }))
    }

    /// Runs cloud function `name` with `event_json` (`{}` when none) and returns `resp_data` decoded, as JSON
    /// text (its raw text as a JSON string when it is not JSON). Cancelling the caller's coroutine or task
    /// stops the call.
    pub async fn invoke_cloud_function(
        &self,
        name: String,
        event_json: Option<String>,
    ) -> Result<String, Arc<WeChatCloudError>> {
        Ok(self.inner.invoke_cloud_function(&name, event_json.as_deref()).await.map_err(err)?.to_string())
    }

    /// [`WeChatCloud::invoke_cloud_function`] that also stops when `cancel` is cancelled (kind `cancelled`).
    pub async fn invoke_cloud_function_cancellable(
        &self,
        name: String,
        event_json: Option<String>,
        cancel: Arc<CancelToken>,
    ) -> Result<String, Arc<WeChatCloudError>> {
        let call = self.inner.invoke_cloud_function(&name, event_json.as_deref());
        Ok(core::cancellable(call, cancel.cancelled()).await.map_err(err)?.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_secret_and_a_config_holding_one_never_print_it() {
        let config = WeChatCloudConfig {
            app_id: "wx-app".into(),
            app_secret: AppSecret::new("秘密-secret-🔑".into()),
            env: "env".into(),
            base_url: None,
            token_mode: None,
            timeout_ms: None,
        };
        for text in [config.app_secret.to_string(), format!("{:?}", config.app_secret), format!("{config:?}")] {
            assert!(!text.contains("秘密-secret-🔑"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }
}
