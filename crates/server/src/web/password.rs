//! The "change password" page for the signed-in account (issue 12).
//!
//! Invariant: the change goes through `Hub::change_own_password` (checks the current password under the
//! failed sign-in limits, bumps the account's epoch so every other session ends); this browser gets a fresh
//! session at the new epoch.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use crate::AppState;
use crate::web::pages::layout;
use crate::web::session::{self, Session};
use crate::web::{WebError, html};

/// The password page.
#[derive(askama::Template)]
#[template(path = "password.html")]
pub(crate) struct PasswordPage {
    pub(crate) layout: crate::web::view::Layout,
    pub(crate) message: String,
    pub(crate) error: String,
}

fn render(
    session: &Session,
    status: StatusCode,
    message: String,
    error: String,
) -> Result<Response, WebError> {
    let page = PasswordPage {
        layout: layout(session, "Password"),
        message,
        error,
    };
    Ok(html(status, askama::Template::render(&page)?))
}

pub(crate) async fn form(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    render(&session, StatusCode::OK, String::new(), String::new())
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

pub(crate) async fn change(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let session = session::current(&state, &headers).await?;
    session::check_csrf(&session.csrf, &form.csrf)?;
    match state
        .hub
        .change_own_password(&session.caller, &form.current, &form.new)
        .await
    {
        Ok(()) => {}
        Err(hub::HubError::BadRequest(message)) => {
            return render(&session, StatusCode::BAD_REQUEST, String::new(), message);
        }
        Err(err) => return Err(err.into()),
    }
    // The old session (this one included) ended with the epoch; this browser continues on a new one.
    let (cookie, csrf) = session::issue(&state, &session.caller.account).await?;
    let renewed = Session {
        caller: session.caller,
        csrf,
    };
    let mut response = render(
        &renewed,
        StatusCode::OK,
        "Your password was changed; your other sessions ended.".to_owned(),
        String::new(),
    )?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
