//! Keeping a function's processes inside its worker. Three rules, each catching what the one before cannot:
//!
//! 1. **The worker's subtree.** Every worker is a child subreaper (`PR_SET_CHILD_SUBREAPER`, set between fork
//!    and exec), so while it lives, every process its function starts stays among its descendants however it
//!    detaches (`setsid`, `detached: true`, a double fork, an emptied environment): an orphan reparents to the
//!    worker, not to init. Killing a worker first kills its whole subtree, read from `/proc` parent links
//!    again until none is left (a process forking meanwhile leaves its child to the worker, so the next read
//!    finds it), then the worker.
//! 2. **The tag.** Every worker and everything it starts carries `MINICLOUD_WORKER=<engine id>.<worker
//!    number>` in its environment; killing a worker also kills every process with its tag.
//! 3. **Adopted orphans.** A worker that exits on its own (`process.exit`, a crash) leaves its descendants to
//!    the engine, which is a child subreaper too. Such an orphan is a child of the engine's process outside the
//!    engine's process group that is not a worker (workers lead groups of their own; what the engine's process
//!    starts itself stays in its group). Whenever a worker is killed or replaced, and at shutdown, the
//!    adopted orphans are killed with their descendants, and reaped. Only a process the engine's *host*
//!    process starts itself in a group of its own would look the same: a program embedding the engine must
//!    not do that.
//!
//! Cgroups would be the exact tool; they are not available to an unprivileged engine.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::Duration;

/// The environment variable that tags a worker's processes.
pub(crate) const TAG_VAR: &str = "MINICLOUD_WORKER";

/// The pids of every live worker of every engine in this process. Held while a worker is spawned and while
/// adopted orphans are looked for, so a worker that has just started is never taken for one.
static WORKERS: Mutex<Option<HashSet<u32>>> = Mutex::new(None);

fn workers() -> MutexGuard<'static, Option<HashSet<u32>>> {
    WORKERS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes this process the subreaper of its descendants (once per process; Linux only).
pub(crate) fn become_subreaper() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if !set_subreaper() {
            tracing::warn!("cannot become a child subreaper: detached processes of functions may outlive them");
        }
    });
}

/// `prctl(PR_SET_CHILD_SUBREAPER, 1)`: async-signal-safe, so it may run between fork and exec.
fn set_subreaper() -> bool {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER, 1) takes plain integers and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    }
    #[cfg(not(target_os = "linux"))]
    false
}

/// Spawns a worker with `spawn` so that it is a child subreaper (rule 1; the setting survives `exec`) and is
/// known as a worker (rule 3) from its first instant.
pub(crate) fn spawn_worker<T>(
    command: &mut tokio::process::Command,
    spawn: impl FnOnce(&mut tokio::process::Command) -> std::io::Result<T>,
    pid: impl Fn(&T) -> Option<u32>,
) -> std::io::Result<T> {
    // SAFETY: the closure runs in the child between fork and exec and calls only prctl(2), which is
    // async-signal-safe and allocates nothing.
    unsafe {
        command.pre_exec(|| {
            set_subreaper();
            Ok(())
        });
    }
    let mut workers = workers();
    let child = spawn(command)?;
    if let Some(pid) = pid(&child) {
        workers.get_or_insert_with(HashSet::new).insert(pid);
    }
    Ok(child)
}

/// Forgets a worker whose process is gone (or about to be reaped by its handle).
pub(crate) fn forget_worker(pid: u32) {
    if let Some(set) = workers().as_mut() {
        set.remove(&pid);
    }
}

/// One process as `/proc/<pid>/stat` describes it.
#[derive(Clone, Copy)]
struct Proc {
    pid: u32,
    parent: u32,
    group: u32,
    zombie: bool,
}

fn read_proc(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses, so read after the last `) `.
    let mut fields = stat.rsplit_once(") ")?.1.split_whitespace();
    let state = fields.next()?;
    let parent = fields.next()?.parse().ok()?;
    let group = fields.next()?.parse().ok()?;
    Some(Proc { pid, parent, group, zombie: state == "Z" || state == "X" })
}

