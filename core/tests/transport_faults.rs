//! Fault injection over real loopback sockets: the default reqwest transport and the core turn each
//! misbehaving server into the right HError, never a hang or a panic.

use std::time::Duration;

use minicloud_core::{cancellable, Client, ClientConfig, ErrorKind, Invocation, Platform};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Starts a one-connection fault server; `script` gets the accepted socket after the request head was read.
async fn fault_server<F, Fut>(script: F) -> String
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let mut seen = Vec::new();
        // Read until the end of the head and the JSON body (small requests arrive in one or two reads).
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        script(socket).await;
    });
    url
}

fn client(url: &str) -> Client {
    Client::builder(ClientConfig::new("fault-client", Platform::Node).with_host(url)).build().unwrap()
}

#[tokio::test]
async fn server_that_never_answers_hits_the_call_time_limit() {
    let url = fault_server(|socket| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    })
    .await;
    let error = client(&url).invoke(Invocation::new("f").timeout(Duration::from_millis(300))).await.unwrap_err();
    assert_eq!(error.code(), 601);
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(error.message(), "601: request timeout");
}

#[tokio::test]
async fn cancelled_call_is_reported_as_cancelled_and_closes_the_connection() {
    let (closed_tx, closed_rx) = oneshot::channel();
    let url = fault_server(|mut socket| async move {
        let mut byte = [0u8; 1];
        // The client never gets an answer; when it gives up, the read sees the connection close.
        let n = socket.read(&mut byte).await.unwrap_or(0);
        let _ = closed_tx.send(n);
    })
    .await;
    let (cancel_tx, cancel_rx) = oneshot::channel::<()>();
    let call = tokio::spawn({
        let client = client(&url);
        async move {
            cancellable(client.invoke(Invocation::new("f")), async {
                let _ = cancel_rx.await;
            })
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    cancel_tx.send(()).unwrap();
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert!(!error.retryable());
    assert_eq!(tokio::time::timeout(Duration::from_secs(5), closed_rx).await.unwrap().unwrap(), 0);
}

#[tokio::test]
async fn refused_connection_is_601_network() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = client(&url).invoke(Invocation::new("f")).await.unwrap_err();
    assert_eq!((error.code(), error.kind()), (601, ErrorKind::Network));
    assert!(error.retryable());
}

#[tokio::test]
async fn truncated_body_is_601_not_a_result() {
    let url = fault_server(|mut socket| async move {
        let _ = socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"code\":0")
            .await;
        let _ = socket.shutdown().await;
    })
    .await;
    let error = client(&url).invoke(Invocation::new("f")).await.unwrap_err();
    assert_eq!(error.code(), 601);
    assert_eq!(error.kind(), ErrorKind::Network);
}

#[tokio::test]
async fn announced_oversize_body_is_refused_before_reading() {
    let url = fault_server(|mut socket| async move {
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n").await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let mut config = ClientConfig::new("fault-client", Platform::Node).with_host(&url);
    config.max_response_bytes = 1024;
    let error = Client::builder(config).build().unwrap().invoke(Invocation::new("f")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ResponseTooLarge);
    assert_eq!(error.message(), "601: response body exceeds the 1024-byte limit");
}

#[tokio::test]
async fn streamed_oversize_body_stops_at_the_limit() {
    let url = fault_server(|mut socket| async move {
        let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").await;
        let chunk = format!("400\r\n{}\r\n", "x".repeat(0x400));
        for _ in 0..64 {
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    let mut config = ClientConfig::new("fault-client", Platform::Node).with_host(&url);
    config.max_response_bytes = 4096;
    let error = Client::builder(config).build().unwrap().invoke(Invocation::new("f")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ResponseTooLarge);
}

#[tokio::test]
async fn secrets_never_reach_error_details() {
    let url = fault_server(|mut socket| async move {
        let body = r#"{"error_msg":"bad","token":"tok-SECRET","password":"pw-SECRET"}"#;
        let head = format!("HTTP/1.1 400 Bad Request\r\ncontent-length: {}\r\n\r\n", body.len());
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(body.as_bytes()).await;
    })
    .await;
    let error = client(&url).invoke(Invocation::new("f")).await.unwrap_err();
    assert_eq!(error.message(), "400: bad");
    let shown = format!("{error:?} {}", error.details().unwrap());
    assert!(!shown.contains("SECRET"), "{shown}");
}
