//! Where the app runs: the `X-Hydrogen-Client-Platform` value and the silent-login rules of each host
//! (PROTOCOL.md §1.2 and §1.6).

use std::fmt;
use std::str::FromStr;

use super::error::HError;
use super::json::{self, ObjectWriter};

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
    /// Unicode's case tables out of the wasm build). `with_union_id` is wx's `login_with_unionid`
    /// (`loginWithWechat(null, {withUnionID: true})`). Hosts without silent login get HError 611.
    pub fn silent_login_request(
        self,
        code: &str,
        create_user: bool,
        with_union_id: bool,
        app_name: Option<&str>,
    ) -> Result<(String, String), HError> {
        let Some(provider) = self.silent_login_provider() else {
            return Err(self.no_silent_login());
        };
        let body = ObjectWriter::new();
        let body = match self {
            Platform::Wx => body
                .boolean("create_user", create_user)
                .string("code", code)
                .boolean("login_with_unionid", with_union_id),
            Platform::Tt => body
                .boolean("create_user", create_user)
                .string("app_name", &app_name.unwrap_or_default().to_ascii_lowercase())
                .string("code", code),
            Platform::My => body.string("code", code).boolean("create_user", create_user),
            _ => body.boolean("create_user", create_user).string("code", code),
        };
        let mut path = String::from("/hserve/v2.5/idp/");
        path.push_str(provider);
        path.push_str("/silent-login/");
        Ok((path, body.finish()))
    }

    /// HError 611 for silent login on a platform without it.
    pub fn no_silent_login(self) -> HError {
        let mut what = String::from("silent login on ");
        what.push_str(self.as_str());
        HError::unsupported(what)
    }

    /// Parses a short name (`wx`, `qq`, `my`, `swan`, `tt`, `jd`, `ks`, `web`, `node`, `ios`, `android`,
    /// `desktop`), case-insensitively; anything else is HError 605 naming it.
    pub fn parse(name: &str) -> Result<Self, HError> {
        Platform::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(name)).ok_or_else(|| {
            let mut message = String::from("unknown platform ");
            message.push_str(&json::string(name));
            message.push_str(": expected one of wx, qq, my, swan, tt, jd, ks, web, node, ios, android, desktop");
            HError::invalid_argument(message)
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Platform {
    type Err = HError;

    /// [`Platform::parse`].
    fn from_str(s: &str) -> Result<Self, HError> {
        Platform::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tt_silent_login_lower_cases_the_app_name_in_ascii() {
        let (_, body) = Platform::Tt.silent_login_request("c", true, false, Some("DouYin_Lite")).unwrap();
        assert_eq!(body, r#"{"create_user":true,"app_name":"douyin_lite","code":"c"}"#);
    }

    #[test]
    fn wx_silent_login_can_ask_for_the_unionid() {
        let (path, body) = Platform::Wx.silent_login_request("码-1", false, true, None).unwrap();
        assert_eq!(path, "/hserve/v2.5/idp/wechat/silent-login/");
        assert_eq!(body, r#"{"create_user":false,"code":"码-1","login_with_unionid":true}"#);
    }
}
