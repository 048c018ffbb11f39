//! A keep-alive HTTP/1.1 client over one TCP connection: just enough for the load generator, so the
//! measurement is of the server and not of a client library. Bodies are framed by Content-Length (axum
//! sets it on every response this tool reads).

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One connection.
#[derive(Debug)]
pub(crate) struct Connection {
    stream: BufReader<TcpStream>,
    host: String,
    authorization: String,
    /// A `Cookie` header value sent with every request (the web UI's session).
    pub(crate) cookie: Option<String>,
}

/// A response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

const TAXII: &str = "application/taxii+json;version=2.1";
const FORM: &str = "application/x-www-form-urlencoded";

impl Connection {
    pub(crate) async fn open(host: &str, authorization: &str) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(host)
            .await
            .with_context(|| format!("connecting to {host}"))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream: BufReader::new(stream),
            host: host.to_owned(),
            authorization: authorization.to_owned(),
            cookie: None,
        })
    }

    pub(crate) async fn get(&mut self, path: &str) -> anyhow::Result<Reply> {
        self.request("GET", path, None).await
    }

    pub(crate) async fn post(&mut self, path: &str, body: &[u8]) -> anyhow::Result<Reply> {
        self.request("POST", path, Some(body)).await
    }

    /// POSTs an HTML form (`application/x-www-form-urlencoded`).
    pub(crate) async fn post_form(&mut self, path: &str, body: &[u8]) -> anyhow::Result<Reply> {
        self.request_as("POST", path, Some(body), FORM).await
    }

    /// POSTs a JSON body (`application/json`: the REST API outside TAXII).
    pub(crate) async fn post_json(&mut self, path: &str, body: &[u8]) -> anyhow::Result<Reply> {
        self.request_as("POST", path, Some(body), "application/json")
            .await
    }

    async fn request(&mut self, method: &str, path: &str, body: Option<&[u8]>) -> anyhow::Result<Reply> {
        self.request_as(method, path, body, TAXII).await
    }

    async fn request_as(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        content_type: &str,
    ) -> anyhow::Result<Reply> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: {TAXII}\r\nAuthorization: {}\r\n",
            self.host, self.authorization
        );
        if let Some(cookie) = &self.cookie {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!(
                "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).await?;
        if let Some(body) = body {
            stream.write_all(body).await?;
        }
        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).await?;
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("a status line")?;
        let mut headers = Vec::new();
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("connection closed inside the response head");
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.parse().context("content-length")?;
                }
                headers.push((name, value));
            }
        }
        let mut body = vec![0u8; content_length];
        self.stream.read_exact(&mut body).await?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}
