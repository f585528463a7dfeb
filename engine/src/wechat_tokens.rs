//! The WeChat access_tokens the engine hands out (PROTOCOL.md §2.1): issued, overlapping for 5 minutes when
//! replaced, expiring. The routes that use them are in `http::wechat`.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use crate::util::{now_s, random_hex};

/// How long a replaced token stays valid (WeChat's 5-minute overlap).
const OVERLAP_SECS: u64 = 300;

/// Issued access_tokens and how many fetches were answered.
#[derive(Default)]
pub(crate) struct Tokens {
    /// token → expiry (epoch seconds).
    issued: Mutex<HashMap<String, u64>>,
    /// The current stable token.
    pub(crate) stable: Mutex<Option<String>>,
    /// Successful token answers (classic and stable).
    pub(crate) fetches: AtomicU64,
    /// Every request to a token endpoint, refused or not.
    pub(crate) requests: AtomicU64,
}

impl Tokens {
    pub(crate) fn issue(&self, expires_in: u64) -> String {
        let token = format!("wx-{}", random_hex(24));
        let now = now_s();
        let mut issued = self.issued.lock().unwrap();
        issued.retain(|_, exp| *exp > now);
        for exp in issued.values_mut() {
            *exp = (*exp).min(now + OVERLAP_SECS);
        }
        issued.insert(token.clone(), now + expires_in);
        token
    }

    pub(crate) fn status(&self, token: &str) -> TokenStatus {
        match self.issued.lock().unwrap().get(token) {
            None => TokenStatus::Invalid,
            Some(exp) if *exp <= now_s() => TokenStatus::Expired,
            Some(_) => TokenStatus::Live,
        }
    }

    /// Makes every token expired (tests: "a token that expires mid-run").
    pub(crate) fn expire_all(&self) {
        let now = now_s();
        for exp in self.issued.lock().unwrap().values_mut() {
            *exp = now;
        }
    }
}

/// Whether a token may be used.
pub(crate) enum TokenStatus {
    Live,
    Expired,
    Invalid,
}
