//! The redaction: any free text is accepted and a planted secret after a secret key never survives; any JSON
//! text comes out as JSON with every secret key's value replaced, at any depth; text that is not JSON comes
//! out as a JSON string (what `HError` details hold).
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::json;
use minicloud_core::redact::{is_secret_key, redact_text, REDACTED};
use minicloud_core::{ErrorKind, HError};
use minicloud_fuzz::{assert_json, check_redacted, reference, Verdict};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Free text: never a panic, and a secret written after a secret key (the value is chosen so no separator
    // of the text can end it early) never survives.
    let _ = redact_text(&text);
    if !text.contains("x1y2z3") {
        let planted = format!("{text} access_token=SECRET-x1y2z3 {text}");
        assert!(!redact_text(&planted).contains("SECRET-x1y2z3"), "{planted:?}");
    }

    // JSON text.
    let redaction = json::Redaction { is_secret_key: &is_secret_key, replacement: REDACTED, scrub: &redact_text };
    match (json::redacted(&text, &redaction), reference(&text)) {
        (Ok(out), Verdict::Json(_)) => {
            if let Some(value) = assert_json(&out, "redacted JSON") {
                check_redacted(&value);
            }
        }
        (Ok(_), Verdict::NotJson) => panic!("redacted text that is not JSON: {text:?}"),
        (Err(_), Verdict::Json(_)) => panic!("refused JSON: {text:?}"),
        _ => {}
    }

    // HError details: always JSON, never a secret key's value.
    let error = HError::with_text(400, ErrorKind::Http, "x").with_details_json(&text);
    let details = error.details_json().expect("details were attached");
    match reference(details) {
        Verdict::Json(value) => check_redacted(&value),
        Verdict::NotJson => panic!("details are not JSON: {details:?}"),
        Verdict::Undecided => {}
    }
});
