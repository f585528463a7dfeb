//! Replays every shared vector (`tests/vectors/*.json`) through the protocol machine directly: no server, no
//! async, no threads. The runner plays the driver — it answers each `Send` from the vector's exchanges, each
//! `LoginCode` and `CheckOffline` from its host, applies storage writes in order, and moves its own clock to
//! a call's deadline when nothing else can run — so this is a pure test of the rules. One test per vector.

use std::collections::BTreeMap;
use std::path::Path;

use libtest_mimic::Failed;
use minicloud_core::machine::{
    Action, Answer, CallId, Invoke, LoginCodeAnswer, Machine, Now, Op, Output, SilentLogin, StoredSession,
};
use minicloud_core::{Credentials, HError, HttpRequest, HttpResponse, TransportError, TransportErrorKind};
use serde_json::Value;

mod common;

use common::{check_outcome, check_storage, config_of, vector_number};

fn main() {
    common::run_each_vector(run_vector);
}

struct Exchange {
    request: Value,
    answer: Value,
    used: bool,
}

/// What the runner is doing for a call.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Runnable,
    Waiting,
    /// A request or host API that never answers: only the call's deadline ends it.
    Hung,
    Done,
}

struct Runner {
    machine: Machine,
    now: Now,
    exchanges: Vec<Exchange>,
    concurrent: bool,
    host: Value,
    storage: BTreeMap<String, Value>,
    version: String,
    problems: Vec<String>,
    states: BTreeMap<CallId, State>,
    outcomes: BTreeMap<CallId, Result<Answer, HError>>,
}

fn request_as_json(request: &HttpRequest, version: &str) -> Value {
    let headers: Vec<Value> = request
        .headers
        .iter()
        .map(|(k, v)| serde_json::json!([k, if v == version { "$VERSION" } else { v }]))
        .collect();
    serde_json::json!({
        "method": request.method.as_str(),
        "path": request.path(),
        "headers": headers,
        "body": request.body_text(),
    })
}

impl Runner {
    fn drain(&mut self) {
        while let Some(output) = self.machine.poll_output() {
            match output {
                Output::Store { key, value_json } => {
                    let value = serde_json::from_str(&value_json).expect("storage writes are JSON");
                    self.storage.insert(key.to_owned(), value);
                }
                Output::Wake(call) => {
                    if self.states.get(&call) == Some(&State::Waiting) {
                        self.states.insert(call, State::Runnable);
                    }
                }
                Output::Log(_) => {}
            }
        }
    }

    /// One step of `call`: its next action, performed at once (or parked).
    fn step(&mut self, call: CallId) {
        let action = self.machine.next(call, self.now);
        let state = match action {
            Action::Done(result) => {
                self.outcomes.insert(call, result);
                State::Done
            }
            Action::Wait => State::Waiting,
            Action::Send(request) => self.send(call, request),
            Action::LoginCode => {
                if self.host.get("loginHangs").and_then(Value::as_bool) == Some(true) {
                    State::Hung
                } else {
                    let answer = match (self.host.get("loginFails").and_then(Value::as_str), self.host.get("loginCode"))
                    {
                        (Some(words), _) => LoginCodeAnswer::Failed(words.to_owned()),
                        (None, Some(Value::String(code))) => LoginCodeAnswer::Code {
                            code: code.clone(),
                            app_name: self.host.get("appName").and_then(Value::as_str).map(str::to_owned),
                        },
                        _ => LoginCodeAnswer::Unavailable,
                    };
                    self.machine.on_login_code(call, answer, self.now);
                    State::Runnable
                }
            }
            Action::CheckOffline => {
                let offline = self.host.get("networkType").and_then(Value::as_str) == Some("none");
                self.machine.on_offline(call, offline, self.now);
                State::Runnable
            }
            Action::FetchToken { .. } | Action::Sleep { .. } => {
                self.problems.push("the 知晓云 machine asked for a token or a sleep".into());
                State::Done
            }
        };
        self.states.insert(call, state);
        self.drain();
    }

