//! The one rule for time and size limits, for every binding and option: a limit is a finite number from 1
//! to 2^31−1 (time in whole milliseconds after rounding up, so a JS timer can hold it; size in whole bytes).
//! Anything else — 0, negative, NaN, ±Infinity, fractional bytes, values too large — is HError 605 naming
//! the option and the value, e.g. `"605: timeoutMs must be a number of milliseconds from 1 to 2147483647,
//! got NaN"`.

use std::time::Duration;

use super::error::HError;
use super::text::push_number;

/// The largest time limit, in milliseconds (2^31−1: the largest delay a JavaScript timer keeps).
pub const MAX_TIME_LIMIT_MS: u32 = 2_147_483_647;

/// The largest size limit, in bytes (2^31−1).
pub const MAX_SIZE_LIMIT_BYTES: u32 = 2_147_483_647;

fn refused(option: &str, rule: &str, value: f64) -> HError {
    let mut text = String::with_capacity(option.len() + rule.len() + 16);
    text.push_str(option);
    text.push_str(rule);
    push_number(&mut text, value);
    HError::invalid_argument(text)
}

/// A time limit given as a number of milliseconds (a JS number, a config value), rounded up to whole
/// milliseconds; HError 605 naming `option` and the value unless it is from 1 to [`MAX_TIME_LIMIT_MS`].
pub fn time_limit_ms(option: &str, value: f64) -> Result<u32, HError> {
    let rounded = value.ceil();
    if value > 0.0 && rounded <= f64::from(MAX_TIME_LIMIT_MS) {
        return Ok(rounded as u32);
    }
    Err(refused(option, " must be a number of milliseconds from 1 to 2147483647, got ", value))
}

/// [`time_limit_ms`] as a [`Duration`].
pub fn time_limit(option: &str, value: f64) -> Result<Duration, HError> {
    time_limit_ms(option, value).map(|ms| Duration::from_millis(ms.into()))
}

/// A time limit given as a [`Duration`] (the Rust API), checked by the same rule: sub-millisecond parts
/// round up; zero or more than [`MAX_TIME_LIMIT_MS`] is HError 605 naming `option`.
pub fn duration_ms(option: &str, value: Duration) -> Result<u32, HError> {
    let partial = u64::from(value.subsec_nanos() % 1_000_000 != 0);
    let whole = value.as_secs().saturating_mul(1000).saturating_add(u64::from(value.subsec_millis()) + partial);
    match u32::try_from(whole) {
        Ok(ms) if (1..=MAX_TIME_LIMIT_MS).contains(&ms) => Ok(ms),
        _ => Err(refused(
            option,
            " must be a number of milliseconds from 1 to 2147483647, got ",
            value.as_secs_f64() * 1000.0,
        )),
    }
}

/// A size limit given as a number of bytes; HError 605 naming `option` and the value unless it is a whole
/// number from 1 to [`MAX_SIZE_LIMIT_BYTES`].
pub fn size_limit(option: &str, value: f64) -> Result<u32, HError> {
    if value >= 1.0 && value <= f64::from(MAX_SIZE_LIMIT_BYTES) && value.fract() == 0.0 {
        return Ok(value as u32);
    }
    Err(refused(option, " must be a whole number of bytes from 1 to 2147483647, got ", value))
}

/// [`size_limit`] for a size already held as an integer (the Rust API).
pub fn size_limit_bytes(option: &str, value: usize) -> Result<u32, HError> {
    match u32::try_from(value) {
        Ok(n) if (1..=MAX_SIZE_LIMIT_BYTES).contains(&n) => Ok(n),
        _ => Err(refused(option, " must be a whole number of bytes from 1 to 2147483647, got ", value as f64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_round_up_to_whole_milliseconds() {
        assert_eq!(time_limit_ms("timeoutMs", 1500.0), Ok(1500));
        assert_eq!(time_limit_ms("timeoutMs", 0.2), Ok(1));
        assert_eq!(time_limit_ms("timeoutMs", 2147483647.0), Ok(MAX_TIME_LIMIT_MS));
        assert_eq!(duration_ms("timeout", Duration::from_micros(1500)), Ok(2));
    }

    #[test]
    fn bad_time_limits_name_the_option_and_the_value() {
        for (value, shown) in [
            (0.0, "0"),
            (-5.0, "-5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (2147483647.5, "2147483647.5"),
            (1e300, "1e+300"),
        ] {
            let e = time_limit_ms("timeoutMs", value).unwrap_err();
            assert_eq!(e.code(), 605);
            assert_eq!(
                e.message(),
                format!("605: timeoutMs must be a number of milliseconds from 1 to 2147483647, got {shown}")
            );
        }
        assert_eq!(duration_ms("sync_timeout", Duration::ZERO).unwrap_err().code(), 605);
        assert_eq!(duration_ms("sync_timeout", Duration::from_secs(u64::MAX)).unwrap_err().code(), 605);
    }

    #[test]
    fn size_limits_are_whole_bytes() {
        assert_eq!(size_limit("maxRequestBytes", 64.0), Ok(64));
        for bad in [0.0, -1.0, 1.5, f64::NAN, 4294967296.0] {
            assert_eq!(size_limit("maxRequestBytes", bad).unwrap_err().code(), 605, "{bad}");
        }
        assert_eq!(size_limit_bytes("max_request_bytes", 0).unwrap_err().code(), 605);
    }
}
