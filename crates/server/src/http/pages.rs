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
        // Confirming a new address, invitations and notification settings (pages, second part).
        ("email_title", false) => "Confirm your new email address",
        ("email_title", true) => "Confirmez votre nouvelle adresse électronique",
        ("email_ask", false) => "Press the button to sign in with this address from now on.",
        ("email_ask", true) => {
            "Appuyez sur le bouton pour vous connecter désormais avec cette adresse."
        }
        ("email_button", false) => "Confirm my new address",
        ("email_button", true) => "Confirmer ma nouvelle adresse",
        ("email_done", false) => "Your new address is confirmed: sign in with it from now on.",
        ("email_done", true) => {
            "Votre nouvelle adresse est confirmée : connectez-vous désormais avec elle."
        }
        ("email_taken", false) => {
            "Another account took this address meanwhile: your address did not change. Choose another one."
        }
        ("email_taken", true) => {
            "Un autre compte a pris cette adresse entre-temps : votre adresse n'a pas changé. Choisissez-en une autre."
        }
        ("invitation_title", false) => "Join a working group",
        ("invitation_title", true) => "Rejoindre un groupe de travail",
        ("invitation_group", false) => "You are invited to join",
        ("invitation_group", true) => "Vous êtes invité·e à rejoindre",
        ("invitation_role", false) => "Role offered:",
        ("invitation_role", true) => "Rôle proposé :",
        ("invitation_inviter", false) => "Invited by",
        ("invitation_inviter", true) => "Invitation de",
        ("invitation_ask", false) => {
            "Sign in with the address this invitation was sent to, to accept it."
        }
        ("invitation_ask", true) => {
            "Connectez-vous avec l'adresse à laquelle cette invitation a été envoyée pour l'accepter."
        }
        ("invitation_email", false) => "Email address",
        ("invitation_email", true) => "Adresse électronique",
        ("invitation_password", false) => "Password",
        ("invitation_password", true) => "Mot de passe",
        ("invitation_button", false) => "Sign in and accept",
        ("invitation_button", true) => "Me connecter et accepter",
        ("invitation_register", false) => {
            "No account yet? Create one with this address, confirm it, then come back to this link."
        }
        ("invitation_register", true) => {
            "Pas encore de compte ? Créez-en un avec cette adresse, confirmez-la, puis revenez à ce lien."
        }
        ("invitation_register_api", false) => {
            "No account yet? Create one with this address through the API's register mutation, confirm it, then come back to this link."
        }
        ("invitation_register_api", true) => {
            "Pas encore de compte ? Créez-en un avec cette adresse par la mutation register de l'API, confirmez-la, puis revenez à ce lien."
        }
        ("invitation_done", false) => "Welcome: you are now in the group",
        ("invitation_done", true) => "Bienvenue : vous faites désormais partie du groupe",
        ("settings_title", false) => "Notification settings",
        ("settings_title", true) => "Préférences de notification",
        ("settings_ask", false) => "Choose how each kind of mail reaches you.",
        ("settings_ask", true) => "Choisissez comment chaque sorte de message vous parvient.",
        ("settings_security", false) => "Security mails are always sent.",
        ("settings_security", true) => "Les messages de sécurité sont toujours envoyés.",
        ("settings_button", false) => "Save",
        ("settings_button", true) => "Enregistrer",
        ("settings_done", false) => "Your settings are saved.",
        ("settings_done", true) => "Vos préférences sont enregistrées.",
        ("settings_api", false) => {
            "Notification settings are changed after signing in, through the API's updateNotificationPreferences mutation, or from the unsubscribe link at the top of a mail, which leads here with your settings."
        }
        ("settings_api", true) => {
            "Les préférences de notification se changent une fois connecté·e, par la mutation updateNotificationPreferences de l'API, ou depuis le lien de désabonnement d'un message, qui mène ici avec vos préférences."
        }
        ("settings_link", false) => "All my notification settings",
        ("settings_link", true) => "Toutes mes préférences de notification",
        ("mode_immediately", false) => "each mail as it happens",
        ("mode_immediately", true) => "chaque message aussitôt",
        ("mode_daily_digest", false) => "a daily digest",
        ("mode_daily_digest", true) => "un résumé quotidien",
        ("mode_off", false) => "off",
        ("mode_off", true) => "désactivé",
        ("role_coordinator", false) => "coordinator",
        ("role_coordinator", true) => "coordinateur·rice",
        ("role_member", false) => "member",
        ("role_member", true) => "membre",
        ("role_observer", false) => "observer",
        ("role_observer", true) => "observateur·rice",
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
    login: Option<LoginLabels>,
    choices: Vec<Choice>,
    links: Vec<Link>,
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
    label: &'static str,
    options: Vec<ChoiceOption>,
}