    fn send(&mut self, call: CallId, request: HttpRequest) -> State {
        let seen = request_as_json(&request, &self.version);
        let position = if self.concurrent {
            self.exchanges.iter().position(|e| !e.used && e.request == seen)
        } else {
            self.exchanges.iter().position(|e| !e.used).filter(|&i| self.exchanges[i].request == seen)
        };
        let Some(i) = position else {
            let expected = self.exchanges.iter().find(|e| !e.used).map(|e| e.request.to_string());
            self.problems.push(format!(
                "unexpected request\n  sent:     {seen}\n  expected: {}",
                expected.unwrap_or_else(|| "no more requests".into())
            ));
            let error = TransportError::new(TransportErrorKind::Connect, "vector runner: unexpected request");
            self.machine.on_transport_error(call, error, self.now);
            return State::Runnable;
        };
        self.exchanges[i].used = true;
        let answer = &self.exchanges[i].answer;
        if let Some(failure) = answer.get("failure").and_then(Value::as_str) {
            let kind = match failure {
                "hang" => return State::Hung,
                "timeout" => TransportErrorKind::Timeout,
                "offline" | "refused" | "reset" => TransportErrorKind::Connect,
                other => panic!("unknown failure {other:?}"),
            };
            self.machine.on_transport_error(call, TransportError::new(kind, format!("scripted {failure}")), self.now);
            return State::Runnable;
        }
        let r = &answer["response"];
        let body = r["body"].as_str().unwrap_or("").as_bytes().to_vec();
        if body.len() > request.max_response_bytes {
            self.machine.on_transport_error(call, TransportError::body_too_large(request.max_response_bytes), self.now);
            return State::Runnable;
        }
        let headers = r["headers"]
            .as_object()
            .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect())
            .unwrap_or_default();
        let response = HttpResponse { status: r["status"].as_u64().unwrap() as u16, headers, body };
        self.machine.on_response(call, response, self.now);
        State::Runnable
    }

    /// Runs `calls` until each is done, in rounds: every runnable call takes one step per round (so
    /// concurrent calls really overlap); when none can run, the clock moves to the earliest deadline of a
    /// hung call.
    fn run(&mut self, calls: &[CallId]) {
        loop {
            let runnable: Vec<CallId> =
                calls.iter().copied().filter(|c| self.states.get(c) == Some(&State::Runnable)).collect();
            if !runnable.is_empty() {
                for call in runnable {
                    if self.states.get(&call) == Some(&State::Runnable) {
                        self.step(call);
                    }
                }
                continue;
            }
            let hung = calls.iter().filter(|c| self.states.get(c) == Some(&State::Hung));
            let Some((call, deadline)) =
                hung.filter_map(|c| self.machine.deadline_ms(*c).map(|d| (*c, d))).min_by_key(|(_, d)| *d)
            else {
                break;
            };
            self.now.mono_ms = self.now.mono_ms.max(deadline);
            self.machine.on_deadline(call, self.now);
            self.states.insert(call, State::Runnable);
            self.drain();
        }
        for call in calls {
            if self.states.get(call) != Some(&State::Done) {
                self.problems.push(format!("call {} never ended (left waiting)", call.get()));
            }
        }
    }
}

/// The machine's call for a vector call, or the error the machine's argument rules give before any call.
fn op_of(call: &Value) -> Result<Op, HError> {
    let args = call["args"].as_array().cloned().unwrap_or_default();
    let text = |i: usize| args.get(i).map(Value::to_string);
    Ok(match call["op"].as_str().unwrap() {
        op @ ("invoke" | "invokeFunction") => {
            let mut invoke = Invoke::from_json_args(
                &text(0).unwrap_or_else(|| "null".into()),
                text(1).as_deref(),
                text(2).as_deref(),
            )?;
            invoke.deprecated_alias = op == "invokeFunction";
            Op::Invoke(invoke)
        }
        "login" => Op::Login(Credentials::from_json(&text(0).unwrap_or_else(|| "null".into()))?),
        "register" => Op::Register(Credentials::from_json(&text(0).unwrap_or_else(|| "null".into()))?),
        "loginWithSms" => Op::LoginWithSms {
            phone: args.first().and_then(Value::as_str).unwrap_or_default().to_owned(),
            code: args.get(1).and_then(Value::as_str).unwrap_or_default().to_owned(),
            create_user: args.get(2).and_then(|o| o.get("createUser")).and_then(Value::as_bool).unwrap_or(true),
        },
        "anonymousLogin" => Op::AnonymousLogin,
        "silentLogin" => Op::SilentLogin(SilentLogin::login_with_wechat(text(0).as_deref(), text(1).as_deref())?),
        "getCurrentUser" => Op::GetCurrentUser,
        "logout" => Op::Logout,
        other => panic!("unknown op {other:?}"),
    })
}

