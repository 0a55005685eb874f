//! Templates: one text and one HTML template per kind of mail, each in English and French,
//! rendered with minijinja from the typed mail's fields. Every mail links to the
//! recipient's notification preferences.

use coalition_domain::language::Language;
use coalition_domain::mail::Mail;
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

/// Renders mails.
#[derive(Debug)]
pub struct Renderer {
    environment: Environment<'static>,
    public_url: String,
    server_url: String,
}

include!(concat!(env!("OUT_DIR"), "/translated_templates.rs"));

const TEMPLATES: [(&str, &str); 22] = [
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
        "registration_attempted.txt",
        include_str!("../templates/registration_attempted.txt"),
    ),
    (
        "registration_attempted.html",
        include_str!("../templates/registration_attempted.html"),
    ),
    (
        "email_change_requested.txt",
        include_str!("../templates/email_change_requested.txt"),
    ),
    (
        "email_change_requested.html",
        include_str!("../templates/email_change_requested.html"),
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
    ("document.txt", include_str!("../templates/document.txt")),
    ("document.html", include_str!("../templates/document.html")),
];

/// The language folders' TOML files (page texts and enum labels, read by
/// `coalition_domain::texts::Texts`), by `<language>/<name>`.
pub fn text_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    TRANSLATED_TEMPLATES
        .into_iter()
        .filter(|(name, _)| name.ends_with(".toml"))
}

