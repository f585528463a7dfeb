//! [`MinappServerMachine`]: the 知晓云 open API from the server side (PROTOCOL.md §3.3, §5.1, §5.2) — invoke a
//! cloud function as a server, debug it, manage functions, read job records — with a managed access token,
//! as a synchronous state machine of the same shape as [`WeChatMachine`](super::wechat::WeChatMachine).
//!
//! The rules it applies:
//! - the token comes from a two-step flow: `POST /api/oauth2/hydrogen/openapi/authorize/` with JSON
//!   `{client_id, client_secret}`, whose answer arrives through redirects the machine follows itself keeping
//!   cookies ([`redirect`]: the transport never follows one), giving `{code}`; then `POST
//!   /api/oauth2/access_token/` as `multipart/form-data` (`client_id`, `client_secret`, `code`,
//!   `grant_type=authorization_code`) giving `{access_token, expires_in, ...}`;
//! - one cached token, renewed ahead of expiry (300 s, or half a short lifetime); one flow for every call that
//!   needs a token, its failure shared by them all (a later call tries again: there is no retry loop);
//! - a failed step is an [`HError`] whose code is the HTTP status and whose message names the step (an HTML or
//!   5xx answer included); a broken success answer is 601 `invalid_response`;
//! - every call carries `Authorization: Bearer <token>`; a `401` fetches a fresh token once (only a call whose
//!   token is still the cached one fetches) and the call is sent once more; a second `401` is the caller's;
//! - any other non-2xx answer is the caller's HError with the status as its code (`404` unknown function,
//!   `400` schedule or execution failure), the text chosen as the client protocol chooses it;
//! - function names are checked before anything is sent: 1 to 64 bytes, no `/`, `\`, `..`, NUL or control
//!   character (HError 605 naming the problem); the server applies its own rule on top;
//! - one deadline bounds the whole call (token flow, the call, a refresh and the resend); the secret and the
//!   token are never in a log event, an error or a `Debug` text.

mod form;
pub mod redirect;

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use super::calls::Calls;
use super::config::is_http_url;
use super::error::{ErrorKind, HError};
use super::http::{HttpRequest, HttpResponse, Method, TransportError};
use super::json::{self, Kind};
use super::limits;
use super::step::{Action, CallId, LogEvent, LogLevel, Now, Output};
use super::text::{lossy, push_percent_encoded, push_u64};
use super::token::{TokenFlight, TokenLeave, TokenNeed, MAX_TOKEN_LIFETIME_SECS};
use redirect::{CookieJar, MAX_REDIRECTS};

/// The 知晓云 open API's host.
pub const DEFAULT_BASE_URL: &str = "https://cloud.minapp.com";

/// Default time limit of a whole call (the function itself has the server's 5 s sync limit).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The authorize step's path.
pub const AUTHORIZE_PATH: &str = "/api/oauth2/hydrogen/openapi/authorize/";
/// The access-token step's path.
pub const ACCESS_TOKEN_PATH: &str = "/api/oauth2/access_token/";
/// The cloud-function API's path.
pub const FUNCTIONS_PATH: &str = "/oserve/v1.3/cloud-function/";

/// Largest answer read from the open API (an invoke's result, a listing).
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// Largest token-step answer read.
const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;
/// Longest function name, in bytes.
pub const MAX_FUNCTION_NAME_BYTES: usize = 64;

/// What a [`MinappServerMachine`] needs to know. `Debug` never shows the secret.
#[derive(Clone, PartialEq)]
pub struct ServerConfig {
    /// The open-API client ID (知晓云 console: 设置 → 开发者 → 客户端 ID).
    pub client_id: String,
    /// The open-API client secret (never printed).
    pub client_secret: String,
    /// The open API's base URL ([`DEFAULT_BASE_URL`]; a local engine in development).
    pub base_url: String,
    /// Time limit of a whole call, unless the call sets its own.
    pub timeout: Duration,
    /// The environment to act on (`X-Hydrogen-Env-ID`), if not the default one.
    pub env: Option<String>,
    /// A token to use as is instead of the token flow (a local engine's admin token, or one the app got
    /// elsewhere): never refreshed, so a `401` is final. Never printed.
    pub access_token: Option<String>,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &crate::redact::REDACTED)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("env", &self.env)
            .field("access_token", &self.access_token.as_ref().map(|_| crate::redact::REDACTED))
            .finish()
    }
}

