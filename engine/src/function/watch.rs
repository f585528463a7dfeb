//! Knowing cheaply whether a function's files may have changed since the last look, so that edits take
//! effect on the next call without scanning the function's directory on every call.
//!
//! On Linux, an inotify watch on the function's directory and its subdirectories (not `node_modules`, as
//! [`fingerprint`](super::fingerprint) leaves it out) is read without blocking at each look: one system call
//! when nothing changed, where a scan makes one per file and directory. The kernel queues an event during the
//! write that causes it, so a call made after an edit always sees it. Elsewhere, or when inotify is not
//! available (e.g. its per-user watch limit is reached), every look says "maybe changed" and the caller scans.
//! One engine holds at most [`MAX_INSTANCES`] inotify instances (one per function called): the per-user limit
//! is small (128 by default) and shared with the developer's editor and tools.

use std::path::Path;

/// The most directories one function's watch covers; a larger tree is scanned at every call instead.
#[cfg(target_os = "linux")]
const MAX_WATCHED_DIRS: usize = 512;
/// The most inotify instances this process holds at once; functions beyond are scanned at every call.
#[cfg(target_os = "linux")]
pub(crate) const MAX_INSTANCES: usize = 32;

/// A watch on one function's files (see the module documentation).
#[derive(Default)]
pub(crate) struct DirWatch {
    #[cfg(target_os = "linux")]
    inotify: Option<linux::Instance>,
}

impl DirWatch {
    /// A watch on `dir` and its subdirectories, armed now: take it before scanning `dir`, so that a change made
    /// during the scan is seen at the next look. Unarmed (always "maybe changed") when it cannot be set up.
    pub(crate) fn arm(dir: &Path) -> DirWatch {
        #[cfg(target_os = "linux")]
        {
            DirWatch { inotify: linux::watch_tree(dir, MAX_WATCHED_DIRS) }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = dir;
            DirWatch::default()
        }
    }

    /// Whether the function's files may have changed since the watch was armed: `false` only when the watch
    /// saw nothing. Once it says `true`, it stays unarmed until replaced by a new [`DirWatch::arm`].
    pub(crate) fn maybe_changed(&mut self) -> bool {
        #[cfg(target_os = "linux")]
        {
            let Some(instance) = self.inotify.as_mut() else { return true };
            let mut buffer = [0u8; 1024];
            let quiet = matches!(instance.inotify.read_events(&mut buffer), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
            if !quiet {
                self.inotify = None;
            }
            !quiet
        }
        #[cfg(not(target_os = "linux"))]
        {
            true
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use inotify::{Inotify, WatchMask};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// How many inotify instances this process holds.
    static INSTANCES: AtomicUsize = AtomicUsize::new(0);

    /// One inotify instance, counted in [`INSTANCES`] while it lives.
    pub(super) struct Instance {
        pub(super) inotify: Inotify,
    }

    impl Drop for Instance {
        fn drop(&mut self) {
            INSTANCES.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// A new instance, unless this process already holds [`super::MAX_INSTANCES`].
    fn instance() -> Option<Instance> {
        let held = INSTANCES.fetch_add(1, Ordering::SeqCst);
        let inotify = if held < super::MAX_INSTANCES { Inotify::init().ok() } else { None };
        match inotify {
            Some(inotify) => Some(Instance { inotify }),
            None => {
                INSTANCES.fetch_sub(1, Ordering::SeqCst);
                None
            }
        }
    }

    /// An inotify instance watching `dir` and its subdirectories but `node_modules`, or `None` when that takes
    /// more than `max_dirs` watches or inotify refuses.
    pub(super) fn watch_tree(dir: &Path, max_dirs: usize) -> Option<Instance> {
        let instance = instance()?;
        let inotify = &instance.inotify;
        let mask = WatchMask::MODIFY
            | WatchMask::ATTRIB
            | WatchMask::CLOSE_WRITE
            | WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::DELETE_SELF
            | WatchMask::MOVE
            | WatchMask::MOVE_SELF;
        let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
        let mut watched = 0;
        while let Some(d) = stack.pop() {
            watched += 1;
            if watched > max_dirs {
                return None;
            }
            inotify.watches().add(&d, mask | WatchMask::ONLYDIR).ok()?;
            for entry in std::fs::read_dir(&d).ok()?.flatten() {
                if entry.file_name() != "node_modules" && entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(entry.path());
                }
            }
        }
        Some(instance)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The instance cap is per process: tests that hold instances run one at a time.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn function_dir() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.js"), "exports.main = async () => '你好'").unwrap();
        std::fs::create_dir_all(dir.path().join("lib/深")).unwrap();
        std::fs::create_dir_all(dir.path().join("node_modules/dep")).unwrap();
        dir
    }

    #[test]
    fn an_untouched_function_has_not_changed() {
        let _serial = serial();
        let dir = function_dir();
        let mut watch = DirWatch::arm(dir.path());
        assert!(!watch.maybe_changed());
        assert!(!watch.maybe_changed());
    }

    #[test]
    fn an_edit_in_a_subdirectory_is_seen_at_the_next_look() {
        let _serial = serial();
        let dir = function_dir();
        let mut watch = DirWatch::arm(dir.path());
        std::fs::write(dir.path().join("lib/深/util.js"), "module.exports = 1 // 🌏").unwrap();
        assert!(watch.maybe_changed());
        assert!(watch.maybe_changed(), "a watch that saw a change stays unarmed until it is armed again");
    }

    #[test]
    fn a_new_file_and_a_removed_file_are_changes() {
        let _serial = serial();
        let dir = function_dir();
        let mut watch = DirWatch::arm(dir.path());
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        assert!(watch.maybe_changed());
        let mut watch = DirWatch::arm(dir.path());
        std::fs::remove_file(dir.path().join("config.json")).unwrap();
        assert!(watch.maybe_changed());
    }

    #[test]
    fn edits_inside_node_modules_are_not_watched() {
        let _serial = serial();
        let dir = function_dir();
        let mut watch = DirWatch::arm(dir.path());
        std::fs::write(dir.path().join("node_modules/dep/index.js"), "").unwrap();
        assert!(!watch.maybe_changed());
    }

    #[test]
    fn a_removed_function_directory_is_a_change() {
        let _serial = serial();
        let dir = function_dir();
        let mut watch = DirWatch::arm(dir.path());
        std::fs::remove_dir_all(dir.path()).unwrap();
        assert!(watch.maybe_changed());
    }

    #[test]
    fn functions_beyond_the_instance_cap_are_scanned_and_the_cap_frees_up() {
        let _serial = serial();
        let dir = function_dir();
        let mut held = Vec::new();
        // Other tests in this process may hold a few instances: fill up to the cap, whatever they hold.
        for _ in 0..MAX_INSTANCES {
            let watch = DirWatch::arm(dir.path());
            if watch.inotify.is_none() {
                break;
            }
            held.push(watch);
        }
        let mut over = DirWatch::arm(dir.path());
        assert!(over.maybe_changed(), "beyond the cap a function is scanned at every call");
        held.pop();
        let mut freed = DirWatch::arm(dir.path());
        assert!(!freed.maybe_changed(), "a dropped watch frees its instance");
    }

    #[test]
    fn a_tree_larger_than_the_cap_is_never_trusted() {
        let _serial = serial();
        let dir = function_dir();
        let mut watch = DirWatch { inotify: linux::watch_tree(dir.path(), 2) };
        assert!(watch.maybe_changed());
    }
}
