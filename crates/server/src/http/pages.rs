//! The built-in pages mails link to when no external frontend is configured: confirming an
//! address, choosing a new password, and RFC 8058 one-click unsubscribe. Plain HTML forms,
//! no script, localised by `?lang=` or `Accept-Language`, with a strict CSP; tokens travel
//! in query strings and bodies, which the request log never records.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coalition_domain::language::Language;
use coalition_services::ServiceError;
use coalition_services::accounts::ClientAddress;
use minijinja::{Environment, context};
use serde::Deserialize;

use super::AppState;

/// The one page layout: a title, paragraphs, and maybe a form.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:sans-serif;line-height:1.5;color:#1a1a1a;max-width:36em;margin:2em auto;padding:0 1em}label,input,button{display:block;font-size:1em}input{margin:.3em 0 1em;padding:.4em;width:100%;box-sizing:border-box}button{padding:.5em 1em}.error{color:#a00}</style>
</head>
<body><main>
<h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}{% if error %}<p class="error" role="alert">{{ error }}</p>
{% endif %}{% if action %}<form method="post" action="{{ action }}">
<input type="hidden" name="token" value="{{ token }}">
{% if password %}<label for="password">{{ password }}</label>
<input id="password" name="newPassword" type="password" autocomplete="new-password" required minlength="8">
{% endif %}{% if one_click %}<input type="hidden" name="List-Unsubscribe" value="One-Click">
{% endif %}<button type="submit">{{ button }}</button>
</form>{% endif %}
</main></body>
</html>
"#;

/// The page texts in a language: English, French; other languages read English.
fn text(language: Language, key: &str) -> &'static str {
    let french = language == Language::Fr;
    match (key, french) {
        ("verify_title", false) => "Confirm your email address",
        ("verify_title", true) => "Confirmez votre adresse électronique",
        ("verify_ask", false) => "Press the button to confirm this address.",
        ("verify_ask", true) => "Appuyez sur le bouton pour confirmer cette adresse.",
        ("verify_button", false) => "Confirm my address",
        ("verify_button", true) => "Confirmer mon adresse",
        ("verify_done", false) => "Your address is confirmed. You can now sign in.",
        ("verify_done", true) => "Votre adresse est confirmée. Vous pouvez vous connecter.",
        ("reset_title", false) => "Choose a new password",
        ("reset_title", true) => "Choisissez un nouveau mot de passe",
        ("reset_label", false) => "New password (at least 8 characters)",
        ("reset_label", true) => "Nouveau mot de passe (8 caractères au moins)",
        ("reset_button", false) => "Set my password",
        ("reset_button", true) => "Enregistrer mon mot de passe",
        ("reset_done", false) => "Your password is changed. Sign in with it.",
        ("reset_done", true) => "Votre mot de passe est changé. Connectez-vous avec lui.",
        ("unsubscribe_title", false) => "Unsubscribe",
        ("unsubscribe_title", true) => "Se désabonner",
        ("unsubscribe_ask", false) => "Stop receiving these mails:",
        ("unsubscribe_ask", true) => "Ne plus recevoir ces messages :",
        ("unsubscribe_button", false) => "Unsubscribe",
        ("unsubscribe_button", true) => "Me désabonner",
        ("unsubscribe_done", false) => "Done: you will no longer receive these mails:",
        ("unsubscribe_done", true) => "C'est fait : vous ne recevrez plus ces messages :",
        ("bad_link", false) => {
            "This link is not valid: it has expired, was already used, or was altered. Ask for a new one."
        }
        ("bad_link", true) => {
            "Ce lien n'est pas valable : il a expiré, a déjà servi ou a été modifié. Demandez-en un nouveau."
        }
        ("busy", false) => "Too many attempts; try again later.",
        ("busy", true) => "Trop de tentatives ; réessayez plus tard.",
        ("failed", false) => "Something went wrong on our side; try again later.",
        ("failed", true) => "Une erreur est survenue chez nous ; réessayez plus tard.",
        (_, _) => "",
    }
}

/// A category's name as a person reads it.
fn category_label(
    language: Language,
    category: coalition_domain::notifications::NotificationCategory,
) -> &'static str {
    use coalition_domain::notifications::NotificationCategory as C;
    match (category, language == Language::Fr) {
        (C::Membership, false) => "membership (join requests, decisions, invitations)",
        (C::Membership, true) => "adhésions (demandes, décisions, invitations)",
        (C::Meetings, false) => "meetings",
        (C::Meetings, true) => "réunions",
        (C::Documents, false) => "documents",
        (C::Documents, true) => "documents",
        (C::Security, false) => "security",
        (C::Security, true) => "sécurité",
    }
}

/// What a page shows.
#[derive(Default)]
struct Page {
    title: &'static str,
    paragraphs: Vec<String>,
    error: Option<String>,
    action: Option<&'static str>,
    token: String,
    password: Option<&'static str>,
    one_click: bool,
    button: &'static str,
}

/// The query (and form) of every page: the token, and maybe a language.
#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
    lang: Option<String>,
}

/// The reset form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(rename = "newPassword", default)]
    new_password: String,
}

/// The language of a page: `?lang=`, else `Accept-Language`, else English.
fn page_language(lang: Option<&str>, headers: &HeaderMap) -> Language {
    lang.and_then(|tag| Language::parse(tag).ok())
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .and_then(Language::negotiate)
        })
        .unwrap_or_default()
}