impl ServerConfig {
    /// A config for `client_id` and `client_secret` against [`DEFAULT_BASE_URL`].
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        ServerConfig {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            env: None,
            access_token: None,
        }
    }

    /// A config that uses `token` as is (no token flow, no refresh): a local engine's admin token.
    pub fn with_access_token(client_id: impl Into<String>, token: impl Into<String>) -> Self {
        ServerConfig { access_token: Some(token.into()), ..ServerConfig::new(client_id, "-") }
    }

    /// Acts on environment `env` (`X-Hydrogen-Env-ID`).
    pub fn with_env(mut self, env: impl Into<String>) -> Self {
        self.env = Some(env.into());
        self
    }

    /// Sets the open API's base URL (a local engine: `http://127.0.0.1:8000`).
    pub fn with_host(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the time limit of a whole call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the config: a client ID and secret, an `http(s)://` base URL, the time limit by the limits rule.
    /// Errors are HError 605 naming the problem.
    pub fn validate(&self) -> Result<(), HError> {
        if self.client_id.is_empty() {
            return Err(HError::invalid_argument("clientId must be a non-empty string"));
        }
        if self.access_token.as_deref() == Some("") {
            return Err(HError::invalid_argument("the access token must be a non-empty string"));
        }
        if self.client_secret.is_empty() {
            return Err(HError::invalid_argument("clientSecret must be a non-empty string"));
        }
        if !is_http_url(&self.base_url) {
            return Err(HError::invalid_argument("host must start with http:// or https://"));
        }
        limits::duration_ms("timeout", self.timeout).map(drop)
    }
}

/// Filters of a job-record listing (`GET /oserve/v1.3/cloud-function/{name}/job/`); unset ones are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobQuery {
    /// What started the jobs (`source`).
    pub source: Option<String>,
    /// Their status (`waiting`, `fulfilled`, `execution_failed`, ...).
    pub status: Option<String>,
    /// Created at or after (`created_at__gte`, Unix seconds).
    pub created_at_gte: Option<u64>,
    /// Created at or before (`created_at__lte`, Unix seconds).
    pub created_at_lte: Option<u64>,
    /// Page size.
    pub limit: Option<u32>,
    /// Page start.
    pub offset: Option<u32>,
}

/// A call a [`MinappServerMachine`] runs. Every call resolves to the server's JSON answer as text (`null`
/// for an empty answer, e.g. a delete's `204`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp {
    /// `POST {name}/job/` `{data, sync}`: runs the function as a server (no user); resolves to `{code, data,
    /// error}`, or `{status: "ok"}` when not `sync`.
    Invoke {
        /// The function's name.
        name: String,
        /// The function's `event.data` as JSON text (`None`: not sent).
        data_json: Option<String>,
        /// Whether to wait for the result.
        sync: bool,
    },
    /// `POST {name}/debug/` `{data}`: the invoke result plus `job_id`, `execution_time`, `billing_time`,
    /// `mem_usage` and `log`.
    Debug {
        /// The function's name.
        name: String,
        /// `event.data` as JSON text.
        data_json: Option<String>,
    },
    /// `GET /oserve/v1.3/cloud-function/`: `{meta, objects}`.
    ListFunctions {
        /// Page size.
        limit: Option<u32>,
        /// Page start.
        offset: Option<u32>,
    },
    /// `GET {name}/`: the function.
    GetFunction {
        /// The function's name.
        name: String,
    },
    /// `POST /oserve/v1.3/cloud-function/` `{name, function_code, remark}`: the created function (201).
    CreateFunction {
        /// The function's name.
        name: String,
        /// The text of its `index.js`.
        code: String,
        /// A remark (`""` when `None`).
        remark: Option<String>,
        /// The function directory's other files (`config.json`, helpers) as `(relative path, text)`: a
        /// minicloud extension (`files`), sent only when not empty; a real 知晓云 ignores it.
        files: Vec<(String, String)>,
    },
    /// `PATCH {name}/` with the fields given: the updated function (202).
    UpdateFunction {
        /// The function's name.
        name: String,
        /// New code, if any.
        code: Option<String>,
        /// New remark, if any.
        remark: Option<String>,
        /// Other files to write, as for `CreateFunction`.
        files: Vec<(String, String)>,
    },
    /// `DELETE {name}/` (204): resolves to `null`.
    DeleteFunction {
        /// The function's name.
        name: String,
    },
    /// `GET {name}/job/?...`: job records, `{meta, objects}`.
    ListJobs {
        /// The function's name.
        name: String,
        /// The filters.
        query: JobQuery,
    },
    /// A valid access token (cached, fetched once for all concurrent calls when due), as a JSON string.
    AccessToken,
}

