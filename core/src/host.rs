//! What the host platform supplies besides transport and storage: its one-time login code and its network
//! state (PROTOCOL.md §1.6–1.7).

use crate::error::HError;
use crate::BoxFuture;

/// The host's own APIs the core needs for silent login and for telling "offline" (600) from other failures
/// (601). Every method has a default for hosts without it.
pub trait Host: crate::MaybeSend + crate::MaybeSync {
    /// A one-time login code from the host (`wx.login`, `qq.login`, `swan.getLoginCode`, `tt.login`,
    /// `jd.login`, `ks.login`, `my.getAuthCode({scopes: 'auth_base'})`). Default: HError 611. A host whose
    /// login API fails reports [`HError::host_login_failed`] (614).
    fn login_code(&self) -> BoxFuture<'_, Result<String, HError>> {
        Box::pin(async { Err(HError::unsupported("this host has no login code")) })
    }

    /// ByteDance's `tt.getSystemInfoSync().appName`, sent lower-cased with `tt` silent login.
    fn app_name(&self) -> Option<String> {
        None
    }

    /// Whether the host reports no network (`getNetworkType` → `'none'`). Asked after a failed exchange; an
    /// implementation must always complete (a failing `getNetworkType` answers `false`).
    fn is_offline(&self) -> BoxFuture<'_, bool> {
        Box::pin(async { false })
    }
}

/// A host with none of these APIs (Node, native apps, servers).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHost;

impl Host for NoHost {}
