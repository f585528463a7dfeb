//! The core's log events, forwarded to the app's own logging (Logcat, `os_log`, Python's `logging`).
//!
//! The core and this layer log through `tracing`: a session store that cannot write, a stored value that is
//! not JSON, the deprecated `invokeFunction`, a failed exchange (debug). Without a [`Logger`] those events go
//! nowhere; [`set_logger`] hands every event at or above a level to the app's logger as one line of text.
//! Events carry no secrets: the core never logs tokens, passwords or app secrets.

use std::sync::Arc;

use tracing::Level;

use crate::CallbackError;

/// How severe a log event is, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// A call or a store failed in a way the app should know about.
    Error,
    /// Something was lost or is deprecated (a session write failed, `invokeFunction` was used).
    Warn,
    /// Notable events.
    Info,
    /// Each failed exchange and each re-login, for debugging.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    fn of(level: Level) -> LogLevel {
        match level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            _ => LogLevel::Trace,
        }
    }

    fn to_tracing(self) -> Level {
        match self {
            LogLevel::Error => Level::ERROR,
            LogLevel::Warn => Level::WARN,
            LogLevel::Info => Level::INFO,
            LogLevel::Debug => Level::DEBUG,
            LogLevel::Trace => Level::TRACE,
        }
    }
}

/// The app's logger. Called on whatever thread the event happens on (often a background thread of the
/// core's runtime): keep it quick and thread-safe. A logger that throws loses that one event, nothing else.
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    /// One event: its level, where it comes from (`minicloud_core::client`, `minicloud_uniffi`) and its text
    /// (the message, then its fields as `key=value`).
    fn log(&self, level: LogLevel, target: String, message: String) -> Result<(), CallbackError>;
}

/// Sends the core's log events at `max_level` and above to `logger`; `None` stops forwarding. Replaces any
/// logger set before. (If the process already has a global `tracing` subscriber of its own, that one keeps
/// the events.)
#[uniffi::export]
pub fn set_logger(logger: Option<Arc<dyn Logger>>, max_level: LogLevel) {
    let sink = logger.map(|logger| -> minicloud_core::log::LogSink {
        // A logger that throws loses that one event.
        Arc::new(move |level, target, text| drop(logger.log(LogLevel::of(level), target.to_owned(), text)))
    });
    minicloud_core::log::forward_events(sink, max_level.to_tracing());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(LogLevel, String, String)>>);

    impl Logger for Recorder {
        fn log(&self, level: LogLevel, target: String, message: String) -> Result<(), CallbackError> {
            self.0.lock().unwrap().push((level, target, message));
            Ok(())
        }
    }

    // One test, because the logger is process-wide.
    #[test]
    fn events_at_or_above_the_level_reach_the_logger_as_text() {
        let recorder = Arc::new(Recorder::default());
        set_logger(Some(recorder.clone()), LogLevel::Warn);
        tracing::warn!(key = "ifx_baas_uid", error = %"disk full", "session store write failed");
        tracing::debug!("below the level");
        set_logger(None, LogLevel::Trace);
        tracing::error!("after the logger was removed");
        let got = recorder.0.lock().unwrap().clone();
        assert_eq!(
            got,
            vec![(
                LogLevel::Warn,
                "minicloud_uniffi::log::tests".to_owned(),
                "session store write failed key=ifx_baas_uid error=disk full".to_owned()
            )]
        );
    }
}
