//! JSON as text: a small validating scanner that reads the few fields the protocol rules need, and a
//! writer that builds request bodies by concatenation with the same string escaping as `JSON.stringify`
//! and serde_json. JSON crosses every boundary as text; the machine never builds a document tree.
//!
//! The scanner follows RFC 8259 strictly (no trailing commas, no comments, no `NaN`), accepts any nesting
//! depth without recursion, and refuses lone UTF-16 surrogate escapes (`"\ud800"`), which no Rust string
//! and no serde_json value can hold.

use super::text::{has_byte, push_u64};

/// The type of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Kind {
    /// How an error message names a value of this type (`a string`, `an object`, ...).
    pub fn described(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// Where and why a text is not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What was wrong (`"expected a value"`, `"unterminated string"`, ...).
    pub problem: &'static str,
}

impl JsonError {
    /// `"{problem} at byte {offset}"`.
    pub fn describe(&self) -> String {
        let mut out = String::from(self.problem);
        out.push_str(" at byte ");
        push_u64(&mut out, self.offset as u64);
        out
    }
}

/// One complete JSON value inside a validated document: its text (without surrounding whitespace) and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw<'a> {
    text: &'a str,
    kind: Kind,
}

/// Validates `text` as one JSON document and returns its value.
pub fn parse(text: &str) -> Result<Raw<'_>, JsonError> {
    walk(text, &mut |_| {})
}

impl<'a> Raw<'a> {
    /// The value's JSON text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The value's type.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        self.kind == Kind::Null
    }

    /// A string value, unescaped.
    pub fn as_str(&self) -> Option<String> {
        (self.kind == Kind::String).then(|| unescape(self.text))
    }

    /// A boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match (self.kind, self.text) {
            (Kind::Bool, "true") => Some(true),
            (Kind::Bool, _) => Some(false),
            _ => None,
        }
    }

    /// A number rounded down to a whole number, saturating at the `i64` range (`7200.9` → 7200,
    /// `-1.5` → -2, `1e400` → `i64::MAX`).
    pub fn as_i64(&self) -> Option<i64> {
        (self.kind == Kind::Number).then(|| floor_i64(self.text))
    }

    /// The members of an object, in document order (keys unescaped). Empty for anything else.
    pub fn members(&self) -> Vec<(String, Raw<'a>)> {
        let mut members = Vec::new();
        if self.kind != Kind::Object {
            return members;
        }
        let bytes = self.text.as_bytes();
        let mut i = skip_ws(bytes, 1);
        while bytes.get(i) == Some(&b'"') {
            let key_end = skip_string(bytes, i);
            let key = self.text.get(i..key_end).map(unescape).unwrap_or_default();
            i = skip_ws(bytes, key_end);
            if bytes.get(i) != Some(&b':') {
                break;
            }
            let start = skip_ws(bytes, i + 1);
            let end = skip_value(bytes, start);
            let (Some(text), Some(first)) = (self.text.get(start..end), bytes.get(start)) else { break };
            members.push((key, Raw { text, kind: kind_of(*first) }));
            i = skip_ws(bytes, end);
            if bytes.get(i) == Some(&b',') {
                i = skip_ws(bytes, i + 1);
            }
        }
        members
    }

    /// The elements of an array, in order. Empty for anything else.
    pub fn elements(&self) -> Vec<Raw<'a>> {
        let mut elements = Vec::new();
        if self.kind != Kind::Array {
            return elements;
        }
        let bytes = self.text.as_bytes();
        let mut i = skip_ws(bytes, 1);
        while bytes.get(i).is_some_and(|b| *b != b']') {
            let end = skip_value(bytes, i);
            let (Some(text), Some(first)) = (self.text.get(i..end), bytes.get(i)) else { break };
            elements.push(Raw { text, kind: kind_of(*first) });
            i = skip_ws(bytes, end);
            if bytes.get(i) == Some(&b',') {
                i = skip_ws(bytes, i + 1);
            }
        }
        elements
    }

    /// The value of `key` in an object (the last one, as `JSON.parse` keeps it).
    pub fn get(&self, key: &str) -> Option<Raw<'a>> {
        self.members().into_iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The string value of `key` in an object.
    pub fn get_str(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|v| v.as_str())
    }
}