fn run_vector(path: &Path) -> Result<(), Failed> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).map_err(|e| format!("bad vector: {e}"))?;
    let config = config_of(&v);
    let storage: BTreeMap<String, Value> =
        v["storage"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let stored = storage.iter().fold(StoredSession::new(), |s, (k, v)| s.with(k, &v.to_string()));
    let version = config.client_version.clone();
    let machine = Machine::new(config, &stored).map_err(|e| format!("config: {e}"))?;
    let mut runner = Runner {
        machine,
        now: Now::new(1_000, v["now"].as_i64().unwrap()),
        exchanges: v["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Exchange { request: e["request"].clone(), answer: e.clone(), used: false })
            .collect(),
        concurrent: v["concurrent"].as_bool().unwrap_or(false),
        host: v["hostEnv"].clone(),
        storage,
        version,
        problems: Vec::new(),
        states: BTreeMap::new(),
        outcomes: BTreeMap::new(),
    };

    let calls = v["calls"].as_array().unwrap().clone();
    let mut results: Vec<Option<Result<Option<Value>, HError>>> = vec![None; calls.len()];
    let mut started: Vec<(usize, CallId)> = Vec::new();
    for (index, call) in calls.iter().enumerate() {
        if call["op"] == "clearSession" {
            runner.machine.clear_session();
            runner.drain();
            results[index] = Some(Ok(None));
            continue;
        }
        let timeout = call
            .get("timeoutMs")
            .map(|ms| minicloud_core::limits::time_limit("timeoutMs", vector_number(ms)))
            .transpose();
        match timeout.and_then(|timeout| op_of(call).map(|op| (op, timeout))) {
            Err(e) => results[index] = Some(Err(e)),
            Ok((op, timeout)) => {
                let id = runner.machine.start(op, timeout, runner.now);
                runner.states.insert(id, State::Runnable);
                started.push((index, id));
                if !runner.concurrent {
                    runner.run(&[id]);
                }
            }
        }
    }
    if runner.concurrent {
        let ids: Vec<CallId> = started.iter().map(|(_, id)| *id).collect();
        runner.run(&ids);
    }
    for (index, id) in started {
        results[index] = Some(match runner.outcomes.remove(&id) {
            Some(Ok(Answer::Body(text))) => Ok(Some(serde_json::from_str(&text).map_err(|e| format!("body: {e}"))?)),
            Some(Ok(_)) => Ok(None),
            Some(Err(e)) => Err(e),
            None => Err(HError::invalid_argument("no outcome")),
        });
    }
    let outcomes: Vec<Result<Option<Value>, HError>> = results.into_iter().map(Option::unwrap).collect();

    let mut problems = std::mem::take(&mut runner.problems);
    for (i, (call, outcome)) in calls.iter().zip(&outcomes).enumerate() {
        if let Err(p) = check_outcome(i, &call["expect"], outcome) {
            problems.push(p);
        }
    }
    let unused: Vec<String> = runner.exchanges.iter().filter(|e| !e.used).map(|e| e.request.to_string()).collect();
    if !unused.is_empty() {
        problems.push(format!("requests never sent: {unused:?}"));
    }
    if runner.machine.calls_in_progress() != 0 {
        problems.push(format!("{} calls left in the machine", runner.machine.calls_in_progress()));
    }
    problems.extend(check_storage(&v, |key| runner.storage.get(key).cloned()));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
