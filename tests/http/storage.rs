//! The store's guarantees, on every backend: idempotent seed, unique addresses whatever
//! their case, one membership per person and group.

use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::stakeholder::StakeholderType;
use coalition_store::StoreError;
use coalition_tests::fixtures::new_person;
use coalition_tests::{TestApp, backends};

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        // The server seeded on start; a second run adds nothing.
        let report = app.store.seed().await.unwrap();
        assert!(report.is_empty(), "[{backend}] {report:?}");
        assert_eq!(app.store.areas_of_action().await.unwrap().len(), 5);
        assert_eq!(app.store.working_groups().await.unwrap().len(), 4);
        app.finish().await;
    }
}

#[tokio::test]
async fn a_fresh_database_is_seeded_completely_once() {
    for backend in backends() {
        let app =
            TestApp::spawn_with(backend, |settings| settings.database.seed_on_start = false).await;
        assert!(!app.store.is_seeded().await.unwrap());
        let report = app.store.seed().await.unwrap();
        assert_eq!(
            (report.coalitions, report.areas, report.working_groups),
            (1, 5, 4),
            "[{backend}]"
        );
        assert!(app.store.seed().await.unwrap().is_empty());
        let coalition = app.store.coalition().await.unwrap();
        let log = app
            .store
            .activity_about("coalition", coalition.id.0, 10)
            .await
            .unwrap();
        assert_eq!(
            log.len(),
            1,
            "[{backend}] one entry for the one seed that added rows"
        );
        assert_eq!(log[0].change.verb(), "coalition.seeded");
        app.finish().await;
    }
}

#[tokio::test]
async fn email_addresses_are_unique_whatever_their_case() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let first = new_person(
            "Claire Martin",
            "Claire.Martin@Example.fr",
            "FR",
            StakeholderType::NationalCommission,
            "Europe/Paris",
        );
        let person = app.store.insert_person(first).await.unwrap();
        assert_eq!(
            person.email.as_str(),
            "Claire.Martin@Example.fr",
            "kept as written"
        );
        assert_eq!(
            person.region().map(|r| r.as_str()),
            Some("europe_and_north_america")
        );

        let twin = new_person(
            "C. Martin",
            "claire.martin@example.FR",
            "FR",
            StakeholderType::CivilSociety,
            "Europe/Paris",
        );
        let error = app.store.insert_person(twin).await.unwrap_err();
        assert!(
            matches!(error, StoreError::Conflict { .. }),
            "[{backend}] {error:?}"
        );
        assert!(error.is_conflict_on("email"), "[{backend}] {error:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn one_membership_per_person_and_group() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let group = app.store.working_groups().await.unwrap().remove(0).id;
        let person = app
            .store
            .insert_person(new_person(
                "Wanjiru Kamau",
                "wanjiru@example.ke",
                "KE",
                StakeholderType::CivilSociety,
                "Africa/Nairobi",
            ))
            .await
            .unwrap();
        app.store
            .insert_membership(
                group,
                person.id,
                MembershipRole::Coordinator,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        let error = app
            .store
            .insert_membership(
                group,
                person.id,
                MembershipRole::Member,
                MembershipStatus::Pending,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, StoreError::Conflict { .. }),
            "[{backend}] {error:?}"
        );
        app.finish().await;
    }
}
