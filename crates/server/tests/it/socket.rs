//! `serve` over a real socket on 127.0.0.1:0, and graceful shutdown with a request in flight.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{admin, test_hub};

async fn raw_request(address: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn serves_on_a_real_socket_and_shuts_down_gracefully() {
    let test = test_hub().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = server::AppState::new(test.hub.clone());
    let server = tokio::spawn(server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let health = raw_request(
        address,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let request = format!(
        "GET /taxii2/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        admin()
    );
    let discovery = raw_request(address, &request).await;
    assert!(discovery.starts_with("HTTP/1.1 200"), "{discovery}");
    assert!(
        discovery
            .to_ascii_lowercase()
            .contains("content-type: application/taxii+json;version=2.1")
    );
    // Chunked POST over the wire, measured by the server.
    let body = format!(r#"{{"objects":[{}]}}"#, crate::support::indicator(1, 1));
    let chunked = format!(
        "POST /api1/collections/default/objects/ HTTP/1.1\r\nHost: x\r\nAccept: application/taxii+json;version=2.1\r\n\
         Content-Type: application/taxii+json;version=2.1\r\nAuthorization: {}\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        admin(),
        body.len()
    );
    let posted = raw_request(address, &chunked).await;
    assert!(posted.starts_with("HTTP/1.1 202"), "{posted}");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(address).await.is_err(),
        "the listener is closed after shutdown"
    );
}