/// One hop of a token step: where to send it, and how.
#[derive(Debug)]
struct Hop {
    url: String,
    method: Method,
    with_body: bool,
    redirects: u8,
}

#[derive(Debug)]
enum Stage {
    Start,
    /// Needs a token; `rejected`: the token the server just refused.
    NeedToken {
        rejected: Option<String>,
    },
    /// Waiting for another call's token flow.
    Blocked,
    /// Leading the flow: send this hop of the authorize step.
    Authorize {
        hop: Hop,
        jar: CookieJar,
    },
    AwaitAuthorize {
        hop: Hop,
        jar: CookieJar,
    },
    /// Leading the flow: exchange this code for a token.
    Exchange {
        code: String,
        jar: CookieJar,
    },
    AwaitExchange,
    /// Send the call with this token.
    Ready {
        token: String,
    },
    AwaitAnswer {
        token: String,
    },
    Finished(Result<String, HError>),
}

/// What a call asks of the API, prepared when it starts.
#[derive(Debug)]
struct Request {
    method: Method,
    /// The URL below the base.
    path: String,
    body: Option<String>,
}

#[derive(Debug)]
struct Call {
    deadline_ms: u64,
    /// `None`: the call wants the token itself.
    request: Option<Request>,
    stage: Stage,
    refreshed: bool,
}

/// The open-API machine: one per server client, owning the token cache and its flow.
#[derive(Debug)]
pub struct MinappServerMachine {
    config: ServerConfig,
    tokens: TokenFlight,
    calls: Calls<Call>,
    outputs: VecDeque<Output>,
}

/// Checks a function name before anything is sent (the server applies its own rule on top).
pub fn check_function_name(name: &str) -> Result<(), HError> {
    let problem = if name.is_empty() {
        Some("must be a non-empty string")
    } else if name.len() > MAX_FUNCTION_NAME_BYTES {
        Some("is longer than 64 bytes")
    } else if name.contains(['/', '\\']) {
        Some("contains a path separator")
    } else if name.contains("..") {
        Some("contains \"..\"")
    } else if name.contains('\0') {
        Some("contains a NUL character")
    } else if name.chars().any(char::is_control) {
        Some("contains a control character")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => {
            let mut text = String::from("function name ");
            let shown: String = name.chars().take(80).collect();
            text.push_str(&json::string(&shown));
            text.push(' ');
            text.push_str(problem);
            Err(HError::invalid_argument(text))
        }
    }
}

/// Appends a path segment, percent-encoded (a Chinese name stays one segment).
fn push_segment(out: &mut String, segment: &str) {
    push_percent_encoded(out, segment, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b), false);
}

/// `?key=value&...` of the pairs given, form-encoded.
fn push_query(out: &mut String, pairs: &[(&str, Option<String>)]) {
    let mut first = true;
    for (key, value) in pairs {
        let Some(value) = value else { continue };
        out.push(if first { '?' } else { '&' });
        first = false;
        out.push_str(key);
        out.push('=');
        push_percent_encoded(out, value, |b| b.is_ascii_alphanumeric() || b"*-._".contains(&b), true);
    }
}

fn number(n: Option<impl Into<u64>>) -> Option<String> {
    n.map(|n| super::text::u64_text(n.into()))
}

/// Adds `files` (`{"path": "text"}`) when there are any.
fn with_files(body: json::ObjectWriter, files: &[(String, String)]) -> json::ObjectWriter {
    if files.is_empty() {
        return body;
    }
    let object = files.iter().fold(json::ObjectWriter::new(), |o, (path, text)| o.string(path, text)).finish();
    body.raw("files", &object)
}

