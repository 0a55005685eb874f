//! `coalition seed --demo`: the demo population's size and spread, sign-in with the shared
//! password, the same rows for the same scale and day on every backend, a second run that
//! adds nothing, and the refusal of a database holding real people, through the service
//! and through the built binary.

use std::collections::BTreeSet;

use coalition_domain::geography::CountryCode;
use coalition_services::ServiceError;
use coalition_services::Services;
use coalition_services::demo::DEMO_PASSWORD;
use coalition_store::demo::{DemoOutcome, DemoReport, demo_email};
use coalition_store::entities::{
    account, action_item, agenda_item, attendance, document, document_edition, document_version,
    meeting, membership, person, rsvp,
};
use coalition_tests::accounts::{login, signed_up};
use coalition_tests::process::coalition;
use coalition_tests::{TestApp, TestDatabase, backends};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;

const SCALE: u32 = 150;

async fn services(app: &TestApp) -> Services {
    coalition_server::build_services(&app.settings, app.store.clone(), None)
        .await
        .expect("services build")
}

async fn seeded(app: &TestApp, scale: u32, force: bool) -> Result<DemoOutcome, ServiceError> {
    services(app).await.seed_demo(scale, force).await
}

/// Rows per table, to compare before and after a second run.
async fn table_counts(app: &TestApp) -> Vec<u64> {
    let db = app.store.connection();
    vec![
        person::Entity::find().count(db).await.unwrap(),
        account::Entity::find().count(db).await.unwrap(),
        membership::Entity::find().count(db).await.unwrap(),
        meeting::Entity::find().count(db).await.unwrap(),
        agenda_item::Entity::find().count(db).await.unwrap(),
        rsvp::Entity::find().count(db).await.unwrap(),
        attendance::Entity::find().count(db).await.unwrap(),
        action_item::Entity::find().count(db).await.unwrap(),
        document::Entity::find().count(db).await.unwrap(),
        document_edition::Entity::find().count(db).await.unwrap(),
        document_version::Entity::find().count(db).await.unwrap(),
    ]
}

/// What the population is made of, ids left out: the same scale and day must give this.
async fn fingerprint(app: &TestApp) -> Vec<String> {
    let db = app.store.connection();
    let people = person::Entity::find()
        .order_by_asc(person::Column::Email)
        .all(db)
        .await
        .unwrap();
    let email_of = |id: i32| {
        people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.email.clone())
            .unwrap_or_default()
    };
    let mut lines: Vec<String> = people
        .iter()
        .map(|p| {
            format!(
                "person {} {} {} {} {:?} {} {} {} {}",
                p.email,
                p.display_name,
                p.organisation,
                p.country,
                p.gender,
                p.stakeholder_type,
                p.preferred_language,
                p.time_zone,
                p.created_at.timestamp()
            )
        })
        .collect();
    let mut memberships: Vec<String> = membership::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            format!(
                "membership {} {} {} {} {}",
                email_of(m.person_id),
                m.working_group_id,
                m.role,
                m.status,
                m.since.timestamp()
            )
        })
        .collect();
    memberships.sort();
    lines.extend(memberships);
    let meetings = meeting::Entity::find()
        .order_by_asc(meeting::Column::Uid)
        .all(db)
        .await
        .unwrap();
    for m in &meetings {
        lines.push(format!(
            "meeting {} {} {} {} {:?} {}",
            m.uid,
            m.title,
            m.starts_at.timestamp(),
            m.visibility,
            m.recurrence,
            m.status
        ));
    }
    let uid_of = |id: i32| {
        meetings
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.uid.clone())
            .unwrap_or_default()
    };
    let mut answers: Vec<String> = rsvp::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            format!(
                "rsvp {} {} {}",
                uid_of(r.meeting_id),
                email_of(r.person_id),
                r.response
            )
        })
        .collect();
    answers.sort();
    lines.extend(answers);
    let mut versions: Vec<String> = document_version::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|v| format!("version {} {} {}", v.file_name, v.sha256, v.byte_size))
        .collect();
    versions.sort();
    lines.extend(versions);
    lines
}

