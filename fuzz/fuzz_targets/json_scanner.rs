//! The machine's own JSON scanner against serde_json: the same texts are JSON, and the fields the protocol
//! rules read (strings, numbers, booleans, members, the last of duplicate keys) read the same; canonical
//! text is the same value, and canonicalising twice changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minicloud_core::machine::json::{self, Kind, Raw};
use minicloud_fuzz::{reference, Verdict};
use serde_json::Value;

fn same(raw: Raw<'_>, value: &Value) {
    let kind = match value {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Bool,
        Value::Number(_) => Kind::Number,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::Array,
        Value::Object(_) => Kind::Object,
    };
    assert_eq!(raw.kind(), kind, "{:?}", raw.text());
    match value {
        Value::Bool(b) => assert_eq!(raw.as_bool(), Some(*b)),
        Value::String(s) => assert_eq!(raw.as_str().as_deref(), Some(s.as_str())),
        Value::Number(n) => {
            let ours = raw.as_i64().expect("a number reads as a whole number");
            if let Some(exact) = n.as_i64() {
                assert_eq!(ours, exact, "{:?}", raw.text());
            } else if let Some(f) = n.as_f64().filter(|f| f.abs() < 1e15) {
                // serde_json rounds to the nearest f64 first; the scanner floors the written digits exactly.
                assert!((ours as f64 - f.floor()).abs() <= 1.0, "{:?} floored to {ours}", raw.text());
            }
        }
        Value::Object(map) => {
            let members = raw.members();
            let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
            keys.dedup();
            for (key, expected) in map {
                let member = raw.get(key).unwrap_or_else(|| panic!("key {key:?} missing from {:?}", raw.text()));
                same(member, expected);
            }
            let unique: std::collections::BTreeSet<&str> = keys.into_iter().collect();
            assert_eq!(unique.len(), map.len(), "{:?}", raw.text());
        }
        Value::Array(_) | Value::Null => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = json::parse(text);
    let value = match reference(text) {
        Verdict::Json(value) => value,
        Verdict::NotJson => return assert!(ours.is_err(), "not JSON, accepted: {text:?}"),
        Verdict::Undecided => return,
    };
    let raw = ours.unwrap_or_else(|e| panic!("JSON refused: {text:?}: {e:?}"));
    same(raw, &value);
    let canonical = json::canonical(text).expect("a valid document has canonical text");
    assert_eq!(reference(&canonical), Verdict::Json(value), "canonical {canonical:?} of {text:?}");
    assert_eq!(json::canonical(&canonical).as_deref(), Ok(canonical.as_str()));
});