/// Checks JSON text given as a call's data: its canonical form, or 605 naming what is wrong.
fn data(what: &str, text: Option<&str>) -> Result<Option<String>, HError> {
    let Some(text) = text else { return Ok(None) };
    json::canonical(text).map(Some).map_err(|e| {
        let mut message = String::from(what);
        message.push_str(" is not valid JSON: ");
        message.push_str(&e.describe());
        HError::invalid_argument(message)
    })
}

impl Request {
    fn of(op: ServerOp) -> Result<Option<Request>, HError> {
        let item = |name: &str, tail: &str| -> Result<String, HError> {
            check_function_name(name)?;
            let mut path = String::from(FUNCTIONS_PATH);
            push_segment(&mut path, name);
            path.push('/');
            path.push_str(tail);
            Ok(path)
        };
        let request = match op {
            ServerOp::AccessToken => return Ok(None),
            ServerOp::Invoke { name, data_json, sync } => {
                let path = item(&name, "job/")?;
                let mut body = json::ObjectWriter::new();
                if let Some(d) = data("data", data_json.as_deref())? {
                    body = body.raw("data", &d);
                }
                Request { method: Method::Post, path, body: Some(body.boolean("sync", sync).finish()) }
            }
            ServerOp::Debug { name, data_json } => {
                let path = item(&name, "debug/")?;
                let mut body = json::ObjectWriter::new();
                if let Some(d) = data("data", data_json.as_deref())? {
                    body = body.raw("data", &d);
                }
                Request { method: Method::Post, path, body: Some(body.finish()) }
            }
            ServerOp::ListFunctions { limit, offset } => {
                let mut path = String::from(FUNCTIONS_PATH);
                push_query(&mut path, &[("limit", number(limit)), ("offset", number(offset))]);
                Request { method: Method::Get, path, body: None }
            }
            ServerOp::GetFunction { name } => Request { method: Method::Get, path: item(&name, "")?, body: None },
            ServerOp::CreateFunction { name, code, remark, files } => {
                check_function_name(&name)?;
                let body = json::ObjectWriter::new()
                    .string("name", &name)
                    .string("function_code", &code)
                    .string("remark", remark.as_deref().unwrap_or_default());
                let body = with_files(body, &files).finish();
                Request { method: Method::Post, path: FUNCTIONS_PATH.to_owned(), body: Some(body) }
            }
            ServerOp::UpdateFunction { name, code, remark, files } => {
                let path = item(&name, "")?;
                let mut body = json::ObjectWriter::new();
                if let Some(code) = &code {
                    body = body.string("function_code", code);
                }
                if let Some(remark) = &remark {
                    body = body.string("remark", remark);
                }
                Request { method: Method::Patch, path, body: Some(with_files(body, &files).finish()) }
            }
            ServerOp::DeleteFunction { name } => Request { method: Method::Delete, path: item(&name, "")?, body: None },
            ServerOp::ListJobs { name, query } => {
                let mut path = item(&name, "job/")?;
                push_query(
                    &mut path,
                    &[
                        ("source", query.source),
                        ("status", query.status),
                        ("created_at__gte", number(query.created_at_gte)),
                        ("created_at__lte", number(query.created_at_lte)),
                        ("limit", number(query.limit)),
                        ("offset", number(query.offset)),
                    ],
                );
                Request { method: Method::Get, path, body: None }
            }
        };
        Ok(Some(request))
    }
}