#[tokio::test]
async fn demo_population_spreads_over_regions_and_roles_and_a_second_run_adds_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let DemoOutcome::Seeded(report) = seeded(&app, SCALE, false).await.unwrap() else {
            panic!("[{backend}] a fresh database is seeded");
        };
        assert_eq!(report.people, u64::from(SCALE), "[{backend}]");
        assert!(
            report.memberships >= u64::from(SCALE) && report.memberships <= 3 * u64::from(SCALE),
            "[{backend}] {report:?}"
        );
        // Per group a series, 4 past and 3 upcoming meetings; the launch and a plenary.
        assert_eq!(report.meetings, 2 + 4 * 8, "[{backend}]");
        // The coalition's 3 documents, 2 per group; an English and a French edition each.
        assert_eq!(report.documents, 3 + 4 * 2, "[{backend}]");
        assert!(report.versions >= 2 * report.documents, "[{backend}]");
        for (what, count) in [
            ("agenda items", report.agenda_items),
            ("RSVPs", report.rsvps),
            ("attendances", report.attendances),
            ("action items", report.action_items),
        ] {
            assert!(count > 0, "[{backend}] no {what}: {report:?}");
        }
        let counts = table_counts(&app).await;
        assert_eq!(
            counts,
            vec![
                report.people,
                report.people,
                report.memberships,
                report.meetings,
                report.agenda_items,
                report.rsvps,
                report.attendances,
                report.action_items,
                report.documents,
                2 * report.documents,
                report.versions,
            ],
            "[{backend}] the tables hold what the report says"
        );

        let db = app.store.connection();
        let people = person::Entity::find().all(db).await.unwrap();
        let regions: BTreeSet<_> = people
            .iter()
            .filter_map(|p| CountryCode::parse(&p.country).ok()?.unesco_region())
            .collect();
        assert_eq!(regions.len(), 5, "[{backend}] every UNESCO region");
        let kinds: BTreeSet<_> = people.iter().map(|p| p.stakeholder_type.as_str()).collect();
        assert_eq!(
            kinds.len(),
            8,
            "[{backend}] every stakeholder type: {kinds:?}"
        );
        let languages: BTreeSet<_> = people
            .iter()
            .map(|p| p.preferred_language.as_str())
            .collect();
        assert_eq!(languages, BTreeSet::from(["en", "fr"]), "[{backend}]");
        let genders: BTreeSet<_> = people.iter().map(|p| p.gender.as_deref()).collect();
        assert!(
            genders.contains(&Some("woman")) && genders.contains(&Some("man")),
            "[{backend}] {genders:?}"
        );
        let memberships = membership::Entity::find().all(db).await.unwrap();
        for (role, status) in [
            ("coordinator", "active"),
            ("member", "active"),
            ("observer", "active"),
            ("member", "pending"),
        ] {
            assert!(
                memberships
                    .iter()
                    .any(|m| m.role == role && m.status == status),
                "[{backend}] a {status} {role}"
            );
        }
        let documents_with_versions = document_version::Entity::find()
            .filter(document_version::Column::Number.gt(1))
            .count(db)
            .await
            .unwrap();
        assert!(documents_with_versions > 0, "[{backend}] later versions");

        // Frontend developers sign in with the documented password; the dashboard is full.
        let token = login(&app, &demo_email(2), DEMO_PASSWORD).await;
        let (_, body) = app
            .graphql_as(
                &token,
                "{ workingGroups { name members(first: 50) { totalCount edges { node { role person { displayName } } } } } }",
                json!({}),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let groups = body["data"]["workingGroups"].as_array().unwrap();
        assert_eq!(groups.len(), 4, "[{backend}]");
        assert!(
            groups
                .iter()
                .all(|g| g["members"]["totalCount"].as_u64() > Some(0)),
            "[{backend}] {body}"
        );
        assert_eq!(
            groups[0]["members"]["edges"][0]["node"]["role"], "COORDINATOR",
            "[{backend}] demo-00002 coordinates the first group"
        );
        // The documents' bytes are in the blob store.
        let version = document_version::Entity::find()
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let prefix = &version.sha256[..2];
        let file = std::path::Path::new(&app.settings.storage.dir)
            .join("sha256")
            .join(prefix)
            .join(&version.sha256);
        assert!(file.exists(), "[{backend}] {} stored", file.display());

        // A second run adds nothing.
        assert_eq!(
            seeded(&app, SCALE, false).await.unwrap(),
            DemoOutcome::AlreadySeeded {
                people: u64::from(SCALE)
            },
            "[{backend}]"
        );
        assert_eq!(
            table_counts(&app).await,
            counts,
            "[{backend}] nothing added"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn the_same_scale_and_day_give_the_same_population_on_every_backend() {
    let mut fingerprints = Vec::new();
    for backend in backends() {
        for _ in 0..2 {
            let app = TestApp::spawn(backend).await;
            let outcome = seeded(&app, 60, false).await.unwrap();
            assert!(
                matches!(outcome, DemoOutcome::Seeded(DemoReport { people: 60, .. })),
                "[{backend}] {outcome:?}"
            );
            fingerprints.push((backend, fingerprint(&app).await));
            app.finish().await;
        }
    }
    let (first_backend, first) = &fingerprints[0];
    assert!(first.len() > 60, "a population: {}", first.len());
    for (backend, other) in &fingerprints[1..] {
        let difference = first.iter().zip(other).find(|(a, b)| a != b);
        assert_eq!(
            (first.len(), difference),
            (other.len(), None),
            "{first_backend} and {backend} differ"
        );
    }
}

#[tokio::test]
async fn a_database_with_real_people_is_refused_unless_forced() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        signed_up(&app, "Wanjiru Kamau", "wanjiru@example.ke").await;
        let refused = seeded(&app, 20, false).await;
        assert!(
            matches!(
                refused,
                Err(ServiceError::Conflict {
                    field: Some("force"),
                    ..
                })
            ),
            "[{backend}] {refused:?}"
        );
        let demo_people = person::Entity::find()
            .filter(person::Column::Email.ends_with("@demo.invalid"))
            .count(app.store.connection())
            .await
            .unwrap();
        assert_eq!(demo_people, 0, "[{backend}] nothing written");

        let forced = seeded(&app, 20, true).await.unwrap();
        assert!(
            matches!(forced, DemoOutcome::Seeded(DemoReport { people: 20, .. })),
            "[{backend}] {forced:?}"
        );
        // The real person is untouched and still signs in.
        login(
            &app,
            "wanjiru@example.ke",
            coalition_tests::accounts::PASSWORD,
        )
        .await;
        app.finish().await;
    }
}

