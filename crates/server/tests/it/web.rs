//! The web UI through `router()`: sign-in with the login CSRF cookie, session cookie flags, CSRF on forms,
//! pages gated like TAXII (hidden = 404), search by a value in a pattern, contribute (check and submit,
//! observables to indicators), sign-out, e-mail destinations on the subscriptions page.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hub::Rights;

use crate::support::{
    ADMIN_PASSWORD, Reply, TestHub, account, indicator, indicator_id, post_objects, send, test_hub,
};

/// A browser's cookie jar reduced to what the UI sets.
struct Browser<'a> {
    test: &'a TestHub,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    fn new(test: &'a TestHub) -> Browser<'a> {
        Browser {
            test,
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, reply: &Reply) {
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let value = value.to_str().unwrap();
            let (name, rest) = value.split_once('=').unwrap();
            let cookie_value = rest.split(';').next().unwrap().to_owned();
            self.cookies.retain(|(n, _)| n != name);
            if !cookie_value.is_empty() {
                self.cookies.push((name.to_owned(), cookie_value));
            }
        }
    }

    async fn get(&mut self, path: &str) -> Reply {
        let request = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        let reply = send(&self.test.app, request).await;
        self.keep_cookies(&reply);
        reply
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = form
            .iter()
            .map(|(name, value)| format!("{name}={}", encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let reply = send(&self.test.app, request).await;
        self.keep_cookies(&reply);
        reply
    }

    async fn sign_in(&mut self, name: &str, password: &str) -> Reply {
        let form = self.get("/ui/login").await;
        let token = hidden_value(&form.body, "login_token");
        self.post(
            "/ui/login",
            &[("name", name), ("password", password), ("login_token", &token)],
        )
        .await
    }

    async fn csrf(&mut self) -> String {
        let page = self.get("/ui/").await;
        hidden_value(&page.body, "csrf")
    }
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn signed_out_pages_redirect_to_sign_in() {
    let test = test_hub().await;
    let mut browser = Browser::new(&test);
    for path in ["/ui/", "/ui/contribute", "/ui/admin", "/ui/c/api1/default/"] {
        let reply = browser.get(path).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.header("location"), Some("/ui/login"), "{path}");
    }
}

#[tokio::test]
async fn sign_in_sets_a_protected_session_cookie_and_sign_out_clears_it() {
    let test = test_hub().await;
    let mut browser = Browser::new(&test);
    let wrong = browser.sign_in("admin", "wrong").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("do not match"));

    let reply = browser.sign_in("admin", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let session = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("stixhub_session="))
        .unwrap();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    // Plain HTTP: no Secure flag (the browser would drop the cookie); `serve_tls` turns it on.
    assert!(!session.contains("Secure"), "{session}");

    let dashboard = browser.get("/ui/").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Signed in as <strong>admin</strong>"));
    assert!(dashboard.header("server-timing").unwrap().starts_with("app;dur="));
    assert_eq!(dashboard.header("cache-control"), Some("no-store"));

    let csrf = hidden_value(&dashboard.body, "csrf");
    let out = browser.post("/ui/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/ui/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forged_sessions_and_missing_csrf_tokens_are_refused() {
    let test = test_hub().await;
    let mut browser = Browser::new(&test);
    // A login without the double-submit cookie.
    let reply = browser
        .post(
            "/ui/login",
            &[
                ("name", "admin"),
                ("password", ADMIN_PASSWORD),
                ("login_token", "x"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    browser.sign_in("admin", ADMIN_PASSWORD).await;
    let reply = browser.post("/ui/logout", &[("csrf", "not-the-token")]).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    // Tampering with the signed payload ends the session.
    let (_, value) = browser
        .cookies
        .iter()
        .find(|(n, _)| n == "stixhub_session")
        .unwrap()
        .clone();
    let forged = format!("A{}", &value[1..]);
    browser.cookies = vec![("stixhub_session".to_owned(), forged)];
    assert_eq!(browser.get("/ui/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn search_finds_an_indicator_by_a_value_in_its_pattern_and_opens_it() {
    let test = test_hub().await;
    let objects: Vec<String> = (1..=30).map(|n| indicator(n, 1)).collect();
    assert_eq!(
        post_objects(&test.app, "default", &objects).await.status,
        StatusCode::ACCEPTED
    );
    let mut browser = Browser::new(&test);
    browser.sign_in("admin", ADMIN_PASSWORD).await;

    let dashboard = browser.get("/ui/").await;
    assert!(
        dashboard.body.contains("<strong>30</strong>"),
        "{}",
        dashboard.body
    );

    let found = browser.get("/ui/c/api1/default/?q=10.0.0.17").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(found.body.contains(&indicator_id(17)));
    assert!(!found.body.contains(&indicator_id(16)));

    let page = browser
        .get(&format!("/ui/c/api1/default/objects/{}/", indicator_id(17)))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("no TLP"));
    assert!(page.body.contains("Versions and manifest"));
    assert!(page.body.contains("10.0.0.17"));
}

#[tokio::test]
async fn a_reader_without_rights_gets_the_same_404_as_for_a_missing_object() {
    let test = test_hub().await;
    post_objects(&test.app, "default", &[indicator(1, 1)]).await;
    account(&test.hub, "outsider", None).await;
    account(
        &test.hub,
        "reader",
        Some(Rights {
            can_read: true,
            can_write: false,
        }),
    )
    .await;
    let object = format!("/ui/c/api1/default/objects/{}/", indicator_id(1));
    let missing = format!("/ui/c/api1/default/objects/{}/", indicator_id(2));

    let mut outsider = Browser::new(&test);
    outsider.sign_in("outsider", "pw").await;
    let hidden = outsider.get(&object).await;
    let absent = outsider.get(&missing).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, absent.body);
    assert_eq!(outsider.get("/ui/admin").await.status, StatusCode::FORBIDDEN);

    let mut reader = Browser::new(&test);
    reader.sign_in("reader", "pw").await;
    assert_eq!(reader.get(&object).await.status, StatusCode::OK);
}

#[tokio::test]
async fn contribute_checks_without_storing_then_turns_observables_into_indicators() {
    let test = test_hub().await;
    let mut browser = Browser::new(&test);
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    let csrf = browser.csrf().await;
    let target = format!(
        "api1/{}",
        test.hub
            .collection(
                &test.hub.account_caller("admin").await.unwrap(),
                "api1",
                "default"
            )
            .await
            .unwrap()
            .id
    );
    let observables = "198.51.100.7\nnot an observable\n";
    let checked = browser
        .post(
            "/ui/contribute",
            &[
                ("csrf", &csrf),
                ("target", &target),
                ("mode", "observables"),
                ("tlp", "amber"),
                ("content", observables),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK);
    assert!(checked.body.contains("line 2"), "{}", checked.body);
    assert!(!checked.body.contains("Stored"));

    let stored = browser
        .post(
            "/ui/contribute",
            &[
                ("csrf", &csrf),
                ("target", &target),
                ("mode", "observables"),
                ("tlp", "amber"),
                ("content", "198.51.100.7\nexample.org\n"),
                ("action", "submit"),
            ],
        )
        .await;
    assert!(stored.body.contains("Stored 2 of 2"), "{}", stored.body);
    let found = browser.get("/ui/c/api1/default/?q=example.org&tlp=amber").await;
    assert!(found.body.contains("TLP:AMBER"), "{}", found.body);
    assert!(found.body.contains("Domain example.org"));
}

#[tokio::test]
async fn a_search_past_its_scan_budget_resumes_with_a_cursor_where_it_stopped() {
    let test = test_hub().await;
    let n_objects = u32::try_from(hub::SCAN_BUDGET).unwrap() + 100;
    let objects: Vec<String> = (1..=n_objects).map(|n| indicator(n, 1)).collect();
    let stored = post_objects(&test.app, "default", &objects).await;
    assert_eq!(stored.status, StatusCode::ACCEPTED);
    let mut browser = Browser::new(&test);
    browser.sign_in("admin", ADMIN_PASSWORD).await;

    // The last object's id is found only after the budget: the first page says so and links onwards.
    let wanted = indicator_id(n_objects);
    let first = browser.get(&format!("/ui/c/api1/default/?q={wanted}")).await;
    assert!(first.body.contains("Keep searching"), "{}", first.body);
    assert!(!first.body.contains(&format!("{wanted}/")));
    let link_end = first.body.find("\" rel=\"next\"").unwrap();
    let link_start = first.body[..link_end].rfind("href=\"").unwrap() + "href=\"".len();
    let next = first.body[link_start..link_end].replace("&#38;", "&");
    let second = browser.get(&next).await;
    assert!(second.body.contains(&format!("{wanted}/")), "{}", second.body);
    assert!(!second.body.contains("Keep searching"));

    // A cursor is bound to its filters.
    let tampered = next.replace(&format!("q={wanted}"), "q=other");
    assert_eq!(browser.get(&tampered).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_audit_page_verifies_the_chain_for_admins_only() {
    let test = test_hub().await;
    post_objects(&test.app, "default", &[indicator(1, 1)]).await;
    let mut admin = Browser::new(&test);
    admin.sign_in("admin", ADMIN_PASSWORD).await;
    let page = admin.get("/ui/audit?verify=1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("The chain is intact"), "{}", page.body);

    account(&test.hub, "member", None).await;
    let mut member = Browser::new(&test);
    member.sign_in("member", "pw").await;
    assert_eq!(
        member.get("/ui/audit?verify=1").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_subscriptions_page_adds_and_removes_an_email_destination() {
    let test = test_hub().await;
    let mut browser = Browser::new(&test);
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    let csrf = browser.csrf().await;
    let bad = [
        ("csrf", csrf.as_str()),
        ("action", "create"),
        ("name", "county"),
        ("email", "ops@example.org\r\nBcc: x@y.z"),
    ];
    let page = browser.post("/ui/subscriptions", &bad).await;
    assert!(page.body.contains("e-mail:"), "{}", page.body);
    assert!(
        test.hub
            .subscriptions(&hub::Caller::operator(), Some("*"))
            .await
            .unwrap()
            .is_empty()
    );
    let good = [
        ("csrf", csrf.as_str()),
        ("action", "create"),
        ("name", "county"),
        ("email", "ops@example.org"),
        ("digest", "15m"),
    ];
    let page = browser.post("/ui/subscriptions", &good).await;
    assert!(
        page.body.contains("its events are mailed to ops@example.org"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td>ops@example.org</td><td>county</td><td>digest every 900 s</td>"),
        "{}",
        page.body
    );
    let id = test
        .hub
        .emails(&hub::Caller::operator(), Some("*"))
        .await
        .unwrap()[0]
        .id
        .clone();
    let remove = [
        ("csrf", csrf.as_str()),
        ("action", "delete-email"),
        ("id", id.as_str()),
    ];
    let page = browser.post("/ui/subscriptions", &remove).await;
    assert!(page.body.contains("E-mail destination removed."), "{}", page.body);
    assert!(!page.body.contains("<td>ops@example.org</td>"));
}
