//! The core's log events, forwarded to JS. `index.js` sends `warn` and above to `process.emitWarning` by
//! default (a session file that cannot be written, ...); `setLogger` lets an app route them elsewhere.

use std::sync::Arc;

use napi::bindgen_prelude::FnArgs;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use tracing::Level;

/// `(level, target, message) => void`, called on the JS thread; weak, so it never keeps Node alive.
type LogFn =
    ThreadsafeFunction<FnArgs<(String, String, String)>, (), FnArgs<(String, String, String)>, Status, false, true>;

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
    let sink = logger.map(|logger| -> minicloud_core::log::LogSink {
        Arc::new(move |level, target, text| {
            let args = (level.as_str().to_ascii_lowercase(), target.to_owned(), text);
            logger.call(args.into(), ThreadsafeFunctionCallMode::NonBlocking);
        })
    });
    minicloud_core::log::forward_events(sink, level);
    Ok(())
}
