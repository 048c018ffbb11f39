//! The web UI phase (`--web R`): signs in through the form like a browser, then requests each main page R
//! times and reports the median and worst server time (the `Server-Timing: app;dur=` header every UI response
//! carries) and the median wall time over loopback. Every answer must be 200 and show what it should.

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::http::Connection;

/// Signs in as `admin` and returns a connection carrying the session cookie.
async fn signed_in(host: &str, password: &str) -> anyhow::Result<Connection> {
    let mut conn = Connection::open(host, "").await?;
    let form = conn.get("/ui/login").await?;
    let login_cookie = set_cookie(&form.headers, "stixhub_login").context("the login cookie")?;
    let html = String::from_utf8_lossy(&form.body);
    let token = html
        .split("name=\"login_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the login token in the form")?
        .to_owned();
    conn.cookie = Some(format!("stixhub_login={login_cookie}"));
    let body = format!("name=admin&password={password}&login_token={token}");
    let reply = conn.post_form("/ui/login", body.as_bytes()).await?;
    let session = set_cookie(&reply.headers, "stixhub_session").context("a session after signing in")?;
    conn.cookie = Some(format!("stixhub_session={session}"));
    Ok(conn)
}

fn set_cookie(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(header, _)| header.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.split(';').next()?.split_once('='))
        .find(|(found, value)| *found == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let value = values.get(values.len() / 2).copied().unwrap_or(0.0);
    (value * 100.0).round() / 100.0
}

/// Measures the main pages; `sample_id` is an object of the collection, `rare_text` occurs in one object.
pub(crate) async fn measure(
    host: &str,
    password: &str,
    runs: u64,
    sample_id: &str,
    rare_text: &str,
) -> anyhow::Result<Value> {
    let mut conn = signed_in(host, password).await?;
    let collection = "/ui/c/api1/default/";
    let pages = [
        ("dashboard", "/ui/".to_owned(), "Recent additions"),
        ("browse", collection.to_owned(), "table class=\"hits\""),
        (
            "search_common_text",
            format!("{collection}?q=loadgen+indicator&type=indicator"),
            "table class=\"hits\"",
        ),
        (
            "search_rare_text",
            format!("{collection}?q={rare_text}"),
            "Keep searching",
        ),
        (
            "filter_tlp",
            format!("{collection}?tlp=none&type=indicator"),
            "table class=\"hits\"",
        ),
        (
            "object",
            format!("{collection}objects/{sample_id}/"),
            "Versions and manifest",
        ),
        ("contribute", "/ui/contribute".to_owned(), "Check"),
        ("admin", "/ui/admin".to_owned(), "Organisations"),
    ];
    let mut results = serde_json::Map::new();
    for (name, path, expected) in pages {
        let (mut server_ms, mut wall_ms) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let started = std::time::Instant::now();
            let reply = conn.get(&path).await?;
            wall_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            let body = String::from_utf8_lossy(&reply.body);
            if reply.status != 200 || !body.contains(expected) {
                bail!("{path} answered {} without {expected:?}", reply.status);
            }
            let timing = reply
                .header("server-timing")
                .and_then(|value| value.strip_prefix("app;dur="))
                .and_then(|ms| ms.parse::<f64>().ok())
                .context("a Server-Timing header")?;
            server_ms.push(timing);
        }
        let worst = server_ms.iter().copied().fold(0.0, f64::max);
        results.insert(
            name.to_owned(),
            json!({"server_ms_p50": median(&mut server_ms), "server_ms_max": (worst * 100.0).round() / 100.0,
                   "wall_ms_p50": median(&mut wall_ms)}),
        );
    }
    Ok(Value::Object(results))
}
