//! The connection loop: HTTP/1.1 on the listener with a cap on open connections, a time limit on reading a
//! request's headers that also closes idle keep-alive connections (so half-sent requests and idle sockets
//! cannot hold the engine), and a graceful stop.

use crate::{Phase, Shared};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower_service::Service;

/// File descriptors kept free for workers, sockets to them and the database.
const RESERVED_FDS: u64 = 128;

/// Serves `app` on `listener` until the engine stops serving, then lets running requests finish (up to
/// `drain` long).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    drain: Duration,
) {
    let cap = connection_cap(shared.config.max_connections);
    let slots = Arc::new(Semaphore::new(cap));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(shared.config.header_read_timeout).keep_alive(true);
    loop {
        // A free slot first (at the cap, new connections wait in the listen queue), then a connection.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.ok(),
            _ = phase.wait_for(|p| *p != Phase::Serving) => None,
        };
        let Some(slot) = slot else { break };
        let result = tokio::select! {
            r = listener.accept() => r,
            _ = phase.wait_for(|p| *p != Phase::Serving) => break,
        };
        let (stream, peer) = match result {
            Ok(conn) => conn,
            Err(e) => {
                // E.g. out of file descriptors: wait a little instead of spinning.
                tracing::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            async move { router.call(req.map(axum::body::Body::new)).await }
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection closed: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("some connections were still open when the engine stopped");
    }
}

/// `max_connections`, lowered to fit the open-file limit (which is raised to its hard maximum first).
fn connection_cap(wanted: usize) -> usize {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit read and write the struct we own.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return wanted.max(1);
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
        limit.rlim_cur
    };
    let fits = soft.saturating_sub(RESERVED_FDS).max(16);
    wanted.clamp(1, usize::try_from(fits).unwrap_or(usize::MAX))
}
