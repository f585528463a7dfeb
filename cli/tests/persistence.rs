//! `minicloud serve` keeps what it accepted across SIGKILL and SIGTERM (its data directory).

use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_minicloud");
const ADMIN: &str = "cli-persistence-admin";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/functions")
}

/// A running `minicloud serve`, killed when dropped (also when a test fails half-way).
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `minicloud serve` on the engine's fixtures with `data`; returns the process and its URL.
fn serve(data: &Path) -> (Served, String) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .arg(fixtures())
        .args(["--port", "0", "--pool-size", "1", "--no-triggers", "--data-dir"])
        .arg(data)
        .env("MINICLOUD_ADMIN_TOKEN", ADMIN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = first.strip_prefix("minicloud engine listening on ").expect("first line names the URL").to_string();
    (Served(child), url)
}

async fn queue(url: &str, file: &Path, n: usize) {
    let http = reqwest::Client::new();
    for i in 0..n {
        let body = json!({"sync": false, "data": {"file": file, "tag": format!("job-{i}-排队"), "ms": 100}});
        let r = http
            .post(format!("{url}/oserve/v1.3/cloud-function/appendLine/job/"))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), r#"{"status":"ok"}"#);
    }
}

fn runs(file: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in std::fs::read_to_string(file).unwrap_or_default().lines() {
        *counts.entry(line.to_string()).or_insert(0) += 1;
    }
    counts
}

fn wait_for_runs(file: &Path, n: usize) -> HashMap<String, usize> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let counts = runs(file);
        if counts.len() >= n || Instant::now() > deadline {
            return counts;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends `sig` and waits for the engine to exit; returns its exit status.
fn signal(engine: &mut Served, sig: &str) -> std::process::ExitStatus {
    assert!(Command::new("kill").args([sig, &engine.0.id().to_string()]).status().unwrap().success());
    engine.0.wait().unwrap()
}

fn check_each_ran_once(counts: &HashMap<String, usize>, n: usize) {
    assert_eq!(counts.len(), n, "every accepted job ran: {counts:?}");
    // One worker: only the job running when the engine died may have run twice (at-least-once).
    assert!(counts.values().filter(|&&c| c > 1).count() <= 1, "{counts:?}");
    assert!(counts.values().all(|&c| c <= 2), "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_jobs_accepted_before_sigkill_run_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("runs.txt");
    let (mut engine, url) = serve(&data.path().join("state"));
    queue(&url, &out, 30).await;
    signal(&mut engine, "-KILL");
    assert!(runs(&out).len() < 30, "the queue was not empty when the engine was killed");

    let (mut engine, _) = serve(&data.path().join("state"));
    let counts = wait_for_runs(&out, 30);
    signal(&mut engine, "-TERM");
    check_each_ran_once(&counts, 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_jobs_accepted_before_sigterm_run_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("runs.txt");
    let (mut engine, url) = serve(&data.path().join("state"));
    queue(&url, &out, 30).await;
    assert!(signal(&mut engine, "-TERM").success(), "serve exits cleanly on SIGTERM");
    assert!(runs(&out).len() < 30, "the queue was not empty at SIGTERM");

    let (mut engine, _) = serve(&data.path().join("state"));
    let counts = wait_for_runs(&out, 30);
    signal(&mut engine, "-TERM");
    check_each_ran_once(&counts, 30);
}
