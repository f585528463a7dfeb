//! Replays every shared vector (`tests/vectors/*.json`) through the core with a scripted transport, host,
//! store and clock: every request sent (method, path, headers in order, body bytes), every outcome and the
//! storage afterwards must be what the vector says. One test per vector file.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use libtest_mimic::Failed;
use minicloud_core::{
    BoxFuture, Client, Credentials, FixedClock, HError, Host, HttpRequest, HttpResponse, Invocation, LoginCodeAnswer,
    MemoryStore, SessionStore, SilentLogin, Transport, TransportError, TransportErrorKind,
};
use serde_json::Value;

mod common;

use common::{check_outcome, check_storage, config_of, vector_number};

fn main() {
    common::run_each_vector(run_vector);
}

/// One scripted exchange: what the server expects and how it answers.
struct Exchange {
    request: Value,
    answer: Result<HttpResponse, TransportError>,
    hangs: bool,
    used: bool,
}

struct ScriptedTransport {
    exchanges: Mutex<Vec<Exchange>>,
    concurrent: bool,
    version: String,
    problems: Mutex<Vec<String>>,
}

fn request_as_json(request: &HttpRequest, version: &str) -> Value {
    let headers: Vec<Value> = request
        .headers
        .iter()
        .map(|(k, v)| {
            let v = if v == version { "$VERSION".to_owned() } else { v.clone() };
            Value::Array(vec![Value::String(k.clone()), Value::String(v)])
        })
        .collect();
    serde_json::json!({
        "method": request.method.as_str(),
        "path": request.path(),
        "headers": headers,
        "body": request.body.as_ref().map(|b| String::from_utf8(b.clone()).expect("request bodies are UTF-8")),
    })
}

impl Transport for ScriptedTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            // Let other calls run first, so concurrent callers really overlap.
            tokio::task::yield_now().await;
            let seen = request_as_json(&request, &self.version);
            let answer = self.answer(&seen);
            match answer {
                // A server that never answers: only the call's own time limit ends it.
                None => std::future::pending().await,
                Some(Ok(response)) if response.body.len() > request.max_response_bytes => {
                    Err(TransportError::body_too_large(request.max_response_bytes))
                }
                Some(answer) => answer,
            }
        })
    }
}

impl ScriptedTransport {
    /// The scripted answer to `seen` (`None`: the exchange hangs).
    fn answer(&self, seen: &Value) -> Option<Result<HttpResponse, TransportError>> {
        let mut exchanges = self.exchanges.lock().unwrap();
        let position = if self.concurrent {
            exchanges.iter().position(|e| !e.used && e.request == *seen)
        } else {
            exchanges.iter().position(|e| !e.used).filter(|&i| exchanges[i].request == *seen)
        };
        let Some(i) = position else {
            let expected = exchanges.iter().find(|e| !e.used).map(|e| e.request.to_string());
            self.problems.lock().unwrap().push(format!(
                "unexpected request\n  sent:     {seen}\n  expected: {}",
                expected.unwrap_or_else(|| "no more requests".into())
            ));
            return Some(Err(TransportError::new(TransportErrorKind::Connect, "vector runner: unexpected request")));
        };
        exchanges[i].used = true;
        (!exchanges[i].hangs).then(|| exchanges[i].answer.clone())
    }
}

struct ScriptedHost {
    login_code: Option<String>,
    login_fails: Option<String>,
    login_hangs: bool,
    app_name: Option<String>,
    offline: bool,
}

impl Host for ScriptedHost {
    fn login_code(&self) -> BoxFuture<'_, LoginCodeAnswer> {
        Box::pin(async move {
            if self.login_hangs {
                return std::future::pending().await;
            }
            match (&self.login_fails, &self.login_code) {
                (Some(words), _) => LoginCodeAnswer::Failed(words.clone()),
                (None, Some(code)) => LoginCodeAnswer::Code { code: code.clone(), app_name: None },
                (None, None) => LoginCodeAnswer::Unavailable,
            }
        })
    }

    fn app_name(&self) -> Option<String> {
        self.app_name.clone()
    }

    fn is_offline(&self) -> BoxFuture<'_, bool> {
        let offline = self.offline;
        Box::pin(async move { offline })
    }
}

fn answer_of(exchange: &Value) -> Result<HttpResponse, TransportError> {
    if let Some(failure) = exchange.get("failure").and_then(Value::as_str) {
        let kind = match failure {
            "timeout" | "hang" => TransportErrorKind::Timeout,
            "offline" | "refused" | "reset" => TransportErrorKind::Connect,
            other => panic!("unknown failure {other:?}"),
        };
        return Err(TransportError::new(kind, format!("scripted {failure}")));
    }
    let r = &exchange["response"];
    let headers = r["headers"]
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect())
        .unwrap_or_default();
    Ok(HttpResponse {
        status: r["status"].as_u64().unwrap() as u16,
        headers,
        body: r["body"].as_str().unwrap_or("").as_bytes().to_vec(),
    })
}