fn kind_of(first: u8) -> Kind {
    match first {
        b'{' => Kind::Object,
        b'[' => Kind::Array,
        b'"' => Kind::String,
        b't' | b'f' => Kind::Bool,
        b'n' => Kind::Null,
        _ => Kind::Number,
    }
}

/// Re-writes a JSON document compactly: no insignificant whitespace, strings escaped as `JSON.stringify`
/// escapes them, numbers exactly as written. Key order and duplicate keys are kept.
pub fn canonical(text: &str) -> Result<String, JsonError> {
    rewrite(text, None)
}

/// How secrets leave a JSON document: the value of every key `is_secret_key` names becomes `replacement`, at
/// any depth, and every other string is `scrub`bed (secrets written inside text: `access_token=…` in a URL).
pub struct Redaction<'a> {
    /// Whether a key names a secret.
    pub is_secret_key: &'a dyn Fn(&str) -> bool,
    /// What a secret value becomes.
    pub replacement: &'a str,
    /// Removes secrets written inside a string.
    pub scrub: &'a dyn Fn(&str) -> String,
}

/// [`canonical`], with secrets removed as `redaction` says.
pub fn redacted(text: &str, redaction: &Redaction<'_>) -> Result<String, JsonError> {
    rewrite(text, Some(redaction))
}

fn rewrite(text: &str, redaction: Option<&Redaction<'_>>) -> Result<String, JsonError> {
    let mut out = String::with_capacity(text.len());
    let mut writer = Writer::default();
    // While Some(depth): the value of a secret key is being skipped; it ends when the walk is back at depth.
    let mut skipping: Option<usize> = None;
    let mut depth = 0usize;
    walk(text, &mut |event| match event {
        Event::Open(kind) => {
            if skipping.is_none() {
                writer.before_value(&mut out);
                out.push(if kind == Kind::Object { '{' } else { '[' });
                writer.open();
            }
            depth += 1;
        }
        Event::Close(kind) => {
            depth = depth.saturating_sub(1);
            match skipping {
                Some(at) if at == depth => skipping = None,
                Some(_) => {}
                None => {
                    writer.close();
                    out.push(if kind == Kind::Object { '}' } else { ']' });
                }
            }
        }
        Event::Key(raw) if skipping.is_none() => {
            let key = unescape(raw);
            writer.key(&mut out, &key);
            if let Some(redaction) = redaction.filter(|r| (r.is_secret_key)(&key)) {
                push_string(&mut out, redaction.replacement);
                writer.value_written();
                skipping = Some(depth);
            }
        }
        Event::Key(_) => {}
        Event::Scalar(raw, kind) => match skipping {
            Some(at) if at == depth => skipping = None,
            Some(_) => {}
            None => {
                writer.before_value(&mut out);
                if kind == Kind::String {
                    let value = unescape(raw);
                    match redaction {
                        Some(redaction) => push_string(&mut out, &(redaction.scrub)(&value)),
                        None => push_string(&mut out, &value),
                    }
                } else {
                    out.push_str(raw);
                }
            }
        },
    })?;
    Ok(out)
}

/// Tracks commas while writing compact JSON.
#[derive(Default)]
struct Writer {
    /// Per open container: whether something was written in it yet.
    written: Vec<bool>,
    /// A key was just written: the next value follows its colon.
    after_key: bool,
}

impl Writer {
    fn before_value(&mut self, out: &mut String) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(written) = self.written.last_mut() {
            if *written {
                out.push(',');
            }
            *written = true;
        }
    }

    fn value_written(&mut self) {
        self.after_key = false;
    }

    fn key(&mut self, out: &mut String, key: &str) {
        if let Some(written) = self.written.last_mut() {
            if *written {
                out.push(',');
            }
            *written = true;
        }
        push_string(out, key);
        out.push(':');
        self.after_key = true;
    }

    fn open(&mut self) {
        self.written.push(false);
    }

    fn close(&mut self) {
        self.written.pop();
    }
}

