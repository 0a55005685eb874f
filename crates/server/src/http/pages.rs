//! The built-in pages mails link to when no external frontend is configured: confirming an
//! address, choosing a new password, and RFC 8058 one-click unsubscribe. Plain HTML forms,
//! no script, localised by `?lang=` or `Accept-Language` (texts and labels from the
//! language folders' `pages.toml` and `labels.toml`), with a strict CSP; tokens travel
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
use serde::{Deserialize, Serialize};

use super::AppState;

/// The one page layout: a title, paragraphs, and maybe a form.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:sans-serif;line-height:1.5;color:#1a1a1a;max-width:36em;margin:2em auto;padding:0 1em}label,input,select,button{display:block;font-size:1em}input,select{margin:.3em 0 1em;padding:.4em;width:100%;box-sizing:border-box}button{padding:.5em 1em}.error{color:#a00}</style>
</head>
<body><main>
<h1>{{ title }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}{% if error %}<p class="error" role="alert">{{ error }}</p>
{% endif %}{% if action %}<form method="post" action="{{ action }}">
<input type="hidden" name="token" value="{{ token }}">
{% if password %}<label for="password">{{ password }}</label>
<input id="password" name="newPassword" type="password" autocomplete="new-password" required minlength="8">
{% endif %}{% if login %}<label for="email">{{ login.email }}</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">{{ login.password }}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
{% endif %}{% for choice in choices %}<label for="{{ choice.name }}">{{ choice.label }}</label>
<select id="{{ choice.name }}" name="{{ choice.name }}">{% for option in choice.options %}<option value="{{ option.value }}"{% if option.selected %} selected{% endif %}>{{ option.label }}</option>{% endfor %}</select>
{% endfor %}{% if one_click %}<input type="hidden" name="List-Unsubscribe" value="One-Click">
{% endif %}<button type="submit">{{ button }}</button>
</form>{% endif %}{% for link in links %}<p><a href="{{ link.href }}">{{ link.text }}</a></p>
{% endfor %}
</main></body>
</html>
"#;

/// A text of the built-in pages: its key in `templates/<language>/pages.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageText {
    VerifyTitle,
    VerifyAsk,
    VerifyButton,
    VerifyDone,
    ResetTitle,
    ResetLabel,
    ResetButton,
    ResetDone,
    UnsubscribeTitle,
    UnsubscribeAsk,
    UnsubscribeButton,
    UnsubscribeDone,
    BadLink,
    EmailTitle,
    EmailAsk,
    EmailButton,
    EmailDone,
    EmailTaken,
    InvitationTitle,
    InvitationGroup,
    InvitationRole,
    InvitationInviter,
    InvitationAsk,
    InvitationEmail,
    InvitationPassword,
    InvitationButton,
    InvitationRegister,
    InvitationRegisterApi,
    InvitationDone,
    InvitationWrongLogin,
    InvitationOtherAddress,
    InvitationRefused,
    SettingsTitle,
    SettingsAsk,
    SettingsSecurity,
    SettingsButton,
    SettingsDone,
    SettingsApi,
    SettingsLink,
    Busy,
    Failed,
}

use PageText as T;

impl PageText {
    /// Every text, for the test that each one exists in English and French.
    #[cfg(test)]
    const ALL: [PageText; 41] = [
        T::VerifyTitle,
        T::VerifyAsk,
        T::VerifyButton,
        T::VerifyDone,
        T::ResetTitle,
        T::ResetLabel,
        T::ResetButton,
        T::ResetDone,
        T::UnsubscribeTitle,
        T::UnsubscribeAsk,
        T::UnsubscribeButton,
        T::UnsubscribeDone,
        T::BadLink,
        T::EmailTitle,
        T::EmailAsk,
        T::EmailButton,
        T::EmailDone,
        T::EmailTaken,
        T::InvitationTitle,
        T::InvitationGroup,
        T::InvitationRole,
        T::InvitationInviter,
        T::InvitationAsk,
        T::InvitationEmail,
        T::InvitationPassword,
        T::InvitationButton,
        T::InvitationRegister,
        T::InvitationRegisterApi,
        T::InvitationDone,
        T::InvitationWrongLogin,
        T::InvitationOtherAddress,
        T::InvitationRefused,
        T::SettingsTitle,
        T::SettingsAsk,
        T::SettingsSecurity,
        T::SettingsButton,
        T::SettingsDone,
        T::SettingsApi,
        T::SettingsLink,
        T::Busy,
        T::Failed,
    ];