#[tokio::test]
async fn the_binary_seeds_demo_data_once_and_refuses_real_people_with_exit_code_3() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let files = database.scratch_dir.join("files");
        let key = database.scratch_dir.join("mail-token.key");
        let run = |args: &[&str]| {
            coalition()
                .args(args)
                .env("COALITION_DATABASE__URL", &database.url)
                .env("COALITION_STORAGE__DIR", &files)
                .env("COALITION_MAIL__TOKEN_KEY_FILE", &key)
                .output()
                .expect("the coalition binary runs")
        };
        let first = run(&["seed", "--demo", "--scale", "30"]);
        let stdout = String::from_utf8_lossy(&first.stdout);
        assert!(
            first.status.success(),
            "[{backend}] {}",
            String::from_utf8_lossy(&first.stderr)
        );
        assert!(stdout.contains("30 people"), "[{backend}] {stdout}");
        let second = run(&["seed", "--demo", "--scale", "30"]);
        assert!(second.status.success(), "[{backend}]");
        assert!(
            String::from_utf8_lossy(&second.stdout).contains("nothing added"),
            "[{backend}] {}",
            String::from_utf8_lossy(&second.stdout)
        );

        let app = TestApp::spawn(backend).await;
        signed_up(&app, "Camille Martin", "camille@example.fr").await;
        let refused = coalition()
            .args(["seed", "--demo", "--scale", "10"])
            .env("COALITION_DATABASE__URL", &app.database_url)
            .env("COALITION_STORAGE__DIR", &files)
            .env("COALITION_MAIL__TOKEN_KEY_FILE", &key)
            .output()
            .expect("the coalition binary runs");
        assert_eq!(refused.status.code(), Some(3), "[{backend}]");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("--force"),
            "[{backend}] {}",
            String::from_utf8_lossy(&refused.stderr)
        );
        app.finish().await;
    }
}
