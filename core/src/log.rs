//! Log events as one line of text, for bindings that hand the core's `tracing` events to their host's logging
//! (Logcat, `os_log`, Python's `logging`, Node's `process.emitWarning`). The core never logs secrets, so the
//! text can go anywhere.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};

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
