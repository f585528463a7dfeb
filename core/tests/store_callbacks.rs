//! A session store may call back into its own client: a Kotlin, Swift or Python `SessionStore` (uniffi) is
//! app code, and app code reads the session or the current user whenever it likes. The native driver applies
//! the machine's storage writes outside its lock, in order, so such a store never deadlocks the client.
//!
//! Each call runs on a thread of its own and the test waits for it with a time limit: a deadlock fails the
//! test instead of hanging it.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use minicloud_core::transport::{HttpRequest, HttpResponse, Transport, TransportError};
use minicloud_core::{BoxFuture, Client, ClientConfig, Credentials, MemoryStore, Platform, SessionStore};
use serde_json::Value;

/// How long a call may take before the test calls it a deadlock.
const LIMIT: Duration = Duration::from_secs(10);

/// What the store saw: each write with what the client reported from inside it.
type Seen = Mutex<Vec<(String, Value, Option<String>)>>;

/// A store that, on every write, asks its own client for the current user (as app code may), then keeps the
/// value.
struct CallingBackStore {
    client: OnceLock<Client>,
    inner: MemoryStore,
    seen: Seen,
}

impl SessionStore for CallingBackStore {
    fn get(&self, key: &str) -> Option<Value> {
        self.inner.get(key)
    }

    fn set(&self, key: &str, value: Value) {
        let seen_user = self.client.get().and_then(|client| client.current_user()).and_then(|user| user.openid);
        self.seen.lock().unwrap().push((key.to_owned(), value.clone(), seen_user));
        self.inner.set(key, value);
    }
}

/// Answers every login with a session for 微信用户 🚀.
struct LoginServer;

impl Transport for LoginServer {
    fn send(&self, _request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let body = r#"{"token":"tok-令牌","expires_in":7200,"user_id":42,"openid":"oid-微信用户🚀","unionid":"u-1"}"#;
        Box::pin(async move { Ok(HttpResponse { status: 201, headers: vec![], body: body.as_bytes().to_vec() }) })
    }
}

/// A client over `store` and the [`LoginServer`]; `client` is where the store finds it.
fn client_over(store: Arc<dyn SessionStore>, client: &OnceLock<Client>) -> Client {
    let built = Client::builder(ClientConfig::new("a4d2d62965ddb57fa4d6", Platform::Node))
        .transport(Arc::new(LoginServer))
        .store(store)
        .build()
        .unwrap();
    let _ = client.set(built.clone());
    built
}

/// Logs in on a runtime of its own, within [`LIMIT`].
fn log_in_within_limit(
    client: Client,
    anonymous: bool,
) -> Option<Result<minicloud_core::LoginResult, minicloud_core::HError>> {
    within_limit(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        if anonymous {
            runtime.block_on(client.anonymous_login())
        } else {
            runtime.block_on(client.login(&Credentials::from_json(r#"{"username":"小明","password":"p"}"#).unwrap()))
        }
    })
}

fn client_with_calling_back_store() -> (Client, Arc<CallingBackStore>) {
    let store =
        Arc::new(CallingBackStore { client: OnceLock::new(), inner: MemoryStore::new(), seen: Mutex::default() });
    let client = client_over(store.clone(), &store.client);
    (client, store)
}

/// Runs `work` on its own thread; `None` when it did not finish within [`LIMIT`] (a deadlock).
fn within_limit<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    finished.recv_timeout(LIMIT).ok()
}

#[test]
fn a_store_that_reads_its_client_while_clear_session_writes_does_not_deadlock() {
    let (client, store) = client_with_calling_back_store();
    let cleared = within_limit(move || client.clear_session());
    assert!(cleared.is_some(), "clear_session deadlocked on a store that calls back into its client");
    let keys: Vec<String> = store.seen.lock().unwrap().iter().map(|(k, _, _)| k.clone()).collect();
    assert_eq!(
        keys,
        [
            "ifx_baas_auth_token",
            "ifx_baas_is_logined_baas",
            "ifx_baas_is_anonymous_user",
            "ifx_baas_userinfo",
            "ifx_baas_uid"
        ]
    );
}

#[test]
fn a_login_whose_store_reads_its_client_completes_with_every_write_in_the_official_order() {
    let (client, store) = client_with_calling_back_store();
    let user = log_in_within_limit(client, false)
        .expect("the login deadlocked on a store that calls back into its client")
        .unwrap();
    assert_eq!(user.openid.as_deref(), Some("oid-微信用户🚀"));
    let seen = store.seen.lock().unwrap();
    let keys: Vec<&str> = seen.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "ifx_baas_uid",
            "ifx_baas_openid",
            "ifx_baas_unionid",
            "ifx_baas_auth_token",
            "ifx_baas_userinfo",
            "ifx_baas_session_expires_at",
            "ifx_baas_is_anonymous_user",
        ]
    );
    assert_eq!(seen[3].1, Value::from("tok-令牌"));
    // From inside a write the client reports the signed-in user: the machine is ahead of the store, and a read
    // from inside a write never rolls it back to the half-written store.
    assert_eq!(seen.last().unwrap().2.as_deref(), Some("oid-微信用户🚀"));
}

