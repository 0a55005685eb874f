//! Meeting titles and descriptions in the six UN languages: the organiser writes them
//! beside the meeting's own text (which stands for English), readers get the language they
//! ask for (`lang`, else `Accept-Language`), the organiser's text when there is none, and
//! the invitations go out in each recipient's language.

use chrono::{Duration, SecondsFormat};
use coalition_domain::mail::Mail;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_store::entities::content_translation;
use coalition_tests::accounts::{coordinator_of, person_id, signed_up};
use coalition_tests::{TestApp, backends, error_code};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const SCHEDULE: &str = "mutation ($g: ID, $i: MeetingInput!) { scheduleMeeting(groupId: $g, input: $i) { id title ar: title(lang: \"ar\") description(lang: \"es\") } }";

const UPDATE: &str = "mutation ($id: ID!, $i: MeetingInput!) { updateMeeting(id: $id, input: $i) { title(lang: \"fr\") zh: title(lang: \"zh\") description(lang: \"ru\") } }";

const READ: &str = "query ($id: ID!) { meeting(id: $id) { en: title(lang: \"en\") fr: title(lang: \"fr\") ar: title(lang: \"ar\") zh: title(lang: \"zh\") ru: title(lang: \"ru\") es: title(lang: \"es\") enGb: title(lang: \"en-GB\") title description esDescription: description(lang: \"es\") } }";

const TITLE: &str = "Capacity-building call";
const DESCRIPTION: &str = "Training needs for the next term.";

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (_, body) = app.graphql_as(token, query, variables).await;
    assert!(
        body["errors"].is_null(),
        "[{}] {query}: {body}",
        app.backend
    );
    body
}

/// A meeting input a week from the test clock's now, with `extra` fields.
fn input(app: &TestApp, extra: Value) -> Value {
    let starts_at =
        (app.clock.now() + Duration::days(7)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut input = json!({
        "title": TITLE,
        "description": DESCRIPTION,
        "startsAt": starts_at,
        "durationMinutes": 60,
        "timeZone": "Europe/Paris",
    });
    if let (Some(input), Value::Object(extra)) = (input.as_object_mut(), extra) {
        input.extend(extra);
    }
    input
}

fn translations() -> Value {
    json!({
        "titleTranslations": [
            { "lang": "fr", "text": "Appel sur le renforcement des capacités" },
            { "lang": "ar", "text": "اجتماع بناء القدرات" },
            { "lang": "zh-Hans", "text": "能力建设会议" },
            { "lang": "es", "text": "Llamada de fortalecimiento de capacidades" },
        ],
        "descriptionTranslations": [
            { "lang": "es", "text": "Necesidades de formación para el próximo periodo." },
        ],
    })
}

/// Translation rows stored for meeting `id`.
async fn stored_rows(app: &TestApp, id: i32) -> u64 {
    content_translation::Entity::find()
        .filter(content_translation::Column::EntityKind.eq("meeting"))
        .filter(content_translation::Column::EntityId.eq(id))
        .count(app.store.connection())
        .await
        .unwrap()
}

/// The store id inside a global ID ("Meeting:<id>").
fn database_id(id: &Value) -> i32 {
    person_id(id.as_str().expect("a meeting id")).0
}

#[tokio::test]
async fn meeting_texts_are_written_and_read_in_the_six_un_languages() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;

        let body = ok(
            &app,
            &coordinator,
            SCHEDULE,
            json!({ "g": group_id, "i": input(&app, translations()) }),
        )
        .await;
        let created = &body["data"]["scheduleMeeting"];
        assert_eq!(created["title"], TITLE, "[{backend}] {body}");
        assert_eq!(created["ar"], "اجتماع بناء القدرات", "[{backend}] {body}");
        assert_eq!(
            created["description"], "Necesidades de formación para el próximo periodo.",
            "[{backend}] {body}"
        );
        let id = created["id"].clone();
        let row_id = database_id(&id);
        assert_eq!(stored_rows(&app, row_id).await, 5, "[{backend}]");

        // Every language; Russian has no title and falls back to the organiser's.
        let body = ok(&app, &coordinator, READ, json!({ "id": id })).await;
        let meeting = &body["data"]["meeting"];
        assert_eq!(meeting["en"], TITLE, "[{backend}] {body}");
        assert_eq!(meeting["enGb"], TITLE, "[{backend}] {body}");
        assert_eq!(
            meeting["fr"], "Appel sur le renforcement des capacités",
            "[{backend}] {body}"
        );
        assert_eq!(meeting["ar"], "اجتماع بناء القدرات", "[{backend}] {body}");
        assert_eq!(meeting["zh"], "能力建设会议", "[{backend}] {body}");
        assert_eq!(meeting["ru"], TITLE, "[{backend}] {body}");
        assert_eq!(
            meeting["es"], "Llamada de fortalecimiento de capacidades",
            "[{backend}] {body}"
        );
        assert_eq!(meeting["title"], TITLE, "[{backend}] {body}");
        assert_eq!(meeting["description"], DESCRIPTION, "[{backend}] {body}");

        // Without `lang`, the request's `Accept-Language` decides; `lang` wins over it.
        let bearer = format!("Bearer {coordinator}");
        let body = app
            .graphql_with(
                "query ($id: ID!) { meeting(id: $id) { title description fr: title(lang: \"fr\") } }",
                json!({ "id": id }),
                &[
                    ("authorization", bearer.as_str()),
                    ("accept-language", "zh-CN, es;q=0.8"),
                ],
            )
            .await;
        let meeting = &body["data"]["meeting"];
        assert_eq!(meeting["title"], "能力建设会议", "[{backend}] {body}");
        assert_eq!(meeting["description"], DESCRIPTION, "[{backend}] {body}");
        assert_eq!(
            meeting["fr"], "Appel sur le renforcement des capacités",
            "[{backend}] {body}"
        );

        // An update replaces the languages it names, removes the emptied ones and keeps
        // the others; an omitted list changes nothing.
        let changes = json!({
            "titleTranslations": [
                { "lang": "fr", "text": "Appel capacités (nouvelle date)" },
                { "lang": "zh", "text": "" },
            ],
            "descriptionTranslations": [{ "lang": "ru", "text": "Потребности в обучении." }],
        });
        let body = ok(
            &app,
            &coordinator,
            UPDATE,
            json!({ "id": id, "i": input(&app, changes) }),
        )
        .await;
        let updated = &body["data"]["updateMeeting"];
        assert_eq!(
            updated["title"], "Appel capacités (nouvelle date)",
            "[{backend}] {body}"
        );
        assert_eq!(updated["zh"], TITLE, "[{backend}] {body}");
        assert_eq!(
            updated["description"], "Потребности в обучении.",
            "[{backend}] {body}"
        );
        assert_eq!(stored_rows(&app, row_id).await, 5, "[{backend}]");
        ok(
            &app,
            &coordinator,
            UPDATE,
            json!({ "id": id, "i": input(&app, json!({})) }),
        )
        .await;
        let body = ok(&app, &coordinator, READ, json!({ "id": id })).await;
        let meeting = &body["data"]["meeting"];
        assert_eq!(meeting["ar"], "اجتماع بناء القدرات", "[{backend}] {body}");
        assert_eq!(
            meeting["esDescription"], "Necesidades de formación para el próximo periodo.",
            "[{backend}] {body}"
        );
        assert_eq!(stored_rows(&app, row_id).await, 5, "[{backend}]");
    }
}