/// Why a message could not be rendered (a bug in a template or in what was queued).
#[derive(Debug, thiserror::Error)]
#[error("cannot render {template}: {reason}")]
pub struct RenderError {
    template: &'static str,
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
        let translated = TRANSLATED_TEMPLATES
            .into_iter()
            .filter(|(name, _)| !name.ends_with(".toml"));
        for (name, source) in TEMPLATES.into_iter().chain(translated) {
            environment
                .add_template(name, source)
                .map_err(|error| RenderError {
                    template: name,
                    reason: error.to_string(),
                })?;
        }
        let public_url = public_url.trim_end_matches('/').to_owned();
        Ok(Self {
            environment,
            server_url: public_url.clone(),
            public_url,
        })
    }

    /// The server's own address, where one-click unsubscribe links point (the same as
    /// the links' address unless an external frontend is configured).
    pub fn with_server_url(mut self, server_url: &str) -> Self {
        self.server_url = server_url.trim_end_matches('/').to_owned();
        self
    }

    /// The RFC 8058 one-click unsubscribe link for a sealed ticket.
    pub fn unsubscribe_url(&self, token: &str) -> String {
        format!("{}/unsubscribe?token={token}", self.server_url)
    }

    /// The template to use in `language`: `<language>/<name>` when its folder has one,
    /// else the shared one (English and French; English for any other language).
    fn localised_name(&self, language: Language, name: &str) -> String {
        let translated = format!("{}/{name}", language.code());
        if self.environment.get_template(&translated).is_ok() {
            translated
        } else {
            name.to_owned()
        }
    }

    /// Renders a mail in `language`: its subject, and its templates filled with its fields.
    pub fn render(&self, mail: &Mail, language: Language) -> Result<RenderedMail, RenderError> {
        let template = mail.kind().template();
        let fail = |reason: String| RenderError { template, reason };
        let preferences_url = format!("{}/settings/notifications", self.public_url);
        let fields = mail
            .to_stored()
            .map_err(|error| fail(error.to_string()))?
            .data;
        let lang = language.code();
        let subject_template = self.localised_name(language, &format!("{template}.subject"));
        let subject = match self.environment.get_template(&subject_template) {
            Ok(translated) if subject_template.contains('/') => translated
                .render(Value::from_serialize(&fields))
                .map_err(|error| fail(error.to_string()))?
                .trim()
                .to_owned(),
            _ => mail.subject(language),
        };
        let values = context! {
            lang,
            subject => subject.clone(),
            preferences_url => preferences_url.clone(),
            ..Value::from_serialize(&fields)
        };
        let render = |format: &str| {
            self.environment
                .get_template(&self.localised_name(language, &format!("{template}.{format}")))
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_domain::language::LocalisedText;
    use coalition_domain::mail::{
        CalendarMethod, DailyDigest, DocumentNotice, DocumentNoticeKind, EmailChangeNotice,
        GroupName, Invitation, JoinRequested, LinkToken, MailKind, MeetingNotice,
        MeetingNoticeKind, MembershipDecided, MembershipDecision, OneTimeLink,
    };
    use coalition_domain::notifications::NotificationCategory;

    /// One mail of each kind, with a name HTML must escape; the match makes a new kind
    /// add its sample (and so its templates).
    fn sample(kind: MailKind) -> Mail {
        let name = "Amina <Diallo>".to_owned();
        let group = GroupName::from(&LocalisedText::new(
            "Supportive policy",
            "Politiques de soutien",
        ));
        let link = OneTimeLink {
            name: name.clone(),
            token: LinkToken::Clear {
                link: "https://x/y?token=t".to_owned(),
                token: "t".to_owned(),
            },
        };
        match kind {
            MailKind::VerifyEmail => Mail::VerifyEmail(link),
            MailKind::ResetPassword => Mail::ResetPassword(link),
            MailKind::RegistrationAttempted => Mail::RegistrationAttempted(link),
            MailKind::JoinRequested => Mail::JoinRequested(JoinRequested {
                name,
                requester: "Bo".to_owned(),
                group,
                motivation: Some("OER".to_owned()),
                link: "https://x/groups/g/requests".to_owned(),
            }),
            MailKind::MembershipDecided => Mail::MembershipDecided(MembershipDecided {
                name,
                group,
                decision: MembershipDecision::Rejected {
                    reason: "later".to_owned(),
                },
            }),
            MailKind::Invitation => Mail::Invitation(Invitation {
                inviter: name,
                group,
                token: LinkToken::Clear {
                    link: "https://x/invitations/accept?token=t".to_owned(),
                    token: "t".to_owned(),
                },
            }),
            MailKind::Meeting => Mail::Meeting(MeetingNotice {
                kind: MeetingNoticeKind::Cancelled,
                name,
                title: "Policy review".to_owned(),
                when: "2 February 2027, 10:00".to_owned(),
                online_url: Some("https://meet/x".to_owned()),
                location: None,
                recurrence: None,
                reason: Some("Holidays".to_owned()),
                link: "https://x/meetings/1".to_owned(),
                ics: Some("BEGIN:VCALENDAR".to_owned()),
                ics_method: CalendarMethod::Cancel,
            }),
            MailKind::Document => Mail::Document(DocumentNotice {
                kind: DocumentNoticeKind::Uploaded,
                name,
                actor: "Bo".to_owned(),
                title: "Open licensing <in practice>".to_owned(),
                group: Some(group),
                language: "en".to_owned(),
                file_name: Some("report.pdf".to_owned()),
                note: None,
                link: "https://x/documents/1".to_owned(),
            }),
            MailKind::DailyDigest => Mail::DailyDigest(DailyDigest {
                name,
                items: vec!["Request to join Supportive policy".to_owned()],
                category: NotificationCategory::Membership,
            }),
            MailKind::EmailChangeRequested => Mail::EmailChangeRequested(EmailChangeNotice {
                name: "Bo".to_owned(),
                new_email: "bo.chen@example.org".to_owned(),
            }),
        }
    }

    #[test]
    fn renders_every_kind_in_both_languages() {
        let renderer = Renderer::new("https://coalition.example.org/").unwrap();
        for kind in MailKind::ALL {
            for language in Language::ALL {
                let mail = renderer.render(&sample(kind), language).unwrap();
                assert!(!mail.subject.is_empty());
                assert!(
                    mail.text
                        .contains("https://coalition.example.org/settings/notifications"),
                    "{kind}"
                );
                assert!(mail.html.contains("<html lang="), "{kind}");
                assert!(
                    !mail.html.contains("<Diallo>"),
                    "{kind}: HTML escapes what it interpolates"
                );
            }
        }
        let french = renderer
            .render(&sample(MailKind::JoinRequested), Language::Fr)
            .unwrap();
        assert_eq!(french.subject, "Demande d'adhésion : Politiques de soutien");
        assert!(french.text.contains("demande à rejoindre"));
    }

    /// A language is added by a folder of templates: Spanish has one for the verification
    /// mail; Arabic has none and falls back to English, as do Spanish mails without one.
    #[test]
    fn a_template_folder_translates_and_its_absence_falls_back_to_english() {
        let renderer = Renderer::new("https://coalition.example.org").unwrap();
        let spanish = renderer
            .render(&sample(MailKind::VerifyEmail), Language::Es)
            .unwrap();
        assert_eq!(
            spanish.subject,
            "Confirme su dirección de correo electrónico"
        );
        assert!(spanish.text.contains("introduzca este código: t"));
        assert!(spanish.html.contains("<html lang=\"es\">"));
        let arabic = renderer
            .render(&sample(MailKind::VerifyEmail), Language::Ar)
            .unwrap();
        let english = renderer
            .render(&sample(MailKind::VerifyEmail), Language::En)
            .unwrap();
        assert_eq!(arabic.subject, english.subject);
        assert_eq!(arabic.text, english.text);
        let spanish_reset = renderer
            .render(&sample(MailKind::ResetPassword), Language::Es)
            .unwrap();
        assert_eq!(spanish_reset.subject, "Reset your password");
    }

    #[test]
    fn templates_read_the_typed_fields() {
        let renderer = Renderer::new("https://coalition.example.org").unwrap();
        let meeting = renderer
            .render(&sample(MailKind::Meeting), Language::En)
            .unwrap();
        assert!(
            meeting
                .text
                .contains("The meeting \"Policy review\" is cancelled.")
        );
        assert!(meeting.text.contains("Reason: Holidays"));
        let decided = renderer
            .render(&sample(MailKind::MembershipDecided), Language::Fr)
            .unwrap();
        assert!(decided.text.contains("n'a pas été acceptée"));
        assert!(decided.text.contains("Motif : later"));
        let digest = renderer
            .render(&sample(MailKind::DailyDigest), Language::En)
            .unwrap();
        assert!(digest.text.contains("- Request to join Supportive policy"));
    }
}
