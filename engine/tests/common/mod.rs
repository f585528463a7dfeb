//! Shared helpers for the engine's end-to-end tests.
#![allow(dead_code)]

use minicloud_engine::{Engine, EngineConfig, RunningEngine};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const ADMIN: &str = "test-admin-token";

/// The fixture functions shipped with the tests.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/functions")
}

/// The cloud-call fixture functions (WeChat style: triggers, open API, message push).
pub fn cloud_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cloud_functions")
}

/// A writable copy of the fixtures.
pub fn fixture_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), tmp.path());
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

pub struct Harness {
    pub engine: RunningEngine,
    pub http: reqwest::Client,
    pub _tmp: Option<tempfile::TempDir>,
}

/// A response: status, headers, parsed JSON body (Null when empty/not JSON) and raw text.
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn request_id(&self) -> String {
        self.headers.get("x-request-id").expect("x-request-id header").to_str().unwrap().to_string()
    }
    pub fn error_msg(&self) -> String {
        self.body["error_msg"].as_str().unwrap_or_default().to_string()
    }
}

pub async fn start(cfg: EngineConfig) -> Harness {
    let engine = Engine::start(cfg).await.expect("engine starts");
    Harness { engine, http: reqwest::Client::new(), _tmp: None }
}

/// An engine over the read-only fixtures, with an admin token.
pub async fn start_default() -> Harness {
    start(EngineConfig::new(fixtures()).admin_token(ADMIN)).await
}

/// An engine over a writable copy of the fixtures, with an admin token.
pub async fn start_writable() -> Harness {
    let tmp = fixture_copy();
    let mut h = start(EngineConfig::new(tmp.path()).admin_token(ADMIN)).await;
    h._tmp = Some(tmp);
    h
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.engine.url(), path)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, headers, body, text }
    }

    /// A client request with the right client id and, if given, a token.
    pub fn client(&self, method: reqwest::Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("X-Hydrogen-Client-ID", self.engine.client_id())
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("Authorization", format!("Hydrogen-r1 {t}"));
        }
        req
    }

    pub async fn post_client(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(self.client(reqwest::Method::POST, path, token).body(body.to_string())).await
    }

    /// Registers a fresh username user and returns its token.
    pub async fn user_token(&self) -> String {
        let name = format!("u{}", rand_suffix());
        let r = self
            .post_client("/hserve/v2.1/register/username/", None, json!({"username": name, "password": "secret-pw"}))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["token"].as_str().unwrap().to_string()
    }

    pub async fn anonymous_token(&self) -> String {
        let r = self.post_client("/hserve/v2.0/login/anonymous/", None, json!({})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["token"].as_str().unwrap().to_string()
    }

    /// `POST /hserve/v1/cloud-function/job/` with `body`.
    pub async fn invoke(&self, token: &str, body: Value) -> Resp {
        self.post_client("/hserve/v1/cloud-function/job/", Some(token), body).await
    }

    /// Management request with the admin token.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).header("Authorization", format!("Bearer {ADMIN}"))
    }
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{nanos}x{}", N.fetch_add(1, Ordering::Relaxed))
}

/// Sends raw bytes over TCP (to get paths past URL normalisation) and returns the status line and body.
pub async fn raw_http(addr: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).to_string()
}
