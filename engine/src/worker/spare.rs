//! The spare worker: one worker process started ahead of need, before anyone knows which function it will
//! run. A function that needs a new worker (its first call, the first call after an edit, a busy pool)
//! takes the spare and tells it its function ([`Worker::bind`](super::Worker::bind)) instead of waiting for
//! Node to start; a new spare starts shortly after, off that call's path.
//!
//! A spare fits a function whose memory limit is the engine's default (V8's heap limit is set at start)
//! and whose `env` sets nothing Node reads only at start (`NODE_*`, `UV_*`): the function's `env` reaches
//! the spare's `process.env` when it is bound, as it reaches a new worker's environment at start.

use super::{Launcher, Worker};
use crate::function::FunctionMeta;
use crate::Phase;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long after a spare is taken the next one starts: the call that took it runs first.
const REFILL_DELAY: Duration = Duration::from_millis(100);

/// The spare worker slot: the task starting (or holding) the current spare.
pub(super) struct Spare {
    launcher: Arc<Launcher>,
    memory_mb: u64,
    shutdown: watch::Receiver<Phase>,
    slot: Mutex<Option<JoinHandle<Option<Worker>>>>,
}

impl Spare {
    /// Starts the first spare, with V8's heap limit at `memory_mb`.
    pub(super) fn start(launcher: Arc<Launcher>, memory_mb: u64, shutdown: watch::Receiver<Phase>) -> Spare {
        let spare = Spare { launcher, memory_mb, shutdown, slot: Mutex::new(None) };
        spare.refill(Duration::ZERO);
        spare
    }

    /// Whether the spare can run a function with `meta`.
    pub(super) fn fits(&self, meta: &FunctionMeta) -> bool {
        fits(self.memory_mb, meta)
    }

    /// The spare, waiting for it when it is still starting (never longer than starting a new worker would
    /// take); the next spare starts shortly after. `None` when there is none (it failed to start, or the
    /// engine is stopping).
    pub(super) async fn take(&self) -> Option<Worker> {
        let taken = self.slot.lock().unwrap().take();
        self.refill(REFILL_DELAY);
        let worker = taken?.await.ok().flatten()?;
        // A spare that died while waiting is no use (an exited worker has been reaped by `try_wait`).
        let mut worker = worker;
        match worker.child.try_wait() {
            Ok(None) => Some(worker),
            _ => None,
        }
    }

    /// Starts the next spare after `delay`, unless the engine is stopping by then.
    fn refill(&self, delay: Duration) {
        let (launcher, memory_mb, shutdown) = (self.launcher.clone(), self.memory_mb, self.shutdown.clone());
        let task = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if *shutdown.borrow() != Phase::Serving {
                return None;
            }
            match launcher.launch(None, memory_mb, &Default::default(), 0).await {
                Ok(worker) => Some(worker),
                Err(e) => {
                    tracing::debug!("cannot start a spare worker: {e}");
                    None
                }
            }
        });
        if let Some(old) = self.slot.lock().unwrap().replace(task) {
            old.abort();
        }
    }

    /// Stops the spare (the engine is stopping): a spare still starting is abandoned and its process killed.
    pub(super) fn stop(&self) {
        if let Some(task) = self.slot.lock().unwrap().take() {
            task.abort();
        }
    }
}

/// Whether a spare started with a V8 heap limit of `spare_memory_mb` can run a function with `meta`.
fn fits(spare_memory_mb: u64, meta: &FunctionMeta) -> bool {
    meta.memory_limit_mb == spare_memory_mb && !meta.env.keys().any(|k| k.starts_with("NODE_") || k.starts_with("UV_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(memory_mb: u64, env: &[(&str, &str)]) -> FunctionMeta {
        let mut meta = FunctionMeta::new(memory_mb);
        meta.env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        meta
    }

    #[test]
    fn a_function_with_the_default_limit_and_plain_env_fits() {
        assert!(fits(256, &meta(256, &[("GREETING", "你好 🌏")])));
    }

    #[test]
    fn env_that_node_reads_only_at_start_does_not_fit() {
        assert!(!fits(256, &meta(256, &[("NODE_OPTIONS", "--enable-source-maps")])));
        assert!(!fits(256, &meta(256, &[("UV_THREADPOOL_SIZE", "16")])));
    }

    #[test]
    fn another_memory_limit_does_not_fit() {
        assert!(!fits(256, &meta(512, &[])));
    }
}
