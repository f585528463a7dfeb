//! The one async loop that drives a protocol machine for the native API: [`Client`](crate::Client) and
//! [`WeChatCloud`](crate::wechat::WeChatCloud) and [`MinappServer`](crate::minapp_server::MinappServer) are this
//! loop over [`Machine`], [`WeChatMachine`] and [`MinappServerMachine`].
//!
//! For each call: ask the machine for the next action, perform it with the host's parts (transport, host
//! APIs, token service, timer) while racing the call's deadline, feed the outcome back, and apply the
//! machine's outputs (storage writes in order, log events, wake-ups of parked calls). The machine sits
//! behind a mutex that is never held across an await, nor while an output runs app code (a store, a
//! logger); dropping a call's future cancels it in the machine.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{select, Either};

use crate::clock::Clock;
use crate::host::Host;
use crate::machine::wechat::{WeChatError, WeChatErrorKind};
use crate::machine::{Action, CallId, LogEvent, LogLevel, LoginCodeAnswer, Now, Output, Protocol};
use crate::session::SessionStore;
use crate::timer::Timer;
use crate::transport::Transport;
use crate::wechat::TokenSource;
use crate::MaybeSend;

/// Where the machine's log events go. The default forwards them to `tracing` (target
/// `minicloud_core::machine`, or [`DEPRECATION_TARGET`](crate::log::DEPRECATION_TARGET) for a deprecated API),
/// which [`log::forward_events`](crate::log) hands to a binding's host logging.
pub trait Logger: crate::MaybeSend + crate::MaybeSync {
    /// Shows one event.
    fn log(&self, event: &LogEvent);
}

/// The default [`Logger`]: `tracing` events.
#[derive(Debug, Default, Clone, Copy)]
pub struct TracingLogger;

impl Logger for TracingLogger {
    fn log(&self, event: &LogEvent) {
        let code = event.code;
        let message = event.message.as_str();
        match event.level {
            // The target says what it is; the line stays the notice alone.
            LogLevel::Warn if code == "invoke_function_deprecated" => {
                tracing::warn!(target: crate::log::DEPRECATION_TARGET, "{message}")
            }
            LogLevel::Warn => tracing::warn!(target: "minicloud_core::machine", code, "{message}"),
            LogLevel::Info => tracing::info!(target: "minicloud_core::machine", code, "{message}"),
            LogLevel::Debug => tracing::debug!(target: "minicloud_core::machine", code, "{message}"),
        }
    }
}

/// The host's parts a driver performs actions with.
pub(crate) struct Parts {
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) host: Arc<dyn Host>,
    pub(crate) tokens: Option<Arc<dyn TokenSource>>,
    pub(crate) store: Option<Arc<dyn SessionStore>>,
    pub(crate) timer: Option<Arc<dyn Timer>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) logger: Arc<dyn Logger>,
}

struct State<P> {
    machine: P,
    /// Parked calls and how to wake them.
    wakes: Vec<(CallId, oneshot::Sender<()>)>,
    /// Outputs taken from the machine and not yet applied, in the machine's order.
    pending: VecDeque<Output>,
    /// How many outputs were taken from the machine, and how many of them are applied.
    taken: u64,
    applied: u64,
    /// The same, counting storage writes only.
    writes_taken: u64,
    writes_applied: u64,
    /// Whether a thread is applying outputs now (it applies every pending one, in order).
    applying: bool,
}

/// A machine, the host's parts, and the loop between them.
///
/// The machine's outputs are applied outside its lock, by one thread at a time in the order the machine
/// made them: a storage write or a log line runs app code (a uniffi `SessionStore` in Kotlin, Swift or
/// Python), and app code may call back into the same client. A call made from inside an output (on the
/// applying thread) does not wait for the outputs queued behind it; any other thread waits until the
/// outputs its step made are applied, so a call returns only once its storage writes are in the store.
pub(crate) struct Driver<P> {
    state: Mutex<State<P>>,
    /// Signalled whenever the applying thread finishes.
    applied: Condvar,
    parts: Parts,
    epoch: Epoch,
}

thread_local! {
    /// The drivers (by address) whose outputs this thread is applying now.
    static APPLYING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks this thread as applying a driver's outputs, until dropped (also when app code panics).
struct Applying<'a, P> {
    driver: &'a Driver<P>,
}

impl<'a, P> Applying<'a, P> {
    fn start(driver: &'a Driver<P>) -> Self {
        APPLYING.with(|a| a.borrow_mut().push(driver.id()));
        Applying { driver }
    }
}

impl<P> Drop for Applying<'_, P> {
    fn drop(&mut self) {
        let id = self.driver.id();
        APPLYING.with(|a| a.borrow_mut().retain(|d| *d != id));
        let mut state = self.driver.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.applying = false;
        drop(state);
        self.driver.applied.notify_all();
    }
}

