//! A webhook receiver for tests: a tiny HTTP/1.1 server on 127.0.0.1:0 (a thread per connection) that records
//! every delivery and answers as the test says (200, 410, 429 with `Retry-After`, 500, or hangs).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the receiver answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// 200.
    Accept,
    /// This status with this `Retry-After`, if any.
    Status(u16, Option<String>),
    /// Reads the request and never answers.
    Hang,
}

/// One delivery as received.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    /// `webhook-id`.
    pub(crate) id: String,
    /// `webhook-timestamp`.
    pub(crate) timestamp: String,
    /// `webhook-signature`.
    pub(crate) signature: String,
    /// The body.
    pub(crate) body: String,
    /// The status answered.
    pub(crate) answered: Option<u16>,
    /// When received.
    pub(crate) at: Instant,
}

impl Delivery {
    /// The body as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a delivery is JSON")
    }

    /// Checks the Standard Webhooks signature with `secret` (`whsec_…`).
    pub(crate) fn verify(&self, secret: &str) -> bool {
        let Ok(secret) = webhook::Secret::parse(secret) else {
            return false;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        webhook::verify(
            &self.id,
            &self.timestamp,
            &self.signature,
            self.body.as_bytes(),
            &secret,
            now,
            300,
        )
        .is_ok()
    }
}

/// A running receiver.
#[derive(Debug, Clone)]
pub(crate) struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub(crate) url: String,
    behaviour: Arc<Mutex<Behaviour>>,
    received: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    /// Starts one, answering `behaviour`.
    pub(crate) fn start(behaviour: Behaviour) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let receiver = Receiver {
            url,
            behaviour: Arc::new(Mutex::new(behaviour)),
            received: Arc::default(),
        };
        let shared = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let shared = shared.clone();
                std::thread::spawn(move || shared.serve(stream));
            }
        });
        receiver
    }

    /// Changes how it answers from now on.
    pub(crate) fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().unwrap() = behaviour;
    }

    /// Everything received so far.
    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the deliveries (panics after `timeout`).
    pub(crate) fn wait_for(
        &self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let start = Instant::now();
        loop {
            let deliveries = self.deliveries();
            if done(&deliveries) {
                return deliveries;
            }
            assert!(
                start.elapsed() < timeout,
                "{what}: not within {timeout:?}; received {deliveries:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        loop {
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                return;
            }
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let length: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let behaviour = self.behaviour.lock().unwrap().clone();
            let (status, retry_after) = match &behaviour {
                Behaviour::Accept => (Some(200), None),
                Behaviour::Status(code, retry_after) => (Some(*code), retry_after.clone()),
                Behaviour::Hang => (None, None),
            };
            self.received.lock().unwrap().push(Delivery {
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
                body: String::from_utf8_lossy(&body).into_owned(),
                answered: status,
                at: Instant::now(),
            });
            let Some(status) = status else {
                std::thread::sleep(Duration::from_secs(120));
                return;
            };
            let mut response = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n");
            if let Some(retry_after) = retry_after {
                response.push_str(&format!("Retry-After: {retry_after}\r\n"));
            }
            response.push_str("\r\n");
            if writer.write_all(response.as_bytes()).is_err() {
                return;
            }
        }
    }
}
