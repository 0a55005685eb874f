//! Templates: one text and one HTML template per kind of mail, each in English and French,
//! rendered with minijinja. Every mail links to the recipient's notification preferences.

use coalition_domain::language::Language;
use coalition_domain::notifications::NotificationCategory;
use coalition_store::OutboxMessage;
use minijinja::{Environment, Value, context};

/// A message ready for the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// Where the recipient changes what they receive (for `List-Unsubscribe`).
    pub preferences_url: String,
}

/// Renders queued messages.
#[derive(Debug)]
pub struct Renderer {
    environment: Environment<'static>,
    public_url: String,
}

const TEMPLATES: [(&str, &str); 16] = [
    ("base.html", include_str!("../templates/base.html")),
    ("footer.txt", include_str!("../templates/footer.txt")),
    (
        "verify_email.txt",
        include_str!("../templates/verify_email.txt"),
    ),
    (
        "verify_email.html",
        include_str!("../templates/verify_email.html"),
    ),
    (
        "reset_password.txt",
        include_str!("../templates/reset_password.txt"),
    ),
    (
        "reset_password.html",
        include_str!("../templates/reset_password.html"),
    ),
    (
        "invitation.txt",
        include_str!("../templates/invitation.txt"),
    ),
    (
        "invitation.html",
        include_str!("../templates/invitation.html"),
    ),
    (
        "join_requested.txt",
        include_str!("../templates/join_requested.txt"),
    ),
    (
        "join_requested.html",
        include_str!("../templates/join_requested.html"),
    ),
    (
        "membership_decided.txt",
        include_str!("../templates/membership_decided.txt"),
    ),
    (
        "membership_decided.html",
        include_str!("../templates/membership_decided.html"),
    ),
    (
        "daily_digest.txt",
        include_str!("../templates/daily_digest.txt"),
    ),
    (
        "daily_digest.html",
        include_str!("../templates/daily_digest.html"),
    ),
    ("meeting.txt", include_str!("../templates/meeting.txt")),
    ("meeting.html", include_str!("../templates/meeting.html")),
];

/// Why a message could not be rendered (a bug in a template or in what was queued).
#[derive(Debug, thiserror::Error)]
#[error("cannot render {template}: {reason}")]
pub struct RenderError {
    template: String,
    reason: String,
}