#[tokio::test]
async fn meeting_translations_are_refused_whole_to_outsiders_and_bad_input() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (member_id, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        app.store
            .insert_membership(
                group,
                person_id(&member_id),
                MembershipRole::Member,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        let body = ok(
            &app,
            &coordinator,
            SCHEDULE,
            json!({ "g": group_id, "i": input(&app, translations()) }),
        )
        .await;
        let id = body["data"]["scheduleMeeting"]["id"].clone();
        let row_id = database_id(&id);
        let before = ok(&app, &coordinator, READ, json!({ "id": id })).await;

        // A member who does not organise may read but not translate.
        let attempt = json!({ "titleTranslations": [{ "lang": "ru", "text": "Звонок" }] });
        let (_, body) = app
            .graphql_as(
                &member,
                UPDATE,
                json!({ "id": id, "i": input(&app, attempt) }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");

        let too_long = "a".repeat(201);
        let too_long_description = "b".repeat(10_001);
        for (field, bad) in [
            (
                "titleTranslations",
                json!({ "titleTranslations": [{ "lang": "ru", "text": "Звонок" }, { "lang": "de", "text": "Anruf" }] }),
            ),
            (
                "titleTranslations",
                json!({ "titleTranslations": [{ "lang": "en", "text": "Call" }] }),
            ),
            (
                "titleTranslations",
                json!({ "titleTranslations": [{ "lang": "ru", "text": too_long }] }),
            ),
            (
                "titleTranslations",
                json!({ "titleTranslations": [{ "lang": "ru", "text": "a" }, { "lang": "ru-RU", "text": "b" }] }),
            ),
            (
                "titleTranslations",
                json!({ "titleTranslations": [{ "lang": "ru", "text": "one\ntwo" }] }),
            ),
            (
                "descriptionTranslations",
                json!({ "titleTranslations": [{ "lang": "ru", "text": "Звонок" }], "descriptionTranslations": [{ "lang": "ar", "text": too_long_description }] }),
            ),
        ] {
            let (_, body) = app
                .graphql_as(
                    &coordinator,
                    UPDATE,
                    json!({ "id": id, "i": input(&app, bad) }),
                )
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
            assert!(
                body.to_string().contains(field),
                "[{backend}] names {field}: {body}"
            );
        }
        // A refused schedule writes no meeting and no text.
        let bad = json!({ "titleTranslations": [{ "lang": "xx", "text": "?" }] });
        let (_, body) = app
            .graphql_as(
                &coordinator,
                SCHEDULE,
                json!({ "g": group_id, "i": input(&app, bad) }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");

        // Nothing changed: the same texts, the same rows, the same sequence.
        let after = ok(&app, &coordinator, READ, json!({ "id": id })).await;
        assert_eq!(before, after, "[{backend}]");
        assert_eq!(stored_rows(&app, row_id).await, 5, "[{backend}]");
        let all_rows = content_translation::Entity::find()
            .filter(content_translation::Column::EntityKind.eq("meeting"))
            .count(app.store.connection())
            .await
            .unwrap();
        assert_eq!(all_rows, 5, "[{backend}] no rows for a refused meeting");
    }
}

#[tokio::test]
async fn invitations_carry_the_title_in_each_recipients_language() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let mut members = Vec::new();
        let mut tokens = Vec::new();
        for (name, email, language) in [
            ("Amina Diallo", "amina@example.sn", "ar"),
            ("Lucía Pérez", "lucia@example.es", "es"),
            ("Pavel Orlov", "pavel@example.ru", "ru"),
        ] {
            let (id, token) = signed_up(&app, name, email).await;
            ok(
                &app,
                &token,
                "mutation ($l: String!) { updateProfile(input: { preferredLanguage: $l }) { preferredLanguage } }",
                json!({ "l": language }),
            )
            .await;
            app.store
                .insert_membership(
                    group,
                    person_id(&id),
                    MembershipRole::Member,
                    MembershipStatus::Active,
                )
                .await
                .unwrap();
            members.push(email);
            tokens.push(token);
        }
        let body = ok(
            &app,
            &coordinator,
            SCHEDULE,
            json!({ "g": group_id, "i": input(&app, translations()) }),
        )
        .await;
        let id = body["data"]["scheduleMeeting"]["id"].clone();
        let titles = |queued: &[coalition_store::OutboxMessage]| {
            members
                .iter()
                .map(|email| {
                    let message = queued
                        .iter()
                        .find(|message| message.to == **email)
                        .unwrap_or_else(|| panic!("[{backend}] a mail to {email}"));
                    match &message.mail {
                        Ok(Mail::Meeting(notice)) => {
                            let ics = notice.ics.clone().unwrap_or_default();
                            (notice.title.clone(), ics.contains(notice.title.as_str()))
                        }
                        other => panic!("[{backend}] a meeting mail: {other:?}"),
                    }
                })
                .collect::<Vec<_>>()
        };
        let queued = app.store.outbox_messages(None, 50).await.unwrap();
        assert_eq!(
            titles(&queued),
            [
                ("اجتماع بناء القدرات".to_owned(), true),
                ("Llamada de fortalecimiento de capacidades".to_owned(), true),
                (TITLE.to_owned(), true),
            ],
            "[{backend}]"
        );

        // An update that leaves the translations alone still mails them.
        ok(
            &app,
            &coordinator,
            UPDATE,
            json!({ "id": id, "i": input(&app, json!({ "location": "Paris" })) }),
        )
        .await;
        let queued = app.store.outbox_messages(None, 3).await.unwrap();
        assert_eq!(
            titles(&queued)[1].0,
            "Llamada de fortalecimiento de capacidades",
            "[{backend}]"
        );

        // Each person's private calendar feed reads in their language.
        for (token, title, description) in [
            (
                &tokens[1],
                "Llamada de fortalecimiento de capacidades",
                "Necesidades de formaci",
            ),
            (&tokens[2], TITLE, "Training needs"),
        ] {
            let body = ok(&app, token, "mutation { createCalendarFeed }", json!({})).await;
            let url = body["data"]["createCalendarFeed"]
                .as_str()
                .unwrap_or_default();
            let path = &url[url.find("/calendar/").unwrap_or_default()..];
            let feed = app
                .client
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                feed.contains(&format!("SUMMARY:{title}")),
                "[{backend}] {feed}"
            );
            assert!(
                feed.contains(&format!("DESCRIPTION:{description}")),
                "[{backend}] {feed}"
            );
        }
    }
}
