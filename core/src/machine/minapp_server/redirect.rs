//! Following the authorize step's redirects (PROTOCOL.md §5.1: the real server answers through two `302
//! Found` and expects the client to follow them keeping cookies). The rules, in one place:
//!
//! - `301`, `302` and `303` are followed with `GET` and no body (what browsers and HTTP libraries do with a
//!   redirected `POST`); `307` and `308` repeat the method and the body.
//! - A `307`/`308` to another origin is refused: its body holds the client secret, which goes to the
//!   configured host only. A redirect from `https` to `http` is refused.
//! - At most [`MAX_REDIRECTS`] redirects per step; one more is an error naming the limit.
//! - Cookies set by an answer (`Set-Cookie`) are sent back (`Cookie`) to the same host for the rest of the
//!   token flow, and to no other host; `Max-Age=0` or an empty value removes one. The jar lives for one token
//!   flow only.

use super::super::http::{HttpResponse, Method};

/// How many redirects one step follows.
pub const MAX_REDIRECTS: u8 = 5;

/// The cookies of one token flow: `(host, name, value)`, in the order they were set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CookieJar {
    cookies: Vec<(String, String, String)>,
}

impl CookieJar {
    /// Keeps the cookies `response` (from `url`) sets.
    pub(crate) fn store(&mut self, url: &str, response: &HttpResponse) {
        let host = host_of(url).to_ascii_lowercase();
        for (_, line) in response.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")) {
            let mut attributes = line.split(';');
            let Some((name, value)) = attributes.next().and_then(|pair| pair.split_once('=')) else { continue };
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() {
                continue;
            }
            let removed = value.is_empty()
                || attributes.any(|a| a.trim().eq_ignore_ascii_case("max-age=0") || a.trim().starts_with("Max-Age=-"));
            self.cookies.retain(|(h, n, _)| !(h == &host && n == name));
            if !removed {
                self.cookies.push((host.clone(), name.to_owned(), value.to_owned()));
            }
        }
    }

    /// The `Cookie` header for a request to `url`, if the jar holds cookies of its host.
    pub(crate) fn header_for(&self, url: &str) -> Option<String> {
        let host = host_of(url).to_ascii_lowercase();
        let mut header = String::new();
        for (_, name, value) in self.cookies.iter().filter(|(h, _, _)| *h == host) {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        (!header.is_empty()).then_some(header)
    }
}

/// Where a redirect leads and how to go there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    /// The absolute URL to request next.
    pub(crate) url: String,
    /// The method of the next request.
    pub(crate) method: Method,
    /// Whether the next request carries the body again.
    pub(crate) keeps_body: bool,
}

/// Whether `status` is a redirect this module follows.
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The redirect `response` (an answer to `method` on `from`) asks for, or why it is not followed.
pub(crate) fn follow(from: &str, method: Method, response: &HttpResponse) -> Result<Redirect, &'static str> {
    let location = response.header("location").map(str::trim).filter(|l| !l.is_empty());
    let Some(location) = location else { return Err("a redirect without a Location header") };
    let url = resolve(from, location);
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err("a redirect to a URL that is not http(s)");
    }
    if from.starts_with("https://") && url.starts_with("http://") {
        return Err("a redirect from https to plain http");
    }
    let keeps_body = matches!(response.status, 307 | 308);
    if keeps_body && origin_of(&url) != origin_of(from) {
        return Err("a 307/308 redirect to another host, which would carry the client secret there");
    }
    let method = if keeps_body { method } else { Method::Get };
    Ok(Redirect { url, method, keeps_body })
}

/// `location` made absolute against `base`: an absolute URL as is, `//host/..` with the base's scheme,
/// `/path` on the base's origin, anything else next to the base's last path segment.
fn resolve(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let (scheme, _) = base.split_once("://").unwrap_or(("https", base));
    if let Some(rest) = location.strip_prefix("//") {
        return [scheme, "://", rest].concat();
    }
    let origin = origin_of(base);
    if location.starts_with('/') {
        return [origin, location].concat();
    }
    let path = base.get(origin.len()..).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let dir = path.rfind('/').and_then(|i| path.get(..=i)).unwrap_or("/");
    [origin, dir, location].concat()
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url.get(start..).and_then(|rest| rest.find(['/', '?', '#'])).map_or(url.len(), |i| start + i);
    url.get(..end).unwrap_or(url)
}

/// The host (and port) of an absolute URL.
fn host_of(url: &str) -> &str {
    let origin = origin_of(url);
    origin.find("://").and_then(|i| origin.get(i + 3..)).unwrap_or(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status,
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn a_302_is_followed_with_get_on_the_same_origin() {
        let r = follow("https://cloud.minapp.com/api/a/", Method::Post, &answer(302, &[("Location", "/api/b/?x=1")]))
            .unwrap();
        assert_eq!(
            r,
            Redirect { url: "https://cloud.minapp.com/api/b/?x=1".into(), method: Method::Get, keeps_body: false }
        );
    }

    #[test]
    fn a_relative_location_resolves_next_to_the_last_segment() {
        let r = follow("http://h:1/a/b/c?q", Method::Get, &answer(303, &[("location", "d/")])).unwrap();
        assert_eq!(r.url, "http://h:1/a/b/d/");
    }

    #[test]
    fn a_307_keeps_the_method_and_body_but_not_across_hosts() {
        let same = follow("http://h/a", Method::Post, &answer(307, &[("Location", "http://h/b")])).unwrap();
        assert_eq!((same.method, same.keeps_body), (Method::Post, true));
        let other = follow("http://h/a", Method::Post, &answer(307, &[("Location", "http://evil/b")]));
        assert!(other.unwrap_err().contains("client secret"));
    }

    #[test]
    fn a_downgrade_to_http_is_refused() {
        assert!(follow("https://h/a", Method::Get, &answer(302, &[("Location", "http://h/b")])).is_err());
    }

    #[test]
    fn cookies_go_back_to_their_host_only() {
        let mut jar = CookieJar::default();
        jar.store(
            "https://cloud.minapp.com/a",
            &answer(302, &[("Set-Cookie", "sessionid=s1; Path=/; HttpOnly"), ("set-cookie", "csrftoken=c 1; Secure")]),
        );
        assert_eq!(jar.header_for("https://cloud.minapp.com/b").as_deref(), Some("sessionid=s1; csrftoken=c 1"));
        assert_eq!(jar.header_for("https://other.example/b"), None);
        jar.store("https://cloud.minapp.com/c", &answer(302, &[("Set-Cookie", "sessionid=; Max-Age=0")]));
        assert_eq!(jar.header_for("https://cloud.minapp.com/").as_deref(), Some("csrftoken=c 1"));
    }
}
