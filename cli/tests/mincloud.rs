//! The `mincloud`-compatible commands end to end: the built binary, in a temporary directory outside the
//! repository, with its own saved login, against an engine over loopback.

use minicloud_engine::{Engine, EngineConfig, RunningEngine};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_minicloud");
const SECRET: &str = "本地-secret-🔑";

/// A work directory with its own login file, and the engine it talks to.
struct Workspace {
    dir: tempfile::TempDir,
    engine: RunningEngine,
    _functions: tempfile::TempDir,
}

impl Workspace {
    async fn new() -> Self {
        let functions = tempfile::tempdir().unwrap();
        let engine = Engine::start(EngineConfig::new(functions.path()).client_secret(SECRET)).await.unwrap();
        Workspace { dir: tempfile::tempdir().unwrap(), engine, _functions: functions }
    }

    fn rc(&self) -> std::path::PathBuf {
        self.dir.path().join("minicloudrc")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .env("MINICLOUD_CONFIG", self.rc())
            .env_remove("MINICLOUD_CLIENT_SECRET")
            .env_remove("MINICLOUD_ADMIN_TOKEN");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// `login` with the secret on standard input.
    fn login(&self, secret: &str) -> Output {
        let mut child = self
            .command(&["login", "minicloud-local", "-", "--url", &self.engine.url()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{secret}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_new_deploy_list_invoke_pull_delete_logout() {
    let w = Workspace::new().await;
    let login = w.login(SECRET);
    assert!(login.status.success(), "{}", String::from_utf8_lossy(&login.stderr));
    let said = String::from_utf8_lossy(&login.stdout);
    assert!(said.starts_with("logged in to http://127.0.0.1:"), "{said}");
    assert!(!said.contains(SECRET));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(w.rc()).unwrap().permissions().mode() & 0o777, 0o600);

    assert_eq!(w.ok(&["new", "greet"]).trim(), "created ./greet/index.js");
    let function = w.dir.path().join("greet");
    write(
        &function.join("index.js"),
        "const util = require('./lib/util')\nconst config = require('./config.json')\n\
         exports.main = async (event) => {\n  console.log('问候', event.data.name)\n  \
         return util.greet(config.greeting, event.data.name)\n}\n",
    );
    write(&function.join("config.json"), "{\"greeting\": \"你好\"}\n");
    write(&function.join("lib/util.js"), "exports.greet = (g, n) => `${g}, ${n}!`\n");

    let deployed = w.ok(&["deploy", "greet", "-m", "第一版 ✨"]);
    assert!(deployed.starts_with("created function greet ("), "{deployed}");
    assert!(deployed.contains("config.json, lib/util.js"), "{deployed}");

    let listed = w.ok(&["list"]);
    assert!(listed.lines().any(|l| l == "greet\tapproved\t第一版 ✨"), "{listed}");

    let invoked = w.ok(&["invoke", "greet", r#"{"name":"小明 🌏"}"#]);
    let lines: Vec<&str> = invoked.lines().collect();
    assert_eq!(lines[0], r#"{"code":0,"data":"你好, 小明 🌏!","error":{}}"#, "{invoked}");
    for (line, label) in lines[1..6].iter().zip(["job id: ", "run time: ", "billing time: ", "memory: ", "log:"]) {
        assert!(line.starts_with(label), "{invoked}");
    }
    assert!(lines[6].ends_with(" LOG 问候 小明 🌏"), "{invoked}");

    w.ok(&["pull", "greet", "pulled"]);
    for file in ["index.js", "config.json", "lib/util.js"] {
        let pulled = std::fs::read_to_string(w.dir.path().join("pulled/greet").join(file)).unwrap();
        assert_eq!(pulled, std::fs::read_to_string(function.join(file)).unwrap(), "{file}");
    }

    assert!(w.ok(&["delete", "greet"]).starts_with("deleted function greet on "));
    assert!(!w.ok(&["list"]).contains("greet"));
    assert!(w.ok(&["logout"]).starts_with("logged out"));
    assert!(!w.rc().exists());
    w.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_the_login_naming_the_step_and_saves_nothing() {
    let w = Workspace::new().await;
    let out = w.login("错误的密钥");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("login failed: 401: open API authorize step failed"), "{err}");
    assert!(!err.contains("错误的密钥"), "{err}");
    assert!(!w.rc().exists());
    w.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_is_the_answer_itself() {
    let w = Workspace::new().await;
    assert!(w.login(SECRET).status.success());
    w.ok(&["new", "echo"]);
    w.ok(&["deploy", "echo"]);
    let out: serde_json::Value = serde_json::from_str(&w.ok(&["invoke", "echo", "{}", "--json"])).unwrap();
    for key in ["code", "data", "error", "job_id", "execution_time", "billing_time", "mem_usage", "log"] {
        assert!(out.get(key).is_some(), "{key}: {out}");
    }
    let list: serde_json::Value = serde_json::from_str(&w.ok(&["list", "-j"])).unwrap();
    assert_eq!(list[0]["name"], "echo");
    w.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_separators_or_over_64_bytes_are_refused_before_anything_is_sent() {
    let w = Workspace::new().await;
    for bad in ["x/../y", "..", "a\\b", &"a".repeat(65)] {
        // Port 9 (discard) on loopback: had anything been sent, the error would be a connection failure.
        let remote = ["--url", "http://127.0.0.1:9"];
        for command in [
            &["deploy", bad, remote[0], remote[1]][..],
            &["delete", bad, remote[0], remote[1]],
            &["pull", bad, remote[0], remote[1]],
            &["new", bad],
        ] {
            let out = w.command(command).env("MINICLOUD_CLIENT_SECRET", "s").output().unwrap();
            assert!(!out.status.success(), "{command:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("605: function name"), "{command:?}: {err}");
        }
    }
    w.engine.shutdown().await;
}

#[test]
fn every_command_has_an_example_and_the_exit_codes_are_documented() {
    let top = Command::new(BIN).arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&top.stdout).contains("Exit codes:"));
    for command in [
        "serve",
        "new",
        "deploy",
        "invoke",
        "list",
        "pull",
        "delete",
        "login",
        "logout",
        "wx-invoke",
        "outbox",
        "triggers",
    ] {
        let help = Command::new(BIN).args([command, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(text.contains("Example"), "{command}: {text}");
        assert!(text.contains(&format!("minicloud {command}")), "{command}: {text}");
    }
}

#[test]
fn the_bundled_examples_run_from_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["invoke", "helloWorld", r#"{"name":"allen"}"#])
        .current_dir(dir.path())
        .env("MINICLOUD_CONFIG", dir.path().join("none"))
        .env_remove("MINICLOUD_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"code\":0,\"data\":\"hello allen\",\"error\":{}}\n");
}

#[test]
fn a_client_secret_flag_is_refused_without_echoing_it() {
    let out = Command::new(BIN).args(["list", "--client-secret", "旗帜上的-secret"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--client-secret is not accepted") && err.contains("MINICLOUD_CLIENT_SECRET"), "{err}");
    assert!(!err.contains("旗帜上的"), "{err}");
}

/// The first lines `minicloud serve` prints, with `env`.
fn serve_banner(env: &[(&str, &str)]) -> Vec<String> {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--in-memory"])
        .current_dir(dir.path())
        .env_remove("MINICLOUD_CLIENT_SECRET")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines().take(4).map(Result::unwrap).collect();
    let _ = child.kill();
    let _ = child.wait();
    lines
}

#[test]
fn serve_prints_the_default_client_secret_but_never_its_own() {
    let default = serve_banner(&[]);
    assert_eq!(
        default[3],
        "open-API client secret: minicloud-local-secret (the public default; set MINICLOUD_CLIENT_SECRET for your own)"
    );
    let own = serve_banner(&[("MINICLOUD_CLIENT_SECRET", "自己的-secret")]);
    assert!(own[3].starts_with("open-API client secret: from MINICLOUD_CLIENT_SECRET"), "{own:?}");
    assert!(!own.concat().contains("自己的-secret"));
}
