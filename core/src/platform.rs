//! Where the app runs: the `X-Hydrogen-Client-Platform` value and the silent-login rules of each host
//! (PROTOCOL.md §1.2 and §1.6).

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::error::HError;

/// The host platform an app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// WeChat mini-program (`wx`).
    Wx,
    /// QQ mini-program (`qq`).
    Qq,
    /// Alipay mini-program (`my`).
    My,
    /// Baidu smart program (`swan`).
    Swan,
    /// ByteDance / Douyin mini-program (`tt`).
    Tt,
    /// JD mini-program (`jd`).
    Jd,
    /// Kuaishou mini-program (`ks`).
    Ks,
    /// A browser or webview.
    Web,
    /// Node.js. The official SDK has no Node build; minicloud sends `NODE`.
    Node,
    /// An iOS app (`NATIVE_IOS`, as the official native SDK sends).
    Ios,
    /// An Android app (`NATIVE_ANDROID`, as the official native SDK sends).
    Android,
    /// A desktop or server program (Python, JVM, ...). minicloud sends `NATIVE_DESKTOP`.
    Desktop,
}

impl Platform {
    /// Every platform, in the order of the tables.
    pub const ALL: [Platform; 12] = [
        Platform::Wx,
        Platform::Qq,
        Platform::My,
        Platform::Swan,
        Platform::Tt,
        Platform::Jd,
        Platform::Ks,
        Platform::Web,
        Platform::Node,
        Platform::Ios,
        Platform::Android,
        Platform::Desktop,
    ];

    /// The short name used in configs and vectors (`wx`, `my`, `web`, `node`, `ios`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Wx => "wx",
            Platform::Qq => "qq",
            Platform::My => "my",
            Platform::Swan => "swan",
            Platform::Tt => "tt",
            Platform::Jd => "jd",
            Platform::Ks => "ks",
            Platform::Web => "web",
            Platform::Node => "node",
            Platform::Ios => "ios",
            Platform::Android => "android",
            Platform::Desktop => "desktop",
        }
    }

    /// The value of the `X-Hydrogen-Client-Platform` header.
    pub fn header_value(self) -> &'static str {
        match self {
            Platform::Wx => "WECHAT",
            Platform::Qq => "QQ",
            Platform::My => "ALIPAY",
            Platform::Swan => "BAIDU",
            Platform::Tt => "BYTEDANCE",
            Platform::Jd => "JINGDONG",
            Platform::Ks => "KUAISHOU",
            Platform::Web => "WEB",
            Platform::Node => "NODE",
            Platform::Ios => "NATIVE_IOS",
            Platform::Android => "NATIVE_ANDROID",
            Platform::Desktop => "NATIVE_DESKTOP",
        }
    }

    /// Whether this is one of the seven mini-program hosts.
    pub fn is_mini_program(self) -> bool {
        self.silent_login_provider().is_some()
    }

    /// The identity provider of the host's silent login (`wechat`, `alipay`, ...), if the host has one.
    pub fn silent_login_provider(self) -> Option<&'static str> {
        match self {
            Platform::Wx => Some("wechat"),
            Platform::Qq => Some("qq"),
            Platform::My => Some("alipay"),
            Platform::Swan => Some("baidu"),
            Platform::Tt => Some("bytedance"),
            Platform::Jd => Some("jd"),
            Platform::Ks => Some("kuaishou"),
            _ => None,
        }
    }

    /// The silent-login path and body for a one-time host login code, key order as each host's official SDK
    /// sends it. `app_name` is ByteDance's `getSystemInfoSync().appName`, lower-cased here in ASCII (the
    /// hosts' app names are ASCII identifiers such as `Douyin` or `Toutiao`; ASCII-only case mapping keeps
    /// Unicode's case tables out of the wasm build). Hosts without silent login get HError 611.
    pub fn silent_login_request(
        self,
        code: &str,
        create_user: bool,
        app_name: Option<&str>,
    ) -> Result<(String, Value), HError> {
        let provider =
            self.silent_login_provider().ok_or_else(|| HError::unsupported(format!("silent login on {self}")))?;
        let mut body = Map::new();
        let code = Value::String(code.to_owned());
        match self {
            Platform::Wx => {
                body.insert("create_user".into(), create_user.into());
                body.insert("code".into(), code);
                body.insert("login_with_unionid".into(), false.into());
            }
            Platform::Tt => {
                body.insert("create_user".into(), create_user.into());
                body.insert("app_name".into(), app_name.unwrap_or_default().to_ascii_lowercase().into());
                body.insert("code".into(), code);
            }
            Platform::My => {
                body.insert("code".into(), code);
                body.insert("create_user".into(), create_user.into());
            }
            _ => {
                body.insert("create_user".into(), create_user.into());
                body.insert("code".into(), code);
            }
        }
        Ok((format!("/hserve/v2.5/idp/{provider}/silent-login/"), Value::Object(body)))
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = HError;

    /// Parses a short name (`wx`, `qq`, `my`, `swan`, `tt`, `jd`, `ks`, `web`, `node`, `ios`, `android`,
    /// `desktop`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, HError> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| HError::invalid_argument(format!("unknown platform {s:?}: expected one of wx, qq, my, swan, tt, jd, ks, web, node, ios, android, desktop")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tt_silent_login_lower_cases_the_app_name_in_ascii() {
        let (_, body) = Platform::Tt.silent_login_request("c", true, Some("DouYin_Lite")).unwrap();
        assert_eq!(body["app_name"], "douyin_lite");
    }
}