    /// The key in `pages.toml`.
    fn key(self) -> &'static str {
        match self {
            T::VerifyTitle => "verify_title",
            T::VerifyAsk => "verify_ask",
            T::VerifyButton => "verify_button",
            T::VerifyDone => "verify_done",
            T::ResetTitle => "reset_title",
            T::ResetLabel => "reset_label",
            T::ResetButton => "reset_button",
            T::ResetDone => "reset_done",
            T::UnsubscribeTitle => "unsubscribe_title",
            T::UnsubscribeAsk => "unsubscribe_ask",
            T::UnsubscribeButton => "unsubscribe_button",
            T::UnsubscribeDone => "unsubscribe_done",
            T::BadLink => "bad_link",
            T::EmailTitle => "email_title",
            T::EmailAsk => "email_ask",
            T::EmailButton => "email_button",
            T::EmailDone => "email_done",
            T::EmailTaken => "email_taken",
            T::InvitationTitle => "invitation_title",
            T::InvitationGroup => "invitation_group",
            T::InvitationRole => "invitation_role",
            T::InvitationInviter => "invitation_inviter",
            T::InvitationAsk => "invitation_ask",
            T::InvitationEmail => "invitation_email",
            T::InvitationPassword => "invitation_password",
            T::InvitationButton => "invitation_button",
            T::InvitationRegister => "invitation_register",
            T::InvitationRegisterApi => "invitation_register_api",
            T::InvitationDone => "invitation_done",
            T::InvitationWrongLogin => "invitation_wrong_login",
            T::InvitationOtherAddress => "invitation_other_address",
            T::InvitationRefused => "invitation_refused",
            T::SettingsTitle => "settings_title",
            T::SettingsAsk => "settings_ask",
            T::SettingsSecurity => "settings_security",
            T::SettingsButton => "settings_button",
            T::SettingsDone => "settings_done",
            T::SettingsApi => "settings_api",
            T::SettingsLink => "settings_link",
            T::Busy => "busy",
            T::Failed => "failed",
        }
    }
}

/// A page text in `language`, else in English (`templates/<language>/pages.toml`).
fn text(language: Language, text: PageText) -> &'static str {
    crate::texts::texts()
        .map(|texts| texts.page(language, text.key()))
        .unwrap_or_default()
}

/// The display name of an enum value (`templates/<language>/labels.toml`), by the stored
/// code, which is the GraphQL value in lower case; the code itself when it has none.
fn label(language: Language, enum_name: &'static str, code: &'static str) -> String {
    let value = code.to_ascii_uppercase();
    crate::texts::texts()
        .ok()
        .and_then(|texts| {
            texts
                .label(language, enum_name, &value)
                .map(|label| label.text.to_owned())
        })
        .unwrap_or_else(|| code.to_owned())
}

/// A label inside a sentence: its first letter in lower case ("Role offered: observer").
fn in_sentence(label: String) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => label,
    }
}

/// A validation message in `language` (by its field and reason), else as the service
/// wrote it.
fn message(language: Language, invalid: &coalition_domain::error::InvalidInput) -> String {
    crate::texts::texts().map_or_else(
        |_| invalid.message.clone(),
        |texts| texts.message(language, invalid),
    )
}

/// A category's name as a person reads it.
fn category_label(
    language: Language,
    category: coalition_domain::notifications::NotificationCategory,
) -> String {
    label(language, "NotificationCategory", category.as_str())
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
    login: Option<LoginLabels>,
    choices: Vec<Choice>,
    links: Vec<Link>,
}

impl Page {
    /// A page that asks before it acts: its title, the question and the button (GET never
    /// acts; the button POSTs the token to `action`).
    fn ask(
        language: Language,
        [title, ask, button]: [PageText; 3],
        action: &'static str,
        token: String,
    ) -> Self {
        Page {
            title: text(language, title),
            paragraphs: vec![text(language, ask).to_owned()],
            action: Some(action),
            token,
            button: text(language, button),
            ..Page::default()
        }
    }

    /// A page that says an action is done.
    fn done(title: &'static str, done: &str) -> Self {
        Page {
            title,
            paragraphs: vec![done.to_owned()],
            ..Page::default()
        }
    }
}

/// The labels of a sign-in form's fields.
#[derive(Serialize)]
struct LoginLabels {
    email: &'static str,
    password: &'static str,
}

/// A select field and its options.
#[derive(Serialize)]
struct Choice {
    name: &'static str,
    label: String,
    options: Vec<ChoiceOption>,
}

/// One option of a select field.
#[derive(Serialize)]
struct ChoiceOption {
    value: &'static str,
    label: String,
    selected: bool,
}

