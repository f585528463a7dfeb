//! The core's log events, forwarded to the app's own logging (Logcat, `os_log`, Python's `logging`).
//!
//! The core and this layer log through `tracing`: a session store that cannot write, a stored value that is
//! not JSON, the deprecated `invokeFunction`, a failed exchange (debug). Without a [`Logger`] those events go
//! nowhere; [`set_logger`] hands every event at or above a level to the app's logger as one line of text.
//! Events carry no secrets: the core never logs tokens, passwords or app secrets.

use std::sync::{Arc, Once, RwLock};

use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

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
    fn of(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            _ => LogLevel::Trace,
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

/// The installed logger and the most verbose level it gets.
static LOGGER: RwLock<Option<(Arc<dyn Logger>, LogLevel)>> = RwLock::new(None);
static INSTALL: Once = Once::new();

/// Sends the core's log events at `max_level` and above to `logger`; `None` stops forwarding. Replaces any
/// logger set before. (If the process already has a global `tracing` subscriber of its own, that one keeps
/// the events.)
#[uniffi::export]
pub fn set_logger(logger: Option<Arc<dyn Logger>>, max_level: LogLevel) {
    *LOGGER.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = logger.map(|l| (l, max_level));
    INSTALL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Forward));
    });
}

fn current() -> Option<(Arc<dyn Logger>, LogLevel)> {
    LOGGER.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

/// The `tracing` layer that hands events to the installed [`Logger`].
struct Forward;

impl<S: Subscriber> Layer<S> for Forward {
    fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The logger and its level can change at any time, so every event asks `enabled`.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        current().is_some_and(|(_, max)| LogLevel::of(metadata.level()) <= max)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let Some((logger, max)) = current() else { return };
        let level = LogLevel::of(event.metadata().level());
        if level > max {
            return;
        }
        let text = minicloud_core::log::event_text(event);
        let _ = logger.log(level, event.metadata().target().to_owned(), text);
    }
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
