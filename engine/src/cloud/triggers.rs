//! Timer triggers (`config.json` `triggers`): WeChat's 7-field cron, parsed with the `cron` crate.
//!
//! WeChat's fields are `second minute hour day month weekday year`; weekdays are `0-6`
//! (`0` = Sunday) or `SUN`-`SAT`. The `cron` crate uses the same field order but numbers
//! weekdays `1-7` (`1` = Sunday), so numeric weekdays are shifted by one before parsing.
//! When both day and weekday are restricted, WeChat fires when *either* matches (as
//! classic cron); the `cron` crate would require both, so such an expression is split
//! into two schedules and the earlier firing wins. Schedules are evaluated in UTC+8
//! (Beijing time, where WeChat's servers run); the event's `Time` is UTC.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;
use std::path::Path;
use std::str::FromStr;

/// The time zone WeChat evaluates timer triggers in (UTC+8).
pub fn trigger_time_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// A parsed timer schedule.
#[derive(Debug, Clone)]
pub struct TimerSchedule {
    expression: String,
    schedules: Vec<cron::Schedule>,
}

impl TimerSchedule {
    /// Parses a WeChat 7-field cron expression (`second minute hour day month weekday year`).
    pub fn parse(expression: &str) -> Result<Self, String> {
        let fields: Vec<&str> = expression.split_whitespace().collect();
        if fields.len() != 7 {
            return Err(format!(
                "cron expression {expression:?} has {} fields; WeChat's has 7: second minute hour day month weekday year",
                fields.len()
            ));
        }
        let weekday = shift_weekdays(fields[5]).map_err(|e| format!("cron expression {expression:?}: {e}"))?;
        let restricted = |f: &str| f != "*" && f != "?";
        let mut variants = Vec::new();
        if restricted(fields[3]) && restricted(fields[5]) {
            variants.push([fields[0], fields[1], fields[2], fields[3], fields[4], "*", fields[6]].join(" "));
            variants.push([fields[0], fields[1], fields[2], "*", fields[4], &weekday, fields[6]].join(" "));
        } else {
            variants.push([fields[0], fields[1], fields[2], fields[3], fields[4], &weekday, fields[6]].join(" "));
        }
        let schedules = variants
            .iter()
            .map(|v| cron::Schedule::from_str(v).map_err(|e| format!("cron expression {expression:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TimerSchedule { expression: expression.to_string(), schedules })
    }

    /// The expression as written in `config.json`.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first firing strictly after `after`, in UTC+8; `None` when the schedule has ended.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<FixedOffset>> {
        let local = after.with_timezone(&trigger_time_zone());
        self.schedules.iter().filter_map(|s| s.after(&local).next()).min()
    }

    /// The next `n` firings strictly after `after`, in UTC+8.
    pub fn upcoming(&self, after: DateTime<Utc>, n: usize) -> Vec<DateTime<FixedOffset>> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t) {
                Some(next) => {
                    t = next.with_timezone(&Utc);
                    out.push(next);
                }
                None => break,
            }
        }
        out
    }
}

