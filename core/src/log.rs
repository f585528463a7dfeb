//! The core's `tracing` events handed to a host's logging (Logcat, `os_log`, Python's `logging`, Node's
//! `process.emitWarning`), one line of text each. The core never logs secrets, so the text can go anywhere.
//! Bindings call [`forward_events`] with a sink over their host's logger.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

#[cfg(not(target_arch = "wasm32"))]
pub use forward::{forward_events, LogSink};

/// The target of the core's deprecation events (`invokeFunction`, once per process): a host that has its own
/// kind of deprecation warning (Node's `DeprecationWarning`) shows these as such.
pub const DEPRECATION_TARGET: &str = "minicloud::deprecated";

#[cfg(not(target_arch = "wasm32"))]
mod forward {
    use std::sync::{Arc, Once, RwLock};

    use tracing::{Event, Level, Metadata, Subscriber};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    /// Where forwarded events go: `(level, target, text)`, called on the thread the event happens on.
    pub type LogSink = Arc<dyn Fn(Level, &str, String) + Send + Sync>;

    /// The installed sink and the most verbose level it gets.
    static SINK: RwLock<Option<(LogSink, Level)>> = RwLock::new(None);
    static INSTALL: Once = Once::new();

    /// Sends every `tracing` event at `max_level` and above (`tracing` orders levels by verbosity: ERROR <
    /// WARN < ... < TRACE) to `sink` as [`event_text`](super::event_text); `None` stops forwarding. Replaces
    /// any sink set before. Installs the process's global subscriber on first use; a process that already has
    /// its own keeps the events there.
    pub fn forward_events(sink: Option<LogSink>, max_level: Level) {
        *SINK.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = sink.map(|s| (s, max_level));
        INSTALL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Forward));
        });
    }

    fn current() -> Option<(LogSink, Level)> {
        SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The layer that hands events to the installed sink.
    struct Forward;

    impl<S: Subscriber> Layer<S> for Forward {
        fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> tracing::subscriber::Interest {
            // The sink and its level can change at any time, so every event asks `enabled`.
            tracing::subscriber::Interest::sometimes()
        }

        fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
            current().is_some_and(|(_, max)| *metadata.level() <= max)
        }

        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            let Some((sink, max)) = current() else { return };
            let level = *event.metadata().level();
            if level <= max {
                sink(level, event.metadata().target(), super::event_text(event));
            }
        }
    }
}

/// An event's message followed by its other fields as `key=value` (`session store write failed
/// key=ifx_baas_uid error=disk full`).
pub fn event_text(event: &tracing::Event<'_>) -> String {
    let mut text = Text::default();
    event.record(&mut text);
    match (text.message.is_empty(), text.fields.is_empty()) {
        (_, true) => text.message,
        (true, false) => text.fields,
        (false, false) => format!("{} {}", text.message, text.fields),
    }
}

#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &format_args!("{value}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
            return;
        }
        if !self.fields.is_empty() {
            self.fields.push(' ');
        }
        let _ = write!(self.fields, "{}={value:?}", field.name());
    }
}
