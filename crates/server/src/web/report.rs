//! `/ui/report` (issue 16): the one-page report form a county officer fills in on a phone. It posts to the
//! same use case as `POST /incidents/v1/` (`Hub::report_incident`); on field problems it shows the page again
//! with everything that was typed and a message next to each field; on success it opens the case.
//!
//! Observables are typed one per line and recognised by shape (URL, e-mail address, IPv4/IPv6 address or
//! CIDR, MD5/SHA-1/SHA-256/SHA-512 hash, else a domain name); a problem names the line.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hub::IncidentError;
use serde_json::{Value, json};

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session;
use crate::web::view::Layout;
use crate::web::{WebError, html, page};

/// One option of a select or a checkbox.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// The report form, empty or as typed with its problems.
#[derive(askama::Template)]
#[template(path = "report.html")]
pub(crate) struct ReportPage {
    pub(crate) layout: Layout,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) jurisdiction: String,
    pub(crate) occurred: String,
    pub(crate) observables: String,
    pub(crate) categories: Vec<Choice>,
    pub(crate) severities: Vec<Choice>,
    pub(crate) systems: Vec<Choice>,
    /// How many fields have problems.
    pub(crate) n_errors: usize,
    /// The message next to each field ("" when none).
    pub(crate) e_title: String,
    pub(crate) e_category: String,
    pub(crate) e_severity: String,
    pub(crate) e_systems: String,
    pub(crate) e_occurred: String,
    pub(crate) e_description: String,
    pub(crate) e_observables: String,
    pub(crate) e_jurisdiction: String,
    /// Problems of no field of the form (`field: message`).
    pub(crate) e_other: Vec<String>,
}

const FORM_FIELDS: [&str; 8] = [
    "title",
    "category",
    "severity",
    "systems",
    "occurred",
    "description",
    "observables",
    "jurisdiction",
];

const SYSTEMS: [(&str, &str); 7] = [
    ("voter-registration", "Voter registration"),
    ("e-pollbook", "E-pollbook"),
    ("tabulation", "Tabulation"),
    ("results-website", "Results website"),
    ("email", "E-mail"),
    ("social-media", "Social media"),
    ("physical", "Physical"),
];

/// The form's fields as typed (repeated `systems`).
#[derive(Debug, Default)]
struct Typed {
    csrf: String,
    title: String,
    category: String,
    severity: String,
    description: String,
    jurisdiction: String,
    occurred: String,
    observables: String,
    systems: Vec<String>,
}

impl Typed {
    fn from_pairs(pairs: Vec<(String, String)>) -> Typed {
        let mut typed = Typed::default();
        for (key, value) in pairs {
            match key.as_str() {
                "csrf" => typed.csrf = value,
                "title" => typed.title = value,
                "category" => typed.category = value,
                "severity" => typed.severity = value,
                "description" => typed.description = value,
                "jurisdiction" => typed.jurisdiction = value,
                "occurred" => typed.occurred = value,
                "observables" => typed.observables = value,
                "systems" => typed.systems.push(value),
                _ => {}
            }
        }
        typed
    }
}

async fn render(
    state: &AppState,
    session: &session::Session,
    typed: &Typed,
    errors: BTreeMap<String, String>,
) -> Result<ReportPage, WebError> {
    let taxonomy = state.hub.incident_taxonomy().await?;
    let categories = taxonomy
        .categories()
        .iter()
        .map(|c| Choice {
            selected: c.id == typed.category,
            value: c.id.clone(),
            label: c.name.clone(),
        })
        .collect();
    let severities = ["low", "medium", "high", "critical"]
        .into_iter()
        .map(|s| Choice {
            selected: s == typed.severity,
            value: s.to_owned(),
            label: s.to_owned(),
        })
        .collect();
    let systems = SYSTEMS
        .into_iter()
        .map(|(value, label)| Choice {
            selected: typed.systems.iter().any(|s| s == value),
            value: value.to_owned(),
            label: label.to_owned(),
        })
        .collect();
    let mut errors = errors;
    let mut take = |field: &str| errors.remove(field).unwrap_or_default();
    let (e_title, e_category, e_severity, e_systems) =
        (take("title"), take("category"), take("severity"), take("systems"));
    let (e_occurred, e_description, e_observables, e_jurisdiction) = (
        take("occurred"),
        take("description"),
        take("observables"),
        take("jurisdiction"),
    );
    let e_other: Vec<String> = errors
        .iter()
        .filter(|(field, _)| !FORM_FIELDS.contains(&field.as_str()))
        .map(|(field, message)| format!("{field}: {message}"))
        .collect();
    let n_errors = [
        &e_title,
        &e_category,
        &e_severity,
        &e_systems,
        &e_occurred,
        &e_description,
        &e_observables,
        &e_jurisdiction,
    ]
    .iter()
    .filter(|e| !e.is_empty())
    .count()
        + e_other.len();
    Ok(ReportPage {
        layout: layout(session, "Report an incident"),
        title: typed.title.clone(),
        description: typed.description.clone(),
        jurisdiction: typed.jurisdiction.clone(),
        occurred: typed.occurred.clone(),
        observables: typed.observables.clone(),
        categories,
        severities,
        systems,
        n_errors,
        e_title,
        e_category,
        e_severity,
        e_systems,
        e_occurred,
        e_description,
        e_observables,
        e_jurisdiction,
        e_other,
    })
}

