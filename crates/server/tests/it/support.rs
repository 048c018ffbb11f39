//! A hub on a fresh SQLite store, its router, and request helpers.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use hub::{Hub, HubConfig, NewAccount, Rights};
use server::AppState;
use tower::ServiceExt;

pub(crate) const TAXII: &str = "application/taxii+json;version=2.1";
pub(crate) const ADMIN_PASSWORD: &str = "admin-pass";

pub(crate) struct TestHub {
    pub(crate) app: Router,
    pub(crate) hub: Arc<Hub>,
    dir: std::path::PathBuf,
}

impl Drop for TestHub {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) async fn test_hub_with(config: HubConfig) -> TestHub {
    let dir = std::env::temp_dir().join(format!("stixhub-server-{}", uuid_like()));
    let store = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
    let hub = Arc::new(Hub::new(store, config).await.unwrap());
    hub.bootstrap(Some(ADMIN_PASSWORD.to_owned())).await.unwrap();
    TestHub {
        app: server::router(AppState::new(Arc::clone(&hub))),
        hub,
        dir,
    }
}

pub(crate) async fn test_hub() -> TestHub {
    test_hub_with(HubConfig::default()).await
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn basic(name: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{name}:{password}")))
}

pub(crate) fn admin() -> String {
    basic("admin", ADMIN_PASSWORD)
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.body))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

pub(crate) fn get_as(path: &str, authorization: &str) -> Request<Body> {
    Request::get(path)
        .header(header::ACCEPT, TAXII)
        .header(header::AUTHORIZATION, authorization)
        .body(Body::empty())
        .unwrap()
}

pub(crate) async fn get(app: &Router, path: &str) -> Reply {
    send(app, get_as(path, &admin())).await
}

pub(crate) fn post_as(path: &str, authorization: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header(header::ACCEPT, TAXII)
        .header(header::CONTENT_TYPE, TAXII)
        .header(header::AUTHORIZATION, authorization)
        .body(Body::from(body))
        .unwrap()
}

pub(crate) async fn post_objects(app: &Router, collection: &str, objects: &[String]) -> Reply {
    let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
    send(
        app,
        post_as(
            &format!("/api1/collections/{collection}/objects/"),
            &admin(),
            body,
        ),
    )
    .await
}

pub(crate) fn delete_as(path: &str, authorization: &str) -> Request<Body> {
    Request::delete(path)
        .header(header::ACCEPT, TAXII)
        .header(header::AUTHORIZATION, authorization)
        .body(Body::empty())
        .unwrap()
}

pub(crate) fn indicator_id(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

/// An indicator; `modified` = `2020-01-01T00:00:0{version}.000Z`.
pub(crate) fn indicator(n: u32, version: u32) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:0{version}.000Z","pattern":"[ipv4-addr:value = '10.0.0.{}']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}}"#,
        indicator_id(n),
        n % 250
    )
}

pub(crate) fn version(v: u32) -> String {
    format!("2020-01-01T00:00:0{v}.000Z")
}

/// Creates an account with a password and rights on `default` (none when `rights` is `None`).
pub(crate) async fn account(hub: &Hub, name: &str, rights: Option<Rights>) -> String {
    hub.create_account(
        &hub::Caller::operator(),
        NewAccount {
            name: name.to_owned(),
            password: "pw".to_owned(),
            org: None,
            role: None,
        },
    )
    .await
    .unwrap();
    if let Some(rights) = rights {
        hub.grant(&hub::Caller::operator(), name, "default", rights)
            .await
            .unwrap();
    }
    basic(name, "pw")
}

/// A JSON POST to the admin API.
pub(crate) fn admin_post(path: &str, authorization: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, authorization)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}
