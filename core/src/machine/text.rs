//! Text assembly without `core::fmt`: integers and JS-style numbers pushed onto a `String`, so the machine's
//! messages cost the wasm build no formatting machinery.

use std::borrow::Cow;

/// Appends the decimal digits of `n`.
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        if let Some(slot) = digits.get_mut(len) {
            *slot = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for digit in digits.iter().take(len).rev() {
        out.push(char::from(*digit));
    }
}

/// Appends `n` in decimal, with a leading `-` when negative.
pub fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// `n` in decimal, as a new string.
pub fn u64_text(n: u64) -> String {
    let mut out = String::new();
    push_u64(&mut out, n);
    out
}

/// Appends a number the way JavaScript's `String(value)` shows it, closely enough to name a value in a
/// message: `NaN`, `Infinity`, `-5`, `0.25`, `1e+300`. Fractions keep at most six digits.
pub fn push_number(out: &mut String, value: f64) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value < 0.0 {
        out.push('-');
    }
    let magnitude = value.abs();
    if magnitude.is_infinite() {
        out.push_str("Infinity");
        return;
    }
    if magnitude >= 1e21 {
        // Scientific: one digit, up to six decimals, then the exponent.
        let mut exponent = 0u32;
        let mut mantissa = magnitude;
        while mantissa >= 10.0 {
            mantissa /= 10.0;
            exponent += 1;
        }
        push_fixed(out, mantissa);
        out.push_str("e+");
        push_u64(out, u64::from(exponent));
        return;
    }
    push_fixed(out, magnitude);
}

/// A non-negative finite value below 1e21: its integer digits, then up to six trimmed decimals.
fn push_fixed(out: &mut String, magnitude: f64) {
    let whole = magnitude.trunc();
    let mut millionths = ((magnitude - whole) * 1_000_000.0).round() as u64;
    let mut whole = whole;
    if millionths >= 1_000_000 {
        whole += 1.0;
        millionths -= 1_000_000;
    }
    push_whole(out, whole);
    if millionths > 0 {
        out.push('.');
        let mut digits = [b'0'; 6];
        let mut rest = millionths;
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let end = digits.iter().rposition(|d| *d != b'0').map_or(0, |i| i + 1);
        for digit in digits.iter().take(end) {
            out.push(char::from(*digit));
        }
    }
}

/// A whole, non-negative `f64` below 1e21 in decimal (the digits of its exact value, as JavaScript shows it).
fn push_whole(out: &mut String, whole: f64) {
    if whole < 1e19 {
        push_u64(out, whole as u64);
        return;
    }
    // Above u64's range: split off the last nine digits, which f64 still holds exactly here.
    let high = (whole / 1e9).trunc();
    let low = (whole - high * 1e9) as u64;
    push_whole(out, high);
    let mut low_text = String::new();
    push_u64(&mut low_text, low);
    for _ in low_text.len()..9 {
        out.push('0');
    }
    out.push_str(&low_text);
}

/// Appends `text` percent-encoded: each byte `keep` accepts as it is, a space as `+` when `space_as_plus`
/// (form encoding), every other byte as `%XX` (upper-case hex).
pub fn push_percent_encoded(out: &mut String, text: &str, keep: fn(u8) -> bool, space_as_plus: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else if byte == b' ' && space_as_plus {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0')));
            out.push(char::from(HEX.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0')));
        }
    }
}

/// `bytes` as text, each invalid UTF-8 sequence replaced by U+FFFD exactly as `String::from_utf8_lossy` does
/// (the same maximal-subpart rule, read from `Utf8Error`); borrowed when the bytes are valid. Built on
/// `str::from_utf8` alone, which the machine needs anyway, so the wasm build carries no second UTF-8 decoder.
pub fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    let mut out = String::new();
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) if rest.len() == bytes.len() => return Cow::Borrowed(valid),
            Ok(valid) => {
                out.push_str(valid);
                return Cow::Owned(out);
            }
            Err(error) => {
                let valid = rest.get(..error.valid_up_to()).unwrap_or_default();
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push('\u{FFFD}');
                // An incomplete sequence at the end (no `error_len`) is one replacement for all of it.
                let skip = error.valid_up_to() + error.error_len().map_or(rest.len(), usize::from);
                rest = rest.get(skip..).unwrap_or_default();
            }
        }
    }
}

