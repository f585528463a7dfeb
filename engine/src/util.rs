//! Small helpers: random ids, clocks, function-name validation.

use std::time::{SystemTime, UNIX_EPOCH};

/// `n` random bytes as lower-case hex (2n characters).
pub(crate) fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    if getrandom::fill(&mut buf).is_err() {
        // Extremely unlikely; fall back to a time-and-counter based value.
        use std::sync::atomic::{AtomicU64, Ordering};
        static C: AtomicU64 = AtomicU64::new(0);
        let seed = now_nanos() ^ C.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (seed.rotate_left((i * 8) as u32 % 64) & 0xff) as u8;
        }
    }
    hex(&buf)
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn now_nanos() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    now_nanos() / 1_000_000
}

/// Seconds since the Unix epoch.
pub(crate) fn now_s() -> u64 {
    now_nanos() / 1_000_000_000
}

/// Whether `name` is an acceptable function name: `^[A-Za-z0-9_-]{1,64}$`.
pub(crate) fn valid_function_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The error message for a refused function name (the name is escaped and shortened).
pub(crate) fn invalid_name_message(name: &str) -> String {
    let shown: String = name.chars().take(80).collect();
    format!("invalid function name {:?}: a function name must match ^[A-Za-z0-9_-]{{1,64}}$", shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_function_name("helloWorld"));
        assert!(valid_function_name("a-b_C9"));
        assert!(valid_function_name(&"a".repeat(64)));
        for bad in ["", "..", ".", "%2e%2e", "/etc/passwd", "a/b", "a\\b", "a\0", "héllo", " a", &"a".repeat(65)] {
            assert!(!valid_function_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn hex_ids() {
        let a = random_hex(20);
        assert_eq!(a.len(), 40);
        assert_ne!(a, random_hex(20));
    }
}
