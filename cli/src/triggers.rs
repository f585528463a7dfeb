//! `minicloud triggers`: the timer triggers declared in a functions directory and when they fire next.

use chrono::{DateTime, Utc};
use clap::Args;
use minicloud_engine::triggers::timer_triggers;
use std::path::PathBuf;

/// Arguments of `minicloud triggers`.
#[derive(Debug, Args)]
pub struct TriggersArgs {
    /// Functions directory. Defaults to ./functions if present, else the bundled examples/functions.
    pub dir: Option<PathBuf>,
    /// How many upcoming firings to print per trigger.
    #[arg(long, default_value_t = 5)]
    pub count: usize,
    /// List firings after this time (RFC 3339, e.g. 2026-01-01T00:00:00Z) instead of now.
    #[arg(long)]
    pub after: Option<String>,
}

/// Prints each trigger with its next firings (UTC+8, as WeChat evaluates them); fails when a
/// declaration is refused (bad cron, bad name, unsupported type, unreadable config.json).
pub async fn run(args: TriggersArgs) -> Result<(), String> {
    let after = match &args.after {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map_err(|e| format!("--after {t:?} is not an RFC 3339 time: {e}"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let (dir, _examples) = match args.dir {
        Some(dir) => (dir, None),
        None => crate::examples::default_dir()?,
    };
    if !dir.is_dir() {
        return Err(format!("functions directory {} does not exist", dir.display()));
    }
    let triggers = timer_triggers(&dir);
    if triggers.is_empty() {
        println!("no timer triggers in {}", dir.display());
        return Ok(());
    }
    let mut refused = 0;
    for t in &triggers {
        match &t.schedule {
            Ok(schedule) => {
                println!("{}/{}  \"{}\"  (UTC+8)", t.function, t.name, schedule.expression());
                let upcoming = schedule.upcoming(after, args.count);
                if upcoming.is_empty() {
                    println!("  (no more firings)");
                }
                for when in upcoming {
                    println!("  {}", when.format("%Y-%m-%d %H:%M:%S %:z"));
                }
            }
            Err(e) => {
                refused += 1;
                println!("{}/{}  refused: {e}", t.function, t.name);
            }
        }
    }
    if refused > 0 {
        return Err(format!("{refused} trigger declaration(s) refused (see above); the engine ignores them"));
    }
    Ok(())
}