/// The first `chars` characters of `bytes` read as text ([`lossy`]): the start of a body an error quotes.
pub fn preview(bytes: &[u8], chars: usize) -> String {
    let text = lossy(bytes);
    // A character starts at every byte that is not a UTF-8 continuation byte (`10xxxxxx`).
    let starts = text.bytes().enumerate().filter(|(_, b)| b & 0xC0 != 0x80);
    let end = starts.map(|(i, _)| i).nth(chars).unwrap_or(text.len());
    text.get(..end).unwrap_or_default().to_owned()
}

/// Whether `set` holds `byte`. A plain loop: `<[u8]>::contains` brings memchr into the wasm build, for sets of
/// a few bytes.
#[allow(clippy::manual_contains)]
pub fn has_byte(set: &[u8], byte: u8) -> bool {
    set.iter().any(|b| *b == byte)
}

/// Concatenates text pieces into one string.
pub fn concat(pieces: &[&str]) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for piece in pieces {
        out.push_str(piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Valid text mixed with every kind of invalid UTF-8: stray continuation bytes, overlong forms, encoded
    /// surrogates, bytes that never start a sequence, and sequences cut short in the middle and at the end.
    const BROKEN: &[&[u8]] = &[
        b"",
        "plain 中文 🚀 text".as_bytes(),
        b"\x80",
        b"ok\xffok",
        b"\xc0\xaf overlong",
        b"\xed\xa0\x80 surrogate",
        b"\xf5\xf8\xfe",
        b"cut \xe4\xb8 then \xf0\x9f\x9a text",
        b"ends cut \xf0\x9f\x9a",
        b"\xe4\xb8\xad\xe6\x96",
        b"\xf0\x9f\x9a\x80\x80\x80 extra continuations",
    ];

    #[test]
    fn lossy_replaces_invalid_utf8_exactly_as_std_does() {
        for bytes in BROKEN {
            assert_eq!(lossy(bytes), String::from_utf8_lossy(bytes), "{bytes:?}");
        }
    }

    #[test]
    fn lossy_borrows_valid_text() {
        assert!(matches!(lossy("中文 🚀".as_bytes()), Cow::Borrowed("中文 🚀")));
    }

    #[test]
    fn preview_keeps_the_first_characters_whole() {
        let text = "知晓云🚀".repeat(100);
        let expected: String = text.chars().take(200).collect();
        assert_eq!(preview(text.as_bytes(), 200), expected);
        assert_eq!(preview("短 🚀".as_bytes(), 200), "短 🚀");
        assert_eq!(preview(b"ab\xffcd", 3), "ab\u{FFFD}");
    }

    proptest! {
        #[test]
        fn lossy_and_preview_agree_with_std_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes));
            let expected: String = String::from_utf8_lossy(&bytes).chars().take(7).collect();
            prop_assert_eq!(preview(&bytes, 7), expected);
        }
    }

    fn number(v: f64) -> String {
        let mut out = String::new();
        push_number(&mut out, v);
        out
    }

    #[test]
    fn integers_are_written_in_decimal() {
        assert_eq!(u64_text(0), "0");
        assert_eq!(u64_text(u64::MAX), "18446744073709551615");
        let mut out = String::new();
        push_i64(&mut out, i64::MIN);
        assert_eq!(out, "-9223372036854775808");
    }

    #[test]
    fn numbers_read_as_javascript_shows_them() {
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "Infinity");
        assert_eq!(number(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(number(-5.0), "-5");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(1500.0), "1500");
        assert_eq!(number(2147483648.0), "2147483648");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(1e300), "1e+300");
        assert_eq!(number(0.9999999), "1");
    }
}
