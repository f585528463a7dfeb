//! Reading the commands `js/core.js` sends (JSON text) and running them on the machines. Every rule is the
//! machine's: this file only turns JSON values into the machine's types (`ClientConfig`, `Op`, answers and
//! failures) with the core's own parsers (`AutoLogin::from_json`, `Credentials::from_json`,
//! `Invoke::from_json_args`, `SilentLogin::login_with_wechat`, `limits`, `Platform::parse`).
//!
//! Numbers a rule must see exactly (time and size limits: `NaN`, `Infinity`, `1e300` are named in the error)
//! arrive as their IEEE-754 bits, two 32-bit halves high first (`[hi, lo]`), since JSON cannot hold `NaN` or
//! `Infinity` and the module carries no decimal float parser. Every command that touches a call carries `now`:
//! `{"mono": ms, "unix": s}`.

use minicloud_core::machine::json::{self, Kind, Raw};
use minicloud_core::machine::session::keys;
use minicloud_core::machine::{CallId, Invoke, LoginCodeAnswer, Machine, Now, Op, SilentLogin, StoredSession};
use minicloud_core::{
    limits, AutoLogin, ClientConfig, Credentials, HError, HttpResponse, Platform, TransportError, TransportErrorKind,
};

use crate::reply;

/// The machines of every JS client, by handle (a slot index; a dropped client's slot is reused).
#[derive(Default)]
pub struct Machines {
    slots: Vec<Option<Machine>>,
}

impl Machines {
    /// Runs one command (see the module docs and `js/core.js`) and returns its reply.
    pub fn run(&mut self, text: &str, body: Vec<u8>) -> String {
        let Ok(cmd) = json::parse(text) else {
            return reply::error(&HError::invalid_argument("the command is not JSON"));
        };
        match cmd.get_str("op").as_deref() {
            Some("new") => self.create(cmd),
            Some("drop") => {
                if let Some(slot) = self.slot(cmd) {
                    *slot = None;
                }
                "{}".to_owned()
            }
            // A value JS could not hand over (params with a BigInt, a signal that is not one): 605 naming it.
            Some("invalid") => reply::error(&HError::invalid_argument(cmd.get_str("text").unwrap_or_default())),
            Some(op) => match self.slot(cmd).and_then(Option::as_mut) {
                Some(machine) => step(machine, op, cmd, body),
                None => reply::error(&HError::uninitialized()),
            },
            None => reply::error(&HError::invalid_argument("the command has no op")),
        }
    }

    /// `{"op": "new", "clientId", "platform", "options", "numbers"}`: a machine for a new client.
    fn create(&mut self, cmd: Raw<'_>) -> String {
        let machine = config(cmd).and_then(|config| Machine::new(config, &StoredSession::new()));
        let machine = match machine {
            Ok(machine) => machine,
            Err(error) => return reply::error(&error),
        };
        let version = machine.config().client_version.clone();
        let handle = match self.slots.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        if let Some(slot) = self.slots.get_mut(handle) {
            *slot = Some(machine);
        }
        reply::created(handle, &keys::ALL, &version)
    }

    fn slot(&mut self, cmd: Raw<'_>) -> Option<&mut Option<Machine>> {
        let handle = usize::try_from(cmd.get("m")?.as_i64()?).ok()?;
        self.slots.get_mut(handle)
    }
}