#[test]
fn a_store_that_clears_the_session_from_inside_a_write_keeps_every_write_in_order() {
    // The store forgets the session as soon as a token is written: its own writes come after the login's
    // token write, and the store ends empty, exactly as if the app had called clear_session after the login.
    struct ClearingStore {
        client: OnceLock<Client>,
        inner: MemoryStore,
        keys: Mutex<Vec<(String, Value)>>,
    }
    impl SessionStore for ClearingStore {
        fn get(&self, key: &str) -> Option<Value> {
            self.inner.get(key)
        }
        fn set(&self, key: &str, value: Value) {
            self.keys.lock().unwrap().push((key.to_owned(), value.clone()));
            self.inner.set(key, value.clone());
            if key == "ifx_baas_auth_token" && value != "" {
                if let Some(client) = self.client.get() {
                    client.clear_session();
                }
            }
        }
    }
    let store = Arc::new(ClearingStore { client: OnceLock::new(), inner: MemoryStore::new(), keys: Mutex::default() });
    let client = client_over(store.clone(), &store.client);
    log_in_within_limit(client, true)
        .expect("the login deadlocked on a store that clears the session from inside a write")
        .unwrap();
    let keys = store.keys.lock().unwrap();
    let token_writes: Vec<&Value> = keys.iter().filter(|(k, _)| k == "ifx_baas_auth_token").map(|(_, v)| v).collect();
    assert_eq!(token_writes, [&Value::from("tok-令牌"), &Value::from("")], "{keys:?}");
    let last_token_write = keys.iter().rposition(|(k, _)| k == "ifx_baas_auth_token").unwrap();
    assert!(keys[..last_token_write].iter().any(|(k, _)| k == "ifx_baas_is_anonymous_user"), "{keys:?}");
    assert_eq!(store.inner.get("ifx_baas_auth_token"), Some(Value::from("")));
}

#[test]
fn a_call_returns_only_once_its_writes_are_in_the_store_while_other_threads_apply_theirs() {
    /// A store whose writes take a while, so threads find each other applying.
    struct SlowStore(MemoryStore);
    impl SessionStore for SlowStore {
        fn get(&self, key: &str) -> Option<Value> {
            self.0.get(key)
        }
        fn set(&self, key: &str, value: Value) {
            std::thread::sleep(Duration::from_millis(2));
            self.0.set(key, value);
        }
    }
    let store = Arc::new(SlowStore(MemoryStore::new()));
    let client = client_over(store.clone(), &OnceLock::new());
    let finished = within_limit(move || {
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (client, store) = (client.clone(), store.clone());
                std::thread::spawn(move || {
                    let user = log_in_within_limit(client.clone(), true).expect("a login deadlocked").unwrap();
                    assert!(user.is_anonymous);
                    let token = store.get("ifx_baas_auth_token");
                    assert_eq!(token, Some(Value::from("tok-令牌")), "the login returned before its token was stored");
                    assert!(client.session().is_some(), "the session read back from the store is gone");
                })
            })
            .collect();
        threads.into_iter().all(|t| t.join().is_ok())
    });
    assert_eq!(finished, Some(true), "a thread failed or deadlocked");
}

#[test]
fn a_store_that_panics_once_does_not_stop_later_calls() {
    /// A store whose first write panics (app code with a bug); later writes are kept.
    struct PanicsOnce(MemoryStore, std::sync::atomic::AtomicBool);
    impl SessionStore for PanicsOnce {
        fn get(&self, key: &str) -> Option<Value> {
            self.0.get(key)
        }
        fn set(&self, key: &str, value: Value) {
            if !self.1.swap(true, std::sync::atomic::Ordering::SeqCst) {
                panic!("a store with a bug: 存储失败");
            }
            self.0.set(key, value);
        }
    }
    let store = Arc::new(PanicsOnce(MemoryStore::new(), Default::default()));
    let client = client_over(store.clone(), &OnceLock::new());
    let panicking = client.clone();
    let first = within_limit(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || panicking.clear_session())).is_err()
    });
    assert_eq!(first, Some(true), "the store's panic reaches the caller of the call that wrote");
    let login = log_in_within_limit(client.clone(), true).expect("a call after the panic deadlocked");
    assert!(login.unwrap().is_anonymous);
    assert_eq!(store.0.get("ifx_baas_auth_token"), Some(Value::from("tok-令牌")));
    assert!(within_limit(move || client.session().is_some()).expect("reading the session deadlocked"));
}