/// The origin of the monotonic millisecond clock deadlines are measured on.
#[cfg(not(target_arch = "wasm32"))]
struct Epoch(std::time::Instant);
#[cfg(not(target_arch = "wasm32"))]
impl Epoch {
    fn new() -> Self {
        Epoch(std::time::Instant::now())
    }
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// The origin of the millisecond clock deadlines are measured on: `performance.now()` on wasm32 where the
/// host has it (a clock no one sets, unlike `Date.now()`), else `Date.now()`.
#[cfg(target_arch = "wasm32")]
struct Epoch(f64);
#[cfg(target_arch = "wasm32")]
impl Epoch {
    fn new() -> Self {
        Epoch(Self::now())
    }
    fn now() -> f64 {
        use js_sys::{Function, Reflect};
        use wasm_bindgen::JsCast;
        let performance = Reflect::get(&js_sys::global(), &"performance".into()).ok();
        let now = performance.as_ref().and_then(|p| {
            let f = Reflect::get(p, &"now".into()).ok()?.dyn_into::<Function>().ok()?;
            f.call0(p).ok()?.as_f64()
        });
        now.unwrap_or_else(js_sys::Date::now)
    }
    fn elapsed_ms(&self) -> u64 {
        (Self::now() - self.0).max(0.0) as u64
    }
}

/// Cancels the call in the machine when its future is dropped before it is done.
struct CancelOnDrop<'a, P: Protocol + MaybeSend + 'static> {
    driver: &'a Driver<P>,
    call: CallId,
    armed: bool,
}

impl<P: Protocol + MaybeSend + 'static> Drop for CancelOnDrop<'_, P> {
    fn drop(&mut self) {
        if self.armed {
            let call = self.call;
            self.driver.with(|machine, _| machine.cancel(call));
            self.driver.lock().wakes.retain(|(c, _)| *c != call);
        }
    }
}

impl<P> Driver<P> {
    fn id(&self) -> usize {
        self as *const Self as usize
    }

    fn lock(&self) -> MutexGuard<'_, State<P>> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether this thread is applying this driver's outputs (a call made from inside a storage write).
    fn applying_here(&self) -> bool {
        let id = self.id();
        APPLYING.with(|a| a.borrow().contains(&id))
    }
}

impl<P: Protocol + MaybeSend + 'static> Driver<P> {
    pub(crate) fn new(machine: P, parts: Parts) -> Self {
        let state = State {
            machine,
            wakes: Vec::new(),
            pending: VecDeque::new(),
            taken: 0,
            applied: 0,
            writes_taken: 0,
            writes_applied: 0,
            applying: false,
        };
        Driver { state: Mutex::new(state), applied: Condvar::new(), parts, epoch: Epoch::new() }
    }

    /// The time now, on both clocks.
    pub(crate) fn now(&self) -> Now {
        Now::new(self.epoch.elapsed_ms(), self.parts.clock.now_secs())
    }