/// Rewrites WeChat's weekday field (`0-6`, `0` = Sunday) into the `cron` crate's (`1-7`).
fn shift_weekdays(field: &str) -> Result<String, String> {
    let shift = |v: &str| -> Result<String, String> {
        if v.chars().all(|c| c.is_ascii_alphabetic()) {
            return Ok(v.to_string());
        }
        match v.parse::<u8>() {
            Ok(n) if n <= 6 => Ok((n + 1).to_string()),
            _ => Err(format!("weekday {v:?} must be 0-6 (0 = Sunday) or SUN-SAT")),
        }
    };
    field
        .split(',')
        .map(|part| {
            let (base, step) = match part.split_once('/') {
                Some((b, s)) => (b, Some(s)),
                None => (part, None),
            };
            let base = if base == "*" || base == "?" {
                base.to_string()
            } else if let Some((a, b)) = base.split_once('-') {
                format!("{}-{}", shift(a)?, shift(b)?)
            } else {
                shift(base)?
            };
            Ok(match step {
                Some(s) => format!("{base}/{s}"),
                None => base,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(|parts| parts.join(","))
}

/// One timer trigger declared in a function's `config.json`.
#[derive(Debug, Clone)]
pub struct TimerTrigger {
    /// The function that declares it.
    pub function: String,
    /// The trigger's `name` (empty when the declaration could not be read).
    pub name: String,
    /// The schedule, or why the declaration is refused (bad cron, bad name, unsupported type,
    /// unreadable `config.json`).
    pub schedule: Result<TimerSchedule, String>,
}

/// Whether `name` is an acceptable trigger name: up to 60 of `a-z A-Z 0-9 - _`, starting with a letter.
fn valid_trigger_name(name: &str) -> bool {
    name.len() <= 60
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The timer triggers of one function, from its parsed `config.json`.
pub(crate) fn from_config(function: &str, cfg: &Value) -> Vec<TimerTrigger> {
    let Some(triggers) = cfg.get("triggers") else {
        return Vec::new();
    };
    let Some(items) = triggers.as_array() else {
        let schedule = Err("config.json `triggers` must be an array".to_string());
        return vec![TimerTrigger { function: function.to_string(), name: String::new(), schedule }];
    };
    let mut seen = std::collections::HashSet::new();
    items
        .iter()
        .map(|t| {
            let name = t.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            let schedule = if !valid_trigger_name(&name) {
                Err(format!("trigger name {name:?} must be 1-60 of a-z A-Z 0-9 - _ and start with a letter"))
            } else if !seen.insert(name.clone()) {
                Err(format!("trigger name {name:?} is used twice"))
            } else if t.get("type").and_then(Value::as_str) != Some("timer") {
                Err(format!("trigger {name}: only \"type\": \"timer\" is supported"))
            } else {
                match t.get("config").and_then(Value::as_str) {
                    Some(expr) => TimerSchedule::parse(expr),
                    None => Err(format!("trigger {name}: \"config\" must be a cron expression string")),
                }
            };
            TimerTrigger { function: function.to_string(), name, schedule }
        })
        .collect()
}

/// Every timer trigger declared under `functions_dir` (functions in name order), including
/// refused declarations with the reason.
pub fn timer_triggers(functions_dir: &Path) -> Vec<TimerTrigger> {
    let mut names: Vec<String> = std::fs::read_dir(functions_dir)
        .map(|rd| rd.flatten().filter_map(|e| e.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    names.retain(|n| crate::util::valid_function_name(n) && functions_dir.join(n).join("index.js").is_file());
    names.sort();
    let mut out = Vec::new();
    for name in names {
        match crate::function::config::read_config(&functions_dir.join(&name)) {
            Ok(Some(cfg)) => out.extend(from_config(&name, &cfg)),
            Ok(None) => {}
            Err(e) => out.push(TimerTrigger { function: name, name: String::new(), schedule: Err(e) }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_seventh_field_is_the_year() {
        let s = TimerSchedule::parse("0 30 9 * * * 2099").unwrap();
        let next = s.next_after(utc("2026-01-01T00:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2099-01-01T09:30:00+08:00");
    }

    #[test]
    fn schedules_run_in_utc_plus_8() {
        // 2:00 on the 1st of each month, Beijing time = 18:00 UTC the day before.
        let s = TimerSchedule::parse("0 0 2 1 * * *").unwrap();
        let next = s.next_after(utc("2026-03-15T00:00:00Z")).unwrap();
        assert_eq!(next.with_timezone(&Utc), Utc.with_ymd_and_hms(2026, 3, 31, 18, 0, 0).unwrap());
    }

    #[test]
    fn weekday_zero_is_sunday() {
        // 2026-11-21 is a Saturday.
        let s = TimerSchedule::parse("0 0 12 * * 0 *").unwrap();
        let next = s.next_after(utc("2026-11-21T00:00:00Z")).unwrap();
        assert_eq!(next.to_rfc3339(), "2026-11-22T12:00:00+08:00");
        let names = TimerSchedule::parse("0 0 12 * * SUN *").unwrap();
        assert_eq!(names.next_after(utc("2026-11-21T00:00:00Z")), Some(next));
    }

    #[test]
    fn weekday_ranges_and_steps_are_shifted() {
        assert_eq!(shift_weekdays("1-5").unwrap(), "2-6");
        assert_eq!(shift_weekdays("0,6").unwrap(), "1,7");
        assert_eq!(shift_weekdays("*/2").unwrap(), "*/2");
        assert_eq!(shift_weekdays("0-6/3").unwrap(), "1-7/3");
        assert_eq!(shift_weekdays("MON-FRI").unwrap(), "MON-FRI");
        assert!(shift_weekdays("7").unwrap_err().contains("0-6"));
    }

    #[test]
    fn day_and_weekday_both_restricted_fire_on_either() {
        // The 1st of the month or any Monday; after Sat 2026-11-21 the next is Mon 2026-11-23.
        let s = TimerSchedule::parse("0 0 8 1 * 1 *").unwrap();
        let got = s.upcoming(utc("2026-11-21T00:00:00Z"), 3);
        let got: Vec<String> = got.iter().map(|t| t.to_rfc3339()).collect();
        assert_eq!(got, ["2026-11-23T08:00:00+08:00", "2026-11-30T08:00:00+08:00", "2026-12-01T08:00:00+08:00"]);
    }

    #[test]
    fn every_second_fires_each_second() {
        let s = TimerSchedule::parse("* * * * * * *").unwrap();
        let got = s.upcoming(utc("2026-01-01T00:00:00Z"), 2);
        assert_eq!(got[1] - got[0], chrono::Duration::seconds(1));
    }

    #[test]
    fn bad_expressions_name_the_problem() {
        assert!(TimerSchedule::parse("0 0 2 1 * *").unwrap_err().contains("has 6 fields"));
        assert!(TimerSchedule::parse("0 0 25 * * * *").is_err());
    }

    #[test]
    fn declarations_are_checked() {
        let cfg = serde_json::json!({"triggers": [
            {"name": "ok", "type": "timer", "config": "0 0 2 1 * * *"},
            {"name": "9bad", "type": "timer", "config": "0 0 2 1 * * *"},
            {"name": "ok", "type": "timer", "config": "0 0 2 1 * * *"},
            {"name": "other", "type": "cos", "config": "x"}
        ]});
        let t = from_config("f", &cfg);
        assert!(t[0].schedule.is_ok());
        assert!(t[1].schedule.as_ref().unwrap_err().contains("start with a letter"));
        assert!(t[2].schedule.as_ref().unwrap_err().contains("used twice"));
        assert!(t[3].schedule.as_ref().unwrap_err().contains("timer"));
    }
}