fn render(language: Language, status: StatusCode, page: Page) -> Response {
    let mut environment = Environment::new();
    environment.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    let html = environment
        .template_from_str(PAGE)
        .and_then(|template| {
            template.render(context! {
                lang => language.code(),
                title => page.title,
                paragraphs => page.paragraphs,
                error => page.error,
                action => page.action,
                token => page.token,
                password => page.password,
                one_click => page.one_click,
                button => page.button,
            })
        })
        .unwrap_or_else(|error| {
            tracing::error!(%error, "page not rendered");
            String::from("<!DOCTYPE html><title>Error</title>")
        });
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

/// The page for a refused or failed action: a clear message and a 4xx (5xx) status.
fn refused(language: Language, title: &'static str, error: &ServiceError) -> Response {
    let (status, key) = match error {
        ServiceError::NotFound(_) | ServiceError::Unauthenticated(_) => {
            (StatusCode::NOT_FOUND, "bad_link")
        }
        ServiceError::Invalid(_) | ServiceError::Conflict { .. } | ServiceError::Forbidden(_) => {
            (StatusCode::BAD_REQUEST, "bad_link")
        }
        ServiceError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "busy"),
        ServiceError::Internal(_) => {
            tracing::error!(%error, "page action failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "failed")
        }
    };
    render(
        language,
        status,
        Page {
            title,
            error: Some(text(language, key).to_owned()),
            ..Page::default()
        },
    )
}

/// `GET /verify-email?token=`: asks to confirm (a mail scanner prefetching the link spends
/// nothing); the button POSTs.
pub async fn verify_form(headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    render(
        language,
        StatusCode::OK,
        Page {
            title: text(language, "verify_title"),
            paragraphs: vec![text(language, "verify_ask").to_owned()],
            action: Some("/verify-email"),
            token: query.token,
            button: text(language, "verify_button"),
            ..Page::default()
        },
    )
}

/// `POST /verify-email`: spends the verification link.
pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
    Form(form): Form<TokenQuery>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let title = text(language, "verify_title");
    match state.services.verify_email(&form.token).await {
        Ok(_) => render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![text(language, "verify_done").to_owned()],
                ..Page::default()
            },
        ),
        Err(error) => refused(language, title, &error),
    }
}

/// `?lang=` alone (the token of a POST is in its body).
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// `GET /reset-password?token=`: the form.
pub async fn reset_form(headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    render(
        language,
        StatusCode::OK,
        reset_page(language, query.token, None),
    )
}

fn reset_page(language: Language, token: String, error: Option<String>) -> Page {
    Page {
        title: text(language, "reset_title"),
        error,
        action: Some("/reset-password"),
        token,
        password: Some(text(language, "reset_label")),
        button: text(language, "reset_button"),
        ..Page::default()
    }
}

/// `POST /reset-password`: sets the new password, with the password rules' errors shown
/// on the form again.
pub async fn reset(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
    Form(form): Form<ResetForm>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let from = ClientAddress(state.client_ip(&headers, peer));
    match state
        .services
        .reset_password(&form.token, &form.new_password, from)
        .await
    {
        Ok(()) => render(
            language,
            StatusCode::OK,
            Page {
                title: text(language, "reset_title"),
                paragraphs: vec![text(language, "reset_done").to_owned()],
                ..Page::default()
            },
        ),
        Err(ServiceError::Invalid(invalid)) if invalid.field == "newPassword" => render(
            language,
            StatusCode::BAD_REQUEST,
            reset_page(language, form.token, Some(invalid.message)),
        ),
        Err(error) => refused(language, text(language, "reset_title"), &error),
    }
}

/// `GET /unsubscribe?token=`: says what the link turns off and asks to confirm; never
/// unsubscribes by itself (RFC 8058: only the POST does).
pub async fn unsubscribe_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let title = text(language, "unsubscribe_title");
    match state.services.unsubscribe_ticket(&query.token) {
        Ok(ticket) => render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![format!(
                    "{} {}",
                    text(language, "unsubscribe_ask"),
                    category_label(language, ticket.category)
                )],
                action: Some("/unsubscribe"),
                token: query.token,
                one_click: true,
                button: text(language, "unsubscribe_button"),
                ..Page::default()
            },
        ),
        Err(error) => refused(language, title, &error),
    }
}

/// The body of a one-click POST (`List-Unsubscribe=One-Click`); the page's form sends the
/// token too.
#[derive(Debug, Deserialize)]
pub struct OneClickForm {
    #[serde(rename = "List-Unsubscribe")]
    list_unsubscribe: Option<String>,
    token: Option<String>,
}

/// `POST /unsubscribe?token=` with `List-Unsubscribe=One-Click` (RFC 8058), or the page's
/// form: turns the category off for the person, idempotently.
pub async fn unsubscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
    Form(form): Form<OneClickForm>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let title = text(language, "unsubscribe_title");
    if form.list_unsubscribe.as_deref() != Some("One-Click") {
        return refused(
            language,
            title,
            &ServiceError::Invalid(coalition_domain::error::InvalidInput::new(
                "List-Unsubscribe",
                "send List-Unsubscribe=One-Click",
            )),
        );
    }
    let token = form
        .token
        .filter(|token| !token.is_empty())
        .unwrap_or(query.token);
    match state.services.unsubscribe(&token).await {
        Ok(ticket) => render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![format!(
                    "{} {}",
                    text(language, "unsubscribe_done"),
                    category_label(language, ticket.category)
                )],
                ..Page::default()
            },
        ),
        Err(error) => refused(language, title, &error),
    }
}
