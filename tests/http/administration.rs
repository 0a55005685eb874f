//! The secretariat's API: groups created with a first coordinator, described, archived and
//! restored; the coalition's and areas' texts; the people directory and administrators;
//! a group's invitations and the invitation preview; agenda and action items as nodes; and
//! the README's quick start, request by request.

use std::io::Write;
use std::process::Stdio;

use chrono::TimeDelta;
use coalition_store::AccountChange;
use coalition_tests::accounts::{
    PASSWORD, administrator, coordinator_of, login, member_of, person_id, register, registration,
    signed_up,
};
use coalition_tests::process::coalition;
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const CREATE: &str = "mutation ($i: CreateWorkingGroupInput!) { createWorkingGroup(input: $i) { id slug name nameFr: name(lang: \"fr\") joinPolicy archivedAt area { number } members { edges { node { role person { displayName } } } } } }";

fn group_input(area: &str, slug: &str, coordinator: &str) -> Value {
    json!({
        "areaId": area,
        "slug": slug,
        "name": [{ "lang": "en", "text": "International cooperation" }, { "lang": "fr", "text": "Coopération internationale" }],
        "summary": [{ "lang": "en", "text": "Brings partners together." }],
        "mandate": [{ "lang": "en", "text": "Foster cooperation on OER." }],
        "joinPolicy": "OPEN",
        "coordinatorId": coordinator,
    })
}

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (_, body) = app.graphql_as(token, query, variables).await;
    assert!(
        body["errors"].is_null(),
        "[{}] {query}: {body}",
        app.backend
    );
    body
}