/// Appends `value` as a JSON string: `"` and `\` escaped, `\b \f \n \r \t` by name, other control characters
/// as `\u00XX`; everything else (including non-ASCII text and emoji) as is, exactly as `JSON.stringify` and
/// serde_json write it.
pub fn push_string(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(value.len() + 2);
    out.push('"');
    // Every byte to escape is ASCII, so the text between two of them is whole characters: copied in one go.
    let mut copied = 0;
    for (i, byte) in value.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(value.get(copied..i).unwrap_or_default());
        copied = i + 1;
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(HEX.get(usize::from(byte >> 4)).copied().unwrap_or(b'0')));
            out.push(char::from(HEX.get(usize::from(byte & 0xf)).copied().unwrap_or(b'0')));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(value.get(copied..).unwrap_or_default());
    out.push('"');
}

/// `value` as a JSON string.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_string(&mut out, value);
    out
}

/// Builds a JSON object by concatenation, keys in the order they are added.
#[derive(Debug)]
pub struct ObjectWriter {
    out: String,
    empty: bool,
}

impl Default for ObjectWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectWriter {
    /// An empty object.
    pub fn new() -> Self {
        ObjectWriter { out: String::from("{"), empty: true }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        push_string(&mut self.out, key);
        self.out.push(':');
    }

    /// Adds a string member.
    pub fn string(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_string(&mut self.out, value);
        self
    }

    /// Adds a boolean member.
    pub fn boolean(mut self, key: &str, value: bool) -> Self {
        self.key(key);
        self.out.push_str(if value { "true" } else { "false" });
        self
    }

    /// Adds a member whose value is already JSON text (trusted to be valid).
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// The object's text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// An object's members with some replaced or added: each `(key, json)` of `updates` replaces the member of
/// that key in place (keeping its position, as a JS object assignment does) or is appended. `object` that is
/// not a JSON object counts as `{}`.
pub fn merge_object(object: Option<&str>, updates: &[(&str, &str)]) -> String {
    let existing = object.and_then(|text| parse(text).ok()).map(|raw| raw.members()).unwrap_or_default();
    // Every member borrows its key and JSON text from `existing` or `updates`: no copy until the writer.
    let mut members: Vec<(&str, &str)> = Vec::new();
    for (key, value) in existing.iter().map(|(key, value)| (key.as_str(), value.text())).chain(updates.iter().copied())
    {
        match members.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => members.push((key, value)),
        }
    }
    members.iter().fold(ObjectWriter::new(), |object, (key, value)| object.raw(key, value)).finish()
}

// ---------------------------------------------------------------------------------------------------------
// The scanner