/// The error of a failed token step: the status as the code, a text naming the step and what the server
/// said (or that it answered HTML), the body (redacted) as details.
fn step_failed(step: &str, response: &HttpResponse) -> HError {
    let body = lossy(&response.body);
    let parsed = json::parse(&body).ok();
    let field = |name: &str| parsed.and_then(|v| v.get_str(name)).filter(|s| !s.is_empty());
    let said = field("error_msg")
        .or_else(|| field("error_description"))
        .or_else(|| field("message"))
        .or_else(|| field("error"));
    let mut text = String::from("open API ");
    text.push_str(step);
    text.push_str(" step failed: HTTP ");
    push_u64(&mut text, response.status.into());
    match said {
        Some(said) => {
            text.push_str(": ");
            text.push_str(&said);
        }
        None if parsed.is_none() && !body.trim().is_empty() => text.push_str(" with a body that is not JSON (HTML?)"),
        None => {}
    }
    if step == "authorize" && matches!(response.status, 400 | 401 | 403) {
        text.push_str(" (check the client ID and client secret)");
    }
    HError::with_text(response.status.into(), ErrorKind::for_status(response.status), text)
        .with_status(response.status)
        .with_details_json(&body)
        .with_request_id(response.request_id())
}

/// A broken success answer of a token step (601 `invalid_response`).
fn step_broken(step: &str, what: &str, response: &HttpResponse) -> HError {
    let mut text = String::from("open API ");
    text.push_str(step);
    text.push_str(" step answered HTTP ");
    push_u64(&mut text, response.status.into());
    text.push(' ');
    text.push_str(what);
    HError::invalid_response(text).with_status(response.status).with_details_json(&lossy(&response.body))
}

impl MinappServerMachine {
    /// A machine for `config` (checked).
    pub fn new(config: ServerConfig) -> Result<Self, HError> {
        config.validate()?;
        Ok(MinappServerMachine {
            config,
            tokens: TokenFlight::default(),
            calls: Calls::new(),
            outputs: VecDeque::new(),
        })
    }

    /// The machine's config.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The next output (log event, wake-up), in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When `call` runs out of time, on the [`Now::mono_ms`] clock.
    pub fn deadline_ms(&self, call: CallId) -> Option<u64> {
        self.calls.get(call).map(|c| c.deadline_ms)
    }

    /// How many calls are started and not yet `Done` (or cancelled).
    pub fn calls_in_progress(&self) -> usize {
        self.calls.len()
    }

    /// Forgets the cached token (the next call fetches one).
    pub fn clear_token(&mut self) {
        self.tokens.clear();
    }

    /// Starts a call with the config's time limit, or `timeout`. Argument problems surface as its first
    /// `next`: `Done` with HError 605.
    pub fn start(&mut self, op: ServerOp, timeout: Option<Duration>, now: Now) -> CallId {
        let prepared = limits::duration_ms("timeout", timeout.unwrap_or(self.config.timeout))
            .and_then(|limit| Request::of(op).map(|request| (request, limit)));
        let (request, stage, limit) = match prepared {
            Ok((request, limit)) => (request, Stage::Start, limit),
            Err(error) => (None, Stage::Finished(Err(error)), 1),
        };
        let deadline_ms = now.mono_ms.saturating_add(limit.into());
        self.calls.start(Call { deadline_ms, request, stage, refreshed: false })
    }

