//! What the host platform supplies besides transport and storage: its one-time login code and its network
//! state (PROTOCOL.md §1.6–1.7).

use crate::machine::LoginCodeAnswer;
use crate::BoxFuture;

/// The host's own APIs the core needs for silent login and for telling "offline" (600) from other failures
/// (601). Every method has a default for hosts without it.
pub trait Host: crate::MaybeSend + crate::MaybeSync {
    /// A one-time login code from the host (`wx.login`, `qq.login`, `swan.getLoginCode`, `tt.login`,
    /// `jd.login`, `ks.login`, `my.getAuthCode({scopes: 'auth_base'})`). Answer
    /// [`LoginCodeAnswer::Failed`] with the host's own words when its login API fails or the user refuses
    /// (the core reports HError 614), [`LoginCodeAnswer::Unavailable`] when there is no such API (611,
    /// the default). The call's time limit bounds the wait: a hook that never answers ends in 601.
    fn login_code(&self) -> BoxFuture<'_, LoginCodeAnswer> {
        Box::pin(async { LoginCodeAnswer::Unavailable })
    }

    /// ByteDance's `tt.getSystemInfoSync().appName`, sent lower-cased with `tt` silent login (used when
    /// [`Host::login_code`] does not give one itself).
    fn app_name(&self) -> Option<String> {
        None
    }

    /// Whether the host reports no network (`getNetworkType` → `'none'`). Asked after a failed exchange; the
    /// call's time limit bounds the wait.
    fn is_offline(&self) -> BoxFuture<'_, bool> {
        Box::pin(async { false })
    }
}

/// A host with none of these APIs (Node, native apps, servers).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHost;

impl Host for NoHost {}