/// The ID of the area of action numbered `number`.
async fn area(app: &TestApp, number: i64) -> String {
    let body = app
        .graphql("{ coalition { areasOfAction { id number } } }", json!({}))
        .await;
    body["data"]["coalition"]["areasOfAction"]
        .as_array()
        .unwrap()
        .iter()
        .find(|area| area["number"] == number)
        .map(|area| area["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("area {number}: {body}"))
}

async fn slugs(app: &TestApp, token: Option<&str>) -> Vec<String> {
    let query = "{ workingGroups { slug } coalition { workingGroups { slug } } }";
    let body = match token {
        Some(token) => app.graphql_as(token, query, json!({})).await.1,
        None => app.graphql(query, json!({})).await,
    };
    let listed = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|group| group["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let top = listed(&body["data"]["workingGroups"]);
    assert_eq!(top, listed(&body["data"]["coalition"]["workingGroups"]));
    top
}

#[tokio::test]
async fn administrators_create_describe_archive_and_restore_groups() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (coordinator_id, coordinator) =
            signed_up(&app, "Kwame Mensah", "kwame@example.gh").await;
        let fifth = area(&app, 5).await;

        // Administrators only.
        let input = group_input(&fifth, "cooperation", &coordinator_id);
        let (_, refused) = app
            .graphql_as(&coordinator, CREATE, json!({ "i": input }))
            .await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "[{backend}] {refused}");
        let anonymous = app.graphql(CREATE, json!({ "i": input })).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "[{backend}]");

        // The first coordinator must be able to sign in.
        let unverified = register(
            &app,
            registration("Wanjiru Kamau", "wanjiru@example.ke", "KE", "en"),
        )
        .await;
        assert_eq!(unverified["data"]["register"], true);
        let address = coalition_domain::people::Email::parse("wanjiru@example.ke").unwrap();
        let (wanjiru, _) = app.store.account_by_email(&address).await.unwrap().unwrap();
        let wanjiru_id = {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!("Person:{}", wanjiru.id.0))
        };
        let (_, body) = app
            .graphql_as(
                &admin,
                CREATE,
                json!({ "i": group_input(&fifth, "cooperation", &wanjiru_id) }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "coordinatorId");

        // Invalid slugs and missing English texts are refused before anything is written.
        let mut bad = group_input(&fifth, "Not A Slug", &coordinator_id);
        let (_, body) = app.graphql_as(&admin, CREATE, json!({ "i": bad })).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "slug", "{body}");
        bad["slug"] = json!("cooperation");
        bad["name"] = json!([{ "lang": "fr", "text": "Coopération" }]);
        let (_, body) = app.graphql_as(&admin, CREATE, json!({ "i": bad })).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "name", "{body}");

        // Taken slug, taken area: CONFLICT on the field.
        let (_, body) = app
            .graphql_as(
                &admin,
                CREATE,
                json!({ "i": group_input(&fifth, "capacity-building", &coordinator_id) }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "slug", "{body}");
        let first = area(&app, 1).await;
        let (_, body) = app
            .graphql_as(
                &admin,
                CREATE,
                json!({ "i": group_input(&first, "another", &coordinator_id) }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "areaId", "{body}");

        let body = ok(
            &app,
            &admin,
            CREATE,
            json!({ "i": group_input(&fifth, "cooperation", &coordinator_id) }),
        )
        .await;
        let created = &body["data"]["createWorkingGroup"];
        assert_eq!(created["slug"], "cooperation");
        assert_eq!(created["nameFr"], "Coopération internationale");
        assert_eq!(created["joinPolicy"], "OPEN");
        assert_eq!(created["area"]["number"], 5);
        assert!(created["archivedAt"].is_null());
        assert_eq!(
            created["members"]["edges"][0]["node"]["role"], "COORDINATOR",
            "{body}"
        );
        let group = created["id"].as_str().unwrap().to_owned();
        // The new coordinator coordinates at once: they may invite.
        ok(
            &app,
            &coordinator,
            "mutation ($g: ID!) { inviteMember(groupId: $g, email: \"ines@example.org\", role: MEMBER) { id } }",
            json!({ "g": group }),
        )
        .await;

        // Described again: only what is given changes.
        let update = "mutation ($g: ID!, $i: UpdateWorkingGroupInput!) { updateWorkingGroup(id: $g, input: $i) { slug name summary(lang: \"fr\") mandate joinPolicy } }";
        let body = ok(
            &app,
            &admin,
            update,
            json!({ "g": group, "i": { "summary": [{ "lang": "fr", "text": "Réunit les partenaires." }], "joinPolicy": "MODERATED" } }),
        )
        .await;
        let updated = &body["data"]["updateWorkingGroup"];
        assert_eq!(updated["summary"], "Réunit les partenaires.");
        assert_eq!(updated["name"], "International cooperation");
        assert_eq!(updated["mandate"], "Foster cooperation on OER.");
        assert_eq!(updated["joinPolicy"], "MODERATED");
        let (_, body) = app
            .graphql_as(
                &admin,
                update,
                json!({ "g": group, "i": { "slug": "supportive-policy" } }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&coordinator, update, json!({ "g": group, "i": {} }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");

        // Archived: out of lists but for administrators; no joins, invitations, meetings.
        let archive = "mutation ($g: ID!) { archiveWorkingGroup(id: $g) { archivedAt } }";
        let body = ok(&app, &admin, archive, json!({ "g": group })).await;
        assert!(body["data"]["archiveWorkingGroup"]["archivedAt"].is_string());
        ok(&app, &admin, archive, json!({ "g": group })).await;
        assert!(!slugs(&app, None).await.contains(&"cooperation".to_owned()));
        assert!(
            !slugs(&app, Some(&coordinator))
                .await
                .contains(&"cooperation".to_owned())
        );
        assert!(
            slugs(&app, Some(&admin))
                .await
                .contains(&"cooperation".to_owned())
        );
        let by_id = app
            .graphql(
                "query ($g: ID!) { workingGroup(id: $g) { slug archivedAt } }",
                json!({ "g": group }),
            )
            .await;
        assert!(
            by_id["data"]["workingGroup"]["archivedAt"].is_string(),
            "{by_id}"
        );
        let (_, joiner) = signed_up(&app, "Ines Silva", "ines.silva@example.pt").await;
        let (_, body) = app
            .graphql_as(
                &joiner,
                "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
                json!({ "g": group }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(
                &coordinator,
                "mutation ($g: ID!) { inviteMember(groupId: $g, email: \"zoe@example.org\", role: MEMBER) { id } }",
                json!({ "g": group }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(
                &coordinator,
                "mutation ($g: ID!) { scheduleMeeting(groupId: $g, input: { title: \"Kick-off\", startsAt: \"2027-02-02T09:00:00Z\", durationMinutes: 60, timeZone: \"Africa/Accra\", onlineUrl: \"https://meet.example.org/x\" }) { id } }",
                json!({ "g": group }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");

        let restore = "mutation ($g: ID!) { restoreWorkingGroup(id: $g) { archivedAt } }";
        let body = ok(&app, &admin, restore, json!({ "g": group })).await;
        assert!(body["data"]["restoreWorkingGroup"]["archivedAt"].is_null());
        assert!(slugs(&app, None).await.contains(&"cooperation".to_owned()));
        ok(
            &app,
            &joiner,
            "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
            json!({ "g": group }),
        )
        .await;

        // Typed events, recorded with each change.
        let stored_group = app
            .store
            .working_groups()
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.slug == "cooperation")
            .unwrap();
        let verbs: Vec<&str> = app
            .store
            .group_activity(stored_group.id, 50)
            .await
            .unwrap()
            .iter()
            .map(|event| event.change.verb())
            .collect();
        for verb in [
            "group.created",
            "membership.coordinator_appointed",
            "group.updated",
            "group.archived",
            "group.restored",
        ] {
            assert!(verbs.contains(&verb), "[{backend}] {verb} in {verbs:?}");
        }
        assert_eq!(
            verbs
                .iter()
                .filter(|verb| **verb == "group.archived")
                .count(),
            1,
            "archiving twice records once"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn administrators_edit_the_coalition_and_its_areas() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (_, member) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let coalition = "mutation ($d: [TranslationInput!]) { updateCoalition(description: $d) { name description(lang: \"fr\") } }";
        let text = json!([{ "lang": "fr", "text": "Une coalition pour les REL." }]);
        let (_, body) = app
            .graphql_as(&member, coalition, json!({ "d": text }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let body = ok(&app, &admin, coalition, json!({ "d": text })).await;
        assert_eq!(
            body["data"]["updateCoalition"]["description"],
            "Une coalition pour les REL."
        );
        assert_eq!(
            body["data"]["updateCoalition"]["name"],
            "OER Dynamic Coalition"
        );
        let (_, body) = app
            .graphql_as(
                &admin,
                "mutation { updateCoalition(name: [{ lang: \"en\", text: \"\" }]) { name } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");

        let fifth = area(&app, 5).await;
        let rename = "mutation ($a: ID!) { updateAreaOfAction(id: $a, name: [{ lang: \"en\", text: \"Cooperation\" }, { lang: \"fr\", text: \"Coopération\" }]) { number name(lang: \"fr\") } }";
        let (_, body) = app.graphql_as(&member, rename, json!({ "a": fifth })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let body = ok(&app, &admin, rename, json!({ "a": fifth })).await;
        assert_eq!(body["data"]["updateAreaOfAction"]["name"], "Coopération");
        let verbs: Vec<&str> = app
            .store
            .activity_about("coalition", 1, 10)
            .await
            .unwrap()
            .iter()
            .map(|event| event.change.verb())
            .collect();
        assert!(
            verbs.contains(&"coalition.updated"),
            "[{backend}] {verbs:?}"
        );
        app.finish().await;
    }
}

/// The display names of a `people` page, and its page info.
fn names(body: &Value) -> (Vec<String>, Value, u64) {
    let people = &body["data"]["people"];
    let names = people["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|edge| edge["node"]["displayName"].as_str().unwrap().to_owned())
        .collect();
    (
        names,
        people["pageInfo"].clone(),
        people["totalCount"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn the_people_directory_filters_and_pages_both_ways() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (_, outsider) = signed_up(&app, "Émile Dupont", "emile@example.fr").await;
        let (disabled, _) = signed_up(&app, "Layla Haddad", "layla@example.jo").await;
        app.store
            .change_account(None, person_id(&disabled), AccountChange::Disable)
            .await
            .unwrap();
        let mut french = registration("Chloé Martin", "chloe@example.fr", "FR", "fr");
        french["stakeholderType"] = json!("ACADEMIA_RESEARCH");
        assert_eq!(register(&app, french).await["data"]["register"], true);

        let query = "query ($q: String, $c: String, $r: UnescoRegion, $k: StakeholderType, $s: AccountStatus, $f: Int, $a: String, $l: Int, $b: String) { people(query: $q, country: $c, region: $r, stakeholderType: $k, status: $s, first: $f, after: $a, last: $l, before: $b) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { displayName email isAdmin accountStatus } } } }";
        let (_, body) = app.graphql_as(&outsider, query, json!({})).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let body = app.graphql(query, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "[{backend}]");

        let search = |variables: Value| {
            let app = &app;
            let admin = admin.clone();
            async move { ok(app, &admin, query, variables).await }
        };
        let body = search(json!({})).await;
        let (all, _, total) = names(&body);
        assert_eq!(
            all,
            [
                "Secretariat",
                "Émile Dupont",
                "Layla Haddad",
                "Chloé Martin"
            ],
            "[{backend}]"
        );
        assert_eq!(total, 4);
        assert_eq!(body["data"]["people"]["edges"][0]["node"]["isAdmin"], true);
        assert_eq!(
            body["data"]["people"]["edges"][3]["node"]["accountStatus"],
            "UNVERIFIED"
        );
        // By name (accents and case folded) or by address, every word.
        assert_eq!(
            names(&search(json!({ "q": "émile" })).await).0,
            ["Émile Dupont"]
        );
        assert_eq!(
            names(&search(json!({ "q": "EXAMPLE.jo" })).await).0,
            ["Layla Haddad"]
        );
        assert_eq!(
            names(&search(json!({ "q": "chloé fr" })).await).0,
            ["Chloé Martin"]
        );
        assert_eq!(
            names(&search(json!({ "q": "100%_" })).await).0,
            Vec::<String>::new()
        );
        assert_eq!(
            names(&search(json!({ "c": "KE" })).await).0,
            ["Secretariat", "Émile Dupont", "Layla Haddad"]
        );
        assert_eq!(
            names(&search(json!({ "r": "EUROPE_AND_NORTH_AMERICA" })).await).0,
            ["Chloé Martin"]
        );
        assert_eq!(
            names(&search(json!({ "k": "ACADEMIA_RESEARCH" })).await).0,
            ["Chloé Martin"]
        );
        for (status, expected) in [
            ("ADMIN", vec!["Secretariat"]),
            ("DISABLED", vec!["Layla Haddad"]),
            ("UNVERIFIED", vec!["Chloé Martin"]),
            ("ACTIVE", vec!["Secretariat", "Émile Dupont"]),
        ] {
            assert_eq!(
                names(&search(json!({ "s": status })).await).0,
                expected,
                "[{backend}] {status}"
            );
        }

        // Forward, then backward from the end.
        let body = search(json!({ "f": 3 })).await;
        let (page, info, _) = names(&body);
        assert_eq!(page, ["Secretariat", "Émile Dupont", "Layla Haddad"]);
        assert_eq!(info["hasNextPage"], true);
        assert_eq!(info["hasPreviousPage"], false);
        let body = search(json!({ "f": 3, "a": info["endCursor"] })).await;
        assert_eq!(names(&body).0, ["Chloé Martin"]);
        assert_eq!(names(&body).1["hasNextPage"], false);
        let body = search(json!({ "l": 2 })).await;
        let (page, info, _) = names(&body);
        assert_eq!(page, ["Layla Haddad", "Chloé Martin"]);
        assert_eq!(info["hasPreviousPage"], true);
        let body = search(json!({ "l": 2, "b": info["startCursor"] })).await;
        let (page, info, _) = names(&body);
        assert_eq!(page, ["Secretariat", "Émile Dupont"]);
        assert_eq!(info["hasPreviousPage"], false);
        assert_eq!(info["hasNextPage"], true);
        let (_, body) = app
            .graphql_as(&admin, query, json!({ "f": 2, "l": 2 }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&admin, query, json!({ "a": "not-a-cursor" }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn administrators_are_granted_and_revoked_but_one_always_remains() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (admin_id, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (ada_id, ada) = signed_up(&app, "Ada Achieng", "ada@example.ke").await;
        let me = "{ me { isAdmin accountStatus } }";
        assert_eq!(
            ok(&app, &ada, me, json!({})).await["data"]["me"]["isAdmin"],
            false
        );
        assert_eq!(
            ok(&app, &admin, me, json!({})).await["data"]["me"]["isAdmin"],
            true
        );
        assert_eq!(
            ok(&app, &ada, me, json!({})).await["data"]["me"]["accountStatus"],
            "ACTIVE"
        );

        let grant = "mutation ($p: ID!) { grantAdmin(personId: $p) { id isAdmin } }";
        let revoke = "mutation ($p: ID!) { revokeAdmin(personId: $p) { id isAdmin } }";
        let (_, body) = app.graphql_as(&ada, grant, json!({ "p": ada_id })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let body = ok(&app, &admin, grant, json!({ "p": ada_id })).await;
        assert_eq!(body["data"]["grantAdmin"]["isAdmin"], true);
        // Ada's next request carries her new rights.
        assert_eq!(
            ok(&app, &ada, me, json!({})).await["data"]["me"]["isAdmin"],
            true
        );
        let body = ok(&app, &ada, revoke, json!({ "p": admin_id })).await;
        assert_eq!(body["data"]["revokeAdmin"]["isAdmin"], false);
        // Ada is the last one now: she cannot step down.
        let (_, body) = app.graphql_as(&ada, revoke, json!({ "p": ada_id })).await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        assert_eq!(
            ok(&app, &ada, me, json!({})).await["data"]["me"]["isAdmin"],
            true
        );
        let (_, body) = app.graphql_as(&admin, revoke, json!({ "p": ada_id })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        // A disabled administrator does not count as the one remaining.
        ok(&app, &ada, grant, json!({ "p": admin_id })).await;
        app.store
            .change_account(None, person_id(&admin_id), AccountChange::Disable)
            .await
            .unwrap();
        let (_, body) = app.graphql_as(&ada, revoke, json!({ "p": ada_id })).await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        let verbs: Vec<&str> = app
            .store
            .activity_about("person", person_id(&admin_id).0, 20)
            .await
            .unwrap()
            .iter()
            .map(|event| event.change.verb())
            .collect();
        assert!(verbs.contains(&"account.admin_revoked"), "{verbs:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_group_lists_its_invitations_by_status_and_tokens_preview_without_sign_in() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, mut coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, mut member) = member_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let invite = "mutation ($g: ID!, $e: String!, $r: MembershipRole!) { inviteMember(groupId: $g, email: $e, role: $r) { id status } }";
        let mut invitations = Vec::new();
        for (email, role) in [
            ("old@example.org", "MEMBER"),
            ("revoked@example.org", "MEMBER"),
            ("accepted@example.org", "OBSERVER"),
            ("open@example.org", "COORDINATOR"),
        ] {
            let body = ok(
                &app,
                &coordinator,
                invite,
                json!({ "g": group_id, "e": email, "r": role }),
            )
            .await;
            assert_eq!(body["data"]["inviteMember"]["status"], "PENDING");
            invitations.push(
                body["data"]["inviteMember"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
            if email == "old@example.org" {
                // Its fortnight passes before the others are sent (sessions end meanwhile).
                app.clock.advance(TimeDelta::days(15));
                coordinator = login(&app, "claire@example.fr", PASSWORD).await;
                member = login(&app, "amina@example.sn", PASSWORD).await;
            }
        }
        ok(
            &app,
            &coordinator,
            "mutation ($i: ID!) { revokeInvitation(invitationId: $i) { id } }",
            json!({ "i": invitations[1] }),
        )
        .await;
        let accepted_token =
            coalition_tests::mail::token(&app.mail_to("accepted@example.org", "Invitation").await);
        let (_, invitee) = signed_up(&app, "Tomás Ruiz", "accepted@example.org").await;

        // The preview, before signing in.
        let preview = "query ($t: String!) { invitationPreview(token: $t) { role inviterName expiresAt workingGroup { id } } }";
        let body = app.graphql(preview, json!({ "t": accepted_token })).await;
        let shown = &body["data"]["invitationPreview"];
        assert_eq!(shown["role"], "OBSERVER", "[{backend}] {body}");
        assert_eq!(shown["inviterName"], "Claire Martin");
        assert_eq!(shown["workingGroup"]["id"], group_id.as_str());
        assert!(shown["expiresAt"].is_string());
        ok(
            &app,
            &invitee,
            "mutation ($t: String!) { acceptInvitation(token: $t) { id } }",
            json!({ "t": accepted_token }),
        )
        .await;
        let old_token =
            coalition_tests::mail::token(&app.mail_to("old@example.org", "Invitation").await);
        let revoked_token =
            coalition_tests::mail::token(&app.mail_to("revoked@example.org", "Invitation").await);
        for token in [
            accepted_token.as_str(),
            old_token.as_str(),
            revoked_token.as_str(),
            "made-up",
            "",
        ] {
            let body = app.graphql(preview, json!({ "t": token })).await;
            assert_eq!(
                error_code(&body),
                "NOT_FOUND",
                "[{backend}] {token}: {body}"
            );
            assert!(body["data"].is_null() || body["data"]["invitationPreview"].is_null());
        }

        let list = "query ($g: ID!, $s: InvitationStatus, $f: Int, $a: String) { workingGroup(id: $g) { invitations(status: $s, first: $f, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { id email status role } } } } }";
        let emails = |body: &Value| -> Vec<String> {
            body["data"]["workingGroup"]["invitations"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|edge| edge["node"]["email"].as_str().unwrap().to_owned())
                .collect()
        };
        let body = ok(&app, &coordinator, list, json!({ "g": group_id })).await;
        assert_eq!(
            emails(&body),
            [
                "open@example.org",
                "accepted@example.org",
                "revoked@example.org",
                "old@example.org"
            ],
            "[{backend}] newest first"
        );
        for (status, expected) in [
            ("PENDING", "open@example.org"),
            ("ACCEPTED", "accepted@example.org"),
            ("REVOKED", "revoked@example.org"),
            ("EXPIRED", "old@example.org"),
        ] {
            let body = ok(
                &app,
                &coordinator,
                list,
                json!({ "g": group_id, "s": status }),
            )
            .await;
            assert_eq!(emails(&body), [expected], "[{backend}] {status}");
            let node = &body["data"]["workingGroup"]["invitations"]["edges"][0]["node"];
            assert_eq!(node["status"], status);
        }
        let body = ok(&app, &coordinator, list, json!({ "g": group_id, "f": 3 })).await;
        let connection = &body["data"]["workingGroup"]["invitations"];
        assert_eq!(connection["totalCount"], 4);
        assert_eq!(connection["pageInfo"]["hasNextPage"], true);
        let body = ok(
            &app,
            &coordinator,
            list,
            json!({ "g": group_id, "f": 3, "a": connection["pageInfo"]["endCursor"] }),
        )
        .await;
        assert_eq!(emails(&body), ["old@example.org"]);

        // Revoked without keeping its ID: found by status.
        let body = ok(
            &app,
            &coordinator,
            list,
            json!({ "g": group_id, "s": "PENDING" }),
        )
        .await;
        let open = body["data"]["workingGroup"]["invitations"]["edges"][0]["node"]["id"].clone();
        ok(
            &app,
            &coordinator,
            "mutation ($i: ID!) { revokeInvitation(invitationId: $i) { id } }",
            json!({ "i": open }),
        )
        .await;
        let open_token =
            coalition_tests::mail::token(&app.mail_to("open@example.org", "Invitation").await);
        let body = app.graphql(preview, json!({ "t": open_token })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");

        // Members do not see invitations (they hold addresses).
        let (_, body) = app
            .graphql_as(&member, list, json!({ "g": group_id }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let body = app.graphql(list, json!({ "g": group_id })).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "[{backend}] {body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn agenda_and_action_items_are_nodes_seen_like_their_meeting() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (member_id, member) = member_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let (_, outsider) = signed_up(&app, "João Pereira", "joao@example.br").await;
        let body = ok(
            &app,
            &coordinator,
            "mutation ($g: ID!) { scheduleMeeting(groupId: $g, input: { title: \"Planning\", startsAt: \"2027-02-02T09:00:00Z\", durationMinutes: 60, timeZone: \"Europe/Paris\", onlineUrl: \"https://meet.example.org/p\", visibility: GROUP }) { id } }",
            json!({ "g": group_id }),
        )
        .await;
        let meeting = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = ok(
            &app,
            &coordinator,
            "mutation ($m: ID!) { addAgendaItem(meetingId: $m, input: { title: \"Budget\" }) { id } }",
            json!({ "m": meeting }),
        )
        .await;
        let agenda_item = body["data"]["addAgendaItem"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = ok(
            &app,
            &coordinator,
            "mutation ($m: ID!, $o: ID!) { addActionItem(meetingId: $m, title: \"Share the draft\", ownerId: $o, occurrenceStart: \"2027-02-02T09:00:00Z\") { id raisedAt { id title } raisedAtOccurrence } }",
            json!({ "m": meeting, "o": member_id }),
        )
        .await;
        let added = &body["data"]["addActionItem"];
        assert_eq!(
            added["raisedAt"]["id"],
            meeting.as_str(),
            "[{backend}] {body}"
        );
        assert_eq!(added["raisedAt"]["title"], "Planning");
        assert_eq!(added["raisedAtOccurrence"], "2027-02-02T09:00:00+00:00");
        let action_item = added["id"].as_str().unwrap().to_owned();

        let node = "query ($id: ID!) { node(id: $id) { __typename id ... on AgendaItem { title meeting { id } } ... on ActionItem { title raisedAt { id } } } }";
        let body = ok(&app, &member, node, json!({ "id": agenda_item })).await;
        assert_eq!(body["data"]["node"]["__typename"], "AgendaItem");
        assert_eq!(body["data"]["node"]["id"], agenda_item.as_str());
        assert_eq!(body["data"]["node"]["meeting"]["id"], meeting.as_str());
        let body = ok(&app, &member, node, json!({ "id": action_item })).await;
        assert_eq!(body["data"]["node"]["__typename"], "ActionItem");
        assert_eq!(body["data"]["node"]["title"], "Share the draft");
        assert_eq!(body["data"]["node"]["raisedAt"]["id"], meeting.as_str());
        for id in [&agenda_item, &action_item] {
            let (_, body) = app.graphql_as(&outsider, node, json!({ "id": id })).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
            let body = app.graphql(node, json!({ "id": id })).await;
            assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        }

        // Outbox messages have global IDs, which `retryMail` takes.
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let body = ok(
            &app,
            &admin,
            "{ outboxMessages(first: 1) { id } }",
            json!({}),
        )
        .await;
        let id = body["data"]["outboxMessages"][0]["id"].as_str().unwrap();
        assert!(id.parse::<i64>().is_err(), "an opaque global id: {id}");
        let (_, body) = app
            .graphql_as(
                &admin,
                "mutation { retryMail(id: \"12\") { id } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        app.finish().await;
    }
}

/// The requests of the README's quick start, in order: what is between its markers.
fn quick_start() -> (String, Vec<(Option<String>, String)>) {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("<!-- quick-start:begin -->")
        .expect("the README has a quick start");
    let end = readme.find("<!-- quick-start:end -->").expect("it ends");
    let section = &readme[start..end];
    let mut admin_command = String::new();
    let mut requests = Vec::new();
    for line in section.lines() {
        if line.contains("create-admin") {
            admin_command = line.to_owned();
        }
        let Some(rest) = line.strip_prefix("curl ") else {
            continue;
        };
        let auth = rest
            .split("-H 'Authorization: Bearer ")
            .nth(1)
            .and_then(|tail| tail.split('\'').next())
            .map(str::to_owned);
        let data = rest
            .split("-d '")
            .nth(1)
            .and_then(|tail| tail.strip_suffix('\''))
            .unwrap_or_else(|| panic!("a request body in: {line}"))
            .to_owned();
        requests.push((auth, data));
    }
    (admin_command, requests)
}

fn substitute(text: &str, values: &[(String, String)]) -> String {
    values.iter().fold(text.to_owned(), |text, (name, value)| {
        text.replace(name, value)
    })
}

#[tokio::test]
async fn the_readme_quick_start_takes_a_newcomer_to_an_approved_member() {
    let (admin_command, requests) = quick_start();
    assert_eq!(requests.len(), 8, "the quick start's requests");
    // `echo 'PASSWORD' | cargo run … -- create-admin --email ADDRESS`
    let password = admin_command
        .split('\'')
        .nth(1)
        .expect("a password echoed")
        .to_owned();
    let email = admin_command
        .split("--email ")
        .nth(1)
        .expect("an address")
        .trim()
        .to_owned();
    for backend in backends() {
        let app = TestApp::spawn_binary(backend, &[], |_| {}).await;
        assert!(
            app.server_log()
                .iter()
                .any(|line| line.contains("no administrator yet") && line.contains("create-admin")),
            "[{backend}] the first start says how to create an administrator"
        );
        let mut command = coalition();
        command
            .args(["create-admin", "--email", &email])
            .env("COALITION_DATABASE__URL", &app.database_url)
            .env(
                "COALITION_MAIL__FILE_DIR",
                app.mail_dir.display().to_string(),
            )
            .env(
                "COALITION_MAIL__TOKEN_KEY_FILE",
                &app.settings.mail.token_key_file,
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("create-admin runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("password written");
        let output = child.wait_with_output().expect("create-admin ends");
        assert!(
            output.status.success(),
            "[{backend}] {}",
            String::from_utf8_lossy(&output.stderr)
        );

        let mut values: Vec<(String, String)> = Vec::new();
        let mut last = Value::Null;
        for (auth, data) in &requests {
            if data.contains("TOKEN_FROM_THE_MAIL") {
                let mail = app.mail_to("ada@example.org", "Confirm").await;
                values.push((
                    "TOKEN_FROM_THE_MAIL".to_owned(),
                    coalition_tests::mail::token(&mail),
                ));
            }
            let body: Value = serde_json::from_str(&substitute(data, &values))
                .unwrap_or_else(|error| panic!("the README's request is JSON ({error}): {data}"));
            let mut request = app.client.post(app.url("/graphql")).json(&body);
            if let Some(auth) = auth {
                request = request.bearer_auth(substitute(auth, &values));
            }
            last = request.send().await.unwrap().json().await.unwrap();
            assert!(last["errors"].is_null(), "[{backend}] {data}: {last}");
            let data = &last["data"];
            if let Some(token) = data["login"]["token"].as_str() {
                let name = if body["query"].as_str().unwrap().contains(&email) {
                    "ADMIN_TOKEN"
                } else {
                    "ADA_TOKEN"
                };
                values.push((name.to_owned(), token.to_owned()));
            }
            if let Some(group) = data["workingGroups"][0]["id"].as_str() {
                values.push(("GROUP_ID".to_owned(), group.to_owned()));
            }
            if let Some(membership) = data["requestToJoin"]["id"].as_str() {
                assert_eq!(data["requestToJoin"]["status"], "PENDING");
                values.push(("MEMBERSHIP_ID".to_owned(), membership.to_owned()));
            }
        }
        let me = &last["data"]["me"];
        assert_eq!(me["isAdmin"], false, "[{backend}] {last}");
        assert_eq!(
            me["memberships"][0]["status"], "ACTIVE",
            "[{backend}] {last}"
        );
        assert_eq!(me["memberships"][0]["role"], "MEMBER");
        app.finish().await;
    }
}