    /// The next thing `call` needs done (see [`Action`]).
    pub fn next(&mut self, call: CallId, now: Now) -> Action<String, HError> {
        self.on_deadline(call, now);
        loop {
            let Some(i) = self.calls.index(call) else {
                return Action::Done(Err(HError::invalid_argument("unknown call")));
            };
            let stage = std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked);
            let action = match stage {
                Stage::Finished(result) => {
                    self.calls.remove_at(i);
                    // Whatever an answer echoed (a proxy's error page quoting the request) never carries the
                    // client secret out.
                    return Action::Done(result.map_err(|error| error.without_secret(&self.config.client_secret)));
                }
                Stage::Start => {
                    self.calls.at_mut(i).stage = Stage::NeedToken { rejected: None };
                    None
                }
                Stage::NeedToken { .. } if self.config.access_token.is_some() => {
                    let token = self.config.access_token.clone().unwrap_or_default();
                    self.calls.at_mut(i).refreshed = true;
                    self.calls.at_mut(i).stage = self.with_token(i, token);
                    None
                }
                Stage::NeedToken { rejected } => {
                    let rejected = rejected.as_deref().map(|t| (t, true));
                    self.calls.at_mut(i).stage = match self.tokens.need(call, now.unix_secs, rejected) {
                        TokenNeed::Use(token) => self.with_token(i, token),
                        TokenNeed::Lead { .. } => self.authorize_stage(),
                        TokenNeed::Wait => Stage::Blocked,
                    };
                    None
                }
                Stage::Authorize { hop, jar } => {
                    let request = self.authorize_request(&hop, &jar, self.time_left(i, now));
                    self.calls.at_mut(i).stage = Stage::AwaitAuthorize { hop, jar };
                    Some(Action::Send(request))
                }
                Stage::Exchange { code, jar } => {
                    let request = self.exchange_request(&code, &jar, self.time_left(i, now));
                    self.calls.at_mut(i).stage = Stage::AwaitExchange;
                    Some(Action::Send(request))
                }
                Stage::Ready { token } => {
                    let timeout = self.time_left(i, now);
                    let Some(request) = &self.calls.at(i).request else {
                        self.calls.at_mut(i).stage = Stage::Finished(Ok(json::string(&token)));
                        continue;
                    };
                    let request = self.api_request(request, &token, timeout);
                    self.calls.at_mut(i).stage = Stage::AwaitAnswer { token };
                    Some(Action::Send(request))
                }
                waiting @ (Stage::Blocked
                | Stage::AwaitAuthorize { .. }
                | Stage::AwaitExchange
                | Stage::AwaitAnswer { .. }) => {
                    self.calls.at_mut(i).stage = waiting;
                    Some(Action::Wait)
                }
            };
            if let Some(action) = action {
                return action;
            }
        }
    }

    /// The answer to [`Action::Send`]. Ignored unless `call` has a request out.
    pub fn on_response(&mut self, call: CallId, response: HttpResponse, now: Now) {
        let Some(i) = self.calls.index(call) else { return };
        if self.on_deadline(call, now) {
            return;
        }
        match std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked) {
            Stage::AwaitAuthorize { hop, jar } => self.authorize_answer(i, hop, jar, &response, now),
            Stage::AwaitExchange => {
                let outcome = token_answer(&response);
                self.token_outcome(i, outcome, now);
            }
            Stage::AwaitAnswer { token } => {
                let stage = self.api_answer(i, &response, token);
                self.calls.at_mut(i).stage = stage;
            }
            other => self.calls.at_mut(i).stage = other,
        }
    }

    /// The failure of [`Action::Send`]. Ignored unless `call` has a request out.
    pub fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Now) {
        let Some(i) = self.calls.index(call) else { return };
        if self.on_deadline(call, now) {
            return;
        }
        self.outputs.push_back(Output::Log(LogEvent {
            level: LogLevel::Debug,
            code: "request_failed",
            message: error.message.clone(),
        }));
        match std::mem::replace(&mut self.calls.at_mut(i).stage, Stage::Blocked) {
            Stage::AwaitAuthorize { .. } | Stage::AwaitExchange => self.token_outcome(i, Err(error.into_herror()), now),
            Stage::AwaitAnswer { .. } => self.calls.at_mut(i).stage = Stage::Finished(Err(error.into_herror())),
            other => self.calls.at_mut(i).stage = other,
        }
    }

    /// Cancels `call`: it is forgotten at once. A cancelled token-flow leader hands the flow to a waiting
    /// call, which starts it again.
    pub fn cancel(&mut self, call: CallId) {
        let Some(i) = self.calls.index(call) else { return };
        self.calls.remove_at(i);
        self.leave(call);
    }

    /// Ends `call` with a timeout (601) if `now` is past its deadline; true if it did (or had already
    /// ended). A token flow that runs out of its leader's time fails for every call waiting on it.
    pub fn on_deadline(&mut self, call: CallId, now: Now) -> bool {
        let Some(i) = self.calls.index(call) else { return true };
        let c = self.calls.at(i);
        if matches!(c.stage, Stage::Finished(_)) {
            return true;
        }
        if now.mono_ms < c.deadline_ms {
            return false;
        }
        self.calls.at_mut(i).stage = Stage::Finished(Err(HError::timeout()));
        if self.tokens.leads(call) {
            self.fail_waiters(&HError::timeout());
        } else {
            self.leave(call);
        }
        true
    }

    // -----------------------------------------------------------------------------------------------------

    fn time_left(&self, i: usize, now: Now) -> Duration {
        Duration::from_millis(self.calls.at(i).deadline_ms.saturating_sub(now.mono_ms).max(1))
    }

    fn url(&self, path: &str) -> String {
        let mut url = String::from(self.config.base_url.trim_end_matches('/'));
        url.push_str(path);
        url
    }

    fn leave(&mut self, call: CallId) {
        if let TokenLeave::HandedOver { to, .. } = self.tokens.leave(call) {
            if let Some(i) = self.calls.index(to) {
                self.calls.at_mut(i).stage = self.authorize_stage();
                self.outputs.push_back(Output::Wake(to));
            }
        }
    }

    /// The first hop of a fresh token flow.
    fn authorize_stage(&self) -> Stage {
        let hop = Hop { url: self.url(AUTHORIZE_PATH), method: Method::Post, with_body: true, redirects: 0 };
        Stage::Authorize { hop, jar: CookieJar::default() }
    }

    /// What a call does with a token: its request, or (`AccessToken`) resolve to it.
    fn with_token(&self, i: usize, token: String) -> Stage {
        match self.calls.at(i).request {
            Some(_) => Stage::Ready { token },
            None => Stage::Finished(Ok(json::string(&token))),
        }
    }

    fn authorize_request(&self, hop: &Hop, jar: &CookieJar, timeout: Duration) -> HttpRequest {
        let mut headers = Vec::new();
        let body = hop.with_body.then(|| {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
            json::ObjectWriter::new()
                .string("client_id", &self.config.client_id)
                .string("client_secret", &self.config.client_secret)
                .finish()
                .into_bytes()
        });
        if let Some(cookie) = jar.header_for(&hop.url) {
            headers.push(("Cookie".to_owned(), cookie));
        }
        HttpRequest {
            method: hop.method,
            url: hop.url.clone(),
            headers,
            body,
            timeout,
            max_response_bytes: MAX_TOKEN_ANSWER_BYTES,
        }
    }

    fn exchange_request(&self, code: &str, jar: &CookieJar, timeout: Duration) -> HttpRequest {
        let url = self.url(ACCESS_TOKEN_PATH);
        let form = form::multipart(&[
            ("client_id", &self.config.client_id),
            ("client_secret", &self.config.client_secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ]);
        let mut headers = vec![("Content-Type".to_owned(), form.content_type)];
        if let Some(cookie) = jar.header_for(&url) {
            headers.push(("Cookie".to_owned(), cookie));
        }
        HttpRequest {
            method: Method::Post,
            url,
            headers,
            body: Some(form.body.into_bytes()),
            timeout,
            max_response_bytes: MAX_TOKEN_ANSWER_BYTES,
        }
    }

    fn api_request(&self, request: &Request, token: &str, timeout: Duration) -> HttpRequest {
        let mut authorization = String::from("Bearer ");
        authorization.push_str(token);
        let mut headers = vec![("Authorization".to_owned(), authorization)];
        if let Some(env) = &self.config.env {
            headers.push(("X-Hydrogen-Env-ID".to_owned(), env.clone()));
        }
        if request.body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        HttpRequest {
            method: request.method,
            url: self.url(&request.path),
            headers,
            body: request.body.clone().map(String::into_bytes),
            timeout,
            max_response_bytes: MAX_ANSWER_BYTES,
        }
    }

    /// The authorize step answered: a redirect to follow, the code to exchange, or the step's failure.
    fn authorize_answer(&mut self, i: usize, hop: Hop, mut jar: CookieJar, response: &HttpResponse, now: Now) {
        jar.store(&hop.url, response);
        if redirect::is_redirect(response.status) {
            let next = match redirect::follow(&hop.url, hop.method, response) {
                Err(problem) => Err(step_broken("authorize", problem, response)),
                Ok(_) if hop.redirects >= MAX_REDIRECTS => {
                    Err(step_broken("authorize", "one redirect too many (the limit is 5)", response))
                }
                Ok(next) => Ok(next),
            };
            match next {
                Ok(next) => {
                    let hop = Hop {
                        url: next.url,
                        method: next.method,
                        with_body: hop.with_body && next.keeps_body,
                        redirects: hop.redirects + 1,
                    };
                    self.calls.at_mut(i).stage = Stage::Authorize { hop, jar };
                }
                Err(error) => self.token_outcome(i, Err(error), now),
            }
            return;
        }
        if !response.is_success() {
            return self.token_outcome(i, Err(step_failed("authorize", response)), now);
        }
        let text = std::str::from_utf8(&response.body).ok();
        let code = text.and_then(|t| json::parse(t).ok()).and_then(|body| body.get_str("code"));
        match code.filter(|c| !c.is_empty()) {
            Some(code) => self.calls.at_mut(i).stage = Stage::Exchange { code, jar },
            None => {
                let error = step_broken("authorize", "without a code", response);
                self.token_outcome(i, Err(error), now)
            }
        }
    }

    /// The leader's flow ended: every call waiting on it uses the token, or shares the failure.
    fn token_outcome(&mut self, i: usize, outcome: Result<(String, i64), HError>, now: Now) {
        match outcome {
            Ok((token, expires_in)) => {
                let waiters = self.tokens.fetched(&token, expires_in, now.unix_secs);
                self.calls.at_mut(i).stage = self.with_token(i, token.clone());
                for waiter in waiters {
                    if let Some(j) = self.calls.index(waiter) {
                        self.calls.at_mut(j).stage = self.with_token(j, token.clone());
                        self.outputs.push_back(Output::Wake(waiter));
                    }
                }
            }
            Err(error) => {
                self.calls.at_mut(i).stage = Stage::Finished(Err(error.clone()));
                self.fail_waiters(&error);
            }
        }
    }

    fn fail_waiters(&mut self, error: &HError) {
        for waiter in self.tokens.failed() {
            if let Some(j) = self.calls.index(waiter) {
                self.calls.at_mut(j).stage = Stage::Finished(Err(error.clone()));
                self.outputs.push_back(Output::Wake(waiter));
            }
        }
    }

    /// The API's answer: its JSON, one token refresh on a 401, or the caller's HError.
    fn api_answer(&mut self, i: usize, response: &HttpResponse, token: String) -> Stage {
        if response.status == 401 && !self.calls.at(i).refreshed {
            self.calls.at_mut(i).refreshed = true;
            self.outputs.push_back(Output::Log(LogEvent {
                level: LogLevel::Debug,
                code: "token_rejected",
                message: "open-API access token rejected (401); fetching a fresh one".to_owned(),
            }));
            return Stage::NeedToken { rejected: Some(token) };
        }
        if !response.is_success() {
            return Stage::Finished(Err(HError::from_http(response.status, &response.body, response.request_id())));
        }
        let text = std::str::from_utf8(&response.body).ok();
        if text.is_some_and(|t| t.trim().is_empty()) {
            return Stage::Finished(Ok("null".to_owned()));
        }
        match text.map(json::canonical) {
            Some(Ok(json)) => Stage::Finished(Ok(json)),
            _ => {
                let mut message = String::from("the open API answered HTTP ");
                push_u64(&mut message, response.status.into());
                message.push_str(" with a body that is not JSON");
                Stage::Finished(Err(HError::invalid_response(message)
                    .with_status(response.status)
                    .with_request_id(response.request_id())
                    .with_details_json(&lossy(&response.body))))
            }
        }
    }
}

/// The access-token step's answer: the token and its lifetime, or the step's failure.
fn token_answer(response: &HttpResponse) -> Result<(String, i64), HError> {
    if !response.is_success() {
        return Err(step_failed("access_token", response));
    }
    let text = std::str::from_utf8(&response.body).ok();
    let Some(body) = text.and_then(|t| json::parse(t).ok()).filter(|b| b.kind() == Kind::Object) else {
        return Err(step_broken("access_token", "with a body that is not a JSON object", response));
    };
    let Some(token) = body.get_str("access_token").filter(|t| !t.is_empty()) else {
        return Err(step_broken("access_token", "without an access_token", response));
    };
    let expires_in = body.get("expires_in").and_then(|e| e.as_i64()).unwrap_or(3600);
    if !(0..=MAX_TOKEN_LIFETIME_SECS).contains(&expires_in) {
        return Err(step_broken("access_token", "with an absurd expires_in", response));
    }
    Ok((token, expires_in))
}