/// `GET /ui/report`.
pub(crate) async fn form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let typed = Typed {
        severity: "medium".to_owned(),
        ..Typed::default()
    };
    page(&render(&state, &session, &typed, BTreeMap::new()).await?)
}

/// An observable from one typed line, recognised by its shape.
pub(crate) fn observable_of_line(line: &str) -> Value {
    let kind = if line.contains("://") {
        "url"
    } else if line.contains('@') {
        "email-addr"
    } else if line
        .split('/')
        .next()
        .is_some_and(|ip| ip.parse::<Ipv4Addr>().is_ok())
    {
        "ipv4-addr"
    } else if line
        .split('/')
        .next()
        .is_some_and(|ip| ip.parse::<Ipv6Addr>().is_ok())
    {
        "ipv6-addr"
    } else if matches!(line.len(), 32 | 40 | 64 | 128) && line.bytes().all(|b| b.is_ascii_hexdigit()) {
        "file"
    } else {
        "domain-name"
    };
    json!({"type": kind, "value": line})
}

/// A `datetime-local` value (`2026-11-03T14:05`, no zone) as RFC 3339 UTC; anything else as typed.
fn occurred_rfc3339(text: &str) -> String {
    let text = text.trim();
    match text.len() {
        16 if text.as_bytes().get(10) == Some(&b'T') => format!("{text}:00Z"),
        19 if text.as_bytes().get(10) == Some(&b'T') => format!("{text}Z"),
        _ => text.to_owned(),
    }
}

/// `POST /ui/report`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    let typed = Typed::from_pairs(pairs);
    session::check_csrf(&session.csrf, &typed.csrf)?;
    let lines: Vec<&str> = typed
        .observables
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let observables: Vec<Value> = lines.iter().map(|l| observable_of_line(l)).collect();
    let mut body = json!({
        "title": typed.title, "category": typed.category, "severity": typed.severity,
        "description": typed.description, "systems": typed.systems, "observables": observables,
    });
    if !typed.jurisdiction.trim().is_empty() {
        body["jurisdiction"] = typed.jurisdiction.trim().into();
    }
    if !typed.occurred.trim().is_empty() {
        body["occurred"] = occurred_rfc3339(&typed.occurred).into();
    }
    match state.hub.report_incident(&session.caller, &body, "web").await {
        Ok(case) => {
            let id = case["id"].as_str().unwrap_or_default();
            Ok(Redirect::to(&format!("/ui/incidents/{id}")).into_response())
        }
        Err(IncidentError::Invalid(problems)) => {
            let mut errors: BTreeMap<String, String> = BTreeMap::new();
            for problem in problems {
                // `observables[3].value` → the observables box, naming the line.
                let (field, message) = match problem.field.strip_prefix("observables[") {
                    Some(rest) => {
                        let index: usize = rest.split(']').next().and_then(|n| n.parse().ok()).unwrap_or(0);
                        let line = lines.get(index).copied().unwrap_or("");
                        (
                            "observables".to_owned(),
                            format!("line {} ({line}): {}", index + 1, problem.message),
                        )
                    }
                    None if problem.field.starts_with("systems") => ("systems".to_owned(), problem.message),
                    None => (problem.field, problem.message),
                };
                errors
                    .entry(field)
                    .and_modify(|m| {
                        m.push_str("; ");
                        m.push_str(&message);
                    })
                    .or_insert(message);
            }
            let page = render(&state, &session, &typed, errors).await?;
            Ok(html(
                axum::http::StatusCode::BAD_REQUEST,
                askama::Template::render(&page)?,
            ))
        }
        Err(IncidentError::Hub(err)) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_recognised_by_shape() {
        let kind = |line: &str| {
            observable_of_line(line)["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(kind("https://x.example/a"), "url");
        assert_eq!(kind("lure@bad.example"), "email-addr");
        assert_eq!(kind("198.51.100.7"), "ipv4-addr");
        assert_eq!(kind("2001:db8::/32"), "ipv6-addr");
        assert_eq!(kind(&"a".repeat(64)), "file");
        assert_eq!(kind("vote-info.example"), "domain-name");
        assert_eq!(occurred_rfc3339("2026-11-03T14:05"), "2026-11-03T14:05:00Z");
    }
}
