//! Secrets never travel on the command line, and names are checked before anything is sent.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_minicloud");

#[test]
fn serve_refuses_an_admin_token_on_the_command_line() {
    let out = Command::new(BIN).args(["serve", "--in-memory", "--admin-token", "s3cret-token"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--admin-token is not accepted") && err.contains("MINICLOUD_ADMIN_TOKEN"), "{err}");
    assert!(!err.contains("s3cret-token"), "{err}");
}

/// A running `minicloud serve`, killed when dropped (also when a test fails half-way).
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `minicloud serve --port 0 --in-memory ARGS` in a temp dir with `env` (and no inherited admin token);
/// returns the process and its URL.
fn serve(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> (Served, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command.args(["serve", "--port", "0", "--in-memory"]).args(args).current_dir(dir.path());
    command.env_remove("MINICLOUD_ADMIN_TOKEN").envs(env.iter().copied());
    let mut child = Served(command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap());
    let line = BufReader::new(child.0.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = line.strip_prefix("minicloud engine listening on ").unwrap().to_string();
    (child, url, dir)
}

#[test]
fn serve_takes_the_admin_token_from_the_environment_and_keeps_it_off_its_command_line() {
    let (child, url, _dir) = serve(&[], &[("MINICLOUD_ADMIN_TOKEN", "token-only-in-the-environment")]);
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.0.id())).unwrap();
    assert!(!String::from_utf8_lossy(&cmdline).contains("token-only-in-the-environment"));
    let status = http::get_status(&format!("{url}/dev/v1/stats"), Some("token-only-in-the-environment"));
    assert_eq!(status, 200, "the token from the environment works");
    drop(child);
}

#[test]
fn serve_reads_the_admin_token_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("admin-token");
    std::fs::write(&file, "from-a-file\n").unwrap();
    let (child, url, _dir) = serve(&["--admin-token-file".as_ref(), file.as_os_str()], &[]);
    assert_eq!(http::get_status(&format!("{url}/dev/v1/stats"), Some("from-a-file")), 200);
    drop(child);
}

#[test]
fn deploy_refuses_bad_names_before_sending_anything() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.js");
    std::fs::write(&file, "exports.main = async () => 1\n").unwrap();
    // Port 9 (discard) on loopback: had anything been sent, the error would be a connection failure.
    for bad in ["x/../y", "../y", "a\u{0}b", &"a".repeat(65)] {
        let out = Command::new(BIN)
            .args(["deploy", bad])
            .arg(&file)
            .args(["--url", "http://127.0.0.1:9"])
            .env("MINICLOUD_ADMIN_TOKEN", "adm")
            .output();
        let Ok(out) = out else {
            // A NUL byte cannot even be passed as an argument by the OS: refused before the CLI runs.
            assert!(bad.contains('\0'));
            continue;
        };
        assert!(!out.status.success(), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("605: function name"), "{bad:?}: {err}");
    }
}

/// A plain HTTP/1.1 GET over TCP (this test crate has no HTTP client of its own).
mod http {
    use std::io::{Read, Write};

    /// The whole answer to `GET url`, with a bearer token when given.
    pub fn get(url: &str, token: Option<&str>) -> String {
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap();
        let mut s = std::net::TcpStream::connect(host).unwrap();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        write!(s, "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    /// The status code of `GET url`.
    pub fn get_status(url: &str, token: Option<&str>) -> u16 {
        get(url, token).split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

#[test]
fn serve_takes_the_wechat_secret_from_the_environment_and_refuses_it_as_a_flag() {
    let out = Command::new(BIN).args(["serve", "--in-memory", "--wechat-secret", "wx-s3cret"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--wechat-secret is not accepted") && !err.contains("wx-s3cret"), "{err}");

    let (child, url, _dir) =
        serve(&["--wechat-appid".as_ref(), "wx-mine".as_ref()], &[("MINICLOUD_WECHAT_SECRET", "my-wechat-secret")]);
    let token_url =
        |secret: &str| format!("{url}/cgi-bin/token?grant_type=client_credential&appid=wx-mine&secret={secret}");
    assert!(http::get(&token_url("my-wechat-secret"), None).contains("access_token"));
    assert!(http::get(&token_url("minicloud-local-secret"), None).contains("40001"), "the default secret is refused");
    drop(child);
}
