//! Runs timer triggers while the engine runs.
//!
//! The functions directory is rescanned every second, so adding, editing or removing a
//! trigger takes effect without a restart. A firing starts a job with `SOURCE = wx_trigger`
//! and the event WeChat gives timer triggers: `{"Type": "Timer", "TriggerName", "Time"
//! (UTC, RFC 3339 with `Z`), "Message": ""}` (plus `userInfo: {appId}`). A firing that comes
//! while the previous firing of the same trigger still runs is skipped (logged); missed firings
//! are not made up.

use super::triggers::{timer_triggers, TimerSchedule};
use crate::invoke::{execute, new_job};
use crate::job::Origin;
use crate::{Phase, Shared};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const RESCAN: Duration = Duration::from_secs(1);

struct Armed {
    schedule: TimerSchedule,
    next: Option<DateTime<Utc>>,
    running: Arc<AtomicBool>,
}

/// Runs until the engine stops serving.
pub(crate) async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<Phase>) {
    // (function, trigger name, expression) → state
    let mut armed: HashMap<(String, String, String), Armed> = HashMap::new();
    let mut warned: HashSet<String> = HashSet::new();
    loop {
        if *shutdown.borrow() != Phase::Serving {
            return;
        }
        let dir = shared.config.functions_dir.clone();
        let Ok(found) = tokio::task::spawn_blocking(move || timer_triggers(&dir)).await else {
            return;
        };
        let now = Utc::now();
        let mut live = HashSet::new();
        for t in found {
            match t.schedule {
                Ok(schedule) => {
                    let key = (t.function.clone(), t.name.clone(), schedule.expression().to_string());
                    live.insert(key.clone());
                    armed.entry(key).or_insert_with(|| {
                        tracing::info!(function = %t.function, trigger = %t.name, cron = %schedule.expression(), "timer trigger armed");
                        let next = schedule.next_after(now).map(|n| n.with_timezone(&Utc));
                        Armed { schedule, next, running: Arc::new(AtomicBool::new(false)) }
                    });
                }
                Err(e) => {
                    let msg = format!("function {}: trigger {:?} ignored: {e}", t.function, t.name);
                    if warned.insert(msg.clone()) {
                        tracing::warn!("{msg}");
                    }
                }
            }
        }
        armed.retain(|k, _| live.contains(k));
        for ((function, name, _), a) in armed.iter_mut() {
            let Some(due) = a.next else { continue };
            if due > now {
                continue;
            }
            a.next = a.schedule.next_after(now).map(|n| n.with_timezone(&Utc));
            if a.running.swap(true, Ordering::SeqCst) {
                tracing::warn!(function = %function, trigger = %name, "previous firing still running; this firing is skipped");
                continue;
            }
            fire(shared.clone(), function.clone(), name.clone(), due, a.running.clone());
        }
        let until_next =
            armed.values().filter_map(|a| a.next).min().map(|n| (n - Utc::now()).to_std().unwrap_or_default());
        let wait = until_next.map_or(RESCAN, |d| d.min(RESCAN));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|p| *p != Phase::Serving) => return,
        }
    }
}

fn fire(shared: Arc<Shared>, function: String, trigger: String, at: DateTime<Utc>, running: Arc<AtomicBool>) {
    let origin = Origin::trigger();
    let job_id = new_job(&shared, &function, true, &origin.source);
    let event = json!({
        "Type": "Timer",
        "TriggerName": trigger,
        "Time": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "Message": "",
    });
    tracing::info!(function = %function, trigger = %trigger, job_id = %job_id, "timer trigger fired");
    tokio::spawn(async move {
        execute(shared, job_id, function, Some(event), None, true, origin).await;
        running.store(false, Ordering::SeqCst);
    });
}