/// One option of a select field.
#[derive(Serialize)]
struct ChoiceOption {
    value: &'static str,
    label: &'static str,
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
                links: vec![Link {
                    href: format!("/settings/notifications?token={}", query.token),
                    text: text(language, "settings_link"),
                }],
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

// Confirming a new address, invitations and notification settings (pages, second part).

/// `GET /confirm-email?token=`: asks to confirm the new address; only the button acts.
pub async fn confirm_email_form(headers: HeaderMap, Query(query): Query<TokenQuery>) -> Response {
    let language = page_language(query.lang.as_deref(), &headers);
    render(
        language,
        StatusCode::OK,
        Page {
            title: text(language, "email_title"),
            paragraphs: vec![text(language, "email_ask").to_owned()],
            action: Some("/confirm-email"),
            token: query.token,
            button: text(language, "email_button"),
            ..Page::default()
        },
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
    let title = text(language, "email_title");
    match state
        .services
        .confirm_email_change(&coalition_domain::policy::Viewer::Anonymous, &form.token)
        .await
    {
        Ok(_) => render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![text(language, "email_done").to_owned()],
                ..Page::default()
            },
        ),
        Err(ServiceError::Conflict { .. }) => render(
            language,
            StatusCode::CONFLICT,
            Page {
                title,
                error: Some(text(language, "email_taken").to_owned()),
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

fn role_label(
    language: Language,
    role: coalition_domain::membership::MembershipRole,
) -> &'static str {
    use coalition_domain::membership::MembershipRole as R;
    match role {
        R::Coordinator => text(language, "role_coordinator"),
        R::Member => text(language, "role_member"),
        R::Observer => text(language, "role_observer"),
    }
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
            text(language, "invitation_group"),
            preview.group.name.get(language)
        ),
        format!(
            "{} {}",
            text(language, "invitation_role"),
            role_label(language, preview.invitation.role)
        ),
    ];
    if let Some(inviter) = &preview.inviter_name {
        paragraphs.push(format!(
            "{} {inviter}.",
            text(language, "invitation_inviter")
        ));
    }
    paragraphs.push(text(language, "invitation_ask").to_owned());
    // With an external frontend, people register there; otherwise through the API.
    let accounts = &state.services.accounts;
    let frontend = accounts.public_url.trim_end_matches('/');
    let mut links = Vec::new();
    if !frontend.is_empty() && frontend != accounts.server_url.trim_end_matches('/') {
        links.push(Link {
            href: format!("{frontend}/register"),
            text: text(language, "invitation_register"),
        });
    } else {
        paragraphs.push(text(language, "invitation_register_api").to_owned());
    }
    Page {
        title: text(language, "invitation_title"),
        paragraphs,
        error,
        action: Some("/invitations/accept"),
        token,
        login: Some(LoginLabels {
            email: text(language, "invitation_email"),
            password: text(language, "invitation_password"),
        }),
        button: text(language, "invitation_button"),
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
        Err(error) => refused(language, text(language, "invitation_title"), &error),
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
    let title = text(language, "invitation_title");
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
                    text(language, "invitation_done"),
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
                    Some(error.to_string()),
                ),
            )
        }
    }
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
                    label: text(language, mode_key(*mode)),
                    selected: mode == current,
                })
                .collect(),
        })
        .collect();
    Page {
        title: text(language, "settings_title"),
        paragraphs,
        action: Some("/settings/notifications"),
        token,
        choices,
        button: text(language, "settings_button"),
        ..Page::default()
    }
}

fn mode_key(mode: coalition_domain::notifications::DeliveryMode) -> &'static str {
    use coalition_domain::notifications::DeliveryMode as M;
    match mode {
        M::Immediately => "mode_immediately",
        M::DailyDigest => "mode_daily_digest",
        M::Off => "mode_off",
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
    let title = text(language, "settings_title");
    if query.token.is_empty() {
        return render(
            language,
            StatusCode::OK,
            Page {
                title,
                paragraphs: vec![text(language, "settings_api").to_owned()],
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
                    text(language, "settings_ask").to_owned(),
                    text(language, "settings_security").to_owned(),
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
    let title = text(language, "settings_title");
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
                vec![text(language, "settings_done").to_owned()],
            ),
        ),
        Err(error) => refused(language, title, &error),
    }
}