/// A command on one machine: start a call, feed it an outcome, or change the session.
fn step(machine: &mut Machine, op: &str, cmd: Raw<'_>, body: Vec<u8>) -> String {
    let now = now(cmd);
    if op == "clear" {
        machine.clear_session();
        return reply::outputs_only(machine);
    }
    if op == "start" {
        machine.reload_session(&stored(cmd));
        let (call, timeout) = match call(cmd) {
            Ok(call) => call,
            Err(error) => return reply::refused(error),
        };
        let id = machine.start(call, timeout, now);
        let deadline = machine.deadline_ms(id).unwrap_or(now.mono_ms);
        let next = machine.next(id, now);
        return reply::started(machine, id, deadline, next);
    }
    let id = CallId::from_raw(cmd.get("id").and_then(|v| v.as_i64()).unwrap_or(0) as u64);
    match op {
        "response" => response(machine, id, cmd, body, now),
        "fail" => {
            let kind = match cmd.get_str("kind").as_deref() {
                Some("timeout") => TransportErrorKind::Timeout,
                Some("offline") => TransportErrorKind::Offline,
                Some("too_large") => TransportErrorKind::BodyTooLarge,
                _ => TransportErrorKind::Connect,
            };
            let error = if kind == TransportErrorKind::BodyTooLarge {
                TransportError::body_too_large(machine.config().max_response_bytes)
            } else {
                TransportError::new(kind, cmd.get_str("message").unwrap_or_default())
            };
            machine.on_transport_error(id, error, now);
        }
        "code" => {
            let answer = if let Some(words) = cmd.get_str("failed") {
                LoginCodeAnswer::Failed(words)
            } else if cmd.get("unavailable").is_some() {
                LoginCodeAnswer::Unavailable
            } else {
                // A code that is not a string counts as none (the machine makes that 614).
                let code = cmd.get_str("code").unwrap_or_default();
                LoginCodeAnswer::Code { code, app_name: cmd.get_str("appName") }
            };
            machine.on_login_code(id, answer, now);
        }
        "offline" => machine.on_offline(id, cmd.get("offline").and_then(|v| v.as_bool()) == Some(true), now),
        // The driver's timer for this call fired: its deadline has passed, whatever the host's clock says.
        "deadline" => {
            let at = machine.deadline_ms(id).unwrap_or(now.mono_ms).max(now.mono_ms);
            machine.on_deadline(id, Now::new(at, now.unix_secs));
        }
        "cancel" => {
            machine.cancel(id);
            return reply::step(machine, minicloud_core::machine::Action::Done(Err(HError::cancelled())));
        }
        _ => {} // "next"
    }
    let next = machine.next(id, now);
    reply::step(machine, next)
}

/// `{"status", "headers": [[name, value]...]}` and the body bytes: the answer to a `send`. A status that is
/// not an HTTP status is a transport failure (the host answered nothing usable).
fn response(machine: &mut Machine, id: CallId, cmd: Raw<'_>, body: Vec<u8>, now: Now) {
    let status = cmd.get("status").and_then(|s| s.as_i64()).filter(|s| (100..=599).contains(s));
    let exact = cmd
        .get("status")
        .is_some_and(|s| s.kind() == Kind::Number && !s.text().bytes().any(|b| matches!(b, b'.' | b'e' | b'E')));
    let Some(status) = status.filter(|_| exact) else {
        let error = TransportError::new(TransportErrorKind::Connect, "the host answered without a valid HTTP status");
        return machine.on_transport_error(id, error, now);
    };
    let headers = cmd.get("headers").map(pairs).unwrap_or_default();
    machine.on_response(id, HttpResponse { status: status as u16, headers, body }, now);
}

/// `[[name, value]...]` as pairs of strings (anything else is skipped).
fn pairs(list: Raw<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for pair in list.elements() {
        if let [name, value] = pair.elements().as_slice() {
            if let (Some(name), Some(value)) = (name.as_str(), value.as_str()) {
                out.push((name, value));
            }
        }
    }
    out
}

/// `"now": {"mono": ms, "unix": s}`: the host's clocks when it sent the command.
fn now(cmd: Raw<'_>) -> Now {
    let now = cmd.get("now");
    let read = |key: &str| now.and_then(|n| n.get(key)).and_then(|v| v.as_i64()).unwrap_or(0);
    Now::new(read("mono").max(0) as u64, read("unix"))
}

/// `"stored": {key: value}`: the `ifx_baas_*` values the host's storage holds now.
fn stored(cmd: Raw<'_>) -> StoredSession {
    let mut stored = StoredSession::new();
    for (key, value) in cmd.get("stored").map(|s| s.members()).unwrap_or_default() {
        stored.insert(&key, value.text());
    }
    stored
}

/// A number sent as its IEEE-754 bits, `[hi, lo]` (see the module docs); anything else is NaN. The halves are
/// read as JSON integers, so the module needs no hex parser.
fn number(value: Raw<'_>) -> f64 {
    let halves = value.elements();
    let half = |i: usize| halves.get(i).and_then(Raw::as_i64).and_then(|h| u32::try_from(h).ok()).map(u64::from);
    match (halves.len(), half(0), half(1)) {
        (2, Some(hi), Some(lo)) => f64::from_bits(hi << 32 | lo),
        _ => f64::NAN,
    }
}

/// Option `name` of `BaaS.init`: its JSON value from `options`, or, for a number, its bits from `numbers`.
enum OptionValue<'a> {
    Absent,
    Number(f64),
    Json(Raw<'a>),
}

