//! The core's log events, forwarded to JS. `index.js` sends `warn` and above to `process.emitWarning` by
//! default (a session file that cannot be written, ...); `setLogger` lets an app route them elsewhere.

use std::sync::{Arc, Once, RwLock};

use napi::bindgen_prelude::FnArgs;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// `(level, target, message) => void`, called on the JS thread; weak, so it never keeps Node alive.
type LogFn =
    ThreadsafeFunction<FnArgs<(String, String, String)>, (), FnArgs<(String, String, String)>, Status, false, true>;

/// The installed logger and the most verbose level it gets.
static LOGGER: RwLock<Option<(Arc<LogFn>, Level)>> = RwLock::new(None);
static INSTALL: Once = Once::new();

/// Sends the core's log events at `max_level` (`error`, `warn`, `info`, `debug` or `trace`) and above to
/// `logger(level, target, message)`; `null` stops forwarding.
#[napi(
    catch_unwind,
    ts_args_type = "logger: ((level: string, target: string, message: string) => void) | null, maxLevel: string"
)]
pub fn set_logger(logger: Option<LogFn>, max_level: String) -> napi::Result<()> {
    let level = match max_level.as_str() {
        "error" => Level::ERROR,
        "warn" => Level::WARN,
        "info" => Level::INFO,
        "debug" => Level::DEBUG,
        "trace" => Level::TRACE,
        other => {
            return Err(napi::Error::new(
                Status::InvalidArg,
                format!("log level must be one of error, warn, info, debug, trace, got {other:?}"),
            ))
        }
    };
    *LOGGER.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = logger.map(|l| (Arc::new(l), level));
    INSTALL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Forward));
    });
    Ok(())
}

fn current() -> Option<(Arc<LogFn>, Level)> {
    LOGGER.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

/// The `tracing` layer that hands events to the installed JS logger.
struct Forward;

impl<S: Subscriber> Layer<S> for Forward {
    fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // The logger and its level can change at any time, so every event asks `enabled`.
        tracing::subscriber::Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        // tracing orders levels by verbosity: ERROR < WARN < ... < TRACE.
        current().is_some_and(|(_, max)| *metadata.level() <= max)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let Some((logger, max)) = current() else { return };
        let level = *event.metadata().level();
        if level > max {
            return;
        }
        let args = (
            level.as_str().to_ascii_lowercase(),
            event.metadata().target().to_owned(),
            minicloud_core::log::event_text(event),
        );
        logger.call(args.into(), ThreadsafeFunctionCallMode::NonBlocking);
    }
}