/// A link under the page's form.
#[derive(Serialize)]
struct Link {
    href: String,
    text: &'static str,
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
                login => page.login,
                choices => page.choices,
                links => page.links,
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
            (StatusCode::NOT_FOUND, T::BadLink)
        }
        ServiceError::Invalid(_) | ServiceError::Conflict { .. } | ServiceError::Forbidden(_) => {
            (StatusCode::BAD_REQUEST, T::BadLink)
        }
        ServiceError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, T::Busy),
        ServiceError::Internal(_) => {
            tracing::error!(%error, "page action failed");
            (StatusCode::INTERNAL_SERVER_ERROR, T::Failed)
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
    let texts = [T::VerifyTitle, T::VerifyAsk, T::VerifyButton];
    render(
        language,
        StatusCode::OK,
        Page::ask(language, texts, "/verify-email", query.token),
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
    let title = text(language, T::VerifyTitle);
    match state.services.verify_email(&form.token).await {
        Ok(_) => render(
            language,
            StatusCode::OK,
            Page::done(title, text(language, T::VerifyDone)),
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
        title: text(language, T::ResetTitle),
        error,
        action: Some("/reset-password"),
        token,
        password: Some(text(language, T::ResetLabel)),
        button: text(language, T::ResetButton),
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
            Page::done(text(language, T::ResetTitle), text(language, T::ResetDone)),
        ),
        Err(ServiceError::Invalid(invalid)) if invalid.field == "newPassword" => render(
            language,
            StatusCode::BAD_REQUEST,
            reset_page(language, form.token, Some(message(language, &invalid))),
        ),
        Err(error) => refused(language, text(language, T::ResetTitle), &error),
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
    let title = text(language, T::UnsubscribeTitle);
    match state.services.unsubscribe_ticket(&query.token) {
        Ok(ticket) => render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![format!(
                    "{} {}",
                    text(language, T::UnsubscribeAsk),
                    in_sentence(category_label(language, ticket.category))
                )],
                action: Some("/unsubscribe"),
                links: vec![Link {
                    href: format!("/settings/notifications?token={}", query.token),
                    text: text(language, T::SettingsLink),
                }],
                token: query.token,
                one_click: true,
                button: text(language, T::UnsubscribeButton),
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
    let title = text(language, T::UnsubscribeTitle);
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
                    text(language, T::UnsubscribeDone),
                    in_sentence(category_label(language, ticket.category))
                )],
                ..Page::default()
            },
        ),
        Err(error) => refused(language, title, &error),
    }
}

// Confirming a new address, invitations and notification settings (pages, second part).

/// `GET /confirm-email?token=`: asks to confirm the new address; only the button acts.
pub async fn confirm_email_form(headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let texts = [T::EmailTitle, T::EmailAsk, T::EmailButton];
    render(
        language,
        StatusCode::OK,
        Page::ask(language, texts, "/confirm-email", query.token),
    )
}

/// `POST /confirm-email`: spends the change-of-address link; an address another account
/// took meanwhile is a 409 saying so.
pub async fn confirm_email(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
    Form(form): Form<TokenQuery>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let title = text(language, T::EmailTitle);
    match state
        .services
        .confirm_email_change(&coalition_domain::policy::Viewer::Anonymous, &form.token)
        .await
    {
        Ok(_) => render(
            language,
            StatusCode::OK,
            Page::done(title, text(language, T::EmailDone)),
        ),
        Err(ServiceError::Conflict { .. }) => render(
            language,
            StatusCode::CONFLICT,
            Page {
                title,
                error: Some(text(language, T::EmailTaken).to_owned()),
                ..Page::default()
            },
        ),
        Err(error) => refused(language, title, &error),
    }
}

/// The sign-in form of the invitation page.
#[derive(Debug, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn role_label(language: Language, role: coalition_domain::membership::MembershipRole) -> String {
    in_sentence(label(language, "MembershipRole", role.as_str()))
}

