//! Keeping a function's processes inside its worker: every worker and everything it starts carries the
//! environment tag `MINICLOUD_WORKER=<engine id>.<worker number>`; killing a worker kills every process
//! with its tag, including those that left its process group (`setsid`, `detached: true`). The engine is
//! a child subreaper (`PR_SET_CHILD_SUBREAPER`), so such processes reparent to it rather than to init when
//! their parent dies; the ones it kills are reaped here.

use std::sync::Once;
use std::time::Duration;

/// The environment variable that tags a worker's processes.
pub(crate) const TAG_VAR: &str = "MINICLOUD_WORKER";

/// Makes this process the subreaper of its descendants (once per process; Linux only).
pub(crate) fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(target_os = "linux")]
        // SAFETY: prctl(PR_SET_CHILD_SUBREAPER, 1) takes plain integers and touches no memory of ours.
        unsafe {
            if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
                tracing::warn!("cannot become a child subreaper: detached processes of functions may outlive them");
            }
        }
    });
}

/// Kills every process tagged `tag` except `skip` (the worker itself, whose handle reaps it), and reaps
/// those that had become this process's children.
pub(crate) fn kill_tagged(tag: &str, skip: Option<u32>) {
    let needle = format!("{TAG_VAR}={tag}\0").into_bytes();
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else { return };
    let mut ours = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if Some(pid) == skip || pid == me {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        if !environ.windows(needle.len()).any(|w| w == needle.as_slice()) {
            continue;
        }
        let Ok(raw) = i32::try_from(pid) else { continue };
        // SAFETY: kill(2) on a pid whose environment carries this worker's tag; it touches no memory.
        unsafe {
            libc::kill(raw, libc::SIGKILL);
        }
        if parent_of(pid) == Some(me) {
            ours.push(raw);
        }
    }
    if !ours.is_empty() {
        std::thread::spawn(move || reap(ours));
    }
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.split_whitespace().nth(1)?.parse().ok()
}

/// Waits (briefly) for killed children of this process, so they do not stay zombies.
fn reap(mut pids: Vec<i32>) {
    for _ in 0..200 {
        // SAFETY: waitpid(2) on specific pids that are our children; WNOHANG never blocks.
        pids.retain(|&pid| unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) } == 0);
        if pids.is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
