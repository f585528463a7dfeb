//! Helpers for the end-to-end tests in `tests/`: a real local engine on loopback and clients of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use minicloud_core::{AccountKind, AutoLogin, Client, ClientConfig, Credentials, MemoryStore, Platform};
use minicloud_engine::{Engine, EngineConfig, RunningEngine};

/// The engine's fixture functions (`helloWorld`, `echo`, `throws`, `slow`, ...).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../engine/tests/functions")
}

/// Starts an engine on the fixtures with a fresh client ID.
pub async fn engine() -> RunningEngine {
    engine_with(|c| c).await
}

/// Starts an engine on the fixtures, adjusting its config first.
pub async fn engine_with(adjust: impl FnOnce(EngineConfig) -> EngineConfig) -> RunningEngine {
    let config = EngineConfig::new(fixtures()).client_id("e2e-client").admin_token("e2e-admin");
    Engine::start(adjust(config)).await.expect("the engine starts")
}

/// A client of `engine` with its own in-memory session store.
pub fn client(engine: &RunningEngine, auto_login: AutoLogin) -> (Client, Arc<MemoryStore>) {
    client_with(engine, |c| c.with_auto_login(auto_login))
}

/// A client of `engine`, adjusting its config first.
pub fn client_with(
    engine: &RunningEngine,
    adjust: impl FnOnce(ClientConfig) -> ClientConfig,
) -> (Client, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    let config = adjust(ClientConfig::new(engine.client_id(), Platform::Node).with_host(engine.url()));
    (Client::builder(config).store(store.clone()).build().expect("client config is valid"), store)
}

/// Credentials of a user unique to this test run.
pub fn user(name: &str) -> Credentials {
    Credentials::new(AccountKind::Username, format!("{name}-{}", std::process::id()), "pw-123456")
}

/// A client of `engine` signed in as a newly registered user.
pub async fn signed_in(engine: &RunningEngine, name: &str) -> (Client, Arc<MemoryStore>) {
    let (client, store) = client(engine, AutoLogin::Disabled);
    client.register(&user(name)).await.expect("register");
    (client, store)
}