/// The invitation page: what it offers, and the sign-in form that accepts it.
fn invitation_page(
    state: &AppState,
    language: Language,
    preview: &coalition_services::administration::InvitationPreview,
    token: String,
    error: Option<String>,
) -> Page {
    let mut paragraphs = vec![
        format!(
            "{} {}.",
            text(language, T::InvitationGroup),
            preview.group.name.get(language)
        ),
        format!(
            "{} {}",
            text(language, T::InvitationRole),
            role_label(language, preview.invitation.role)
        ),
    ];
    if let Some(inviter) = &preview.inviter_name {
        paragraphs.push(format!(
            "{} {inviter}.",
            text(language, T::InvitationInviter)
        ));
    }
    paragraphs.push(text(language, T::InvitationAsk).to_owned());
    // With an external frontend, people register there; otherwise through the API.
    let accounts = &state.services.accounts;
    let frontend = accounts.public_url.trim_end_matches('/');
    let mut links = Vec::new();
    if !frontend.is_empty() && frontend != accounts.server_url.trim_end_matches('/') {
        links.push(Link {
            href: format!("{frontend}/register"),
            text: text(language, T::InvitationRegister),
        });
    } else {
        paragraphs.push(text(language, T::InvitationRegisterApi).to_owned());
    }
    Page {
        title: text(language, T::InvitationTitle),
        paragraphs,
        error,
        action: Some("/invitations/accept"),
        token,
        login: Some(LoginLabels {
            email: text(language, T::InvitationEmail),
            password: text(language, T::InvitationPassword),
        }),
        button: text(language, T::InvitationButton),
        links,
        ..Page::default()
    }
}

/// `GET /invitations/accept?token=`: the group and role offered, and a form to sign in
/// and accept; a 404 page for a link that is not an open invitation.
pub async fn invitation_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    match state.services.invitation_preview(&query.token).await {
        Ok(preview) => render(
            language,
            StatusCode::OK,
            invitation_page(&state, language, &preview, query.token, None),
        ),
        Err(error) => refused(language, text(language, T::InvitationTitle), &error),
    }
}

/// `POST /invitations/accept`: signs in with the form's address and password, accepts the
/// invitation as that person, and ends the session at once (no cookie is set). Wrong
/// credentials and refusals are shown on the form again.
pub async fn accept_invitation(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
    Form(form): Form<AcceptForm>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let title = text(language, T::InvitationTitle);
    let preview = match state.services.invitation_preview(&form.token).await {
        Ok(preview) => preview,
        Err(error) => return refused(language, title, &error),
    };
    let from = ClientAddress(state.client_ip(&headers, peer));
    let accepted = async {
        let sign_in = state
            .services
            .login(&form.email, &form.password, from)
            .await?;
        let viewer = state.services.authenticate(&sign_in.token).await?;
        let accepted = state.services.accept_invitation(&viewer, &form.token).await;
        state.services.logout(&viewer).await?;
        accepted
    }
    .await;
    match accepted {
        Ok(_) => render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![format!(
                    "{} {}.",
                    text(language, T::InvitationDone),
                    preview.group.name.get(language)
                )],
                ..Page::default()
            },
        ),
        Err(error @ ServiceError::Internal(_)) => refused(language, title, &error),
        Err(error) => {
            let status = match &error {
                ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::Conflict { .. } => StatusCode::CONFLICT,
                ServiceError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::BAD_REQUEST,
            };
            render(
                language,
                status,
                invitation_page(
                    &state,
                    language,
                    &preview,
                    form.token,
                    Some(refusal(language, &error)),
                ),
            )
        }
    }
}

/// Why the invitation form was refused, in the page's language: validation messages by
/// field and reason, other refusals by kind (the service's own words are English only).
fn refusal(language: Language, error: &ServiceError) -> String {
    let kind = match error {
        ServiceError::Invalid(invalid) => return message(language, invalid),
        ServiceError::Unauthenticated(_) => T::InvitationWrongLogin,
        ServiceError::Forbidden(_) => T::InvitationOtherAddress,
        ServiceError::Conflict { .. } => T::InvitationRefused,
        ServiceError::NotFound(_) => T::BadLink,
        ServiceError::RateLimited { .. } => T::Busy,
        ServiceError::Internal(_) => T::Failed,
    };
    text(language, kind).to_owned()
}

/// The settings page for the person an unsubscribe link names: a select per category
/// that can be turned off (security mails cannot).
fn settings_page(
    language: Language,
    token: String,
    preferences: &[(
        coalition_domain::notifications::NotificationCategory,
        coalition_domain::notifications::DeliveryMode,
    )],
    paragraphs: Vec<String>,
) -> Page {
    use coalition_domain::notifications::{DeliveryMode, NotificationCategory};
    let modes = [
        DeliveryMode::Immediately,
        DeliveryMode::DailyDigest,
        DeliveryMode::Off,
    ];
    let choices = preferences
        .iter()
        .filter(|(category, _)| *category != NotificationCategory::Security)
        .map(|(category, current)| Choice {
            name: category.as_str(),
            label: category_label(language, *category),
            options: modes
                .iter()
                .map(|mode| ChoiceOption {
                    value: mode.as_str(),
                    label: label(language, "DeliveryMode", mode.as_str()),
                    selected: mode == current,
                })
                .collect(),
        })
        .collect();
    Page {
        title: text(language, T::SettingsTitle),
        paragraphs,
        action: Some("/settings/notifications"),
        token,
        choices,
        button: text(language, T::SettingsButton),
        ..Page::default()
    }
}