impl Renderer {
    /// Loads the templates; links point below `public_url`.
    pub fn new(public_url: &str) -> Result<Self, RenderError> {
        let mut environment = Environment::new();
        // HTML templates escape what they interpolate; text ones must not.
        environment.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        for (name, source) in TEMPLATES {
            environment
                .add_template(name, source)
                .map_err(|error| RenderError {
                    template: name.to_owned(),
                    reason: error.to_string(),
                })?;
        }
        Ok(Self {
            environment,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Renders one queued message.
    pub fn render(&self, message: &OutboxMessage) -> Result<RenderedMail, RenderError> {
        let fail = |reason: String| RenderError {
            template: message.template.clone(),
            reason,
        };
        let preferences_url = format!("{}/settings/notifications", self.public_url);
        let data = message
            .data
            .clone()
            .ok_or_else(|| fail("its data was already erased (sent before)".to_owned()))?;
        let subject = subject(&message.template, message.language, &data)
            .ok_or_else(|| fail("unknown template".to_owned()))?;
        let lang = message.language.code();
        let values = context! {
            lang,
            subject => subject.clone(),
            preferences_url => preferences_url.clone(),
            ..Value::from_serialize(&data)
        };
        let render = |format: &str| {
            self.environment
                .get_template(&format!("{}.{format}", message.template))
                .and_then(|template| template.render(&values))
                .map_err(|error| fail(error.to_string()))
        };
        Ok(RenderedMail {
            text: render("txt")?,
            html: render("html")?,
            subject,
            preferences_url,
        })
    }

    /// The subject a queued message would have: a digest lists its items by it.
    pub fn subject_of(&self, message: &OutboxMessage) -> Option<String> {
        subject(&message.template, message.language, message.data.as_ref()?)
    }

    /// Whether messages of this category carry `List-Unsubscribe` (security mails do not:
    /// they cannot be turned off).
    pub fn unsubscribable(category: NotificationCategory) -> bool {
        category != NotificationCategory::Security
    }
}

fn field<'a>(data: &'a serde_json::Value, name: &str) -> &'a str {
    data.get(name)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}

fn subject(template: &str, language: Language, data: &serde_json::Value) -> Option<String> {
    let group = |data| match language {
        Language::Fr => field(data, "group_fr"),
        Language::En => field(data, "group_en"),
    };
    let french = language == Language::Fr;
    Some(match template {
        "verify_email" if french => "Confirmez votre adresse électronique".to_owned(),
        "verify_email" => "Confirm your email address".to_owned(),
        "reset_password" if french => "Réinitialisez votre mot de passe".to_owned(),
        "reset_password" => "Reset your password".to_owned(),
        "invitation" => format!(
            "Invitation: {} / {}",
            field(data, "group_en"),
            field(data, "group_fr")
        ),
        "join_requested" if french => format!("Demande d'adhésion : {}", group(data)),
        "join_requested" => format!("Request to join {}", group(data)),
        "membership_decided" => {
            let approved = data.get("approved").and_then(serde_json::Value::as_bool) == Some(true);
            match (french, approved) {
                (true, true) => format!("Bienvenue dans {}", group(data)),
                (true, false) => format!("Votre demande pour {}", group(data)),
                (false, true) => format!("Welcome to {}", group(data)),
                (false, false) => format!("Your request to join {}", group(data)),
            }
        }
        "meeting" => {
            let title = field(data, "title");
            match (field(data, "kind"), french) {
                ("reminder", true) => format!("Rappel : {title}"),
                ("reminder", false) => format!("Reminder: {title}"),
                ("cancelled", true) => format!("Réunion annulée : {title}"),
                ("cancelled", false) => format!("Meeting cancelled: {title}"),
                ("changed", true) => format!("Réunion modifiée : {title}"),
                ("changed", false) => format!("Meeting changed: {title}"),
                (_, true) => format!("Nouvelle réunion : {title}"),
                (_, false) => format!("New meeting: {title}"),
            }
        }
        "daily_digest" if french => "Votre résumé quotidien".to_owned(),
        "daily_digest" => "Your daily digest".to_owned(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_domain::notifications::OutboxStatus;
    use serde_json::json;

    fn message(template: &str, language: Language, data: serde_json::Value) -> OutboxMessage {
        OutboxMessage {
            id: 1,
            message_id: "<1@test>".to_owned(),
            category: NotificationCategory::Membership,
            person: None,
            to: "a@example.org".to_owned(),
            to_name: "A".to_owned(),
            language,
            template: template.to_owned(),
            data: Some(data),
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: chrono::DateTime::UNIX_EPOCH,
            last_error: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            sent_at: None,
        }
    }

    #[test]
    fn renders_every_template_in_both_languages() {
        let renderer = Renderer::new("https://coalition.example.org/").unwrap();
        let data = json!({
            "name": "Amina <Diallo>", "link": "https://x/y?token=t", "token": "t",
            "inviter": "Claire", "group_en": "Supportive policy", "group_fr": "Politiques de soutien",
            "requester": "Bo", "motivation": "OER", "approved": false, "reason": "later",
        });
        for template in [
            "verify_email",
            "reset_password",
            "invitation",
            "join_requested",
            "membership_decided",
        ] {
            for language in Language::ALL {
                let mail = renderer
                    .render(&message(template, language, data.clone()))
                    .unwrap();
                assert!(!mail.subject.is_empty());
                assert!(
                    mail.text
                        .contains("https://coalition.example.org/settings/notifications"),
                    "{template}"
                );
                assert!(mail.html.contains("<html lang="), "{template}");
                assert!(
                    !mail.html.contains("<Diallo>"),
                    "HTML escapes what it interpolates"
                );
            }
        }
        let french = renderer
            .render(&message("join_requested", Language::Fr, data))
            .unwrap();
        assert_eq!(french.subject, "Demande d'adhésion : Politiques de soutien");
        assert!(french.text.contains("demande à rejoindre"));
    }
}