/// Every process of the system.
fn processes() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten().filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok())).filter_map(read_proc).collect()
}

/// The living descendants of `root` (not `root` itself).
fn descendants(all: &[Proc], root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for p in all.iter().filter(|p| !p.zombie) {
        children.entry(p.parent).or_default().push(p.pid);
    }
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for &child in children.get(&pid).map(Vec::as_slice).unwrap_or_default() {
            found.push(child);
            stack.push(child);
        }
    }
    found
}

fn sigkill(pid: u32) {
    if let Ok(raw) = i32::try_from(pid) {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe {
            libc::kill(raw, libc::SIGKILL);
        }
    }
}

/// Kills every descendant of `root` (rule 1), reading the tree again until none is left. `root` must be a
/// live process (or an unreaped zombie) whose pid cannot have been reused.
pub(crate) fn kill_subtree(root: u32) {
    for _ in 0..50 {
        let found = descendants(&processes(), root);
        if found.is_empty() {
            return;
        }
        found.into_iter().for_each(sigkill);
    }
}

/// Kills every process tagged `tag` except `skip` (the worker itself, whose handle reaps it) (rule 2).
pub(crate) fn kill_tagged(tag: &str, skip: Option<u32>) {
    let needle = format!("{TAG_VAR}={tag}\0").into_bytes();
    let me = std::process::id();
    let Ok(dir) = std::fs::read_dir("/proc") else { return };
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if Some(pid) == skip || pid == me {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        if environ.windows(needle.len()).any(|w| w == needle.as_slice()) {
            sigkill(pid);
        }
    }
}

/// The children of this process that are adopted orphans of workers (rule 3).
fn adopted(all: &[Proc], workers: &HashSet<u32>) -> Vec<Proc> {
    let me = std::process::id();
    let Some(own_group) = all.iter().find(|p| p.pid == me).map(|p| p.group) else { return Vec::new() };
    all.iter().filter(|p| p.parent == me && p.group != own_group && !workers.contains(&p.pid)).copied().collect()
}

/// Kills the adopted orphans of workers and their descendants, and reaps them (rule 3). Returns how many it
/// found.
fn sweep_once() -> usize {
    let workers = workers();
    let none = HashSet::new();
    let all = processes();
    let orphans = adopted(&all, workers.as_ref().unwrap_or(&none));
    for orphan in &orphans {
        if !orphan.zombie {
            descendants(&all, orphan.pid).into_iter().for_each(sigkill);
            sigkill(orphan.pid);
        }
        if let Ok(raw) = i32::try_from(orphan.pid) {
            // SAFETY: waitpid(2) on one specific child of ours that no handle owns; WNOHANG never blocks.
            unsafe {
                libc::waitpid(raw, std::ptr::null_mut(), libc::WNOHANG);
            }
        }
    }
    orphans.len()
}

/// Sweeps adopted orphans on a thread of its own until `worker` (killed just now) is dead and none has been
/// seen for a while: a dying worker hands its descendants (and the zombies of those rule 1 killed) to this
/// process.
pub(crate) fn sweep_adopted_soon(worker: Option<u32>) {
    std::thread::spawn(move || sweep_adopted(worker, Duration::from_secs(5)));
}

/// Sweeps adopted orphans until `worker` (if any) is dead and none has been seen for 50 ms, at most for
/// `limit`.
pub(crate) fn sweep_adopted(worker: Option<u32>, limit: Duration) {
    let step = Duration::from_millis(10);
    let mut quiet = 0;
    let mut waited = Duration::ZERO;
    while quiet < 5 && waited < limit {
        let found = sweep_once();
        let worker_dead = worker.is_none_or(|pid| read_proc(pid).is_none_or(|p| p.zombie));
        quiet = if found == 0 && worker_dead { quiet + 1 } else { 0 };
        std::thread::sleep(step);
        waited += step;
    }
}