fn option<'a>(cmd: Raw<'a>, name: &str) -> OptionValue<'a> {
    if let Some(bits) = cmd.get("numbers").and_then(|n| n.get(name)) {
        return OptionValue::Number(number(bits));
    }
    match cmd.get("options").and_then(|o| o.get(name)) {
        Some(value) if !value.is_null() => OptionValue::Json(value),
        _ => OptionValue::Absent,
    }
}

/// A string option (`host`, `env`); anything else is 605 naming it.
fn text_option(cmd: Raw<'_>, name: &str) -> Result<Option<String>, HError> {
    match option(cmd, name) {
        OptionValue::Absent => Ok(None),
        OptionValue::Json(value) if value.kind() == Kind::String => Ok(value.as_str()),
        _ => {
            let mut message = String::from(name);
            message.push_str(" must be a string");
            Err(HError::invalid_argument(message))
        }
    }
}

/// A limit option by the core's one rule; a value that is not a number is NaN to it.
fn limit_option(cmd: Raw<'_>, name: &str) -> Option<f64> {
    match option(cmd, name) {
        OptionValue::Absent => None,
        OptionValue::Number(value) => Some(value),
        OptionValue::Json(_) => Some(f64::NAN),
    }
}

/// `BaaS.init(clientID, options)` as the machine's config, checked in the order the official SDK reads it.
fn config(cmd: Raw<'_>) -> Result<ClientConfig, HError> {
    let client_id = cmd.get("clientId").and_then(|v| v.as_str());
    let client_id = client_id.ok_or_else(|| HError::incorrect_parameter("clientID must be a string"))?;
    let platform = Platform::parse(&cmd.get_str("platform").unwrap_or_default())?;
    let mut config = ClientConfig::new(client_id, platform);
    config.host = text_option(cmd, "host")?;
    config.env = text_option(cmd, "env")?;
    match option(cmd, "autoLogin") {
        OptionValue::Absent => {}
        // Any number: the parser names its type.
        OptionValue::Number(_) => config.auto_login = AutoLogin::from_json("0")?,
        OptionValue::Json(value) => config.auto_login = AutoLogin::from_json(value.text())?,
    }
    for (name, slot) in [
        ("syncTimeoutMs", &mut config.sync_timeout),
        ("asyncTimeoutMs", &mut config.async_timeout),
        ("authTimeoutMs", &mut config.auth_timeout),
    ] {
        if let Some(value) = limit_option(cmd, name) {
            *slot = limits::time_limit(name, value)?;
        }
    }
    for (name, slot) in
        [("maxRequestBytes", &mut config.max_request_bytes), ("maxResponseBytes", &mut config.max_response_bytes)]
    {
        if let Some(value) = limit_option(cmd, name) {
            *slot = limits::size_limit(name, value)? as usize;
        }
    }
    Ok(config)
}

/// The call a `start` command asks for, and its own time limit (`timeoutMs`, bits).
fn call(cmd: Raw<'_>) -> Result<(Op, Option<std::time::Duration>), HError> {
    let text = |name: &str| cmd.get(name).map(|v| v.text());
    let what = cmd.get_str("call").unwrap_or_default();
    let op = match what.as_str() {
        "invoke" | "invokeFunction" => {
            let mut invoke = Invoke::from_json_args(text("name").unwrap_or("null"), text("params"), text("sync"))?;
            invoke.deprecated_alias = what == "invokeFunction";
            Op::Invoke(invoke)
        }
        "login" => Op::Login(Credentials::from_json(text("credentials").unwrap_or("null"))?),
        "register" => Op::Register(Credentials::from_json(text("credentials").unwrap_or("null"))?),
        "sms" => Op::LoginWithSms {
            // Non-strings reach the machine as empty, which it refuses with a 605 naming both arguments.
            phone: cmd.get_str("phone").unwrap_or_default(),
            code: cmd.get_str("code").unwrap_or_default(),
            create_user: cmd.get("options").and_then(|o| o.get("createUser")).and_then(|v| v.as_bool()).unwrap_or(true),
        },
        "anonymous" => Op::AnonymousLogin,
        "silent" => Op::SilentLogin(SilentLogin::login_with_wechat(text("authData"), text("options"))?),
        "user" => Op::GetCurrentUser,
        "logout" => Op::Logout,
        _ => return Err(HError::invalid_argument("unknown client operation")),
    };
    let timeout = match cmd.get("timeoutMs") {
        Some(bits) => Some(limits::time_limit("timeoutMs", number(bits))?),
        None => None,
    };
    Ok((op, timeout))
}