enum Event<'a> {
    Open(Kind),
    Close(Kind),
    /// A key, as its raw string text with quotes.
    Key(&'a str),
    /// A string, number, boolean or null, as its raw text.
    Scalar(&'a str, Kind),
}

#[derive(Clone, Copy)]
enum Next {
    Value,
    FirstMember,
    Member,
    FirstElement,
    AfterValue,
}

fn err(offset: usize, problem: &'static str) -> JsonError {
    JsonError { offset, problem }
}

/// Walks one JSON document, reporting each token, without recursion. Returns the document's value. (One
/// non-generic copy: a `dyn` callback keeps the wasm build small.)
fn walk<'a>(text: &'a str, on: &mut dyn FnMut(Event<'a>)) -> Result<Raw<'a>, JsonError> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Kind> = Vec::new();
    let mut i = skip_ws(bytes, 0);
    let start = i;
    let mut top_kind = None;
    let mut next = Next::Value;
    loop {
        i = skip_ws(bytes, i);
        match next {
            Next::Value => {
                let first = *bytes.get(i).ok_or_else(|| err(i, "expected a value"))?;
                let kind = kind_of(first);
                top_kind.get_or_insert(kind);
                match first {
                    b'{' | b'[' => {
                        stack.push(kind);
                        on(Event::Open(kind));
                        i += 1;
                        next = if kind == Kind::Object { Next::FirstMember } else { Next::FirstElement };
                        continue;
                    }
                    b'"' => {
                        let end = scan_string(bytes, i)?;
                        on(Event::Scalar(text.get(i..end).unwrap_or_default(), Kind::String));
                        i = end;
                    }
                    b't' | b'f' | b'n' => {
                        let word: &[u8] = match first {
                            b't' => b"true",
                            b'f' => b"false",
                            _ => b"null",
                        };
                        let end = literal(bytes, i, word)?;
                        on(Event::Scalar(text.get(i..end).unwrap_or_default(), kind));
                        i = end;
                    }
                    b'-' | b'0'..=b'9' => {
                        let end = scan_number(bytes, i)?;
                        on(Event::Scalar(text.get(i..end).unwrap_or_default(), Kind::Number));
                        i = end;
                    }
                    _ => return Err(err(i, "expected a value")),
                }
                next = Next::AfterValue;
            }
            Next::FirstMember | Next::Member => {
                if matches!(next, Next::FirstMember) && bytes.get(i) == Some(&b'}') {
                    i += 1;
                    stack.pop();
                    on(Event::Close(Kind::Object));
                    next = Next::AfterValue;
                    continue;
                }
                if bytes.get(i) != Some(&b'"') {
                    return Err(err(i, "expected a string key"));
                }
                let end = scan_string(bytes, i)?;
                on(Event::Key(text.get(i..end).unwrap_or_default()));
                i = skip_ws(bytes, end);
                if bytes.get(i) != Some(&b':') {
                    return Err(err(i, "expected ':'"));
                }
                i += 1;
                next = Next::Value;
            }
            Next::FirstElement => {
                if bytes.get(i) == Some(&b']') {
                    i += 1;
                    stack.pop();
                    on(Event::Close(Kind::Array));
                    next = Next::AfterValue;
                } else {
                    next = Next::Value;
                }
            }
            Next::AfterValue => match (stack.last(), bytes.get(i)) {
                (None, None) => break,
                (None, Some(_)) => return Err(err(i, "trailing characters")),
                (Some(Kind::Object), Some(b',')) => {
                    i += 1;
                    next = Next::Member;
                }
                (Some(Kind::Object), Some(b'}')) => {
                    i += 1;
                    stack.pop();
                    on(Event::Close(Kind::Object));
                }
                (Some(_), Some(b',')) => {
                    i += 1;
                    next = Next::Value;
                }
                (Some(Kind::Array), Some(b']')) => {
                    i += 1;
                    stack.pop();
                    on(Event::Close(Kind::Array));
                }
                (Some(Kind::Object), _) => return Err(err(i, "expected ',' or '}'")),
                (Some(_), _) => return Err(err(i, "expected ',' or ']'")),
            },
        }
    }
    let end = bytes.iter().rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')).map_or(0, |last| last + 1);
    Ok(Raw { text: text.get(start..end).unwrap_or_default(), kind: top_kind.unwrap_or(Kind::Null) })
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

fn literal(bytes: &[u8], i: usize, word: &[u8]) -> Result<usize, JsonError> {
    match bytes.get(i..i + word.len()) {
        Some(found) if found == word => Ok(i + word.len()),
        _ => Err(err(i, "expected a value")),
    }
}

fn hex4(bytes: &[u8], i: usize) -> Option<u32> {
    let digits = bytes.get(i..i + 4)?;
    digits.iter().try_fold(0u32, |n, d| Some(n * 16 + char::from(*d).to_digit(16)?))
}

/// Scans the string starting at the quote at `i`; returns the offset after its closing quote.
fn scan_string(bytes: &[u8], i: usize) -> Result<usize, JsonError> {
    let mut j = i + 1;
    loop {
        match bytes.get(j) {
            None => return Err(err(i, "unterminated string")),
            Some(b'"') => return Ok(j + 1),
            Some(b'\\') => match bytes.get(j + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                Some(b'u') => {
                    let unit = hex4(bytes, j + 2).ok_or_else(|| err(j, "bad \\u escape"))?;
                    j += 6;
                    if (0xDC00..0xE000).contains(&unit) {
                        return Err(err(j - 6, "lone surrogate escape"));
                    }
                    if (0xD800..0xDC00).contains(&unit) {
                        let low = (bytes.get(j) == Some(&b'\\') && bytes.get(j + 1) == Some(&b'u'))
                            .then(|| hex4(bytes, j + 2))
                            .flatten();
                        match low {
                            Some(low) if (0xDC00..0xE000).contains(&low) => j += 6,
                            _ => return Err(err(j - 6, "lone surrogate escape")),
                        }
                    }
                }
                _ => return Err(err(j, "bad escape")),
            },
            Some(c) if *c < 0x20 => return Err(err(j, "control character in string")),
            Some(_) => j += 1,
        }
    }
}

fn digits(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    i
}

/// Scans `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; returns the offset after it.
fn scan_number(bytes: &[u8], i: usize) -> Result<usize, JsonError> {
    let mut j = i;
    if bytes.get(j) == Some(&b'-') {
        j += 1;
    }
    match bytes.get(j) {
        Some(b'0') => j += 1,
        Some(b'1'..=b'9') => j = digits(bytes, j),
        _ => return Err(err(j, "bad number")),
    }
    if bytes.get(j) == Some(&b'.') {
        let end = digits(bytes, j + 1);
        if end == j + 1 {
            return Err(err(j, "bad number"));
        }
        j = end;
    }
    if matches!(bytes.get(j), Some(b'e' | b'E')) {
        j += 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let end = digits(bytes, j);
        if end == j {
            return Err(err(j, "bad number"));
        }
        j = end;
    }
    Ok(j)
}

/// The end of the (already validated) value starting at `i`.
fn skip_value(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(b'"') => skip_string(bytes, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(c) = bytes.get(j) {
                match c {
                    b'"' => {
                        j = skip_string(bytes, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            j
        }
        _ => {
            let mut j = i;
            while matches!(bytes.get(j), Some(c) if !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')) {
                j += 1;
            }
            j
        }
    }
}

/// The end of the (already validated) string starting at the quote at `i`.
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while let Some(c) = bytes.get(j) {
        match c {
            b'"' => return j + 1,
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
    j
}

/// The text of a validated JSON string (with its quotes), escapes resolved.
fn unescape(raw: &str) -> String {
    // Byte searches only (every byte looked for is ASCII, so each cut is a character boundary): the wasm build
    // carries no char pattern searcher and no memchr.
    let inner = match raw.as_bytes() {
        [b'"', .., b'"'] => raw.get(1..raw.len() - 1).unwrap_or_default(),
        _ => raw,
    };
    let bytes = inner.as_bytes();
    if !has_byte(bytes, b'\\') {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < bytes.len() {
        let Some(rest) = inner.get(i..) else { break };
        let Some(offset) = rest.bytes().position(|b| b == b'\\') else {
            out.push_str(rest);
            break;
        };
        out.push_str(rest.get(..offset).unwrap_or_default());
        i += offset;
        let escaped = bytes.get(i + 1).copied().unwrap_or(b'\\');
        i += 2;
        match escaped {
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let unit = hex4(bytes, i).unwrap_or(0xFFFD);
                i += 4;
                let code = if (0xD800..0xDC00).contains(&unit) {
                    let low = hex4(bytes, i + 2).unwrap_or(0xDC00);
                    i += 6;
                    0x10000 + ((unit - 0xD800) << 10) + (low.saturating_sub(0xDC00) & 0x3FF)
                } else {
                    unit
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            other => out.push(char::from(other)),
        }
    }
    out
}

/// `text` split around the first of the ASCII bytes `at` (so at a character boundary), that byte dropped;
/// `(text, "")` when there is none. Byte search: the wasm build carries no char pattern searcher.
fn cut<'a>(text: &'a str, at: &[u8]) -> (&'a str, &'a str) {
    match text.bytes().position(|b| has_byte(at, b)) {
        Some(i) => (text.get(..i).unwrap_or_default(), text.get(i + 1..).unwrap_or_default()),
        None => (text, ""),
    }
}

/// The whole-number floor of validated number text, saturating at the `i64` range.
fn floor_i64(text: &str) -> i64 {
    let negative = text.as_bytes().first() == Some(&b'-');
    let body = text.get(usize::from(negative)..).unwrap_or_default();
    let (mantissa, exponent) = cut(body, b"eE");
    let (whole, fraction) = cut(mantissa, b".");
    // Past this many places every answer saturates or floors to 0 or -1, so larger exponents (also those too
    // long for i64) count as this.
    let limit = (whole.len() + fraction.len()) as i64 + 400;
    // `parse` takes the exponent's own sign (`+` too).
    let exponent: i64 = match exponent.parse::<i64>() {
        Ok(e) => e.clamp(-limit, limit),
        Err(_) if exponent.as_bytes().first() == Some(&b'-') => -limit,
        Err(_) if exponent.is_empty() => 0,
        Err(_) => limit,
    };
    // All digits, and where the decimal point falls among them after the exponent.
    let point = whole.len() as i64 + exponent;
    let mut magnitude: i64 = 0;
    let mut saturated = false;
    let mut dropped_nonzero = false;
    for (index, digit) in whole.bytes().chain(fraction.bytes()).enumerate() {
        let value = i64::from(digit - b'0');
        if (index as i64) < point {
            match magnitude.checked_mul(10).and_then(|m| m.checked_add(value)) {
                Some(m) => magnitude = m,
                None => saturated = true,
            }
        } else if value != 0 {
            dropped_nonzero = true;
        }
    }
    // Whole digits the exponent shifted past the written ones are zeros.
    let written = (whole.len() + fraction.len()) as i64;
    for _ in written..point.min(written + 20) {
        match magnitude.checked_mul(10) {
            Some(m) => magnitude = m,
            None => saturated = true,
        }
    }
    if saturated || point > written + 20 && magnitude != 0 {
        return if negative { i64::MIN } else { i64::MAX };
    }
    if negative {
        if dropped_nonzero {
            -magnitude - 1
        } else {
            -magnitude
        }
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_elements_are_read_in_order() {
        let list = parse(r#" [ ["名", "值 🚀"], {"a": [1, 2]}, "x,y]", 3 ] "#).unwrap();
        let texts: Vec<&str> = list.elements().iter().map(|e| e.text()).collect();
        assert_eq!(texts, [r#"["名", "值 🚀"]"#, r#"{"a": [1, 2]}"#, r#""x,y]""#, "3"]);
        assert_eq!(list.elements()[0].elements()[1].as_str().as_deref(), Some("值 🚀"));
        assert!(parse("[]").unwrap().elements().is_empty());
        assert!(parse("{}").unwrap().elements().is_empty());
    }

    #[test]
    fn documents_are_validated_strictly() {
        for good in ["{}", " [1, 2.5, -0, 1e3, \"x\", true, false, null] ", r#"{"a":{"b":[{}]}}"#, "\"知晓云 🚀\""]
        {
            assert!(parse(good).is_ok(), "{good}");
        }
        for bad in ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", "NaN", "{'a':1}", "[1] x", "\"\\ud800\"", "\"a\nb\""] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_container_closes_only_with_its_own_bracket() {
        // Found by fuzz/ (json_scanner): `]` closed an object.
        for bad in [r#"{"cdo":{}]"#, r#"{"a":1]"#, r#"[{"a":1}}"#, "[1}", r#"{"a":[1}}"#] {
            assert!(parse(bad).is_err(), "{bad}");
            assert!(canonical(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deep_nesting_needs_no_recursion() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(parse(&deep).is_ok());
    }

    #[test]
    fn members_and_fields_are_read_from_text() {
        let doc = parse(r#" {"a": "x\u00e9\ud83d\ude80", "n": 7200.9, "o": {"id": 5}, "a": "last"} "#).unwrap();
        assert_eq!(doc.get_str("a").as_deref(), Some("last"));
        assert_eq!(doc.get("n").unwrap().as_i64(), Some(7200));
        assert_eq!(doc.get("o").unwrap().get("id").unwrap().text(), "5");
        assert_eq!(doc.members()[0].1.as_str().as_deref(), Some("xé🚀"));
    }

    #[test]
    fn numbers_floor_and_saturate() {
        let n = |t: &str| parse(t).unwrap().as_i64().unwrap();
        assert_eq!(n("-1.5"), -2);
        assert_eq!(n("-2"), -2);
        assert_eq!(n("7.2e3"), 7200);
        assert_eq!(n("72e-1"), 7);
        assert_eq!(n("1e400"), i64::MAX);
        assert_eq!(n("-99999999999999999999"), i64::MIN);
        assert_eq!(n("9223372036854775807"), i64::MAX);
    }

    #[test]
    fn exponents_beyond_i64_saturate_instead_of_vanishing() {
        // Found by fuzz/ (json_scanner): an exponent too long for i64 was read as 0.
        let n = |t: &str| parse(t).unwrap().as_i64().unwrap();
        assert_eq!(n("7e99999999999999999999"), i64::MAX);
        assert_eq!(n("7e+99999999999999999999"), i64::MAX);
        assert_eq!(n("7e-99999999999999999999"), 0);
        assert_eq!(n("-7e-99999999999999999999"), -1);
        assert_eq!(n("-7e99999999999999999999"), i64::MIN);
        assert_eq!(n("85555555555555555555555551800e-8080005555555555555555555555555558"), 0);
        let long = format!("1{}e-99999999999999999999", "0".repeat(500));
        assert_eq!(n(&long), 0, "a mantissa longer than 400 digits");
    }

    #[test]
    fn canonical_text_is_compact_and_keeps_order() {
        let text = "{ \"z\" : 1 , \"a\" : [1, 2.5, \"x\\u00e9\"], \"m\": {\"y\": null}}";
        assert_eq!(canonical(text).unwrap(), r#"{"z":1,"a":[1,2.5,"xé"],"m":{"y":null}}"#);
    }

    #[test]
    fn strings_are_escaped_like_json_stringify() {
        assert_eq!(string("a\"b\\c\n\u{1}é🚀/"), r#""a\"b\\c\n\u0001é🚀/""#);
        assert_eq!(string("\u{8}\u{c}\t\r\u{1f}末尾"), r#""\b\f\t\r\u001f末尾""#);
        assert_eq!(string("纯文本 plain"), r#""纯文本 plain""#);
    }

    #[test]
    fn secret_values_are_replaced_at_any_depth_and_strings_scrubbed() {
        let text = r#"{"token":{"deep":[1]},"a":[{"password":"p"}],"ok":"知 SECRET"}"#;
        let redaction = Redaction {
            is_secret_key: &|k| k == "token" || k == "password",
            replacement: "[redacted]",
            scrub: &|s| s.replace("SECRET", "x"),
        };
        let out = redacted(text, &redaction).unwrap();
        assert_eq!(out, r#"{"token":"[redacted]","a":[{"password":"[redacted]"}],"ok":"知 x"}"#);
    }

    #[test]
    fn merging_replaces_in_place_and_appends() {
        let merged = merge_object(Some(r#"{"id":1,"nickname":"小明"}"#), &[("id", "2"), ("openid", "\"o\"")]);
        assert_eq!(merged, r#"{"id":2,"nickname":"小明","openid":"o"}"#);
        assert_eq!(merge_object(Some("[1]"), &[("id", "1")]), r#"{"id":1}"#);
    }
}