/// `GET /settings/notifications`: with an unsubscribe link's token, the person's settings
/// to change; without one, where settings are changed (never a 404: mails link here).
pub async fn settings_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TokenQuery>,
) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    let title = text(language, T::SettingsTitle);
    if query.token.is_empty() {
        return render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![text(language, T::SettingsApi).to_owned()],
                ..Page::default()
            },
        );
    }
    match state.services.ticket_preferences(&query.token).await {
        Ok(preferences) => render(
            language,
            StatusCode::OK,
            settings_page(
                language,
                query.token,
                &preferences,
                vec![
                    text(language, T::SettingsAsk).to_owned(),
                    text(language, T::SettingsSecurity).to_owned(),
                ],
            ),
        ),
        Err(error) => refused(language, title, &error),
    }
}

/// `POST /settings/notifications`: the token and one field per category (its mode code).
pub async fn update_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
    Form(form): Form<std::collections::BTreeMap<String, String>>,
) -> Response {
    use coalition_domain::notifications::{DeliveryMode, NotificationCategory};
    let language = page_language(query.lang.as_deref(), &headers);
    let title = text(language, T::SettingsTitle);
    let token = form.get("token").cloned().unwrap_or_default();
    let changes: Result<Vec<_>, _> = form
        .iter()
        .filter(|(name, _)| name.as_str() != "token")
        .map(|(name, mode)| {
            Ok::<_, coalition_domain::error::InvalidInput>((
                NotificationCategory::parse(name)?,
                DeliveryMode::parse(mode)?,
            ))
        })
        .collect();
    let result = match changes {
        Ok(changes) => {
            state
                .services
                .update_ticket_preferences(&token, changes)
                .await
        }
        Err(invalid) => Err(ServiceError::Invalid(invalid)),
    };
    match result {
        Ok(preferences) => render(
            language,
            StatusCode::OK,
            settings_page(
                language,
                token,
                &preferences,
                vec![text(language, T::SettingsDone).to_owned()],
            ),
        ),
        Err(error) => refused(language, title, &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text missing in English would show as an empty line; French is a working
    /// language, so it is complete too.
    #[test]
    fn every_page_text_exists_in_english_and_french() {
        let texts = crate::texts::texts().unwrap();
        let missing: Vec<_> = PageText::ALL
            .into_iter()
            .flat_map(|text| [(Language::En, text), (Language::Fr, text)])
            .filter(|(language, text)| texts.find_page(*language, text.key()).is_none())
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    /// The pages name roles, delivery modes and categories by their labels.
    #[test]
    fn the_labels_the_pages_use_exist_in_english_and_french() {
        use coalition_domain::membership::MembershipRole;
        use coalition_domain::notifications::{DeliveryMode, NotificationCategory};
        let texts = crate::texts::texts().unwrap();
        let mut used: Vec<(&str, &str)> = vec![
            ("MembershipRole", MembershipRole::Coordinator.as_str()),
            ("MembershipRole", MembershipRole::Member.as_str()),
            ("MembershipRole", MembershipRole::Observer.as_str()),
            ("DeliveryMode", DeliveryMode::Immediately.as_str()),
            ("DeliveryMode", DeliveryMode::DailyDigest.as_str()),
            ("DeliveryMode", DeliveryMode::Off.as_str()),
        ];
        used.extend(
            NotificationCategory::ALL
                .into_iter()
                .map(|category| ("NotificationCategory", category.as_str())),
        );
        for (enum_name, code) in used {
            for language in [Language::En, Language::Fr] {
                assert!(
                    texts.has_label(language, enum_name, &code.to_ascii_uppercase()),
                    "{language} {enum_name}.{code}"
                );
            }
        }
        assert_eq!(
            in_sentence(label(Language::Fr, "MembershipRole", "observer")),
            "observateur·rice"
        );
    }

    /// Password rules are shown in the reader's language, by field and reason.
    #[test]
    fn password_rules_are_translated() {
        use coalition_domain::accounts::Password;
        for (raw, english) in [
            ("short", "use at least"),
            ("x".repeat(300).as_str(), "use at most"),
            ("password123", "common"),
        ] {
            let invalid = Password::parse("newPassword", raw).unwrap_err();
            assert!(message(Language::En, &invalid).contains(english));
            let french = message(Language::Fr, &invalid);
            assert!(
                invalid.reason.is_some() && french != invalid.message,
                "{french}"
            );
            assert_eq!(message(Language::Ar, &invalid), invalid.message);
        }
    }
}