async fn run_call(client: &Client, call: &Value) -> Result<Option<Value>, HError> {
    let args = call["args"].as_array().cloned().unwrap_or_default();
    let arg = |i: usize| args.get(i).cloned();
    match call["op"].as_str().unwrap() {
        op @ ("invoke" | "invokeFunction") => {
            let mut invocation = Invocation::from_args(&arg(0).unwrap_or(Value::Null), arg(1), args.get(2))?;
            if let Some(ms) = call.get("timeoutMs") {
                invocation = invocation.timeout(minicloud_core::limits::time_limit("timeoutMs", vector_number(ms))?);
            }
            let result =
                if op == "invoke" { client.invoke(invocation).await } else { client.invoke_function(invocation).await };
            result.map(Some)
        }
        "login" => client.login(&Credentials::from_value(&arg(0).unwrap_or(Value::Null))?).await.map(|_| None),
        "register" => client.register(&Credentials::from_value(&arg(0).unwrap_or(Value::Null))?).await.map(|_| None),
        "loginWithSms" => {
            let phone = arg(0).and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let code = arg(1).and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let create_user = arg(2).and_then(|o| o.get("createUser").and_then(Value::as_bool)).unwrap_or(true);
            client.login_with_sms(&phone, &code, create_user).await.map(|_| None)
        }
        "anonymousLogin" => client.anonymous_login().await.map(|_| None),
        "silentLogin" => {
            let text = |i: usize| arg(i).map(|v| v.to_string());
            let options = SilentLogin::login_with_wechat(text(0).as_deref(), text(1).as_deref())?;
            client.login_with_wechat(options).await.map(|_| None)
        }
        "getCurrentUser" => client.get_current_user().await.map(|_| None),
        "logout" => client.logout().await.map(|()| None),
        "clearSession" => {
            client.clear_session();
            Ok(None)
        }
        other => panic!("unknown op {other:?}"),
    }
}

fn run_vector(path: &Path) -> Result<(), Failed> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).map_err(|e| format!("bad vector: {e}"))?;
    let config = config_of(&v);
    let store = Arc::new(MemoryStore::with_values(
        v["storage"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.clone())),
    ));
    let host_env = &v["hostEnv"];
    let host = ScriptedHost {
        login_code: host_env.get("loginCode").and_then(Value::as_str).map(str::to_owned),
        login_fails: host_env.get("loginFails").and_then(Value::as_str).map(str::to_owned),
        login_hangs: host_env.get("loginHangs").and_then(Value::as_bool) == Some(true),
        app_name: host_env.get("appName").and_then(Value::as_str).map(str::to_owned),
        offline: host_env.get("networkType").and_then(Value::as_str) == Some("none"),
    };
    let exchanges: Vec<Exchange> = v["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Exchange {
            request: e["request"].clone(),
            answer: answer_of(e),
            hangs: e.get("failure").and_then(Value::as_str) == Some("hang"),
            used: false,
        })
        .collect();
    let concurrent = v["concurrent"].as_bool().unwrap_or(false);
    let transport = Arc::new(ScriptedTransport {
        exchanges: Mutex::new(exchanges),
        concurrent,
        version: config.client_version.clone(),
        problems: Mutex::new(Vec::new()),
    });
    let client = Client::builder(config)
        .transport(transport.clone())
        .store(store.clone())
        .host(Arc::new(host))
        .clock(Arc::new(FixedClock(v["now"].as_i64().unwrap())))
        .build()
        .map_err(|e| format!("build: {e}"))?;

    let calls = v["calls"].as_array().unwrap().clone();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let outcomes = runtime.block_on(async {
        if concurrent {
            futures::future::join_all(calls.iter().map(|c| run_call(&client, c))).await
        } else {
            let mut outcomes = Vec::new();
            for c in &calls {
                outcomes.push(run_call(&client, c).await);
            }
            outcomes
        }
    });

    let mut problems: Vec<String> = transport.problems.lock().unwrap().clone();
    for (i, (call, outcome)) in calls.iter().zip(&outcomes).enumerate() {
        if let Err(p) = check_outcome(i, &call["expect"], outcome) {
            problems.push(p);
        }
    }
    let unused: VecDeque<String> =
        transport.exchanges.lock().unwrap().iter().filter(|e| !e.used).map(|e| e.request.to_string()).collect();
    if !unused.is_empty() {
        problems.push(format!("requests never sent: {unused:?}"));
    }
    problems.extend(check_storage(&v, |key| store.get(key)));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}