    /// Runs `f` on the machine, then applies the outputs it left, in order (outside the lock).
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut P, Now) -> R) -> R {
        let now = self.now();
        let mut state = self.lock();
        let result = f(&mut state.machine, now);
        Self::take_outputs(&mut state);
        drop(state);
        self.apply_outputs();
        result
    }

    /// Runs `f` on the machine with what `read` reads (the session store) once every storage write made so
    /// far is applied, so the read never sees a store behind the machine; then applies the outputs `f` left.
    /// When the machine makes a storage write while `read` runs, it reads again. Called from inside an output
    /// (a store that calls back into its client), the store is behind the machine and `f` gets `None`.
    pub(crate) fn with_read<T, R>(&self, read: impl Fn() -> T, f: impl FnOnce(&mut P, Option<T>, Now) -> R) -> R {
        let (read_value, mut state) = loop {
            if !self.apply_outputs() {
                break (None, self.lock());
            }
            let written = {
                let state = self.lock();
                (state.writes_taken == state.writes_applied).then_some(state.writes_taken)
            };
            // Writes another call queued meanwhile are applied first.
            let Some(written) = written else { continue };
            let value = read();
            let state = self.lock();
            if state.writes_taken == written {
                break (Some(value), state);
            }
        };
        let result = f(&mut state.machine, read_value, self.now());
        Self::take_outputs(&mut state);
        drop(state);
        self.apply_outputs();
        result
    }

    /// Moves the machine's outputs to the queue of outputs to apply.
    fn take_outputs(state: &mut State<P>) {
        while let Some(output) = state.machine.poll_output() {
            state.writes_taken += u64::from(matches!(output, Output::Store { .. }));
            state.pending.push_back(output);
            state.taken += 1;
        }
    }

    /// Applies every queued output in order, outside the lock, unless another thread is applying them: then
    /// waits until the outputs queued so far are applied. Returns `false`, having applied nothing, when called
    /// from inside an output on the applying thread (which applies the queue once that output is done).
    fn apply_outputs(&self) -> bool {
        if self.applying_here() {
            return false;
        }
        let mut state = self.lock();
        let target = state.taken;
        while state.applying {
            if state.applied >= target {
                return true;
            }
            state = self.applied.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.applying = true;
        let applying = Applying::start(self);
        while let Some(output) = state.pending.pop_front() {
            let woken = match &output {
                Output::Wake(call) => {
                    let (woken, waiting): (Vec<_>, Vec<_>) = state.wakes.drain(..).partition(|(c, _)| c == call);
                    state.wakes = waiting;
                    woken
                }
                _ => Vec::new(),
            };
            let write = matches!(output, Output::Store { .. });
            drop(state);
            // Counted as applied even when app code panics in it, so no call waits for it forever.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.apply(output, woken)));
            state = self.lock();
            state.applied += 1;
            state.writes_applied += u64::from(write);
            if let Err(panic) = outcome {
                drop(state);
                drop(applying);
                std::panic::resume_unwind(panic);
            }
        }
        drop(state);
        drop(applying);
        true
    }

    /// Applies one output: a storage write, a log event, or the wake-up of parked calls.
    fn apply(&self, output: Output, woken: Vec<(CallId, oneshot::Sender<()>)>) {
        match output {
            Output::Store { key, value_json } => {
                if let (Some(store), Ok(value)) = (&self.parts.store, serde_json::from_str(&value_json)) {
                    store.set(key, value);
                }
            }
            Output::Log(event) => self.parts.logger.log(&event),
            Output::Wake(_) => {
                for (_, wake) in woken {
                    let _ = wake.send(());
                }
            }
        }
    }

    /// Drives a started call to its end. Dropping the future cancels the call.
    pub(crate) async fn run(&self, call: CallId) -> Result<P::Answer, P::Error> {
        let mut guard = CancelOnDrop { driver: self, call, armed: true };
        loop {
            let (action, deadline, woken) = {
                let now = self.now();
                let mut state = self.lock();
                let action = state.machine.next(call, now);
                let deadline = state.machine.deadline_ms(call);
                let woken = matches!(action, Action::Wait).then(|| {
                    let (wake, woken) = oneshot::channel();
                    state.wakes.push((call, wake));
                    woken
                });
                Self::take_outputs(&mut state);
                (action, deadline, woken)
            };
            self.apply_outputs();
            match action {
                Action::Done(result) => {
                    guard.armed = false;
                    return result;
                }
                Action::Send(request) => match self.bounded(deadline, self.parts.transport.send(request)).await {
                    Some(Ok(response)) => self.with(|m, now| m.on_response(call, response, now)),
                    Some(Err(error)) => self.with(|m, now| m.on_transport_error(call, error, now)),
                    None => self.expire(call),
                },
                Action::LoginCode => match self.bounded(deadline, self.login_code()).await {
                    Some(answer) => self.with(|m, now| m.on_login_code(call, answer, now)),
                    None => self.expire(call),
                },
                Action::CheckOffline => match self.bounded(deadline, self.parts.host.is_offline()).await {
                    Some(offline) => self.with(|m, now| m.on_offline(call, offline, now)),
                    None => self.expire(call),
                },
                Action::FetchToken { force_refresh } => {
                    let Some(source) = self.parts.tokens.clone() else {
                        let error = WeChatError::local(WeChatErrorKind::Config, "no token service configured");
                        self.with(|m, now| m.on_token(call, Err(error), now));
                        continue;
                    };
                    match self.bounded(deadline, source.fetch_token(force_refresh)).await {
                        Some(token) => self.with(|m, now| m.on_token(call, token, now)),
                        None => self.expire(call),
                    }
                }
                Action::Sleep { until_ms } => {
                    if let Some(timer) = &self.parts.timer {
                        let wait = until_ms.saturating_sub(self.epoch.elapsed_ms());
                        timer.sleep(Duration::from_millis(wait)).await;
                    }
                }
                Action::Wait => {
                    if let Some(woken) = woken {
                        if self.bounded(deadline, woken).await.is_none() {
                            self.expire(call);
                        }
                    }
                }
            }
        }
    }

    fn expire(&self, call: CallId) {
        self.with(|m, now| {
            // The timer fired at the deadline; the machine's clock reads at least that.
            let now = Now { mono_ms: now.mono_ms.max(m.deadline_ms(call).unwrap_or(0)), ..now };
            m.on_deadline(call, now);
        });
    }

    async fn login_code(&self) -> LoginCodeAnswer {
        match self.parts.host.login_code().await {
            LoginCodeAnswer::Code { code, app_name: None } => {
                LoginCodeAnswer::Code { code, app_name: self.parts.host.app_name() }
            }
            other => other,
        }
    }

    /// `work`, or `None` if the deadline comes first (without a timer, `work` alone: the transport's own
    /// time limit still applies).
    async fn bounded<F: Future>(&self, deadline: Option<u64>, work: F) -> Option<F::Output> {
        let (Some(timer), Some(deadline)) = (&self.parts.timer, deadline) else {
            return Some(work.await);
        };
        let left = deadline.saturating_sub(self.epoch.elapsed_ms());
        let work = std::pin::pin!(work);
        match select(work, timer.sleep(Duration::from_millis(left))).await {
            Either::Left((output, _)) => Some(output),
            // A timer that wakes before the deadline (a test's instant timer) does not end the call early.
            Either::Right(((), work)) if self.epoch.elapsed_ms() < deadline => Some(work.await),
            Either::Right(((), _)) => None,
        }
    }
}
